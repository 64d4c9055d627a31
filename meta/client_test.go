package meta_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/meta"
	"github.com/botsync/botsync/meta/metatest"
	"github.com/botsync/botsync/secret"
)

var (
	secretTok = secret.New("EAAG-test-token-do-not-leak")
	secretApp = secret.New("app-secret-do-not-leak")
)

func TestNewClientRejectsBadOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opt  meta.Option
		want string
	}{
		{"relative base URL", meta.WithBaseURL("graph.facebook.com"), "base URL"},
		{"ftp base URL", meta.WithBaseURL("ftp://graph.facebook.com"), "base URL"},
		{"base URL with query", meta.WithBaseURL("https://graph.facebook.com?access_token=x"), "base URL"},
		{"base URL with user", meta.WithBaseURL("https://u:p@graph.facebook.com"), "base URL"},
		{"bad version", meta.WithVersion("24"), "version"},
		{"empty app secret", meta.WithAppSecret(secret.Value{}), "app secret"},
		{"nil http client", meta.WithHTTPClient(nil), "http client"},
		{"nil logger", meta.WithLogger(nil), "logger"},
		{"nil clock", meta.WithClock(nil), "clock"},
		{"bad auth header name", meta.WithAuthHeader("X Key", secret.New("k")), "auth header name"},
		{"empty auth header value", meta.WithAuthHeader("D360-API-KEY", secret.Value{}), "auth header value"},
		{"negative retries", meta.WithRetry(-1, time.Second, time.Second), "retry max"},
		{"min above max", meta.WithRetry(1, time.Minute, time.Second), "retry waits"},
		{"zero min wait", meta.WithRetry(1, 0, time.Second), "retry waits"},
		{"nil governor", meta.WithGovernor(nil), "governor"},
		{"user agent with newline", meta.WithUserAgent("a\r\nb"), "user agent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := meta.NewClient(secretTok, tt.opt)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	c, err := meta.NewClient(secretTok)
	require.NoError(t, err)
	assert.Equal(t, meta.DefaultBaseURL, c.BaseURL().String())
	assert.Equal(t, meta.DefaultVersion, c.Version())
	req, err := c.NewRequest(t.Context(), "GET", "1234/messages?fields=id", nil)
	require.NoError(t, err)
	assert.Equal(t, "https://graph.facebook.com/v24.0/1234/messages?fields=id", req.URL.String())
	assert.Equal(t, "application/json", req.Header.Get("Accept"))
	assert.Empty(t, req.Header.Get("Authorization"), "NewRequest leaves authentication to Do")
}

func TestTokenTravelsOnlyInTheAuthorizationHeader(t *testing.T) {
	t.Parallel()
	srv := metatest.NewServer(t, metatest.WithAppSecretProof(), metatest.WithApp("1", secretApp.Reveal()))
	okHandlers(srv)
	c := srv.Client(secretTok.Reveal(), meta.WithAppSecret(secretApp))
	_, err := c.Get(t.Context(), "me", url.Values{"fields": {"id,name"}}, nil)
	require.NoError(t, err)
	r, ok := srv.LastRequest()
	require.True(t, ok)
	assert.Equal(t, "Bearer "+secretTok.Reveal(), r.Header.Get("Authorization"))
	assert.False(t, r.Query.Has("access_token"))
	assert.Equal(t, "id,name", r.Query.Get("fields"))
	assert.Equal(t, meta.AppSecretProof(secretTok, secretApp), r.Query.Get("appsecret_proof"))
	assert.Equal(t, "v24.0", r.Version)

	// a client with the wrong app secret is refused by the fake, like Meta
	bad := srv.Client(secretTok.Reveal(), meta.WithAppSecret(secret.New("wrong")))
	_, err = bad.Get(t.Context(), "me", nil, nil)
	var me *meta.Error
	require.ErrorAs(t, err, &me)
	assert.Equal(t, 100, me.Code)
	assert.Contains(t, me.Message, "appsecret_proof")
	assert.NotContains(t, err.Error(), secretTok.Reveal())
	assert.NotContains(t, err.Error(), meta.AppSecretProof(secretTok, secret.New("wrong")))

	// no proof at all
	_, err = srv.Client(secretTok.Reveal()).Get(t.Context(), "me", nil, nil)
	require.ErrorAs(t, err, &me)
	assert.Contains(t, me.Message, "require an appsecret_proof")
}

func TestAppSecretProofKnownValue(t *testing.T) {
	t.Parallel()
	// HMAC-SHA256(key="secret", msg="token"), computed independently with openssl:
	// printf token | openssl dgst -sha256 -hmac secret
	assert.Equal(t, "e941110e3d2bfe82621f0e3e1434730d7305d106c5f68c87165d0b27a4611a4a",
		meta.AppSecretProof(secret.New("token"), secret.New("secret")))
}

func TestPathAndQueryMustNotCarryTheToken(t *testing.T) {
	t.Parallel()
	c, err := meta.NewClient(secretTok)
	require.NoError(t, err)
	_, err = c.Get(t.Context(), "me?access_token=x", nil, nil)
	require.ErrorContains(t, err, "access_token")
	_, err = c.Get(t.Context(), "me", url.Values{"access_token": {"x"}}, nil)
	require.ErrorContains(t, err, "access_token")
	_, err = c.NewRequest(t.Context(), "GET", "https://evil.example/steal", nil)
	require.ErrorContains(t, err, "relative")
	_, err = c.NewRequest(t.Context(), "GET", "//evil.example/steal", nil)
	require.ErrorContains(t, err, "relative")
	_, err = c.NewRequest(t.Context(), "GET", "", nil)
	require.ErrorContains(t, err, "path: empty")
	//nolint:staticcheck // a nil context is the point
	_, err = c.NewRequest(nil, "GET", "me", nil)
	require.ErrorContains(t, err, "nil context")
}

func TestNewRequestBodies(t *testing.T) {
	t.Parallel()
	c, err := meta.NewClient(secretTok)
	require.NoError(t, err)
	ctx := t.Context()

	req, err := c.NewRequest(ctx, "POST", "1/messages", map[string]any{"to": "x", "n": 1})
	require.NoError(t, err)
	assert.Equal(t, "application/json", req.Header.Get("Content-Type"))
	b, _ := io.ReadAll(req.Body)
	assert.JSONEq(t, `{"to":"x","n":1}`, string(b))

	req, err = c.NewRequest(ctx, "POST", "1/subscribed_apps", url.Values{"subscribed_fields": {"messages"}})
	require.NoError(t, err)
	assert.Equal(t, "application/x-www-form-urlencoded", req.Header.Get("Content-Type"))
	b, _ = io.ReadAll(req.Body)
	assert.Equal(t, "subscribed_fields=messages", string(b))

	req, err = c.NewRequest(ctx, "POST", "1/media", strings.NewReader("raw"))
	require.NoError(t, err)
	assert.Empty(t, req.Header.Get("Content-Type"), "the caller sets the content type of a reader body")
	b, _ = io.ReadAll(req.Body)
	assert.Equal(t, "raw", string(b))

	req, err = c.NewRequest(ctx, "POST", "1/messages", []byte(`{"raw":true}`))
	require.NoError(t, err)
	assert.Equal(t, "application/json", req.Header.Get("Content-Type"))
	b, _ = io.ReadAll(req.Body)
	assert.Equal(t, `{"raw":true}`, string(b))

	req, err = c.NewRequest(ctx, "POST", "1/messages", json.RawMessage(`{"raw":1}`))
	require.NoError(t, err)
	b, _ = io.ReadAll(req.Body)
	assert.Equal(t, `{"raw":1}`, string(b))

	req, err = c.NewRequest(ctx, "GET", "1", nil)
	require.NoError(t, err)
	assert.Nil(t, req.Body)

	_, err = c.NewRequest(ctx, "POST", "1", map[string]any{"bad": make(chan int)})
	require.ErrorContains(t, err, "encode body")
}

func TestVersionAndBasePaths(t *testing.T) {
	t.Parallel()
	c, err := meta.NewClient(secretTok, meta.WithBaseURL("https://bsp.example/graph/"), meta.WithVersion("v23.0"))
	require.NoError(t, err)
	req, err := c.NewRequest(t.Context(), "GET", "1234/messages", nil)
	require.NoError(t, err)
	assert.Equal(t, "https://bsp.example/graph/v23.0/1234/messages", req.URL.String())
	req, err = c.NewRequest(t.Context(), "GET", "/refresh_access_token?grant_type=ig_refresh_token", nil)
	require.NoError(t, err)
	assert.Equal(t, "https://bsp.example/graph/refresh_access_token?grant_type=ig_refresh_token", req.URL.String())

	unversioned, err := meta.NewClient(secretTok, meta.WithBaseURL(meta.InstagramBaseURL), meta.WithVersion(""))
	require.NoError(t, err)
	req, err = unversioned.NewRequest(t.Context(), "GET", "me", nil)
	require.NoError(t, err)
	assert.Equal(t, "https://graph.instagram.com/me", req.URL.String())
}

func TestAPIKeyHeaderReplacesBearer(t *testing.T) {
	t.Parallel()
	srv := metatest.NewServer(t, metatest.WithAPIKeyHeader("D360-API-KEY"))
	okHandlers(srv)
	c := srv.Client("", meta.WithAuthHeader("D360-API-KEY", secret.New("key-123")), meta.WithAppSecret(secretApp))
	_, err := c.Get(t.Context(), "me", nil, nil)
	require.NoError(t, err)
	r, _ := srv.LastRequest()
	assert.Equal(t, "key-123", r.Header.Get("D360-API-KEY"))
	assert.Empty(t, r.Header.Get("Authorization"))
	assert.False(t, r.Query.Has("appsecret_proof"))
}

func TestMissingTokenIsUnauthorized(t *testing.T) {
	t.Parallel()
	srv := metatest.NewServer(t)
	okHandlers(srv)
	_, err := srv.Client("").Get(t.Context(), "me", nil, nil)
	require.ErrorIs(t, err, meta.ErrUnauthorized)
}

func TestWithTokenSharesConfiguration(t *testing.T) {
	t.Parallel()
	srv := metatest.NewServer(t)
	okHandlers(srv)
	base := srv.Client("first", meta.WithAppSecret(secretApp))
	other := base.WithToken(secret.New("second"))
	_, err := other.Get(t.Context(), "me", nil, nil)
	require.NoError(t, err)
	r, _ := srv.LastRequest()
	assert.Equal(t, "Bearer second", r.Header.Get("Authorization"))
	assert.Equal(t, meta.AppSecretProof(secret.New("second"), secretApp), r.Query.Get("appsecret_proof"))
	_, err = base.Get(t.Context(), "me", nil, nil)
	require.NoError(t, err)
	r, _ = srv.LastRequest()
	assert.Equal(t, "Bearer first", r.Header.Get("Authorization"))
}

func TestDoDecodesWritesAndReportsUsage(t *testing.T) {
	t.Parallel()
	srv := metatest.NewServer(t)
	okHandlers(srv)
	srv.SetUsage(meta.Usage{App: &meta.AppUsage{CallCount: 12, TotalCPUTime: 3, TotalTime: 5}})
	c := srv.Client("tok")

	var buf bytes.Buffer
	resp, err := c.Get(t.Context(), "me", nil, &buf)
	require.NoError(t, err)
	assert.JSONEq(t, `{"id":"1"}`, buf.String())
	require.NotNil(t, resp.Usage.App)
	assert.Equal(t, 12.0, resp.Usage.App.CallCount)
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	resp, err = c.Post(t.Context(), "me/things", nil, nil)
	require.NoError(t, err)
	assert.Equal(t, 12.0, resp.Usage.MaxPercent())

	srv.Handle("GET /{version}/garbage", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"id":`))
	})
	var out struct{ ID string }
	_, err = c.Get(t.Context(), "garbage", nil, &out)
	require.ErrorContains(t, err, "GET garbage: decode response")

	srv.Handle("DELETE /{version}/empty", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })
	_, err = c.Delete(t.Context(), "empty", &out)
	require.NoError(t, err, "an empty body is not a decode error")
}

func TestDoRawStreamsAndClassifiesErrors(t *testing.T) {
	t.Parallel()
	srv := metatest.NewServer(t)
	payload := bytes.Repeat([]byte("media"), 10000)
	srv.Handle("GET /{version}/media-bytes", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/jpeg")
		_, _ = w.Write(payload)
	})
	c := srv.Client("tok")
	req, err := c.NewRequest(t.Context(), "GET", "media-bytes", nil)
	require.NoError(t, err)
	resp, err := c.DoRaw(req)
	require.NoError(t, err)
	got, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	assert.Equal(t, payload, got)

	srv.Fail(metatest.Match("GET", "media-bytes"), metatest.Failure{Status: 404, Code: 100, Subcode: 33, Message: "Unsupported get request"})
	req, _ = c.NewRequest(t.Context(), "GET", "media-bytes", nil)
	_, err = c.DoRaw(req)
	var me *meta.Error
	require.ErrorAs(t, err, &me)
	assert.Equal(t, 33, me.Subcode)
	assert.Equal(t, "GET media-bytes", me.Op)
	assert.Equal(t, "AmetatestTrace", me.FBTraceID)
	_, err = c.DoRaw(nil)
	require.Error(t, err)
}

// TestSecretsNeverLeak drives every path that could print a URL or token —
// Graph errors, transport errors, token exchange failures, debug logs — and
// checks neither the errors nor the logs show a secret.
func TestSecretsNeverLeak(t *testing.T) {
	t.Parallel()
	srv := metatest.NewServer(t)
	okHandlers(srv)
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	short := secret.New("short-lived-user-token-do-not-leak")
	c := srv.Client(secretTok.Reveal(), meta.WithAppSecret(secretApp), meta.WithLogger(logger))

	var errs []error
	srv.Fail(metatest.Match("GET", "me"), metatest.Failure{Status: 503, Code: 2})
	_, err := c.Get(t.Context(), "me", nil, nil)
	errs = append(errs, err)
	_, err = c.ExchangeToken(t.Context(), srv.AppID(), secretApp, short) // wrong app secret
	errs = append(errs, err)
	srv.Fail(metatest.Match("GET", "oauth/access_token"), metatest.Failure{DropConnection: true})
	_, err = c.ExchangeToken(t.Context(), srv.AppID(), srv.AppSecret(), short)
	errs = append(errs, err)
	srv.Fail(metatest.Match("GET", "debug_token"), metatest.Failure{Status: 400, Code: 190, Message: "Invalid OAuth access token"})
	_, err = c.DebugToken(t.Context(), short)
	errs = append(errs, err)

	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	dc, err := meta.NewClient(secretTok, meta.WithBaseURL(dead.URL), meta.WithAppSecret(secretApp),
		meta.WithRetry(1, time.Millisecond, time.Millisecond), meta.WithLogger(logger))
	require.NoError(t, err)
	_, err = dc.Get(t.Context(), "me", url.Values{"fields": {"id"}}, nil)
	errs = append(errs, err)
	_, err = dc.ExchangeToken(t.Context(), "1", secretApp, short)
	errs = append(errs, err)

	secrets := []string{secretTok.Reveal(), secretApp.Reveal(), short.Reveal(), meta.AppSecretProof(secretTok, secretApp), "appsecret_proof", "client_secret"}
	for i, err := range errs {
		require.Error(t, err, "call %d", i)
		for _, s := range secrets {
			assert.NotContains(t, err.Error(), s, "error %d: %v", i, err)
			assert.NotContains(t, logs.String(), s)
		}
	}
	assert.Contains(t, logs.String(), "meta: retry policy", "the logger did receive entries")
}

func TestVersionSunsetWarning(t *testing.T) {
	t.Parallel()
	sunset, ok := meta.VersionSunset("v21.0")
	require.True(t, ok)
	_, ok = meta.VersionSunset(meta.DefaultVersion)
	assert.False(t, ok, "the default version has no announced sunset")
	tests := []struct {
		name string
		now  time.Time
		want string
	}{
		{"far from sunset", sunset.AddDate(0, -6, 0), ""},
		{"within 90 days", sunset.AddDate(0, 0, -30), "sunsets soon"},
		{"past sunset", sunset.AddDate(0, 0, 1), "reached its sunset"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var logs bytes.Buffer
			_, err := meta.NewClient(secretTok, meta.WithVersion("v21.0"),
				meta.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))),
				meta.WithClock(func() time.Time { return tt.now }))
			require.NoError(t, err)
			if tt.want == "" {
				assert.Empty(t, logs.String())
				return
			}
			assert.Contains(t, logs.String(), tt.want)
			assert.Contains(t, logs.String(), "version=v21.0")
		})
	}
}

func TestCanceledContext(t *testing.T) {
	t.Parallel()
	srv := metatest.NewServer(t)
	okHandlers(srv)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := srv.Client("tok").Get(ctx, "me", nil, nil)
	require.True(t, errors.Is(err, context.Canceled), "got %v", err)
}

// BenchmarkClientGet measures one GET with JSON decoding, usage parsing and
// appsecret_proof through the retry layer against a local fake.
func BenchmarkClientGet(b *testing.B) {
	srv := metatest.NewServer(b)
	okHandlers(srv)
	srv.SetUsage(meta.Usage{App: &meta.AppUsage{CallCount: 5}})
	c := srv.Client("tok", meta.WithAppSecret(secretApp))
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		var out struct{ ID string }
		if _, err := c.Get(ctx, "me", nil, &out); err != nil {
			b.Fatal(err)
		}
	}
}

func secretValue(i int) secret.Value { return secret.New("token-" + strconv.Itoa(i)) }

// TestDependencies keeps the Graph core light: besides secret and internal
// plumbing it must not pull in other BotSync packages or heavy modules.
func TestDependencies(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-deps", "github.com/botsync/botsync/meta").Output()
	require.NoError(t, err)
	for _, dep := range strings.Fields(string(out)) {
		if rest, ok := strings.CutPrefix(dep, "github.com/botsync/botsync/"); ok {
			assert.True(t, rest == "meta" || rest == "secret" || strings.HasPrefix(rest, "internal/"), "meta imports %s", dep)
		}
		for _, banned := range []string{"github.com/jackc/", "github.com/sashabaranov/", "github.com/pgvector/", "github.com/pressly/"} {
			assert.False(t, strings.HasPrefix(dep, banned), "meta imports %s", dep)
		}
	}
}

func TestCredentialsGoOnlyToTrustedHosts(t *testing.T) {
	t.Parallel()
	c, err := meta.NewClient(secretTok, meta.WithBaseURL("http://127.0.0.1:1"), meta.WithRetry(0, time.Millisecond, time.Millisecond))
	require.NoError(t, err)
	for _, raw := range []string{
		"https://evil.example/x",
		"http://lookaside.fbsbx.com/media", // Meta domain but not https
		"https://lookaside.fbsbx.com:8443/media",
		"https://notfacebook.com/x",
		"http://127.0.0.1:2/x", // same host, other port
	} {
		req, err := http.NewRequestWithContext(t.Context(), "GET", raw, nil)
		require.NoError(t, err)
		_, err = c.DoRaw(req)
		require.ErrorContains(t, err, "refusing to send credentials", raw)
		assert.NotContains(t, err.Error(), "/x", "only scheme and host are named")
	}
	srv := metatest.NewServer(t)
	srv.Handle("GET /media/{id}", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(metatest.BearerToken(r))) })
	mc := srv.Client("tok")
	req, err := http.NewRequestWithContext(t.Context(), "GET", srv.URL+"/media/1", nil)
	require.NoError(t, err)
	var buf bytes.Buffer
	_, err = mc.Do(req, &buf)
	require.NoError(t, err)
	assert.Equal(t, "tok", buf.String(), "a download URL on the base host gets the token")
}

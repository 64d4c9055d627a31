package metatest_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/meta"
	"github.com/botsync/botsync/meta/metatest"
	"github.com/botsync/botsync/secret"
)

func TestRecordsRequests(t *testing.T) {
	t.Parallel()
	srv := metatest.NewServer(t)
	srv.Handle("POST /{version}/{phone}/messages", func(w http.ResponseWriter, r *http.Request) {
		metatest.WriteJSON(w, 200, map[string]string{"id": srv.NextID("wamid.") + ":" + r.PathValue("phone")})
	})
	c := srv.Client("tok")
	var out struct{ ID string }
	_, err := c.Post(t.Context(), "555/messages?x=1", map[string]string{"to": "911"}, &out)
	require.NoError(t, err)
	assert.Equal(t, "wamid.1:555", out.ID)

	reqs := srv.Requests()
	require.Len(t, reqs, 1)
	r := reqs[0]
	assert.Equal(t, "POST", r.Method)
	assert.Equal(t, "/v24.0/555/messages", r.Path)
	assert.Equal(t, "v24.0", r.Version)
	assert.Equal(t, url.Values{"x": {"1"}}, r.Query)
	assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
	var body map[string]string
	require.NoError(t, r.DecodeJSON(&body))
	assert.Equal(t, map[string]string{"to": "911"}, body)

	last, ok := srv.LastRequest()
	require.True(t, ok)
	assert.Equal(t, r.Path, last.Path)
	srv.ClearRequests()
	_, ok = srv.LastRequest()
	assert.False(t, ok)
	assert.Empty(t, srv.Requests())
}

func TestWriteErrorShape(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	metatest.WriteError(rec, http.StatusUnauthorized, 190, 463, "Error validating access token: Session has expired.")
	assert.Equal(t, http.StatusUnauthorized, rec.Code)
	assert.Equal(t, "application/json; charset=UTF-8", rec.Header().Get("Content-Type"))
	assert.JSONEq(t, `{"error":{"message":"Error validating access token: Session has expired.","type":"OAuthException",
		"code":190,"error_subcode":463,"is_transient":false,"fbtrace_id":"AmetatestTrace"}}`, rec.Body.String())

	rec = httptest.NewRecorder()
	metatest.WriteGraphError(rec, 400, metatest.GraphError{Code: 131047, Message: "Re-engagement message", Type: "OAuthException",
		UserTitle: "t", UserMessage: "m", IsTransient: true, ErrorData: json.RawMessage(`{"messaging_product":"whatsapp","details":"d"}`), FBTraceID: "F"})
	e := meta.ParseError("POST x", 400, rec.Body.Bytes())
	assert.Equal(t, meta.Error{Op: "POST x", HTTPStatus: 400, Code: 131047, Type: "OAuthException", Message: "Re-engagement message",
		UserTitle: "t", UserMessage: "m", FBTraceID: "F", IsTransient: true, ErrorData: json.RawMessage(`{"messaging_product":"whatsapp","details":"d"}`)}, *e)
}

func TestScriptedFailures(t *testing.T) {
	t.Parallel()
	srv := metatest.NewServer(t)
	srv.Handle("GET /{version}/{id}", func(w http.ResponseWriter, r *http.Request) {
		metatest.WriteJSON(w, 200, map[string]string{"id": r.PathValue("id")})
	})
	srv.Fail(metatest.Match("GET", "12*"), metatest.Failure{Status: 400, Code: 100, Message: "bad", Times: 2})
	srv.Fail(metatest.Match("", ""), metatest.Failure{Status: 403, Code: 10, Times: 1})
	c := srv.Client("tok", meta.WithRetry(0, time.Millisecond, time.Millisecond))

	_, err := c.Get(t.Context(), "123", nil, nil)
	var me *meta.Error
	require.ErrorAs(t, err, &me)
	assert.Equal(t, 100, me.Code)
	assert.Equal(t, "bad", me.Message)
	_, err = c.Get(t.Context(), "124", nil, nil)
	require.ErrorAs(t, err, &me)
	assert.Equal(t, 100, me.Code)
	_, err = c.Get(t.Context(), "125", nil, nil)
	require.ErrorIs(t, err, meta.ErrPermission, "the first failure is used up; the catch-all applies once")
	_, err = c.Get(t.Context(), "126", nil, nil)
	require.NoError(t, err)

	srv.Fail(metatest.Match("GET", "999"), metatest.Failure{Status: 429, RetryAfter: 1500 * time.Millisecond, Usage: meta.Usage{App: &meta.AppUsage{CallCount: 100}}})
	resp, err := c.Get(t.Context(), "999", nil, nil)
	require.ErrorIs(t, err, meta.ErrRateLimited)
	assert.Equal(t, "2", resp.Header.Get("Retry-After"), "rounded up to whole seconds")
	require.NotNil(t, resp.Usage.App)
	assert.Equal(t, 100.0, resp.Usage.App.CallCount)
	require.ErrorAs(t, err, &me)
	assert.Equal(t, 2*time.Second, me.RetryAfter)
	assert.Equal(t, "unexpected response", me.Message, "a status-only failure has a plain body")

	srv.ClearFailures()
	_, err = c.Get(t.Context(), "999", nil, nil)
	require.NoError(t, err)
}

func TestDropConnectionAndHang(t *testing.T) {
	t.Parallel()
	srv := metatest.NewServer(t)
	srv.Fail(metatest.Match("GET", "drop"), metatest.Failure{DropConnection: true})
	resp, err := srv.HTTPClient().Get(srv.URL + "/v24.0/drop")
	if err == nil {
		resp.Body.Close()
	}
	require.Error(t, err)

	// a hanging request is released when the server closes at cleanup
	done := make(chan error, 1)
	t.Run("hang", func(t *testing.T) {
		hs := metatest.NewServer(t)
		hs.Fail(metatest.Match("", ""), metatest.Failure{Hang: true})
		go func() {
			resp, err := hs.HTTPClient().Get(hs.URL + "/v24.0/me")
			if err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				err = errors.New("unexpected answer")
			}
			done <- err
		}()
		require.Eventually(t, func() bool { return len(hs.Requests()) == 1 }, 5*time.Second, time.Millisecond)
	})
	require.Error(t, <-done)
}

func TestAuthChecks(t *testing.T) {
	t.Parallel()
	srv := metatest.NewServer(t)
	srv.Handle("GET /{version}/me", func(w http.ResponseWriter, r *http.Request) { metatest.WriteJSON(w, 200, map[string]string{}) })
	get := func(path string, hdr map[string]string) *meta.Error {
		req, err := http.NewRequest("GET", srv.URL+path, nil)
		require.NoError(t, err)
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := srv.HTTPClient().Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode < 400 {
			return nil
		}
		return meta.ParseError("", resp.StatusCode, b)
	}
	assert.Equal(t, 190, get("/v24.0/me", nil).Code)
	assert.Equal(t, 100, get("/v24.0/me?access_token=tok", map[string]string{"Authorization": "Bearer tok"}).Code,
		"the fake refuses tokens in URLs so tests catch leaks")
	assert.Nil(t, get("/v24.0/me", map[string]string{"Authorization": "Bearer tok"}))
	srv.AddToken(metatest.Token{Value: "old", ExpiresAt: time.Now().Add(-time.Minute)})
	assert.Equal(t, 463, get("/v24.0/me", map[string]string{"Authorization": "Bearer old"}).Subcode)
	srv.RevokeToken("tok")
	assert.Equal(t, 460, get("/v24.0/me", map[string]string{"Authorization": "Bearer tok"}).Subcode)
	tok, ok := srv.LookupToken("tok")
	require.True(t, ok)
	assert.True(t, tok.Revoked)
	_, ok = srv.LookupToken("never")
	assert.False(t, ok)
}

func TestTokenEndpointEdgeCases(t *testing.T) {
	t.Parallel()
	srv := metatest.NewServer(t)
	c := srv.Client("user")
	code := func(path string) int {
		_, err := c.Get(t.Context(), path, nil, nil)
		var me *meta.Error
		if !errors.As(err, &me) {
			return 0
		}
		return me.Code
	}
	q := "client_id=" + srv.AppID() + "&client_secret=" + srv.AppSecret().Reveal()
	assert.Equal(t, 101, code("oauth/access_token?grant_type=fb_exchange_token&client_id=nope"))
	assert.Equal(t, 100, code("oauth/access_token?grant_type=fb_exchange_token&"+q))
	assert.Equal(t, 100, code("oauth/access_token?grant_type=password&"+q))
	var app struct {
		AccessToken string `json:"access_token"`
	}
	_, err := c.Get(t.Context(), "oauth/access_token?grant_type=client_credentials&"+q, nil, &app)
	require.NoError(t, err)
	assert.Equal(t, srv.AppID()+"|"+srv.AppSecret().Reveal(), app.AccessToken)
	assert.Equal(t, 100, code("debug_token"))
	assert.Equal(t, 100, code("me/accounts?limit=0"))
	assert.Equal(t, 100, code("me/accounts?after=!!"))
	assert.Equal(t, 100, code("/refresh_access_token?grant_type=nope"))
	assert.Equal(t, 190, code("/refresh_access_token?grant_type=ig_refresh_token"))
	assert.Equal(t, 100, code("/access_token?grant_type=nope"))
	srv.RevokeToken("revoked-short")
	_, err = c.WithToken(secretValue("revoked-short")).ExchangeInstagramToken(t.Context(), srv.AppSecret(), secretValue("revoked-short"))
	require.ErrorIs(t, err, meta.ErrUnauthorized)
	srv.AddPage(metatest.Page{ID: "1", Name: "P", Category: "Shop", AccessToken: "pt", Tasks: []string{"MANAGE"}})
	var page meta.Page[meta.PageToken]
	_, err = c.Get(t.Context(), "me/accounts", nil, &page)
	require.NoError(t, err)
	require.Len(t, page.Data, 1)
	assert.Equal(t, "Shop", page.Data[0].Category)
	assert.False(t, page.Paging.HasNext())
}

func TestUsageHeadersOnEveryResponse(t *testing.T) {
	t.Parallel()
	srv := metatest.NewServer(t)
	srv.SetUsage(meta.Usage{BusinessUseCase: map[string][]meta.BusinessUseCaseUsage{"9": {{Type: "instagram", CallCount: 42}}}})
	resp, err := srv.Client("t").Get(t.Context(), "me/accounts", nil, nil)
	require.NoError(t, err)
	assert.Equal(t, 42.0, resp.Usage.MaxPercent())
	assert.True(t, strings.Contains(resp.Header.Get(meta.HeaderBusinessUseCaseUsage), `"estimated_time_to_regain_access":0`))
	srv.SetUsage(meta.Usage{})
	resp, err = srv.Client("t").Get(t.Context(), "me/accounts", nil, nil)
	require.NoError(t, err)
	assert.True(t, resp.Usage.IsZero())
}

func secretValue(s string) secret.Value { return secret.New(s) }

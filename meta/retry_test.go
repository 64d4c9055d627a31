package meta_test

import (
	"context"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"net/url"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/meta"
	"github.com/botsync/botsync/meta/metatest"
)

// okHandlers answers GET /me and POST /me/things with {"id":"1"}.
func okHandlers(s *metatest.Server) {
	ok := func(w http.ResponseWriter, r *http.Request) { metatest.WriteJSON(w, 200, map[string]string{"id": "1"}) }
	s.Handle("GET /{version}/me", ok)
	s.Handle("POST /{version}/me/things", ok)
	s.Handle("DELETE /{version}/me/things", ok)
}

func TestRetryPolicyThroughFakeServer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		method     string
		idempotent bool
		fail       metatest.Failure
		attempts   int   // requests the server saw
		want       error // nil: success; else the sentinel, or errAny for a non-Graph error
	}{
		{"GET transient code 2 is retried", "GET", false, metatest.Failure{Status: 503, Code: 2, Times: 1}, 2, nil},
		{"GET unknown code 1 is retried", "GET", false, metatest.Failure{Status: 500, Code: 1, Times: 2}, 3, nil},
		{"GET is_transient is retried", "GET", false, metatest.Failure{Status: 500, Code: 131000, IsTransient: true, Times: 1}, 2, nil},
		{"GET plain 502 is retried", "GET", false, metatest.Failure{Status: 502, Times: 1}, 2, nil},
		{"GET throttled 4 is retried", "GET", false, metatest.Failure{Status: 403, Code: 4, Times: 1}, 2, nil},
		{"GET BUC 80007 is retried", "GET", false, metatest.Failure{Status: 400, Code: 80007, Times: 1}, 2, nil},
		{"GET transient gives up after the budget", "GET", false, metatest.Failure{Status: 503, Code: 2}, 3, meta.ErrTransient},
		{"GET 190 is not retried", "GET", false, metatest.Failure{Status: 401, Code: 190}, 1, meta.ErrUnauthorized},
		{"GET 102 is not retried", "GET", false, metatest.Failure{Status: 400, Code: 102}, 1, meta.ErrUnauthorized},
		{"GET subcode 463 is not retried", "GET", false, metatest.Failure{Status: 400, Code: 100, Subcode: 463}, 1, meta.ErrUnauthorized},
		{"GET subcode 492 is not retried", "GET", false, metatest.Failure{Status: 400, Code: 100, Subcode: 492}, 1, meta.ErrUnauthorized},
		{"GET permission 10 is not retried", "GET", false, metatest.Failure{Status: 403, Code: 10}, 1, meta.ErrPermission},
		{"GET permission 200 is not retried", "GET", false, metatest.Failure{Status: 403, Code: 200}, 1, meta.ErrPermission},
		{"GET policy 368 is not retried", "GET", false, metatest.Failure{Status: 400, Code: 368}, 1, meta.ErrPolicyBlocked},
		{"GET bad parameter 100 is not retried", "GET", false, metatest.Failure{Status: 400, Code: 100}, 1, errAny},
		{"GET dropped connection is retried", "GET", false, metatest.Failure{DropConnection: true, Times: 1}, 2, nil},
		{"DELETE transient is retried", "DELETE", false, metatest.Failure{Status: 503, Code: 2, Times: 1}, 2, nil},
		{"POST throttled 4 is retried", "POST", false, metatest.Failure{Status: 403, Code: 4, Times: 1}, 2, nil},
		{"POST 130429 is retried", "POST", false, metatest.Failure{Status: 400, Code: 130429, Times: 1}, 2, nil},
		{"POST 80004 is retried", "POST", false, metatest.Failure{Status: 400, Code: 80004, Times: 1}, 2, nil},
		{"POST plain 429 is retried", "POST", false, metatest.Failure{Status: 429, Times: 1}, 2, nil},
		{"POST transient 2 is not retried", "POST", false, metatest.Failure{Status: 503, Code: 2, Times: 1}, 1, meta.ErrTransient},
		{"POST is_transient is not retried", "POST", false, metatest.Failure{Status: 500, Code: 131000, IsTransient: true, Times: 1}, 1, meta.ErrTransient},
		{"POST plain 500 is not retried", "POST", false, metatest.Failure{Status: 500, Times: 1}, 1, errAny},
		{"POST dropped connection is not retried", "POST", false, metatest.Failure{DropConnection: true, Times: 1}, 1, errAny},
		{"POST 190 is not retried", "POST", false, metatest.Failure{Status: 401, Code: 190, Times: 1}, 1, meta.ErrUnauthorized},
		{"POST 368 is not retried", "POST", false, metatest.Failure{Status: 400, Code: 368, Times: 1}, 1, meta.ErrPolicyBlocked},
		{"idempotent POST transient is retried", "POST", true, metatest.Failure{Status: 503, Code: 2, Times: 1}, 2, nil},
		{"idempotent POST dropped connection is retried", "POST", true, metatest.Failure{DropConnection: true, Times: 1}, 2, nil},
		{"idempotent POST 190 is still not retried", "POST", true, metatest.Failure{Status: 401, Code: 190, Times: 1}, 1, meta.ErrUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := metatest.NewServer(t)
			okHandlers(srv)
			path := "me"
			if tt.method != "GET" {
				path = "me/things"
			}
			srv.Fail(metatest.Match(tt.method, path), tt.fail)
			c := srv.Client("tok")
			ctx := t.Context()
			if tt.idempotent {
				ctx = meta.WithIdempotent(ctx)
			}
			var out struct{ ID string }
			var (
				resp *meta.Response
				err  error
			)
			switch tt.method {
			case "GET":
				resp, err = c.Get(ctx, path, nil, &out)
			case "POST":
				resp, err = c.Post(ctx, path, map[string]string{"a": "b"}, &out)
			case "DELETE":
				resp, err = c.Delete(ctx, path, &out)
			}
			assert.Len(t, srv.Requests(), tt.attempts)
			if resp != nil {
				assert.Equal(t, tt.attempts, resp.Attempts)
			}
			switch tt.want {
			case nil:
				require.NoError(t, err)
				assert.Equal(t, "1", out.ID)
			case errAny:
				require.Error(t, err)
			default:
				require.ErrorIs(t, err, tt.want)
				var me *meta.Error
				require.ErrorAs(t, err, &me)
				assert.Equal(t, tt.fail.Code, me.Code)
				assert.Equal(t, tt.method+" "+path, me.Op)
			}
			for _, r := range srv.Requests() {
				if tt.method == "POST" {
					assert.JSONEq(t, `{"a":"b"}`, string(r.Body), "every attempt carries the body")
				}
			}
		})
	}
}

var errAny = errors.New("any error")

// countingTransport counts round trips.
type countingTransport struct {
	n    atomic.Int32
	next http.RoundTripper
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.next.RoundTrip(r)
}

func TestPOSTRetriedWhenConnectionRefused(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())

	ct := &countingTransport{next: &http.Transport{}}
	c, err := meta.NewClient(secretTok, meta.WithBaseURL("http://"+addr),
		meta.WithHTTPClient(&http.Client{Transport: ct}), meta.WithRetry(2, time.Millisecond, 5*time.Millisecond),
		meta.WithAppSecret(secretApp))
	require.NoError(t, err)
	_, err = c.Post(t.Context(), "1234/messages", map[string]string{"to": "x"}, nil)
	require.Error(t, err)
	assert.Equal(t, int32(3), ct.n.Load(), "refused connections prove nothing was sent, so POST is retried")
	assert.NotContains(t, err.Error(), secretTok.Reveal())
	assert.NotContains(t, err.Error(), "appsecret_proof")
	assert.NotContains(t, err.Error(), meta.AppSecretProof(secretTok, secretApp))
	assert.Contains(t, err.Error(), "POST 1234/messages")
	var me *meta.Error
	assert.False(t, errors.As(err, &me), "transport errors are not Graph errors")
}

func TestDecideRetryTransportErrors(t *testing.T) {
	t.Parallel()
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	read := &url.Error{Op: "Post", URL: "https://graph.facebook.com/x", Err: &net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset")}}
	cert := &url.Error{Op: "Get", URL: "https://graph.facebook.com/x", Err: x509.UnknownAuthorityError{}}
	dns := &url.Error{Op: "Post", URL: "https://graph.facebook.com/x", Err: &net.DNSError{Err: "no such host", Name: "graph.facebook.com"}}
	tests := []struct {
		name       string
		idempotent bool
		err        error
		want       bool
	}{
		{"POST dial error", false, dial, true},
		{"POST DNS error", false, dns, true},
		{"POST reset after sending", false, read, false},
		{"GET reset after sending", true, read, true},
		{"GET certificate error", true, cert, false},
		{"POST certificate error", false, cert, false},
		{"GET unsupported scheme", true, errors.New(`unsupported protocol scheme "ftp"`), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := meta.DecideRetry(tt.idempotent, nil, tt.err)
			assert.Equal(t, tt.want, d.Retry, d.Reason)
			assert.NotEmpty(t, d.Reason)
		})
	}
	assert.False(t, meta.DecideRetry(false, &http.Response{StatusCode: 200}, nil).Retry)
}

func TestRetryAfterIsHonoured(t *testing.T) {
	t.Parallel()
	srv := metatest.NewServer(t)
	okHandlers(srv)
	srv.Fail(metatest.Match("POST", "me/things"), metatest.Failure{Status: 429, Code: 130429, RetryAfter: 30 * time.Second, Times: 1})
	synctest.Test(t, func(t *testing.T) {
		c := srv.SynctestClient("tok", meta.WithRetry(2, time.Second, time.Minute))
		start := time.Now()
		_, err := c.Post(t.Context(), "me/things", nil, nil)
		require.NoError(t, err)
		assert.Equal(t, 30*time.Second, time.Since(start))
	})
	assert.Len(t, srv.Requests(), 2)
}

func TestRetryAfterLongerThanMaxWaitEndsTheCall(t *testing.T) {
	t.Parallel()
	srv := metatest.NewServer(t)
	okHandlers(srv)
	srv.Fail(metatest.Match("GET", "me"), metatest.Failure{Status: 429, Code: 4, RetryAfter: 2 * time.Minute})
	synctest.Test(t, func(t *testing.T) {
		c := srv.SynctestClient("tok", meta.WithRetry(3, time.Second, 30*time.Second))
		start := time.Now()
		_, err := c.Get(t.Context(), "me", nil, nil)
		require.ErrorIs(t, err, meta.ErrRateLimited)
		var me *meta.Error
		require.ErrorAs(t, err, &me)
		assert.Equal(t, 2*time.Minute, me.RetryAfter)
		assert.Zero(t, time.Since(start), "no wait when Meta asks for more than the maximum")
	})
	assert.Len(t, srv.Requests(), 1)
}

func TestRegainAccessFromUsageHeadersIsHonoured(t *testing.T) {
	t.Parallel()
	srv := metatest.NewServer(t)
	okHandlers(srv)
	srv.Fail(metatest.Match("GET", "me"), metatest.Failure{Status: 400, Code: 80006, Times: 1, Usage: meta.Usage{
		BusinessUseCase: map[string][]meta.BusinessUseCaseUsage{"PAGE1": {{Type: "messenger", CallCount: 100, EstimatedTimeToRegainAccess: 3 * time.Minute}}},
	}})
	synctest.Test(t, func(t *testing.T) {
		c := srv.SynctestClient("tok", meta.WithRetry(2, time.Second, 5*time.Minute))
		start := time.Now()
		_, err := c.Get(t.Context(), "me", nil, nil)
		require.NoError(t, err)
		assert.Equal(t, 3*time.Minute, time.Since(start))
	})
}

func TestExponentialBackoffStaysWithinBounds(t *testing.T) {
	t.Parallel()
	srv := metatest.NewServer(t)
	okHandlers(srv)
	srv.Fail(metatest.Match("GET", "me"), metatest.Failure{Status: 503, Code: 2, Times: 3})
	synctest.Test(t, func(t *testing.T) {
		c := srv.SynctestClient("tok", meta.WithRetry(3, time.Second, 4*time.Second))
		start := time.Now()
		_, err := c.Get(t.Context(), "me", nil, nil)
		require.NoError(t, err)
		// waits of 1s, 2s, 4s, each jittered into [d/2, d]
		el := time.Since(start)
		assert.GreaterOrEqual(t, el, 3500*time.Millisecond)
		assert.LessOrEqual(t, el, 7*time.Second)
	})
}

func TestContextDeadlineEndsAHangingCall(t *testing.T) {
	t.Parallel()
	srv := metatest.NewServer(t)
	okHandlers(srv)
	srv.Fail(metatest.Match("GET", "me"), metatest.Failure{Hang: true})
	c := srv.Client("tok")
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	_, err := c.Get(ctx, "me", nil, nil)
	require.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestDelayedAnswerStillSucceeds(t *testing.T) {
	t.Parallel()
	srv := metatest.NewServer(t)
	okHandlers(srv)
	srv.Fail(metatest.Match("GET", "me"), metatest.Failure{Delay: 10 * time.Millisecond, Times: 1})
	var out struct{ ID string }
	_, err := srv.Client("tok").Get(t.Context(), "me", nil, &out)
	require.NoError(t, err)
	assert.Equal(t, "1", out.ID)
}

func TestNoRetriesWhenDisabled(t *testing.T) {
	t.Parallel()
	srv := metatest.NewServer(t)
	okHandlers(srv)
	srv.Fail(metatest.Match("GET", "me"), metatest.Failure{Status: 503, Code: 2, Times: 1})
	_, err := srv.Client("tok", meta.WithRetry(0, time.Millisecond, time.Millisecond)).Get(t.Context(), "me", nil, nil)
	require.ErrorIs(t, err, meta.ErrTransient)
	assert.Len(t, srv.Requests(), 1)
}

func TestRetryAfterHTTPDate(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, time.March, 1, 12, 0, 0, 0, time.UTC)
	srv := metatest.NewServer(t)
	var calls atomic.Int32
	srv.Handle("GET /{version}/dated", func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("Retry-After", t0.Add(20*time.Second).Format(http.TimeFormat))
			metatest.WriteError(w, http.StatusTooManyRequests, 17, 0, "User request limit reached")
			return
		}
		metatest.WriteJSON(w, 200, map[string]string{})
	})
	synctest.Test(t, func(t *testing.T) {
		c := srv.SynctestClient("tok", meta.WithClock(func() time.Time { return t0 }), meta.WithRetry(1, time.Second, time.Minute))
		start := time.Now()
		_, err := c.Get(t.Context(), "dated", nil, nil)
		require.NoError(t, err)
		assert.Equal(t, 20*time.Second, time.Since(start))
	})
}

func TestConcurrentCallsShareOneGovernor(t *testing.T) {
	t.Parallel()
	srv := metatest.NewServer(t)
	okHandlers(srv)
	srv.SetUsage(meta.Usage{BusinessUseCase: map[string][]meta.BusinessUseCaseUsage{"ME": {{Type: "pages", CallCount: 10}}}})
	g := newGovernor(t)
	base := srv.Client("tok", meta.WithGovernor(g), meta.WithAppSecret(secretApp))
	errs := make(chan error, 40)
	for i := range 40 {
		go func() {
			c := base.WithToken(secretValue(i))
			_, err := c.Get(t.Context(), "me", nil, nil)
			errs <- err
		}()
	}
	for range 40 {
		require.NoError(t, <-errs)
	}
	assert.Len(t, srv.Requests(), 40)
	assert.Zero(t, g.Delay("me"))
}

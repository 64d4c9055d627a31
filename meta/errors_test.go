package meta_test

import (
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/meta"
)

func TestErrorClassification(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		err       meta.Error
		want      error
		wantClass meta.Class
	}{
		{"unknown error code 1", meta.Error{HTTPStatus: 500, Code: 1}, meta.ErrTransient, meta.ClassTransient},
		{"service unavailable code 2", meta.Error{HTTPStatus: 503, Code: 2}, meta.ErrTransient, meta.ClassTransient},
		{"is_transient flag", meta.Error{HTTPStatus: 500, Code: 131000, IsTransient: true}, meta.ErrTransient, meta.ClassTransient},
		{"app limit 4", meta.Error{HTTPStatus: 403, Code: 4}, meta.ErrRateLimited, meta.ClassThrottled},
		{"user limit 17", meta.Error{HTTPStatus: 403, Code: 17}, meta.ErrRateLimited, meta.ClassThrottled},
		{"page limit 32", meta.Error{HTTPStatus: 403, Code: 32}, meta.ErrRateLimited, meta.ClassThrottled},
		{"app limit 341", meta.Error{HTTPStatus: 400, Code: 341}, meta.ErrRateLimited, meta.ClassThrottled},
		{"hourly 613", meta.Error{HTTPStatus: 400, Code: 613}, meta.ErrRateLimited, meta.ClassThrottled},
		{"BUC 80001", meta.Error{HTTPStatus: 400, Code: 80001}, meta.ErrRateLimited, meta.ClassThrottled},
		{"BUC 80014", meta.Error{HTTPStatus: 400, Code: 80014}, meta.ErrRateLimited, meta.ClassThrottled},
		{"WhatsApp throughput 130429", meta.Error{HTTPStatus: 400, Code: 130429}, meta.ErrRateLimited, meta.ClassThrottled},
		{"HTTP 429 without code", meta.Error{HTTPStatus: 429}, meta.ErrRateLimited, meta.ClassThrottled},
		{"token 190", meta.Error{HTTPStatus: 401, Code: 190}, meta.ErrUnauthorized, meta.ClassAuth},
		{"session 102", meta.Error{HTTPStatus: 400, Code: 102}, meta.ErrUnauthorized, meta.ClassAuth},
		{"subcode 458 app not installed", meta.Error{HTTPStatus: 400, Code: 100, Subcode: 458}, meta.ErrUnauthorized, meta.ClassAuth},
		{"subcode 463 expired", meta.Error{HTTPStatus: 400, Code: 100, Subcode: 463}, meta.ErrUnauthorized, meta.ClassAuth},
		{"subcode 467 invalid", meta.Error{HTTPStatus: 400, Code: 100, Subcode: 467}, meta.ErrUnauthorized, meta.ClassAuth},
		{"subcode 492 page role", meta.Error{HTTPStatus: 400, Code: 100, Subcode: 492}, meta.ErrUnauthorized, meta.ClassAuth},
		{"auth wins over throttling", meta.Error{HTTPStatus: 400, Code: 4, Subcode: 463}, meta.ErrUnauthorized, meta.ClassAuth},
		{"permission 10", meta.Error{HTTPStatus: 403, Code: 10}, meta.ErrPermission, meta.ClassPermission},
		{"permission 200", meta.Error{HTTPStatus: 403, Code: 200}, meta.ErrPermission, meta.ClassPermission},
		{"permission 299", meta.Error{HTTPStatus: 403, Code: 299}, meta.ErrPermission, meta.ClassPermission},
		{"policy 368", meta.Error{HTTPStatus: 400, Code: 368}, meta.ErrPolicyBlocked, meta.ClassPolicy},
		{"bad parameter 100", meta.Error{HTTPStatus: 400, Code: 100}, nil, meta.ClassOther},
		{"code 300 is not permission", meta.Error{HTTPStatus: 400, Code: 300}, nil, meta.ClassOther},
		{"80015 is not throttling", meta.Error{HTTPStatus: 400, Code: 80015}, nil, meta.ClassOther},
	}
	sentinels := []error{meta.ErrRateLimited, meta.ErrUnauthorized, meta.ErrPermission, meta.ErrPolicyBlocked, meta.ErrTransient}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := tt.err
			var err error = &e
			assert.Equal(t, tt.wantClass, e.Class())
			for _, s := range sentinels {
				assert.Equal(t, s == tt.want, errors.Is(err, s), "errors.Is(%v)", s)
			}
			var got *meta.Error
			require.ErrorAs(t, errors.Join(errors.New("wrapped"), err), &got)
			assert.Equal(t, tt.err.Code, got.Code)
		})
	}
}

func TestParseError(t *testing.T) {
	t.Parallel()
	body := []byte(`{"error":{"message":"(#131026) Message undeliverable","type":"OAuthException","code":131026,
		"error_subcode":2494010,"error_user_title":"Undeliverable","error_user_msg":"The recipient cannot receive it",
		"error_data":{"messaging_product":"whatsapp","details":"Receiver is incapable"},"is_transient":false,"fbtrace_id":"AbC123"}}`)
	e := meta.ParseError("POST 1234/messages", http.StatusBadRequest, body)
	assert.Equal(t, meta.Error{
		Op: "POST 1234/messages", HTTPStatus: 400, Code: 131026, Subcode: 2494010, Type: "OAuthException",
		Message: "(#131026) Message undeliverable", UserTitle: "Undeliverable", UserMessage: "The recipient cannot receive it",
		FBTraceID: "AbC123", ErrorData: []byte(`{"messaging_product":"whatsapp","details":"Receiver is incapable"}`),
	}, *e)
	assert.Equal(t, "meta: POST 1234/messages: (#131026/2494010) (#131026) Message undeliverable (HTTP 400, OAuthException, fbtrace_id AbC123)", e.Error())

	for _, raw := range []string{"", "<html>bad gateway</html>", `{"error":null}`, `{"error":"string"}`, `[1,2]`} {
		e := meta.ParseError("GET me", 502, []byte(raw))
		assert.Equal(t, 502, e.HTTPStatus, raw)
		assert.Equal(t, "unexpected response", e.Message, raw)
		assert.Equal(t, "meta: GET me: unexpected response (HTTP 502)", e.Error())
	}
}

func TestClassString(t *testing.T) {
	t.Parallel()
	names := map[meta.Class]string{
		meta.ClassOther: "other", meta.ClassThrottled: "throttled", meta.ClassTransient: "transient",
		meta.ClassAuth: "auth", meta.ClassPermission: "permission", meta.ClassPolicy: "policy",
	}
	for c, n := range names {
		assert.Equal(t, n, c.String())
	}
}

func FuzzParseError(f *testing.F) {
	f.Add(400, []byte(`{"error":{"message":"m","type":"OAuthException","code":190,"error_subcode":463,"fbtrace_id":"x"}}`))
	f.Add(500, []byte(`{"error":{"code":2,"is_transient":true,"error_data":{"details":"d"}}}`))
	f.Add(429, []byte(`not json`))
	f.Add(400, []byte(`{"error":{"code":"190"}}`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		e := meta.ParseError("GET me", status, body)
		if e == nil {
			t.Fatal("nil error")
		}
		_ = e.Error()
		_ = e.Class()
		if e.HTTPStatus != status {
			t.Fatalf("status %d, want %d", e.HTTPStatus, status)
		}
	})
}

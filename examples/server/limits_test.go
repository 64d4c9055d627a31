package main

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/meta/metatest"
)

func TestRateLimitsAndBodyCaps(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, func(c *Config) { c.AuthRate, c.WebhookRate, c.MaxBody = 0.0001, 0.0001, 4096 })
	var e struct {
		Error APIError `json:"error"`
	}
	login := map[string]string{"email": "x@example.com", "password": "wrong password here"}
	require.Equal(t, http.StatusUnauthorized, ta.do(t, "POST", "/api/v1/auth/login", login, &e))
	require.Equal(t, http.StatusTooManyRequests, ta.do(t, "POST", "/api/v1/auth/login", login, &e))
	require.Equal(t, "rate_limited", e.Error.Code)

	// A body over the cap is refused before anything is stored.
	big := []byte(`{"object":"whatsapp_business_account","entry":[],"pad":"` + strings.Repeat("x", 8000) + `"}`)
	res, err := ta.srv.Client().Do(metatest.NewWebhookRequest(ta.srv.URL+"/webhooks/meta", []byte(ta.sandbox.wa.AppSecret().Reveal()), big))
	require.NoError(t, err)
	res.Body.Close()
	require.GreaterOrEqual(t, res.StatusCode, 400)
	st, _ := ta.queue.Store().Stats(t.Context())
	require.Zero(t, st["queued"]+st["done"])
	res, err = ta.srv.Client().Do(metatest.NewWebhookRequest(ta.srv.URL+"/webhooks/meta", []byte(ta.sandbox.wa.AppSecret().Reveal()), []byte(`{}`)))
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusTooManyRequests, res.StatusCode, "the webhook limiter's burst is spent")

	req, _ := http.NewRequest("POST", ta.srv.URL+"/api/v1/workspaces/"+ta.sandbox.demoWS+"/leads", bytes.NewReader([]byte(`{"name":"`+strings.Repeat("y", 8000)+`"}`)))
	req.Header.Set("Authorization", "Bearer "+ta.sandbox.demoKey.Reveal())
	res, err = ta.srv.Client().Do(req)
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusRequestEntityTooLarge, res.StatusCode)
}

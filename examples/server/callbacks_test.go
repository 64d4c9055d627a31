package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/billing/billingtest"
	"github.com/botsync/botsync/crm"
	"github.com/botsync/botsync/meta/metatest"
	"github.com/botsync/botsync/secret"
)

// Meta's data-deletion callback opens an erasure for the Instagram user
// in every workspace that knows them; the status page shows its progress
// by confirmation code; a forged callback is refused.
func TestMetaDataDeletionCallback(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	var res map[string]int
	require.Equal(t, http.StatusAccepted, ta.do(t, "POST", "/sandbox/send", map[string]string{"channel": "instagram", "from": "7788990011", "text": "hello"}, &res))
	ta.drain(t)
	ws := ta.sandbox.demoWS
	_, err := ta.crm.LeadByIdentity(t.Context(), ws, crm.Identity{Kind: crm.KindIGSID, Value: "7788990011"})
	require.NoError(t, err)

	post := func(appSecret []byte) *http.Response {
		sr := metatest.SignedRequest(appSecret, map[string]any{"algorithm": "HMAC-SHA256", "issued_at": time.Now().Unix(), "user_id": "7788990011"})
		resp, err := ta.srv.Client().PostForm(ta.srv.URL+"/meta/data-deletion", url.Values{"signed_request": {sr}})
		require.NoError(t, err)
		return resp
	}
	forged := post([]byte("not the app secret"))
	forged.Body.Close()
	require.NotEqual(t, http.StatusOK, forged.StatusCode)

	resp := post([]byte(ta.sandbox.ig.IG.AppSecret().Reveal()))
	var st struct {
		URL  string `json:"url"`
		Code string `json:"confirmation_code"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&st))
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.NotEmpty(t, st.Code)
	require.True(t, strings.HasPrefix(st.URL, ta.cfg.PublicURL+"/privacy/deletion"))

	page, err := ta.srv.Client().Get(ta.srv.URL + "/privacy/deletion?format=json&code=" + url.QueryEscape(st.Code))
	require.NoError(t, err)
	b, _ := io.ReadAll(page.Body)
	page.Body.Close()
	require.Equal(t, http.StatusOK, page.StatusCode, string(b))
	require.NotContains(t, string(b), "7788990011", "the status page holds no personal data")
	_, err = ta.crm.LeadByIdentity(t.Context(), ws, crm.Identity{Kind: crm.KindIGSID, Value: "7788990011"})
	require.ErrorIs(t, err, crm.ErrNotFound, "erased")
}

func TestRazorpayWebhookSignature(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	body := []byte(`{"entity":"event","account_id":"acc_1","event":"payment.captured","contains":["payment"],"payload":{},"created_at":1700000000}`)
	req := billingtest.NewWebhookRequest(body, secret.New("wrong"), "evt_x")
	req.URL, _ = url.Parse(ta.srv.URL + "/webhooks/razorpay")
	req.RequestURI = ""
	res, err := ta.srv.Client().Do(req)
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusUnauthorized, res.StatusCode)
	st, _ := ta.queue.Store().Stats(t.Context())
	require.Zero(t, st["queued"]+st["done"], "nothing stored")
}

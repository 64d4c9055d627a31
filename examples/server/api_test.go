package main

import (
	"context"
	"io"
	"net/http"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/crm"
	"github.com/botsync/botsync/meta/metatest"
	"github.com/botsync/botsync/secret"
	"github.com/botsync/botsync/workspace"
)

// TestOpenAPIMatchesRouter checks that every documented operation is
// served by the router (a request reaches the API handler, never the
// mux's own 404/405) and that every route of the table is documented.
func TestOpenAPIMatchesRouter(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	var doc struct {
		OpenAPI string                               `json:"openapi"`
		Paths   map[string]map[string]map[string]any `json:"paths"`
	}
	require.Equal(t, http.StatusOK, ta.do(t, "GET", "/api/v1/openapi.json", nil, &doc))
	require.Equal(t, "3.1.0", doc.OpenAPI)
	n := 0
	for _, rt := range ta.apiTable() {
		op, ok := doc.Paths[rt.Path][strings.ToLower(rt.Method)]
		require.True(t, ok, "%s %s is not documented", rt.Method, rt.Path)
		require.NotEmpty(t, op["summary"])
		n++
	}
	ops := 0
	param := regexp.MustCompile(`\{[a-z_]+\}`)
	for path, methods := range doc.Paths {
		for method := range methods {
			ops++
			concrete := param.ReplaceAllString(path, "x1")
			req, err := http.NewRequest(strings.ToUpper(method), ta.srv.URL+"/api/v1"+concrete, strings.NewReader("{}"))
			require.NoError(t, err)
			res, err := ta.srv.Client().Do(req)
			require.NoError(t, err)
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			require.Contains(t, res.Header.Get("Content-Type"), "application/json", "%s %s is documented but not routed (status %d)", method, path, res.StatusCode)
			require.NotContains(t, string(b), `"no_route"`, "%s %s is documented but not routed", method, path)
		}
	}
	require.Equal(t, n, ops, "no documented operation outside the route table")
	var e struct {
		Error APIError `json:"error"`
	}
	require.Equal(t, http.StatusNotFound, ta.do(t, "GET", "/api/v1/nowhere", nil, &e))
	require.Equal(t, "no_route", e.Error.Code)
	require.Greater(t, ops, 60)
}

func TestAPIKeyPermissionsAndErrors(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	ws, key := ta.sandbox.demoWS, ta.sandbox.demoKey.Reveal()
	full := []string{"Authorization", "Bearer " + key}
	api := "/api/v1/workspaces/" + ws

	var e struct {
		Error     APIError `json:"error"`
		RequestID string   `json:"request_id"`
	}
	require.Equal(t, http.StatusUnauthorized, ta.do(t, "GET", api+"/leads", nil, &e))
	require.Equal(t, "unauthenticated", e.Error.Code)
	require.NotEmpty(t, e.RequestID)
	require.Equal(t, http.StatusUnauthorized, ta.do(t, "GET", api+"/leads", nil, &e, "Authorization", "Bearer bsk_key_nope_nope"))

	// A read-only key.
	var created struct {
		Key string `json:"key"`
	}
	require.Equal(t, http.StatusCreated, ta.do(t, "POST", api+"/api-keys", map[string]any{"name": "ro", "actions": []string{"contacts.view"}}, &created, full...))
	ro := []string{"Authorization", "Bearer " + created.Key}
	var leads Page[crm.Lead]
	require.Equal(t, http.StatusOK, ta.do(t, "GET", api+"/leads?limit=2", nil, &leads, ro...))
	require.Len(t, leads.Items, 2)
	require.NotEmpty(t, leads.NextCursor)
	var rest Page[crm.Lead]
	require.Equal(t, http.StatusOK, ta.do(t, "GET", api+"/leads?limit=2&cursor="+leads.NextCursor, nil, &rest, ro...))
	require.Len(t, rest.Items, 1)
	require.Empty(t, rest.NextCursor)
	require.Equal(t, http.StatusForbidden, ta.do(t, "POST", api+"/leads", map[string]string{"phone": "+919800000009"}, &e, ro...))
	require.Equal(t, "forbidden", e.Error.Code)
	require.Equal(t, http.StatusForbidden, ta.do(t, "PUT", api+"/kill-switch", map[string]any{"webhooks": true, "reason": "x"}, &e, ro...))
	require.Equal(t, http.StatusForbidden, ta.do(t, "GET", "/api/v1/workspaces/ws_other/leads", nil, &e, full...), "keys are bound to their workspace")

	// Field errors.
	require.Equal(t, http.StatusBadRequest, ta.do(t, "GET", api+"/leads?limit=0", nil, &e, full...))
	require.Equal(t, "limit", e.Error.Field)
	require.Equal(t, http.StatusBadRequest, ta.do(t, "POST", api+"/leads", map[string]string{"name": "x"}, &e, full...))
	require.Equal(t, "phone", e.Error.Field)
	require.Equal(t, http.StatusBadRequest, ta.do(t, "POST", api+"/leads", map[string]string{"phone": "not a phone"}, &e, full...))
	require.Equal(t, "phone", e.Error.Field)
	require.Equal(t, http.StatusBadRequest, ta.do(t, "PUT", api+"/rules/r1", map[string]any{"trigger": map[string]string{"type": "keyword"}}, &e, full...))
	require.Equal(t, "invalid", e.Error.Code)
	require.Equal(t, http.StatusNotFound, ta.do(t, "GET", api+"/leads/lead_nope", nil, &e, full...))

	// Lead lifecycle: create, tag, stage, note, merge, CSV round trip.
	var l, other crm.Lead
	require.Equal(t, http.StatusCreated, ta.do(t, "POST", api+"/leads", map[string]any{"name": "Meera", "phone": "+919800000010", "tags": []string{"webinar"}}, &l, full...))
	require.Equal(t, http.StatusOK, ta.do(t, "POST", api+"/leads", map[string]any{"name": "Meera", "phone": "+919800000010"}, &l, full...), "found, not duplicated")
	require.Equal(t, http.StatusOK, ta.do(t, "PATCH", api+"/leads/"+l.ID, map[string]any{"stage": "qualified", "city": "Nashik"}, &l, full...))
	require.Equal(t, "qualified", l.Stage)
	require.Equal(t, http.StatusBadRequest, ta.do(t, "PATCH", api+"/leads/"+l.ID, map[string]any{"stage": "nowhere"}, &e, full...))
	require.Equal(t, "stage", e.Error.Field)
	require.Equal(t, http.StatusCreated, ta.do(t, "POST", api+"/leads/"+l.ID+"/notes", map[string]string{"text": "called back"}, nil, full...))
	require.Equal(t, http.StatusCreated, ta.do(t, "POST", api+"/leads", map[string]any{"name": "Meera S", "email": "meera@example.com"}, &other, full...))
	require.Equal(t, http.StatusOK, ta.do(t, "POST", api+"/leads/"+l.ID+"/merge", map[string]string{"other_id": other.ID}, &l, full...))
	require.Equal(t, "meera@example.com", l.Email())
	res, err := ta.srv.Client().Do(mustReq(t, "GET", ta.srv.URL+api+"/leads/export?tag=webinar", full...))
	require.NoError(t, err)
	csv, _ := io.ReadAll(res.Body)
	res.Body.Close()
	require.Contains(t, string(csv), "Meera")
	req := mustReq(t, "POST", ta.srv.URL+api+"/leads/import", full...)
	req.Body = io.NopCloser(strings.NewReader("name,phone\nZoya,+919800000011\n"))
	res, err = ta.srv.Client().Do(req)
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)

	// Calls from the mobile app land on the lead.
	var cm crm.CallMatchResult
	require.Equal(t, http.StatusOK, ta.do(t, "POST", api+"/calls/sync", map[string]any{"device_id": "dev1", "calls": []map[string]any{
		{"number": "+919800000010", "at": time.Now().Add(-time.Hour), "direction": "incoming", "type": "answered", "duration_seconds": 40},
		{"number": "+919800000099", "at": time.Now().Add(-time.Hour), "direction": "outgoing", "type": "missed"}}}, &cm, full...))
	require.Equal(t, 1, cm.Matched, "%+v", cm)
	require.Equal(t, 1, cm.Unmatched)
}

func TestWebhookIntake(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	ctx := context.Background()
	target := ta.srv.URL + "/webhooks/meta"

	// Handshake.
	res, err := ta.srv.Client().Get(metatest.HandshakeURL(target, "botsync-sandbox", "challenge-42"))
	require.NoError(t, err)
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	require.Equal(t, "challenge-42", string(b))

	// A bad signature is refused and nothing is stored.
	body := ta.sandbox.wa.InboundText("919812340000", "", "Om", "What is the fee for JEE?")
	res, err = ta.srv.Client().Do(metatest.NewWebhookRequest(target, []byte("wrong secret"), body))
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusUnauthorized, res.StatusCode)

	post := func() int {
		res, err := ta.srv.Client().Do(ta.sandbox.wa.WebhookRequest(target, body))
		require.NoError(t, err)
		res.Body.Close()
		return res.StatusCode
	}
	// Pause webhook processing: the delivery is acknowledged and waits.
	p, adminTok := ta.superAdmin(t)
	require.NoError(t, ta.ws.SetKillSwitch(ctx, p, ta.sandbox.demoWS, workspace.PauseWebhooks, "incident drill"))
	require.Equal(t, http.StatusOK, post())
	require.Equal(t, http.StatusOK, post(), "a redelivery is acknowledged")
	ta.drain(t)
	st, _ := ta.queue.Store().Stats(ctx)
	require.Equal(t, 1, st["queued"], "stored once, waiting for the kill switch")
	require.Empty(t, ta.sandbox.wa.Sent())

	// Resume: the event runs once the wait is over.
	require.NoError(t, ta.ws.SetKillSwitch(ctx, p, ta.sandbox.demoWS, 0, "drill over"))
	ta.skew.Store(int64(time.Minute))
	ta.drain(t)
	st, _ = ta.queue.Store().Stats(ctx)
	require.Equal(t, 1, st["done"])
	require.Len(t, ta.sandbox.wa.Sent(), 1, "answered once")

	// A body that is signed but not a webhook goes to the dead letters,
	// visible to super-admins, and can be replayed.
	res, err = ta.srv.Client().Do(ta.sandbox.wa.WebhookRequest(target, []byte(`{"object":"whatsapp_business_account","entry":"nope"}`)))
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	ta.drain(t)
	admin := []string{"Cookie", "nexusdesk_session=" + adminTok.Reveal(), csrfHeader, "1"}
	var dead Page[map[string]any]
	require.Equal(t, http.StatusOK, ta.do(t, "GET", "/api/v1/admin/dead-letters", nil, &dead, admin...))
	require.Len(t, dead.Items, 1)
	require.Equal(t, http.StatusForbidden, ta.do(t, "GET", "/api/v1/admin/dead-letters", nil, nil, "Authorization", "Bearer "+ta.sandbox.demoKey.Reveal()))
	id := strconv.FormatFloat(dead.Items[0]["id"].(float64), 'f', 0, 64)
	require.Equal(t, http.StatusAccepted, ta.do(t, "POST", "/api/v1/admin/dead-letters/"+id+"/replay", nil, nil, admin...))
	st, _ = ta.queue.Store().Stats(ctx)
	require.Equal(t, 1, st["queued"], "replayed")

	// Metrics and readiness.
	m := ta.scrape(t)
	require.EqualValues(t, 1, m.value("botsync_webhooks_received_total", "kind", "meta", "outcome", "duplicate"))
	require.EqualValues(t, 1, m.value("botsync_intake_jobs", "state", "queued"))
	require.EqualValues(t, 1, m.value("botsync_webhooks_processed_total", "kind", "meta", "outcome", "dead"))
	res, err = ta.srv.Client().Get(ta.srv.URL + "/readyz")
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
}

var localhost = netip.MustParseAddr("127.0.0.1")

// superAdmin returns a super-admin principal with a second factor, from an
// admin network.
func (ta *testApp) superAdmin(t *testing.T) (*workspace.Principal, secret.Value) {
	t.Helper()
	ctx := context.Background()
	u, _, err := ta.ws.SignUp(ctx, workspace.SignUpRequest{Email: "root@botsync.example", Name: "Root Admin", Password: secret.New("a long enough passphrase 9")})
	require.NoError(t, err)
	require.NoError(t, ta.ws.PromoteSuperAdmin(ctx, u.ID, "test"))
	res, err := ta.ws.Login(ctx, workspace.LoginRequest{Email: "root@botsync.example", Password: secret.New("a long enough passphrase 9"), IP: localhost})
	require.NoError(t, err)
	p, err := ta.ws.Authenticate(ctx, res.Token, localhost)
	require.NoError(t, err)
	p, tok, err := ta.enrollTOTP(ctx, p)
	require.NoError(t, err)
	return p, tok
}

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/bot"
	"github.com/botsync/botsync/crm"
	"github.com/botsync/botsync/internal/pgtest"
	"github.com/botsync/botsync/secret"
	"github.com/botsync/botsync/whatsapp/whatsapptest"
)

// sseReader reads a workspace's SSE stream through HTTP.
func sseReader(t *testing.T, ta *testApp, path string, hdr ...string) <-chan Event {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, ta.srv.URL+path, nil)
	require.NoError(t, err)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := ta.srv.Client().Do(req)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.StatusCode)
	out := make(chan Event, 256)
	ready := make(chan struct{})
	go func() {
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		first := true
		for sc.Scan() {
			line := sc.Text()
			if first {
				close(ready)
				first = false
			}
			if data, ok := strings.CutPrefix(line, "data: "); ok {
				var ev Event
				if json.Unmarshal([]byte(data), &ev) == nil {
					out <- ev
				}
			}
		}
	}()
	<-ready
	return out
}

// waitFor returns the first event of typ (or fails after a while).
func waitFor(t *testing.T, evs <-chan Event, typ string, match func(Event) bool) Event {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case ev := <-evs:
			if ev.Type == typ && (match == nil || match(ev)) {
				return ev
			}
		case <-timeout:
			t.Fatalf("no %s event", typ)
		}
	}
}

func TestJourney(t *testing.T) {
	t.Parallel()
	journey(t, newTestApp(t, func(c *Config) { c.Seed = false }))
}

// TestJourneyPostgres runs the journey with every store on PostgreSQL
// (the knowledge base in memory: the plain PostgreSQL test server has no
// pgvector).
func TestJourneyPostgres(t *testing.T) {
	t.Parallel()
	journey(t, newTestApp(t, postgresConfig(t), func(c *Config) { c.Seed = false }))
}

// postgresConfig points the app at a fresh schema of the test server.
func postgresConfig(t testing.TB) func(*Config) {
	t.Helper()
	pool := pgtest.Postgres(t) // skips without BOTSYNC_TEST_POSTGRES_URL
	sp := pool.Config().ConnConfig.RuntimeParams["search_path"]
	require.NotEmpty(t, sp)
	u, err := url.Parse(os.Getenv(pgtest.PostgresEnv))
	require.NoError(t, err)
	q := u.Query()
	q.Set("search_path", sp)
	u.RawQuery = q.Encode()
	return func(c *Config) {
		c.DatabaseURL = u.String()
		c.KnowledgeDatabaseURL = "memory"
		c.EncryptionSecret = secret.New("0123456789abcdef0123456789abcdef")
	}
}

func journey(t *testing.T, ta *testApp) {
	ctx := context.Background()

	// Sign up, sign in, enrol in two-factor sign-in (owners must).
	var su struct {
		Workspace WorkspaceView `json:"workspace"`
	}
	require.Equal(t, http.StatusCreated, ta.do(t, "POST", "/api/v1/auth/signup", map[string]string{"email": "owner@coaching.example",
		"name": "Asha Rao", "password": "a long enough passphrase 7", "workspace": "Asha Coaching"}, &su))
	ws := su.Workspace.ID
	require.NotEmpty(t, ws)
	var login sessionAnswer
	require.Equal(t, http.StatusOK, ta.do(t, "POST", "/api/v1/auth/login", map[string]string{"email": "owner@coaching.example", "password": "a long enough passphrase 7"}, &login))
	require.True(t, login.EnrollmentRequired)
	cookie := func(tok string) []string {
		return []string{"Cookie", "nexusdesk_session=" + tok, csrfHeader, "1"}
	}
	var begin map[string]string
	require.Equal(t, http.StatusOK, ta.do(t, "POST", "/api/v1/auth/totp", nil, &begin, cookie(login.Token)...))
	key, err := otp.NewKeyFromURL(begin["otpauth_uri"])
	require.NoError(t, err)
	code, err := totp.GenerateCode(key.Secret(), time.Now())
	require.NoError(t, err)
	var confirmed sessionAnswer
	require.Equal(t, http.StatusOK, ta.do(t, "POST", "/api/v1/auth/totp/confirm", map[string]string{"code": code}, &confirmed, cookie(login.Token)...))
	require.Len(t, confirmed.RecoveryCodes, 10)
	h := cookie(confirmed.Token)
	api := "/api/v1/workspaces/" + ws

	// Cookie writes without the CSRF header are refused.
	var e struct {
		Error APIError `json:"error"`
	}
	require.Equal(t, http.StatusForbidden, ta.do(t, "POST", api+"/leads", map[string]string{"phone": "+919800000001"}, &e, "Cookie", "nexusdesk_session="+confirmed.Token))
	require.Equal(t, "csrf", e.Error.Code)

	// Connect the sandbox number, ingest knowledge, turn AI on.
	require.Equal(t, http.StatusCreated, ta.do(t, "POST", api+"/channels", map[string]string{"kind": "whatsapp",
		"external_id": whatsapptest.PhoneNumberID, "waba_id": whatsapptest.WABAID, "name": "Main", "token": "sandbox-token"}, nil, h...))
	for _, src := range demoKnowledge() {
		body := sourceBody{Title: src.Title, Format: strings.ToLower(src.Format.String()), Content: src.Content, FAQ: src.FAQ}
		require.Equal(t, http.StatusOK, ta.do(t, "PUT", api+"/knowledge/sources/"+src.ID, body, nil, h...), src.ID)
	}
	require.Equal(t, http.StatusOK, ta.do(t, "PUT", api+"/ai", map[string]any{"enabled": true, "channels": []string{"whatsapp"}}, nil, h...))
	var aiSt AISettings
	require.Equal(t, http.StatusOK, ta.do(t, "GET", api+"/ai", nil, &aiSt, h...))
	require.Equal(t, []bot.Channel{bot.WhatsApp}, aiSt.Channels, "stored")
	require.Equal(t, http.StatusBadRequest, ta.do(t, "PUT", api+"/ai", map[string]any{"channels": []string{"fax"}}, &e, h...))
	require.Equal(t, "channels", e.Error.Field)
	var ans answerView
	require.Equal(t, http.StatusOK, ta.do(t, "POST", api+"/knowledge/ask", map[string]string{"question": "When do weekend batches run?"}, &ans, h...))
	require.Equal(t, "answered", ans.Decision)

	// Inbound message → AI answer with a citation, seen on the SSE stream.
	events := sseReader(t, ta, api+"/events", h...)
	inbound := func(text string) {
		req, err := ta.sandbox.Inbound(ta.srv.URL+"/webhooks/meta", "whatsapp", "919811112222", "Ravi", text)
		require.NoError(t, err)
		res, err := ta.srv.Client().Do(req)
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		require.Equal(t, http.StatusOK, res.StatusCode)
		ta.drain(t)
	}
	inbound("What is the fee for the NEET programme?")
	ev := waitFor(t, events, "message.created", func(e Event) bool { return e.Message != nil && e.Message.Direction == crm.Outbound })
	require.Contains(t, ev.Message.Text, "1,65,000")
	require.NotEmpty(t, ev.Citations)
	require.Equal(t, "Courses and fees", ev.Citations[0].SourceTitle)
	convID := ev.ConversationID

	// Unknown question → handoff.
	inbound("Can I pay the fee in bitcoin?")
	waitFor(t, events, "conversation.handoff", nil)
	var conv struct {
		Conversation crm.Conversation `json:"conversation"`
	}
	require.Equal(t, http.StatusOK, ta.do(t, "GET", api+"/conversations/"+convID, nil, &conv, h...))
	require.True(t, conv.Conversation.Handoff)

	// The agent answers.
	var sent crm.Message
	require.Equal(t, http.StatusCreated, ta.do(t, "POST", api+"/conversations/"+convID+"/messages", map[string]string{"text": "We accept UPI and cards, not bitcoin."}, &sent, h...))
	require.Equal(t, crm.Outbound, sent.Direction)
	last := ta.sandbox.wa.Sent()[len(ta.sandbox.wa.Sent())-1]
	b, _ := json.Marshal(last)
	require.Contains(t, string(b), "UPI")
	var inbox Page[crm.Conversation]
	require.Equal(t, http.StatusOK, ta.do(t, "GET", api+"/conversations?handoff=true", nil, &inbox, h...))
	require.Len(t, inbox.Items, 1)

	// Data-subject access export, then erasure.
	var dsr struct {
		ID string `json:"id"`
	}
	require.Equal(t, http.StatusCreated, ta.do(t, "POST", api+"/privacy/requests", map[string]any{"type": "access", "phones": []string{"+919811112222"}}, &dsr, h...))
	require.Equal(t, http.StatusNoContent, ta.do(t, "POST", api+"/privacy/requests/"+dsr.ID+"/verify", map[string]string{"how": "confirmed on the customer's WhatsApp number"}, nil, h...))
	var done struct {
		State string `json:"state"`
	}
	require.Equal(t, http.StatusOK, ta.do(t, "POST", api+"/privacy/requests/"+dsr.ID+"/process", nil, &done, h...))
	require.Equal(t, "completed", done.State)
	res, err := ta.srv.Client().Do(mustReq(t, "GET", ta.srv.URL+api+"/privacy/requests/"+dsr.ID+"/export", h...))
	require.NoError(t, err)
	export, _ := io.ReadAll(res.Body)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Contains(t, string(export), "bitcoin", "the export holds the person's messages")

	require.Equal(t, http.StatusCreated, ta.do(t, "POST", api+"/privacy/requests", map[string]any{"type": "erasure", "phones": []string{"+919811112222"}}, &dsr, h...))
	require.Equal(t, http.StatusNoContent, ta.do(t, "POST", api+"/privacy/requests/"+dsr.ID+"/verify", map[string]string{"how": "confirmed"}, nil, h...))
	require.Equal(t, http.StatusOK, ta.do(t, "POST", api+"/privacy/requests/"+dsr.ID+"/process", nil, &done, h...))
	require.Equal(t, "completed", done.State)
	require.Equal(t, http.StatusNotFound, ta.do(t, "GET", api+"/conversations/"+convID, nil, nil, h...))
	var leads Page[crm.Lead]
	require.Equal(t, http.StatusOK, ta.do(t, "GET", api+"/leads?q=9811112222", nil, &leads, h...))
	require.Empty(t, leads.Items, "the lead is erased")

	// A legal hold can be placed and released.
	var hold struct{ ID string }
	require.Equal(t, http.StatusCreated, ta.do(t, "POST", api+"/privacy/holds", map[string]any{"category": "crm", "reason": "court order"}, &hold, h...))
	require.NotEmpty(t, hold.ID)
	require.Equal(t, http.StatusNoContent, ta.do(t, "DELETE", api+"/privacy/holds/"+hold.ID, nil, nil, h...))

	// Razorpay checkout, the webhook, and the GST invoice.
	var order map[string]any
	require.Equal(t, http.StatusCreated, ta.do(t, "POST", api+"/billing/orders", map[string]string{"plan": "starter", "name": "Asha Coaching LLP", "address": "4 FC Road, Pune", "state_code": "27", "gstin": "27AAPFU0939F1ZV"}, &order, h...))
	var co map[string]string
	require.Equal(t, http.StatusOK, ta.do(t, "POST", "/sandbox/pay", map[string]any{"order_id": order["order_id"]}, &co))
	require.Equal(t, http.StatusOK, ta.do(t, "POST", api+"/billing/verify", map[string]string{"order_id": co["order_id"], "payment_id": co["payment_id"], "signature": co["signature"]}, nil, h...))
	require.Equal(t, http.StatusBadRequest, ta.do(t, "POST", api+"/billing/verify", map[string]string{"order_id": co["order_id"], "payment_id": co["payment_id"], "signature": "forged"}, &e, h...))
	require.Equal(t, "signature", e.Error.Field)
	ta.drain(t)
	st, err := ta.queue.Store().Stats(ctx)
	require.NoError(t, err)
	require.Zero(t, st["queued"]+st["dead"], "every webhook was processed")
	var invs []struct {
		Number string `json:"number"`
	}
	require.Equal(t, http.StatusOK, ta.do(t, "GET", api+"/billing/invoices", nil, &invs, h...))
	require.Len(t, invs, 1)
	res, err = ta.srv.Client().Do(mustReq(t, "GET", ta.srv.URL+api+"/billing/invoices/"+url.PathEscape(invs[0].Number), h...))
	require.NoError(t, err)
	html, _ := io.ReadAll(res.Body)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Contains(t, string(html), "27AAPFU0939F1ZV")
	var usage []struct {
		Metric string `json:"metric"`
		Limit  int64  `json:"limit"`
	}
	require.Equal(t, http.StatusOK, ta.do(t, "GET", api+"/billing/usage", nil, &usage, h...))
	require.EqualValues(t, 10_000, usage[0].Limit, "the paid plan took effect")
}

func mustReq(t *testing.T, method, url string, hdr ...string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	require.NoError(t, err)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	return req
}

package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/botsync/botsync/ai/knowledge"
	"github.com/botsync/botsync/bot"
	"github.com/botsync/botsync/crm"
	"github.com/botsync/botsync/instagram/instagramtest"
	"github.com/botsync/botsync/internal/fakerun"
	"github.com/botsync/botsync/meta"
	"github.com/botsync/botsync/meta/metatest"
	"github.com/botsync/botsync/secret"
	"github.com/botsync/botsync/whatsapp"
	"github.com/botsync/botsync/whatsapp/whatsapptest"
	"github.com/botsync/botsync/workspace"
)

// SandboxInstagramID is the sandbox's Instagram professional account id.
const SandboxInstagramID = "17841400000000001"

// sandbox is the in-process fake Graph API (WhatsApp Cloud, Instagram,
// Messenger) the platform sends to in sandbox mode.
type sandbox struct {
	tb        *fakerun.T
	wa        *whatsapptest.Server
	ig        *instagramtest.Fake
	demoWS    string
	demoKey   secret.Value
	demoEmail string
	mu        sync.Mutex
	seq       int
}

func newSandbox(log *slog.Logger) (*sandbox, error) {
	tb := fakerun.New(log)
	s := &sandbox{tb: tb}
	var err error
	func() {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("server: start sandbox fakes: %v", r)
			}
		}()
		s.wa = whatsapptest.New(tb)
		s.ig = instagramtest.New(tb)
		s.wa.AddTemplate(whatsapp.TemplateDefinition{Name: "batch_launch", Language: "en", Category: whatsapp.CategoryMarketing,
			Components: []whatsapp.TemplateComponent{{Type: "BODY", Text: "Hi {{1}}, the new {{2}} batch starts on 1 April. Reply YES to book a free demo class."}}})
	}()
	return s, err
}

// Close stops the fakes.
func (s *sandbox) Close() { s.tb.Close() }

func (s *sandbox) appSecrets() []secret.Value {
	return []secret.Value{s.wa.AppSecret(), s.ig.IG.AppSecret(), s.ig.FB.AppSecret()}
}

func (s *sandbox) metaClient(kind workspace.ChannelKind, tok secret.Value) (*meta.Client, error) {
	switch kind {
	case workspace.ChannelWhatsApp:
		return s.wa.Client(tok.Reveal()), nil
	case workspace.ChannelInstagram:
		return s.ig.IG.Client(tok.Reveal()), nil
	}
	return s.ig.FB.Client(tok.Reveal()), nil
}

func (s *sandbox) nextID(prefix string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	return fmt.Sprintf("%s%d%d", prefix, time.Now().UnixNano(), s.seq)
}

// Inbound builds the signed webhook request a customer's message (or
// comment) would make Meta send. channel is whatsapp, instagram or
// comment; from is the customer's wa_id (digits) or IGSID.
func (s *sandbox) Inbound(target, channel, from, name, text string) (*http.Request, error) {
	switch channel {
	case "whatsapp":
		body := s.wa.InboundText(from, "", name, text)
		return s.wa.WebhookRequest(target, body), nil
	case "instagram", "comment":
		now := time.Now()
		entry := map[string]any{"id": SandboxInstagramID, "time": now.UnixMilli()}
		if channel == "instagram" {
			entry["messaging"] = []any{map[string]any{
				"sender": map[string]string{"id": from}, "recipient": map[string]string{"id": SandboxInstagramID},
				"timestamp": now.UnixMilli(), "message": map[string]any{"mid": s.nextID("aWdfZAG1"), "text": text}}}
		} else {
			entry["time"] = now.Unix()
			entry["changes"] = []any{map[string]any{"field": "comments", "value": map[string]any{
				"id": s.nextID("1790"), "text": text, "from": map[string]string{"id": from, "username": name},
				"media": map[string]string{"id": "18000000000000001", "media_product_type": "FEED"}}}}
		}
		body, err := json.Marshal(map[string]any{"object": "instagram", "entry": []any{entry}})
		if err != nil {
			return nil, err
		}
		return metatest.NewWebhookRequest(target, []byte(s.ig.IG.AppSecret().Reveal()), body), nil
	}
	return nil, fmt.Errorf("channel: want whatsapp, instagram or comment")
}

// seed creates the demo workspace: an owner, the sandbox WhatsApp number
// and Instagram account, a few leads, a knowledge base about a coaching
// institute, a keyword rule, AI on, and an API key for curl.
func (a *App) seed(ctx context.Context) error {
	pw := make([]byte, 12)
	_, _ = rand.Read(pw)
	email := "demo@botsync.local"
	password := secret.New("Sx-" + hex.EncodeToString(pw))
	_, w, err := a.ws.SignUp(ctx, workspace.SignUpRequest{Email: email, Name: "Demo Owner", Password: password,
		Workspace: workspace.Workspace{Name: "Sunrise Coaching Institute", PhoneRegion: "IN", TimeZone: "Asia/Kolkata"}})
	if err != nil {
		return err
	}
	a.known.add(w.ID)
	res, err := a.ws.Login(ctx, workspace.LoginRequest{Email: email, Password: password, IP: netip.MustParseAddr("127.0.0.1"), WorkspaceID: w.ID})
	if err != nil {
		return err
	}
	p, err := a.ws.Authenticate(ctx, res.Token, netip.MustParseAddr("127.0.0.1"))
	if err != nil {
		return err
	}
	// Owners must use two-factor sign-in: enrol the demo owner.
	if p, _, err = a.enrollTOTP(ctx, p); err != nil {
		return fmt.Errorf("enrol demo owner: %w", err)
	}
	// The fakes know the sandbox tokens, so health checks report them valid.
	a.sandbox.wa.AddToken(metatest.Token{Value: "sandbox-wa-token", Scopes: workspace.RequiredScopes[workspace.ChannelWhatsApp]})
	a.sandbox.ig.IG.AddToken(metatest.Token{Value: instagramtest.DefaultToken, Scopes: workspace.RequiredScopes[workspace.ChannelInstagram]})
	if _, err := a.ws.Connect(ctx, p, w.ID, workspace.ConnectRequest{Kind: workspace.ChannelWhatsApp, ExternalID: whatsapptest.PhoneNumberID,
		WABAID: whatsapptest.WABAID, Name: "Sunrise WhatsApp (sandbox)", Token: secret.New("sandbox-wa-token")}); err != nil {
		return err
	}
	if _, err := a.ws.Connect(ctx, p, w.ID, workspace.ConnectRequest{Kind: workspace.ChannelInstagram, ExternalID: SandboxInstagramID,
		Name: "@sunrise.coaching (sandbox)", Token: secret.New(instagramtest.DefaultToken)}); err != nil {
		return err
	}
	_, key, err := a.ws.CreateAPIKey(ctx, p, w.ID, "sandbox curl", workspaceActions(), time.Time{})
	if err != nil {
		return err
	}
	if err := a.crm.SetStages(ctx, w.ID, defaultStages); err != nil {
		return err
	}
	leads := "name,phone,email,city,interest,stage\n" +
		"Aarav Sharma,+919812345601,aarav@example.com,Pune,JEE Main,new\n" +
		"Diya Patel,+919812345602,diya@example.com,Ahmedabad,NEET,contacted\n" +
		"Kabir Singh,+919812345603,,Delhi,Foundation (Class 9-10),qualified\n"
	if _, err := a.crm.ImportCSV(ctx, w.ID, strings.NewReader(leads), crm.Actor{Kind: crm.ActorSystem}); err != nil {
		return fmt.Errorf("import leads: %w", err)
	}
	for _, src := range demoKnowledge() {
		if _, err := a.kb.Ingest(ctx, w.ID, src); err != nil {
			return fmt.Errorf("ingest %s: %w", src.ID, err)
		}
	}
	if err := a.engine.PutRule(ctx, bot.Rule{Workspace: w.ID, ID: "brochure", Name: "Send the brochure",
		Trigger: bot.Trigger{Type: bot.TriggerKeyword, Keywords: []string{"brochure", "prospectus"}},
		Actions: []bot.Action{{Type: bot.ActSendText, Text: "Here is our 2026 brochure: https://sunrise.example/brochure.pdf — reply with your class and we will suggest a batch."},
			{Type: bot.ActAddTag, Values: []string{"brochure-sent"}}}}); err != nil {
		return err
	}
	if err := a.engine.PutRule(ctx, bot.Rule{Workspace: w.ID, ID: "comment-fees", Name: "Comment 'fees' → DM", Position: 1,
		Trigger: bot.Trigger{Type: bot.TriggerComment, Keywords: []string{"fees", "price"}},
		Actions: []bot.Action{{Type: bot.ActCommentReply, Text: "Hi! Our fee details: JEE Rs 1,80,000, NEET Rs 1,65,000 for two years. Ask me anything here.", PublicText: "Sent you a DM!"}}}); err != nil {
		return err
	}
	if err := a.settings.SetAI(ctx, w.ID, AISettings{Enabled: true, Channels: []bot.Channel{bot.WhatsApp, bot.Instagram}, QuietMinutes: 30}); err != nil {
		return err
	}
	a.sandbox.demoWS, a.sandbox.demoKey, a.sandbox.demoEmail = w.ID, key, email
	a.log.Info("sandbox: demo workspace seeded", "workspace", w.ID, "email", email)
	return nil
}

// enrollTOTP enrols p in TOTP with a code computed from the provisioning
// URI (only the sandbox does this: a real user scans the QR code) and
// returns the principal of the rotated session.
func (a *App) enrollTOTP(ctx context.Context, p *workspace.Principal) (*workspace.Principal, secret.Value, error) {
	uri, err := a.ws.BeginTOTP(ctx, p)
	if err != nil {
		return nil, secret.Value{}, err
	}
	key, err := otp.NewKeyFromURL(uri.Reveal())
	if err != nil {
		return nil, secret.Value{}, err
	}
	code, err := totp.GenerateCode(key.Secret(), a.now())
	if err != nil {
		return nil, secret.Value{}, err
	}
	_, tok, err := a.ws.ConfirmTOTP(ctx, p, secret.New(code))
	if err != nil {
		return nil, secret.Value{}, err
	}
	p, err = a.ws.Authenticate(ctx, tok, netip.MustParseAddr("127.0.0.1"))
	return p, tok, err
}

func demoKnowledge() []knowledge.Source {
	return []knowledge.Source{
		{ID: "courses", Title: "Courses and fees", Format: knowledge.FormatMarkdown, Content: `# Courses and fees

Sunrise Coaching Institute runs JEE Main and Advanced coaching for classes 11 and 12. The two-year JEE programme fee is Rs 1,80,000, payable in four instalments.

NEET coaching for medical entrance covers Physics, Chemistry and Biology. The two-year NEET programme fee is Rs 1,65,000.

The Foundation course for classes 9 and 10 builds Maths and Science basics. The Foundation course fee is Rs 60,000 per year.

A scholarship test (SunSAT) is held every second Sunday; scholarships cover up to 50 percent of the fee.`},
		{ID: "timings", Title: "Batches, timings and location", Format: knowledge.FormatMarkdown, Content: `# Batches and timings

Weekday batches run from 4 pm to 8 pm, Monday to Friday. Weekend batches run from 9 am to 3 pm on Saturday and Sunday.

The new academic batch starts on 1 April; a crash course for droppers starts on 15 June.

# Location

The institute is at 12 MG Road, Pune, near the Camp metro station. Free demo classes are held every Saturday at 10 am.`},
		{ID: "faq", Title: "Frequently asked questions", Format: knowledge.FormatFAQ, FAQ: []knowledge.FAQ{
			{Question: "Do you offer online classes?", Answer: "Yes, every batch is also streamed live, and recordings stay available for 30 days."},
			{Question: "What is the refund policy?", Answer: "Fees are refundable in full within 15 days of joining, and pro rata for the first term after that."},
			{Question: "Do you provide hostel facilities?", Answer: "We do not run a hostel, but we partner with two verified hostels within 1 km of the institute."},
		}},
	}
}

// sandboxRoutes serves the sandbox page and its small JSON API (no auth:
// it only exists in sandbox mode and acts on the demo workspace).
func (a *App) sandboxRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /sandbox", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(sandboxPage))
	})
	mux.HandleFunc("GET /sandbox/events", func(w http.ResponseWriter, r *http.Request) {
		a.hub.serveSSE(w, r, a.sandbox.demoWS)
	})
	mux.HandleFunc("GET /sandbox/state", func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		page, err := a.crm.Search(ctx, a.sandbox.demoWS, crm.Query{Limit: 50})
		if err != nil {
			a.writeErr(w, r, err)
			return
		}
		inbox, err := a.crm.Inbox(ctx, a.sandbox.demoWS, crm.InboxQuery{Limit: 50})
		if err != nil {
			a.writeErr(w, r, err)
			return
		}
		type convView struct {
			*crm.Conversation
			Messages []*crm.Message `json:"messages"`
		}
		convs := []convView{}
		for _, c := range inbox.Conversations {
			ms, err := a.crm.Messages(ctx, a.sandbox.demoWS, c.ID)
			if err != nil {
				a.writeErr(w, r, err)
				return
			}
			convs = append(convs, convView{Conversation: c, Messages: ms})
		}
		writeJSON(w, http.StatusOK, map[string]any{"workspace": a.sandbox.demoWS, "leads": page.Leads, "conversations": convs})
	})
	mux.HandleFunc("POST /sandbox/send", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Channel string `json:"channel"`
			From    string `json:"from"`
			Name    string `json:"name"`
			Text    string `json:"text"`
		}
		if err := decodeJSON(w, r, &in); err != nil {
			a.writeErr(w, r, err)
			return
		}
		if strings.TrimSpace(in.Text) == "" {
			a.writeErr(w, r, fieldErr("text", "required"))
			return
		}
		in.From = strings.TrimPrefix(strings.TrimSpace(in.From), "+")
		if in.From == "" {
			in.From = "919876543210"
		}
		req, err := a.sandbox.Inbound("http://sandbox.local/webhooks/meta", in.Channel, in.From, in.Name, in.Text)
		if err != nil {
			a.writeErr(w, r, fieldErr("channel", err.Error()))
			return
		}
		// The delivery goes through the real webhook path: verify, store,
		// queue, 200 — then the workers answer.
		rec := httptest.NewRecorder()
		a.handler.ServeHTTP(rec, req.WithContext(r.Context()))
		writeJSON(w, http.StatusAccepted, map[string]any{"webhook_status": rec.Code})
	})
	// Pay an order as the customer would in Razorpay Checkout: the fake
	// captures it and delivers signed webhooks to /webhooks/razorpay.
	mux.HandleFunc("POST /sandbox/pay", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			OrderID string `json:"order_id"`
		}
		if err := decodeJSON(w, r, &in); err != nil {
			a.writeErr(w, r, err)
			return
		}
		if a.billing.fake == nil {
			a.writeErr(w, r, apiErr(http.StatusConflict, "not_sandbox", "billing is configured with real Razorpay keys"))
			return
		}
		co, err := a.billing.fake.PayOrder(in.OrderID)
		if err != nil {
			a.writeErr(w, r, fieldErr("order_id", "unknown order"))
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"order_id": co.OrderID, "payment_id": co.PaymentID, "signature": co.Signature})
	})
	// Answer as the demo workspace's agent (the conversation stays with
	// people), or give the conversation back to the AI.
	mux.HandleFunc("POST /sandbox/agent", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			ConversationID string `json:"conversation_id"`
			Text           string `json:"text"`
			GiveBack       bool   `json:"give_back"`
		}
		if err := decodeJSON(w, r, &in); err != nil {
			a.writeErr(w, r, err)
			return
		}
		if in.GiveBack {
			if err := a.engine.GiveBack(r.Context(), a.sandbox.demoWS, in.ConversationID); err != nil {
				a.writeErr(w, r, err)
				return
			}
			writeJSON(w, http.StatusOK, map[string]bool{"given_back": true})
			return
		}
		if strings.TrimSpace(in.Text) == "" {
			a.writeErr(w, r, fieldErr("text", "required"))
			return
		}
		m, err := a.engine.SendAgentMessage(r.Context(), a.sandbox.demoWS, in.ConversationID, "sandbox-agent", in.Text)
		if err != nil {
			a.writeErr(w, r, err)
			return
		}
		writeJSON(w, http.StatusCreated, m)
	})
	// Authorise a subscription and charge its first cycle, as the customer
	// and Razorpay would: webhooks go to /webhooks/razorpay.
	mux.HandleFunc("POST /sandbox/subscribe", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			SubscriptionID string `json:"subscription_id"`
		}
		if err := decodeJSON(w, r, &in); err != nil {
			a.writeErr(w, r, err)
			return
		}
		if a.billing.fake == nil {
			a.writeErr(w, r, apiErr(http.StatusConflict, "not_sandbox", "billing is configured with real Razorpay keys"))
			return
		}
		co, err := a.billing.fake.AuthenticateSubscription(in.SubscriptionID)
		if err != nil {
			a.writeErr(w, r, fieldErr("subscription_id", "unknown subscription"))
			return
		}
		if _, err := a.billing.fake.ChargeSubscription(in.SubscriptionID); err != nil {
			a.writeErr(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"subscription_id": co.SubscriptionID, "payment_id": co.PaymentID, "signature": co.Signature})
	})
	mux.HandleFunc("GET /sandbox/outbox", func(w http.ResponseWriter, r *http.Request) {
		type sent struct {
			Channel string `json:"channel"`
			To      string `json:"to"`
			Body    string `json:"body"`
		}
		out := []sent{}
		for _, m := range a.sandbox.wa.Sent() {
			b, _ := json.Marshal(m)
			out = append(out, sent{Channel: "whatsapp", Body: string(bytes.TrimSpace(b))})
		}
		for _, m := range a.sandbox.ig.Sent() {
			b, _ := json.Marshal(m)
			out = append(out, sent{Channel: "instagram", Body: string(b)})
		}
		writeJSON(w, http.StatusOK, out)
	})
}

// workspaceActions lists every action but the platform's.
func workspaceActions() []workspace.Action {
	var out []workspace.Action
	for _, ac := range workspace.Actions {
		if !strings.HasPrefix(string(ac), "platform.") {
			out = append(out, ac)
		}
	}
	return out
}

// defaultStages is the pipeline new workspaces start with.
var defaultStages = []crm.Stage{{Key: "new", Name: "New"}, {Key: "contacted", Name: "Contacted"},
	{Key: "qualified", Name: "Qualified"}, {Key: "enrolled", Name: "Enrolled"}, {Key: "lost", Name: "Lost"}}

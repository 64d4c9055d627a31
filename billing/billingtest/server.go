// Package billingtest provides a fake Razorpay server that the real
// [billing.Client] talks to over HTTP and that emits signed webhooks, plus
// [TestStore], the conformance suite every [billing.Store] passes.
//
//	srv := billingtest.NewServer()
//	defer srv.Close()
//	c, _ := billing.NewClient(srv.KeyID, srv.KeySecret, billing.WithBaseURL(srv.URL()))
//	srv.SetWebhookHandler(handler) // deliveries are signed with srv.WebhookSecret
//	order, _ := c.Orders.Create(ctx, billing.OrderRequest{Amount: 49900, Currency: "INR"})
//	pay, _ := srv.PayOrder(order.ID) // payment.authorized, payment.captured, order.paid
//
// The fake keeps every resource in memory, checks basic auth, validates
// amounts like Razorpay (integers of at least 100 paise), answers errors in
// Razorpay's shape, and can be scripted to fail requests ([Server.FailNext]).
// It is safe for concurrent use.
package billingtest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/botsync/botsync/billing"
	"github.com/botsync/botsync/secret"
)

// Server is a fake Razorpay API.
type Server struct {
	// KeyID and KeySecret are the API credentials the fake accepts.
	KeyID     string
	KeySecret secret.Value
	// WebhookSecret signs webhook deliveries.
	WebhookSecret secret.Value
	// AccountID is put on every webhook event.
	AccountID string

	srv *httptest.Server

	mu         sync.Mutex
	now        func() time.Time
	seq        int
	orders     map[string]*billing.Order
	payments   map[string]*fakePayment
	plans      []*billing.RazorpayPlan
	subs       map[string]*billing.Subscription
	customers  map[string]*fakeCustomer
	refunds    map[string]*billing.Refund
	invoices   []*billing.Invoice
	links      map[string]*billing.PaymentLink
	failures   []failure
	hook       http.Handler
	deliveries []Delivery
	requests   []Request
}

// fakePayment carries the raw personal data the billing types redact.
type fakePayment struct {
	billing.Payment
	Email   string `json:"email"`
	Contact string `json:"contact"`
}

type fakeCustomer struct {
	billing.Customer
	Email   string `json:"email"`
	Contact string `json:"contact"`
}

type failure struct {
	method, prefix string
	status         int
	code           string
	remaining      int
}

// Delivery is one webhook delivery the fake made.
type Delivery struct {
	EventID   string
	Event     billing.EventType
	Body      []byte
	Signature string
	Status    int // the handler's answer
}

// Option configures a [Server].
type Option func(*Server)

// WithClock sets the fake's clock (default time.Now), which dates every
// resource and event.
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// NewServer starts a fake Razorpay server. Close it when done.
func NewServer(opts ...Option) *Server {
	s := &Server{
		KeyID:         "rzp_test_fake0000000001",
		KeySecret:     secret.New("fake_key_secret_0123456789"),
		WebhookSecret: secret.New("fake_webhook_secret"),
		AccountID:     "acc_FakeAccount0001",
		now:           time.Now,
		orders:        map[string]*billing.Order{},
		payments:      map[string]*fakePayment{},
		subs:          map[string]*billing.Subscription{},
		customers:     map[string]*fakeCustomer{},
		refunds:       map[string]*billing.Refund{},
		links:         map[string]*billing.PaymentLink{},
	}
	for _, o := range opts {
		o(s)
	}
	s.srv = httptest.NewServer(s.routes())
	return s
}

// URL is the API root to pass to [billing.WithBaseURL].
func (s *Server) URL() string { return s.srv.URL + "/v1/" }

// Close shuts the server down.
func (s *Server) Close() { s.srv.Close() }

// FailNext makes the next n requests whose method matches and whose path
// (after /v1/) starts with prefix answer status with a Razorpay error of
// code (e.g. 503 "SERVER_ERROR", 429 "BAD_REQUEST_ERROR").
func (s *Server) FailNext(method, prefix string, status int, code string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = append(s.failures, failure{method, prefix, status, code, n})
}

// Request is a request the fake received.
type Request struct {
	Method string
	Path   string
	Query  string
	Body   []byte
}

// Requests returns "METHOD /path" for every request received, in order.
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, len(s.requests))
	for i, r := range s.requests {
		out[i] = r.Method + " " + r.Path
	}
	return out
}

// RecordedRequests returns every request received with its query and
// body, in order (for golden tests of what a client sends).
func (s *Server) RecordedRequests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// SetWebhookHandler makes the fake deliver its webhooks to h (in process).
// Without one, events are signed and recorded but not delivered.
func (s *Server) SetWebhookHandler(h http.Handler) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hook = h
}

// Deliveries returns every webhook delivery so far.
func (s *Server) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Delivery(nil), s.deliveries...)
}

// Redeliver sends delivery i again (same event id and body), as Razorpay
// does when it did not see a 2xx in time, and returns the handler's status.
func (s *Server) Redeliver(i int) int {
	s.mu.Lock()
	d, h := s.deliveries[i], s.hook
	s.mu.Unlock()
	if h == nil {
		return 0
	}
	return deliver(h, d)
}

// SignWebhook returns the X-Razorpay-Signature of body under webhookSecret.
func SignWebhook(body []byte, webhookSecret secret.Value) string {
	m := hmac.New(sha256.New, webhookSecret.RevealBytes())
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// NewWebhookRequest builds a signed webhook POST of body, as Razorpay
// sends it.
func NewWebhookRequest(body []byte, webhookSecret secret.Value, eventID string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/webhooks/razorpay", strings.NewReader(string(body)))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set(billing.SignatureHeader, SignWebhook(body, webhookSecret))
	if eventID != "" {
		r.Header.Set(billing.EventIDHeader, eventID)
	}
	return r
}

func deliver(h http.Handler, d Delivery) int {
	r := httptest.NewRequest(http.MethodPost, "/webhooks/razorpay", strings.NewReader(string(d.Body)))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set(billing.SignatureHeader, d.Signature)
	r.Header.Set(billing.EventIDHeader, d.EventID)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Code
}

// emit builds, signs, records and delivers an event. payload maps
// entity names ("payment", "order", …) to entities. Called without s.mu.
func (s *Server) emit(event billing.EventType, payload map[string]any) Delivery {
	s.mu.Lock()
	s.seq++
	id := fmt.Sprintf("evt_%014d", s.seq)
	now := s.now()
	h := s.hook
	s.mu.Unlock()
	contains := make([]string, 0, len(payload))
	wrapped := map[string]any{}
	keys := []string{"payment", "order", "subscription", "refund", "invoice", "payment_link"}
	for k := range payload {
		if !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	for _, k := range keys {
		if v, ok := payload[k]; ok {
			contains = append(contains, k)
			wrapped[k] = map[string]any{"entity": v}
		}
	}
	body, _ := json.Marshal(map[string]any{
		"entity": "event", "account_id": s.AccountID, "event": string(event),
		"contains": contains, "payload": wrapped, "created_at": now.Unix(),
	})
	d := Delivery{EventID: id, Event: event, Body: body, Signature: SignWebhook(body, s.WebhookSecret)}
	if h != nil {
		d.Status = deliver(h, d)
	}
	s.mu.Lock()
	s.deliveries = append(s.deliveries, d)
	s.mu.Unlock()
	return d
}

// newID returns a Razorpay-shaped id ("order_" + 14 characters). Callers
// hold s.mu.
func (s *Server) newID(prefix string) string {
	s.seq++
	return fmt.Sprintf("%s_%014d", prefix, s.seq)
}

func (s *Server) sign(msg string) string {
	m := hmac.New(sha256.New, s.KeySecret.RevealBytes())
	m.Write([]byte(msg))
	return hex.EncodeToString(m.Sum(nil))
}

// writeError answers a Razorpay-shaped error.
func writeError(w http.ResponseWriter, status int, code, desc, field string) {
	e := map[string]any{"code": code, "description": desc, "source": "business", "step": "payment_initiation", "reason": "input_validation_failed", "metadata": map[string]any{}}
	if field != "" {
		e["field"] = field
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": e})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

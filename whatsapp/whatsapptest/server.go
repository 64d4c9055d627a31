// Package whatsapptest is a fake WhatsApp Cloud API on top of
// meta/metatest: it serves messages, marketing messages, media, templates,
// phone numbers, business profiles and subscribed apps over real HTTP,
// validates requests the way the Cloud API does (missing fields get the
// real error shape), records what was sent, scripts failures per recipient
// or per call, and builds signed status and inbound webhooks — including
// out-of-order and duplicate ones.
//
//	fake := whatsapptest.New(t)
//	wa := fake.WhatsApp("token")
//	res, err := wa.Messages.SendText(ctx, whatsapptest.PhoneNumberID, whatsapp.Phone("+919876543210"), "hi")
//	sent := fake.Sent() // what the Cloud API received
package whatsapptest

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/botsync/botsync/meta/metatest"
	"github.com/botsync/botsync/whatsapp"
)

// Defaults of the fake's account.
const (
	WABAID             = "102290129340398"
	PhoneNumberID      = "106540352242922"
	DisplayPhoneNumber = "15550783881"
)

// Server is a fake Cloud API. It embeds the *metatest.Server it runs on, so
// Requests, Fail, SetUsage and Client are available. Safe for concurrent use.
type Server struct {
	*metatest.Server

	tb  testing.TB
	now func() time.Time

	mu          sync.Mutex
	sent        []Sent
	recFail     map[string][]metatest.GraphError
	media       map[string]*mediaItem
	deleted     map[string]bool
	mediaTTL    time.Duration
	templates   []whatsapp.TemplateDefinition
	phones      map[string]*whatsapp.PhoneNumber
	profiles    map[string]whatsapp.BusinessProfile
	subscribed  map[string]bool
	autoApprove bool
	auto        *AutoStatuses
	autoErrs    []error
}

// Sent is a message the fake accepted.
type Sent struct {
	PhoneNumberID string
	// Endpoint is "messages" or "marketing_messages".
	Endpoint  string
	MessageID string
	Type      string
	// To and Recipient are the request's "to" and "recipient".
	To, Recipient string
	// Body is the request's JSON.
	Body json.RawMessage
}

// Decode decodes the recorded body into v.
func (s Sent) Decode(v any) error { return json.Unmarshal(s.Body, v) }

// Option configures a [Server].
type Option func(*Server)

// WithClock sets the clock for media URL expiry and webhook timestamps.
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// WithMediaURLTTL sets how long media download URLs stay valid (default 5
// minutes, as on the Cloud API).
func WithMediaURLTTL(d time.Duration) Option { return func(s *Server) { s.mediaTTL = d } }

// WithAutoApprove makes created templates APPROVED at once (default
// PENDING).
func WithAutoApprove() Option { return func(s *Server) { s.autoApprove = true } }

// WithMetatest passes options to the underlying metatest server.
func WithMetatest(opts ...metatest.ServerOption) Option {
	return func(s *Server) { s.Server = metatest.NewServer(s.tb, opts...) }
}

// New starts a fake with one WABA ([WABAID]) and one phone number
// ([PhoneNumberID]), closed when tb ends.
func New(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	s := &Server{
		tb:         tb,
		now:        time.Now,
		recFail:    map[string][]metatest.GraphError{},
		media:      map[string]*mediaItem{},
		deleted:    map[string]bool{},
		mediaTTL:   5 * time.Minute,
		phones:     map[string]*whatsapp.PhoneNumber{},
		profiles:   map[string]whatsapp.BusinessProfile{},
		subscribed: map[string]bool{},
	}
	for _, o := range opts {
		o(s)
	}
	if s.Server == nil {
		s.Server = metatest.NewServer(tb)
	}
	s.AddPhoneNumber(whatsapp.PhoneNumber{
		ID: PhoneNumberID, DisplayPhoneNumber: DisplayPhoneNumber, VerifiedName: "BotSync Test",
		QualityRating: "GREEN", MessagingLimitTier: "TIER_1K", NameStatus: "APPROVED", Status: "CONNECTED",
	})
	s.routes()
	return s
}

// WhatsApp returns a whatsapp.Client for token on the fake (fast retries).
func (s *Server) WhatsApp(token string, opts ...whatsapp.Option) *whatsapp.Client {
	s.tb.Helper()
	c, err := whatsapp.NewClient(s.Client(token), opts...)
	if err != nil {
		s.tb.Fatalf("whatsapptest: new client: %v", err)
	}
	return c
}

// Sent returns a copy of the accepted messages, in order.
func (s *Server) Sent() []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Sent(nil), s.sent...)
}

// FailRecipient makes the next sends to recipient (a wa_id, E.164 number or
// BSUID) fail with e, one scripted error per send, in order.
func (s *Server) FailRecipient(recipient string, errs ...metatest.GraphError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := strings.TrimPrefix(recipient, "+")
	s.recFail[k] = append(s.recFail[k], errs...)
}

func (s *Server) routes() {
	s.Handle("POST /{version}/{phone}/messages", s.postMessage)
	s.Handle("POST /{version}/{phone}/marketing_messages", s.postMessage)
	s.Handle("POST /{version}/{phone}/media", s.uploadMedia)
	s.Handle("GET /{version}/{id}", s.getObject)
	s.Handle("DELETE /{version}/{id}", s.deleteMedia)
	s.Handle("GET /whatsapp-media/{id}", s.downloadMedia)
	s.Handle("GET /{version}/{waba}/message_templates", s.listTemplates)
	s.Handle("POST /{version}/{waba}/message_templates", s.createTemplate)
	s.Handle("DELETE /{version}/{waba}/message_templates", s.deleteTemplate)
	s.Handle("GET /{version}/{waba}/phone_numbers", s.listPhones)
	s.Handle("POST /{version}/{phone}/register", s.register)
	s.Handle("POST /{version}/{phone}/deregister", s.register)
	s.Handle("GET /{version}/{phone}/whatsapp_business_profile", s.getProfile)
	s.Handle("POST /{version}/{phone}/whatsapp_business_profile", s.postProfile)
	s.Handle("GET /{version}/{waba}/subscribed_apps", s.subscribedApps)
	s.Handle("POST /{version}/{waba}/subscribed_apps", s.subscribedApps)
	s.Handle("DELETE /{version}/{waba}/subscribed_apps", s.subscribedApps)
}

// missing writes the Cloud API's "required parameter is missing" error.
func missing(w http.ResponseWriter, param string) {
	metatest.WriteGraphError(w, http.StatusBadRequest, metatest.GraphError{
		Code: 131008, Message: "(#131008) Required parameter is missing",
		ErrorData: details("Parameter '" + param + "' is required."),
	})
}

// invalidParam writes the Cloud API's "parameter value is not valid" error.
func invalidParam(w http.ResponseWriter, detail string) {
	metatest.WriteGraphError(w, http.StatusBadRequest, metatest.GraphError{
		Code: 131009, Message: "(#131009) Parameter value is not valid",
		ErrorData: details(detail),
	})
}

func details(d string) json.RawMessage {
	b, _ := json.Marshal(struct {
		MessagingProduct string `json:"messaging_product"`
		Details          string `json:"details"`
	}{"whatsapp", d})
	return b
}

func (s *Server) knownPhone(w http.ResponseWriter, id string) bool {
	s.mu.Lock()
	_, ok := s.phones[id]
	s.mu.Unlock()
	if !ok {
		metatest.WriteGraphError(w, http.StatusBadRequest, metatest.GraphError{
			Code: 100, Subcode: 33,
			Message: "Unsupported post request. Object with ID '" + id + "' does not exist, cannot be loaded due to missing permissions, or does not support this operation.",
			Type:    "GraphMethodException",
		})
	}
	return ok
}

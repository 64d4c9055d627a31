package metatest

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/botsync/botsync/meta"
	"github.com/botsync/botsync/secret"
)

// Defaults of a Server's app.
const (
	DefaultAppID     = "1234567890"
	DefaultAppSecret = "metatest-app-secret"
)

// Server is a fake Graph API over real HTTP (httptest). The real clients talk
// to it through [Server.Client]. It serves the token endpoints itself
// (oauth/access_token, debug_token, me/accounts, and Instagram's
// access_token and refresh_access_token); other packages add their endpoints
// with [Server.Handle]. Every request is recorded; failures can be scripted
// with [Server.Fail]; usage headers with [Server.SetUsage].
//
// Requests to versioned paths need an Authorization: Bearer token (or the
// header named by [WithAPIKeyHeader]); registered tokens that were revoked or
// have expired get Meta's error 190.
//
// A Server is safe for concurrent use and is closed when the test ends.
type Server struct {
	// URL is the base URL (no version), for meta.WithBaseURL.
	URL string

	tb   testing.TB
	srv  *httptest.Server
	mux  *http.ServeMux
	done chan struct{}

	appID, appSecret string
	requireProof     bool
	apiKeyHeader     string
	now              func() time.Time

	mu       sync.Mutex
	requests []RecordedRequest
	failures []*failure
	usage    http.Header
	tokens   map[string]*Token
	pages    []Page
	seq      int
}

// ServerOption configures a [Server].
type ServerOption func(*Server)

// WithApp sets the fake app's id and secret (defaults [DefaultAppID],
// [DefaultAppSecret]).
func WithApp(id, appSecret string) ServerOption {
	return func(s *Server) { s.appID, s.appSecret = id, appSecret }
}

// WithAppSecretProof makes the server require a correct appsecret_proof on
// every authenticated call, like an app with "Require App Secret" on.
func WithAppSecretProof() ServerOption { return func(s *Server) { s.requireProof = true } }

// WithAPIKeyHeader makes the server accept a non-empty header of this name
// instead of a bearer token (BSP-style authentication).
func WithAPIKeyHeader(name string) ServerOption {
	return func(s *Server) { s.apiKeyHeader = http.CanonicalHeaderKey(name) }
}

// WithServerClock sets the clock used for token issue and expiry times
// (default time.Now).
func WithServerClock(now func() time.Time) ServerOption { return func(s *Server) { s.now = now } }

// RecordedRequest is one request the server received.
type RecordedRequest struct {
	Method string
	// Path is the URL path, e.g. "/v24.0/1234/messages".
	Path string
	// Version is the leading version segment ("v24.0"), or "".
	Version string
	Query   url.Values
	Header  http.Header
	Body    []byte
}

// DecodeJSON decodes the recorded body into v.
func (r RecordedRequest) DecodeJSON(v any) error { return json.Unmarshal(r.Body, v) }

// Token is a token the fake knows, as debug_token reports it.
type Token struct {
	Value               string
	Type                string // USER, PAGE, APP, SYSTEM_USER; default USER
	AppID               string // default the server's app id
	UserID              string
	Scopes              []string
	GranularScopes      []meta.GranularScope
	IssuedAt            time.Time
	ExpiresAt           time.Time // zero: never expires
	DataAccessExpiresAt time.Time
	Revoked             bool
}

// Page is a Facebook Page served by me/accounts.
type Page struct {
	ID, Name, Category string
	AccessToken        string
	Tasks              []string
}

var versionRE = regexp.MustCompile(`^v[0-9]+\.[0-9]+$`)

// NewServer starts a fake Graph server that is closed when tb ends.
func NewServer(tb testing.TB, opts ...ServerOption) *Server {
	tb.Helper()
	s := &Server{
		tb:        tb,
		mux:       http.NewServeMux(),
		done:      make(chan struct{}),
		appID:     DefaultAppID,
		appSecret: DefaultAppSecret,
		now:       time.Now,
		usage:     http.Header{},
		tokens:    map[string]*Token{},
	}
	for _, o := range opts {
		o(s)
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	tb.Cleanup(func() {
		close(s.done)
		s.srv.CloseClientConnections()
		s.srv.Close()
	})
	return s
}

// HTTPClient returns an HTTP client for the server.
func (s *Server) HTTPClient() *http.Client { return s.srv.Client() }

// AppID returns the fake app's id.
func (s *Server) AppID() string { return s.appID }

// AppSecret returns the fake app's secret.
func (s *Server) AppSecret() secret.Value { return secret.New(s.appSecret) }

// Client returns a meta.Client for token pointed at the server, with fast
// retries (2 retries, 1ms–20ms) so scripted failures resolve quickly. opts
// are applied after those defaults.
func (s *Server) Client(token string, opts ...meta.Option) *meta.Client {
	s.tb.Helper()
	all := append([]meta.Option{
		meta.WithBaseURL(s.URL),
		meta.WithHTTPClient(s.srv.Client()),
		meta.WithRetry(2, time.Millisecond, 20*time.Millisecond),
	}, opts...)
	c, err := meta.NewClient(secret.New(token), all...)
	if err != nil {
		s.tb.Fatalf("metatest: new client: %v", err)
	}
	return c
}

// SynctestClient is [Server.Client] for use inside a testing/synctest bubble:
// its transport keeps no idle connections, so a bubble whose goroutines all
// wait on timers (retry backoff, the governor) is idle and fake time moves.
// Create the Server outside the bubble and the client inside it.
func (s *Server) SynctestClient(token string, opts ...meta.Option) *meta.Client {
	s.tb.Helper()
	hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	return s.Client(token, append([]meta.Option{meta.WithHTTPClient(hc)}, opts...)...)
}

// Handle registers h for a Go 1.22 mux pattern such as
// "POST /{version}/{phone}/messages" (conflicting patterns panic, as with
// http.ServeMux). The built-in GET endpoints (oauth/access_token,
// debug_token, me/accounts, access_token, refresh_access_token) are answered
// before the mux and cannot be overridden.
func (s *Server) Handle(pattern string, h http.HandlerFunc) { s.mux.HandleFunc(pattern, h) }

// Requests returns a copy of every request received so far.
func (s *Server) Requests() []RecordedRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]RecordedRequest(nil), s.requests...)
}

// LastRequest returns the most recent request, if any.
func (s *Server) LastRequest() (RecordedRequest, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.requests) == 0 {
		return RecordedRequest{}, false
	}
	return s.requests[len(s.requests)-1], true
}

// ClearRequests forgets the recorded requests.
func (s *Server) ClearRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
}

// SetUsage makes every following response carry u's usage headers (a zero
// Usage removes them).
func (s *Server) SetUsage(u meta.Usage) {
	h := UsageHeaders(u)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.usage = h
}

// UsageHeaders renders u as Meta's X-App-Usage, X-Business-Use-Case-Usage
// and X-Ad-Account-Usage headers.
func UsageHeaders(u meta.Usage) http.Header {
	h := http.Header{}
	if u.App != nil {
		b, _ := json.Marshal(u.App)
		h.Set(meta.HeaderAppUsage, string(b))
	}
	if len(u.BusinessUseCase) > 0 {
		b, _ := json.Marshal(u.BusinessUseCase)
		h.Set(meta.HeaderBusinessUseCaseUsage, string(b))
	}
	if u.AdAccount != nil {
		b, _ := json.Marshal(u.AdAccount)
		h.Set(meta.HeaderAdAccountUsage, string(b))
	}
	return h
}

// AddToken registers a token (for debug_token, expiry and revocation).
func (s *Server) AddToken(t Token) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addTokenLocked(t)
}

func (s *Server) addTokenLocked(t Token) *Token {
	if t.Type == "" {
		t.Type = "USER"
	}
	if t.AppID == "" {
		t.AppID = s.appID
	}
	if t.IssuedAt.IsZero() {
		t.IssuedAt = s.now()
	}
	s.tokens[t.Value] = &t
	return &t
}

// LookupToken returns what the server knows about a token.
func (s *Server) LookupToken(value string) (Token, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tokens[value]
	if !ok {
		return Token{}, false
	}
	return *t, true
}

// RevokeToken makes every call with the token fail with error 190.
func (s *Server) RevokeToken(value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := s.tokens[value]; ok {
		t.Revoked = true
		return
	}
	s.addTokenLocked(Token{Value: value, Revoked: true})
}

// AddPage adds a Page to me/accounts and registers its Page token.
func (s *Server) AddPage(p Page) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pages = append(s.pages, p)
	if p.AccessToken != "" {
		s.addTokenLocked(Token{Value: p.AccessToken, Type: "PAGE"})
	}
}

// WriteError writes Meta's error JSON with the given HTTP status, code,
// subcode (omitted when 0) and message, type OAuthException.
func WriteError(w http.ResponseWriter, status, code, subcode int, msg string) {
	WriteGraphError(w, status, GraphError{Code: code, Subcode: subcode, Message: msg})
}

// GraphError is Meta's error object, for [WriteGraphError].
type GraphError struct {
	Message     string          `json:"message"`
	Type        string          `json:"type"`
	Code        int             `json:"code"`
	Subcode     int             `json:"error_subcode,omitempty"`
	UserTitle   string          `json:"error_user_title,omitempty"`
	UserMessage string          `json:"error_user_msg,omitempty"`
	IsTransient bool            `json:"is_transient"`
	ErrorData   json.RawMessage `json:"error_data,omitempty"`
	FBTraceID   string          `json:"fbtrace_id"`
}

// WriteGraphError writes {"error": e} with status, filling Type
// ("OAuthException") and FBTraceID when empty.
func WriteGraphError(w http.ResponseWriter, status int, e GraphError) {
	if e.Type == "" {
		e.Type = "OAuthException"
	}
	if e.FBTraceID == "" {
		e.FBTraceID = "AmetatestTrace"
	}
	WriteJSON(w, status, struct {
		Error GraphError `json:"error"`
	}{e})
}

// WriteJSON writes v as JSON with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// NextID returns a fresh id with prefix, unique within the server (for
// handlers that mint message or media ids).
func (s *Server) NextID(prefix string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	return prefix + strconv.Itoa(s.seq)
}

const maxRecordedBody = 64 << 20

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRecordedBody))
	if err != nil {
		WriteError(w, http.StatusBadRequest, 100, 0, "metatest: could not read body")
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	rec := RecordedRequest{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone(), Body: body}
	if seg, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/"); versionRE.MatchString(seg) {
		rec.Version = seg
	}
	s.mu.Lock()
	s.requests = append(s.requests, rec)
	for k, v := range s.usage {
		w.Header()[k] = append([]string(nil), v...)
	}
	f := s.takeFailureLocked(r)
	s.mu.Unlock()

	if f != nil && !s.fail(w, r, f) {
		return
	}
	if rec.Version != "" && !s.authorized(w, r) {
		return
	}
	if h := s.builtin(r); h != nil {
		h(w, r)
		return
	}
	s.mux.ServeHTTP(w, r)
}

func (s *Server) authorized(w http.ResponseWriter, r *http.Request) bool {
	rel := strings.SplitN(strings.TrimPrefix(r.URL.Path, "/"), "/", 2)
	if len(rel) == 2 && (rel[1] == "oauth/access_token" || rel[1] == "access_token") {
		return true
	}
	if s.apiKeyHeader != "" && r.Header.Get(s.apiKeyHeader) != "" {
		return true
	}
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || tok == "" {
		WriteError(w, http.StatusBadRequest, 190, 0, "An active access token must be used to query information about the current user.")
		return false
	}
	if r.URL.Query().Has("access_token") {
		WriteError(w, http.StatusBadRequest, 100, 0, "metatest: access_token must not be sent in the URL")
		return false
	}
	s.mu.Lock()
	t := s.tokens[tok]
	var tcopy Token
	if t != nil {
		tcopy = *t
	}
	s.mu.Unlock()
	if t != nil {
		switch {
		case tcopy.Revoked:
			WriteError(w, http.StatusUnauthorized, 190, 460, "Error validating access token: The session has been invalidated.")
			return false
		case !tcopy.ExpiresAt.IsZero() && !s.now().Before(tcopy.ExpiresAt):
			WriteError(w, http.StatusUnauthorized, 190, 463, "Error validating access token: Session has expired.")
			return false
		}
	}
	if s.requireProof {
		proof := r.URL.Query().Get("appsecret_proof")
		if proof == "" {
			WriteError(w, http.StatusBadRequest, 100, 0, "API calls from the server require an appsecret_proof argument")
			return false
		}
		m := hmac.New(sha256.New, []byte(s.appSecret))
		m.Write([]byte(tok))
		want := hex.EncodeToString(m.Sum(nil))
		if !hmac.Equal([]byte(proof), []byte(want)) {
			WriteError(w, http.StatusBadRequest, 100, 0, "Invalid appsecret_proof provided in the API argument")
			return false
		}
	}
	return true
}

// BearerToken returns the bearer token of r, or "".
func BearerToken(r *http.Request) string {
	tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return tok
}

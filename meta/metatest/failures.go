package metatest

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/botsync/botsync/meta"
)

// Matcher selects requests for a scripted [Failure].
type Matcher func(*http.Request) bool

// Match selects requests by method ("" for any) and by path below the version
// ("1234/messages"; "" for any; a trailing "*" matches a prefix). Unversioned
// paths compare without their leading slash ("refresh_access_token").
func Match(method, path string) Matcher {
	return func(r *http.Request) bool {
		if method != "" && r.Method != method {
			return false
		}
		if path == "" {
			return true
		}
		rel := strings.TrimPrefix(r.URL.Path, "/")
		if seg, rest, ok := strings.Cut(rel, "/"); ok && versionRE.MatchString(seg) {
			rel = rest
		}
		if p, ok := strings.CutSuffix(path, "*"); ok {
			return strings.HasPrefix(rel, p)
		}
		return rel == path
	}
}

// Failure scripts how the server misbehaves for matching requests. The zero
// Status with a zero Code means "no error": only Delay applies and the request
// then proceeds normally.
type Failure struct {
	// Status is the HTTP status (default 400 when Code is set).
	Status int
	// Code, Subcode, Type, Message, UserTitle, UserMessage, IsTransient and
	// ErrorData fill Meta's error object. Type defaults to OAuthException,
	// Message to "metatest scripted failure".
	Code        int
	Subcode     int
	Type        string
	Message     string
	UserTitle   string
	UserMessage string
	IsTransient bool
	ErrorData   json.RawMessage
	// RetryAfter, when positive, sets the Retry-After header (whole seconds,
	// rounded up).
	RetryAfter time.Duration
	// Usage, when non-zero, sets these usage headers on the failure response.
	Usage meta.Usage
	// Delay holds the answer back (until the client gives up, if sooner).
	Delay time.Duration
	// Hang never answers: the request ends when the client gives up or the
	// server closes.
	Hang bool
	// DropConnection closes the connection without an answer, after the
	// request was fully read (the client sees a transport error although the
	// server got the call).
	DropConnection bool
	// Times limits the failure to the first Times matching requests (0: all).
	Times int
}

type failure struct {
	match Matcher
	f     Failure
	left  int // remaining uses; <0 unlimited
}

// Fail scripts f for requests matching m. Failures are checked in the order
// they were added; the first one that matches and has uses left applies.
func (s *Server) Fail(m Matcher, f Failure) {
	if m == nil {
		m = Match("", "")
	}
	left := f.Times
	if left <= 0 {
		left = -1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = append(s.failures, &failure{match: m, f: f, left: left})
}

// ClearFailures removes every scripted failure.
func (s *Server) ClearFailures() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = nil
}

func (s *Server) takeFailureLocked(r *http.Request) *Failure {
	for _, f := range s.failures {
		if f.left == 0 || !f.match(r) {
			continue
		}
		if f.left > 0 {
			f.left--
		}
		out := f.f
		return &out
	}
	return nil
}

// fail applies f and reports whether the request should continue to the
// normal handler.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, f *Failure) bool {
	if f.Hang {
		select {
		case <-r.Context().Done():
		case <-s.done:
		}
		return false
	}
	if f.Delay > 0 {
		t := time.NewTimer(f.Delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return false
		case <-s.done:
			return false
		}
	}
	if f.DropConnection {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				return false
			}
		}
		panic(http.ErrAbortHandler)
	}
	if f.Status == 0 && f.Code == 0 {
		return true
	}
	for k, v := range UsageHeaders(f.Usage) {
		w.Header()[k] = v
	}
	if f.RetryAfter > 0 {
		secs := int((f.RetryAfter + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", strconv.Itoa(secs))
	}
	status := f.Status
	if status == 0 {
		status = http.StatusBadRequest
	}
	if f.Code == 0 {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(http.StatusText(status)))
		return false
	}
	msg := f.Message
	if msg == "" {
		msg = "metatest scripted failure"
	}
	WriteGraphError(w, status, GraphError{
		Message: msg, Type: f.Type, Code: f.Code, Subcode: f.Subcode,
		UserTitle: f.UserTitle, UserMessage: f.UserMessage, IsTransient: f.IsTransient, ErrorData: f.ErrorData,
	})
	return false
}

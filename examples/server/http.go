package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/botsync/botsync/ai/knowledge"
	"github.com/botsync/botsync/bot"
	"github.com/botsync/botsync/crm"
	"github.com/botsync/botsync/internal/intake"
	"github.com/botsync/botsync/workspace"
)

type ctxKey int

const requestIDKey ctxKey = 1

// requestID returns the request's id (set by the middleware).
func requestID(ctx context.Context) string {
	s, _ := ctx.Value(requestIDKey).(string)
	return s
}

// APIError is the body of every error answer.
type APIError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
	status  int
}

// Error implements error.
func (e *APIError) Error() string { return e.Code + ": " + e.Message }

func fieldErr(field, msg string) *APIError {
	return &APIError{Code: "invalid", Message: field + ": " + msg, Field: field, status: http.StatusBadRequest}
}

func apiErr(status int, code, msg string) *APIError {
	return &APIError{Code: code, Message: msg, status: status}
}

// toAPIError maps domain errors to HTTP answers; messages of domain errors
// never carry personal data (the packages guarantee it).
func toAPIError(err error) *APIError {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae
	}
	var ve *crm.ValidationError
	if errors.As(err, &ve) {
		return &APIError{Code: "invalid", Message: err.Error(), Field: ve.Field, status: http.StatusBadRequest}
	}
	var bve *bot.ValidationError
	if errors.As(err, &bve) {
		return &APIError{Code: "invalid", Message: err.Error(), Field: bve.Field, status: http.StatusBadRequest}
	}
	switch {
	case errors.Is(err, workspace.ErrUnauthenticated):
		return apiErr(http.StatusUnauthorized, "unauthenticated", "sign in or send an API key")
	case errors.Is(err, workspace.ErrForbidden):
		return apiErr(http.StatusForbidden, "forbidden", "your role does not allow this")
	case errors.Is(err, crm.ErrNotFound), errors.Is(err, workspace.ErrNotFound), errors.Is(err, knowledge.ErrNotFound), errors.Is(err, intake.ErrNotFound), errors.Is(err, bot.ErrNotFound):
		return apiErr(http.StatusNotFound, "not_found", "not found")
	case errors.Is(err, workspace.ErrConflict), errors.Is(err, crm.ErrConflict):
		return apiErr(http.StatusConflict, "conflict", err.Error())
	case errors.Is(err, workspace.ErrInvalid), errors.Is(err, crm.ErrInvalid), errors.Is(err, knowledge.ErrInvalid), errors.Is(err, bot.ErrInvalid):
		return apiErr(http.StatusBadRequest, "invalid", err.Error())
	case errors.Is(err, workspace.ErrWeakPassword):
		return &APIError{Code: "weak_password", Message: err.Error(), Field: "password", status: http.StatusBadRequest}
	case errors.Is(err, workspace.ErrSecondFactorRequired):
		return apiErr(http.StatusUnauthorized, "second_factor_required", "send totp_code or recovery_code")
	case errors.Is(err, workspace.ErrEnrollmentRequired):
		return apiErr(http.StatusForbidden, "enrollment_required", "enrol in two-factor sign-in first")
	case errors.Is(err, workspace.ErrPaused):
		return apiErr(http.StatusLocked, "paused", "a kill switch forbids this")
	case errors.Is(err, workspace.ErrExpired):
		return apiErr(http.StatusGone, "expired", "expired")
	case errors.Is(err, workspace.ErrNetworkNotAllowed):
		return apiErr(http.StatusForbidden, "network_not_allowed", "not allowed from this network")
	case errors.Is(err, workspace.ErrRateLimited), errors.Is(err, workspace.ErrLocked):
		return apiErr(http.StatusTooManyRequests, "rate_limited", "too many attempts; try again later")
	}
	return apiErr(http.StatusInternalServerError, "internal", "internal error")
}

func (a *App) writeErr(w http.ResponseWriter, r *http.Request, err error) {
	e := toAPIError(err)
	if e.status >= 500 {
		a.log.ErrorContext(r.Context(), "request failed", "request_id", requestID(r.Context()), "path", r.URL.Path, "err", err)
	}
	writeJSON(w, e.status, map[string]any{"error": e, "request_id": requestID(r.Context())})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// decodeJSON reads a JSON body (capped by the middleware) into v, rejecting
// unknown fields.
func decodeJSON(_ http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return apiErr(http.StatusRequestEntityTooLarge, "too_large", "request body too large")
		}
		var ute *json.UnmarshalTypeError
		if errors.As(err, &ute) {
			return fieldErr(ute.Field, "wrong type")
		}
		if strings.HasPrefix(err.Error(), "json: unknown field ") {
			f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			return fieldErr(f, "unknown field")
		}
		return apiErr(http.StatusBadRequest, "invalid_json", "the body is not valid JSON")
	}
	return nil
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

// WriteHeader records the status.
func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

// Write records an implicit 200.
func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// Flush lets SSE stream through the middleware.
func (s *statusWriter) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap gives http.ResponseController the underlying writer.
func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// middleware adds request ids, security headers, body caps, panic
// recovery, access logs (method, path pattern, status, duration; never
// bodies) and request metrics.
func (a *App) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if id == "" || len(id) > 64 || strings.ContainsAny(id, "\r\n\"") {
			id = a.reqPrefix + strconv.FormatUint(a.reqSeq.Add(1), 36)
		}
		r = r.WithContext(context.WithValue(r.Context(), requestIDKey, id))
		h := w.Header()
		h.Set("X-Request-Id", id)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'")
		if strings.HasPrefix(a.cfg.PublicURL, "https://") {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, a.cfg.MaxBody)
		}
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				a.log.Error("panic in handler", "request_id", id, "path", r.URL.Path, "panic", fmt.Sprint(p))
				if sw.status == 0 {
					a.writeErr(sw, r, errors.New("panic"))
				}
			}
			d := time.Since(start)
			a.metrics.request(r.Pattern, sw.status, d)
			if !strings.HasPrefix(r.URL.Path, "/webhooks/") || sw.status >= 400 {
				a.log.Info("http", "request_id", id, "method", r.Method, "route", r.Pattern, "status", sw.status, "ms", d.Milliseconds())
			}
		}()
		next.ServeHTTP(sw, r)
	})
}

// limiter is a per-client-address token bucket.
type limiter struct {
	mu    sync.Mutex
	rate  rate.Limit
	burst int
	m     map[string]*rate.Limiter
}

func newLimiter(perSecond float64, burst int) *limiter {
	return &limiter{rate: rate.Limit(perSecond), burst: burst, m: map[string]*rate.Limiter{}}
}

func (l *limiter) allow(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	l.mu.Lock()
	lim, ok := l.m[host]
	if !ok {
		if len(l.m) > 100_000 {
			clear(l.m)
		}
		lim = rate.NewLimiter(l.rate, l.burst)
		l.m[host] = lim
	}
	l.mu.Unlock()
	return lim.Allow()
}

func (a *App) limit(l *limiter, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !l.allow(r) {
			w.Header().Set("Retry-After", "1")
			a.writeErr(w, r, apiErr(http.StatusTooManyRequests, "rate_limited", "too many requests"))
			return
		}
		next.ServeHTTP(w, r)
	})
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

package meta

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// ErrInvalidSignedRequest means a signed_request was malformed, used another
// algorithm, had a bad signature, or was too old or from the future.
var ErrInvalidSignedRequest = errors.New("meta: invalid signed_request")

// maxSignedRequest bounds the input so a hostile form field cannot make the
// parser allocate much.
const maxSignedRequest = 16 << 10

// SignedRequest is the verified payload of a signed_request, as Meta posts it
// to the data-deletion and deauthorize callbacks.
type SignedRequest struct {
	Algorithm string `json:"algorithm"`
	IssuedAt  int64  `json:"issued_at"`
	Expires   int64  `json:"expires,omitempty"`
	// UserID is the app-scoped id of the person.
	UserID string `json:"user_id"`
	// Raw is the decoded JSON payload, with any fields not named here.
	Raw json.RawMessage `json:"-"`
}

// SignedRequestParser verifies signed requests with a clock and skew limits.
// The zero value uses time.Now, accepts requests issued up to
// DefaultSignedRequestMaxAge ago and up to five minutes in the future.
type SignedRequestParser struct {
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// MaxAge is how old issued_at may be; zero means DefaultSignedRequestMaxAge.
	MaxAge time.Duration
	// MaxFutureSkew is how far in the future issued_at may be; zero means
	// five minutes.
	MaxFutureSkew time.Duration
}

// DefaultSignedRequestMaxAge is how old a signed_request may be by default.
const DefaultSignedRequestMaxAge = time.Hour

// ParseSignedRequest verifies and decodes a signed_request
// ("<signature>.<payload>", both base64url with or without padding) with the
// default [SignedRequestParser]. The algorithm must be HMAC-SHA256; the
// signature is compared in constant time. Errors match
// [ErrInvalidSignedRequest].
func ParseSignedRequest(appSecret []byte, signedRequest string) (*SignedRequest, error) {
	return SignedRequestParser{}.Parse(appSecret, signedRequest)
}

// Parse verifies and decodes signedRequest; see [ParseSignedRequest].
func (p SignedRequestParser) Parse(appSecret []byte, signedRequest string) (*SignedRequest, error) {
	if len(appSecret) == 0 {
		return nil, fmt.Errorf("%w: %w", ErrInvalidSignedRequest, ErrNoAppSecret)
	}
	if signedRequest == "" {
		return nil, fmt.Errorf("%w: empty", ErrInvalidSignedRequest)
	}
	if len(signedRequest) > maxSignedRequest {
		return nil, fmt.Errorf("%w: longer than %d bytes", ErrInvalidSignedRequest, maxSignedRequest)
	}
	sigPart, payloadPart, ok := strings.Cut(signedRequest, ".")
	if !ok || sigPart == "" || payloadPart == "" || strings.Contains(payloadPart, ".") {
		return nil, fmt.Errorf("%w: want <signature>.<payload>", ErrInvalidSignedRequest)
	}
	sig, err := decodeBase64URL(sigPart)
	if err != nil {
		return nil, fmt.Errorf("%w: signature is not base64url", ErrInvalidSignedRequest)
	}
	payload, err := decodeBase64URL(payloadPart)
	if err != nil {
		return nil, fmt.Errorf("%w: payload is not base64url", ErrInvalidSignedRequest)
	}
	var sr SignedRequest
	if err := json.Unmarshal(payload, &sr); err != nil {
		return nil, fmt.Errorf("%w: payload: %s", ErrInvalidSignedRequest, jsonErrorReason(err))
	}
	if !strings.EqualFold(sr.Algorithm, "HMAC-SHA256") {
		return nil, fmt.Errorf("%w: algorithm must be HMAC-SHA256", ErrInvalidSignedRequest)
	}
	m := hmac.New(sha256.New, appSecret)
	m.Write([]byte(payloadPart))
	if !hmac.Equal(m.Sum(nil), sig) {
		return nil, fmt.Errorf("%w: signature mismatch", ErrInvalidSignedRequest)
	}
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	maxAge, skew := p.MaxAge, p.MaxFutureSkew
	if maxAge == 0 {
		maxAge = DefaultSignedRequestMaxAge
	}
	if skew == 0 {
		skew = 5 * time.Minute
	}
	if sr.IssuedAt <= 0 {
		return nil, fmt.Errorf("%w: missing issued_at", ErrInvalidSignedRequest)
	}
	issued, t := time.Unix(sr.IssuedAt, 0), now()
	if issued.Before(t.Add(-maxAge)) {
		return nil, fmt.Errorf("%w: issued_at older than %s", ErrInvalidSignedRequest, maxAge)
	}
	if issued.After(t.Add(skew)) {
		return nil, fmt.Errorf("%w: issued_at in the future", ErrInvalidSignedRequest)
	}
	sr.Raw = payload
	return &sr, nil
}

func decodeBase64URL(s string) ([]byte, error) {
	s = strings.TrimRight(s, "=")
	return base64.RawURLEncoding.DecodeString(s)
}

// DeletionStatus is what the data-deletion callback answers Meta with: where
// the person can follow their request, and its confirmation code.
type DeletionStatus struct {
	URL              string `json:"url"`
	ConfirmationCode string `json:"confirmation_code"`
}

// DataDeletionFunc opens an erasure request for the person in sr and returns
// where its status can be seen. It must durably record the request before
// returning.
type DataDeletionFunc func(ctx context.Context, sr *SignedRequest) (DeletionStatus, error)

// DeauthorizeFunc handles a person removing the app (disconnect their
// connections).
type DeauthorizeFunc func(ctx context.Context, sr *SignedRequest) error

// CallbackOption configures the callback handlers.
type CallbackOption func(*callbackConfig)

type callbackConfig struct {
	parser  SignedRequestParser
	logger  *slog.Logger
	secrets [][]byte
}

// WithSignedRequestParser sets the clock and skew limits.
func WithSignedRequestParser(p SignedRequestParser) CallbackOption {
	return func(c *callbackConfig) { c.parser = p }
}

// WithCallbackLogger logs refused callbacks (reasons only).
func WithCallbackLogger(l *slog.Logger) CallbackOption {
	return func(c *callbackConfig) { c.logger = l }
}

// WithCallbackSecrets adds further app secrets to try (an app with both
// Facebook and Instagram Login has two).
func WithCallbackSecrets(secrets ...[]byte) CallbackOption {
	return func(c *callbackConfig) { c.secrets = append(c.secrets, secrets...) }
}

func newCallbackConfig(appSecret []byte, opts []CallbackOption) callbackConfig {
	c := callbackConfig{secrets: [][]byte{appSecret}}
	for _, o := range opts {
		o(&c)
	}
	if c.logger == nil {
		c.logger = slog.New(slog.DiscardHandler)
	}
	return c
}

func (c callbackConfig) parse(w http.ResponseWriter, r *http.Request) (*SignedRequest, bool) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return nil, false
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return nil, false
	}
	raw := r.PostForm.Get("signed_request")
	var lastErr error = ErrInvalidSignedRequest
	for _, s := range c.secrets {
		sr, err := c.parser.Parse(s, raw)
		if err == nil {
			return sr, true
		}
		lastErr = err
	}
	c.logger.Warn("meta callback: signed_request refused", "reason", lastErr.Error())
	http.Error(w, "invalid signed_request", http.StatusBadRequest)
	return nil, false
}

// DataDeletionHandler serves Meta's data-deletion callback: it verifies the
// posted signed_request, calls fn, and answers
// {"url": ..., "confirmation_code": ...}. A failing fn gets 500 so that Meta
// (and the person) can try again.
func DataDeletionHandler(appSecret []byte, fn DataDeletionFunc, opts ...CallbackOption) http.Handler {
	c := newCallbackConfig(appSecret, opts)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sr, ok := c.parse(w, r)
		if !ok {
			return
		}
		st, err := fn(r.Context(), sr)
		if err != nil {
			c.logger.Error("meta callback: data deletion failed", "err_type", fmt.Sprintf("%T", err))
			http.Error(w, "could not record the request", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(st)
	})
}

// DeauthorizeHandler serves Meta's deauthorize callback: it verifies the
// signed_request and calls fn; 200 on success.
func DeauthorizeHandler(appSecret []byte, fn DeauthorizeFunc, opts ...CallbackOption) http.Handler {
	c := newCallbackConfig(appSecret, opts)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sr, ok := c.parse(w, r)
		if !ok {
			return
		}
		if err := fn(r.Context(), sr); err != nil {
			c.logger.Error("meta callback: deauthorize failed", "err_type", fmt.Sprintf("%T", err))
			http.Error(w, "could not process", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
}

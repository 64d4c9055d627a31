package meta

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/botsync/botsync/secret"
)

// DefaultMaxWebhookBody is the default cap on a webhook body (1 MiB).
const DefaultMaxWebhookBody = 1 << 20

// Delivery is one verified webhook POST, as handed to a [WebhookSink].
type Delivery struct {
	// Body is the raw request body whose signature was verified. The sink
	// owns it.
	Body []byte
	// SecretIndex is the index, in the order given to [WithAppSecrets], of the
	// app secret whose signature matched (it tells which app sent it).
	SecretIndex int
	// ReceivedAt is when the handler received the delivery.
	ReceivedAt time.Time
}

// WebhookSink durably accepts verified deliveries: store the body (with its
// dedup keys, see [DecodeWebhook]) and queue its processing, then return nil.
// The handler answers Meta 200 only after Accept returned nil; on an error it
// answers 503 so that Meta delivers again. Processing belongs in a worker,
// not in Accept.
type WebhookSink interface {
	Accept(ctx context.Context, d Delivery) error
}

// WebhookSinkFunc adapts a function to [WebhookSink].
type WebhookSinkFunc func(ctx context.Context, d Delivery) error

// Accept calls f.
func (f WebhookSinkFunc) Accept(ctx context.Context, d Delivery) error { return f(ctx, d) }

// WebhookOption configures a [WebhookHandler].
type WebhookOption func(*webhookConfig) error

type webhookConfig struct {
	secrets     []secret.Value
	verifyToken secret.Value
	maxBody     int64
	logger      *slog.Logger
	now         func() time.Time
}

// WithAppSecrets sets the app secrets whose signatures are accepted. At least
// one is required.
func WithAppSecrets(secrets ...secret.Value) WebhookOption {
	return func(c *webhookConfig) error {
		for i, s := range secrets {
			if s.IsZero() {
				return fmt.Errorf("meta: webhook app secret %d is empty", i)
			}
		}
		c.secrets = append(c.secrets, secrets...)
		return nil
	}
}

// WithVerifyToken sets the token Meta echoes in the subscription handshake.
// Without it every handshake is refused.
func WithVerifyToken(token secret.Value) WebhookOption {
	return func(c *webhookConfig) error {
		if token.IsZero() {
			return errors.New("meta: webhook verify token is empty")
		}
		c.verifyToken = token
		return nil
	}
}

// WithMaxBody caps the request body; larger deliveries get 413. The default
// is [DefaultMaxWebhookBody].
func WithMaxBody(n int64) WebhookOption {
	return func(c *webhookConfig) error {
		if n <= 0 {
			return fmt.Errorf("meta: webhook max body must be positive, got %d", n)
		}
		c.maxBody = n
		return nil
	}
}

// WithWebhookLogger logs rejected deliveries (reasons and sizes, never bodies
// or secrets). The handler is silent by default.
func WithWebhookLogger(l *slog.Logger) WebhookOption {
	return func(c *webhookConfig) error { c.logger = l; return nil }
}

// WithWebhookClock sets the clock that stamps [Delivery.ReceivedAt].
func WithWebhookClock(now func() time.Time) WebhookOption {
	return func(c *webhookConfig) error { c.now = now; return nil }
}

// WebhookHandler is an http.Handler for Meta's webhook endpoint. GET answers
// the subscription handshake; POST verifies and hands the body to the sink.
// It is safe for concurrent use.
type WebhookHandler struct {
	sink     WebhookSink
	verifier *Verifier
	cfg      webhookConfig
}

// NewWebhookHandler returns a handler that passes verified deliveries to
// sink. It fails closed: without an app secret it returns an error.
func NewWebhookHandler(sink WebhookSink, opts ...WebhookOption) (*WebhookHandler, error) {
	if sink == nil {
		return nil, errors.New("meta: webhook sink is nil")
	}
	cfg := webhookConfig{maxBody: DefaultMaxWebhookBody, now: time.Now}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	if len(cfg.secrets) == 0 {
		return nil, fmt.Errorf("meta: webhook handler: %w", ErrNoAppSecret)
	}
	v, err := NewVerifier(cfg.secrets...)
	if err != nil {
		return nil, err
	}
	if cfg.logger == nil {
		cfg.logger = slog.New(slog.DiscardHandler)
	}
	return &WebhookHandler{sink: sink, verifier: v, cfg: cfg}, nil
}

// ServeHTTP implements http.Handler.
func (h *WebhookHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	switch r.Method {
	case http.MethodGet:
		h.handshake(w, r)
	case http.MethodPost:
		h.deliver(w, r)
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

const maxChallenge = 256

func (h *WebhookHandler) handshake(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	mode, token, challenge := q.Get("hub.mode"), q.Get("hub.verify_token"), q.Get("hub.challenge")
	ok := mode == "subscribe" && !h.cfg.verifyToken.IsZero() &&
		subtle.ConstantTimeCompare([]byte(token), []byte(h.cfg.verifyToken.Reveal())) == 1 &&
		validChallenge(challenge)
	if !ok {
		h.cfg.logger.Warn("meta webhook: handshake refused", "mode_subscribe", mode == "subscribe", "challenge_len", len(challenge))
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, challenge)
}

// validChallenge accepts what Meta sends (a number) and anything printable
// and short, so that the echo can never carry markup or control bytes.
func validChallenge(s string) bool {
	if s == "" || len(s) > maxChallenge {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || c == '<' || c == '>' || c == '&' || c == '"' || c == '\'' {
			return false
		}
	}
	return true
}

func (h *WebhookHandler) deliver(w http.ResponseWriter, r *http.Request) {
	received := h.cfg.now()
	if r.ContentLength > h.cfg.maxBody {
		h.reject(w, http.StatusRequestEntityTooLarge, "body too large", r.ContentLength)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.cfg.maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			h.reject(w, http.StatusRequestEntityTooLarge, "body too large", tooBig.Limit)
			return
		}
		h.reject(w, http.StatusBadRequest, "reading body failed", int64(len(body)))
		return
	}
	idx, err := h.verifier.Verify(body, r.Header.Get(SignatureHeader))
	if err != nil {
		status := http.StatusUnauthorized
		if errors.Is(err, ErrNoAppSecret) {
			status = http.StatusServiceUnavailable
		}
		h.reject(w, status, err.Error(), int64(len(body)))
		return
	}
	if err := h.sink.Accept(r.Context(), Delivery{Body: body, SecretIndex: idx, ReceivedAt: received}); err != nil {
		h.cfg.logger.Error("meta webhook: sink refused delivery; Meta will retry", "size", len(body), "err_type", fmt.Sprintf("%T", err))
		http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, "EVENT_RECEIVED")
}

func (h *WebhookHandler) reject(w http.ResponseWriter, status int, reason string, size int64) {
	h.cfg.logger.Warn("meta webhook: delivery rejected", "status", status, "reason", reason, "size", size)
	http.Error(w, http.StatusText(status), status)
}

package billing

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/botsync/botsync/secret"
)

// Webhook headers Razorpay sends.
const (
	SignatureHeader = "X-Razorpay-Signature"
	EventIDHeader   = "X-Razorpay-Event-Id"
)

// EventSink receives each verified event once. It must store the event
// durably (or finish processing it) before returning nil: the handler
// answers 200 only after that, and Razorpay stops redelivering. An error
// makes the handler answer 500 so that Razorpay retries.
type EventSink interface {
	HandleEvent(ctx context.Context, ev *Event) error
}

// EventSinkFunc adapts a function to [EventSink].
type EventSinkFunc func(ctx context.Context, ev *Event) error

// HandleEvent calls f.
func (f EventSinkFunc) HandleEvent(ctx context.Context, ev *Event) error { return f(ctx, ev) }

// WebhookHandler is the http.Handler for Razorpay webhooks. For each POST it
// caps the body (413 beyond the limit), verifies X-Razorpay-Signature (401),
// decodes the event (400 when malformed), claims its X-Razorpay-Event-Id in
// the [EventStore] (a duplicate answers 200 without reaching the sink),
// hands it to the [EventSink] and answers 200 only when the sink succeeded
// (500 otherwise, releasing the claim so the redelivery is processed).
// It is safe for concurrent use.
type WebhookHandler struct {
	secret  secret.Value
	store   EventStore
	sink    EventSink
	maxBody int64
	lease   time.Duration
	now     func() time.Time
	logger  *slog.Logger
}

type webhookConfig struct {
	maxBody int64
	lease   time.Duration
	now     func() time.Time
	logger  *slog.Logger
}

// WebhookOption configures a [WebhookHandler].
type WebhookOption func(*webhookConfig) error

// WithMaxBody caps request bodies (default 1 MiB).
func WithMaxBody(n int64) WebhookOption {
	return func(c *webhookConfig) error {
		if n < 1 {
			return errors.New("billing: max body must be positive")
		}
		c.maxBody = n
		return nil
	}
}

// WithClaimLease sets how long a claimed event stays claimed before a
// redelivery may take it over (default 5 minutes): a crash between claim
// and completion then loses nothing.
func WithClaimLease(d time.Duration) WebhookOption {
	return func(c *webhookConfig) error {
		if d <= 0 {
			return errors.New("billing: claim lease must be positive")
		}
		c.lease = d
		return nil
	}
}

// WithWebhookClock sets the clock (default time.Now).
func WithWebhookClock(now func() time.Time) WebhookOption {
	return func(c *webhookConfig) error {
		if now == nil {
			return errors.New("billing: clock: nil")
		}
		c.now = now
		return nil
	}
}

// WithWebhookLogger logs rejected and failed deliveries (never bodies or
// secrets). The handler is silent otherwise.
func WithWebhookLogger(l *slog.Logger) WebhookOption {
	return func(c *webhookConfig) error { c.logger = l; return nil }
}

// NewWebhookHandler returns a handler verifying with webhookSecret (the
// secret set on the webhook in the Razorpay dashboard).
func NewWebhookHandler(webhookSecret secret.Value, store EventStore, sink EventSink, opts ...WebhookOption) (*WebhookHandler, error) {
	if webhookSecret.IsZero() {
		return nil, errors.New("billing: webhook secret is required")
	}
	if store == nil || sink == nil {
		return nil, errors.New("billing: webhook handler needs an event store and a sink")
	}
	cfg := webhookConfig{maxBody: 1 << 20, lease: 5 * time.Minute, now: time.Now}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	logger := cfg.logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &WebhookHandler{secret: webhookSecret, store: store, sink: sink, maxBody: cfg.maxBody,
		lease: cfg.lease, now: cfg.now, logger: logger}, nil
}

// Outcome says what [WebhookHandler.Process] did with a delivery.
type Outcome int

// Outcomes of [WebhookHandler.Process].
const (
	OutcomeProcessed Outcome = iota + 1 // handed to the sink and completed
	OutcomeDuplicate                    // already processed or being processed
)

// ServeHTTP implements http.Handler.
func (h *WebhookHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.maxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "read error", http.StatusBadRequest)
		return
	}
	_, err = h.Process(r.Context(), body, r.Header.Get(SignatureHeader), r.Header.Get(EventIDHeader))
	switch {
	case err == nil:
		w.WriteHeader(http.StatusOK)
	case errors.Is(err, ErrInvalidSignature), errors.Is(err, ErrMissingSignature):
		h.logger.WarnContext(r.Context(), "billing: webhook rejected", "reason", err.Error())
		http.Error(w, "invalid signature", http.StatusUnauthorized)
	case errors.Is(err, ErrMalformedEvent):
		h.logger.WarnContext(r.Context(), "billing: webhook rejected", "reason", err.Error())
		http.Error(w, "malformed event", http.StatusBadRequest)
	default:
		h.logger.ErrorContext(r.Context(), "billing: webhook failed", "error", err.Error())
		http.Error(w, "temporary failure", http.StatusInternalServerError)
	}
}

// Process verifies, decodes, deduplicates and sinks one delivery; it is
// ServeHTTP without HTTP. eventID may be empty, in which case the SHA-256 of
// the body is the deduplication key.
func (h *WebhookHandler) Process(ctx context.Context, body []byte, signature, eventID string) (Outcome, error) {
	if err := VerifyWebhookSignature(body, signature, h.secret.RevealBytes()); err != nil {
		return 0, err
	}
	if eventID == "" {
		sum := sha256.Sum256(body)
		eventID = "sha256:" + hex.EncodeToString(sum[:])
	}
	ev, err := ParseEvent(eventID, body)
	if err != nil {
		return 0, err
	}
	key := EventKey{AccountID: ev.AccountID, EventID: eventID}
	ok, err := h.store.ClaimEvent(ctx, key, h.now(), h.lease)
	if err != nil {
		return 0, fmt.Errorf("billing: claim event: %w", err)
	}
	if !ok {
		return OutcomeDuplicate, nil
	}
	if err := h.sink.HandleEvent(ctx, ev); err != nil {
		// Release with a context that survives the caller's cancellation.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if rerr := h.store.ReleaseEvent(rctx, key); rerr != nil {
			return 0, fmt.Errorf("billing: sink event: %w (and release: %w)", err, rerr)
		}
		return 0, fmt.Errorf("billing: sink event: %w", err)
	}
	if err := h.store.CompleteEvent(ctx, key, h.now()); err != nil {
		return 0, fmt.Errorf("billing: complete event: %w", err)
	}
	return OutcomeProcessed, nil
}

// String describes the handler without its webhook secret.
func (h *WebhookHandler) String() string {
	return fmt.Sprintf("billing.WebhookHandler{maxBody: %d, lease: %s}", h.maxBody, h.lease)
}

// GoString is String.
func (h *WebhookHandler) GoString() string { return h.String() }

package billing

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// EventType is a Razorpay webhook event name, e.g. "payment.captured".
type EventType string

// The webhook events BotSync decodes. Others are delivered with their raw
// payload; [EventType.Known] reports which is which.
const (
	EventPaymentAuthorized         EventType = "payment.authorized"
	EventPaymentCaptured           EventType = "payment.captured"
	EventPaymentFailed             EventType = "payment.failed"
	EventOrderPaid                 EventType = "order.paid"
	EventSubscriptionAuthenticated EventType = "subscription.authenticated"
	EventSubscriptionActivated     EventType = "subscription.activated"
	EventSubscriptionCharged       EventType = "subscription.charged"
	EventSubscriptionPending       EventType = "subscription.pending"
	EventSubscriptionHalted        EventType = "subscription.halted"
	EventSubscriptionCancelled     EventType = "subscription.cancelled"
	EventSubscriptionCompleted     EventType = "subscription.completed"
	EventSubscriptionPaused        EventType = "subscription.paused"
	EventSubscriptionResumed       EventType = "subscription.resumed"
	EventRefundCreated             EventType = "refund.created"
	EventRefundProcessed           EventType = "refund.processed"
	EventRefundFailed              EventType = "refund.failed"
	EventInvoicePaid               EventType = "invoice.paid"
	EventInvoiceExpired            EventType = "invoice.expired"
	EventPaymentLinkPaid           EventType = "payment_link.paid"
)

var knownEvents = map[EventType]bool{
	EventPaymentAuthorized: true, EventPaymentCaptured: true, EventPaymentFailed: true,
	EventOrderPaid: true, EventSubscriptionAuthenticated: true, EventSubscriptionActivated: true,
	EventSubscriptionCharged: true, EventSubscriptionPending: true, EventSubscriptionHalted: true,
	EventSubscriptionCancelled: true, EventSubscriptionCompleted: true, EventSubscriptionPaused: true,
	EventSubscriptionResumed: true, EventRefundCreated: true, EventRefundProcessed: true,
	EventRefundFailed: true, EventInvoicePaid: true, EventInvoiceExpired: true, EventPaymentLinkPaid: true,
}

// Known reports whether BotSync decodes this event type. Unknown types are
// still verified, deduplicated and handed to the sink.
func (t EventType) Known() bool { return knownEvents[t] }

// Event is a decoded Razorpay webhook. The entities present depend on the
// type (payment.captured carries Payment; order.paid Payment and Order;
// subscription.charged Subscription and Payment; refund.* Refund and
// Payment; invoice.* Invoice, Order and Payment; payment_link.paid
// PaymentLink, Order and Payment). Raw holds the whole body.
type Event struct {
	ID           string // X-Razorpay-Event-Id
	AccountID    string
	Type         EventType
	Contains     []string
	CreatedAt    time.Time
	Payment      *Payment
	Order        *Order
	Subscription *Subscription
	Refund       *Refund
	Invoice      *Invoice
	PaymentLink  *PaymentLink
	Raw          json.RawMessage
}

// ErrMalformedEvent reports a webhook body that is not a Razorpay event.
var ErrMalformedEvent = errors.New("billing: malformed webhook event")

type entityWrapper[T any] struct {
	Entity *T `json:"entity"`
}

type eventWire struct {
	Entity    string   `json:"entity"`
	AccountID string   `json:"account_id"`
	Event     string   `json:"event"`
	Contains  []string `json:"contains"`
	CreatedAt int64    `json:"created_at"`
	Payload   struct {
		Payment      *entityWrapper[Payment]      `json:"payment"`
		Order        *entityWrapper[Order]        `json:"order"`
		Subscription *entityWrapper[Subscription] `json:"subscription"`
		Refund       *entityWrapper[Refund]       `json:"refund"`
		Invoice      *entityWrapper[Invoice]      `json:"invoice"`
		PaymentLink  *entityWrapper[PaymentLink]  `json:"payment_link"`
	} `json:"payload"`
}

// ParseEvent decodes a webhook body (already verified) into an [Event].
// eventID is the X-Razorpay-Event-Id header. Amounts that are negative or
// fractional, a missing event name and a known event missing the entity it
// must carry are errors matching [ErrMalformedEvent]; unknown event types
// are not errors.
func ParseEvent(eventID string, body []byte) (*Event, error) {
	var w eventWire
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformedEvent, err)
	}
	if w.Event == "" {
		return nil, fmt.Errorf("%w: no event name", ErrMalformedEvent)
	}
	if w.Entity != "" && w.Entity != "event" {
		return nil, fmt.Errorf("%w: entity is %q, not event", ErrMalformedEvent, w.Entity)
	}
	if w.CreatedAt < 0 {
		return nil, fmt.Errorf("%w: negative created_at", ErrMalformedEvent)
	}
	ev := &Event{
		ID:        eventID,
		AccountID: w.AccountID,
		Type:      EventType(w.Event),
		Contains:  w.Contains,
		CreatedAt: time.Unix(w.CreatedAt, 0).UTC(),
		Raw:       json.RawMessage(body),
	}
	p := w.Payload
	if p.Payment != nil {
		ev.Payment = p.Payment.Entity
	}
	if p.Order != nil {
		ev.Order = p.Order.Entity
	}
	if p.Subscription != nil {
		ev.Subscription = p.Subscription.Entity
	}
	if p.Refund != nil {
		ev.Refund = p.Refund.Entity
	}
	if p.Invoice != nil {
		ev.Invoice = p.Invoice.Entity
	}
	if p.PaymentLink != nil {
		ev.PaymentLink = p.PaymentLink.Entity
	}
	if err := ev.checkEntities(); err != nil {
		return nil, err
	}
	return ev, nil
}

// checkEntities makes sure a known event carries the entity it is about.
func (ev *Event) checkEntities() error {
	var missing string
	switch ev.Type {
	case EventPaymentAuthorized, EventPaymentCaptured, EventPaymentFailed:
		if ev.Payment == nil {
			missing = "payment"
		}
	case EventOrderPaid:
		if ev.Order == nil {
			missing = "order"
		}
	case EventSubscriptionAuthenticated, EventSubscriptionActivated, EventSubscriptionCharged,
		EventSubscriptionPending, EventSubscriptionHalted, EventSubscriptionCancelled,
		EventSubscriptionCompleted, EventSubscriptionPaused, EventSubscriptionResumed:
		if ev.Subscription == nil {
			missing = "subscription"
		} else if ev.Subscription.ID == "" {
			missing = "subscription.id"
		}
	case EventRefundCreated, EventRefundProcessed, EventRefundFailed:
		if ev.Refund == nil {
			missing = "refund"
		}
	case EventInvoicePaid, EventInvoiceExpired:
		if ev.Invoice == nil {
			missing = "invoice"
		}
	case EventPaymentLinkPaid:
		if ev.PaymentLink == nil {
			missing = "payment_link"
		}
	}
	if missing != "" {
		return fmt.Errorf("%w: %s event without payload.%s", ErrMalformedEvent, ev.Type, missing)
	}
	return nil
}

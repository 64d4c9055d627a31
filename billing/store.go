package billing

import (
	"context"
	"errors"
	"time"
)

// Store errors.
var (
	// ErrPeriodClosed: an invoice for this workspace and billing period
	// was already issued; the period is closed.
	ErrPeriodClosed = errors.New("billing: billing period already invoiced")
	// ErrDuplicateInvoice: an invoice with this id already exists.
	ErrDuplicateInvoice = errors.New("billing: invoice already exists")
)

// EventKey identifies a webhook delivery: Razorpay's account id and the
// X-Razorpay-Event-Id header. Webhook events belong to the platform's own
// Razorpay account, so they are keyed by account rather than workspace.
type EventKey struct {
	AccountID string
	EventID   string
}

// EventStore remembers which webhook events were processed.
type EventStore interface {
	// ClaimEvent claims an event for processing and reports whether the
	// caller got it. It fails (false) when the event was completed, or
	// is claimed by someone else and the claim is younger than lease; a
	// claim older than lease (its processor crashed) is taken over.
	ClaimEvent(ctx context.Context, key EventKey, now time.Time, lease time.Duration) (bool, error)
	// CompleteEvent marks a claimed event as processed; it is then never
	// claimed again.
	CompleteEvent(ctx context.Context, key EventKey, now time.Time) error
	// ReleaseEvent drops a claim that was not completed, so a redelivery
	// can claim it.
	ReleaseEvent(ctx context.Context, key EventKey) error
}

// SubscriptionStore keeps subscription states.
type SubscriptionStore interface {
	// UpdateSubscription runs fn on the current state of a subscription
	// (the zero state, with WorkspaceID and SubscriptionID set, when it is
	// new) and saves what fn leaves, atomically with respect to other
	// updates of the same subscription. If fn returns an error nothing is
	// saved and the error is returned.
	UpdateSubscription(ctx context.Context, workspaceID, subscriptionID string, fn func(*SubscriptionState) error) (SubscriptionState, error)
	// Subscription returns a subscription's state or [ErrNotFound].
	Subscription(ctx context.Context, workspaceID, subscriptionID string) (SubscriptionState, error)
	// Subscriptions lists a workspace's subscriptions by subscription id.
	Subscriptions(ctx context.Context, workspaceID string) ([]SubscriptionState, error)
}

// UsageStore records usage events idempotently and sums them per period.
type UsageStore interface {
	// AddUsage records ev in period unless an event with the same
	// workspace and idempotency key was recorded before, and returns
	// whether it was added and the metric's total for the period after
	// the call.
	AddUsage(ctx context.Context, ev UsageEvent, period Period) (added bool, total int64, err error)
	// UsageTotal sums a workspace's metric over period.
	UsageTotal(ctx context.Context, workspaceID string, metric Metric, period Period) (int64, error)
}

// InvoiceStore keeps tax invoices and credit notes and numbers them.
type InvoiceStore interface {
	// CreateInvoice assigns inv the next number of its series in its
	// financial year (see [FormatInvoiceNumber]) and saves it, atomically:
	// numbers are unique and gap-free per series and financial year even
	// under concurrent calls, and a failed save consumes no number. A
	// second invoice of kind [KindInvoice] for the same workspace and
	// non-zero billing period fails with [ErrPeriodClosed].
	CreateInvoice(ctx context.Context, inv TaxInvoice) (TaxInvoice, error)
	// Invoice returns a workspace's invoice or credit note by number, or
	// [ErrNotFound].
	Invoice(ctx context.Context, workspaceID, number string) (TaxInvoice, error)
	// Invoices lists a workspace's invoices and credit notes, oldest first.
	Invoices(ctx context.Context, workspaceID string) ([]TaxInvoice, error)
}

// Store is everything billing persists. billing/memstore and
// billing/pgstore implement it; implementations are safe for concurrent use
// and return the errors of this package, never driver errors for expected
// conditions.
type Store interface {
	EventStore
	SubscriptionStore
	UsageStore
	InvoiceStore
}

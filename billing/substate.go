package billing

import (
	"errors"
	"time"
)

// SubscriptionStatus is a Razorpay subscription status.
type SubscriptionStatus string

// Subscription statuses.
const (
	StatusCreated       SubscriptionStatus = "created"
	StatusAuthenticated SubscriptionStatus = "authenticated"
	StatusActive        SubscriptionStatus = "active"
	StatusPending       SubscriptionStatus = "pending"
	StatusHalted        SubscriptionStatus = "halted"
	StatusPaused        SubscriptionStatus = "paused"
	StatusCancelled     SubscriptionStatus = "cancelled"
	StatusCompleted     SubscriptionStatus = "completed"
	StatusExpired       SubscriptionStatus = "expired"
)

// Terminal reports whether no later event can change the status.
func (s SubscriptionStatus) Terminal() bool {
	return s == StatusCancelled || s == StatusCompleted || s == StatusExpired
}

// rank orders statuses reached within the same second: a later stage of
// the lifecycle wins a tie.
func (s SubscriptionStatus) rank() int {
	switch s {
	case StatusCreated:
		return 0
	case StatusAuthenticated:
		return 1
	case StatusActive:
		return 2
	case StatusPending, StatusPaused:
		return 3
	case StatusHalted:
		return 4
	case StatusCancelled, StatusCompleted, StatusExpired:
		return 9
	}
	return -1
}

// Entitled reports whether a workspace on a subscription in this status
// gets its plan's features: active, pending (a retry is under way) and
// authenticated (first charge scheduled).
func (s SubscriptionStatus) Entitled() bool {
	return s == StatusActive || s == StatusPending || s == StatusAuthenticated
}

// SubscriptionState is BotSync's record of a subscription, updated only
// through [ApplySubscriptionEvent].
type SubscriptionState struct {
	WorkspaceID    string             `json:"workspace_id"`
	SubscriptionID string             `json:"subscription_id"`
	PlanID         string             `json:"plan_id"`
	CustomerID     string             `json:"customer_id,omitempty"`
	Status         SubscriptionStatus `json:"status"`
	PaidCount      int                `json:"paid_count"`
	CurrentStart   time.Time          `json:"current_start"`
	CurrentEnd     time.Time          `json:"current_end"`
	LastEventID    string             `json:"last_event_id"`
	LastEventAt    time.Time          `json:"last_event_at"` // the event's created_at
	UpdatedAt      time.Time          `json:"updated_at"`    // when BotSync applied it
}

// ErrNoSubscription reports an event that carries no subscription.
var ErrNoSubscription = errors.New("billing: event carries no subscription")

// subscriptionStatusFor maps a subscription event to the status it reports.
func subscriptionStatusFor(t EventType, entity SubscriptionStatus) SubscriptionStatus {
	switch t {
	case EventSubscriptionAuthenticated:
		return StatusAuthenticated
	case EventSubscriptionActivated, EventSubscriptionCharged, EventSubscriptionResumed:
		return StatusActive
	case EventSubscriptionPending:
		return StatusPending
	case EventSubscriptionHalted:
		return StatusHalted
	case EventSubscriptionCancelled:
		return StatusCancelled
	case EventSubscriptionCompleted:
		return StatusCompleted
	case EventSubscriptionPaused:
		return StatusPaused
	}
	return entity
}

// ApplySubscriptionEvent returns cur advanced by ev, and whether it changed.
// Razorpay delivers webhooks at least once and in no guaranteed order, so:
//
//   - an event already applied (same event id) changes nothing;
//   - an event created before the last applied one is stale and changes
//     nothing (the newer event already described a later state);
//   - within the same second (created_at has second resolution), the event
//     with the higher paid_count wins, then the later lifecycle stage;
//   - cancelled, completed and expired are final.
//
// The zero cur is a subscription not seen before. now stamps UpdatedAt.
func ApplySubscriptionEvent(cur SubscriptionState, ev *Event, now time.Time) (SubscriptionState, bool, error) {
	if ev == nil || ev.Subscription == nil {
		return cur, false, ErrNoSubscription
	}
	sub := ev.Subscription
	next := subscriptionStatusFor(ev.Type, sub.Status)
	if next.rank() < 0 {
		return cur, false, nil // not a lifecycle status we track
	}
	if cur.Status != "" {
		switch {
		case ev.ID != "" && ev.ID == cur.LastEventID:
			return cur, false, nil
		case cur.Status.Terminal():
			return cur, false, nil
		case ev.CreatedAt.Before(cur.LastEventAt):
			return cur, false, nil
		case ev.CreatedAt.Equal(cur.LastEventAt):
			if sub.PaidCount < cur.PaidCount {
				return cur, false, nil
			}
			if sub.PaidCount == cur.PaidCount && next.rank() < cur.Status.rank() {
				return cur, false, nil
			}
		}
	}
	out := cur
	out.SubscriptionID = sub.ID
	if sub.PlanID != "" {
		out.PlanID = sub.PlanID
	}
	if sub.CustomerID != "" {
		out.CustomerID = sub.CustomerID
	}
	out.Status = next
	out.PaidCount = max(cur.PaidCount, sub.PaidCount)
	if !sub.CurrentStart.IsZero() {
		out.CurrentStart = sub.CurrentStart.Time
	}
	if !sub.CurrentEnd.IsZero() {
		out.CurrentEnd = sub.CurrentEnd.Time
	}
	out.LastEventID = ev.ID
	out.LastEventAt = ev.CreatedAt
	out.UpdatedAt = now
	return out, true, nil
}

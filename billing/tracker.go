package billing

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// WorkspaceNote is the subscription note that names the BotSync workspace
// a Razorpay subscription pays for. Set it when creating the subscription.
const WorkspaceNote = "workspace_id"

// SubscriptionTracker applies subscription webhook events to the
// [SubscriptionStore] through [ApplySubscriptionEvent]. It is an
// [EventSink]: pass it to [NewWebhookHandler] directly, or call it from the
// worker that drains your durable sink. Events without a subscription, or
// whose subscription has no [WorkspaceNote], are ignored. It is safe for
// concurrent use.
type SubscriptionTracker struct {
	// OnChange, if set, is called with the workspace id after an event
	// changed one of its subscriptions (e.g. [SubscriptionPlans.Forget]).
	// Set it before the tracker is used.
	OnChange func(workspaceID string)

	store SubscriptionStore
	now   func() time.Time
}

// NewSubscriptionTracker returns a tracker over store; now (nil for
// time.Now) stamps UpdatedAt.
func NewSubscriptionTracker(store SubscriptionStore, now func() time.Time) (*SubscriptionTracker, error) {
	if store == nil {
		return nil, errors.New("billing: subscription tracker: store is required")
	}
	if now == nil {
		now = time.Now
	}
	return &SubscriptionTracker{store: store, now: now}, nil
}

// HandleEvent applies ev if it carries a subscription of a workspace.
func (t *SubscriptionTracker) HandleEvent(ctx context.Context, ev *Event) error {
	if ev.Subscription == nil || ev.Subscription.ID == "" {
		return nil
	}
	ws := ev.Subscription.Notes[WorkspaceNote]
	if ws == "" {
		return nil
	}
	var changed bool
	_, err := t.store.UpdateSubscription(ctx, ws, ev.Subscription.ID, func(s *SubscriptionState) error {
		next, ok, err := ApplySubscriptionEvent(*s, ev, t.now())
		if err != nil {
			return err
		}
		if ok {
			*s, changed = next, true
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("billing: track subscription: %w", err)
	}
	if changed && t.OnChange != nil {
		t.OnChange(ws)
	}
	return nil
}

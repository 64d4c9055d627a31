package billing_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/botsync/botsync/billing"
	"github.com/botsync/botsync/billing/memstore"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func subEvent(id string, typ billing.EventType, at int64, paid int) *billing.Event {
	return &billing.Event{ID: id, Type: typ, CreatedAt: time.Unix(at, 0).UTC(), Subscription: &billing.Subscription{
		ID: "sub_1", PlanID: "plan_1", CustomerID: "cust_1", PaidCount: paid,
		Notes: billing.Notes{billing.WorkspaceNote: "ws_1"},
	}}
}

func TestApplySubscriptionEvent(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	apply := func(t *testing.T, evs ...*billing.Event) billing.SubscriptionState {
		t.Helper()
		var st billing.SubscriptionState
		for _, ev := range evs {
			next, changed, err := billing.ApplySubscriptionEvent(st, ev, now)
			require.NoError(t, err)
			if changed {
				st = next
			}
		}
		return st
	}
	auth := subEvent("e1", billing.EventSubscriptionAuthenticated, 100, 0)
	act := subEvent("e2", billing.EventSubscriptionActivated, 200, 0)
	chg1 := subEvent("e3", billing.EventSubscriptionCharged, 200, 1)
	pend := subEvent("e4", billing.EventSubscriptionPending, 300, 1)
	chg2 := subEvent("e5", billing.EventSubscriptionCharged, 400, 2)
	halt := subEvent("e6", billing.EventSubscriptionHalted, 500, 2)
	cancel := subEvent("e7", billing.EventSubscriptionCancelled, 600, 2)
	paused := subEvent("e8", billing.EventSubscriptionPaused, 450, 2)
	resumed := subEvent("e9", billing.EventSubscriptionResumed, 460, 2)

	tests := []struct {
		name   string
		events []*billing.Event
		status billing.SubscriptionStatus
		paid   int
	}{
		{"in order", []*billing.Event{auth, act, chg1}, billing.StatusActive, 1},
		{"activated after charged in the same second", []*billing.Event{auth, chg1, act}, billing.StatusActive, 1},
		{"stale authenticated ignored", []*billing.Event{act, auth}, billing.StatusActive, 0},
		{"repeated event", []*billing.Event{auth, act, chg1, chg1, chg1}, billing.StatusActive, 1},
		{"recovery after pending", []*billing.Event{chg1, pend, chg2}, billing.StatusActive, 2},
		{"late pending after recovery ignored", []*billing.Event{chg1, chg2, pend}, billing.StatusActive, 2},
		{"halted", []*billing.Event{chg2, halt}, billing.StatusHalted, 2},
		{"pause and resume", []*billing.Event{chg2, paused, resumed}, billing.StatusActive, 2},
		{"resume before pause delivered", []*billing.Event{chg2, resumed, paused}, billing.StatusActive, 2},
		{"cancelled is final", []*billing.Event{chg1, cancel, chg2, resumed}, billing.StatusCancelled, 2},
		{"completed", []*billing.Event{chg2, subEvent("e10", billing.EventSubscriptionCompleted, 700, 12)}, billing.StatusCompleted, 12},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := apply(t, tt.events...)
			assert.Equal(t, tt.status, st.Status)
			assert.Equal(t, tt.paid, st.PaidCount)
			assert.Equal(t, "plan_1", st.PlanID)
		})
	}

	_, _, err := billing.ApplySubscriptionEvent(billing.SubscriptionState{}, &billing.Event{Type: billing.EventPaymentCaptured}, now)
	assert.ErrorIs(t, err, billing.ErrNoSubscription)
}

// Any delivery order of a lifecycle (with duplicates) ends in the state of
// the last event.
func TestSubscriptionTrackerAnyOrder(t *testing.T) {
	t.Parallel()
	lifecycle := []*billing.Event{
		subEvent("e1", billing.EventSubscriptionAuthenticated, 100, 0),
		subEvent("e2", billing.EventSubscriptionActivated, 200, 0),
		subEvent("e3", billing.EventSubscriptionCharged, 200, 1),
		subEvent("e4", billing.EventSubscriptionCharged, 300, 2),
		subEvent("e5", billing.EventSubscriptionPending, 400, 2),
		subEvent("e6", billing.EventSubscriptionHalted, 500, 2),
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 50 {
		store := memstore.New()
		tr, err := billing.NewSubscriptionTracker(store, nil)
		require.NoError(t, err)
		order := append([]*billing.Event(nil), lifecycle...)
		order = append(order, lifecycle[rng.IntN(len(lifecycle))])
		rng.Shuffle(len(order), func(a, b int) { order[a], order[b] = order[b], order[a] })
		for _, ev := range order {
			require.NoError(t, tr.HandleEvent(t.Context(), ev))
		}
		st, err := store.Subscription(t.Context(), "ws_1", "sub_1")
		require.NoError(t, err)
		require.Equal(t, billing.StatusHalted, st.Status, "permutation %d", i)
		require.Equal(t, 2, st.PaidCount)
		require.Equal(t, "e6", st.LastEventID)
	}
	// Events without a workspace note or subscription are ignored.
	store := memstore.New()
	tr, err := billing.NewSubscriptionTracker(store, nil)
	require.NoError(t, err)
	ev := subEvent("x", billing.EventSubscriptionActivated, 1, 0)
	ev.Subscription.Notes = nil
	require.NoError(t, tr.HandleEvent(t.Context(), ev))
	require.NoError(t, tr.HandleEvent(t.Context(), &billing.Event{Type: billing.EventPaymentCaptured}))
	_, err = store.Subscription(t.Context(), "ws_1", "sub_1")
	assert.ErrorIs(t, err, billing.ErrNotFound)
}

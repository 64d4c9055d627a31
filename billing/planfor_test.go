package billing_test

import (
	"testing"
	"time"

	"github.com/botsync/botsync/billing"
	"github.com/botsync/botsync/billing/memstore"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSubscriptionPlans(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	free := billing.Plan{ID: "free", Limits: map[billing.Metric]billing.Limit{billing.MetricMessages: {Included: 100}}}
	paid := growth
	paid.RazorpayPlanID = "plan_growth"
	store := memstore.New()
	clk := &fixedClock{t: time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)}
	plans, err := billing.NewSubscriptionPlans(store, []billing.Plan{paid}, free, clk.Now, time.Minute)
	require.NoError(t, err)
	tracker, err := billing.NewSubscriptionTracker(store, clk.Now)
	require.NoError(t, err)
	var changed []string
	tracker.OnChange = func(ws string) { changed = append(changed, ws) }

	p, err := plans.PlanFor(ctx, "ws_1")
	require.NoError(t, err)
	assert.Equal(t, "free", p.ID, "no subscription: the fallback plan")

	ev := subEvent("e1", billing.EventSubscriptionActivated, 100, 1)
	ev.Subscription.PlanID = "plan_growth"
	require.NoError(t, tracker.HandleEvent(ctx, ev))
	p, _ = plans.PlanFor(ctx, "ws_1")
	assert.Equal(t, "free", p.ID, "cached within the TTL")
	assert.Equal(t, []string{"ws_1"}, changed)
	plans.Forget("ws_1")
	p, err = plans.PlanFor(ctx, "ws_1")
	require.NoError(t, err)
	assert.Equal(t, "growth", p.ID)
	require.NoError(t, tracker.HandleEvent(ctx, ev))
	assert.Len(t, changed, 1, "a repeated event changes nothing")

	halt := subEvent("e2", billing.EventSubscriptionHalted, 200, 1)
	halt.Subscription.PlanID = "plan_growth"
	require.NoError(t, tracker.HandleEvent(ctx, halt))
	clk.Set(clk.Now().Add(2 * time.Minute))
	p, _ = plans.PlanFor(ctx, "ws_1")
	assert.Equal(t, "free", p.ID, "a halted subscription is not entitled")

	odd := subEvent("e3", billing.EventSubscriptionActivated, 300, 1)
	odd.Subscription.ID, odd.Subscription.PlanID = "sub_2", "plan_unknown"
	require.NoError(t, tracker.HandleEvent(ctx, odd))
	plans.Forget("ws_1")
	_, err = plans.PlanFor(ctx, "ws_1")
	assert.ErrorIs(t, err, billing.ErrUnknownPlan)

	_, err = billing.NewSubscriptionPlans(store, []billing.Plan{growth}, free, nil, 0)
	assert.ErrorContains(t, err, "razorpay_plan_id")
	_, err = billing.NewSubscriptionPlans(store, []billing.Plan{paid, paid}, free, nil, 0)
	assert.ErrorContains(t, err, "twice")
	_, err = billing.NewSubscriptionPlans(store, nil, billing.Plan{}, nil, 0)
	assert.ErrorContains(t, err, "fallback")
}

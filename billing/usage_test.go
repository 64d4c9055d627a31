package billing_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/botsync/botsync/billing"
	"github.com/botsync/botsync/billing/memstore"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var growth = billing.Plan{
	ID: "growth", Name: "Growth", Price: 99900,
	Limits: map[billing.Metric]billing.Limit{
		billing.MetricMessages: {Included: 1000},
		billing.MetricAITokens: {Included: 100000, OveragePrice: 50, OverageUnit: 1000},
		billing.MetricContacts: {Included: 5000},
		billing.MetricSeats:    {Included: 3, OveragePrice: 19900},
		billing.MetricChannels: {Unlimited: true},
	},
}

func TestPlan(t *testing.T) {
	t.Parallel()
	require.NoError(t, growth.Validate())
	e := growth.Check(billing.MetricMessages, 990, 10)
	assert.True(t, e.Allowed)
	assert.Zero(t, e.OverBy)
	e = growth.Check(billing.MetricMessages, 990, 25)
	assert.False(t, e.Allowed)
	assert.EqualValues(t, 15, e.OverBy, "over limit by N")
	assert.EqualValues(t, 1000, e.Limit)

	e = growth.Check(billing.MetricAITokens, 100000, 1500)
	assert.True(t, e.Allowed, "overage is allowed and priced")
	assert.EqualValues(t, 1500, e.OverBy)
	assert.Equal(t, billing.Paise(100), e.Overage, "two started units of 1000 tokens")

	e = growth.CheckGauge(billing.MetricSeats, 3, 2)
	assert.True(t, e.Allowed)
	assert.Equal(t, billing.Paise(2*19900), e.Overage)
	e = growth.CheckGauge(billing.MetricChannels, 1000, 1)
	assert.True(t, e.Allowed)
	assert.True(t, e.Unlimited)
	e = growth.CheckGauge(billing.MetricWorkspaces, 0, 1)
	assert.False(t, e.Allowed, "a metric missing from the plan is not available")
	assert.EqualValues(t, 1, e.OverBy)

	bad := []billing.Plan{
		{},
		{ID: "x", Price: -1},
		{ID: "x", Limits: map[billing.Metric]billing.Limit{"bogus": {}}},
		{ID: "x", Limits: map[billing.Metric]billing.Limit{billing.MetricSeats: {Included: -1}}},
		{ID: "x", Limits: map[billing.Metric]billing.Limit{billing.MetricWorkspaces: {Included: 10}}},
	}
	for i, p := range bad {
		assert.Error(t, p.Validate(), "plan %d", i)
	}
	agency := billing.Plan{ID: "agency", Agency: true, Limits: map[billing.Metric]billing.Limit{billing.MetricWorkspaces: {Included: 25}}}
	assert.NoError(t, agency.Validate())
}

func TestMonthPeriod(t *testing.T) {
	t.Parallel()
	// 31 Jan 20:00 UTC is 1 Feb 01:30 IST.
	p := billing.MonthPeriod(time.Date(2026, 1, 31, 20, 0, 0, 0, time.UTC))
	assert.Equal(t, time.Date(2026, 2, 1, 0, 0, 0, 0, billing.IST), p.Start)
	assert.Equal(t, time.Date(2026, 3, 1, 0, 0, 0, 0, billing.IST), p.End)
	assert.True(t, p.Contains(p.Start))
	assert.False(t, p.Contains(p.End))
}

func newUsage(t *testing.T, store billing.UsageStore, clk *fixedClock) *billing.Usage {
	t.Helper()
	u, err := billing.NewUsage(store, billing.PlanSourceFunc(func(_ context.Context, ws string) (billing.Plan, error) {
		if ws == "ws_none" {
			return billing.Plan{}, errors.New("no subscription")
		}
		return growth, nil
	}), billing.WithUsageClock(clk.Now), billing.WithCacheTTL(time.Minute))
	require.NoError(t, err)
	return u
}

func TestUsage(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	clk := &fixedClock{t: time.Date(2026, 5, 10, 12, 0, 0, 0, time.UTC)}
	store := memstore.New()
	u := newUsage(t, store, clk)
	var meter billing.Meter = u
	msg := func(key string, n int64) billing.UsageEvent {
		return billing.UsageEvent{WorkspaceID: "ws_1", Metric: billing.MetricMessages, Quantity: n, IdempotencyKey: key, At: clk.Now()}
	}
	require.NoError(t, meter.Record(ctx, msg("wamid.1", 600)))
	require.NoError(t, meter.Record(ctx, msg("wamid.1", 600)), "a duplicate is not an error")
	used, err := u.Used(ctx, "ws_1", billing.MetricMessages)
	require.NoError(t, err)
	assert.EqualValues(t, 600, used, "the same event twice counts once")

	require.NoError(t, meter.Record(ctx, msg("wamid.2", 390)))
	e, err := u.Check(ctx, "ws_1", billing.MetricMessages, 10)
	require.NoError(t, err)
	assert.True(t, e.Allowed)
	e, err = u.Check(ctx, "ws_1", billing.MetricMessages, 30)
	require.NoError(t, err)
	assert.False(t, e.Allowed)
	assert.EqualValues(t, 20, e.OverBy)

	// Another instance records through the same store; after the TTL this
	// instance sees it.
	other := newUsage(t, store, clk)
	require.NoError(t, other.Record(ctx, msg("wamid.3", 5)))
	used, _ = u.Used(ctx, "ws_1", billing.MetricMessages)
	assert.EqualValues(t, 990, used, "cached within the TTL")
	clk.Set(clk.Now().Add(2 * time.Minute))
	used, _ = u.Used(ctx, "ws_1", billing.MetricMessages)
	assert.EqualValues(t, 995, used, "reloaded after the TTL")

	// A new month is a new period.
	clk.Set(time.Date(2026, 6, 1, 0, 0, 0, 0, billing.IST))
	used, _ = u.Used(ctx, "ws_1", billing.MetricMessages)
	assert.Zero(t, used)
	// Late usage for May is still counted in May.
	late := msg("wamid.4", 1)
	late.At = time.Date(2026, 5, 31, 23, 0, 0, 0, billing.IST)
	require.NoError(t, u.Record(ctx, late))
	may, err := store.UsageTotal(ctx, "ws_1", billing.MetricMessages, billing.MonthPeriod(late.At))
	require.NoError(t, err)
	assert.EqualValues(t, 996, may)

	_, err = u.Check(ctx, "ws_none", billing.MetricMessages, 1)
	assert.ErrorContains(t, err, "plan")
	_, err = u.Check(ctx, "ws_1", billing.MetricSeats, 1)
	assert.Error(t, err, "gauges are checked with Plan.CheckGauge")
	_, err = u.Check(ctx, "ws_1", billing.MetricMessages, -1)
	assert.Error(t, err)
}

func TestUsageEventValidate(t *testing.T) {
	t.Parallel()
	ok := billing.UsageEvent{WorkspaceID: "ws", Metric: billing.MetricAITokens, Quantity: 5, IdempotencyKey: "k", At: time.Unix(1, 0)}
	require.NoError(t, ok.Validate())
	tests := map[string]func(*billing.UsageEvent){
		"workspace_id":    func(e *billing.UsageEvent) { e.WorkspaceID = "" },
		"metric":          func(e *billing.UsageEvent) { e.Metric = billing.MetricSeats },
		"quantity":        func(e *billing.UsageEvent) { e.Quantity = -3 },
		"idempotency_key": func(e *billing.UsageEvent) { e.IdempotencyKey = "" },
		"at":              func(e *billing.UsageEvent) { e.At = time.Time{} },
	}
	for field, mutate := range tests {
		e := ok
		mutate(&e)
		assert.ErrorContains(t, e.Validate(), field)
	}
	e := ok
	e.Quantity = 0
	assert.ErrorContains(t, e.Validate(), "quantity")
}

func TestUsageConcurrent(t *testing.T) {
	t.Parallel()
	clk := &fixedClock{t: time.Date(2026, 5, 10, 12, 0, 0, 0, time.UTC)}
	u := newUsage(t, memstore.New(), clk)
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Go(func() {
			ev := billing.UsageEvent{WorkspaceID: "ws_1", Metric: billing.MetricAITokens, Quantity: 10, IdempotencyKey: fmt.Sprint("req_", i%100), At: clk.Now()}
			assert.NoError(t, u.Record(t.Context(), ev))
			_, err := u.Check(t.Context(), "ws_1", billing.MetricAITokens, 10)
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	used, err := u.Used(t.Context(), "ws_1", billing.MetricAITokens)
	require.NoError(t, err)
	assert.EqualValues(t, 1000, used)
}

func TestUsageCustomPeriods(t *testing.T) {
	t.Parallel()
	clk := &fixedClock{t: time.Date(2026, 5, 20, 0, 0, 0, 0, billing.IST)}
	// Billing periods anchored on the 15th (the subscription's charge day).
	anchored := func(_ string, at time.Time) billing.Period {
		at = at.In(billing.IST)
		start := time.Date(at.Year(), at.Month(), 15, 0, 0, 0, 0, billing.IST)
		if at.Before(start) {
			start = start.AddDate(0, -1, 0)
		}
		return billing.Period{Start: start, End: start.AddDate(0, 1, 0)}
	}
	store := memstore.New()
	u, err := billing.NewUsage(store, billing.PlanSourceFunc(func(context.Context, string) (billing.Plan, error) { return growth, nil }),
		billing.WithUsageClock(clk.Now), billing.WithPeriods(anchored))
	require.NoError(t, err)
	ev := billing.UsageEvent{WorkspaceID: "ws_1", Metric: billing.MetricMessages, Quantity: 7, IdempotencyKey: "a", At: time.Date(2026, 5, 16, 0, 0, 0, 0, billing.IST)}
	require.NoError(t, u.Record(t.Context(), ev))
	ev.IdempotencyKey, ev.At = "b", time.Date(2026, 5, 14, 0, 0, 0, 0, billing.IST)
	require.NoError(t, u.Record(t.Context(), ev))
	used, err := u.Used(t.Context(), "ws_1", billing.MetricMessages)
	require.NoError(t, err)
	assert.EqualValues(t, 7, used, "the 14th belongs to the previous period")

	_, err = billing.NewUsage(nil, nil)
	assert.Error(t, err)
	_, err = billing.NewUsage(store, billing.PlanSourceFunc(nil), billing.WithPeriods(nil))
	assert.Error(t, err)
	_, err = billing.NewUsage(store, billing.PlanSourceFunc(nil), billing.WithCacheTTL(0))
	assert.Error(t, err)
}

package billing

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// ErrUnknownPlan reports a subscription on a Razorpay plan that no [Plan]
// in the catalog bills.
var ErrUnknownPlan = errors.New("billing: subscription on a plan not in the catalog")

// SubscriptionPlans is a [PlanSource] that finds a workspace's plan from
// its tracked subscriptions: the entitled subscription (active, pending or
// authenticated) with the latest event decides, through the catalog's
// RazorpayPlanID; a workspace without one is on the fallback plan. Answers
// are cached per workspace for the TTL so that entitlement checks stay in
// memory. It is safe for concurrent use.
type SubscriptionPlans struct {
	store    SubscriptionStore
	catalog  map[string]Plan
	fallback Plan
	now      func() time.Time
	ttl      time.Duration

	mu    sync.Mutex
	cache map[string]cachedPlan
}

type cachedPlan struct {
	plan   Plan
	loaded time.Time
}

// NewSubscriptionPlans returns a plan source over store. Every catalog plan
// needs a RazorpayPlanID; fallback (for example a free plan) must be valid.
// now may be nil (time.Now); ttl 0 means 30 seconds.
func NewSubscriptionPlans(store SubscriptionStore, catalog []Plan, fallback Plan, now func() time.Time, ttl time.Duration) (*SubscriptionPlans, error) {
	if store == nil {
		return nil, errors.New("billing: subscription plans: store is required")
	}
	if err := fallback.Validate(); err != nil {
		return nil, fmt.Errorf("billing: subscription plans: fallback: %w", err)
	}
	byRazorpay := make(map[string]Plan, len(catalog))
	for _, p := range catalog {
		if err := p.Validate(); err != nil {
			return nil, fmt.Errorf("billing: subscription plans: %w", err)
		}
		if p.RazorpayPlanID == "" {
			return nil, fmt.Errorf("billing: subscription plans: plan %s has no razorpay_plan_id", p.ID)
		}
		if _, dup := byRazorpay[p.RazorpayPlanID]; dup {
			return nil, fmt.Errorf("billing: subscription plans: razorpay plan %s listed twice", p.RazorpayPlanID)
		}
		byRazorpay[p.RazorpayPlanID] = p
	}
	if now == nil {
		now = time.Now
	}
	if ttl <= 0 {
		ttl = 30 * time.Second
	}
	return &SubscriptionPlans{store: store, catalog: byRazorpay, fallback: fallback, now: now, ttl: ttl, cache: map[string]cachedPlan{}}, nil
}

// PlanFor implements [PlanSource].
func (s *SubscriptionPlans) PlanFor(ctx context.Context, workspaceID string) (Plan, error) {
	now := s.now()
	s.mu.Lock()
	c, ok := s.cache[workspaceID]
	s.mu.Unlock()
	if ok && now.Sub(c.loaded) < s.ttl {
		return c.plan, nil
	}
	subs, err := s.store.Subscriptions(ctx, workspaceID)
	if err != nil {
		return Plan{}, fmt.Errorf("billing: plan for workspace: %w", err)
	}
	var best *SubscriptionState
	for i := range subs {
		if subs[i].Status.Entitled() && (best == nil || subs[i].LastEventAt.After(best.LastEventAt)) {
			best = &subs[i]
		}
	}
	plan := s.fallback
	if best != nil {
		p, ok := s.catalog[best.PlanID]
		if !ok {
			return Plan{}, fmt.Errorf("%w: %s", ErrUnknownPlan, best.PlanID)
		}
		plan = p
	}
	s.mu.Lock()
	s.cache[workspaceID] = cachedPlan{plan: plan, loaded: now}
	s.mu.Unlock()
	return plan, nil
}

// Forget drops a workspace's cached plan (call it after a subscription
// event for the workspace to make the change visible at once).
func (s *SubscriptionPlans) Forget(workspaceID string) {
	s.mu.Lock()
	delete(s.cache, workspaceID)
	s.mu.Unlock()
}

package billing

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// UsageEvent is one unit of metered usage. IdempotencyKey identifies the
// event (e.g. the WhatsApp message id, the AI request id): recording the
// same key twice for a workspace counts once.
type UsageEvent struct {
	WorkspaceID    string    `json:"workspace_id"`
	Metric         Metric    `json:"metric"`
	Quantity       int64     `json:"quantity"`
	IdempotencyKey string    `json:"idempotency_key"`
	At             time.Time `json:"at"` // when the usage happened; picks the period
}

// Validate checks the event's fields.
func (e UsageEvent) Validate() error {
	switch {
	case e.WorkspaceID == "":
		return errors.New("billing: usage: workspace_id is required")
	case !e.Metric.Counted():
		return fmt.Errorf("billing: usage: metric %q is not metered per period", e.Metric)
	case e.Quantity <= 0:
		return errors.New("billing: usage: quantity must be positive")
	case e.IdempotencyKey == "":
		return errors.New("billing: usage: idempotency_key is required")
	case len(e.IdempotencyKey) > 200:
		return errors.New("billing: usage: idempotency_key must be at most 200 characters")
	case e.At.IsZero():
		return errors.New("billing: usage: at is required")
	}
	return nil
}

// Meter is what usage producers (ai, whatsapp) feed. Implementations are
// idempotent on the event's IdempotencyKey.
type Meter interface {
	Record(ctx context.Context, ev UsageEvent) error
}

// PlanSource finds the plan a workspace is on.
type PlanSource interface {
	PlanFor(ctx context.Context, workspaceID string) (Plan, error)
}

// PlanSourceFunc adapts a function to [PlanSource].
type PlanSourceFunc func(ctx context.Context, workspaceID string) (Plan, error)

// PlanFor calls f.
func (f PlanSourceFunc) PlanFor(ctx context.Context, workspaceID string) (Plan, error) {
	return f(ctx, workspaceID)
}

// Usage meters usage events and answers entitlement checks. Totals are
// kept in memory per workspace, metric and period, loaded from the
// [UsageStore] on first use and refreshed after the cache TTL (so that
// several server instances converge); every Record goes to the store first,
// which is the source of truth. Usage implements [Meter] and is safe for
// concurrent use.
type Usage struct {
	store  UsageStore
	plans  PlanSource
	now    func() time.Time
	period func(workspaceID string, t time.Time) Period
	ttl    time.Duration

	mu     sync.Mutex
	totals map[usageKey]cachedTotal
}

// maxCachedTotals bounds the in-memory totals; beyond it expired entries
// are dropped.
const maxCachedTotals = 100_000

type usageKey struct {
	workspace string
	metric    Metric
	start     int64
}

type cachedTotal struct {
	total  int64
	loaded time.Time
}

type usageConfig struct {
	now    func() time.Time
	period func(string, time.Time) Period
	ttl    time.Duration
}

// UsageOption configures [Usage].
type UsageOption func(*usageConfig) error

// WithUsageClock sets the clock (default time.Now).
func WithUsageClock(now func() time.Time) UsageOption {
	return func(c *usageConfig) error {
		if now == nil {
			return errors.New("billing: clock: nil")
		}
		c.now = now
		return nil
	}
}

// WithPeriods sets how a moment maps to a workspace's billing period
// (default [MonthPeriod], calendar months in IST).
func WithPeriods(f func(workspaceID string, t time.Time) Period) UsageOption {
	return func(c *usageConfig) error {
		if f == nil {
			return errors.New("billing: periods: nil")
		}
		c.period = f
		return nil
	}
}

// WithCacheTTL sets how long an in-memory total is trusted before it is
// reloaded from the store (default 30s; other instances' usage shows up
// within it).
func WithCacheTTL(d time.Duration) UsageOption {
	return func(c *usageConfig) error {
		if d <= 0 {
			return errors.New("billing: cache ttl must be positive")
		}
		c.ttl = d
		return nil
	}
}

// NewUsage returns a usage meter over store, checking against the plans
// that plans returns.
func NewUsage(store UsageStore, plans PlanSource, opts ...UsageOption) (*Usage, error) {
	if store == nil || plans == nil {
		return nil, errors.New("billing: usage needs a store and a plan source")
	}
	cfg := usageConfig{now: time.Now, period: func(_ string, t time.Time) Period { return MonthPeriod(t) }, ttl: 30 * time.Second}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	return &Usage{store: store, plans: plans, now: cfg.now, period: cfg.period, ttl: cfg.ttl, totals: map[usageKey]cachedTotal{}}, nil
}

// Record stores ev (once per idempotency key) and updates the in-memory
// total.
func (u *Usage) Record(ctx context.Context, ev UsageEvent) error {
	if err := ev.Validate(); err != nil {
		return err
	}
	p := u.period(ev.WorkspaceID, ev.At)
	_, total, err := u.store.AddUsage(ctx, ev, p)
	if err != nil {
		return fmt.Errorf("billing: record usage: %w", err)
	}
	u.raise(usageKey{ev.WorkspaceID, ev.Metric, p.Start.Unix()}, total, u.now())
	return nil
}

// Used returns the workspace's total of a counted metric in the current
// period.
func (u *Usage) Used(ctx context.Context, workspaceID string, metric Metric) (int64, error) {
	if !metric.Counted() {
		return 0, fmt.Errorf("billing: usage: metric %q is not metered per period", metric)
	}
	now := u.now()
	p := u.period(workspaceID, now)
	k := usageKey{workspaceID, metric, p.Start.Unix()}
	u.mu.Lock()
	c, ok := u.totals[k]
	u.mu.Unlock()
	if ok && now.Sub(c.loaded) < u.ttl {
		return c.total, nil
	}
	total, err := u.store.UsageTotal(ctx, workspaceID, metric, p)
	if err != nil {
		return 0, fmt.Errorf("billing: usage total: %w", err)
	}
	return u.raise(k, total, now), nil
}

// raise records a total read from the store. Totals only grow, so
// concurrent calls finishing out of order keep the largest.
func (u *Usage) raise(k usageKey, total int64, now time.Time) int64 {
	u.mu.Lock()
	defer u.mu.Unlock()
	if cur, ok := u.totals[k]; ok && cur.total > total {
		total = cur.total
	}
	if len(u.totals) >= maxCachedTotals {
		for old, c := range u.totals { // drop what the TTL would reload anyway
			if now.Sub(c.loaded) >= u.ttl {
				delete(u.totals, old)
			}
		}
	}
	u.totals[k] = cachedTotal{total: total, loaded: now}
	return total
}

// Check answers whether the workspace may use n more of a counted metric
// in the current period: allowed, or over its plan's limit by N.
func (u *Usage) Check(ctx context.Context, workspaceID string, metric Metric, n int64) (Entitlement, error) {
	if n < 0 {
		return Entitlement{}, errors.New("billing: check: n must not be negative")
	}
	plan, err := u.plans.PlanFor(ctx, workspaceID)
	if err != nil {
		return Entitlement{}, fmt.Errorf("billing: check: plan: %w", err)
	}
	used, err := u.Used(ctx, workspaceID, metric)
	if err != nil {
		return Entitlement{}, err
	}
	return plan.Check(metric, used, n), nil
}

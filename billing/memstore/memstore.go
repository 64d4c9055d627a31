// Package memstore is an in-memory [billing.Store]: what tests and the
// embedded server use. It is safe for concurrent use; the zero value is not
// usable, call [New].
//
//	store := memstore.New()
//	h, _ := billing.NewWebhookHandler(whSecret, store, sink)
package memstore

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/botsync/botsync/billing"
)

// Store implements [billing.Store] in memory.
type Store struct {
	mu       sync.Mutex
	events   map[billing.EventKey]eventRow
	subs     map[[2]string]billing.SubscriptionState
	usageKey map[[2]string]bool // workspace, idempotency key
	usage    map[usageBucket]int64
	series   map[seriesKey]int64
	invoices map[string][]billing.TaxInvoice // by workspace, in creation order
	periods  map[periodKey]bool
}

type eventRow struct {
	claimedAt time.Time
	done      bool
}

type usageBucket struct {
	workspace string
	metric    billing.Metric
	start     int64
	end       int64
}

type seriesKey struct {
	series string
	fy     int
}

type periodKey struct {
	workspace string
	start     int64
	end       int64
}

var _ billing.Store = (*Store)(nil)

// New returns an empty store.
func New() *Store {
	return &Store{
		events:   map[billing.EventKey]eventRow{},
		subs:     map[[2]string]billing.SubscriptionState{},
		usageKey: map[[2]string]bool{},
		usage:    map[usageBucket]int64{},
		series:   map[seriesKey]int64{},
		invoices: map[string][]billing.TaxInvoice{},
		periods:  map[periodKey]bool{},
	}
}

// ClaimEvent implements [billing.EventStore].
func (s *Store) ClaimEvent(ctx context.Context, key billing.EventKey, now time.Time, lease time.Duration) (bool, error) {
	if key.EventID == "" {
		return false, fmt.Errorf("billing/memstore: claim event: event id is required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	row, ok := s.events[key]
	if ok && (row.done || now.Sub(row.claimedAt) < lease) {
		return false, nil
	}
	s.events[key] = eventRow{claimedAt: now}
	return true, nil
}

// CompleteEvent implements [billing.EventStore].
func (s *Store) CompleteEvent(ctx context.Context, key billing.EventKey, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	row, ok := s.events[key]
	if !ok {
		return fmt.Errorf("billing/memstore: complete event: %w", billing.ErrNotFound)
	}
	row.done = true
	s.events[key] = row
	return nil
}

// ReleaseEvent implements [billing.EventStore].
func (s *Store) ReleaseEvent(ctx context.Context, key billing.EventKey) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if row, ok := s.events[key]; ok && !row.done {
		delete(s.events, key)
	}
	return nil
}

// UpdateSubscription implements [billing.SubscriptionStore].
func (s *Store) UpdateSubscription(ctx context.Context, workspaceID, subscriptionID string, fn func(*billing.SubscriptionState) error) (billing.SubscriptionState, error) {
	if workspaceID == "" || subscriptionID == "" {
		return billing.SubscriptionState{}, fmt.Errorf("billing/memstore: update subscription: workspace and subscription ids are required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k := [2]string{workspaceID, subscriptionID}
	cur, ok := s.subs[k]
	if !ok {
		cur = billing.SubscriptionState{WorkspaceID: workspaceID, SubscriptionID: subscriptionID}
	}
	next := cur
	if err := fn(&next); err != nil {
		return billing.SubscriptionState{}, err
	}
	next.WorkspaceID, next.SubscriptionID = workspaceID, subscriptionID
	s.subs[k] = next
	return next, nil
}

// Subscription implements [billing.SubscriptionStore].
func (s *Store) Subscription(ctx context.Context, workspaceID, subscriptionID string) (billing.SubscriptionState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.subs[[2]string{workspaceID, subscriptionID}]
	if !ok {
		return billing.SubscriptionState{}, billing.ErrNotFound
	}
	return st, nil
}

// Subscriptions implements [billing.SubscriptionStore].
func (s *Store) Subscriptions(ctx context.Context, workspaceID string) ([]billing.SubscriptionState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []billing.SubscriptionState{}
	for k, st := range s.subs {
		if k[0] == workspaceID {
			out = append(out, st)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].SubscriptionID < out[j].SubscriptionID })
	return out, nil
}

// AddUsage implements [billing.UsageStore].
func (s *Store) AddUsage(ctx context.Context, ev billing.UsageEvent, period billing.Period) (bool, int64, error) {
	if err := ev.Validate(); err != nil {
		return false, 0, err
	}
	b := usageBucket{ev.WorkspaceID, ev.Metric, period.Start.Unix(), period.End.Unix()}
	s.mu.Lock()
	defer s.mu.Unlock()
	k := [2]string{ev.WorkspaceID, ev.IdempotencyKey}
	if s.usageKey[k] {
		return false, s.usage[b], nil
	}
	s.usageKey[k] = true
	s.usage[b] += ev.Quantity
	return true, s.usage[b], nil
}

// UsageTotal implements [billing.UsageStore].
func (s *Store) UsageTotal(ctx context.Context, workspaceID string, metric billing.Metric, period billing.Period) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.usage[usageBucket{workspaceID, metric, period.Start.Unix(), period.End.Unix()}], nil
}

// CreateInvoice implements [billing.InvoiceStore].
func (s *Store) CreateInvoice(ctx context.Context, inv billing.TaxInvoice) (billing.TaxInvoice, error) {
	if err := inv.ValidateForStore(); err != nil {
		return billing.TaxInvoice{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	pk := periodKey{inv.WorkspaceID, inv.Period.Start.Unix(), inv.Period.End.Unix()}
	if inv.Kind == billing.KindInvoice && !inv.Period.IsZero() && s.periods[pk] {
		return billing.TaxInvoice{}, billing.ErrPeriodClosed
	}
	sk := seriesKey{inv.Series, inv.FinancialYear}
	if err := billing.NumberInvoice(&inv, s.series[sk]+1); err != nil {
		return billing.TaxInvoice{}, err
	}
	s.series[sk] = inv.Seq
	if inv.Kind == billing.KindInvoice && !inv.Period.IsZero() {
		s.periods[pk] = true
	}
	s.invoices[inv.WorkspaceID] = append(s.invoices[inv.WorkspaceID], clone(inv))
	return clone(inv), nil
}

// Invoice implements [billing.InvoiceStore].
func (s *Store) Invoice(ctx context.Context, workspaceID, number string) (billing.TaxInvoice, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, inv := range s.invoices[workspaceID] {
		if inv.Number == number {
			return clone(inv), nil
		}
	}
	return billing.TaxInvoice{}, billing.ErrNotFound
}

// Invoices implements [billing.InvoiceStore].
func (s *Store) Invoices(ctx context.Context, workspaceID string) ([]billing.TaxInvoice, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]billing.TaxInvoice, 0, len(s.invoices[workspaceID]))
	for _, inv := range s.invoices[workspaceID] {
		out = append(out, clone(inv))
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].IssuedAt.Before(out[j].IssuedAt) })
	return out, nil
}

// clone copies the invoice's slices so that callers cannot change what
// the store holds.
func clone(inv billing.TaxInvoice) billing.TaxInvoice {
	inv.Lines = append([]billing.InvoiceLine(nil), inv.Lines...)
	inv.Taxes = append([]billing.TaxLine(nil), inv.Taxes...)
	return inv
}

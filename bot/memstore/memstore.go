// Package memstore is an in-memory bot.Store: rules, once-only claims, due
// items, AI state and scoring slots. It is what the embedded server and
// tests use, and passes bottest.TestStore like bot/pgstore.
//
//	eng, err := bot.New(registry, crmService, memstore.New())
//
// A Store is safe for concurrent use; values are copied in and out.
package memstore

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"

	"github.com/botsync/botsync/bot"
)

type key struct{ ws, id string }

type dueEntry struct {
	d     bot.Due
	lease time.Time
}

// Store is an in-memory bot.Store. The zero value is not usable; use New.
type Store struct {
	mu     sync.Mutex
	rules  map[key]bot.Rule
	claims map[key]bool
	due    map[key]*dueEntry
	ai     map[key]bot.AIState
	scored map[key]time.Time
}

var _ bot.Store = (*Store)(nil)

// New returns an empty store.
func New() *Store {
	return &Store{
		rules: map[key]bot.Rule{}, claims: map[key]bool{}, due: map[key]*dueEntry{},
		ai: map[key]bot.AIState{}, scored: map[key]time.Time{},
	}
}

// PutRule implements bot.Store.
func (s *Store) PutRule(_ context.Context, r bot.Rule) error {
	if r.Workspace == "" || r.ID == "" {
		return bot.ErrInvalid
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rules[key{r.Workspace, r.ID}] = r.Clone()
	return nil
}

// Rules implements bot.Store.
func (s *Store) Rules(_ context.Context, ws string) ([]bot.Rule, error) {
	s.mu.Lock()
	var out []bot.Rule
	for k, r := range s.rules {
		if k.ws == ws {
			out = append(out, r)
		}
	}
	s.mu.Unlock()
	for i := range out {
		out[i] = out[i].Clone()
	}
	slices.SortFunc(out, func(a, b bot.Rule) int {
		return cmp.Or(cmp.Compare(a.Position, b.Position), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// DeleteRule implements bot.Store.
func (s *Store) DeleteRule(_ context.Context, ws, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.rules[key{ws, id}]; !ok {
		return bot.ErrNotFound
	}
	delete(s.rules, key{ws, id})
	return nil
}

// RuleFailed implements bot.Store.
func (s *Store) RuleFailed(_ context.Context, ws, id string, max int, reason string) (int, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.rules[key{ws, id}]
	if !ok {
		return 0, false, bot.ErrNotFound
	}
	r.Failures++
	disabled := false
	if r.Failures >= max && !r.Disabled {
		r.Disabled, r.DisabledReason, disabled = true, reason, true
	}
	s.rules[key{ws, id}] = r
	return r.Failures, disabled, nil
}

// RuleSucceeded implements bot.Store.
func (s *Store) RuleSucceeded(_ context.Context, ws, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.rules[key{ws, id}]
	if !ok {
		return bot.ErrNotFound
	}
	r.Failures = 0
	s.rules[key{ws, id}] = r
	return nil
}

// Claim implements bot.Store.
func (s *Store) Claim(_ context.Context, ws, k string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.claims[key{ws, k}] {
		return false, nil
	}
	s.claims[key{ws, k}] = true
	return true, nil
}

// Release implements bot.Store.
func (s *Store) Release(_ context.Context, ws, k string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.claims, key{ws, k})
	return nil
}

// Schedule implements bot.Store.
func (s *Store) Schedule(_ context.Context, d bot.Due) error {
	if d.Workspace == "" || d.Key == "" || d.ID == "" {
		return bot.ErrInvalid
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d.Sequence = d.Sequence.Clone()
	s.due[key{d.Workspace, d.Key}] = &dueEntry{d: d}
	return nil
}

// TakeDue implements bot.Store.
func (s *Store) TakeDue(_ context.Context, now time.Time, lease time.Duration, limit int) ([]bot.Due, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ready []*dueEntry
	for _, e := range s.due {
		if !e.d.At.After(now) && !e.lease.After(now) {
			ready = append(ready, e)
		}
	}
	slices.SortFunc(ready, func(a, b *dueEntry) int {
		return cmp.Or(a.d.At.Compare(b.d.At), cmp.Compare(a.d.Key, b.d.Key))
	})
	if len(ready) > limit {
		ready = ready[:limit]
	}
	out := make([]bot.Due, len(ready))
	for i, e := range ready {
		e.lease = now.Add(lease)
		out[i] = e.d
		out[i].Sequence = e.d.Sequence.Clone()
	}
	return out, nil
}

// DoneDue implements bot.Store.
func (s *Store) DoneDue(_ context.Context, ws, k, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.due[key{ws, k}]; ok && e.d.ID == id {
		delete(s.due, key{ws, k})
	}
	return nil
}

// CancelDue implements bot.Store.
func (s *Store) CancelDue(_ context.Context, ws, convID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, e := range s.due {
		if k.ws == ws && e.d.ConversationID == convID {
			delete(s.due, k)
		}
	}
	return nil
}

// AIState implements bot.Store.
func (s *Store) AIState(_ context.Context, ws, convID string) (bot.AIState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ai[key{ws, convID}], nil
}

// SetAIState implements bot.Store.
func (s *Store) SetAIState(_ context.Context, ws, convID string, st bot.AIState) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st == (bot.AIState{}) {
		delete(s.ai, key{ws, convID})
		return nil
	}
	s.ai[key{ws, convID}] = st
	return nil
}

// TakeScoreSlot implements bot.Store.
func (s *Store) TakeScoreSlot(_ context.Context, ws, leadID string, now time.Time, every time.Duration) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if last, ok := s.scored[key{ws, leadID}]; ok && now.Before(last.Add(every)) {
		return false, nil
	}
	s.scored[key{ws, leadID}] = now
	return true, nil
}

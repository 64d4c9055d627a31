// Package crmtest is the conformance suite every crm.Store passes, so that
// memstore and pgstore (and any other implementation) behave the same.
//
//	func TestStore(t *testing.T) {
//		crmtest.TestStore(t, func(t *testing.T) crm.Store { return memstore.New() })
//	}
//
// The suite drives the store through crm.Service, covering find-or-create
// (including its concurrency guarantee), updates and validation, pipeline
// and custom fields, activities, conversations and idempotent messages,
// bookings, merge, delete, export, search and paging, call matching, CSV
// import, and workspace isolation: every read and write with another
// workspace's ids must be crm.ErrNotFound.
package crmtest

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/crm"
)

// NewStore returns a fresh, empty store for one test.
type NewStore func(t *testing.T) crm.Store

// Clock is a manually advanced clock for the suite.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock set to t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now returns the current fake time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Env is one test's service, clock and calendar.
type Env struct {
	Svc   *crm.Service
	Store crm.Store
	Clock *Clock
	Cal   *crm.MemCalendar
}

// NewEnv builds a Service (default region IN, fake clock, memory calendar)
// over a fresh store.
func NewEnv(t *testing.T, newStore NewStore) *Env {
	t.Helper()
	st := newStore(t)
	clk := NewClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	cal := &crm.MemCalendar{}
	svc, err := crm.New(st, crm.WithClock(clk.Now), crm.WithDefaultRegion("IN"), crm.WithCalendar(cal))
	require.NoError(t, err)
	return &Env{Svc: svc, Store: st, Clock: clk, Cal: cal}
}

// TestStore runs the conformance suite against stores made by newStore.
func TestStore(t *testing.T, newStore NewStore) {
	tests := map[string]func(*testing.T, *Env){
		"FindOrCreate":            testFindOrCreate,
		"FindOrCreateConcurrent":  testFindOrCreateConcurrent,
		"FindOrCreateOverlap":     testFindOrCreateOverlap,
		"UpdateConcurrent":        testUpdateConcurrent,
		"UpdateAndValidation":     testUpdate,
		"StageTagNoteAssign":      testStageTagNote,
		"Identities":              testIdentities,
		"Fields":                  testFields,
		"ConversationsMessages":   testConversations,
		"MessageInsertConcurrent": testMessageConcurrent,
		"Inbox":                   testInbox,
		"Bookings":                testBookings,
		"Merge":                   testMerge,
		"DeleteAndExport":         testDeleteExport,
		"Search":                  testSearch,
		"MatchCalls":              testMatchCalls,
		"ImportCSV":               testImport,
		"Isolation":               testIsolation,
	}
	for name, fn := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fn(t, NewEnv(t, newStore))
		})
	}
}

const ws, other = "ws_a", "ws_b"

var system = crm.Actor{Kind: crm.ActorSystem}

func mustLead(t *testing.T, e *Env, ids ...crm.Identity) *crm.Lead {
	t.Helper()
	l, _, err := e.Svc.FindOrCreate(t.Context(), ws, crm.Contact{Identities: ids, Name: "Asha"})
	require.NoError(t, err)
	return l
}

func pipeline(t *testing.T, e *Env, workspace string) {
	t.Helper()
	require.NoError(t, e.Svc.SetStages(t.Context(), workspace, []crm.Stage{
		{Key: "new", Name: "New"}, {Key: "qualified", Name: "Qualified"}, {Key: "won", Name: "Won"},
	}))
}

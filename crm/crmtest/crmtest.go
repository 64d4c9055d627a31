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
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
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
		"UpdateAndValidation":     testUpdate,
		"StageTagNoteAssign":      testStageTagNote,
		"Identities":              testIdentities,
		"Fields":                  testFields,
		"ConversationsMessages":   testConversations,
		"MessageInsertConcurrent": testMessageConcurrent,
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

func testFindOrCreate(t *testing.T, e *Env) {
	ctx := t.Context()
	pipeline(t, e, ws)
	l, created, err := e.Svc.FindOrCreate(ctx, ws, crm.Contact{
		Identities: []crm.Identity{crm.WAID("5511987654321")}, Name: " Maria ",
		Source: crm.Source{Channel: "whatsapp", AdID: "ad1"},
	})
	require.NoError(t, err)
	assert.True(t, created)
	assert.Equal(t, "Maria", l.Name)
	assert.Equal(t, "new", l.Stage, "new leads start in the first stage")
	assert.Equal(t, ws, l.WorkspaceID)
	assert.Equal(t, []crm.Identity{{Kind: crm.KindPhone, Value: "+5511987654321"}, {Kind: crm.KindWAID, Value: "5511987654321"}}, l.Identities)
	assert.Equal(t, crm.Source{Channel: "whatsapp", AdID: "ad1"}, l.Source)

	// National variants find the same lead: Brazil without the ninth digit.
	again, created, err := e.Svc.FindOrCreate(ctx, ws, crm.Contact{Identities: []crm.Identity{crm.Phone("+55 11 8765-4321")}})
	require.NoError(t, err)
	assert.False(t, created)
	assert.Equal(t, l.ID, again.ID)

	// An extra identity is attached to the found lead.
	again, created, err = e.Svc.FindOrCreate(ctx, ws, crm.Contact{Identities: []crm.Identity{crm.Phone("+5511987654321"), crm.Email("Maria@Example.COM")}})
	require.NoError(t, err)
	assert.False(t, created)
	assert.Equal(t, l.ID, again.ID)
	assert.Equal(t, "maria@example.com", again.Email())
	got, err := e.Svc.LeadByIdentity(ctx, ws, crm.Email("maria@example.com"))
	require.NoError(t, err)
	assert.Equal(t, l.ID, got.ID)
	assert.Len(t, got.Identities, 3)

	// Mexico's +521 and +52 are one lead.
	mx, created, err := e.Svc.FindOrCreate(ctx, ws, crm.Contact{Identities: []crm.Identity{crm.Phone("+5215512345678")}})
	require.NoError(t, err)
	assert.True(t, created)
	mx2, created, err := e.Svc.FindOrCreate(ctx, ws, crm.Contact{Identities: []crm.Identity{crm.Phone("+52 55 1234 5678")}})
	require.NoError(t, err)
	assert.False(t, created)
	assert.Equal(t, mx.ID, mx2.ID)

	// A national number uses the default region (IN).
	in, _, err := e.Svc.FindOrCreate(ctx, ws, crm.Contact{Identities: []crm.Identity{crm.Phone("098765 43210")}})
	require.NoError(t, err)
	assert.Equal(t, "+919876543210", in.Phone())

	acts, err := e.Svc.Activities(ctx, ws, l.ID)
	require.NoError(t, err)
	require.Len(t, acts, 1)
	assert.Equal(t, crm.ActivityCreated, acts[0].Type)

	for name, c := range map[string]crm.Contact{
		"no identities": {},
		"bad phone":     {Identities: []crm.Identity{crm.Phone("12")}},
		"bad email":     {Identities: []crm.Identity{crm.Email("not-an-email")}},
		"bad kind":      {Identities: []crm.Identity{{Kind: "fax", Value: "1"}}},
		"bad wa_id":     {Identities: []crm.Identity{crm.WAID("abc")}},
	} {
		_, _, err := e.Svc.FindOrCreate(ctx, ws, c)
		assert.ErrorIs(t, err, crm.ErrInvalid, name)
	}
	_, err = e.Svc.Lead(ctx, ws, "missing")
	assert.ErrorIs(t, err, crm.ErrNotFound)
	_, err = e.Svc.LeadByIdentity(ctx, ws, crm.Phone("+14155552671"))
	assert.ErrorIs(t, err, crm.ErrNotFound)
}

func testFindOrCreateConcurrent(t *testing.T, e *Env) {
	const n = 12
	var (
		wg      sync.WaitGroup
		created atomic.Int32
		ids     = make([]string, n)
		errs    = make([]error, n)
	)
	for i := range n {
		wg.Go(func() {
			l, c, err := e.Svc.FindOrCreate(t.Context(), ws, crm.Contact{
				Identities: []crm.Identity{crm.WAID("919812345678"), {Kind: crm.KindBSUID, Value: "IN.abc"}},
			})
			errs[i] = err
			if err == nil {
				ids[i] = l.ID
				if c {
					created.Add(1)
				}
			}
		})
	}
	wg.Wait()
	for i := range n {
		require.NoError(t, errs[i])
		assert.Equal(t, ids[0], ids[i])
	}
	assert.Equal(t, int32(1), created.Load(), "exactly one call creates the lead")
	counts, err := e.Svc.CountByStage(t.Context(), ws)
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"": 1}, counts)
}

// testFindOrCreateOverlap races contacts that share one identity but differ
// in another (the same person writing on WhatsApp and being imported with an
// email): they all end on one lead that owns every identity.
func testFindOrCreateOverlap(t *testing.T, e *Env) {
	const n = 12
	var wg sync.WaitGroup
	ids := make([]string, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			extra := crm.Email(fmt.Sprintf("p%d@example.com", i))
			l, _, err := e.Svc.FindOrCreate(t.Context(), ws, crm.Contact{Identities: []crm.Identity{extra, crm.Phone("+919800000555")}})
			errs[i] = err
			if err == nil {
				ids[i] = l.ID
			}
		})
	}
	wg.Wait()
	for i := range n {
		require.NoError(t, errs[i])
		assert.Equal(t, ids[0], ids[i])
	}
	l, err := e.Svc.Lead(t.Context(), ws, ids[0])
	require.NoError(t, err)
	assert.Len(t, l.Identities, n+1)
}

func testUpdate(t *testing.T, e *Env) {
	ctx := t.Context()
	pipeline(t, e, ws)
	require.NoError(t, e.Svc.DefineField(ctx, ws, crm.FieldDef{Key: "exam_score", Type: crm.FieldNumber}))
	require.NoError(t, e.Svc.DefineField(ctx, ws, crm.FieldDef{Key: "course", Type: crm.FieldEnum, Options: []string{"MBA", "BBA"}}))
	require.NoError(t, e.Svc.DefineField(ctx, ws, crm.FieldDef{Key: "visit", Type: crm.FieldDate}))
	require.NoError(t, e.Svc.DefineField(ctx, ws, crm.FieldDef{Key: "hostel", Type: crm.FieldBoolean}))
	require.NoError(t, e.Svc.DefineField(ctx, ws, crm.FieldDef{Key: "note", Type: crm.FieldText}))
	l := mustLead(t, e, crm.Phone("+919800000001"))
	e.Clock.Advance(time.Minute)

	city, score, stage, cb := "Pune", 72, "qualified", "+91 98000 00002"
	u, err := e.Svc.Update(ctx, ws, l.ID, crm.LeadUpdate{
		City: &city, Score: &score, ScoreReasons: []string{"asked fees"}, Stage: &stage, CallbackPhone: &cb,
		Custom: map[string]string{"exam_score": "081.50", "course": "mba", "visit": "2026-03-05", "hostel": "yes", "note": " hi "},
	}, crm.User("u1"))
	require.NoError(t, err)
	assert.Equal(t, "Pune", u.City)
	assert.Equal(t, 72, u.Score)
	assert.Equal(t, []string{"asked fees"}, u.ScoreReasons)
	assert.Equal(t, "qualified", u.Stage)
	assert.Equal(t, "+919800000002", u.CallbackPhone)
	assert.Equal(t, map[string]string{"exam_score": "81.5", "course": "MBA", "visit": "2026-03-05", "hostel": "true", "note": "hi"}, u.Custom)
	assert.Equal(t, e.Clock.Now().UTC(), u.UpdatedAt.UTC())

	got, err := e.Svc.Lead(ctx, ws, l.ID)
	require.NoError(t, err)
	assert.Equal(t, u.Custom, got.Custom)
	assert.Equal(t, "qualified", got.Stage)
	assert.Len(t, got.Identities, 1, "updates keep identities")

	bad := map[string]crm.LeadUpdate{
		"stage":             {Stage: ptr("lost")},
		"custom.exam_score": {Custom: map[string]string{"exam_score": "eighty"}},
		"custom.course":     {Custom: map[string]string{"course": "PhD"}},
		"custom.visit":      {Custom: map[string]string{"visit": "05/03/2026"}},
		"custom.hostel":     {Custom: map[string]string{"hostel": "maybe"}},
		"custom.unknown":    {Custom: map[string]string{"unknown": "x"}},
		"callback_phone":    {CallbackPhone: ptr("12")},
	}
	for field, upd := range bad {
		_, err := e.Svc.Update(ctx, ws, l.ID, upd, system)
		var ve *crm.ValidationError
		require.ErrorAs(t, err, &ve, field)
		assert.Equal(t, field, ve.Field)
	}
	after, err := e.Svc.Lead(ctx, ws, l.ID)
	require.NoError(t, err)
	assert.Equal(t, got, after, "failed updates change nothing")

	// Clearing a custom field.
	u, err = e.Svc.Update(ctx, ws, l.ID, crm.LeadUpdate{Custom: map[string]string{"note": ""}}, system)
	require.NoError(t, err)
	assert.NotContains(t, u.Custom, "note")

	_, err = e.Svc.Update(ctx, ws, "missing", crm.LeadUpdate{City: &city}, system)
	assert.ErrorIs(t, err, crm.ErrNotFound)
}

func ptr[T any](v T) *T { return &v }

func testStageTagNote(t *testing.T, e *Env) {
	ctx := t.Context()
	pipeline(t, e, ws)
	l := mustLead(t, e, crm.Phone("+919800000003"))
	e.Clock.Advance(time.Hour)

	_, err := e.Svc.MoveStage(ctx, ws, l.ID, "nope", system)
	assert.ErrorIs(t, err, crm.ErrInvalid)
	moved, err := e.Svc.MoveStage(ctx, ws, l.ID, "won", crm.User("u1"))
	require.NoError(t, err)
	assert.Equal(t, "won", moved.Stage)
	assert.True(t, moved.LastActivityAt.Equal(e.Clock.Now()), "activities move last activity")

	tagged, err := e.Svc.Tag(ctx, ws, l.ID, crm.Actor{Kind: crm.ActorAI, ID: "gpt"}, "vip", " hot ", "vip")
	require.NoError(t, err)
	assert.Equal(t, []string{"hot", "vip"}, tagged.Tags)
	untagged, err := e.Svc.Untag(ctx, ws, l.ID, system, "hot", "absent")
	require.NoError(t, err)
	assert.Equal(t, []string{"vip"}, untagged.Tags)
	_, err = e.Svc.Tag(ctx, ws, l.ID, system)
	assert.ErrorIs(t, err, crm.ErrInvalid)

	note, err := e.Svc.Note(ctx, ws, l.ID, "called back, wants EMI", crm.User("u2"))
	require.NoError(t, err)
	assert.Equal(t, crm.ActivityNote, note.Type)
	_, err = e.Svc.Note(ctx, ws, l.ID, "  ", system)
	assert.ErrorIs(t, err, crm.ErrInvalid)
	_, err = e.Svc.Note(ctx, ws, "missing", "x", system)
	assert.ErrorIs(t, err, crm.ErrNotFound)

	assigned, err := e.Svc.Assign(ctx, ws, l.ID, "u9", crm.User("u1"))
	require.NoError(t, err)
	assert.Equal(t, "u9", assigned.Assignee)

	ok, err := e.Svc.RecordActivity(ctx, ws, crm.Activity{LeadID: l.ID, Type: crm.ActivityAIAction, Actor: crm.Actor{Kind: crm.ActorAI}, Text: "scored", DedupKey: "ai:1"})
	require.NoError(t, err)
	assert.True(t, ok)
	ok, err = e.Svc.RecordActivity(ctx, ws, crm.Activity{LeadID: l.ID, Type: crm.ActivityAIAction, DedupKey: "ai:1"})
	require.NoError(t, err)
	assert.False(t, ok, "dedup key stored once")

	acts, err := e.Svc.Activities(ctx, ws, l.ID)
	require.NoError(t, err)
	var types []crm.ActivityType
	for _, a := range acts {
		types = append(types, a.Type)
	}
	assert.Equal(t, []crm.ActivityType{crm.ActivityCreated, crm.ActivityStageChange, crm.ActivityTag, crm.ActivityTag, crm.ActivityUntag, crm.ActivityNote, crm.ActivityAssign, crm.ActivityAIAction}, types)
	assert.Equal(t, "new", acts[1].FromStage)
	assert.Equal(t, "won", acts[1].ToStage)
	assert.Equal(t, crm.User("u1"), acts[1].Actor)
	assert.Equal(t, "hot", acts[2].Tag)
	assert.Equal(t, "called back, wants EMI", acts[5].Text)
	assert.Equal(t, "u9", acts[6].RefID)
}

func testIdentities(t *testing.T, e *Env) {
	ctx := t.Context()
	a := mustLead(t, e, crm.Phone("+919800000010"))
	b := mustLead(t, e, crm.Phone("+919800000011"))
	require.NoError(t, e.Svc.AddIdentity(ctx, ws, a.ID, crm.Identity{Kind: crm.KindIGSID, Value: "1789"}))
	require.NoError(t, e.Svc.AddIdentity(ctx, ws, a.ID, crm.Identity{Kind: crm.KindIGSID, Value: "1789"}), "re-adding is a no-op")
	err := e.Svc.AddIdentity(ctx, ws, b.ID, crm.Identity{Kind: crm.KindIGSID, Value: "1789"})
	assert.ErrorIs(t, err, crm.ErrConflict)
	assert.ErrorIs(t, e.Svc.AddIdentity(ctx, ws, b.ID, crm.Email("bad")), crm.ErrInvalid)
	assert.ErrorIs(t, e.Svc.AddIdentity(ctx, ws, "missing", crm.Email("a@b.co")), crm.ErrNotFound)

	got, err := e.Svc.LeadByIdentity(ctx, ws, crm.Identity{Kind: crm.KindIGSID, Value: "1789"})
	require.NoError(t, err)
	assert.Equal(t, a.ID, got.ID)
	require.NoError(t, e.Svc.RemoveIdentity(ctx, ws, a.ID, crm.Identity{Kind: crm.KindIGSID, Value: "1789"}))
	assert.ErrorIs(t, e.Svc.RemoveIdentity(ctx, ws, a.ID, crm.Identity{Kind: crm.KindIGSID, Value: "1789"}), crm.ErrNotFound)
	require.NoError(t, e.Svc.AddIdentity(ctx, ws, b.ID, crm.Identity{Kind: crm.KindIGSID, Value: "1789"}))
	got, err = e.Svc.Lead(ctx, ws, b.ID)
	require.NoError(t, err)
	assert.Equal(t, []crm.Identity{{Kind: crm.KindIGSID, Value: "1789"}, {Kind: crm.KindPhone, Value: "+919800000011"}}, got.Identities)
}

func testFields(t *testing.T, e *Env) {
	ctx := t.Context()
	require.NoError(t, e.Svc.DefineField(ctx, ws, crm.FieldDef{Key: "zeta", Type: crm.FieldText}))
	require.NoError(t, e.Svc.DefineField(ctx, ws, crm.FieldDef{Key: "alpha", Label: "Alpha", Type: crm.FieldEnum, Options: []string{"a", "b"}, Required: true}))
	fields, err := e.Svc.Fields(ctx, ws)
	require.NoError(t, err)
	assert.Equal(t, []crm.FieldDef{
		{Key: "alpha", Label: "Alpha", Type: crm.FieldEnum, Options: []string{"a", "b"}, Required: true},
		{Key: "zeta", Label: "zeta", Type: crm.FieldText},
	}, fields)
	require.NoError(t, e.Svc.DefineField(ctx, ws, crm.FieldDef{Key: "zeta", Type: crm.FieldNumber}), "redefining replaces")
	fields, err = e.Svc.Fields(ctx, ws)
	require.NoError(t, err)
	assert.Equal(t, crm.FieldNumber, fields[1].Type)
	for field, def := range map[string]crm.FieldDef{
		"key":        {Key: "Bad Key", Type: crm.FieldText},
		"type":       {Key: "x", Type: "money"},
		"options":    {Key: "x", Type: crm.FieldEnum},
		"options[1]": {Key: "x", Type: crm.FieldEnum, Options: []string{"a", "a"}},
	} {
		var ve *crm.ValidationError
		require.ErrorAs(t, e.Svc.DefineField(ctx, ws, def), &ve)
		assert.Equal(t, field, ve.Field)
	}
	// Required custom fields are enforced on update.
	l := mustLead(t, e, crm.Phone("+919800000012"))
	_, err = e.Svc.Update(ctx, ws, l.ID, crm.LeadUpdate{City: ptr("Goa")}, system)
	var ve *crm.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "custom.alpha", ve.Field)
	_, err = e.Svc.Update(ctx, ws, l.ID, crm.LeadUpdate{City: ptr("Goa"), Custom: map[string]string{"alpha": "A"}}, system)
	require.NoError(t, err)

	require.NoError(t, e.Svc.DeleteField(ctx, ws, "zeta"))
	assert.ErrorIs(t, e.Svc.DeleteField(ctx, ws, "zeta"), crm.ErrNotFound)

	// Stages keep their order and reject duplicates.
	require.NoError(t, e.Svc.SetStages(ctx, ws, []crm.Stage{{Key: "z"}, {Key: "a", Name: "A"}}))
	st, err := e.Svc.Stages(ctx, ws)
	require.NoError(t, err)
	assert.Equal(t, []crm.Stage{{Key: "z", Name: "z"}, {Key: "a", Name: "A"}}, st)
	assert.ErrorIs(t, e.Svc.SetStages(ctx, ws, []crm.Stage{{Key: "a"}, {Key: "a"}}), crm.ErrConflict)
	assert.ErrorIs(t, e.Svc.SetStages(ctx, ws, []crm.Stage{{Key: "A B"}}), crm.ErrInvalid)
	st, err = e.Svc.Stages(ctx, other)
	require.NoError(t, err)
	assert.Empty(t, st)
}

func testConversations(t *testing.T, e *Env) {
	ctx := t.Context()
	l := mustLead(t, e, crm.Phone("+919800000020"))
	c, err := e.Svc.OpenConversation(ctx, ws, l.ID, "whatsapp", "pn_1")
	require.NoError(t, err)
	assert.Equal(t, crm.StatusOpen, c.Status)
	again, err := e.Svc.OpenConversation(ctx, ws, l.ID, "whatsapp", "pn_1")
	require.NoError(t, err)
	assert.Equal(t, c.ID, again.ID, "one conversation per lead and channel account")
	ig, err := e.Svc.OpenConversation(ctx, ws, l.ID, "instagram", "ig_1")
	require.NoError(t, err)
	assert.NotEqual(t, c.ID, ig.ID)
	_, err = e.Svc.OpenConversation(ctx, ws, "missing", "whatsapp", "pn_1")
	assert.ErrorIs(t, err, crm.ErrNotFound)

	e.Clock.Advance(time.Minute)
	in := crm.Message{ConversationID: c.ID, ProviderID: "wamid.1", Direction: crm.Inbound, Text: "hi", Media: []crm.MediaRef{{ID: "m1", MIMEType: "image/jpeg"}}}
	m, inserted, err := e.Svc.RecordMessage(ctx, ws, in)
	require.NoError(t, err)
	assert.True(t, inserted)
	assert.Equal(t, crm.MessageReceived, m.Status)
	assert.Equal(t, l.ID, m.LeadID)
	dup, inserted, err := e.Svc.RecordMessage(ctx, ws, in)
	require.NoError(t, err)
	assert.False(t, inserted, "same provider id on the same account is stored once")
	assert.Equal(t, m.ID, dup.ID)
	// The same provider id on another account is another message.
	_, inserted, err = e.Svc.RecordMessage(ctx, ws, crm.Message{ConversationID: ig.ID, ProviderID: "wamid.1", Direction: crm.Inbound})
	require.NoError(t, err)
	assert.True(t, inserted)

	e.Clock.Advance(time.Minute)
	out, _, err := e.Svc.RecordMessage(ctx, ws, crm.Message{ConversationID: c.ID, ProviderID: "wamid.2", Direction: crm.Outbound, Text: "hello"})
	require.NoError(t, err)
	assert.Equal(t, crm.MessagePending, out.Status)
	for _, st := range []crm.MessageStatus{crm.MessageDelivered, crm.MessageSent, crm.MessageRead, crm.MessageDelivered} {
		_, err := e.Svc.UpdateMessageStatus(ctx, ws, "pn_1", "wamid.2", st, "")
		require.NoError(t, err)
	}
	msgs, err := e.Svc.Messages(ctx, ws, c.ID)
	require.NoError(t, err)
	require.Len(t, msgs, 2)
	assert.Equal(t, "wamid.1", msgs[0].ProviderID)
	assert.Equal(t, []crm.MediaRef{{ID: "m1", MIMEType: "image/jpeg"}}, msgs[0].Media)
	assert.Equal(t, crm.MessageRead, msgs[1].Status, "statuses only move forward")
	_, err = e.Svc.UpdateMessageStatus(ctx, ws, "pn_1", "wamid.404", crm.MessageRead, "")
	assert.ErrorIs(t, err, crm.ErrNotFound)
	_, err = e.Svc.UpdateMessageStatus(ctx, ws, "pn_1", "wamid.2", "bogus", "")
	assert.ErrorIs(t, err, crm.ErrInvalid)
	_, _, err = e.Svc.RecordMessage(ctx, ws, crm.Message{ConversationID: c.ID, Direction: "sideways"})
	assert.ErrorIs(t, err, crm.ErrInvalid)

	f, _, err := e.Svc.RecordMessage(ctx, ws, crm.Message{ConversationID: c.ID, ProviderID: "wamid.3", Direction: crm.Outbound})
	require.NoError(t, err)
	f, err = e.Svc.UpdateMessageStatus(ctx, ws, "pn_1", f.ProviderID, crm.MessageFailed, "131047")
	require.NoError(t, err)
	assert.Equal(t, crm.MessageFailed, f.Status)
	assert.Equal(t, "131047", f.Error)

	c, err = e.Svc.Conversation(ctx, ws, c.ID)
	require.NoError(t, err)
	assert.Equal(t, 1, c.Unread)
	assert.True(t, c.LastInboundAt.Equal(e.Clock.Now().Add(-time.Minute)))
	assert.True(t, c.LastMessageAt.Equal(e.Clock.Now()))

	resolved, handoff := crm.StatusResolved, true
	c, err = e.Svc.UpdateConversation(ctx, ws, c.ID, crm.ConversationUpdate{Status: &resolved, Assignee: ptr("u1"), Handoff: &handoff, MarkRead: true})
	require.NoError(t, err)
	assert.Equal(t, crm.StatusResolved, c.Status)
	assert.Equal(t, "u1", c.Assignee)
	assert.True(t, c.Handoff)
	assert.Zero(t, c.Unread)
	_, err = e.Svc.UpdateConversation(ctx, ws, c.ID, crm.ConversationUpdate{Status: ptr(crm.ConversationStatus("closed"))})
	assert.ErrorIs(t, err, crm.ErrInvalid)
	convs, err := e.Store.Conversations(ctx, ws, l.ID)
	require.NoError(t, err)
	assert.Len(t, convs, 2)
}

func testMessageConcurrent(t *testing.T, e *Env) {
	l := mustLead(t, e, crm.Phone("+919800000030"))
	c, err := e.Svc.OpenConversation(t.Context(), ws, l.ID, "whatsapp", "pn_1")
	require.NoError(t, err)
	const n = 12
	var (
		wg       sync.WaitGroup
		inserted atomic.Int32
		ids      = make([]string, n)
		errs     = make([]error, n)
	)
	for i := range n {
		wg.Go(func() {
			m, ins, err := e.Svc.RecordMessage(t.Context(), ws, crm.Message{ConversationID: c.ID, ProviderID: "wamid.same", Direction: crm.Inbound, Text: "hi"})
			errs[i] = err
			if err == nil {
				ids[i] = m.ID
				if ins {
					inserted.Add(1)
				}
			}
		})
	}
	wg.Wait()
	for i := range n {
		require.NoError(t, errs[i])
		assert.Equal(t, ids[0], ids[i])
	}
	assert.Equal(t, int32(1), inserted.Load())
	c, err = e.Svc.Conversation(t.Context(), ws, c.ID)
	require.NoError(t, err)
	assert.Equal(t, 1, c.Unread, "a duplicate does not bump unread")
}

func testBookings(t *testing.T, e *Env) {
	ctx := t.Context()
	l := mustLead(t, e, crm.Phone("+919800000040"))
	start := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	slot := crm.Interval{Start: start, End: start.Add(30 * time.Minute)}
	b, err := e.Svc.Book(ctx, ws, l.ID, slot, "campus visit", false, crm.User("u1"))
	require.NoError(t, err)
	assert.Equal(t, crm.BookingProposed, b.Status)
	assert.NotEmpty(t, b.CalendarID)
	_, err = e.Svc.Book(ctx, ws, l.ID, crm.Interval{Start: start.Add(15 * time.Minute), End: start.Add(time.Hour)}, "", false, system)
	assert.ErrorIs(t, err, crm.ErrSlotTaken)
	_, err = e.Svc.Book(ctx, ws, l.ID, crm.Interval{Start: start, End: start}, "", false, system)
	assert.ErrorIs(t, err, crm.ErrInvalid)
	_, err = e.Svc.Book(ctx, ws, "missing", crm.Interval{Start: start.Add(2 * time.Hour), End: start.Add(3 * time.Hour)}, "", false, system)
	assert.ErrorIs(t, err, crm.ErrNotFound)
	busy, err := e.Cal.FreeBusy(ctx, start, start.Add(24*time.Hour))
	require.NoError(t, err)
	assert.Len(t, busy, 1, "a failed booking leaves no calendar event")

	b, err = e.Svc.SetBookingStatus(ctx, ws, b.ID, crm.BookingConfirmed, system)
	require.NoError(t, err)
	assert.Equal(t, crm.BookingConfirmed, b.Status)
	b, err = e.Svc.SetBookingStatus(ctx, ws, b.ID, crm.BookingCancelled, system)
	require.NoError(t, err)
	assert.Equal(t, crm.BookingCancelled, b.Status)
	busy, err = e.Cal.FreeBusy(ctx, start, start.Add(24*time.Hour))
	require.NoError(t, err)
	assert.Empty(t, busy, "cancelling frees the calendar slot")
	_, err = e.Svc.SetBookingStatus(ctx, ws, b.ID, crm.BookingCompleted, system)
	assert.ErrorIs(t, err, crm.ErrInvalid)
	_, err = e.Svc.SetBookingStatus(ctx, ws, "missing", crm.BookingCompleted, system)
	assert.ErrorIs(t, err, crm.ErrNotFound)

	b2, err := e.Svc.Book(ctx, ws, l.ID, slot, "", true, system)
	require.NoError(t, err)
	assert.Equal(t, crm.BookingConfirmed, b2.Status)
	list, err := e.Svc.Bookings(ctx, ws, l.ID)
	require.NoError(t, err)
	require.Len(t, list, 2)
	got, err := e.Store.Booking(ctx, ws, b2.ID)
	require.NoError(t, err)
	assert.True(t, got.Start.Equal(start))
	assert.Equal(t, b2.CalendarID, got.CalendarID)
}

func testMerge(t *testing.T, e *Env) {
	ctx := t.Context()
	pipeline(t, e, ws)
	win := mustLead(t, e, crm.Phone("+919800000050"))
	lose, _, err := e.Svc.FindOrCreate(ctx, ws, crm.Contact{Identities: []crm.Identity{{Kind: crm.KindIGSID, Value: "ig-77"}}, Name: "Loser"})
	require.NoError(t, err)
	_, err = e.Svc.Tag(ctx, ws, win.ID, system, "a")
	require.NoError(t, err)
	_, err = e.Svc.Update(ctx, ws, lose.ID, crm.LeadUpdate{City: ptr("Delhi"), Score: ptr(90)}, system)
	require.NoError(t, err)
	_, err = e.Svc.Tag(ctx, ws, lose.ID, system, "b")
	require.NoError(t, err)
	// Both have a conversation on pn_1; the loser also one on ig_1.
	wc, err := e.Svc.OpenConversation(ctx, ws, win.ID, "whatsapp", "pn_1")
	require.NoError(t, err)
	lc, err := e.Svc.OpenConversation(ctx, ws, lose.ID, "whatsapp", "pn_1")
	require.NoError(t, err)
	lig, err := e.Svc.OpenConversation(ctx, ws, lose.ID, "instagram", "ig_1")
	require.NoError(t, err)
	_, _, err = e.Svc.RecordMessage(ctx, ws, crm.Message{ConversationID: wc.ID, ProviderID: "w1", Direction: crm.Inbound})
	require.NoError(t, err)
	_, _, err = e.Svc.RecordMessage(ctx, ws, crm.Message{ConversationID: lc.ID, ProviderID: "l1", Direction: crm.Inbound})
	require.NoError(t, err)
	_, _, err = e.Svc.RecordMessage(ctx, ws, crm.Message{ConversationID: lig.ID, ProviderID: "l2", Direction: crm.Inbound})
	require.NoError(t, err)
	start := time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)
	_, err = e.Svc.Book(ctx, ws, lose.ID, crm.Interval{Start: start, End: start.Add(time.Hour)}, "", false, system)
	require.NoError(t, err)
	// A third lead merged into the loser earlier keeps pointing at the survivor.
	third := mustLead(t, e, crm.Email("third@example.com"))
	_, err = e.Svc.Merge(ctx, ws, lose.ID, third.ID, system)
	require.NoError(t, err)

	_, err = e.Svc.Merge(ctx, ws, win.ID, win.ID, system)
	assert.ErrorIs(t, err, crm.ErrInvalid)
	_, err = e.Svc.Merge(ctx, ws, win.ID, "missing", system)
	assert.ErrorIs(t, err, crm.ErrNotFound)

	merged, err := e.Svc.Merge(ctx, ws, win.ID, lose.ID, crm.User("u1"))
	require.NoError(t, err)
	assert.Equal(t, "Asha", merged.Name, "the winner's values win")
	assert.Equal(t, "Delhi", merged.City, "empty winner fields are filled")
	assert.Equal(t, 90, merged.Score)
	assert.Equal(t, []string{"a", "b"}, merged.Tags)
	assert.ElementsMatch(t, []crm.Identity{{Kind: crm.KindPhone, Value: "+919800000050"}, {Kind: crm.KindIGSID, Value: "ig-77"}, {Kind: crm.KindEmail, Value: "third@example.com"}}, merged.Identities)

	gotLoser, err := e.Svc.Lead(ctx, ws, lose.ID)
	require.NoError(t, err)
	assert.Equal(t, win.ID, gotLoser.MergedInto)
	gotThird, err := e.Svc.Lead(ctx, ws, third.ID)
	require.NoError(t, err)
	assert.Equal(t, win.ID, gotThird.MergedInto)
	_, err = e.Svc.Tag(ctx, ws, lose.ID, system, "x")
	assert.ErrorIs(t, err, crm.ErrMerged)
	_, err = e.Svc.Merge(ctx, ws, win.ID, lose.ID, system)
	assert.ErrorIs(t, err, crm.ErrMerged)

	found, created, err := e.Svc.FindOrCreate(ctx, ws, crm.Contact{Identities: []crm.Identity{{Kind: crm.KindIGSID, Value: "ig-77"}}})
	require.NoError(t, err)
	assert.False(t, created)
	assert.Equal(t, win.ID, found.ID)

	convs, err := e.Store.Conversations(ctx, ws, win.ID)
	require.NoError(t, err)
	require.Len(t, convs, 2, "the loser's pn_1 conversation folds into the winner's")
	msgs, err := e.Svc.Messages(ctx, ws, wc.ID)
	require.NoError(t, err)
	assert.Len(t, msgs, 2)
	for _, m := range msgs {
		assert.Equal(t, win.ID, m.LeadID)
	}
	wcAfter, err := e.Svc.Conversation(ctx, ws, wc.ID)
	require.NoError(t, err)
	assert.Equal(t, 2, wcAfter.Unread)
	// An idempotent redelivery of the loser's message still dedups.
	_, inserted, err := e.Svc.RecordMessage(ctx, ws, crm.Message{ConversationID: wc.ID, ProviderID: "l1", Direction: crm.Inbound})
	require.NoError(t, err)
	assert.False(t, inserted)
	bookings, err := e.Svc.Bookings(ctx, ws, win.ID)
	require.NoError(t, err)
	assert.Len(t, bookings, 1)
	acts, err := e.Svc.Activities(ctx, ws, win.ID)
	require.NoError(t, err)
	last := acts[len(acts)-1]
	assert.Equal(t, crm.ActivityMerge, last.Type)
	assert.Equal(t, lose.ID, last.RefID)
	assert.Equal(t, crm.User("u1"), last.Actor)
	var fromLoser int
	for _, a := range acts {
		if a.Type == crm.ActivityBooking {
			fromLoser++
		}
	}
	assert.Equal(t, 1, fromLoser, "the loser's activities moved")
	counts, err := e.Svc.CountByStage(ctx, ws)
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"new": 1}, counts, "merged leads are not counted")
}

func testDeleteExport(t *testing.T, e *Env) {
	ctx := t.Context()
	l := mustLead(t, e, crm.Phone("+919800000060"), crm.Email("x@example.com"))
	c, err := e.Svc.OpenConversation(ctx, ws, l.ID, "whatsapp", "pn_1")
	require.NoError(t, err)
	_, _, err = e.Svc.RecordMessage(ctx, ws, crm.Message{ConversationID: c.ID, ProviderID: "p1", Direction: crm.Inbound, Text: "hi"})
	require.NoError(t, err)
	start := time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)
	_, err = e.Svc.Book(ctx, ws, l.ID, crm.Interval{Start: start, End: start.Add(time.Hour)}, "", false, system)
	require.NoError(t, err)
	_, err = e.Svc.Note(ctx, ws, l.ID, "note", system)
	require.NoError(t, err)
	other := mustLead(t, e, crm.Phone("+919800000061"))
	_, err = e.Svc.Merge(ctx, ws, l.ID, other.ID, system)
	require.NoError(t, err)

	ex, err := e.Svc.Export(ctx, ws, l.ID)
	require.NoError(t, err)
	assert.Equal(t, l.ID, ex.Lead.ID)
	assert.Len(t, ex.Lead.Identities, 3)
	assert.Len(t, ex.Conversations, 1)
	assert.Len(t, ex.Messages, 1)
	assert.Equal(t, "hi", ex.Messages[0].Text)
	assert.Len(t, ex.Bookings, 1)
	assert.GreaterOrEqual(t, len(ex.Activities), 4)

	require.NoError(t, e.Svc.Delete(ctx, ws, l.ID))
	_, err = e.Svc.Lead(ctx, ws, l.ID)
	assert.ErrorIs(t, err, crm.ErrNotFound)
	_, err = e.Svc.Lead(ctx, ws, other.ID)
	assert.ErrorIs(t, err, crm.ErrNotFound, "leads merged into an erased lead are erased")
	_, err = e.Svc.Conversation(ctx, ws, c.ID)
	assert.ErrorIs(t, err, crm.ErrNotFound)
	_, err = e.Svc.UpdateMessageStatus(ctx, ws, "pn_1", "p1", crm.MessageRead, "")
	assert.ErrorIs(t, err, crm.ErrNotFound)
	_, err = e.Svc.Export(ctx, ws, l.ID)
	assert.ErrorIs(t, err, crm.ErrNotFound)
	assert.ErrorIs(t, e.Svc.Delete(ctx, ws, l.ID), crm.ErrNotFound)
	// The identities are free again.
	again, created, err := e.Svc.FindOrCreate(ctx, ws, crm.Contact{Identities: []crm.Identity{crm.Phone("+919800000060")}})
	require.NoError(t, err)
	assert.True(t, created)
	assert.NotEqual(t, l.ID, again.ID)
}

func testSearch(t *testing.T, e *Env) {
	ctx := t.Context()
	pipeline(t, e, ws)
	require.NoError(t, e.Svc.DefineField(ctx, ws, crm.FieldDef{Key: "course", Type: crm.FieldEnum, Options: []string{"MBA", "BBA"}}))
	var ids []string
	for i := range 25 {
		e.Clock.Advance(time.Minute)
		l, _, err := e.Svc.FindOrCreate(ctx, ws, crm.Contact{
			Identities: []crm.Identity{crm.Phone(fmt.Sprintf("+9198000001%02d", i))},
			Name:       fmt.Sprintf("Lead %02d", i),
			Source:     crm.Source{Channel: []string{"whatsapp", "instagram"}[i%2], Campaign: "c1"},
		})
		require.NoError(t, err)
		ids = append(ids, l.ID)
		course := []string{"MBA", "BBA"}[i%2]
		upd := crm.LeadUpdate{Score: ptr(i * 4), Custom: map[string]string{"course": course}}
		if i%3 == 0 {
			upd.Stage = ptr("qualified")
		}
		_, err = e.Svc.Update(ctx, ws, l.ID, upd, system)
		require.NoError(t, err)
		if i%5 == 0 {
			_, err = e.Svc.Tag(ctx, ws, l.ID, system, "hot", "vip")
			require.NoError(t, err)
		} else if i%5 == 1 {
			_, err = e.Svc.Tag(ctx, ws, l.ID, system, "hot")
			require.NoError(t, err)
		}
	}
	_, _, err := e.Svc.FindOrCreate(ctx, other, crm.Contact{Identities: []crm.Identity{crm.Phone("+919800000100")}, Name: "Lead 00"})
	require.NoError(t, err)

	count := func(q crm.Query) int {
		t.Helper()
		n := 0
		for _, err := range e.Svc.All(ctx, ws, q) {
			require.NoError(t, err)
			n++
		}
		return n
	}
	t0 := e.Clock.Now()
	assert.Equal(t, 25, count(crm.Query{}))
	assert.Equal(t, 9, count(crm.Query{Stage: "qualified"}))
	assert.Equal(t, 10, count(crm.Query{Tags: []string{"hot"}}))
	assert.Equal(t, 5, count(crm.Query{Tags: []string{"hot", "vip"}}))
	assert.Equal(t, 13, count(crm.Query{Channel: "whatsapp"}))
	assert.Equal(t, 25, count(crm.Query{Campaign: "c1"}))
	assert.Equal(t, 12, count(crm.Query{Custom: map[string]string{"course": "BBA"}}))
	assert.Equal(t, 6, count(crm.Query{MinScore: ptr(40), MaxScore: ptr(60)}))
	assert.Equal(t, 3, count(crm.Query{ActiveAfter: t0.Add(-2 * time.Minute)}))
	assert.Equal(t, 22, count(crm.Query{ActiveBefore: t0.Add(-2 * time.Minute)}))
	assert.Equal(t, 1, count(crm.Query{Text: "lead 07"}))
	assert.Equal(t, 1, count(crm.Query{Text: "800000107"}))
	assert.Equal(t, 2, count(crm.Query{Stage: "qualified", Channel: "whatsapp", Tags: []string{"hot"}}))
	assert.Equal(t, 0, count(crm.Query{Stage: "won"}))

	// Paging: pages of 10 in id order cover everything once.
	var seen []string
	q := crm.Query{Limit: 10}
	pages := 0
	for {
		p, err := e.Svc.Search(ctx, ws, q)
		require.NoError(t, err)
		pages++
		for _, l := range p.Leads {
			seen = append(seen, l.ID)
		}
		if p.Next == "" {
			break
		}
		q.Cursor = p.Next
	}
	assert.Equal(t, 3, pages)
	assert.Equal(t, ids, seen)
	// Stopping early stops the iterator.
	n := 0
	for range e.Svc.All(ctx, ws, crm.Query{Limit: 2}) {
		n++
		if n == 3 {
			break
		}
	}
	assert.Equal(t, 3, n)

	_, err = e.Svc.Search(ctx, ws, crm.Query{MinScore: ptr(5), MaxScore: ptr(1)})
	assert.ErrorIs(t, err, crm.ErrInvalid)
	_, err = e.Svc.Search(ctx, ws, crm.Query{Cursor: "'; drop table"})
	assert.ErrorIs(t, err, crm.ErrInvalid)

	counts, err := e.Svc.CountByStage(ctx, ws)
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"new": 16, "qualified": 9}, counts)
}

func testMatchCalls(t *testing.T, e *Env) {
	ctx := t.Context()
	known := mustLead(t, e, crm.Phone("+919800000070"))
	at := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	calls := []crm.CallRecord{
		{DeviceID: "dev1", Number: "098000 00070", At: at, Direction: crm.CallIncoming, Type: crm.CallAnswered, Duration: 95 * time.Second, SyncSource: "android", UserID: "u1", ContactName: "Secret Name"},
		{DeviceID: "dev1", Number: "+91 98000 00070", At: at.Add(time.Hour), Direction: crm.CallOutgoing, Type: crm.CallMissed, UserID: "u1"},
		{DeviceID: "dev1", Number: "+91 98000 00070", At: at.Add(time.Hour), Direction: crm.CallOutgoing, Type: crm.CallMissed, UserID: "u1"}, // same call twice in one batch
		{DeviceID: "dev1", Number: "+919811111111", At: at, ContactName: "Stranger"},
		{DeviceID: "dev1", Number: "not a number", At: at},
		{DeviceID: "", Number: "+919800000070", At: at},
	}
	res, err := e.Svc.MatchCalls(ctx, ws, calls)
	require.NoError(t, err)
	assert.Equal(t, crm.CallMatchResult{Total: 6, Matched: 3, Recorded: 2, Duplicates: 1, Unmatched: 1, Invalid: 2}, res)

	res, err = e.Svc.MatchCalls(ctx, ws, calls)
	require.NoError(t, err)
	assert.Equal(t, crm.CallMatchResult{Total: 6, Matched: 3, Recorded: 0, Duplicates: 3, Unmatched: 1, Invalid: 2}, res, "a second sync records nothing")

	acts, err := e.Svc.Activities(ctx, ws, known.ID)
	require.NoError(t, err)
	var callActs []crm.Activity
	for _, a := range acts {
		if a.Type == crm.ActivityCall {
			callActs = append(callActs, a)
		}
	}
	require.Len(t, callActs, 2)
	assert.Equal(t, &crm.CallDetails{Direction: crm.CallIncoming, Type: crm.CallAnswered, Duration: 95 * time.Second, DeviceID: "dev1", SyncSource: "android", UserID: "u1"}, callActs[0].Call)
	assert.True(t, callActs[0].At.Equal(at))
	assert.Equal(t, crm.User("u1"), callActs[0].Actor)
	for _, a := range callActs {
		assert.NotContains(t, fmt.Sprintf("%+v %+v", a, *a.Call), "Secret Name")
		assert.NotContains(t, a.DedupKey, "9800000070")
	}
	// Unmatched numbers leave nothing behind: no lead was created.
	_, err = e.Svc.LeadByIdentity(ctx, ws, crm.Phone("+919811111111"))
	assert.ErrorIs(t, err, crm.ErrNotFound)
	n := 0
	for range e.Svc.All(ctx, ws, crm.Query{}) {
		n++
	}
	assert.Equal(t, 1, n)
	// Another workspace sees no match.
	res, err = e.Svc.MatchCalls(ctx, other, calls[:1])
	require.NoError(t, err)
	assert.Equal(t, 1, res.Unmatched)
}

func testImport(t *testing.T, e *Env) {
	ctx := t.Context()
	pipeline(t, e, ws)
	require.NoError(t, e.Svc.DefineField(ctx, ws, crm.FieldDef{Key: "budget_lakh", Type: crm.FieldNumber}))
	existing := mustLead(t, e, crm.Phone("+919800000080"))

	good := "Name,Phone,Email,Stage,Tags,Score,custom.budget_lakh,City\n" +
		"Asha,098000 00081,asha@example.com,qualified,hot;mba,40,12.5,'=Pune\n" +
		"Ravi,+919800000082,,,,,,\n" +
		"\n" +
		"Meena,,meena@example.com,won,,,,\n"
	n, err := e.Svc.ImportCSV(ctx, ws, stringsReader(good), crm.User("u1"))
	require.NoError(t, err)
	assert.Equal(t, 3, n)
	asha, err := e.Svc.LeadByIdentity(ctx, ws, crm.Phone("+919800000081"))
	require.NoError(t, err)
	assert.Equal(t, "Asha", asha.Name)
	assert.Equal(t, "asha@example.com", asha.Email())
	assert.Equal(t, "qualified", asha.Stage)
	assert.Equal(t, []string{"hot", "mba"}, asha.Tags)
	assert.Equal(t, 40, asha.Score)
	assert.Equal(t, "=Pune", asha.City)
	assert.Equal(t, map[string]string{"budget_lakh": "12.5"}, asha.Custom)
	assert.Equal(t, "import", asha.Source.Channel)
	ravi, err := e.Svc.LeadByIdentity(ctx, ws, crm.Phone("+919800000082"))
	require.NoError(t, err)
	assert.Equal(t, "new", ravi.Stage)
	acts, err := e.Svc.Activities(ctx, ws, ravi.ID)
	require.NoError(t, err)
	require.Len(t, acts, 1)
	assert.Equal(t, crm.ActivityImport, acts[0].Type)

	before, err := e.Svc.CountByStage(ctx, ws)
	require.NoError(t, err)
	bad := "name,phone,email,stage,custom.budget_lakh\n" +
		"Ok,+919800000090,,,\n" +
		"BadPhone,12,,,\n" +
		"BadStage,+919800000091,,lost,\n" +
		"BadNum,+919800000092,,,lots\n" +
		"Dup,+919800000090,,,\n" +
		"Taken,+919800000080,,,\n" +
		"NoIdentity,,,,\n"
	_, err = e.Svc.ImportCSV(ctx, ws, stringsReader(bad), system)
	var ie *crm.ImportError
	require.ErrorAs(t, err, &ie)
	var rows []int
	var fields []string
	for _, r := range ie.Rows {
		rows = append(rows, r.Row)
		var ve *crm.ValidationError
		if errors.As(r.Err, &ve) {
			fields = append(fields, ve.Field)
		} else {
			assert.ErrorIs(t, r.Err, crm.ErrConflict)
			fields = append(fields, "conflict")
		}
	}
	assert.Equal(t, []int{2, 3, 4, 5, 7}, rows)
	assert.Equal(t, []string{"phone", "stage", "custom.budget_lakh", "conflict", "identities"}, fields)
	assert.NotContains(t, err.Error(), "9800000090")
	after, err := e.Svc.CountByStage(ctx, ws)
	require.NoError(t, err)
	assert.Equal(t, before, after, "nothing was imported")

	// Conflicts with existing leads are reported per row; nothing written.
	_, err = e.Svc.ImportCSV(ctx, ws, stringsReader("phone\n+919800000093\n+919800000080\n"), system)
	require.ErrorAs(t, err, &ie)
	require.Len(t, ie.Rows, 1)
	assert.Equal(t, 2, ie.Rows[0].Row)
	assert.ErrorIs(t, err, crm.ErrConflict)
	_, err = e.Svc.LeadByIdentity(ctx, ws, crm.Phone("+919800000093"))
	assert.ErrorIs(t, err, crm.ErrNotFound)
	_ = existing

	_, err = e.Svc.ImportCSV(ctx, ws, stringsReader("name,shoe_size\nx,9\n"), system)
	require.ErrorAs(t, err, &ie)
	assert.Equal(t, 0, ie.Rows[0].Row)

	// Export writes what import reads.
	var buf bytesBuffer
	n, err = e.Svc.ExportCSV(ctx, ws, &buf, crm.Query{Stage: "qualified"})
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	assert.Contains(t, buf.String(), "custom.budget_lakh")
	assert.Contains(t, buf.String(), "'=Pune", "formula cells are escaped")
	e2 := NewEnv(t, func(*testing.T) crm.Store { return e.Store })
	require.NoError(t, e2.Svc.SetStages(ctx, other, []crm.Stage{{Key: "qualified"}}))
	require.NoError(t, e2.Svc.DefineField(ctx, other, crm.FieldDef{Key: "budget_lakh", Type: crm.FieldNumber}))
	n, err = e2.Svc.ImportCSV(ctx, other, stringsReader(buf.String()), system)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	copyOf, err := e2.Svc.LeadByIdentity(ctx, other, crm.Phone("+919800000081"))
	require.NoError(t, err)
	assert.Equal(t, asha.Custom, copyOf.Custom)
	assert.Equal(t, asha.Tags, copyOf.Tags)
	assert.Equal(t, "=Pune", copyOf.City)
}

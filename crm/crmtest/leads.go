package crmtest

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/crm"
)

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

	// A lead without a name (imported, or from a call) takes the profile name
	// of the first contact that has one; a name is never overwritten.
	_, err = e.Svc.ImportCSV(ctx, ws, strings.NewReader("phone\n+919800000400\n"), system)
	require.NoError(t, err)
	named, _, err := e.Svc.FindOrCreate(ctx, ws, crm.Contact{Identities: []crm.Identity{crm.Phone("+919800000400")}, Name: "Ravi"})
	require.NoError(t, err)
	assert.Equal(t, "Ravi", named.Name)
	named, _, err = e.Svc.FindOrCreate(ctx, ws, crm.Contact{Identities: []crm.Identity{crm.Phone("+919800000400")}, Name: "Someone Else"})
	require.NoError(t, err)
	assert.Equal(t, "Ravi", named.Name)
	stored, err := e.Svc.Lead(ctx, ws, named.ID)
	require.NoError(t, err)
	assert.Equal(t, "Ravi", stored.Name)

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

// testUpdateConcurrent checks that read-modify-writes are atomic: concurrent
// taggers and scorers lose none of each other's changes.
func testUpdateConcurrent(t *testing.T, e *Env) {
	l := mustLead(t, e, crm.Phone("+919800000556"))
	const n = 10
	var wg sync.WaitGroup
	errs := make([]error, 2*n)
	for i := range n {
		wg.Go(func() {
			_, errs[i] = e.Svc.Tag(t.Context(), ws, l.ID, system, fmt.Sprintf("t%02d", i))
		})
		wg.Go(func() {
			_, errs[n+i] = e.Svc.Note(t.Context(), ws, l.ID, "n", system)
		})
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	got, err := e.Svc.Lead(t.Context(), ws, l.ID)
	require.NoError(t, err)
	assert.Len(t, got.Tags, n)
	acts, err := e.Svc.Activities(t.Context(), ws, l.ID)
	require.NoError(t, err)
	assert.Len(t, acts, 1+2*n)
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
		"name":              {Name: ptr(strings.Repeat("x", 1001))},
		"score_reasons":     {Score: ptr(1), ScoreReasons: make([]string, 21)},
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

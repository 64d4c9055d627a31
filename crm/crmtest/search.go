package crmtest

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/crm"
)

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
			Source:     crm.Source{Channel: []string{"whatsapp", "instagram"}[i%2], Campaign: "c1", AdID: fmt.Sprintf("ad%d", i%4)},
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
	assert.Equal(t, 7, count(crm.Query{AdID: "ad0"}))
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
	n, err := e.Svc.ImportCSV(ctx, ws, strings.NewReader(good), crm.User("u1"))
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
	_, err = e.Svc.ImportCSV(ctx, ws, strings.NewReader(bad), system)
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
	assert.Equal(t, 3, ie.Rows[0].Line)
	assert.Equal(t, []string{"phone", "stage", "custom.budget_lakh", "conflict", "identities"}, fields)
	assert.NotContains(t, err.Error(), "9800000090")
	after, err := e.Svc.CountByStage(ctx, ws)
	require.NoError(t, err)
	assert.Equal(t, before, after, "nothing was imported")

	// Conflicts with existing leads are reported per row; nothing written.
	_, err = e.Svc.ImportCSV(ctx, ws, strings.NewReader("phone\n+919800000093\n+919800000080\n"), system)
	require.ErrorAs(t, err, &ie)
	require.Len(t, ie.Rows, 1)
	assert.Equal(t, 2, ie.Rows[0].Row)
	assert.ErrorIs(t, err, crm.ErrConflict)
	_, err = e.Svc.LeadByIdentity(ctx, ws, crm.Phone("+919800000093"))
	assert.ErrorIs(t, err, crm.ErrNotFound)
	_ = existing

	_, err = e.Svc.ImportCSV(ctx, ws, strings.NewReader("name,shoe_size\nx,9\n"), system)
	require.ErrorAs(t, err, &ie)
	assert.Equal(t, 0, ie.Rows[0].Row)

	// Export writes what import reads.
	var buf bytes.Buffer
	n, err = e.Svc.ExportCSV(ctx, ws, &buf, crm.Query{Stage: "qualified"})
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	assert.Contains(t, buf.String(), "custom.budget_lakh")
	assert.Contains(t, buf.String(), "'=Pune", "formula cells are escaped")
	e2 := NewEnv(t, func(*testing.T) crm.Store { return e.Store })
	require.NoError(t, e2.Svc.SetStages(ctx, other, []crm.Stage{{Key: "qualified"}}))
	require.NoError(t, e2.Svc.DefineField(ctx, other, crm.FieldDef{Key: "budget_lakh", Type: crm.FieldNumber}))
	n, err = e2.Svc.ImportCSV(ctx, other, strings.NewReader(buf.String()), system)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	copyOf, err := e2.Svc.LeadByIdentity(ctx, other, crm.Phone("+919800000081"))
	require.NoError(t, err)
	assert.Equal(t, asha.Custom, copyOf.Custom)
	assert.Equal(t, asha.Tags, copyOf.Tags)
	assert.Equal(t, "=Pune", copyOf.City)
}

package crmtest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/crm"
)

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
	resolved, err := e.Svc.Resolve(ctx, ws, third.ID)
	require.NoError(t, err)
	assert.Equal(t, win.ID, resolved.ID, "old references resolve to the survivor")
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
	require.Len(t, ex.MergedLeads, 1)
	assert.Equal(t, other.ID, ex.MergedLeads[0].ID)
	assert.Equal(t, l.ID, ex.MergedLeads[0].MergedInto)

	require.NoError(t, e.Svc.Delete(ctx, ws, l.ID))
	busy, err := e.Cal.FreeBusy(ctx, start, start.Add(24*time.Hour))
	require.NoError(t, err)
	assert.Empty(t, busy, "erasure cancels the lead's calendar events")
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

package crmtest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/crm"
)

// testIsolation creates a full lead in workspace A and then uses every id it
// produced from workspace B: each read and write must be ErrNotFound and
// leave A untouched.
func testIsolation(t *testing.T, e *Env) {
	ctx := t.Context()
	pipeline(t, e, ws)
	pipeline(t, e, other)
	require.NoError(t, e.Svc.DefineField(ctx, ws, crm.FieldDef{Key: "course", Type: crm.FieldText}))
	l := mustLead(t, e, crm.Phone("+919800000099"), crm.Email("iso@example.com"))
	loser := mustLead(t, e, crm.Phone("+919800000098"))
	c, err := e.Svc.OpenConversation(ctx, ws, l.ID, "whatsapp", "pn_1")
	require.NoError(t, err)
	_, _, err = e.Svc.RecordMessage(ctx, ws, crm.Message{ConversationID: c.ID, ProviderID: "iso1", Direction: crm.Outbound})
	require.NoError(t, err)
	start := time.Date(2026, 3, 9, 10, 0, 0, 0, time.UTC)
	b, err := e.Svc.Book(ctx, ws, l.ID, crm.Interval{Start: start, End: start.Add(time.Hour)}, "", false, system)
	require.NoError(t, err)
	before, err := e.Svc.Export(ctx, ws, l.ID)
	require.NoError(t, err)

	st := e.Store
	nop := func(*crm.Lead) ([]crm.Activity, error) { return nil, nil }
	checks := map[string]func() error{
		"Lead": func() error { _, err := st.Lead(ctx, other, l.ID); return err },
		"LeadByIdentity": func() error {
			_, err := st.LeadByIdentity(ctx, other, crm.Identity{Kind: crm.KindPhone, Value: "+919800000099"})
			return err
		},
		"UpdateLead": func() error { _, err := st.UpdateLead(ctx, other, l.ID, nop); return err },
		"AddIdentity": func() error {
			return st.AddIdentity(ctx, other, l.ID, crm.Identity{Kind: crm.KindPSID, Value: "p1"})
		},
		"RemoveIdentity": func() error {
			return st.RemoveIdentity(ctx, other, l.ID, crm.Identity{Kind: crm.KindPhone, Value: "+919800000099"})
		},
		"DeleteLead": func() error { return st.DeleteLead(ctx, other, l.ID) },
		"MergeLeads": func() error {
			_, err := st.MergeLeads(ctx, other, l.ID, loser.ID, func(w, _ *crm.Lead) (crm.Activity, error) {
				return crm.Activity{ID: crm.NewID(e.Clock.Now()), LeadID: w.ID, Type: crm.ActivityMerge, At: e.Clock.Now()}, nil
			})
			return err
		},
		"AddActivities": func() error {
			_, err := st.AddActivities(ctx, other, []crm.Activity{{ID: crm.NewID(e.Clock.Now()), LeadID: l.ID, Type: crm.ActivityNote, At: e.Clock.Now()}})
			return err
		},
		"Activities":  func() error { _, err := st.Activities(ctx, other, l.ID); return err },
		"MergedLeads": func() error { _, err := st.MergedLeads(ctx, other, l.ID); return err },
		"OpenConversation": func() error {
			_, err := st.OpenConversation(ctx, other, &crm.Conversation{ID: crm.NewID(e.Clock.Now()), LeadID: l.ID, Channel: "whatsapp", ChannelAccount: "pn_9", Status: crm.StatusOpen})
			return err
		},
		"Conversation":  func() error { _, err := st.Conversation(ctx, other, c.ID); return err },
		"Conversations": func() error { _, err := st.Conversations(ctx, other, l.ID); return err },
		"UpdateConversation": func() error {
			_, err := st.UpdateConversation(ctx, other, c.ID, func(c *crm.Conversation) error { c.Unread = 99; return nil })
			return err
		},
		"InsertMessage": func() error {
			_, _, err := st.InsertMessage(ctx, other, &crm.Message{ID: crm.NewID(e.Clock.Now()), ConversationID: c.ID, ProviderID: "iso2", Direction: crm.Inbound, Status: crm.MessageReceived, At: e.Clock.Now()}, crm.Activity{ID: crm.NewID(e.Clock.Now()), Type: crm.ActivityMessage, At: e.Clock.Now()})
			return err
		},
		"UpdateMessageStatus": func() error {
			_, err := st.UpdateMessageStatus(ctx, other, "pn_1", "iso1", crm.MessageRead, "", e.Clock.Now())
			return err
		},
		"Messages": func() error { _, err := st.Messages(ctx, other, c.ID); return err },
		"CreateBooking": func() error {
			return st.CreateBooking(ctx, other, &crm.Booking{ID: crm.NewID(e.Clock.Now()), LeadID: l.ID, Start: start, End: start.Add(time.Hour), Status: crm.BookingProposed})
		},
		"UpdateBooking": func() error {
			_, err := st.UpdateBooking(ctx, other, b.ID, func(b *crm.Booking) error { b.Status = crm.BookingCancelled; return nil })
			return err
		},
		"Booking":     func() error { _, err := st.Booking(ctx, other, b.ID); return err },
		"Bookings":    func() error { _, err := st.Bookings(ctx, other, l.ID); return err },
		"DeleteField": func() error { return st.DeleteField(ctx, other, "course") },
	}
	for name, fn := range checks {
		assert.ErrorIs(t, fn(), crm.ErrNotFound, name)
	}
	// Lists and lookups in B see none of A's data.
	page, err := st.SearchLeads(ctx, other, crm.Query{})
	require.NoError(t, err)
	assert.Empty(t, page.Leads)
	counts, err := st.CountByStage(ctx, other)
	require.NoError(t, err)
	assert.Empty(t, counts)
	phones, err := st.LeadsByPhone(ctx, other, []string{"+919800000099"})
	require.NoError(t, err)
	assert.Empty(t, phones)
	fields, err := st.Fields(ctx, other)
	require.NoError(t, err)
	assert.Empty(t, fields)
	// The same identity in B is a different lead.
	bl, created, err := e.Svc.FindOrCreate(ctx, other, crm.Contact{Identities: []crm.Identity{crm.Phone("+919800000099")}})
	require.NoError(t, err)
	assert.True(t, created)
	assert.NotEqual(t, l.ID, bl.ID)

	after, err := e.Svc.Export(ctx, ws, l.ID)
	require.NoError(t, err)
	assert.Equal(t, before, after, "workspace A is untouched")
	_, err = e.Svc.Lead(ctx, ws, loser.ID)
	require.NoError(t, err)
}

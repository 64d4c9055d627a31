package crmtest

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/crm"
)

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
	convs, err := e.Svc.Conversations(ctx, ws, l.ID)
	require.NoError(t, err)
	assert.Len(t, convs, 2)

	// Stored messages are on the timeline (duplicates are not) and move the
	// lead's last activity.
	_, _, err = e.Svc.RecordMessage(ctx, ws, crm.Message{ConversationID: c.ID, ProviderID: "wamid.4", Direction: crm.Outbound, Author: crm.User("u7"), At: e.Clock.Now().Add(time.Hour)})
	require.NoError(t, err)
	acts, err := e.Svc.Activities(ctx, ws, l.ID)
	require.NoError(t, err)
	var msgActs []crm.Activity
	for _, a := range acts {
		if a.Type == crm.ActivityMessage {
			msgActs = append(msgActs, a)
		}
	}
	require.Len(t, msgActs, 5)
	assert.Equal(t, crm.Actor{Kind: crm.ActorLead}, msgActs[0].Actor)
	assert.Equal(t, "in", msgActs[0].Text)
	assert.Equal(t, m.ID, msgActs[0].RefID)
	last := msgActs[4]
	assert.Equal(t, crm.User("u7"), last.Actor)
	assert.Equal(t, "out", last.Text)
	got, err := e.Svc.Lead(ctx, ws, l.ID)
	require.NoError(t, err)
	assert.True(t, got.LastActivityAt.Equal(e.Clock.Now().Add(time.Hour)))
	msgs, err = e.Svc.Messages(ctx, ws, c.ID)
	require.NoError(t, err)
	assert.Equal(t, crm.User("u7"), msgs[len(msgs)-1].Author)
	assert.Equal(t, crm.Actor{Kind: crm.ActorLead}, msgs[0].Author)
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

	// Rescheduling reserves the new slot and frees the old one.
	later := crm.Interval{Start: start.Add(2 * time.Hour), End: start.Add(3 * time.Hour)}
	moved, err := e.Svc.Reschedule(ctx, ws, b2.ID, later, crm.User("u1"))
	require.NoError(t, err)
	assert.True(t, moved.Start.Equal(later.Start))
	assert.NotEqual(t, b2.CalendarID, moved.CalendarID)
	busy, err = e.Cal.FreeBusy(ctx, start, start.Add(24*time.Hour))
	require.NoError(t, err)
	require.Len(t, busy, 1)
	assert.True(t, busy[0].Start.Equal(later.Start))
	_, err = e.Svc.Reschedule(ctx, ws, b.ID, later, system)
	assert.ErrorIs(t, err, crm.ErrInvalid, "a cancelled booking cannot move")
	_, err = e.Svc.Reschedule(ctx, ws, "missing", later, system)
	assert.ErrorIs(t, err, crm.ErrNotFound)
	b2 = moved
	list, err := e.Svc.Bookings(ctx, ws, l.ID)
	require.NoError(t, err)
	require.Len(t, list, 2)
	got, err := e.Store.Booking(ctx, ws, b2.ID)
	require.NoError(t, err)
	assert.True(t, got.Start.Equal(later.Start))
	assert.Equal(t, b2.CalendarID, got.CalendarID)
}

func testInbox(t *testing.T, e *Env) {
	ctx := t.Context()
	var convs []*crm.Conversation
	for i := range 5 {
		l := mustLead(t, e, crm.Phone(fmt.Sprintf("+9198000007%02d", i)))
		c, err := e.Svc.OpenConversation(ctx, ws, l.ID, "whatsapp", "pn_1")
		require.NoError(t, err)
		convs = append(convs, c)
	}
	// Messages arrive on 0, 1, 2, 3 in the order 2, 0, 3, 1; 4 has none.
	for i, idx := range []int{2, 0, 3, 1} {
		_, _, err := e.Svc.RecordMessage(ctx, ws, crm.Message{
			ConversationID: convs[idx].ID, ProviderID: fmt.Sprintf("inbox.%d", i), Direction: crm.Inbound,
			At: e.Clock.Now().Add(time.Duration(i+1) * time.Minute),
		})
		require.NoError(t, err)
	}
	resolved, handoff := crm.StatusResolved, true
	_, err := e.Svc.UpdateConversation(ctx, ws, convs[3].ID, crm.ConversationUpdate{Status: &resolved, MarkRead: true})
	require.NoError(t, err)
	_, err = e.Svc.UpdateConversation(ctx, ws, convs[0].ID, crm.ConversationUpdate{Assignee: ptr("u1"), Handoff: &handoff})
	require.NoError(t, err)

	ids := func(q crm.InboxQuery) []string {
		t.Helper()
		var out []string
		for {
			p, err := e.Svc.Inbox(ctx, ws, q)
			require.NoError(t, err)
			for _, c := range p.Conversations {
				out = append(out, c.ID)
			}
			if p.Next == "" {
				return out
			}
			q.Cursor = p.Next
		}
	}
	id := func(idx ...int) []string {
		var out []string
		for _, i := range idx {
			out = append(out, convs[i].ID)
		}
		return out
	}
	assert.Equal(t, id(1, 3, 0, 2, 4), ids(crm.InboxQuery{}), "most recent message first, silent ones last")
	assert.Equal(t, id(1, 3, 0, 2, 4), ids(crm.InboxQuery{Limit: 2}), "paging keeps the order")
	assert.Equal(t, id(1, 0, 2, 4), ids(crm.InboxQuery{Status: crm.StatusOpen, Limit: 1}))
	assert.Equal(t, id(0), ids(crm.InboxQuery{Assignee: "u1"}))
	assert.Equal(t, id(1, 3, 2, 4), ids(crm.InboxQuery{Unassigned: true}))
	assert.Equal(t, id(0), ids(crm.InboxQuery{Handoff: ptr(true)}))
	assert.Equal(t, id(1, 0, 2), ids(crm.InboxQuery{UnreadOnly: true}))
	assert.Empty(t, ids(crm.InboxQuery{ChannelAccount: "pn_2"}))
	assert.Len(t, ids(crm.InboxQuery{Channel: "whatsapp"}), 5)

	_, err = e.Svc.Inbox(ctx, ws, crm.InboxQuery{Cursor: "nope"})
	assert.ErrorIs(t, err, crm.ErrInvalid)
	_, err = e.Svc.Inbox(ctx, ws, crm.InboxQuery{Status: "closed"})
	assert.ErrorIs(t, err, crm.ErrInvalid)
	p, err := e.Svc.Inbox(ctx, other, crm.InboxQuery{})
	require.NoError(t, err)
	assert.Empty(t, p.Conversations, "another workspace sees none")
}

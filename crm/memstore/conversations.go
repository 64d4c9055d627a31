package memstore

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/botsync/botsync/crm"
)

// OpenConversation implements crm.Store.
func (s *Store) OpenConversation(_ context.Context, wsID string, conv *crm.Conversation) (*crm.Conversation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.peek(wsID)
	l, ok := w.leads[conv.LeadID]
	if !ok {
		return nil, crm.ErrNotFound
	}
	if l.MergedInto != "" {
		return nil, crm.ErrMerged
	}
	key := [2]string{conv.LeadID, conv.ChannelAccount}
	if id, ok := w.convByKey[key]; ok {
		c := *w.convs[id]
		return &c, nil
	}
	c := *conv
	w.convs[c.ID] = &c
	w.convByKey[key] = c.ID
	out := c
	return &out, nil
}

// Conversation implements crm.Store.
func (s *Store) Conversation(_ context.Context, wsID, id string) (*crm.Conversation, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	c, ok := s.peek(wsID).convs[id]
	if !ok {
		return nil, crm.ErrNotFound
	}
	out := *c
	return &out, nil
}

// Conversations implements crm.Store.
func (s *Store) Conversations(_ context.Context, wsID, leadID string) ([]*crm.Conversation, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	w := s.peek(wsID)
	if _, ok := w.leads[leadID]; !ok {
		return nil, crm.ErrNotFound
	}
	var out []*crm.Conversation
	for _, id := range sortedKeys(w.convs) {
		if c := w.convs[id]; c.LeadID == leadID {
			cc := *c
			out = append(out, &cc)
		}
	}
	return out, nil
}

// UpdateConversation implements crm.Store.
func (s *Store) UpdateConversation(_ context.Context, wsID, id string, fn func(*crm.Conversation) error) (*crm.Conversation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.peek(wsID).convs[id]
	if !ok {
		return nil, crm.ErrNotFound
	}
	cp := *c
	if err := fn(&cp); err != nil {
		return nil, err
	}
	c.Status, c.Assignee, c.Handoff, c.Unread, c.UpdatedAt = cp.Status, cp.Assignee, cp.Handoff, cp.Unread, cp.UpdatedAt
	out := *c
	return &out, nil
}

func copyMessage(m *crm.Message) *crm.Message {
	c := *m
	c.Media = slices.Clone(m.Media)
	return &c
}

// InsertMessage implements crm.Store.
func (s *Store) InsertMessage(_ context.Context, wsID string, m *crm.Message, act crm.Activity) (*crm.Message, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.peek(wsID)
	c, ok := w.convs[m.ConversationID]
	if !ok {
		return nil, false, crm.ErrNotFound
	}
	if m.ProviderID != "" {
		if id, dup := w.msgByProv[[2]string{c.ChannelAccount, m.ProviderID}]; dup {
			return copyMessage(w.msgs[id]), false, nil
		}
	}
	if _, dup := w.msgs[m.ID]; dup {
		return nil, false, crm.ErrConflict
	}
	stored := copyMessage(m)
	stored.LeadID, stored.ChannelAccount = c.LeadID, c.ChannelAccount
	w.msgs[stored.ID] = stored
	if m.ProviderID != "" {
		w.msgByProv[[2]string{c.ChannelAccount, m.ProviderID}] = stored.ID
	}
	w.convMsgs[c.ID] = append(w.convMsgs[c.ID], stored.ID)
	if m.At.After(c.LastMessageAt) {
		c.LastMessageAt = m.At
	}
	if m.Direction == crm.Inbound {
		c.Unread++
		if m.At.After(c.LastInboundAt) {
			c.LastInboundAt = m.At
		}
	}
	act.LeadID = c.LeadID
	w.addActivity(act)
	return copyMessage(stored), true, nil
}

// UpdateMessageStatus implements crm.Store.
func (s *Store) UpdateMessageStatus(_ context.Context, wsID, account, providerID string, status crm.MessageStatus, errText string, at time.Time) (*crm.Message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.peek(wsID)
	id, ok := w.msgByProv[[2]string{account, providerID}]
	if !ok {
		return nil, crm.ErrNotFound
	}
	m := w.msgs[id]
	if m.Status.Advance(status) {
		m.Status, m.UpdatedAt = status, at
		if status == crm.MessageFailed {
			m.Error = errText
		}
	}
	return copyMessage(m), nil
}

// Messages implements crm.Store.
func (s *Store) Messages(_ context.Context, wsID, convID string) ([]*crm.Message, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	w := s.peek(wsID)
	if _, ok := w.convs[convID]; !ok {
		return nil, crm.ErrNotFound
	}
	out := make([]*crm.Message, 0, len(w.convMsgs[convID]))
	for _, id := range w.convMsgs[convID] {
		out = append(out, copyMessage(w.msgs[id]))
	}
	slices.SortStableFunc(out, func(a, b *crm.Message) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// CreateBooking implements crm.Store.
func (s *Store) CreateBooking(_ context.Context, wsID string, b *crm.Booking) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.peek(wsID)
	if _, ok := w.leads[b.LeadID]; !ok {
		return crm.ErrNotFound
	}
	if _, dup := w.bookings[b.ID]; dup {
		return crm.ErrConflict
	}
	c := *b
	w.bookings[b.ID] = &c
	return nil
}

// UpdateBooking implements crm.Store.
func (s *Store) UpdateBooking(_ context.Context, wsID, id string, fn func(*crm.Booking) error) (*crm.Booking, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.peek(wsID).bookings[id]
	if !ok {
		return nil, crm.ErrNotFound
	}
	c := *b
	if err := fn(&c); err != nil {
		return nil, err
	}
	c.ID, c.LeadID, c.CreatedAt = b.ID, b.LeadID, b.CreatedAt
	*b = c
	return &c, nil
}

// Booking implements crm.Store.
func (s *Store) Booking(_ context.Context, wsID, id string) (*crm.Booking, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	b, ok := s.peek(wsID).bookings[id]
	if !ok {
		return nil, crm.ErrNotFound
	}
	c := *b
	return &c, nil
}

// Bookings implements crm.Store.
func (s *Store) Bookings(_ context.Context, wsID, leadID string) ([]*crm.Booking, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	w := s.peek(wsID)
	if _, ok := w.leads[leadID]; !ok {
		return nil, crm.ErrNotFound
	}
	var out []*crm.Booking
	for _, b := range w.bookings {
		if b.LeadID == leadID {
			c := *b
			out = append(out, &c)
		}
	}
	slices.SortFunc(out, func(a, b *crm.Booking) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// Inbox implements crm.Store.
func (s *Store) Inbox(_ context.Context, wsID string, q crm.InboxQuery) (*crm.ConversationPage, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var after *crm.InboxCursor
	if q.Cursor != "" {
		c, err := crm.ParseInboxCursor(q.Cursor)
		if err != nil {
			return nil, err
		}
		after = &c
	}
	var hits []*crm.Conversation
	for _, c := range s.peek(wsID).convs {
		if inboxMatch(c, q) && (after == nil || inboxBefore(*after, inboxPos(c))) {
			hits = append(hits, c)
		}
	}
	slices.SortFunc(hits, func(a, b *crm.Conversation) int {
		switch pa, pb := inboxPos(a), inboxPos(b); {
		case inboxBefore(pa, pb):
			return -1
		case inboxBefore(pb, pa):
			return 1
		}
		return 0
	})
	limit := q.PageLimit()
	page := &crm.ConversationPage{}
	if len(hits) > limit {
		hits = hits[:limit]
		page.Next = inboxPos(hits[limit-1]).String()
	}
	for _, c := range hits {
		cc := *c
		page.Conversations = append(page.Conversations, &cc)
	}
	return page, nil
}

// inboxPos is a conversation's position in inbox order, at the microsecond
// precision cursors carry.
func inboxPos(c *crm.Conversation) crm.InboxCursor {
	t := c.LastMessageAt
	if !t.IsZero() {
		t = t.Truncate(time.Microsecond)
	}
	return crm.InboxCursor{LastMessageAt: t, ID: c.ID}
}

// inboxBefore reports whether a comes before b: later last message first,
// then greater id first.
func inboxBefore(a, b crm.InboxCursor) bool {
	if !a.LastMessageAt.Equal(b.LastMessageAt) {
		return a.LastMessageAt.After(b.LastMessageAt)
	}
	return a.ID > b.ID
}

func inboxMatch(c *crm.Conversation, q crm.InboxQuery) bool {
	switch {
	case q.Status != "" && c.Status != q.Status,
		q.Assignee != "" && c.Assignee != q.Assignee,
		q.Unassigned && c.Assignee != "",
		q.Handoff != nil && c.Handoff != *q.Handoff,
		q.UnreadOnly && c.Unread == 0,
		q.Channel != "" && c.Channel != q.Channel,
		q.ChannelAccount != "" && c.ChannelAccount != q.ChannelAccount:
		return false
	}
	return true
}

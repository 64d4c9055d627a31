package crm

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ConversationStatus is the inbox state of a conversation.
type ConversationStatus string

// The conversation statuses.
const (
	StatusOpen     ConversationStatus = "open"
	StatusPending  ConversationStatus = "pending"
	StatusResolved ConversationStatus = "resolved"
	StatusSnoozed  ConversationStatus = "snoozed"
)

func (s ConversationStatus) valid() bool {
	switch s {
	case StatusOpen, StatusPending, StatusResolved, StatusSnoozed:
		return true
	}
	return false
}

// Conversation is the thread between a lead and one channel account (a
// WhatsApp phone number id, an Instagram account, a Facebook Page).
type Conversation struct {
	ID             string             `json:"id"`
	LeadID         string             `json:"lead_id"`
	Channel        string             `json:"channel"`         // whatsapp, instagram, messenger
	ChannelAccount string             `json:"channel_account"` // phone number id, IG account id, Page id
	Status         ConversationStatus `json:"status"`
	Assignee       string             `json:"assignee,omitempty"`
	Handoff        bool               `json:"handoff"` // a human has taken over from the bot
	LastInboundAt  time.Time          `json:"last_inbound_at"`
	LastMessageAt  time.Time          `json:"last_message_at"`
	Unread         int                `json:"unread"`
	CreatedAt      time.Time          `json:"created_at"`
	UpdatedAt      time.Time          `json:"updated_at"`
}

// Direction is a message's direction.
type Direction string

// The message directions.
const (
	Inbound  Direction = "in"
	Outbound Direction = "out"
)

// MessageStatus is a message's delivery status. Statuses only move forward:
// pending → sent → delivered → read; failed is final.
type MessageStatus string

// The delivery statuses.
const (
	MessagePending   MessageStatus = "pending"
	MessageSent      MessageStatus = "sent"
	MessageDelivered MessageStatus = "delivered"
	MessageRead      MessageStatus = "read"
	MessageFailed    MessageStatus = "failed"
	MessageReceived  MessageStatus = "received" // inbound messages
)

// Rank orders statuses; a status may only replace one of lower rank.
func (s MessageStatus) Rank() int {
	switch s {
	case MessagePending:
		return 1
	case MessageSent:
		return 2
	case MessageDelivered:
		return 3
	case MessageRead:
		return 4
	case MessageFailed:
		return 5
	case MessageReceived:
		return 6
	}
	return 0
}

// Advance reports whether next may replace s.
func (s MessageStatus) Advance(next MessageStatus) bool {
	if s == MessageFailed || s == MessageReceived {
		return false
	}
	return next.Rank() > s.Rank()
}

// MediaRef points at a message's media (stored elsewhere).
type MediaRef struct {
	ID       string `json:"id,omitempty"`  // provider media id
	URL      string `json:"url,omitempty"` // where the media is kept
	MIMEType string `json:"mime_type,omitempty"`
	Caption  string `json:"caption,omitempty"`
}

// Message is one message of a conversation.
type Message struct {
	ID             string        `json:"id"`
	ConversationID string        `json:"conversation_id"`
	LeadID         string        `json:"lead_id"`
	ChannelAccount string        `json:"channel_account"`
	ProviderID     string        `json:"provider_id,omitempty"` // unique per channel account
	Direction      Direction     `json:"direction"`
	Type           string        `json:"type"` // text, image, template…
	Text           string        `json:"text,omitempty"`
	Media          []MediaRef    `json:"media,omitempty"`
	Status         MessageStatus `json:"status"`
	Error          string        `json:"error,omitempty"`
	Author         Actor         `json:"author"` // who wrote it: the lead (inbound), a user, an automation, the AI
	At             time.Time     `json:"at"`     // when it was sent or received
	UpdatedAt      time.Time     `json:"updated_at"`
}

// OpenConversation returns the lead's conversation on the channel account,
// creating an open one if there is none.
func (s *Service) OpenConversation(ctx context.Context, workspaceID, leadID, channel, channelAccount string) (*Conversation, error) {
	if err := required("workspace_id", workspaceID, "lead_id", leadID, "channel", channel, "channel_account", channelAccount); err != nil {
		return nil, fmt.Errorf("crm: open conversation: %w", err)
	}
	now := s.now()
	c, err := s.store.OpenConversation(ctx, workspaceID, &Conversation{
		ID: s.newID(), LeadID: leadID, Channel: channel, ChannelAccount: channelAccount,
		Status: StatusOpen, CreatedAt: now, UpdatedAt: now,
	})
	if err != nil {
		return nil, fmt.Errorf("crm: open conversation: %w", err)
	}
	return c, nil
}

// Conversation returns one conversation.
func (s *Service) Conversation(ctx context.Context, workspaceID, id string) (*Conversation, error) {
	c, err := s.store.Conversation(ctx, workspaceID, id)
	if err != nil {
		return nil, fmt.Errorf("crm: conversation: %w", err)
	}
	return c, nil
}

// Conversations returns a lead's conversations ordered by id.
func (s *Service) Conversations(ctx context.Context, workspaceID, leadID string) ([]*Conversation, error) {
	c, err := s.store.Conversations(ctx, workspaceID, leadID)
	if err != nil {
		return nil, fmt.Errorf("crm: conversations: %w", err)
	}
	return c, nil
}

// ConversationUpdate changes a conversation; nil fields are left alone.
type ConversationUpdate struct {
	Status   *ConversationStatus
	Assignee *string
	Handoff  *bool
	MarkRead bool // reset the unread count
}

// UpdateConversation applies u to a conversation.
func (s *Service) UpdateConversation(ctx context.Context, workspaceID, id string, u ConversationUpdate) (*Conversation, error) {
	if u.Status != nil && !u.Status.valid() {
		return nil, fmt.Errorf("crm: update conversation: %w", invalid("status", "unknown conversation status"))
	}
	now := s.now()
	c, err := s.store.UpdateConversation(ctx, workspaceID, id, func(c *Conversation) error {
		if u.Status != nil {
			c.Status = *u.Status
		}
		if u.Assignee != nil {
			c.Assignee = *u.Assignee
		}
		if u.Handoff != nil {
			c.Handoff = *u.Handoff
		}
		if u.MarkRead {
			c.Unread = 0
		}
		c.UpdatedAt = now
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("crm: update conversation: %w", err)
	}
	return c, nil
}

// RecordMessage stores a message of a conversation, idempotently on its
// ProviderID per channel account: a webhook delivered twice stores one
// message, and inserted reports whether this call stored it. A stored
// message also appends a message activity (so the lead's last activity
// moves) and, when inbound, bumps the conversation's unread count and last
// inbound time. Missing ids, status and times are filled in; set Author on
// outbound messages.
func (s *Service) RecordMessage(ctx context.Context, workspaceID string, m Message) (_ *Message, inserted bool, _ error) {
	if m.Direction != Inbound && m.Direction != Outbound {
		return nil, false, fmt.Errorf("crm: record message: %w", invalid("direction", `must be "in" or "out"`))
	}
	if err := required("workspace_id", workspaceID, "conversation_id", m.ConversationID); err != nil {
		return nil, false, fmt.Errorf("crm: record message: %w", err)
	}
	conv, err := s.store.Conversation(ctx, workspaceID, m.ConversationID)
	if err != nil {
		return nil, false, fmt.Errorf("crm: record message: %w", err)
	}
	m.LeadID, m.ChannelAccount = conv.LeadID, conv.ChannelAccount
	if m.ID == "" {
		m.ID = s.newID()
	}
	now := s.now()
	if m.At.IsZero() {
		m.At = now
	}
	m.At = storeTime(m.At)
	m.UpdatedAt = now
	if m.Type == "" {
		m.Type = "text"
	}
	if m.Status == "" {
		if m.Direction == Inbound {
			m.Status = MessageReceived
		} else {
			m.Status = MessagePending
		}
	}
	if m.Status.Rank() == 0 {
		return nil, false, fmt.Errorf("crm: record message: %w", invalid("status", "unknown delivery status"))
	}
	if m.Direction == Inbound {
		m.Author = Actor{Kind: ActorLead}
	} else if m.Author.Kind == "" {
		m.Author.Kind = ActorSystem
	}
	act := Activity{ID: s.newID(), LeadID: m.LeadID, Type: ActivityMessage, Actor: m.Author, At: m.At, Text: string(m.Direction), RefID: m.ID}
	stored, ins, err := s.store.InsertMessage(ctx, workspaceID, &m, act)
	if err != nil {
		return nil, false, fmt.Errorf("crm: record message: %w", err)
	}
	return stored, ins, nil
}

// UpdateMessageStatus applies a delivery status from a status webhook. Older
// statuses arriving late are ignored; the stored message is returned.
func (s *Service) UpdateMessageStatus(ctx context.Context, workspaceID, channelAccount, providerID string, status MessageStatus, errText string) (*Message, error) {
	if status.Rank() == 0 || status == MessageReceived {
		return nil, fmt.Errorf("crm: update message status: %w", invalid("status", "unknown delivery status"))
	}
	if strings.TrimSpace(providerID) == "" {
		return nil, fmt.Errorf("crm: update message status: %w", invalid("provider_id", "empty"))
	}
	m, err := s.store.UpdateMessageStatus(ctx, workspaceID, channelAccount, providerID, status, errText, s.now())
	if err != nil {
		return nil, fmt.Errorf("crm: update message status: %w", err)
	}
	return m, nil
}

// Messages returns a conversation's messages, oldest first.
func (s *Service) Messages(ctx context.Context, workspaceID, conversationID string) ([]*Message, error) {
	ms, err := s.store.Messages(ctx, workspaceID, conversationID)
	if err != nil {
		return nil, fmt.Errorf("crm: messages: %w", err)
	}
	return ms, nil
}

// InboxQuery selects conversations for an inbox view. The zero InboxQuery
// selects every conversation.
type InboxQuery struct {
	Status         ConversationStatus
	Assignee       string
	Unassigned     bool  // only conversations without an assignee
	Handoff        *bool // only conversations with (or without) a human handoff
	UnreadOnly     bool
	Channel        string
	ChannelAccount string
	Cursor         string // ConversationPage.Next of the previous page
	Limit          int    // page size; 0 means 50, capped at 1000
}

// PageLimit returns q.Limit with its default and cap applied.
func (q InboxQuery) PageLimit() int { return Query{Limit: q.Limit}.PageLimit() }

// ConversationPage is one page of an inbox. Next is empty on the last page.
type ConversationPage struct {
	Conversations []*Conversation
	Next          string
}

// InboxCursor is the position of a conversation in inbox order: its last
// message time (zero when it has none) and id.
type InboxCursor struct {
	LastMessageAt time.Time
	ID            string
}

// String encodes the cursor for InboxQuery.Cursor.
func (c InboxCursor) String() string {
	us := int64(0)
	if !c.LastMessageAt.IsZero() {
		us = c.LastMessageAt.UnixMicro()
	}
	return strconv.FormatInt(us, 10) + "." + c.ID
}

// ParseInboxCursor decodes an InboxQuery.Cursor.
func ParseInboxCursor(s string) (InboxCursor, error) {
	us, id, ok := strings.Cut(s, ".")
	n, err := strconv.ParseInt(us, 10, 64)
	if !ok || err != nil || n < 0 || id == "" || len(id) > 64 || !isHex(id) {
		return InboxCursor{}, invalid("cursor", "malformed")
	}
	c := InboxCursor{ID: id}
	if n > 0 {
		c.LastMessageAt = time.UnixMicro(n).UTC()
	}
	return c, nil
}

// Inbox returns one page of the workspace's conversations matching q, most
// recent message first. Pass the page's Next as q.Cursor for the next page.
func (s *Service) Inbox(ctx context.Context, workspaceID string, q InboxQuery) (*ConversationPage, error) {
	if q.Cursor != "" {
		if _, err := ParseInboxCursor(q.Cursor); err != nil {
			return nil, fmt.Errorf("crm: inbox: %w", err)
		}
	}
	if q.Status != "" && !q.Status.valid() {
		return nil, fmt.Errorf("crm: inbox: %w", invalid("status", "unknown conversation status"))
	}
	p, err := s.store.Inbox(ctx, workspaceID, q)
	if err != nil {
		return nil, fmt.Errorf("crm: inbox: %w", err)
	}
	return p, nil
}

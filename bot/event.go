package bot

import (
	"time"

	"github.com/botsync/botsync/crm"
	"github.com/botsync/botsync/instagram"
	"github.com/botsync/botsync/whatsapp"
)

// Channel names a messaging channel.
type Channel string

// The channels the engine handles.
const (
	WhatsApp  Channel = "whatsapp"
	Instagram Channel = "instagram"
	Messenger Channel = "messenger"
)

// Valid reports whether c is a known channel.
func (c Channel) Valid() bool { return c == WhatsApp || c == Instagram || c == Messenger }

// EventKind says what an inbound Event is.
type EventKind string

// The kinds of Event.
const (
	// EventMessage is a message from a lead.
	EventMessage EventKind = "message"
	// EventEcho is a message the business account sent: ours (stamped) or
	// a human's from Meta's own apps.
	EventEcho EventKind = "echo"
	// EventStatus is a delivery status of an outbound message.
	EventStatus EventKind = "status"
	// EventComment is a comment on a post, reel, ad or Page post.
	EventComment EventKind = "comment"
)

// Event is one decoded webhook event, channel-neutral. Build it with
// FromWhatsApp or FromInstagram, or directly in tests.
type Event struct {
	Kind    EventKind
	Channel Channel
	// Account is the business side: WhatsApp phone number id, Instagram
	// account id or Page id.
	Account string
	// DedupKey identifies the event across redeliveries.
	DedupKey string
	// From is the lead: wa_id, IGSID or PSID. FromBSUID is WhatsApp's
	// business-scoped user id, when given.
	From      string
	FromBSUID string
	// Name is the lead's profile name, when the channel sends one.
	Name string
	// MessageID is the provider's message id (wamid, mid) or, for a
	// status, the id of the outbound message; for a comment, its id.
	MessageID string
	// Type is the message type (text, image…).
	Type string
	// Text is the message, quick-reply or comment text.
	Text string
	// Payload is a tapped button's or quick reply's payload.
	Payload string
	// Media are the message's attachments.
	Media []crm.MediaRef
	// AdID is the click-to-message ad referral, when present.
	AdID string
	Time time.Time

	// Status and StatusError are set on EventStatus.
	Status      crm.MessageStatus
	StatusError string

	// Own marks an echo of a message this engine sent (stamped), which
	// never triggers rules.
	Own bool
	// Standby marks a Messenger/Instagram event received while another app
	// (a human inbox) controls the thread: it is recorded, not answered.
	Standby bool

	// MediaID is the commented media (EventComment).
	MediaID string
	// Comment is the original Instagram event of a comment, which the
	// comment-to-DM building blocks need.
	Comment *instagram.Event
}

// conversationKey orders events of one conversation.
func (e *Event) conversationKey() string {
	return string(e.Channel) + "\x00" + e.Account + "\x00" + e.From
}

// FromWhatsApp turns a decoded WhatsApp change into engine events: inbound
// messages and statuses. Other changes (templates, quality) give none.
func FromWhatsApp(ev whatsapp.Event) []Event {
	if ev.Messages == nil {
		return nil
	}
	v := ev.Messages
	out := make([]Event, 0, len(v.Messages)+len(v.Statuses))
	for i := range v.Messages {
		m := &v.Messages[i]
		if m.Type == "system" || m.Type == "reaction" {
			continue
		}
		e := Event{
			Kind: EventMessage, Channel: WhatsApp, Account: m.PhoneNumberID,
			DedupKey: "wa:" + m.ID, From: m.From, FromBSUID: m.FromUserID,
			Name: m.Profile.Profile.Name, MessageID: m.ID, Type: m.Type, Time: m.Timestamp.Time,
		}
		if e.Account == "" {
			e.Account = v.Metadata.PhoneNumberID
		}
		if e.From == "" {
			e.From = m.Profile.WaID
		}
		switch {
		case m.Text != nil:
			e.Text = m.Text.Body
		case m.Button != nil:
			e.Text, e.Payload = m.Button.Text, m.Button.Payload
		case m.Interactive != nil:
			e.Text, e.Payload = interactiveText(m.Interactive)
		}
		if md := m.Media(); md != nil {
			e.Media = []crm.MediaRef{{ID: md.ID, MIMEType: md.MimeType, Caption: md.Caption}}
			if e.Text == "" {
				e.Text = md.Caption
			}
		}
		if m.Referral != nil {
			e.AdID = m.Referral.SourceID
		}
		out = append(out, e)
	}
	for _, s := range v.Statuses {
		st, ok := statusOf(s.Status)
		if !ok {
			continue
		}
		e := Event{
			Kind: EventStatus, Channel: WhatsApp, Account: s.PhoneNumberID,
			DedupKey: "wa:" + s.ID + ":" + s.Status, From: s.RecipientID, FromBSUID: s.RecipientUserID,
			MessageID: s.ID, Status: st, Time: s.Timestamp.Time,
		}
		if e.Account == "" {
			e.Account = v.Metadata.PhoneNumberID
		}
		if len(s.Errors) > 0 {
			e.StatusError = s.Errors[0].Title
		}
		out = append(out, e)
	}
	return out
}

func statusOf(s string) (crm.MessageStatus, bool) {
	switch s {
	case "sent":
		return crm.MessageSent, true
	case "delivered":
		return crm.MessageDelivered, true
	case "read":
		return crm.MessageRead, true
	case "failed":
		return crm.MessageFailed, true
	}
	return "", false
}

// FromInstagram turns a decoded Instagram or Messenger event into an engine
// event; ok is false for kinds the engine does not handle (reads, reactions,
// edits…).
func FromInstagram(ev instagram.Event) (Event, bool) {
	ch := Instagram
	if ev.Object == "page" {
		ch = Messenger
	}
	e := Event{Channel: ch, Account: ev.AccountID, DedupKey: ev.DedupKey, Time: ev.Time, Standby: ev.Standby}
	switch {
	case ev.Message != nil:
		m := ev.Message
		if m.IsDeleted || m.IsUnsupported && m.Text == "" && len(m.Attachments) == 0 {
			return Event{}, false
		}
		e.Kind, e.MessageID, e.Text, e.Payload, e.Type = EventMessage, m.MID, m.Text, m.QuickReplyPayload, "text"
		e.From = ev.SenderID
		if m.IsEcho {
			e.Kind, e.From = EventEcho, ev.RecipientID
			_, e.Own = instagram.ParseStamp(m.Metadata)
		}
		for _, a := range m.Attachments {
			e.Media = append(e.Media, crm.MediaRef{URL: a.URL})
			if e.Text == "" {
				e.Type = a.Type
			}
		}
		if m.Referral != nil {
			e.AdID = m.Referral.AdID
		}
		if e.DedupKey == "" {
			e.DedupKey = "ig:" + m.MID
		}
	case ev.Postback != nil:
		e.Kind, e.From, e.Type = EventMessage, ev.SenderID, "postback"
		e.MessageID, e.Text, e.Payload = ev.Postback.MID, ev.Postback.Title, ev.Postback.Payload
		if e.MessageID == "" {
			e.MessageID = ev.DedupKey
		}
	case ev.Comment != nil:
		c := ev.Comment
		e.Kind, e.From, e.Name, e.MessageID, e.Text, e.MediaID, e.Type = EventComment, c.From.ID, c.From.Username, c.ID, c.Text, c.MediaID, "comment"
		e.AdID = c.AdID
		cp := ev
		e.Comment = &cp
		if e.DedupKey == "" {
			e.DedupKey = "igc:" + c.ID
		}
	default:
		return Event{}, false
	}
	return e, true
}

func interactiveText(r *whatsapp.InteractiveReply) (text, payload string) {
	switch {
	case r.ButtonReply != nil:
		return r.ButtonReply.Title, r.ButtonReply.ID
	case r.ListReply != nil:
		return r.ListReply.Title, r.ListReply.ID
	case r.NFMReply != nil:
		return r.NFMReply.Body, r.NFMReply.ResponseJSON
	}
	return "", ""
}

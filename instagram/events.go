package instagram

import (
	"bytes"
	"encoding/json"
	"time"

	"github.com/botsync/botsync/meta"
)

// Kind names a webhook event.
type Kind string

// Event kinds.
const (
	// KindMessage is a message from the user (text, attachments, quick-reply
	// answer, story reply or mention, shared post or reel, ad referral).
	KindMessage Kind = "message"
	// KindEcho is a message the account sent (by this app, another app or a
	// human in the Instagram app); see [Event.OwnEcho].
	KindEcho Kind = "echo"
	// KindEdit is an edited message.
	KindEdit Kind = "message_edit"
	// KindUnsend is a message the user unsent (deleted).
	KindUnsend Kind = "unsend"
	// KindReaction is a reaction added to or removed from a message.
	KindReaction Kind = "reaction"
	// KindPostback is a tap on a postback button, ice breaker or menu item.
	KindPostback Kind = "postback"
	// KindRead is a read (seen) receipt.
	KindRead Kind = "read"
	// KindOptin is an opt-in (Messenger plugins, notification requests).
	KindOptin Kind = "optin"
	// KindReferral is a referral into an existing thread (ad, link, QR).
	KindReferral Kind = "referral"
	// KindHandover is a change of thread control between apps.
	KindHandover Kind = "handover"
	// KindComment is a comment or reply on a media item or post.
	KindComment Kind = "comment"
	// KindLiveComment is a comment on a live broadcast.
	KindLiveComment Kind = "live_comment"
	// KindMention is an @mention of the account in a comment or caption.
	KindMention Kind = "mention"
	// KindUnknown is any other event; its JSON is in [Event.Raw].
	KindUnknown Kind = "unknown"
)

// Event is one typed webhook event. Exactly one of the pointer fields
// matching Kind is set (none for KindUnknown); Raw always holds the event's
// JSON, so nothing is lost.
type Event struct {
	Kind   Kind
	Object meta.Object
	// AccountID is the entry id: the Instagram account or Page the event is
	// about.
	AccountID string
	// Field is "messaging", "standby" or the change's field ("comments"…).
	Field string
	// Standby is true for events delivered while another app controls the
	// thread.
	Standby bool
	// DedupKey identifies the event across redeliveries (from meta).
	DedupKey string
	// Time is the event's timestamp (entry time for changes).
	Time time.Time
	// SenderID and RecipientID route messaging events (empty for changes).
	SenderID    string
	RecipientID string

	Message  *MessageEvent
	Edit     *EditEvent
	Reaction *ReactionEvent
	Postback *PostbackEvent
	Read     *ReadEvent
	Optin    *OptinEvent
	Referral *Referral
	Handover *HandoverEvent
	Comment  *Comment
	Mention  *Mention

	Raw json.RawMessage
}

// OwnEcho reports whether the event is the echo of a message this SDK sent
// (stamped metadata, see [Stamp]). Echoes of messages a human typed in the
// Instagram app are echoes but not own echoes.
func (e *Event) OwnEcho() bool {
	if e.Kind != KindEcho || e.Message == nil {
		return false
	}
	_, ok := ParseStamp(e.Message.Metadata)
	return ok
}

// MessageEvent is a message (or its echo, or the notice that it was unsent).
type MessageEvent struct {
	MID  string
	Text string
	// IsEcho marks a message the account sent; Metadata and AppID are set on
	// echoes.
	IsEcho   bool
	Metadata string
	AppID    string
	// IsDeleted marks an unsent message.
	IsDeleted bool
	// IsUnsupported marks a message type the API cannot show.
	IsUnsupported bool
	// QuickReplyPayload is the payload of the tapped quick reply.
	QuickReplyPayload string
	Attachments       []Attachment
	// ReplyTo is set when the message replies to a message or a story.
	ReplyTo *ReplyTo
	// Referral is set when the message came from an ad or link.
	Referral *Referral
}

// StoryMention returns the URL of the story the user mentioned the account
// in, if the message is a story mention.
func (m *MessageEvent) StoryMention() (url string, ok bool) {
	for _, a := range m.Attachments {
		if a.Type == "story_mention" {
			return a.URL, true
		}
	}
	return "", false
}

// Shared returns the shared post or reel, if the message shares one
// (attachment types "share", "ig_reel", "reel", "ig_post").
func (m *MessageEvent) Shared() (Attachment, bool) {
	for _, a := range m.Attachments {
		switch a.Type {
		case "share", "ig_reel", "reel", "ig_post":
			return a, true
		}
	}
	return Attachment{}, false
}

// Attachment is a received attachment. Type is Meta's ("image", "video",
// "audio", "file", "story_mention", "share", "ig_reel", "template",
// "fallback"…); URL and the other fields are read from its payload, which is
// kept whole in Payload.
type Attachment struct {
	Type        string
	URL         string
	Title       string
	ReelVideoID string
	StickerID   string
	Payload     json.RawMessage
}

// ReplyTo is what a message replies to: another message or a story.
type ReplyTo struct {
	MID string
	// StoryID and StoryURL are set for a story reply.
	StoryID  string
	StoryURL string
}

// Referral says where a conversation came from (ad, link, QR code). For
// click-to-Instagram/Messenger ads, AdID and the ad context are set.
type Referral struct {
	Ref    string
	Source string
	Type   string
	AdID   string
	// AdTitle, PhotoURL, VideoURL and PostID come from ads_context_data.
	AdTitle  string
	PhotoURL string
	VideoURL string
	PostID   string
	// ProductID is set for product referrals.
	ProductID string
}

// EditEvent is an edited message.
type EditEvent struct {
	MID     string
	Text    string
	NumEdit int
}

// ReactionEvent is a reaction added ("react") or removed ("unreact").
type ReactionEvent struct {
	MID      string
	Action   string
	Reaction string
	Emoji    string
}

// PostbackEvent is a postback button tap.
type PostbackEvent struct {
	MID      string
	Title    string
	Payload  string
	Referral *Referral
}

// ReadEvent is a read receipt: MID (Instagram) or Watermark (Messenger,
// everything before it was read).
type ReadEvent struct {
	MID       string
	Watermark time.Time
}

// OptinEvent is an opt-in.
type OptinEvent struct {
	Ref     string
	UserRef string
	Type    string
	Payload string
	// Token is the notification messages token of a recurring
	// notification opt-in.
	Token string
}

// Comment is a comment change: Instagram's "comments" and "live_comments"
// fields, or a Facebook Page's "feed" change for an added comment (then
// MediaID is the post id and From.Username the commenter's name).
type Comment struct {
	ID   string
	Text string
	// From is the commenter.
	From User
	// MediaID and MediaProductType ("FEED", "REELS", "AD", "LIVE"…) name the
	// commented media.
	MediaID          string
	MediaProductType string
	// ParentID is set when the comment replies to another comment.
	ParentID string
	// AdID and AdTitle are set for comments on ads.
	AdID    string
	AdTitle string
	// Live marks a comment on a live broadcast.
	Live bool
	// Time is the delivery's time, the best known comment time.
	Time time.Time
}

// Ref returns the reference a private reply to the comment needs.
// broadcastEnded matters only for live comments.
func (c *Comment) Ref(broadcastEnded bool) CommentRef {
	return CommentRef{ID: c.ID, CreatedAt: c.Time, Live: c.Live, BroadcastEnded: c.Live && broadcastEnded}
}

// User is a commenter.
type User struct {
	ID       string `json:"id"`
	Username string `json:"username"`
}

// Mention is an @mention of the account (field "mentions").
type Mention struct {
	MediaID   string
	CommentID string
}

// ParseWebhook decodes a verified webhook body into typed events, in order.
// Only a body that is not a webhook envelope fails (with
// [meta.ErrMalformedWebhook]); events of unknown or unexpected shape come
// back as [KindUnknown] with their raw JSON.
func ParseWebhook(body []byte) ([]Event, error) {
	env, err := meta.DecodeWebhook(body)
	if err != nil {
		return nil, err
	}
	return Events(env), nil
}

// Events types the events of a decoded envelope.
func Events(env *meta.Envelope) []Event {
	n := 0
	for _, en := range env.Entries {
		n += len(en.Messaging) + len(en.Changes)
	}
	out := make([]Event, 0, n)
	for _, en := range env.Entries {
		for _, m := range en.Messaging {
			out = append(out, messagingEvent(env.Object, en, m))
		}
		for _, c := range en.Changes {
			out = append(out, changeEvent(env.Object, en, c))
		}
	}
	return out
}

// unixTime reads a Meta timestamp in seconds or milliseconds.
func unixTime(v int64) time.Time {
	switch {
	case v <= 0:
		return time.Time{}
	case v > 1e12:
		return time.UnixMilli(v).UTC()
	}
	return time.Unix(v, 0).UTC()
}

// flexID accepts an id sent as a JSON string or number.
type flexID string

func (f *flexID) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexID(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*f = flexID(n.String())
	return nil
}

type wireID struct {
	ID flexID `json:"id"`
}

type wireReferral struct {
	Ref       string `json:"ref"`
	Source    string `json:"source"`
	Type      string `json:"type"`
	AdID      flexID `json:"ad_id"`
	ProductID flexID `json:"product_id"`
	Product   *struct {
		ID flexID `json:"id"`
	} `json:"product"`
	AdsContextData *struct {
		AdTitle  string `json:"ad_title"`
		PhotoURL string `json:"photo_url"`
		VideoURL string `json:"video_url"`
		PostID   flexID `json:"post_id"`
	} `json:"ads_context_data"`
}

func (w *wireReferral) typed() *Referral {
	if w == nil {
		return nil
	}
	r := &Referral{Ref: w.Ref, Source: w.Source, Type: w.Type, AdID: string(w.AdID), ProductID: string(w.ProductID)}
	if w.Product != nil && r.ProductID == "" {
		r.ProductID = string(w.Product.ID)
	}
	if a := w.AdsContextData; a != nil {
		r.AdTitle, r.PhotoURL, r.VideoURL, r.PostID = a.AdTitle, a.PhotoURL, a.VideoURL, string(a.PostID)
	}
	return r
}

type wireMessaging struct {
	Sender    wireID `json:"sender"`
	Recipient wireID `json:"recipient"`
	Timestamp int64  `json:"timestamp"`
	Message   *struct {
		MID           flexID `json:"mid"`
		Text          string `json:"text"`
		IsEcho        bool   `json:"is_echo"`
		IsDeleted     bool   `json:"is_deleted"`
		IsUnsupported bool   `json:"is_unsupported"`
		Metadata      string `json:"metadata"`
		AppID         flexID `json:"app_id"`
		QuickReply    *struct {
			Payload string `json:"payload"`
		} `json:"quick_reply"`
		ReplyTo *struct {
			MID   flexID `json:"mid"`
			Story *struct {
				ID  flexID `json:"id"`
				URL string `json:"url"`
			} `json:"story"`
		} `json:"reply_to"`
		Attachments []struct {
			Type    string          `json:"type"`
			Payload json.RawMessage `json:"payload"`
		} `json:"attachments"`
		Referral *wireReferral `json:"referral"`
	} `json:"message"`
	MessageEdit *struct {
		MID     flexID `json:"mid"`
		Text    string `json:"text"`
		NumEdit int    `json:"num_edit"`
	} `json:"message_edit"`
	Reaction *struct {
		MID      flexID `json:"mid"`
		Action   string `json:"action"`
		Reaction string `json:"reaction"`
		Emoji    string `json:"emoji"`
	} `json:"reaction"`
	Read *struct {
		MID       flexID `json:"mid"`
		Watermark int64  `json:"watermark"`
	} `json:"read"`
	Postback *struct {
		MID      flexID        `json:"mid"`
		Title    string        `json:"title"`
		Payload  string        `json:"payload"`
		Referral *wireReferral `json:"referral"`
	} `json:"postback"`
	Optin *struct {
		Ref     string `json:"ref"`
		UserRef string `json:"user_ref"`
		Type    string `json:"type"`
		Payload string `json:"payload"`
		Token   string `json:"notification_messages_token"`
	} `json:"optin"`
	Referral             *wireReferral `json:"referral"`
	PassThreadControl    *wireHandover `json:"pass_thread_control"`
	TakeThreadControl    *wireHandover `json:"take_thread_control"`
	RequestThreadControl *wireHandover `json:"request_thread_control"`
}

type wireHandover struct {
	NewOwnerAppID       flexID `json:"new_owner_app_id"`
	PreviousOwnerAppID  flexID `json:"previous_owner_app_id"`
	RequestedOwnerAppID flexID `json:"requested_owner_app_id"`
	Metadata            string `json:"metadata"`
}

func (w *wireHandover) typed(action string) *HandoverEvent {
	return &HandoverEvent{Action: action, NewOwnerAppID: string(w.NewOwnerAppID), PreviousOwnerAppID: string(w.PreviousOwnerAppID),
		RequestedOwnerAppID: string(w.RequestedOwnerAppID), Metadata: w.Metadata}
}

type wireAttachmentPayload struct {
	URL         string `json:"url"`
	Title       string `json:"title"`
	ReelVideoID flexID `json:"reel_video_id"`
	StickerID   flexID `json:"sticker_id"`
}

func messagingEvent(obj meta.Object, en meta.Entry, m meta.Messaging) Event {
	ev := Event{
		Kind: KindUnknown, Object: obj, AccountID: en.ID, Field: "messaging", Standby: m.Standby,
		DedupKey: m.DedupKey, SenderID: m.SenderID, RecipientID: m.RecipientID, Time: unixTime(m.Timestamp), Raw: m.Raw,
	}
	if m.Standby {
		ev.Field = "standby"
	}
	var w wireMessaging
	if err := json.Unmarshal(m.Raw, &w); err != nil {
		return ev
	}
	switch {
	case w.Message != nil:
		wm := w.Message
		me := &MessageEvent{
			MID: string(wm.MID), Text: wm.Text, IsEcho: wm.IsEcho, Metadata: wm.Metadata, AppID: string(wm.AppID),
			IsDeleted: wm.IsDeleted, IsUnsupported: wm.IsUnsupported, Referral: wm.Referral.typed(),
		}
		if wm.QuickReply != nil {
			me.QuickReplyPayload = wm.QuickReply.Payload
		}
		if r := wm.ReplyTo; r != nil {
			me.ReplyTo = &ReplyTo{MID: string(r.MID)}
			if r.Story != nil {
				me.ReplyTo.StoryID, me.ReplyTo.StoryURL = string(r.Story.ID), r.Story.URL
			}
		}
		for _, a := range wm.Attachments {
			at := Attachment{Type: a.Type, Payload: a.Payload}
			var p wireAttachmentPayload
			if len(a.Payload) > 0 && a.Payload[0] == '{' && json.Unmarshal(a.Payload, &p) == nil {
				at.URL, at.Title, at.ReelVideoID, at.StickerID = p.URL, p.Title, string(p.ReelVideoID), string(p.StickerID)
			}
			me.Attachments = append(me.Attachments, at)
		}
		ev.Message = me
		switch {
		case wm.IsDeleted:
			ev.Kind = KindUnsend
		case wm.IsEcho:
			ev.Kind = KindEcho
		default:
			ev.Kind = KindMessage
		}
	case w.MessageEdit != nil:
		ev.Kind = KindEdit
		ev.Edit = &EditEvent{MID: string(w.MessageEdit.MID), Text: w.MessageEdit.Text, NumEdit: w.MessageEdit.NumEdit}
	case w.Reaction != nil:
		ev.Kind = KindReaction
		r := w.Reaction
		ev.Reaction = &ReactionEvent{MID: string(r.MID), Action: r.Action, Reaction: r.Reaction, Emoji: r.Emoji}
	case w.Read != nil:
		ev.Kind = KindRead
		ev.Read = &ReadEvent{MID: string(w.Read.MID), Watermark: unixTime(w.Read.Watermark)}
	case w.Postback != nil:
		ev.Kind = KindPostback
		p := w.Postback
		ev.Postback = &PostbackEvent{MID: string(p.MID), Title: p.Title, Payload: p.Payload, Referral: p.Referral.typed()}
	case w.Optin != nil:
		ev.Kind = KindOptin
		o := w.Optin
		ev.Optin = &OptinEvent{Ref: o.Ref, UserRef: o.UserRef, Type: o.Type, Payload: o.Payload, Token: o.Token}
	case w.Referral != nil:
		ev.Kind = KindReferral
		ev.Referral = w.Referral.typed()
	case w.PassThreadControl != nil:
		ev.Kind, ev.Handover = KindHandover, w.PassThreadControl.typed("pass_thread_control")
	case w.TakeThreadControl != nil:
		ev.Kind, ev.Handover = KindHandover, w.TakeThreadControl.typed("take_thread_control")
	case w.RequestThreadControl != nil:
		ev.Kind, ev.Handover = KindHandover, w.RequestThreadControl.typed("request_thread_control")
	}
	return ev
}

type wireComment struct {
	ID   flexID `json:"id"`
	Text string `json:"text"`
	From *struct {
		ID       flexID `json:"id"`
		Username string `json:"username"`
	} `json:"from"`
	Media *struct {
		ID               flexID `json:"id"`
		MediaProductType string `json:"media_product_type"`
	} `json:"media"`
	ParentID flexID `json:"parent_id"`
	AdID     flexID `json:"ad_id"`
	AdTitle  string `json:"ad_title"`
}

type wireFeed struct {
	Item        string `json:"item"`
	Verb        string `json:"verb"`
	CommentID   flexID `json:"comment_id"`
	PostID      flexID `json:"post_id"`
	ParentID    flexID `json:"parent_id"`
	Message     string `json:"message"`
	CreatedTime int64  `json:"created_time"`
	From        *struct {
		ID   flexID `json:"id"`
		Name string `json:"name"`
	} `json:"from"`
}

type wireMention struct {
	MediaID   flexID `json:"media_id"`
	CommentID flexID `json:"comment_id"`
}

func changeEvent(obj meta.Object, en meta.Entry, c meta.Change) Event {
	ev := Event{Kind: KindUnknown, Object: obj, AccountID: en.ID, Field: c.Field, DedupKey: c.DedupKey, Time: unixTime(en.Time), Raw: c.Value}
	switch c.Field {
	case "comments", "live_comments":
		var w wireComment
		if err := json.Unmarshal(c.Value, &w); err != nil || w.ID == "" {
			return ev
		}
		cm := &Comment{ID: string(w.ID), Text: w.Text, ParentID: string(w.ParentID), AdID: string(w.AdID), AdTitle: w.AdTitle, Time: ev.Time}
		if w.From != nil {
			cm.From = User{ID: string(w.From.ID), Username: w.From.Username}
		}
		if w.Media != nil {
			cm.MediaID, cm.MediaProductType = string(w.Media.ID), w.Media.MediaProductType
		}
		cm.Live = c.Field == "live_comments" || cm.MediaProductType == "LIVE"
		ev.Kind, ev.Comment = KindComment, cm
		if c.Field == "live_comments" {
			ev.Kind = KindLiveComment
		}
		ev.SenderID = cm.From.ID
	case "feed":
		// Facebook Page comments (Messenger stack): item "comment", verb "add".
		var w wireFeed
		if err := json.Unmarshal(c.Value, &w); err != nil || w.Item != "comment" || w.Verb != "add" || w.CommentID == "" {
			return ev
		}
		cm := &Comment{ID: string(w.CommentID), Text: w.Message, MediaID: string(w.PostID), Time: ev.Time}
		if w.ParentID != w.PostID {
			cm.ParentID = string(w.ParentID)
		}
		if t := unixTime(w.CreatedTime); !t.IsZero() {
			cm.Time = t
		}
		if w.From != nil {
			cm.From = User{ID: string(w.From.ID), Username: w.From.Name}
		}
		ev.Kind, ev.Comment, ev.SenderID = KindComment, cm, cm.From.ID
	case "mentions":
		var w wireMention
		if err := json.Unmarshal(c.Value, &w); err != nil || (w.MediaID == "" && w.CommentID == "") {
			return ev
		}
		ev.Kind, ev.Mention = KindMention, &Mention{MediaID: string(w.MediaID), CommentID: string(w.CommentID)}
	}
	return ev
}

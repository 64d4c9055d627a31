package instagram

import (
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"
)

// Limits Meta enforces on the Send API, checked before any call.
const (
	// MaxTextBytesInstagram is the longest text (UTF-8 bytes) an Instagram
	// message may carry.
	MaxTextBytesInstagram = 1000
	// MaxTextCharsMessenger is the longest text (characters) a Messenger
	// message may carry.
	MaxTextCharsMessenger = 2000
	// MaxQuickReplies is the most quick replies one message may offer.
	MaxQuickReplies = 13
	// MaxQuickReplyTitle is the longest quick-reply or button title
	// (characters).
	MaxQuickReplyTitle = 20
	// MaxPayload is the longest quick-reply or postback payload (characters).
	MaxPayload = 1000
	// MaxGenericElements is the most elements (carousel cards) of a generic
	// template.
	MaxGenericElements = 10
	// MaxElementTitle is the longest element title or subtitle (characters).
	MaxElementTitle = 80
	// MaxButtons is the most buttons of a button template or element.
	MaxButtons = 3
	// MaxButtonTemplateText is the longest text of a button template
	// (characters).
	MaxButtonTemplateText = 640
	// MaxMetadata is the longest metadata string (characters).
	MaxMetadata = 1000
)

// MediaType is the type of a media attachment.
type MediaType string

// Media types.
const (
	MediaImage MediaType = "image"
	MediaVideo MediaType = "video"
	MediaAudio MediaType = "audio"
	MediaFile  MediaType = "file"
)

// Media is an attachment sent by public URL or by the id of an uploaded
// (reusable) attachment; exactly one of URL and AttachmentID is set.
type Media struct {
	Type         MediaType
	URL          string
	AttachmentID string
	// Reusable asks Meta to keep the attachment for reuse by id (URL only).
	Reusable bool
}

// QuickReplyType is the kind of a quick reply.
type QuickReplyType string

// Quick reply kinds.
const (
	// QuickReplyText is a button with a title and a payload (the default).
	QuickReplyText QuickReplyType = "text"
	// QuickReplyPhone offers the user's phone number.
	QuickReplyPhone QuickReplyType = "user_phone_number"
	// QuickReplyEmail offers the user's email address.
	QuickReplyEmail QuickReplyType = "user_email"
)

// QuickReply is one quick-reply chip. Title and Payload are required for
// [QuickReplyText] and must be empty for the phone and email kinds.
type QuickReply struct {
	Type     QuickReplyType
	Title    string
	Payload  string
	ImageURL string
}

// ButtonType is the kind of a template button.
type ButtonType string

// Button kinds.
const (
	// ButtonURL opens URL.
	ButtonURL ButtonType = "web_url"
	// ButtonPostback sends Payload back as a postback event.
	ButtonPostback ButtonType = "postback"
	// ButtonCall dials the phone number in Payload (Messenger only).
	ButtonCall ButtonType = "phone_number"
)

// Button is a template button.
type Button struct {
	Type    ButtonType
	Title   string
	URL     string
	Payload string
}

// Element is one card of a generic template.
type Element struct {
	Title    string
	Subtitle string
	ImageURL string
	// DefaultURL, when set, opens when the card itself is tapped.
	DefaultURL string
	Buttons    []Button
}

// ButtonTemplate is a text with up to three buttons.
type ButtonTemplate struct {
	Text    string
	Buttons []Button
}

// Tag is a message tag that allows a send outside the standard window.
type Tag string

// TagHumanAgent lets a human agent answer up to 7 days after the user's last
// message, when the account is approved for it (see [WithHumanAgent]).
const TagHumanAgent Tag = "HUMAN_AGENT"

// Message is an outgoing message. Exactly one of Text, Media, Generic and
// Buttons carries the content; QuickReplies may accompany Text or Media.
type Message struct {
	Text         string
	Media        *Media
	Generic      []Element
	Buttons      *ButtonTemplate
	QuickReplies []QuickReply
	// ReplyTo is the mid of a message this one replies to.
	ReplyTo string
	// Tag allows a send outside the standard 24-hour window.
	Tag Tag
	// Label goes into the metadata stamp ("botsync:v1:<label>") instead of
	// the client's default, e.g. the id of the rule that sent it.
	Label string
}

func (m *Message) kind() budgetKind {
	if m.Media != nil {
		return budgetMedia
	}
	return budgetText
}

func (m *Message) validate(stack Stack) error {
	n := 0
	if m.Text != "" {
		n++
	}
	if m.Media != nil {
		n++
	}
	if len(m.Generic) > 0 {
		n++
	}
	if m.Buttons != nil {
		n++
	}
	switch {
	case n == 0:
		return invalid("message", "empty: set one of text, media, generic or buttons")
	case n > 1:
		return invalid("message", "set only one of text, media, generic and buttons")
	}
	if m.Text != "" {
		if err := validText(stack, "message.text", m.Text); err != nil {
			return err
		}
	}
	if m.Media != nil {
		if err := m.Media.validate("message.attachment"); err != nil {
			return err
		}
	}
	if len(m.Generic) > 0 {
		if len(m.Generic) > MaxGenericElements {
			return invalid("message.attachment.payload.elements", fmt.Sprintf("%d elements; at most %d", len(m.Generic), MaxGenericElements))
		}
		for i, e := range m.Generic {
			if err := e.validate(stack, fmt.Sprintf("message.attachment.payload.elements[%d]", i)); err != nil {
				return err
			}
		}
	}
	if b := m.Buttons; b != nil {
		const f = "message.attachment.payload"
		switch {
		case strings.TrimSpace(b.Text) == "":
			return invalid(f+".text", "required")
		case utf8.RuneCountInString(b.Text) > MaxButtonTemplateText:
			return invalid(f+".text", fmt.Sprintf("longer than %d characters", MaxButtonTemplateText))
		case !utf8.ValidString(b.Text):
			return invalid(f+".text", "not valid UTF-8")
		}
		if err := validButtons(stack, f+".buttons", b.Buttons, true); err != nil {
			return err
		}
	}
	if len(m.QuickReplies) > 0 {
		if len(m.Generic) > 0 || m.Buttons != nil {
			return invalid("message.quick_replies", "only with text or media")
		}
		if len(m.QuickReplies) > MaxQuickReplies {
			return invalid("message.quick_replies", fmt.Sprintf("%d quick replies; at most %d", len(m.QuickReplies), MaxQuickReplies))
		}
		for i, q := range m.QuickReplies {
			if err := q.validate(fmt.Sprintf("message.quick_replies[%d]", i)); err != nil {
				return err
			}
		}
	}
	if m.ReplyTo != "" {
		if err := validToken("reply_to.mid", m.ReplyTo); err != nil {
			return err
		}
	}
	switch m.Tag {
	case "", TagHumanAgent:
	default:
		return invalid("tag", "unsupported tag (only HUMAN_AGENT)")
	}
	if m.Label != "" {
		if err := validLabel("message.metadata", m.Label); err != nil {
			return err
		}
	}
	return nil
}

func validText(stack Stack, field, s string) error {
	switch {
	case strings.TrimSpace(s) == "":
		return invalid(field, "blank")
	case !utf8.ValidString(s):
		return invalid(field, "not valid UTF-8")
	case stack.Instagram() && len(s) > MaxTextBytesInstagram:
		return invalid(field, fmt.Sprintf("%d bytes; Instagram allows at most %d", len(s), MaxTextBytesInstagram))
	case !stack.Instagram() && utf8.RuneCountInString(s) > MaxTextCharsMessenger:
		return invalid(field, fmt.Sprintf("longer than %d characters", MaxTextCharsMessenger))
	}
	return nil
}

func validURL(field, raw string) error {
	if raw == "" {
		return invalid(field, "required")
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return invalid(field, "not an absolute http(s) URL")
	}
	return nil
}

func (m *Media) validate(field string) error {
	switch m.Type {
	case MediaImage, MediaVideo, MediaAudio, MediaFile:
	case "":
		return invalid(field+".type", "required")
	default:
		return invalid(field+".type", "unknown media type (image, video, audio, file)")
	}
	switch {
	case m.URL != "" && m.AttachmentID != "":
		return invalid(field+".payload", "set url or attachment_id, not both")
	case m.URL != "":
		return validURL(field+".payload.url", m.URL)
	case m.AttachmentID != "":
		if m.Reusable {
			return invalid(field+".payload.is_reusable", "only with url")
		}
		return validToken(field+".payload.attachment_id", m.AttachmentID)
	}
	return invalid(field+".payload", "set url or attachment_id")
}

func (q *QuickReply) validate(field string) error {
	switch q.Type {
	case QuickReplyText, "":
		switch {
		case strings.TrimSpace(q.Title) == "":
			return invalid(field+".title", "required")
		case utf8.RuneCountInString(q.Title) > MaxQuickReplyTitle:
			return invalid(field+".title", fmt.Sprintf("longer than %d characters", MaxQuickReplyTitle))
		case q.Payload == "":
			return invalid(field+".payload", "required")
		case utf8.RuneCountInString(q.Payload) > MaxPayload:
			return invalid(field+".payload", fmt.Sprintf("longer than %d characters", MaxPayload))
		}
		if q.ImageURL != "" {
			return validURL(field+".image_url", q.ImageURL)
		}
	case QuickReplyPhone, QuickReplyEmail:
		if q.Title != "" || q.Payload != "" || q.ImageURL != "" {
			return invalid(field, "phone and email quick replies take no title, payload or image")
		}
	default:
		return invalid(field+".content_type", "unknown (text, user_phone_number, user_email)")
	}
	return nil
}

func validButtons(stack Stack, field string, bs []Button, required bool) error {
	if len(bs) == 0 && required {
		return invalid(field, "at least one button")
	}
	if len(bs) > MaxButtons {
		return invalid(field, fmt.Sprintf("%d buttons; at most %d", len(bs), MaxButtons))
	}
	for i, b := range bs {
		f := fmt.Sprintf("%s[%d]", field, i)
		switch {
		case strings.TrimSpace(b.Title) == "":
			return invalid(f+".title", "required")
		case utf8.RuneCountInString(b.Title) > MaxQuickReplyTitle:
			return invalid(f+".title", fmt.Sprintf("longer than %d characters", MaxQuickReplyTitle))
		}
		switch b.Type {
		case ButtonURL:
			if err := validURL(f+".url", b.URL); err != nil {
				return err
			}
		case ButtonPostback:
			switch {
			case b.Payload == "":
				return invalid(f+".payload", "required")
			case utf8.RuneCountInString(b.Payload) > MaxPayload:
				return invalid(f+".payload", fmt.Sprintf("longer than %d characters", MaxPayload))
			}
		case ButtonCall:
			if stack.Instagram() {
				return invalid(f+".type", "phone_number buttons exist only on Messenger")
			}
			if !strings.HasPrefix(b.Payload, "+") || len(b.Payload) < 8 {
				return invalid(f+".payload", "want a phone number in +E.164 form")
			}
		case "":
			return invalid(f+".type", "required")
		default:
			return invalid(f+".type", "unknown (web_url, postback, phone_number)")
		}
	}
	return nil
}

func (e *Element) validate(stack Stack, field string) error {
	switch {
	case strings.TrimSpace(e.Title) == "":
		return invalid(field+".title", "required")
	case utf8.RuneCountInString(e.Title) > MaxElementTitle:
		return invalid(field+".title", fmt.Sprintf("longer than %d characters", MaxElementTitle))
	case utf8.RuneCountInString(e.Subtitle) > MaxElementTitle:
		return invalid(field+".subtitle", fmt.Sprintf("longer than %d characters", MaxElementTitle))
	}
	if e.ImageURL != "" {
		if err := validURL(field+".image_url", e.ImageURL); err != nil {
			return err
		}
	}
	if e.DefaultURL != "" {
		if err := validURL(field+".default_action.url", e.DefaultURL); err != nil {
			return err
		}
	}
	return validButtons(stack, field+".buttons", e.Buttons, false)
}

// wire shapes of the Send API.

type wireRecipient struct {
	ID        string `json:"id,omitempty"`
	CommentID string `json:"comment_id,omitempty"`
}

type wireSend struct {
	Recipient     wireRecipient `json:"recipient"`
	MessagingType string        `json:"messaging_type,omitempty"`
	Tag           Tag           `json:"tag,omitempty"`
	Message       *wireMessage  `json:"message,omitempty"`
	SenderAction  SenderAction  `json:"sender_action,omitempty"`
	Payload       *wireReaction `json:"payload,omitempty"`
	ReplyTo       *wireReplyTo  `json:"reply_to,omitempty"`
}

type wireReplyTo struct {
	MID string `json:"mid"`
}

type wireReaction struct {
	MessageID string `json:"message_id"`
	Reaction  string `json:"reaction,omitempty"`
}

type wireMessage struct {
	Text         string           `json:"text,omitempty"`
	Attachment   *wireAttachment  `json:"attachment,omitempty"`
	QuickReplies []wireQuickReply `json:"quick_replies,omitempty"`
	Metadata     string           `json:"metadata,omitempty"`
}

type wireAttachment struct {
	Type    string `json:"type"`
	Payload any    `json:"payload"`
}

type wireMediaPayload struct {
	URL          string `json:"url,omitempty"`
	AttachmentID string `json:"attachment_id,omitempty"`
	IsReusable   bool   `json:"is_reusable,omitempty"`
}

type wireTemplate struct {
	TemplateType string        `json:"template_type"`
	Text         string        `json:"text,omitempty"`
	Elements     []wireElement `json:"elements,omitempty"`
	Buttons      []wireButton  `json:"buttons,omitempty"`
}

type wireElement struct {
	Title         string       `json:"title"`
	Subtitle      string       `json:"subtitle,omitempty"`
	ImageURL      string       `json:"image_url,omitempty"`
	DefaultAction *wireButton  `json:"default_action,omitempty"`
	Buttons       []wireButton `json:"buttons,omitempty"`
}

type wireButton struct {
	Type    ButtonType `json:"type"`
	Title   string     `json:"title,omitempty"`
	URL     string     `json:"url,omitempty"`
	Payload string     `json:"payload,omitempty"`
}

type wireQuickReply struct {
	ContentType QuickReplyType `json:"content_type"`
	Title       string         `json:"title,omitempty"`
	Payload     string         `json:"payload,omitempty"`
	ImageURL    string         `json:"image_url,omitempty"`
}

func buttonsWire(bs []Button) []wireButton {
	out := make([]wireButton, 0, len(bs))
	for _, b := range bs {
		out = append(out, wireButton{Type: b.Type, Title: b.Title, URL: b.URL, Payload: b.Payload})
	}
	return out
}

func (m *Message) wire(metadata string) *wireMessage {
	w := &wireMessage{Text: m.Text, Metadata: metadata}
	switch {
	case m.Media != nil:
		w.Attachment = &wireAttachment{Type: string(m.Media.Type), Payload: wireMediaPayload{
			URL: m.Media.URL, AttachmentID: m.Media.AttachmentID, IsReusable: m.Media.Reusable,
		}}
	case len(m.Generic) > 0:
		t := wireTemplate{TemplateType: "generic"}
		for _, e := range m.Generic {
			we := wireElement{Title: e.Title, Subtitle: e.Subtitle, ImageURL: e.ImageURL}
			if e.DefaultURL != "" {
				we.DefaultAction = &wireButton{Type: ButtonURL, URL: e.DefaultURL}
			}
			if len(e.Buttons) > 0 {
				we.Buttons = buttonsWire(e.Buttons)
			}
			t.Elements = append(t.Elements, we)
		}
		w.Attachment = &wireAttachment{Type: "template", Payload: t}
	case m.Buttons != nil:
		w.Attachment = &wireAttachment{Type: "template", Payload: wireTemplate{
			TemplateType: "button", Text: m.Buttons.Text, Buttons: buttonsWire(m.Buttons.Buttons),
		}}
	}
	for _, q := range m.QuickReplies {
		ct := q.Type
		if ct == "" {
			ct = QuickReplyText
		}
		w.QuickReplies = append(w.QuickReplies, wireQuickReply{ContentType: ct, Title: q.Title, Payload: q.Payload, ImageURL: q.ImageURL})
	}
	return w
}

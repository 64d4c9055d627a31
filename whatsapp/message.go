package whatsapp

import (
	"encoding/json"
	"math"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Message is one outgoing message: a recipient, a [Content] and optional
// reply context. Build it with a composite literal:
//
//	whatsapp.Message{To: whatsapp.Phone("+919876543210"), Content: whatsapp.Text{Body: "Hi"}}
//
// The JSON of a Message (json.Marshal) is exactly the body of the Cloud API
// POST /<PHONE_NUMBER_ID>/messages call.
type Message struct {
	// To is the recipient: [Phone] or [BSUID].
	To Recipient
	// Content is the message: [Text], [Image], [Audio], [Video], [Document],
	// [Sticker], [Location], [Contacts], [ReplyButtons], [List], [CTAURL],
	// [Flow], [Template] or [Reaction].
	Content Content
	// ReplyTo quotes an earlier message (context.message_id), optional.
	ReplyTo string
	// CallbackData is returned in this message's status webhooks
	// (biz_opaque_callback_data, at most 512 characters), optional.
	CallbackData string
}

// Content is the body of a [Message]. It is implemented only by this
// package's message types.
type Content interface {
	// Type is the Cloud API message type ("text", "image", "interactive"…).
	Type() string
	validate(field string) error
	fill(w *wireMessage)
}

// Limits of the Cloud API, checked before sending.
const (
	MaxTextBody        = 4096
	MaxCaption         = 1024
	MaxCallbackData    = 512
	MaxReplyButtons    = 3
	MaxButtonTitle     = 20
	MaxButtonID        = 256
	MaxInteractiveBody = 1024
	MaxFooter          = 60
	MaxHeaderText      = 60
	MaxListSections    = 10
	MaxListRows        = 10
	MaxRowTitle        = 24
	MaxRowDescription  = 72
	MaxRowID           = 200
	MaxSectionTitle    = 24
	MaxListButton      = 20
)

// Validate checks the message the way the Cloud API would, returning a
// [*ValidationError] naming the field. Send calls it before any request.
func (m Message) Validate() error {
	if err := m.To.Validate(); err != nil {
		return err
	}
	if isNil(m.Content) {
		return invalid("type", "no content: set Message.Content")
	}
	if utf8.RuneCountInString(m.CallbackData) > MaxCallbackData {
		return invalid("biz_opaque_callback_data", "longer than 512 characters")
	}
	if m.ReplyTo != "" && strings.TrimSpace(m.ReplyTo) == "" {
		return invalid("context.message_id", "blank")
	}
	return m.Content.validate(m.Content.Type())
}

// isNil reports whether c is nil or a nil pointer to a content type.
func isNil(c Content) bool {
	if c == nil {
		return true
	}
	v := reflect.ValueOf(c)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

type wireContext struct {
	MessageID string `json:"message_id"`
}

type wireMessage struct {
	MessagingProduct string           `json:"messaging_product"`
	RecipientType    string           `json:"recipient_type"`
	To               string           `json:"to,omitempty"`
	Recipient        string           `json:"recipient,omitempty"`
	Context          *wireContext     `json:"context,omitempty"`
	Type             string           `json:"type"`
	Text             *Text            `json:"text,omitempty"`
	Image            *mediaObject     `json:"image,omitempty"`
	Audio            *mediaObject     `json:"audio,omitempty"`
	Video            *mediaObject     `json:"video,omitempty"`
	Document         *mediaObject     `json:"document,omitempty"`
	Sticker          *mediaObject     `json:"sticker,omitempty"`
	Location         *Location        `json:"location,omitempty"`
	Contacts         []Contact        `json:"contacts,omitempty"`
	Interactive      *wireInteractive `json:"interactive,omitempty"`
	Template         *wireTemplate    `json:"template,omitempty"`
	Reaction         *Reaction        `json:"reaction,omitempty"`
	CallbackData     string           `json:"biz_opaque_callback_data,omitempty"`
}

// MarshalJSON encodes the message as the Cloud API request body.
func (m Message) MarshalJSON() ([]byte, error) { return json.Marshal(m.wire()) }

func (m Message) wire() *wireMessage {
	w := &wireMessage{MessagingProduct: "whatsapp", RecipientType: "individual", CallbackData: m.CallbackData}
	if m.To.bsuid != "" {
		w.Recipient = m.To.bsuid
	} else if m.To.phone != "" {
		w.To = "+" + m.To.phone
	}
	if m.ReplyTo != "" {
		w.Context = &wireContext{MessageID: m.ReplyTo}
	}
	if m.Content != nil {
		w.Type = m.Content.Type()
		m.Content.fill(w)
	}
	return w
}

// Text is a text message.
type Text struct {
	// Body is the text, 1–4096 characters; URLs may be previewed.
	Body string `json:"body"`
	// PreviewURL asks WhatsApp to render a preview of the first URL.
	PreviewURL bool `json:"preview_url,omitempty"`
}

// Type returns "text".
func (Text) Type() string { return "text" }

func (t Text) validate(f string) error {
	return checkText(f+".body", t.Body, MaxTextBody, true)
}

func (t Text) fill(w *wireMessage) { w.Text = &t }

// MediaRef points at media: an uploaded media id or a public https link.
// Exactly one must be set.
type MediaRef struct {
	ID   string
	Link string
}

type mediaObject struct {
	ID       string `json:"id,omitempty"`
	Link     string `json:"link,omitempty"`
	Caption  string `json:"caption,omitempty"`
	Filename string `json:"filename,omitempty"`
}

func (r MediaRef) validate(f string) error {
	switch {
	case r.ID == "" && r.Link == "":
		return invalid(f+".id", "set the media id or link")
	case r.ID != "" && r.Link != "":
		return invalid(f+".link", "set the media id or the link, not both")
	case r.Link != "":
		u, err := url.Parse(r.Link)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return invalid(f+".link", "not an absolute http(s) URL")
		}
	}
	return nil
}

// Image is an image message (JPEG or PNG, at most 5 MB).
type Image struct {
	Media   MediaRef
	Caption string
}

// Type returns "image".
func (Image) Type() string { return "image" }

func (m Image) validate(f string) error {
	if err := m.Media.validate(f); err != nil {
		return err
	}
	return checkText(f+".caption", m.Caption, MaxCaption, false)
}

func (m Image) fill(w *wireMessage) {
	w.Image = &mediaObject{ID: m.Media.ID, Link: m.Media.Link, Caption: m.Caption}
}

// Audio is an audio message (AAC, AMR, MP3, MP4 audio or OGG/Opus, at most 16 MB).
type Audio struct{ Media MediaRef }

// Type returns "audio".
func (Audio) Type() string { return "audio" }

func (m Audio) validate(f string) error { return m.Media.validate(f) }

func (m Audio) fill(w *wireMessage) { w.Audio = &mediaObject{ID: m.Media.ID, Link: m.Media.Link} }

// Video is a video message (MP4 or 3GPP, at most 16 MB).
type Video struct {
	Media   MediaRef
	Caption string
}

// Type returns "video".
func (Video) Type() string { return "video" }

func (m Video) validate(f string) error {
	if err := m.Media.validate(f); err != nil {
		return err
	}
	return checkText(f+".caption", m.Caption, MaxCaption, false)
}

func (m Video) fill(w *wireMessage) {
	w.Video = &mediaObject{ID: m.Media.ID, Link: m.Media.Link, Caption: m.Caption}
}

// Document is a document message (at most 100 MB) shown with Filename.
type Document struct {
	Media    MediaRef
	Caption  string
	Filename string
}

// Type returns "document".
func (Document) Type() string { return "document" }

func (m Document) validate(f string) error {
	if err := m.Media.validate(f); err != nil {
		return err
	}
	if strings.ContainsAny(m.Filename, "/\\\x00") {
		return invalid(f+".filename", "must not contain path separators or NUL")
	}
	return checkText(f+".caption", m.Caption, MaxCaption, false)
}

func (m Document) fill(w *wireMessage) {
	w.Document = &mediaObject{ID: m.Media.ID, Link: m.Media.Link, Caption: m.Caption, Filename: m.Filename}
}

// Sticker is a sticker message (WebP, at most 100 KB static or 500 KB animated).
type Sticker struct{ Media MediaRef }

// Type returns "sticker".
func (Sticker) Type() string { return "sticker" }

func (m Sticker) validate(f string) error { return m.Media.validate(f) }

func (m Sticker) fill(w *wireMessage) { w.Sticker = &mediaObject{ID: m.Media.ID, Link: m.Media.Link} }

// Location is a location message, also the location header of a template.
type Location struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
	Name      string  `json:"name,omitempty"`
	Address   string  `json:"address,omitempty"`
}

// Type returns "location".
func (Location) Type() string { return "location" }

func (l Location) validate(f string) error {
	if math.IsNaN(l.Latitude) || l.Latitude < -90 || l.Latitude > 90 {
		return invalid(f+".latitude", "must be within -90..90")
	}
	if math.IsNaN(l.Longitude) || l.Longitude < -180 || l.Longitude > 180 {
		return invalid(f+".longitude", "must be within -180..180")
	}
	return nil
}

func (l Location) fill(w *wireMessage) { w.Location = &l }

// Contacts is a message carrying one or more contact cards.
type Contacts []Contact

// Contact is a contact card, as sent and as received.
type Contact struct {
	Name      ContactName      `json:"name"`
	Phones    []ContactPhone   `json:"phones,omitempty"`
	Emails    []ContactEmail   `json:"emails,omitempty"`
	URLs      []ContactURL     `json:"urls,omitempty"`
	Addresses []ContactAddress `json:"addresses,omitempty"`
	Org       *ContactOrg      `json:"org,omitempty"`
	// Birthday is YYYY-MM-DD.
	Birthday string `json:"birthday,omitempty"`
}

// ContactName is a contact's name; FormattedName is required.
type ContactName struct {
	FormattedName string `json:"formatted_name"`
	FirstName     string `json:"first_name,omitempty"`
	LastName      string `json:"last_name,omitempty"`
	MiddleName    string `json:"middle_name,omitempty"`
	Prefix        string `json:"prefix,omitempty"`
	Suffix        string `json:"suffix,omitempty"`
}

// ContactPhone is a contact's phone number; WaID links it to WhatsApp.
type ContactPhone struct {
	Phone string `json:"phone,omitempty"`
	Type  string `json:"type,omitempty"`
	WaID  string `json:"wa_id,omitempty"`
}

// ContactEmail is a contact's email address.
type ContactEmail struct {
	Email string `json:"email,omitempty"`
	Type  string `json:"type,omitempty"`
}

// ContactURL is a contact's web address.
type ContactURL struct {
	URL  string `json:"url,omitempty"`
	Type string `json:"type,omitempty"`
}

// ContactAddress is a contact's postal address.
type ContactAddress struct {
	Street      string `json:"street,omitempty"`
	City        string `json:"city,omitempty"`
	State       string `json:"state,omitempty"`
	Zip         string `json:"zip,omitempty"`
	Country     string `json:"country,omitempty"`
	CountryCode string `json:"country_code,omitempty"`
	Type        string `json:"type,omitempty"`
}

// ContactOrg is a contact's organisation.
type ContactOrg struct {
	Company    string `json:"company,omitempty"`
	Department string `json:"department,omitempty"`
	Title      string `json:"title,omitempty"`
}

// Type returns "contacts".
func (Contacts) Type() string { return "contacts" }

func (c Contacts) validate(f string) error {
	if len(c) == 0 {
		return invalid(f, "at least one contact is required")
	}
	for i, ct := range c {
		if strings.TrimSpace(ct.Name.FormattedName) == "" {
			return invalid(f+"["+strconv.Itoa(i)+"].name.formatted_name", "required")
		}
	}
	return nil
}

func (c Contacts) fill(w *wireMessage) { w.Contacts = c }

// Reaction reacts to a message with an emoji; an empty Emoji removes the
// reaction.
type Reaction struct {
	MessageID string `json:"message_id"`
	Emoji     string `json:"emoji"`
}

// Type returns "reaction".
func (Reaction) Type() string { return "reaction" }

func (r Reaction) validate(f string) error {
	if strings.TrimSpace(r.MessageID) == "" {
		return invalid(f+".message_id", "required")
	}
	if utf8.RuneCountInString(r.Emoji) > 10 {
		return invalid(f+".emoji", "must be a single emoji")
	}
	return nil
}

func (r Reaction) fill(w *wireMessage) { w.Reaction = &r }

// checkText checks that s is valid UTF-8, at most max characters, and (when
// required) not blank.
func checkText(field, s string, max int, required bool) error {
	if required && strings.TrimSpace(s) == "" {
		return invalid(field, "must not be empty")
	}
	if !utf8.ValidString(s) {
		return invalid(field, "not valid UTF-8")
	}
	if n := utf8.RuneCountInString(s); n > max {
		return invalid(field, "longer than "+strconv.Itoa(max)+" characters ("+strconv.Itoa(n)+")")
	}
	return nil
}

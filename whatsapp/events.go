package whatsapp

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/botsync/botsync/meta"
)

// Webhook fields of whatsapp_business_account changes that [Decode] types.
const (
	FieldMessages               = "messages"
	FieldTemplateStatusUpdate   = "message_template_status_update"
	FieldTemplateCategoryUpdate = "template_category_update"
	FieldTemplateQualityUpdate  = "message_template_quality_update"
	FieldPhoneNumberQuality     = "phone_number_quality_update"
	FieldAccountUpdate          = "account_update"
	FieldUserPreferences        = "user_preferences"
)

// ErrNotWhatsApp means a webhook body is not about a
// whatsapp_business_account object.
var ErrNotWhatsApp = errors.New("whatsapp: webhook is not a whatsapp_business_account object")

// Event is one change of a whatsapp_business_account webhook. Exactly one of
// the typed pointers is set for a known field; for an unknown field none is
// set and Raw keeps the value, so new Meta fields are surfaced, never an
// error. A value of a known field that does not decode sets Err (and Raw).
type Event struct {
	// WABAID is the WhatsApp Business Account id (the entry id).
	WABAID string
	// Field is the change's field, such as "messages".
	Field string
	// Time is the entry's time, when Meta sent one.
	Time time.Time
	// DedupKey identifies the change across redeliveries (see meta.Change).
	DedupKey string
	// Raw is the change's value as received.
	Raw json.RawMessage
	// Err is set when a known field's value could not be decoded.
	Err error

	Messages           *MessagesValue
	TemplateStatus     *TemplateStatusUpdate
	TemplateCategory   *TemplateCategoryUpdate
	TemplateQuality    *TemplateQualityUpdate
	PhoneNumberQuality *PhoneNumberQualityUpdate
	AccountUpdate      *AccountUpdate
	UserPreferences    *UserPreferencesValue
}

// Decode types the changes of a webhook body whose signature was already
// verified (see meta.NewWebhookHandler); it checks no signature itself. A body that is not a webhook
// fails with meta.ErrMalformedWebhook; another object with [ErrNotWhatsApp].
func Decode(body []byte) ([]Event, error) {
	env, err := meta.DecodeWebhook(body)
	if err != nil {
		return nil, fmt.Errorf("whatsapp: decode webhook: %w", err)
	}
	return Events(env)
}

// Events types the changes of a decoded envelope.
func Events(env *meta.Envelope) ([]Event, error) {
	if env.Object != meta.ObjectWhatsAppBusinessAccount {
		return nil, ErrNotWhatsApp
	}
	n := 0
	for _, e := range env.Entries {
		n += len(e.Changes)
	}
	out := make([]Event, 0, n)
	for _, e := range env.Entries {
		var t time.Time
		if e.Time > 0 {
			t = time.Unix(e.Time, 0).UTC()
		}
		for _, c := range e.Changes {
			out = append(out, DecodeChange(e.ID, t, c))
		}
	}
	return out, nil
}

// decodeInto allocates *dst and decodes raw into it.
func decodeInto[T any](dst **T, raw []byte) error {
	*dst = new(T)
	return json.Unmarshal(raw, *dst)
}

// DecodeChange types one change of entry wabaID.
func DecodeChange(wabaID string, t time.Time, c meta.Change) Event {
	ev := Event{WABAID: wabaID, Field: c.Field, Time: t, DedupKey: c.DedupKey, Raw: c.Value}
	var err error
	switch c.Field {
	case FieldMessages:
		err = decodeInto(&ev.Messages, c.Value)
		if err == nil {
			ev.Messages.fixup()
		}
	case FieldTemplateStatusUpdate:
		err = decodeInto(&ev.TemplateStatus, c.Value)
	case FieldTemplateCategoryUpdate:
		err = decodeInto(&ev.TemplateCategory, c.Value)
	case FieldTemplateQualityUpdate:
		err = decodeInto(&ev.TemplateQuality, c.Value)
	case FieldPhoneNumberQuality:
		err = decodeInto(&ev.PhoneNumberQuality, c.Value)
	case FieldAccountUpdate:
		err = decodeInto(&ev.AccountUpdate, c.Value)
	case FieldUserPreferences:
		err = decodeInto(&ev.UserPreferences, c.Value)
	}
	if err != nil {
		ev.Messages, ev.TemplateStatus, ev.TemplateCategory, ev.TemplateQuality = nil, nil, nil, nil
		ev.PhoneNumberQuality, ev.AccountUpdate, ev.UserPreferences = nil, nil, nil
		ev.Err = fmt.Errorf("whatsapp: decode %s change: %s", c.Field, describeJSONError(err))
	}
	return ev
}

func describeJSONError(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return "invalid JSON at offset " + strconv.FormatInt(se.Offset, 10)
	case errors.As(err, &te):
		if te.Field != "" {
			return "field " + strconv.Quote(te.Field) + " has the wrong type (" + te.Value + ")"
		}
		return "wrong JSON type (" + te.Value + ")"
	}
	var ue *unixTimeError
	if errors.As(err, &ue) {
		return ue.Error()
	}
	return "invalid JSON"
}

// UnixTime is a time sent by Meta as Unix seconds, either as a JSON string
// ("1750091200") or a number. The zero UnixTime is absent.
type UnixTime struct{ time.Time }

type unixTimeError struct{}

func (*unixTimeError) Error() string { return "a timestamp is not Unix seconds" }

// UnmarshalJSON accepts "123", 123 and null.
func (u *UnixTime) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" || s == `""` {
		u.Time = time.Time{}
		return nil
	}
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > 1<<40 {
		return &unixTimeError{}
	}
	u.Time = time.Unix(n, 0).UTC()
	return nil
}

// MarshalJSON encodes the time as a string of Unix seconds.
func (u UnixTime) MarshalJSON() ([]byte, error) {
	if u.IsZero() {
		return []byte(`""`), nil
	}
	return []byte(`"` + strconv.FormatInt(u.Unix(), 10) + `"`), nil
}

// Metadata identifies the business phone number a messages change is about.
type Metadata struct {
	DisplayPhoneNumber string `json:"display_phone_number"`
	PhoneNumberID      string `json:"phone_number_id"`
}

// MessagesValue is the value of a "messages" change: inbound messages with
// their senders' profiles, statuses of sent messages, or errors.
type MessagesValue struct {
	MessagingProduct string           `json:"messaging_product"`
	Metadata         Metadata         `json:"metadata"`
	Contacts         []WebhookContact `json:"contacts,omitempty"`
	Messages         []InboundMessage `json:"messages,omitempty"`
	Statuses         []Status         `json:"statuses,omitempty"`
	Errors           []ErrorDetail    `json:"errors,omitempty"`
}

func (v *MessagesValue) fixup() {
	for i := range v.Messages {
		m := &v.Messages[i]
		m.PhoneNumberID = v.Metadata.PhoneNumberID
		for _, c := range v.Contacts {
			if (c.WaID != "" && c.WaID == m.From) || (c.UserID != "" && c.UserID == m.FromUserID) {
				m.Profile = c
				if m.FromUserID == "" {
					m.FromUserID = c.UserID
				}
				break
			}
		}
		if m.Profile.WaID == "" && m.Profile.UserID == "" && len(v.Contacts) == 1 {
			m.Profile = v.Contacts[0]
			if m.FromUserID == "" {
				m.FromUserID = v.Contacts[0].UserID
			}
		}
	}
	for i := range v.Statuses {
		v.Statuses[i].PhoneNumberID = v.Metadata.PhoneNumberID
	}
}

// WebhookContact is the sender of inbound messages: profile name, wa_id
// (phone digits, absent for some BSUID-only users) and BSUID (user_id).
type WebhookContact struct {
	Profile struct {
		Name string `json:"name"`
	} `json:"profile"`
	WaID   string `json:"wa_id,omitempty"`
	UserID string `json:"user_id,omitempty"`
}

// Recipient returns a recipient to answer the contact: the phone number when
// known, otherwise the BSUID.
func (c WebhookContact) Recipient() Recipient {
	if c.WaID != "" {
		return Phone(c.WaID)
	}
	return BSUID(c.UserID)
}

// ErrorDetail is an error object inside a webhook (statuses, unsupported
// messages, value-level errors).
type ErrorDetail struct {
	Code      int    `json:"code"`
	Title     string `json:"title"`
	Message   string `json:"message,omitempty"`
	ErrorData struct {
		Details string `json:"details,omitempty"`
	} `json:"error_data"`
	Href string `json:"href,omitempty"`
}

// Error implements error, so a failed status's errors can be classified
// with [Classify].
func (e ErrorDetail) Error() string {
	return "whatsapp: (#" + strconv.Itoa(e.Code) + ") " + e.Title
}

// MessageContext is the context of an inbound message: the message replied
// to, forwarding, or the product asked about.
type MessageContext struct {
	From                string `json:"from,omitempty"`
	ID                  string `json:"id,omitempty"`
	Forwarded           bool   `json:"forwarded,omitempty"`
	FrequentlyForwarded bool   `json:"frequently_forwarded,omitempty"`
	ReferredProduct     *struct {
		CatalogID         string `json:"catalog_id"`
		ProductRetailerID string `json:"product_retailer_id"`
	} `json:"referred_product,omitempty"`
}

// InboundMedia is the media of an inbound image, audio, video, document or
// sticker message; download it by ID with the media service.
type InboundMedia struct {
	ID       string `json:"id"`
	MimeType string `json:"mime_type,omitempty"`
	SHA256   string `json:"sha256,omitempty"`
	Caption  string `json:"caption,omitempty"`
	Filename string `json:"filename,omitempty"`
	Voice    bool   `json:"voice,omitempty"`
	Animated bool   `json:"animated,omitempty"`
}

// InteractiveReply is the answer to an interactive message: a reply button,
// a list row or a completed flow (nfm_reply).
type InteractiveReply struct {
	// Type is "button_reply", "list_reply" or "nfm_reply".
	Type        string `json:"type"`
	ButtonReply *struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	} `json:"button_reply,omitempty"`
	ListReply *struct {
		ID          string `json:"id"`
		Title       string `json:"title"`
		Description string `json:"description,omitempty"`
	} `json:"list_reply,omitempty"`
	NFMReply *struct {
		Name         string `json:"name,omitempty"`
		Body         string `json:"body,omitempty"`
		ResponseJSON string `json:"response_json"`
	} `json:"nfm_reply,omitempty"`
}

// Order is an order sent from a catalog.
type Order struct {
	CatalogID    string `json:"catalog_id"`
	Text         string `json:"text,omitempty"`
	ProductItems []struct {
		ProductRetailerID string      `json:"product_retailer_id"`
		Quantity          json.Number `json:"quantity"`
		ItemPrice         json.Number `json:"item_price"`
		Currency          string      `json:"currency"`
	} `json:"product_items"`
}

// Referral is the ad or post a user clicked before writing
// (click-to-WhatsApp).
type Referral struct {
	SourceURL      string `json:"source_url,omitempty"`
	SourceID       string `json:"source_id,omitempty"`
	SourceType     string `json:"source_type,omitempty"`
	Body           string `json:"body,omitempty"`
	Headline       string `json:"headline,omitempty"`
	MediaType      string `json:"media_type,omitempty"`
	ImageURL       string `json:"image_url,omitempty"`
	VideoURL       string `json:"video_url,omitempty"`
	ThumbnailURL   string `json:"thumbnail_url,omitempty"`
	CTWAClickID    string `json:"ctwa_clid,omitempty"`
	WelcomeMessage *struct {
		Text string `json:"text"`
	} `json:"welcome_message,omitempty"`
}

// SystemMessage reports a user changing number or identity.
type SystemMessage struct {
	Body     string `json:"body,omitempty"`
	Type     string `json:"type,omitempty"`
	Identity string `json:"identity,omitempty"`
	WaID     string `json:"wa_id,omitempty"`
	NewWaID  string `json:"new_wa_id,omitempty"`
	Customer string `json:"customer,omitempty"`
	UserID   string `json:"user_id,omitempty"`
}

// InboundMessage is a message a user sent to the business. Type says which
// field is set; an unknown Type is kept as is with Raw, never an error.
type InboundMessage struct {
	// From is the sender's wa_id (phone digits); FromUserID the BSUID.
	From       string   `json:"from,omitempty"`
	FromUserID string   `json:"from_user_id,omitempty"`
	ID         string   `json:"id"`
	Timestamp  UnixTime `json:"timestamp"`
	// Type is text, image, audio, video, document, sticker, location,
	// contacts, interactive, button, order, reaction, system, request_welcome,
	// unsupported, or a type this package does not know yet.
	Type    string          `json:"type"`
	Context *MessageContext `json:"context,omitempty"`

	Text *struct {
		Body string `json:"body"`
	} `json:"text,omitempty"`
	Image       *InboundMedia     `json:"image,omitempty"`
	Audio       *InboundMedia     `json:"audio,omitempty"`
	Video       *InboundMedia     `json:"video,omitempty"`
	Document    *InboundMedia     `json:"document,omitempty"`
	Sticker     *InboundMedia     `json:"sticker,omitempty"`
	Location    *InboundLocation  `json:"location,omitempty"`
	Contacts    []Contact         `json:"contacts,omitempty"`
	Interactive *InteractiveReply `json:"interactive,omitempty"`
	Button      *struct {
		Payload string `json:"payload"`
		Text    string `json:"text"`
	} `json:"button,omitempty"`
	Order    *Order         `json:"order,omitempty"`
	Referral *Referral      `json:"referral,omitempty"`
	Reaction *Reaction      `json:"reaction,omitempty"`
	System   *SystemMessage `json:"system,omitempty"`
	Errors   []ErrorDetail  `json:"errors,omitempty"`

	// PhoneNumberID is the business number that received the message (from
	// the change's metadata).
	PhoneNumberID string `json:"-"`
	// Profile is the sender's entry of the change's contacts.
	Profile WebhookContact `json:"-"`
	// Raw is the message's JSON.
	Raw json.RawMessage `json:"-"`
}

// InboundLocation is a shared location.
type InboundLocation struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
	Name      string  `json:"name,omitempty"`
	Address   string  `json:"address,omitempty"`
	URL       string  `json:"url,omitempty"`
}

// UnmarshalJSON decodes the message and keeps its raw JSON.
func (m *InboundMessage) UnmarshalJSON(b []byte) error {
	type plain InboundMessage
	if err := json.Unmarshal(b, (*plain)(m)); err != nil {
		return err
	}
	m.Raw = append(json.RawMessage(nil), b...)
	return nil
}

// Media returns the message's media for the media types, or nil.
func (m *InboundMessage) Media() *InboundMedia {
	switch {
	case m.Image != nil:
		return m.Image
	case m.Audio != nil:
		return m.Audio
	case m.Video != nil:
		return m.Video
	case m.Document != nil:
		return m.Document
	case m.Sticker != nil:
		return m.Sticker
	}
	return nil
}

// Sender returns a recipient to answer the sender.
func (m *InboundMessage) Sender() Recipient {
	if m.From != "" {
		return Phone(m.From)
	}
	return BSUID(m.FromUserID)
}

// Conversation is the conversation a status belongs to (legacy
// conversation-based pricing).
type Conversation struct {
	ID                  string   `json:"id"`
	ExpirationTimestamp UnixTime `json:"expiration_timestamp"`
	Origin              struct {
		Type string `json:"type"`
	} `json:"origin"`
}

// Pricing is how a message is billed.
type Pricing struct {
	Billable     bool   `json:"billable"`
	PricingModel string `json:"pricing_model"`
	// Category is marketing, utility, authentication, service…
	Category string `json:"category"`
	// Type is regular, free_customer_service, free_entry_point…
	Type string `json:"type,omitempty"`
}

// Status is a status update of a sent message.
type Status struct {
	ID string `json:"id"`
	// Status is sent, delivered, read, failed (or played, deleted…).
	Status          string        `json:"status"`
	Timestamp       UnixTime      `json:"timestamp"`
	RecipientID     string        `json:"recipient_id,omitempty"`
	RecipientUserID string        `json:"recipient_user_id,omitempty"`
	Conversation    *Conversation `json:"conversation,omitempty"`
	Pricing         *Pricing      `json:"pricing,omitempty"`
	Errors          []ErrorDetail `json:"errors,omitempty"`
	// CallbackData is the biz_opaque_callback_data given at send.
	CallbackData string `json:"biz_opaque_callback_data,omitempty"`
	// PhoneNumberID is the business number that sent the message.
	PhoneNumberID string `json:"-"`
}

// TemplateStatusUpdate is a message_template_status_update change.
type TemplateStatusUpdate struct {
	// Event is APPROVED, REJECTED, PENDING, PAUSED, DISABLED, FLAGGED…
	Event            string      `json:"event"`
	TemplateID       json.Number `json:"message_template_id"`
	TemplateName     string      `json:"message_template_name"`
	TemplateLanguage string      `json:"message_template_language"`
	Reason           string      `json:"reason,omitempty"`
	Category         Category    `json:"message_template_category,omitempty"`
}

// TemplateCategoryUpdate is a template_category_update change.
type TemplateCategoryUpdate struct {
	TemplateID       json.Number `json:"message_template_id"`
	TemplateName     string      `json:"message_template_name"`
	TemplateLanguage string      `json:"message_template_language"`
	PreviousCategory Category    `json:"previous_category,omitempty"`
	NewCategory      Category    `json:"new_category,omitempty"`
	CorrectCategory  Category    `json:"correct_category,omitempty"`
}

// TemplateQualityUpdate is a message_template_quality_update change.
type TemplateQualityUpdate struct {
	PreviousQualityScore string      `json:"previous_quality_score"`
	NewQualityScore      string      `json:"new_quality_score"`
	TemplateID           json.Number `json:"message_template_id"`
	TemplateName         string      `json:"message_template_name"`
	TemplateLanguage     string      `json:"message_template_language"`
}

// PhoneNumberQualityUpdate is a phone_number_quality_update change: the
// number's messaging limit moved (Event is UPGRADE, DOWNGRADE, FLAGGED,
// UNFLAGGED…).
type PhoneNumberQualityUpdate struct {
	DisplayPhoneNumber string `json:"display_phone_number"`
	Event              string `json:"event"`
	CurrentLimit       string `json:"current_limit"`
	OldLimit           string `json:"old_limit,omitempty"`
}

// AccountUpdate is an account_update change (violations, bans, reviews).
type AccountUpdate struct {
	PhoneNumber   string `json:"phone_number,omitempty"`
	Event         string `json:"event"`
	ViolationInfo *struct {
		ViolationType string `json:"violation_type"`
	} `json:"violation_info,omitempty"`
	BanInfo *struct {
		WABABanState string `json:"waba_ban_state"`
		WABABanDate  string `json:"waba_ban_date"`
	} `json:"ban_info,omitempty"`
}

// UserPreferencesValue is a user_preferences change: users stopping or
// resuming marketing messages.
type UserPreferencesValue struct {
	MessagingProduct string           `json:"messaging_product"`
	Metadata         Metadata         `json:"metadata"`
	Contacts         []WebhookContact `json:"contacts,omitempty"`
	UserPreferences  []UserPreference `json:"user_preferences"`
}

// UserPreference is one preference change; Value "stop" opts the user out
// of Category ("marketing_messages"), "resume" opts back in.
type UserPreference struct {
	WaID      string   `json:"wa_id,omitempty"`
	UserID    string   `json:"user_id,omitempty"`
	Detail    string   `json:"detail,omitempty"`
	Category  string   `json:"category"`
	Value     string   `json:"value"`
	Timestamp UnixTime `json:"timestamp"`
}

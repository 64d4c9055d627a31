package meta

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"strconv"
)

// Object is the kind of Graph object a webhook is about.
type Object string

// Objects BotSync understands. Other objects decode too and are kept as they
// are.
const (
	ObjectPage                    Object = "page"
	ObjectInstagram               Object = "instagram"
	ObjectWhatsAppBusinessAccount Object = "whatsapp_business_account"
)

// ErrMalformedWebhook means a webhook body was not a JSON object with an
// "object" and an "entry" array.
var ErrMalformedWebhook = errors.New("meta: malformed webhook")

// Envelope is a decoded webhook delivery.
type Envelope struct {
	Object  Object  `json:"object"`
	Entries []Entry `json:"entry"`
	// Raw is the whole body as received.
	Raw json.RawMessage `json:"-"`
}

// Entry is one element of "entry": a Page, Instagram account or WhatsApp
// Business Account and what happened to it.
type Entry struct {
	// ID is the Page id, Instagram account id or WABA id.
	ID string
	// Time is the entry's time as Meta sent it: Unix seconds for Pages and
	// WhatsApp, milliseconds for some Instagram events.
	Time int64
	// Messaging holds messaging events (Messenger, Instagram messaging).
	Messaging []Messaging
	// Changes holds field changes (WhatsApp, comments, mentions…).
	Changes []Change
	// Raw is the entry's JSON.
	Raw json.RawMessage
}

// Messaging is one element of an entry's "messaging" (or "standby") array.
type Messaging struct {
	SenderID    string
	RecipientID string
	Timestamp   int64
	// Kind names the event: "message", "postback", "read", "reaction",
	// "message_edit", "optin", "referral", "delivery", … or "unknown".
	Kind string
	// MessageID is message.mid for message events (and the reacted or read
	// message where Meta names one).
	MessageID string
	// IsEcho reports message.is_echo: a message the account itself sent.
	IsEcho bool
	// Standby is true when the event came in the "standby" array (another
	// app has thread control).
	Standby bool
	// Raw is the event's JSON; package instagram decodes it fully.
	Raw json.RawMessage
	// DedupKey identifies the event across redeliveries.
	DedupKey string
}

// Change is one element of an entry's "changes" array.
type Change struct {
	Field string
	Value json.RawMessage
	// DedupKey identifies the change across redeliveries.
	DedupKey string
}

// Event is one messaging event or change, flattened out of its entry.
type Event struct {
	Object  Object
	EntryID string
	Time    int64
	// Field is the change's field, or "messaging" / "standby".
	Field string
	// Raw is the messaging event's JSON or the change's value.
	Raw      json.RawMessage
	DedupKey string
}

// DecodeWebhook decodes a webhook body into an [Envelope]. Unknown objects,
// fields and event kinds are kept, never an error; only a body that is not a
// JSON object with an "object" string and an "entry" array fails, with
// [ErrMalformedWebhook]. The body is walked once; Raw fields are sub-slices of
// body, so the caller must not modify body afterwards. Decode only bodies
// whose signature was verified.
func DecodeWebhook(body []byte) (*Envelope, error) {
	s := &scanner{b: body}
	env := &Envelope{Raw: body}
	hasEntry := false
	err := s.object(func(key []byte) error {
		switch string(key) {
		case "object":
			if s.peek() != '"' {
				return errors.New("\"object\" must be a string")
			}
			o, err := s.str()
			env.Object = Object(o)
			return err
		case "entry":
			if s.peek() != '[' {
				return errors.New("\"entry\" must be an array")
			}
			hasEntry = true
			env.Entries = env.Entries[:0]
			return s.array(func() error {
				n := len(env.Entries)
				env.Entries = append(env.Entries, Entry{})
				if err := s.entry(&env.Entries[n]); err != nil {
					return fmt.Errorf("entry %d: %w", n, err)
				}
				return nil
			})
		default:
			_, err := s.skip()
			return err
		}
	})
	if err == nil {
		err = s.end()
	}
	switch {
	case err != nil:
		return nil, fmt.Errorf("%w: %s", ErrMalformedWebhook, err.Error())
	case env.Object == "":
		return nil, fmt.Errorf("%w: missing \"object\"", ErrMalformedWebhook)
	case !hasEntry:
		return nil, fmt.Errorf("%w: missing \"entry\" array", ErrMalformedWebhook)
	}
	for i := range env.Entries {
		e := &env.Entries[i]
		for j := range e.Changes {
			c := &e.Changes[j]
			c.DedupKey = changeKey(env.Object, e.ID, e.Time, c.Field, c.Value)
		}
	}
	return env, nil
}

func (s *scanner) entry(e *Entry) error {
	if s.peek() != '{' {
		return errors.New("must be an object")
	}
	start := s.i
	err := s.object(func(key []byte) error {
		var err error
		switch string(key) {
		case "id":
			if e.ID, err = s.id(); err != nil {
				return fmt.Errorf("\"id\" %w", err)
			}
		case "time":
			if e.Time, err = s.int64Value(); err != nil {
				return fmt.Errorf("\"time\" %w", err)
			}
		case "messaging", "standby":
			standby := string(key) == "standby"
			if s.peek() != '[' {
				return fmt.Errorf("%q must be an array", key)
			}
			return s.array(func() error {
				raw, err := s.skip()
				if err != nil {
					return err
				}
				e.Messaging = append(e.Messaging, decodeMessaging(raw, standby))
				return nil
			})
		case "changes":
			if s.peek() != '[' {
				return errors.New("\"changes\" must be an array")
			}
			return s.array(func() error {
				var c Change
				if s.peek() != '{' {
					return errors.New("change must be an object")
				}
				err := s.object(func(key []byte) error {
					var err error
					switch string(key) {
					case "field":
						if s.peek() != '"' {
							return errors.New("\"field\" must be a string")
						}
						c.Field, err = s.str()
					case "value":
						c.Value, err = s.skip()
					default:
						_, err = s.skip()
					}
					return err
				})
				e.Changes = append(e.Changes, c)
				return err
			})
		default:
			_, err = s.skip()
		}
		return err
	})
	if err != nil {
		return err
	}
	e.Raw = s.b[start:s.i:s.i]
	for i := range e.Messaging {
		m := &e.Messaging[i]
		if m.Kind == "message" && m.MessageID != "" {
			m.DedupKey = "mid:" + m.MessageID
		} else {
			m.DedupKey = hashKey("messaging", e.ID, m.Timestamp, m.Kind, m.Raw)
		}
	}
	return nil
}

// decodeMessaging reads the routing fields of one messaging event. An event
// of an unexpected shape is kept with Kind "unknown".
func decodeMessaging(raw []byte, standby bool) Messaging {
	m := Messaging{Raw: raw, Standby: standby, Kind: "unknown"}
	s := &scanner{b: raw}
	if s.peek() != '{' {
		return m
	}
	err := s.object(func(key []byte) error {
		var err error
		switch k := string(key); k {
		case "sender", "recipient":
			var id string
			id, err = s.subID("id")
			if k == "sender" {
				m.SenderID = id
			} else {
				m.RecipientID = id
			}
		case "timestamp":
			m.Timestamp, err = s.int64Value()
		case "message", "message_edit", "reaction", "read":
			if m.Kind == "unknown" || k == "message" {
				m.Kind = k
			}
			if s.peek() != '{' {
				_, err = s.skip()
				return err
			}
			err = s.object(func(key []byte) error {
				switch string(key) {
				case "mid":
					if m.Kind == k {
						id, err := s.id()
						m.MessageID = id
						return err
					}
				case "is_echo":
					if k == "message" {
						echo, err := s.boolValue()
						m.IsEcho = echo
						return err
					}
				}
				_, err := s.skip()
				return err
			})
		case "postback", "optin", "referral", "delivery":
			if m.Kind == "unknown" {
				m.Kind = k
			}
			_, err = s.skip()
		default:
			_, err = s.skip()
		}
		return err
	})
	if err != nil {
		return Messaging{Raw: raw, Standby: standby, Kind: "unknown"}
	}
	return m
}

// subID reads {"<field>": id, ...} and returns the id; null gives "".
func (s *scanner) subID(field string) (string, error) {
	if s.peek() == 'n' {
		return "", s.literal("null")
	}
	var id string
	err := s.object(func(key []byte) error {
		if string(key) == field {
			var err error
			id, err = s.id()
			return err
		}
		_, err := s.skip()
		return err
	})
	return id, err
}

func changeKey(obj Object, entryID string, t int64, field string, value json.RawMessage) string {
	switch {
	case obj == ObjectWhatsAppBusinessAccount && field == "messages":
		if k, ok := whatsAppKey(value); ok {
			return k
		}
	case field == "comments" || field == "live_comments":
		s := &scanner{b: value}
		if s.peek() == '{' {
			if id, err := s.subID("id"); err == nil && id != "" {
				return "comment:" + id
			}
		}
	}
	return hashKey(string(obj), entryID, t, field, value)
}

// whatsAppKey names a WhatsApp "messages" change by its message ids and
// status ids and states.
func whatsAppKey(value []byte) (string, bool) {
	s := &scanner{b: value}
	if s.peek() != '{' {
		return "", false
	}
	buf := make([]byte, 0, 96)
	buf = append(buf, "wa"...)
	complete := true
	err := s.object(func(key []byte) error {
		kind := string(key)
		if (kind != "messages" && kind != "statuses") || s.peek() != '[' {
			_, err := s.skip()
			return err
		}
		return s.array(func() error {
			if s.peek() != '{' {
				complete = false
				_, err := s.skip()
				return err
			}
			var id, status string
			err := s.object(func(key []byte) error {
				var err error
				switch string(key) {
				case "id":
					id, err = s.id()
				case "status":
					if kind == "statuses" && s.peek() == '"' {
						status, err = s.str()
						return err
					}
					_, err = s.skip()
				default:
					_, err = s.skip()
				}
				return err
			})
			if id == "" {
				complete = false
			}
			if kind == "messages" {
				buf = append(buf, "|msg:"...)
				buf = append(buf, id...)
			} else {
				buf = append(buf, "|status:"...)
				buf = append(buf, id...)
				buf = append(buf, ':')
				buf = append(buf, status...)
			}
			return err
		})
	})
	if err != nil || !complete || len(buf) == 2 {
		return "", false
	}
	return string(buf), true
}

func hashKey(obj, entryID string, t int64, field string, value []byte) string {
	h := sha256.New()
	h.Write([]byte(obj))
	h.Write([]byte{0})
	h.Write([]byte(entryID))
	h.Write([]byte{0})
	h.Write(strconv.AppendInt(nil, t, 10))
	h.Write([]byte{0})
	h.Write([]byte(field))
	h.Write([]byte{0})
	h.Write(value)
	var sum [sha256.Size]byte
	return "h:" + hex.EncodeToString(h.Sum(sum[:0])[:16])
}

// Events yields every messaging event and change of every entry, in order.
func (e *Envelope) Events() iter.Seq[Event] {
	return func(yield func(Event) bool) {
		for _, en := range e.Entries {
			for _, m := range en.Messaging {
				field := "messaging"
				if m.Standby {
					field = "standby"
				}
				if !yield(Event{Object: e.Object, EntryID: en.ID, Time: en.Time, Field: field, Raw: m.Raw, DedupKey: m.DedupKey}) {
					return
				}
			}
			for _, c := range en.Changes {
				if !yield(Event{Object: e.Object, EntryID: en.ID, Time: en.Time, Field: c.Field, Raw: c.Value, DedupKey: c.DedupKey}) {
					return
				}
			}
		}
	}
}

// jsonErrorReason describes a JSON error without quoting the input.
func jsonErrorReason(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return "invalid JSON at offset " + strconv.FormatInt(se.Offset, 10)
	case errors.As(err, &te):
		if te.Field != "" {
			return "field \"" + te.Field + "\" has the wrong type (" + te.Value + ")"
		}
		return "wrong JSON type (" + te.Value + ")"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "truncated JSON"
	default:
		return "invalid JSON"
	}
}

package whatsapp

import (
	"log/slog"
	"regexp"
	"strings"
)

// Recipient is who a message goes to: a phone number (sent as "to") or a
// business-scoped user id (BSUID, sent as "recipient"). Both are first-class:
// build one with [Phone] or [BSUID]. The zero Recipient is invalid.
//
// A Recipient is personal data: its String, GoString and LogValue redact it.
type Recipient struct {
	phone string // digits only, no "+"
	bsuid string
	raw   string // as given, for validation errors without echoing it
}

// Phone returns a recipient for an E.164 phone number such as "+919876543210"
// (spaces, dashes, dots and parentheses are ignored; the "+" is optional, as
// WhatsApp ids are digits only). Validation happens when the message is sent.
func Phone(number string) Recipient {
	clean := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '.', '(', ')':
			return -1
		}
		return r
	}, strings.TrimSpace(number))
	return Recipient{phone: strings.TrimPrefix(clean, "+"), raw: number}
}

// BSUID returns a recipient for a business-scoped user id, such as
// "US.13491208655302741918", as reported in webhooks' "user_id".
func BSUID(id string) Recipient { return Recipient{bsuid: strings.TrimSpace(id), raw: id} }

var (
	e164RE  = regexp.MustCompile(`^[1-9][0-9]{6,14}$`)
	bsuidRE = regexp.MustCompile(`^[A-Z]{2}\.[0-9A-Za-z_-]{6,128}$`)
)

// IsZero reports whether r is the zero Recipient.
func (r Recipient) IsZero() bool { return r.phone == "" && r.bsuid == "" && r.raw == "" }

// IsBSUID reports whether r is a business-scoped user id.
func (r Recipient) IsBSUID() bool { return r.bsuid != "" }

// PhoneNumber returns the phone number in E.164 form ("+" and digits), or ""
// for a BSUID recipient.
func (r Recipient) PhoneNumber() string {
	if r.phone == "" {
		return ""
	}
	return "+" + r.phone
}

// Key returns the identifier WhatsApp uses for the contact: the wa_id (the
// phone number's digits) or the BSUID. Window tracking and pacing key on it.
func (r Recipient) Key() string {
	if r.bsuid != "" {
		return r.bsuid
	}
	return r.phone
}

// Validate reports whether r is a well-formed phone number or BSUID, with an
// error naming the field ("to" or "recipient") and never echoing the value.
func (r Recipient) Validate() error {
	switch {
	case r.bsuid != "":
		if !bsuidRE.MatchString(r.bsuid) {
			return invalid("recipient", "not a business-scoped user id (want a form like US.1349…)")
		}
		return nil
	case r.phone == "" && r.raw == "":
		return invalid("to", "no recipient: use whatsapp.Phone or whatsapp.BSUID")
	case !e164RE.MatchString(r.phone):
		return invalid("to", "not an E.164 phone number (want + country code and 7–15 digits)")
	}
	return nil
}

// String returns a redacted form that keeps only the kind and the last two
// characters, e.g. "phone:…34".
func (r Recipient) String() string {
	k, v := "phone", r.phone
	if r.bsuid != "" {
		k, v = "bsuid", r.bsuid
	}
	if len(v) > 2 {
		v = v[len(v)-2:]
	}
	return k + ":…" + v
}

// GoString returns the redacted form.
func (r Recipient) GoString() string { return "whatsapp.Recipient(" + r.String() + ")" }

// LogValue returns the redacted form.
func (r Recipient) LogValue() slog.Value { return slog.StringValue(r.String()) }

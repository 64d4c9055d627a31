package secret

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
)

// PII is personal data (a phone number, an email address, a name) that may be
// stored and sent to the APIs that need it but must never reach logs, error
// strings or panics. It prints as "[PII]" (or "[PII sha256:…]" with a
// fingerprint) everywhere; [PII.Reveal] returns the raw value.
type PII struct {
	v           string
	fingerprint bool
}

// RedactedPII is what PII prints as.
const RedactedPII = "[PII]"

// NewPII wraps s as personal data.
func NewPII(s string, opts ...Option) PII {
	tmp := Value{}
	for _, o := range opts {
		o(&tmp)
	}
	return PII{v: s, fingerprint: tmp.fingerprint}
}

// Reveal returns the raw value.
func (p PII) Reveal() string { return p.v }

// IsZero reports whether the value is empty.
func (p PII) IsZero() bool { return p.v == "" }

// Fingerprint returns a short SHA-256 prefix, useful to correlate log lines
// about the same person without naming them.
func (p PII) Fingerprint() string { return fingerprint(p.v) }

func (p PII) redacted() string {
	if p.fingerprint && p.v != "" {
		return "[PII sha256:" + fingerprint(p.v) + "]"
	}
	return RedactedPII
}

// String implements fmt.Stringer and always redacts.
func (p PII) String() string { return p.redacted() }

// GoString implements fmt.GoStringer and always redacts.
func (p PII) GoString() string { return "secret.PII(" + p.redacted() + ")" }

// Format implements fmt.Formatter so that every verb redacts.
func (p PII) Format(f fmt.State, verb rune) { format(f, verb, p.redacted(), p.GoString()) }

// LogValue implements slog.LogValuer.
func (p PII) LogValue() slog.Value { return slog.StringValue(p.redacted()) }

// MarshalJSON implements json.Marshaler with the redaction. Code that must
// store or send the value marshals p.Reveal() explicitly.
func (p PII) MarshalJSON() ([]byte, error) { return marshalJSON(p.redacted()) }

// MarshalText implements encoding.TextMarshaler with the redaction.
func (p PII) MarshalText() ([]byte, error) { return []byte(p.redacted()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (p *PII) UnmarshalText(b []byte) error { p.v = string(b); return nil }

// UnmarshalJSON accepts a JSON string.
func (p *PII) UnmarshalJSON(b []byte) error {
	s, err := unmarshalJSONString(b)
	if err != nil {
		return fmt.Errorf("secret: %w", err)
	}
	p.v = s
	return nil
}

func marshalJSON(s string) ([]byte, error) { return json.Marshal(s) }

var errNotString = errors.New("value must be a JSON string")

func unmarshalJSONString(b []byte) (string, error) {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return "", errNotString
	}
	return s, nil
}

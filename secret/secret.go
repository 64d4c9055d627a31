// Package secret holds values that must never be printed: access tokens, app
// secrets, API keys and personal data such as phone numbers.
//
// A [Value] (and its personal-data sibling [PII]) redacts itself everywhere Go
// might print it: fmt with every verb (%v, %+v, %#v, %s, %q, %x, %d…),
// log/slog through [slog.LogValuer], encoding/json through MarshalJSON and
// encoding.TextMarshaler. The raw value is read only with [Value.Reveal], at
// the one place where it goes on the wire.
//
//	tok := secret.New("EAAG…")
//	fmt.Println(tok)                        // [REDACTED]
//	slog.Info("calling graph", "token", tok) // token=[REDACTED]
//	req.Header.Set("Authorization", "Bearer "+tok.Reveal())
//
// A short fingerprint (the first bytes of a SHA-256, never enough to recover
// the value) can be shown instead of the bare redaction so that operators can
// tell two secrets apart: see [Value.Fingerprint] and [WithFingerprint].
//
// The zero Value is an empty secret; [Value.IsZero] reports it. Values are
// immutable and safe for concurrent use.
package secret

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"log/slog"
)

// Redacted is what every printing path shows instead of the value.
const Redacted = "[REDACTED]"

// Value is a secret string (a token, key or password). Its printing methods
// all redact; [Value.Reveal] returns the raw string.
type Value struct {
	v           string
	fingerprint bool
}

// Option configures a Value.
type Option func(*Value)

// WithFingerprint makes the Value print as "[REDACTED sha256:ab12cd34]"
// instead of the bare redaction. Four bytes of SHA-256 identify a value among
// a handful without helping anyone guess it.
func WithFingerprint() Option { return func(v *Value) { v.fingerprint = true } }

// New wraps s as a secret.
func New(s string, opts ...Option) Value {
	v := Value{v: s}
	for _, o := range opts {
		o(&v)
	}
	return v
}

// FromBytes wraps b (copied) as a secret.
func FromBytes(b []byte, opts ...Option) Value { return New(string(b), opts...) }

// Reveal returns the raw value. Call it only where the value goes on the wire
// or into a cryptographic primitive.
func (v Value) Reveal() string { return v.v }

// RevealBytes returns a fresh copy of the raw value as bytes.
func (v Value) RevealBytes() []byte { return []byte(v.v) }

// IsZero reports whether the secret is empty.
func (v Value) IsZero() bool { return v.v == "" }

// Len returns the length of the raw value in bytes. Lengths leak little and
// help validation ("key must be 32 bytes").
func (v Value) Len() int { return len(v.v) }

// Equal compares two secrets in constant time (for equal lengths).
func (v Value) Equal(o Value) bool {
	return subtle.ConstantTimeCompare([]byte(v.v), []byte(o.v)) == 1
}

// Fingerprint returns the first 4 bytes of the value's SHA-256 in hex, or ""
// for the zero Value.
func (v Value) Fingerprint() string { return fingerprint(v.v) }

func (v Value) redacted() string { return redact(v.v, v.fingerprint) }

// String implements fmt.Stringer and always redacts.
func (v Value) String() string { return v.redacted() }

// GoString implements fmt.GoStringer (%#v) and always redacts.
func (v Value) GoString() string { return "secret.Value(" + v.redacted() + ")" }

// Format implements fmt.Formatter so that every verb, including %x and %q,
// redacts.
func (v Value) Format(f fmt.State, verb rune) { format(f, verb, v.redacted(), v.GoString()) }

// LogValue implements slog.LogValuer.
func (v Value) LogValue() slog.Value { return slog.StringValue(v.redacted()) }

// MarshalJSON implements json.Marshaler with the redaction.
func (v Value) MarshalJSON() ([]byte, error) { return marshalJSON(v.redacted()) }

// MarshalText implements encoding.TextMarshaler with the redaction.
func (v Value) MarshalText() ([]byte, error) { return []byte(v.redacted()), nil }

// UnmarshalText implements encoding.TextUnmarshaler so configuration can be
// decoded straight into a Value.
func (v *Value) UnmarshalText(b []byte) error {
	v.v = string(b)
	return nil
}

// UnmarshalJSON accepts a JSON string.
func (v *Value) UnmarshalJSON(b []byte) error {
	s, err := unmarshalJSONString(b)
	if err != nil {
		return fmt.Errorf("secret: %w", err)
	}
	v.v = s
	return nil
}

func redact(raw string, withFP bool) string {
	if withFP && raw != "" {
		return "[REDACTED sha256:" + fingerprint(raw) + "]"
	}
	return Redacted
}

func fingerprint(raw string) string {
	if raw == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(raw))
	return hex.EncodeToString(sum[:4])
}

func format(f fmt.State, verb rune, red, gostr string) {
	switch {
	case verb == 'v' && f.Flag('#'):
		_, _ = f.Write([]byte(gostr))
	case verb == 'q':
		_, _ = fmt.Fprintf(f, "%q", red)
	default:
		_, _ = f.Write([]byte(red))
	}
}

package crm

import (
	"strings"
	"unicode"
)

// IdentityKind is the kind of a lead's channel identity.
type IdentityKind string

// The identity kinds. Each (kind, value) belongs to at most one lead per
// workspace.
const (
	KindPhone IdentityKind = "phone" // E.164 phone number (see NormalizePhone)
	KindWAID  IdentityKind = "wa_id" // WhatsApp user id: the phone number's digits
	KindBSUID IdentityKind = "bsuid" // WhatsApp business-scoped user id (username users)
	KindIGSID IdentityKind = "igsid" // Instagram-scoped user id
	KindPSID  IdentityKind = "psid"  // Messenger Page-scoped user id
	KindEmail IdentityKind = "email" // email address, lower-cased
)

// Valid reports whether k is one of the known kinds.
func (k IdentityKind) Valid() bool {
	switch k {
	case KindPhone, KindWAID, KindBSUID, KindIGSID, KindPSID, KindEmail:
		return true
	}
	return false
}

// Identity is one way to reach or recognise a lead. Value is normalised by
// NormalizeIdentity; it is personal data and never appears in errors.
type Identity struct {
	Kind  IdentityKind `json:"kind"`
	Value string       `json:"value"`
}

// Phone returns a phone identity (not yet normalised).
func Phone(raw string) Identity { return Identity{Kind: KindPhone, Value: raw} }

// Email returns an email identity (not yet normalised).
func Email(raw string) Identity { return Identity{Kind: KindEmail, Value: raw} }

// WAID returns a WhatsApp wa_id identity (not yet normalised).
func WAID(raw string) Identity { return Identity{Kind: KindWAID, Value: raw} }

// NormalizeIdentity returns id with its value in canonical form: phone numbers
// in E.164 (national variants folded, see NormalizePhone), wa_ids as the digits
// of the canonical E.164 number, emails lower-cased, platform-scoped ids
// trimmed and checked for shape.
func NormalizeIdentity(id Identity, defaultRegion string) (Identity, error) {
	field := string(id.Kind)
	switch id.Kind {
	case KindPhone:
		v, err := NormalizePhone(id.Value, defaultRegion)
		if err != nil {
			return Identity{}, err
		}
		return Identity{Kind: KindPhone, Value: v}, nil
	case KindWAID:
		v := strings.TrimPrefix(strings.TrimSpace(id.Value), "+")
		if v == "" || !allDigits(v) {
			return Identity{}, invalid(field, "must be the digits of a phone number")
		}
		e164, err := NormalizePhone("+"+v, "")
		if err != nil {
			return Identity{}, invalid(field, "not a valid phone number")
		}
		return Identity{Kind: KindWAID, Value: e164[1:]}, nil
	case KindEmail:
		v, err := NormalizeEmail(id.Value)
		if err != nil {
			return Identity{}, err
		}
		return Identity{Kind: KindEmail, Value: v}, nil
	case KindBSUID, KindIGSID, KindPSID:
		v := strings.TrimSpace(id.Value)
		if v == "" {
			return Identity{}, invalid(field, "empty")
		}
		if len(v) > 128 {
			return Identity{}, invalid(field, "too long")
		}
		for _, r := range v {
			if unicode.IsSpace(r) || unicode.IsControl(r) {
				return Identity{}, invalid(field, "contains spaces or control characters")
			}
		}
		return Identity{Kind: id.Kind, Value: v}, nil
	}
	return Identity{}, invalid("identity.kind", "unknown kind")
}

// normalizeIdentities normalises ids, adds the phone identity implied by a
// wa_id (so a WhatsApp contact matches a lead imported with its phone
// number), and drops duplicates.
func normalizeIdentities(ids []Identity, region string) ([]Identity, error) {
	if len(ids) == 0 {
		return nil, invalid("identities", "at least one identity is required")
	}
	out := make([]Identity, 0, len(ids)+1)
	seen := map[Identity]bool{}
	add := func(id Identity) {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	for _, id := range ids {
		n, err := NormalizeIdentity(id, region)
		if err != nil {
			return nil, err
		}
		add(n)
		if n.Kind == KindWAID {
			add(Identity{Kind: KindPhone, Value: "+" + n.Value})
		}
	}
	return out, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

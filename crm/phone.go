package crm

import (
	"strings"
	"unicode"

	"github.com/nyaruka/phonenumbers"
)

// maxPhoneInput bounds the raw input; longer strings are rejected before
// parsing.
const maxPhoneInput = 64

// NormalizePhone parses raw (any common written form: "+55 11 98765-4321",
// "098765 43210", "5511987654321") and returns it in E.164 form, using
// defaultRegion (ISO 3166 alpha-2, e.g. "IN") for numbers written without a
// country code. defaultRegion may be empty when raw has one.
//
// The result is canonical across the known national variants, so every
// variant matches one lead:
//   - Brazil: mobile numbers written without the ninth digit
//     (+55 11 8765-4321) gain it (+55 11 98765-4321), as WhatsApp wa_ids
//     often omit it;
//   - Mexico: the retired mobile prefix 1 (+52 1 55 …) is dropped (+52 55 …).
//
// Digits only (as in a WhatsApp wa_id) are read as international when they
// are not valid in defaultRegion. Errors name the field, never the number.
func NormalizePhone(raw, defaultRegion string) (string, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", invalid("phone", "empty")
	}
	if len(s) > maxPhoneInput {
		return "", invalid("phone", "too long")
	}
	for _, r := range s {
		if !(unicode.IsDigit(r) || strings.ContainsRune("+-.() /", r)) {
			return "", invalid("phone", "contains characters that are not part of a phone number")
		}
	}
	region := strings.ToUpper(strings.TrimSpace(defaultRegion))
	if region != "" && phonenumbers.GetCountryCodeForRegion(region) == 0 {
		return "", invalid("region", "unknown region code")
	}
	if n, ok := parseValid(s, region); ok {
		return n, nil
	}
	if !strings.HasPrefix(s, "+") {
		// A bare international number such as a wa_id.
		if n, ok := parseValid("+"+s, ""); ok {
			return n, nil
		}
	}
	return "", invalid("phone", "not a valid phone number")
}

// parseValid parses s and returns its canonical E.164 form if it is valid,
// after fixing the known national variants.
func parseValid(s, region string) (string, bool) {
	if region == "" && !strings.HasPrefix(s, "+") {
		return "", false
	}
	if region == "" {
		region = "ZZ"
	}
	num, err := phonenumbers.Parse(s, region)
	if err != nil {
		return "", false
	}
	fixVariant(num)
	if !phonenumbers.IsValidNumber(num) {
		return "", false
	}
	return phonenumbers.Format(num, phonenumbers.E164), true
}

// fixVariant rewrites the national variants of Brazil and Mexico to their
// current canonical form in place. It is a no-op for other countries.
func fixVariant(num *phonenumbers.PhoneNumber) {
	nn := num.GetNationalNumber()
	switch num.GetCountryCode() {
	case 55: // Brazil: AA + 8-digit mobile (first digit 6-9) lacks the ninth digit.
		if nn >= 1_000_000_000 && nn < 10_000_000_000 {
			area, sub := nn/100_000_000, nn%100_000_000
			if sub/10_000_000 >= 6 && !phonenumbers.IsValidNumber(num) {
				v := area*1_000_000_000 + 900_000_000 + sub
				num.NationalNumber = &v
			}
		}
	case 52: // Mexico: 1 + 10 digits was the mobile prefix until 2019.
		if nn >= 10_000_000_000 && nn < 20_000_000_000 {
			v := nn - 10_000_000_000
			num.NationalNumber = &v
		}
	}
}

// NormalizeEmail trims and lower-cases an email address and checks its shape
// (one @, a non-empty local part, a dotted domain, no spaces).
func NormalizeEmail(raw string) (string, error) {
	s := strings.ToLower(strings.TrimSpace(raw))
	if s == "" {
		return "", invalid("email", "empty")
	}
	if len(s) > 254 {
		return "", invalid("email", "too long")
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 || strings.Count(s, "@") != 1 {
		return "", invalid("email", "not a valid email address")
	}
	domain := s[at+1:]
	if !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") || strings.Contains(domain, "..") {
		return "", invalid("email", "not a valid email address")
	}
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) || r == ',' || r == ';' || r == '<' || r == '>' {
			return "", invalid("email", "not a valid email address")
		}
	}
	return s, nil
}

// PhoneVariants returns the E.164 spellings other systems may use for the
// canonical number e164 (as NormalizePhone returns it), the canonical form
// first: a Brazilian mobile also without its ninth digit, a Mexican number
// also with the old mobile prefix 1. Other numbers have one spelling. It is
// meant for matching records written by systems that do not normalise.
func PhoneVariants(e164 string) []string {
	out := []string{e164}
	switch {
	case strings.HasPrefix(e164, "+55") && len(e164) == 14 && e164[5] == '9':
		// +55 AA 9XXXX-XXXX → +55 AA XXXX-XXXX
		out = append(out, e164[:5]+e164[6:])
	case strings.HasPrefix(e164, "+52") && len(e164) == 13:
		out = append(out, "+521"+e164[3:])
	}
	return out
}

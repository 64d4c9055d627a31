package billing

import (
	"errors"
	"fmt"
	"strings"
)

// GSTIN validation errors. [ValidateGSTIN] returns an error matching
// [ErrInvalidGSTIN] and exactly one of the specific reasons.
var (
	ErrInvalidGSTIN     = errors.New("billing: invalid GSTIN")
	ErrGSTINLength      = errors.New("GSTIN must be 15 characters")
	ErrGSTINCharacters  = errors.New("GSTIN may contain only digits and upper-case letters")
	ErrGSTINStateCode   = errors.New("GSTIN state code (characters 1-2) is not a valid state or union territory code")
	ErrGSTINPAN         = errors.New("GSTIN characters 3-12 are not shaped like a PAN (5 letters, 4 digits, 1 letter)")
	ErrGSTINEntityCode  = errors.New("GSTIN entity code (character 13) must be 1-9 or A-Z")
	ErrGSTINDefaultChar = errors.New("GSTIN character 14 must be 'Z'")
	ErrGSTINCheckDigit  = errors.New("GSTIN check digit (character 15) does not match")
)

// stateNames maps GST state codes to state and union territory names
// (as listed by the GST Network, including 25 and 28 which older
// registrations still carry, 97 "Other Territory" and 99 "Centre
// Jurisdiction").
var stateNames = map[string]string{
	"01": "Jammu and Kashmir", "02": "Himachal Pradesh", "03": "Punjab", "04": "Chandigarh",
	"05": "Uttarakhand", "06": "Haryana", "07": "Delhi", "08": "Rajasthan", "09": "Uttar Pradesh",
	"10": "Bihar", "11": "Sikkim", "12": "Arunachal Pradesh", "13": "Nagaland", "14": "Manipur",
	"15": "Mizoram", "16": "Tripura", "17": "Meghalaya", "18": "Assam", "19": "West Bengal",
	"20": "Jharkhand", "21": "Odisha", "22": "Chhattisgarh", "23": "Madhya Pradesh", "24": "Gujarat",
	"25": "Daman and Diu", "26": "Dadra and Nagar Haveli and Daman and Diu", "27": "Maharashtra",
	"28": "Andhra Pradesh (before division)", "29": "Karnataka", "30": "Goa", "31": "Lakshadweep",
	"32": "Kerala", "33": "Tamil Nadu", "34": "Puducherry", "35": "Andaman and Nicobar Islands",
	"36": "Telangana", "37": "Andhra Pradesh", "38": "Ladakh", "97": "Other Territory",
	"99": "Centre Jurisdiction",
}

// StateName returns the name of a GST state code ("29" → "Karnataka") and
// whether the code is known.
func StateName(code string) (string, bool) {
	n, ok := stateNames[code]
	return n, ok
}

const gstinAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

// ValidateGSTIN checks a regular taxpayer's GSTIN: 15 characters; a state
// code; a PAN (5 letters, 4 digits, 1 letter); an entity code (1-9, A-Z);
// the letter Z; and the check digit — the mod-36 Luhn variant the GST
// Network uses: each of the first 14 characters' values (0-9 then A-Z =
// 10-35) is multiplied by 1 or 2 alternately, the quotient and remainder
// of each product by 36 are summed, and the check character is
// (36 - sum mod 36) mod 36. Input must already be upper case without
// spaces (see [NormalizeGSTIN]).
func ValidateGSTIN(s string) error {
	fail := func(reason error) error { return fmt.Errorf("%w: %w", ErrInvalidGSTIN, reason) }
	if len(s) != 15 {
		return fail(ErrGSTINLength)
	}
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(gstinAlphabet, s[i]) < 0 {
			return fail(ErrGSTINCharacters)
		}
	}
	if _, ok := stateNames[s[:2]]; !ok {
		return fail(ErrGSTINStateCode)
	}
	if !isPAN(s[2:12]) {
		return fail(ErrGSTINPAN)
	}
	if s[12] == '0' {
		return fail(ErrGSTINEntityCode)
	}
	if s[13] != 'Z' {
		return fail(ErrGSTINDefaultChar)
	}
	if gstinCheckChar(s[:14]) != s[14] {
		return fail(ErrGSTINCheckDigit)
	}
	return nil
}

// NormalizeGSTIN upper-cases s and removes spaces, ready for
// [ValidateGSTIN].
func NormalizeGSTIN(s string) string {
	return strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(s), " ", ""))
}

// GSTINStateCode returns the state code of a valid GSTIN.
func GSTINStateCode(gstin string) (string, error) {
	if err := ValidateGSTIN(gstin); err != nil {
		return "", err
	}
	return gstin[:2], nil
}

func isPAN(p string) bool {
	for i := 0; i < 10; i++ {
		c := p[i]
		letter := c >= 'A' && c <= 'Z'
		digit := c >= '0' && c <= '9'
		switch {
		case i < 5 || i == 9:
			if !letter {
				return false
			}
		default:
			if !digit {
				return false
			}
		}
	}
	return true
}

// gstinCheckChar computes the check character for the first 14 characters.
func gstinCheckChar(first14 string) byte {
	sum := 0
	for i := 0; i < 14; i++ {
		v := strings.IndexByte(gstinAlphabet, first14[i])
		p := v * (1 + i%2)
		sum += p/36 + p%36
	}
	return gstinAlphabet[(36-sum%36)%36]
}

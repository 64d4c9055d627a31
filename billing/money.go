package billing

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Paise is an amount of money in the smallest unit of its currency (paise for
// INR). Amounts are never floating point.
type Paise int64

// ErrInvalidAmount reports a negative, fractional or malformed amount.
var ErrInvalidAmount = errors.New("billing: invalid amount")

// Rupees returns the whole-rupee part of p.
func (p Paise) Rupees() int64 { return int64(p) / 100 }

// String formats p as rupees with two decimals, e.g. "499.00" (no symbol).
func (p Paise) String() string {
	sign := ""
	v := int64(p)
	if v < 0 {
		sign = "-"
		v = -v
	}
	return fmt.Sprintf("%s%d.%02d", sign, v/100, v%100)
}

// UnmarshalJSON accepts a JSON integer (or a string holding one) and rejects
// negative values and fractions: "100.5" and -1 are errors, "100.0" is 100.
func (p *Paise) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		*p = 0
		return nil
	}
	s := string(b)
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
	}
	v, err := parseWholePaise(s)
	if err != nil {
		return err
	}
	*p = v
	return nil
}

func parseWholePaise(s string) (Paise, error) {
	if s == "" {
		return 0, fmt.Errorf("%w: empty", ErrInvalidAmount)
	}
	if strings.HasPrefix(s, "-") {
		return 0, fmt.Errorf("%w: negative", ErrInvalidAmount)
	}
	if i := strings.IndexByte(s, '.'); i >= 0 {
		if strings.Trim(s[i+1:], "0") != "" {
			return 0, fmt.Errorf("%w: fractional paise", ErrInvalidAmount)
		}
		s = s[:i]
	}
	if strings.ContainsAny(s, "eE+") {
		return 0, fmt.Errorf("%w: not an integer", ErrInvalidAmount)
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: not an integer", ErrInvalidAmount)
	}
	return Paise(v), nil
}

// ParseRupees parses a decimal rupee amount with at most two decimals
// ("499", "499.5", "499.00") into paise. Negative amounts and a third decimal
// are errors.
func ParseRupees(s string) (Paise, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, fmt.Errorf("%w: empty", ErrInvalidAmount)
	}
	if strings.HasPrefix(s, "-") {
		return 0, fmt.Errorf("%w: negative", ErrInvalidAmount)
	}
	whole, frac, _ := strings.Cut(s, ".")
	if len(frac) > 2 {
		return 0, fmt.Errorf("%w: more than two decimals", ErrInvalidAmount)
	}
	for _, part := range []string{whole, frac} {
		for _, c := range part {
			if c < '0' || c > '9' {
				return 0, fmt.Errorf("%w: not a decimal number", ErrInvalidAmount)
			}
		}
	}
	if whole == "" {
		whole = "0"
	}
	r, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || r > (1<<62)/100 {
		return 0, fmt.Errorf("%w: out of range", ErrInvalidAmount)
	}
	for len(frac) < 2 {
		frac += "0"
	}
	f, _ := strconv.ParseInt(frac, 10, 64)
	return Paise(r*100 + f), nil
}

// checkAmount validates a request amount: positive, within int64 range.
func checkAmount(field string, p Paise) error {
	if p <= 0 {
		return fmt.Errorf("%w: %s must be positive", ErrInvalidAmount, field)
	}
	return nil
}

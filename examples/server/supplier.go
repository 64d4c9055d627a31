package main

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/botsync/botsync/billing"
)

// sandboxSupplier is the platform operator on invoices when nothing is
// configured: a made-up company with a checksum-valid GSTIN, fit for the
// sandbox only.
var sandboxSupplier = billing.Supplier{Party: billing.Party{Name: "BotSync Technologies Pvt Ltd", Address: "12 MG Road, Bengaluru",
	StateCode: "29", Country: "IN", GSTIN: "29AAGCB7383J1Z4"}, Signatory: "Authorised Signatory"}

// loadSupplier reads the supplier printed on GST invoices from
// BOTSYNC_SUPPLIER_NAME, _ADDRESS, _GSTIN, _STATE, _LUT and _SIGNATORY,
// each defaulting to the sandbox supplier's value.
func loadSupplier(getenv func(string) string) (billing.Supplier, error) {
	s := sandboxSupplier
	text := func(name string, max int, dst *string) error {
		v := strings.TrimSpace(getenv(name))
		if v == "" {
			return nil
		}
		if len(v) > max || strings.ContainsFunc(v, unicode.IsControl) {
			return fmt.Errorf("config: %s: want at most %d characters on one line", name, max)
		}
		*dst = v
		return nil
	}
	for _, f := range []struct {
		name string
		max  int
		dst  *string
	}{
		{"BOTSYNC_SUPPLIER_NAME", 200, &s.Name}, {"BOTSYNC_SUPPLIER_ADDRESS", 500, &s.Address},
		{"BOTSYNC_SUPPLIER_SIGNATORY", 100, &s.Signatory},
	} {
		if err := text(f.name, f.max, f.dst); err != nil {
			return billing.Supplier{}, err
		}
	}
	if v := getenv("BOTSYNC_SUPPLIER_GSTIN"); v != "" {
		s.GSTIN = billing.NormalizeGSTIN(v)
		if err := billing.ValidateGSTIN(s.GSTIN); err != nil {
			return billing.Supplier{}, fmt.Errorf("config: BOTSYNC_SUPPLIER_GSTIN: not a valid GSTIN (%w)", err)
		}
	}
	s.StateCode = s.GSTIN[:2]
	if v := strings.TrimSpace(getenv("BOTSYNC_SUPPLIER_STATE")); v != "" {
		if _, ok := billing.StateName(v); !ok {
			return billing.Supplier{}, fmt.Errorf("config: BOTSYNC_SUPPLIER_STATE: want a two-digit GST state code (29 for Karnataka)")
		}
		if v != s.StateCode {
			return billing.Supplier{}, fmt.Errorf("config: BOTSYNC_SUPPLIER_STATE: %s does not match the GSTIN's state code %s", v, s.StateCode)
		}
	}
	if v := strings.ToUpper(strings.TrimSpace(getenv("BOTSYNC_SUPPLIER_LUT"))); v != "" {
		if len(v) > 30 || strings.ContainsFunc(v, func(r rune) bool { return !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') }) {
			return billing.Supplier{}, fmt.Errorf("config: BOTSYNC_SUPPLIER_LUT: want the LUT's ARN (letters and digits, at most 30)")
		}
		s.LUT = v
	}
	return s, nil
}

// requireSupplier checks that real Razorpay keys (RAZORPAY_KEY_ID) come
// with the supplier's name, address and GSTIN: the sandbox supplier cannot
// issue real invoices.
func requireSupplier(getenv func(string) string) error {
	if getenv("RAZORPAY_KEY_ID") == "" {
		return nil
	}
	for _, name := range []string{"BOTSYNC_SUPPLIER_NAME", "BOTSYNC_SUPPLIER_ADDRESS", "BOTSYNC_SUPPLIER_GSTIN"} {
		if strings.TrimSpace(getenv(name)) == "" {
			return fmt.Errorf("config: %s: required with RAZORPAY_KEY_ID (invoices name the real supplier)", name)
		}
	}
	return nil
}

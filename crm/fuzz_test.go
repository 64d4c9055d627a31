package crm_test

import (
	"strings"
	"testing"

	"github.com/botsync/botsync/crm"
)

// FuzzNormalizePhone checks that any input either fails with a validation
// error or yields a canonical E.164 number that normalises to itself.
func FuzzNormalizePhone(f *testing.F) {
	for _, s := range []string{
		"+91 98765 43210", "098765 43210", "919876543210", "+55 11 8765-4321", "+5215512345678",
		"(415) 555-2671", "", "+", "++1", "12", "+0000", "+99999999999999999999", "+1 (800) FLOWERS",
	} {
		f.Add(s, "IN")
		f.Add(s, "")
	}
	f.Add("11 8765 4321", "BR")
	f.Add("55 1234 5678", "MX")
	f.Fuzz(func(t *testing.T, raw, region string) {
		got, err := crm.NormalizePhone(raw, region)
		if err != nil {
			if got != "" {
				t.Fatalf("value with error")
			}
			if strings.Contains(err.Error(), raw) && len(strings.TrimSpace(raw)) > 3 {
				t.Fatalf("error carries the input")
			}
			return
		}
		if !strings.HasPrefix(got, "+") || len(got) < 8 || len(got) > 16 {
			t.Fatalf("not E.164: %q", got)
		}
		again, err := crm.NormalizePhone(got, "")
		if err != nil || again != got {
			t.Fatalf("not idempotent: %q -> %q, %v", got, again, err)
		}
	})
}

// FuzzParseCSV checks that the import parser never panics, and that what it
// accepts is normalised: every row has an identity and all identities are
// unique across rows.
func FuzzParseCSV(f *testing.F) {
	for _, s := range []string{
		"name,phone,email\nAsha,+919876543210,a@x.io\n",
		"phone,tags,budget_lakh,hostel,stage\n098765 43210,a;b,12.5,yes,won\n",
		"phone\n+919876543210\n+919876543210\n",
		"name,\"phone\nx\n",
		"\ufeffPhone , Email\n,,\n",
		"email,custom.budget_lakh\na@b.co,1e3\n",
		"",
		"phone\n\"unterminated\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		rows, err := crm.ParseCSV(strings.NewReader(in), importOpts)
		if err != nil {
			return
		}
		seen := map[crm.Identity]bool{}
		for _, r := range rows {
			if len(r.Lead.Identities) == 0 {
				t.Fatalf("row %d without identity", r.Row)
			}
			for _, id := range r.Lead.Identities {
				if seen[id] {
					t.Fatalf("duplicate identity accepted")
				}
				seen[id] = true
				n, err := crm.NormalizeIdentity(id, "IN")
				if err != nil || n != id {
					t.Fatalf("identity not normalised")
				}
			}
		}
	})
}

// FuzzParseInboxCursor checks that any cursor either fails with a validation
// error or round-trips.
func FuzzParseInboxCursor(f *testing.F) {
	f.Add("1772359200000000.0195a1b2c3d4e5f6a7b8c9d0e1f2")
	f.Add("0.abc")
	f.Add("-1.abc")
	f.Add(".")
	f.Add("99999999999999999999.a")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := crm.ParseInboxCursor(s)
		if err != nil {
			return
		}
		again, err := crm.ParseInboxCursor(c.String())
		if err != nil || !again.LastMessageAt.Equal(c.LastMessageAt) || again.ID != c.ID {
			t.Fatalf("cursor does not round-trip: %q", s)
		}
	})
}

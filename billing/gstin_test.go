package billing_test

import (
	"strings"
	"testing"

	"github.com/botsync/botsync/billing"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// checkChar computes the GSTIN check character independently: the GSTN's
// published algorithm written out again.
func checkChar(first14 string) byte {
	const cp = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	sum := 0
	for i := range 14 {
		var v int
		for j := range cp {
			if cp[j] == first14[i] {
				v = j
			}
		}
		f := 1
		if i%2 == 1 {
			f = 2
		}
		p := v * f
		sum += p/36 + p%36
	}
	return cp[(36-sum%36)%36]
}

func withCheck(s string) string { return s + string(checkChar(s)) }

func TestValidateGSTIN(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"published sample", "27AAPFU0939F1ZV", nil},
		{"karnataka company", "29AAGCB7383J1Z4", nil},
		{"computed", withCheck("07AAACR5055K1Z"), nil},
		{"ladakh", withCheck("38ABCDE1234F2Z"), nil},
		{"entity code letter", withCheck("33ABCDE1234FAZ"), nil},
		{"too short", "27AAPFU0939F1Z", billing.ErrGSTINLength},
		{"too long", "27AAPFU0939F1ZVX", billing.ErrGSTINLength},
		{"empty", "", billing.ErrGSTINLength},
		{"lower case", "27aapfu0939f1zv", billing.ErrGSTINCharacters},
		{"symbol", "27AAPFU0939F1Z-", billing.ErrGSTINCharacters},
		{"state 00", withCheck("00AAPFU0939F1Z"), billing.ErrGSTINStateCode},
		{"state 40", withCheck("40AAPFU0939F1Z"), billing.ErrGSTINStateCode},
		{"pan digit in letters", withCheck("27AAP1U0939F1Z"), billing.ErrGSTINPAN},
		{"pan letter in digits", withCheck("27AAPFU09X9F1Z"), billing.ErrGSTINPAN},
		{"pan last not letter", withCheck("27AAPFU093991Z"), billing.ErrGSTINPAN},
		{"entity code 0", withCheck("27AAPFU0939F0Z"), billing.ErrGSTINEntityCode},
		{"14th not Z", withCheck("27AAPFU0939F1Y"), billing.ErrGSTINDefaultChar},
		{"check digit", "27AAPFU0939F1ZW", billing.ErrGSTINCheckDigit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := billing.ValidateGSTIN(tt.in)
			if tt.want == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, billing.ErrInvalidGSTIN)
			require.ErrorIs(t, err, tt.want)
			for _, other := range []error{billing.ErrGSTINLength, billing.ErrGSTINCharacters, billing.ErrGSTINStateCode,
				billing.ErrGSTINPAN, billing.ErrGSTINEntityCode, billing.ErrGSTINDefaultChar, billing.ErrGSTINCheckDigit} {
				if other != tt.want {
					assert.NotErrorIs(t, err, other, "exactly one reason")
				}
			}
		})
	}
}

func TestGSTINHelpers(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "27AAPFU0939F1ZV", billing.NormalizeGSTIN(" 27aapfu0939f1zv "))
	code, err := billing.GSTINStateCode("27AAPFU0939F1ZV")
	require.NoError(t, err)
	assert.Equal(t, "27", code)
	name, ok := billing.StateName(code)
	assert.True(t, ok)
	assert.Equal(t, "Maharashtra", name)
	_, err = billing.GSTINStateCode("bad")
	assert.ErrorIs(t, err, billing.ErrGSTINLength)
}

var reasons = []string{billing.ErrGSTINLength.Error(), billing.ErrGSTINCharacters.Error(), billing.ErrGSTINStateCode.Error(),
	billing.ErrGSTINPAN.Error(), billing.ErrGSTINEntityCode.Error(), billing.ErrGSTINDefaultChar.Error(), billing.ErrGSTINCheckDigit.Error()}

func FuzzValidateGSTIN(f *testing.F) {
	for _, s := range []string{"27AAPFU0939F1ZV", "29AAGCB7383J1Z4", "", "27AAPFU0939F1ZW", "00AAAAA0000A0Z0", "99ZZZZZ9999Z9ZZ", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := billing.ValidateGSTIN(s)
		if err != nil {
			if !assert.ErrorIs(t, err, billing.ErrInvalidGSTIN) {
				return
			}
			// The message is fixed text: the input is never echoed.
			assert.Contains(t, reasons, strings.TrimPrefix(err.Error(), billing.ErrInvalidGSTIN.Error()+": "))
			return
		}
		// A valid GSTIN: the independent check agrees and any other check
		// character is refused.
		require.Len(t, s, 15)
		require.Equal(t, checkChar(s[:14]), s[14])
		other := s[:14] + "0"
		if s[14] == '0' {
			other = s[:14] + "1"
		}
		require.ErrorIs(t, billing.ValidateGSTIN(other), billing.ErrGSTINCheckDigit)
	})
}

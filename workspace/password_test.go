package workspace_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/botsync/botsync/secret"
	"github.com/botsync/botsync/workspace"
)

func TestCheckPassword(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, pw string
		why      string // "" when accepted
	}{
		{"long passphrase", "correct horse battery staple", ""},
		{"mixed", "Tr0ub4dor&3-xyz", ""},
		{"unicode", "पासवर्ड-बहुत-लंबा-है", ""},
		{"too short", "Ab3$xyz", "shorter than 10"},
		{"too long for bcrypt", strings.Repeat("abcdefgh", 10), "longer than 72 bytes"},
		{"common", "iloveyou123", "breached"},
		{"common with case", "PassWord1!!", "breached"},
		{"common after suffix", "qwertyuiop2024!", "breached"},
		{"repeated", "aaaaaaaaaaaa", "repeated"},
		{"number run", "1234567890", "sequence"},
		{"reverse run", "0987654321", "sequence"},
		{"keyboard run", "asdfghjklasd", "sequence"},
		{"contains email", "xx-asha.rao-xx", "e-mail"},
		{"contains name", "Priyanka-rocks-42", "e-mail address or name"},
		{"contains email domain", "my-sareeshop-2026", "e-mail"},
		{"invalid utf8", "abcdefghij\xff", "UTF-8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := workspace.CheckPassword(secret.New(tc.pw), 10, "asha.rao@sareeshop.example", "Priyanka Rao")
			if tc.why == "" {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, workspace.ErrWeakPassword)
			assert.ErrorContains(t, err, tc.why)
			assert.NotContains(t, err.Error(), tc.pw, "the password is never echoed")
		})
	}
}

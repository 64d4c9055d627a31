package meta_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/meta"
	"github.com/botsync/botsync/meta/metatest"
	"github.com/botsync/botsync/secret"
)

// sign computes the expected header independently of the code under test.
func sign(key, body string) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(body))
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

func TestVerifySignature(t *testing.T) {
	t.Parallel()
	const key, body = "app-secret", `{"object":"page","entry":[]}`
	good := sign(key, body)
	tests := []struct {
		name   string
		secret string
		body   string
		header string
		want   error
	}{
		{"valid", key, body, good, nil},
		{"valid upper-case hex", key, body, "sha256=" + strings.ToUpper(good[7:]), nil},
		{"valid upper-case prefix", key, body, "SHA256=" + good[7:], nil},
		{"surrounding spaces", key, body, "  " + good + " ", nil},
		{"missing", key, body, "", meta.ErrMissingSignature},
		{"only spaces", key, body, "   ", meta.ErrMissingSignature},
		{"sha1 header", key, body, "sha1=" + good[7:47], meta.ErrInvalidSignature},
		{"no prefix", key, body, good[7:], meta.ErrInvalidSignature},
		{"truncated hex", key, body, good[:len(good)-2], meta.ErrInvalidSignature},
		{"extra hex", key, body, good + "00", meta.ErrInvalidSignature},
		{"not hex", key, body, "sha256=" + strings.Repeat("zz", 32), meta.ErrInvalidSignature},
		{"other secret", "another-secret", body, good, meta.ErrInvalidSignature},
		{"tampered body", key, body + " ", good, meta.ErrInvalidSignature},
		{"truncated body", key, body[:10], good, meta.ErrInvalidSignature},
		{"empty secret fails closed", "", body, good, meta.ErrNoAppSecret},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := meta.VerifySignature([]byte(tt.secret), []byte(tt.body), tt.header)
			if tt.want == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tt.want)
			assert.NotContains(t, err.Error(), tt.secret+"x", "error must not echo secrets")
		})
	}
}

func TestVerifierSeveralSecrets(t *testing.T) {
	t.Parallel()
	v, err := meta.NewVerifier(secret.New("facebook-app"), secret.New("instagram-app"))
	require.NoError(t, err)
	body := []byte(`{"object":"instagram","entry":[]}`)

	idx, err := v.Verify(body, metatest.Sign([]byte("instagram-app"), body))
	require.NoError(t, err)
	assert.Equal(t, 1, idx)
	idx, err = v.Verify(body, metatest.Sign([]byte("facebook-app"), body))
	require.NoError(t, err)
	assert.Equal(t, 0, idx)
	_, err = v.Verify(body, metatest.Sign([]byte("stranger"), body))
	require.ErrorIs(t, err, meta.ErrInvalidSignature)

	_, err = meta.NewVerifier(secret.New(""))
	require.Error(t, err)
	var zero *meta.Verifier
	_, err = zero.Verify(body, "sha256=00")
	require.ErrorIs(t, err, meta.ErrNoAppSecret)
	_, err = (&meta.Verifier{}).Verify(body, metatest.Sign([]byte("x"), body))
	require.ErrorIs(t, err, meta.ErrNoAppSecret)
}

func TestVerifierConcurrent(t *testing.T) {
	t.Parallel()
	v, err := meta.NewVerifier(secret.New("k1"), secret.New("k2"))
	require.NoError(t, err)
	body := metatest.Fixture("whatsapp/text_message.json")
	h := metatest.Sign([]byte("k2"), body)
	done := make(chan error, 8)
	for range 8 {
		go func() {
			for range 200 {
				if _, err := v.Verify(body, h); err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
	}
	for range 8 {
		require.NoError(t, <-done)
	}
}

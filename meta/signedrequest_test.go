package meta_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/meta"
	"github.com/botsync/botsync/meta/metatest"
)

var srNow = time.Unix(1750000000, 0)

func srParser() meta.SignedRequestParser {
	return meta.SignedRequestParser{Now: func() time.Time { return srNow }}
}

// independent builds a signed_request without metatest, padded or not.
func independent(key string, payload string, pad bool) string {
	enc := base64.URLEncoding
	if !pad {
		enc = base64.RawURLEncoding
	}
	p := enc.EncodeToString([]byte(payload))
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(p))
	return enc.EncodeToString(m.Sum(nil)) + "." + p
}

func TestParseSignedRequest(t *testing.T) {
	t.Parallel()
	payload := `{"algorithm":"HMAC-SHA256","expires":1750003600,"issued_at":1750000000,"user_id":"218471","extra":{"a":1}}`
	for _, pad := range []bool{false, true} {
		sr, err := srParser().Parse([]byte("s3cret"), independent("s3cret", payload, pad))
		require.NoError(t, err)
		assert.Equal(t, "218471", sr.UserID)
		assert.Equal(t, int64(1750000000), sr.IssuedAt)
		assert.JSONEq(t, payload, string(sr.Raw))
	}
	built := metatest.SignedRequest([]byte("s3cret"), map[string]any{"algorithm": "HMAC-SHA256", "issued_at": srNow.Unix(), "user_id": "9"})
	sr, err := srParser().Parse([]byte("s3cret"), built)
	require.NoError(t, err)
	assert.Equal(t, "9", sr.UserID)
}

func TestParseSignedRequestRejects(t *testing.T) {
	t.Parallel()
	ok := `{"algorithm":"HMAC-SHA256","issued_at":1750000000,"user_id":"1"}`
	good := independent("k", ok, false)
	sigPart, payloadPart, _ := strings.Cut(good, ".")
	for name, tc := range map[string]struct{ key, sr string }{
		"empty":            {"k", ""},
		"no dot":           {"k", sigPart + payloadPart},
		"two dots":         {"k", good + ".x"},
		"empty sig":        {"k", "." + payloadPart},
		"empty payload":    {"k", sigPart + "."},
		"bad base64 sig":   {"k", "!!!." + payloadPart},
		"bad base64 body":  {"k", sigPart + ".***"},
		"other secret":     {"other", good},
		"no secret":        {"", good},
		"flipped sig":      {"k", "A" + sigPart[1:] + "." + payloadPart},
		"not json":         {"k", independent("k", `not json`, false)},
		"wrong algorithm":  {"k", independent("k", `{"algorithm":"HMAC-SHA1","issued_at":1750000000}`, false)},
		"no algorithm":     {"k", independent("k", `{"issued_at":1750000000}`, false)},
		"no issued_at":     {"k", independent("k", `{"algorithm":"HMAC-SHA256"}`, false)},
		"too old":          {"k", independent("k", `{"algorithm":"HMAC-SHA256","issued_at":1749990000}`, false)},
		"from the future":  {"k", independent("k", `{"algorithm":"HMAC-SHA256","issued_at":1750001000}`, false)},
		"oversized":        {"k", strings.Repeat("a", 20000) + "." + payloadPart},
		"issued_at string": {"k", independent("k", `{"algorithm":"HMAC-SHA256","issued_at":"now"}`, false)},
	} {
		_, err := srParser().Parse([]byte(tc.key), tc.sr)
		require.ErrorIs(t, err, meta.ErrInvalidSignedRequest, name)
		assert.NotContains(t, err.Error(), tc.key+"k", name)
	}
	// The package-level helper uses the real clock: an old request is refused.
	_, err := meta.ParseSignedRequest([]byte("k"), good)
	require.ErrorIs(t, err, meta.ErrInvalidSignedRequest)
}

func postForm(h http.Handler, sr string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/callback", strings.NewReader(url.Values{"signed_request": {sr}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	h.ServeHTTP(rec, req)
	return rec
}

func TestDataDeletionHandler(t *testing.T) {
	t.Parallel()
	var gotUser string
	h := meta.DataDeletionHandler([]byte("fb"), func(_ context.Context, sr *meta.SignedRequest) (meta.DeletionStatus, error) {
		gotUser = sr.UserID
		return meta.DeletionStatus{URL: "https://example.test/deletion?id=abc123", ConfirmationCode: "abc123"}, nil
	}, meta.WithSignedRequestParser(srParser()), meta.WithCallbackSecrets([]byte("ig")))

	sr := metatest.SignedRequest([]byte("ig"), map[string]any{"algorithm": "HMAC-SHA256", "issued_at": srNow.Unix(), "user_id": "218471"})
	rec := postForm(h, sr)
	require.Equal(t, http.StatusOK, rec.Code)
	var st meta.DeletionStatus
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &st))
	assert.Equal(t, "abc123", st.ConfirmationCode)
	assert.Equal(t, "https://example.test/deletion?id=abc123", st.URL)
	assert.Equal(t, "218471", gotUser)
	assert.Equal(t, "application/json", rec.Header().Get("Content-Type"))

	assert.Equal(t, http.StatusBadRequest, postForm(h, "garbage.garbage").Code)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/callback", nil))
	assert.Equal(t, http.StatusMethodNotAllowed, rec.Code)

	failing := meta.DataDeletionHandler([]byte("fb"), func(context.Context, *meta.SignedRequest) (meta.DeletionStatus, error) {
		return meta.DeletionStatus{}, errors.New("store down")
	}, meta.WithSignedRequestParser(srParser()))
	sr = metatest.SignedRequest([]byte("fb"), map[string]any{"algorithm": "HMAC-SHA256", "issued_at": srNow.Unix(), "user_id": "1"})
	assert.Equal(t, http.StatusInternalServerError, postForm(failing, sr).Code)
}

func TestDeauthorizeHandler(t *testing.T) {
	t.Parallel()
	calls := 0
	h := meta.DeauthorizeHandler([]byte("fb"), func(_ context.Context, sr *meta.SignedRequest) error {
		calls++
		if sr.UserID == "bad" {
			return errors.New("x")
		}
		return nil
	}, meta.WithSignedRequestParser(srParser()))
	sr := metatest.SignedRequest([]byte("fb"), map[string]any{"algorithm": "HMAC-SHA256", "issued_at": srNow.Unix(), "user_id": "7"})
	assert.Equal(t, http.StatusOK, postForm(h, sr).Code)
	bad := metatest.SignedRequest([]byte("fb"), map[string]any{"algorithm": "HMAC-SHA256", "issued_at": srNow.Unix(), "user_id": "bad"})
	assert.Equal(t, http.StatusInternalServerError, postForm(h, bad).Code)
	assert.Equal(t, http.StatusBadRequest, postForm(h, "").Code)
	assert.Equal(t, 2, calls)
}

package metatest

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strings"
)

//go:embed testdata/webhooks
var fixtures embed.FS

// Sign returns the X-Hub-Signature-256 header value Meta would send for body.
func Sign(appSecret, body []byte) string {
	m := hmac.New(sha256.New, appSecret)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// NewWebhookRequest builds the POST Meta sends to a webhook endpoint: JSON
// body, X-Hub-Signature-256 over the raw bytes, Meta's user agent.
func NewWebhookRequest(target string, appSecret, body []byte) *http.Request {
	req, err := http.NewRequest(http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		panic("metatest: bad target URL: " + err.Error())
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "facebookexternalua")
	req.Header.Set("X-Hub-Signature-256", Sign(appSecret, body))
	return req
}

// HandshakeURL returns the URL of Meta's subscription handshake for target.
func HandshakeURL(target, verifyToken, challenge string) string {
	q := url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {verifyToken}, "hub.challenge": {challenge}}
	sep := "?"
	if strings.Contains(target, "?") {
		sep = "&"
	}
	return target + sep + q.Encode()
}

// SignedRequest builds a signed_request for payload the way Meta does:
// base64url(HMAC-SHA256(encodedPayload)) + "." + base64url(JSON), unpadded.
// payload should contain "algorithm": "HMAC-SHA256" and "issued_at".
func SignedRequest(appSecret []byte, payload any) string {
	b, err := json.Marshal(payload)
	if err != nil {
		panic("metatest: payload: " + err.Error())
	}
	enc := base64.RawURLEncoding.EncodeToString(b)
	m := hmac.New(sha256.New, appSecret)
	m.Write([]byte(enc))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)) + "." + enc
}

// Fixture returns a webhook payload from the corpus by name, such as
// "whatsapp/text_message.json". It panics on an unknown name: fixtures are
// test inputs known at compile time.
func Fixture(name string) []byte {
	b, err := fixtures.ReadFile(path.Join("testdata/webhooks", name))
	if err != nil {
		panic("metatest: unknown fixture " + name)
	}
	return b
}

// Fixtures lists the names of every fixture in the corpus, sorted.
func Fixtures() []string {
	var names []string
	_ = fs.WalkDir(fixtures, "testdata/webhooks", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".json") {
			names = append(names, strings.TrimPrefix(p, "testdata/webhooks/"))
		}
		return nil
	})
	sort.Strings(names)
	return names
}

// Batch builds one delivery whose entry array concatenates the entries of the
// given payloads (all of the same object), as Meta batches under load.
func Batch(payloads ...[]byte) []byte {
	var out struct {
		Object string            `json:"object"`
		Entry  []json.RawMessage `json:"entry"`
	}
	for _, p := range payloads {
		var in struct {
			Object string            `json:"object"`
			Entry  []json.RawMessage `json:"entry"`
		}
		if err := json.Unmarshal(p, &in); err != nil {
			panic("metatest: batch: " + err.Error())
		}
		out.Object = in.Object
		out.Entry = append(out.Entry, in.Entry...)
	}
	b, _ := json.Marshal(out)
	return b
}

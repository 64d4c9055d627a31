package meta_test

import (
	"testing"
	"time"

	"github.com/botsync/botsync/meta"
	"github.com/botsync/botsync/meta/metatest"
)

func FuzzVerifySignature(f *testing.F) {
	key := []byte("fuzz-secret")
	for _, name := range metatest.Fixtures() {
		body := metatest.Fixture(name)
		f.Add(body, metatest.Sign(key, body))
		f.Add(body, "sha256=")
	}
	f.Add([]byte{}, "")
	f.Add([]byte("x"), "SHA256=ZZ")
	f.Fuzz(func(t *testing.T, body []byte, header string) {
		err := meta.VerifySignature(key, body, header)
		if err == nil && header != metatest.Sign(key, body) {
			// Only the exact signature (modulo case and spaces) may pass.
			if meta.VerifySignature(key, body, metatest.Sign(key, body)) != nil {
				t.Fatalf("accepted a signature the real one does not match")
			}
		}
	})
}

func FuzzDecodeWebhook(f *testing.F) {
	for _, name := range metatest.Fixtures() {
		f.Add(metatest.Fixture(name))
	}
	f.Add([]byte(`{"object":"page","entry":[{"id":1,"time":1e99}]}`))
	f.Add([]byte(`{"object":"x","entry":[{"messaging":[null,{},{"message":null}]}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		env, err := meta.DecodeWebhook(body)
		if err != nil {
			return
		}
		for ev := range env.Events() {
			if ev.DedupKey == "" {
				t.Fatalf("event without dedup key")
			}
		}
	})
}

func FuzzParseSignedRequest(f *testing.F) {
	key := []byte("fuzz-secret")
	f.Add(metatest.SignedRequest(key, map[string]any{"algorithm": "HMAC-SHA256", "issued_at": 1750000000, "user_id": "1"}))
	f.Add("a.b")
	f.Add(".")
	f.Add("=====.=====")
	p := meta.SignedRequestParser{Now: func() time.Time { return time.Unix(1750000000, 0) }}
	f.Fuzz(func(t *testing.T, sr string) {
		got, err := p.Parse(key, sr)
		if err == nil && got == nil {
			t.Fatalf("nil result without error")
		}
	})
}

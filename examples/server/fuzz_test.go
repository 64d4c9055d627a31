package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/botsync/botsync/internal/intake"
	"github.com/botsync/botsync/meta/metatest"
)

// FuzzDecodeMeta: any verified body (an app could send anything signed)
// decodes or fails, never panics; shardOf copes too.
func FuzzDecodeMeta(f *testing.F) {
	for _, name := range metatest.Fixtures() {
		f.Add(metatest.Fixture(name))
	}
	f.Add([]byte(`{"object":"whatsapp_business_account","entry":"nope"}`))
	f.Add([]byte(`{"object":"instagram","entry":[{"id":"1","messaging":[{"message":{}}]}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		_, _ = decodeMeta(body)
		_ = shardOf(intake.Job{Kind: "meta", Body: body})
	})
}

// FuzzDecodeJSON: request bodies decode into a typed struct or give an
// API error, never a panic.
func FuzzDecodeJSON(f *testing.F) {
	f.Add([]byte(`{"email":"a@b.c","password":"x"}`))
	f.Add([]byte(`{"email":1}`))
	f.Add([]byte(`{"bogus":true}`))
	f.Add([]byte(`[`))
	f.Fuzz(func(t *testing.T, body []byte) {
		r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		var v loginBody
		if err := decodeJSON(httptest.NewRecorder(), r, &v); err != nil {
			if _, ok := err.(*APIError); !ok {
				t.Fatalf("not an API error: %v", err)
			}
		}
	})
}

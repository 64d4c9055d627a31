package bot_test

import (
	"encoding/json"
	"testing"

	"github.com/botsync/botsync/bot"
	"github.com/botsync/botsync/instagram"
	"github.com/botsync/botsync/meta/metatest"
	"github.com/botsync/botsync/whatsapp"
)

// FuzzRule: rules arrive as JSON from the dashboard API; decoding and
// validating any input never panics, and a valid rule survives a JSON
// round trip still valid.
func FuzzRule(f *testing.F) {
	f.Add([]byte(`{"workspace":"ws","id":"r","trigger":{"type":"keyword","keywords":["fees"]},"actions":[{"type":"send_text","text":"hi"}]}`))
	f.Add([]byte(`{"workspace":"ws","id":"c","trigger":{"type":"comment","media_id":"1","keywords":["price"],"mode":"exact"},"actions":[{"type":"comment_reply","text":"dm","public_text":"done"}]}`))
	f.Add([]byte(`{"workspace":"ws","id":"f","trigger":{"type":"no_reply","after":"2h"},"conditions":[{"type":"score","min":1,"max":0}],"actions":[{"type":"follow_up","sequence":{"steps":[{"delay":"24h","text":"x"}],"quiet":{"start":1320,"end":480}}}]}`))
	f.Add([]byte(`{"workspace":"ws","id":"w","trigger":{"type":"new_lead"},"actions":[{"type":"webhook","webhook":{"url":"https://x.example","secret":"0123456789abcdef"}}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var r bot.Rule
		if json.Unmarshal(b, &r) != nil {
			return
		}
		if r.Validate() != nil {
			return
		}
		out, err := json.Marshal(r)
		if err != nil {
			t.Fatalf("marshal valid rule: %v", err)
		}
		var back bot.Rule
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("round trip: %v", err)
		}
		if err := back.Validate(); err != nil {
			t.Fatalf("valid rule invalid after round trip: %v", err)
		}
	})
}

// FuzzFromWebhook: any verified body turns into engine events without a
// panic.
func FuzzFromWebhook(f *testing.F) {
	for _, name := range metatest.Fixtures() {
		f.Add(metatest.Fixture(name))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if evs, err := whatsapp.Decode(b); err == nil {
			for _, we := range evs {
				for _, ev := range bot.FromWhatsApp(we) {
					if ev.Channel != bot.WhatsApp {
						t.Fatalf("channel %q", ev.Channel)
					}
				}
			}
		}
		if evs, err := instagram.ParseWebhook(b); err == nil {
			for _, ie := range evs {
				if ev, ok := bot.FromInstagram(ie); ok && !ev.Channel.Valid() {
					t.Fatalf("channel %q", ev.Channel)
				}
			}
		}
	})
}

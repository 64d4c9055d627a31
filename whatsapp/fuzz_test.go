package whatsapp_test

import (
	"os"
	"strings"
	"testing"

	"github.com/botsync/botsync/meta"
	"github.com/botsync/botsync/meta/metatest"
	"github.com/botsync/botsync/whatsapp"
)

func FuzzDecode(f *testing.F) {
	for _, name := range metatest.Fixtures() {
		if strings.HasPrefix(name, "whatsapp/") {
			f.Add(metatest.Fixture(name))
		}
	}
	if b, err := os.ReadFile("testdata/inbound_all.json"); err == nil {
		f.Add(b)
	}
	f.Add([]byte(`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messages":[{"timestamp":"x"}]}}]}]}`))
	f.Add([]byte(`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":[]}]}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		env, err := meta.DecodeWebhook(body)
		events, derr := whatsapp.Decode(body)
		if err != nil {
			if derr == nil {
				t.Fatal("Decode accepted a body meta.DecodeWebhook rejects")
			}
			return
		}
		if env.Object != meta.ObjectWhatsAppBusinessAccount {
			if derr == nil {
				t.Fatal("non-WhatsApp object accepted")
			}
			return
		}
		if derr != nil {
			t.Fatalf("valid envelope failed: %v", derr)
		}
		n := 0
		for _, e := range env.Entries {
			n += len(e.Changes)
		}
		if len(events) != n {
			t.Fatalf("%d events for %d changes", len(events), n)
		}
		for _, ev := range events {
			if ev.Err != nil && (ev.Messages != nil || ev.AccountUpdate != nil) {
				t.Fatal("failed event carries a typed value")
			}
			if ev.Messages != nil {
				for _, m := range ev.Messages.Messages {
					_ = m.Media()
					_ = m.Sender().Validate()
				}
			}
		}
	})
}

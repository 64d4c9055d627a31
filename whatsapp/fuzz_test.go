package whatsapp_test

import (
	"encoding/json"
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

// FuzzTemplateDefinition feeds listed template definitions (outside input)
// through the catalog and a send check: never a panic.
func FuzzTemplateDefinition(f *testing.F) {
	f.Add([]byte(`{"name":"admission_reminder","language":"en_US","category":"MARKETING","components":[{"type":"HEADER","format":"TEXT","text":"Hi {{name}}"},{"type":"BODY","text":"Fee {{1}} due {{2}}"},{"type":"BUTTONS","buttons":[{"type":"URL","url":"https://x.y/{{1}}"},{"type":"QUICK_REPLY","text":"Stop"}]}]}`), "x", 1)
	f.Add([]byte(`{"name":"a","language":"en","components":[{"type":"BODY","text":"{{ }} {{1}} {{1}}"}]}`), "", 0)
	f.Fuzz(func(t *testing.T, def []byte, param string, index int) {
		var d whatsapp.TemplateDefinition
		if json.Unmarshal(def, &d) != nil {
			return
		}
		_ = d.Validate()
		c := whatsapp.NewCatalog()
		c.Learn(d)
		ti, ok := c.Lookup(d.Name, d.Language)
		if !ok {
			t.Fatal("learned template not found")
		}
		_ = ti
		tmpl := whatsapp.Template{
			Name: d.Name, Language: d.Language,
			Header:  whatsapp.HeaderText(whatsapp.NamedParam("name", param)),
			Body:    []whatsapp.Param{whatsapp.TextParam(param)},
			Buttons: []whatsapp.ButtonParam{whatsapp.URLButton(index%12, param)},
		}
		_ = c.Check(tmpl)
		tmpl.Header, tmpl.Buttons = nil, nil
		_ = c.Check(tmpl)
	})
}

package whatsapp_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/botsync/botsync/meta/metatest"
	"github.com/botsync/botsync/whatsapp"
)

// BenchmarkDecodeInbound decodes a ~1 KiB inbound-message notification
// (click-to-WhatsApp referral with text).
func BenchmarkDecodeInbound(b *testing.B) {
	body := metatest.Fixture("whatsapp/referral_message.json")
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		events, err := whatsapp.Decode(body)
		if err != nil || len(events[0].Messages.Messages) != 1 {
			b.Fatal(err)
		}
	}
}

func statusBatch(n int) []byte {
	var sb strings.Builder
	sb.WriteString(`{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},"statuses":[`)
	for i := range n {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `{"id":"wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI3NjI0NUZBMDI3RkRF%06d","status":"delivered","timestamp":"1750091402","recipient_id":"1650555%04d","recipient_user_id":"US.1349120865530274%04d","conversation":{"id":"d3b0e5f0f0a44b3c9a1b2d0e3f4a5b6c","expiration_timestamp":"1750177800","origin":{"type":"marketing"}},"pricing":{"billable":true,"pricing_model":"PMP","category":"marketing","type":"regular"},"biz_opaque_callback_data":"campaign:42:recipient:%d"}`, i, i, i, i)
	}
	sb.WriteString(`]},"field":"messages"}]}]}`)
	return []byte(sb.String())
}

// BenchmarkDecodeStatusBatch decodes one notification carrying 100 statuses.
func BenchmarkDecodeStatusBatch(b *testing.B) {
	body := statusBatch(100)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		events, err := whatsapp.Decode(body)
		if err != nil || len(events[0].Messages.Statuses) != 100 {
			b.Fatal(err)
		}
	}
}

// BenchmarkTemplateSendEncode builds, validates and encodes a template send.
func BenchmarkTemplateSendEncode(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		m := whatsapp.Message{To: whatsapp.Phone("+919876543210"), Content: whatsapp.Template{
			Name: "admission_reminder", Language: "en_US",
			Header:  whatsapp.HeaderMedia("document", whatsapp.MediaRef{Link: "https://example.com/brochure.pdf"}),
			Body:    []whatsapp.Param{whatsapp.TextParam("Asha"), whatsapp.CurrencyParam("₹1,500.00", "INR", 1500000), whatsapp.DateTimeParam("1 December 2026")},
			Buttons: []whatsapp.ButtonParam{whatsapp.URLButton(0, "apply?ref=42"), whatsapp.QuickReplyButton(1, "STOP_PROMOTIONS")},
		}}
		if err := m.Validate(); err != nil {
			b.Fatal(err)
		}
		if _, err := json.Marshal(m); err != nil {
			b.Fatal(err)
		}
	}
}

package billing_test

import (
	"testing"

	"github.com/botsync/botsync/billing"
	"github.com/botsync/botsync/billing/billingtest"
	"github.com/botsync/botsync/billing/memstore"
)

func BenchmarkWebhookMemstore(b *testing.B) { billingtest.BenchWebhook(b, memstore.New()) }

func BenchmarkUsageMemstore(b *testing.B) { billingtest.BenchUsage(b, memstore.New()) }

func BenchmarkVerifyWebhookSignature(b *testing.B) {
	body := billingtest.ChargedEventBody
	sig := billingtest.SignWebhook(body, whSecret)
	b.ReportAllocs()
	for b.Loop() {
		if err := billing.VerifyWebhookSignature(body, sig, whSecret.RevealBytes()); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseEvent(b *testing.B) {
	body := billingtest.ChargedEventBody
	b.ReportAllocs()
	for b.Loop() {
		if _, err := billing.ParseEvent("evt", body); err != nil {
			b.Fatal(err)
		}
	}
}

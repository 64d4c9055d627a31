package billing_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/botsync/botsync/billing"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "events", name))
	require.NoError(t, err)
	return b
}

func TestParseEventFixtures(t *testing.T) {
	t.Parallel()
	ev, err := billing.ParseEvent("evt_1", fixture(t, "payment.captured.json"))
	require.NoError(t, err)
	assert.Equal(t, billing.EventPaymentCaptured, ev.Type)
	assert.True(t, ev.Type.Known())
	assert.Equal(t, "acc_BFQ7uQEaa7j2z7", ev.AccountID)
	assert.Equal(t, time.Unix(1567674606, 0).UTC(), ev.CreatedAt)
	require.NotNil(t, ev.Payment)
	assert.Equal(t, billing.Paise(100), ev.Payment.Amount)
	assert.Equal(t, "order_DESlLckIVRkHWj", ev.Payment.OrderID)
	assert.True(t, ev.Payment.Captured)
	assert.Equal(t, "gaurav.kumar@example.com", ev.Payment.Email.Reveal())
	assert.NotContains(t, fmt.Sprintf("%v %+v", ev.Payment, *ev.Payment), "gaurav", "personal data is redacted when printed")
	assert.Empty(t, ev.Payment.Notes, "notes: [] decodes to empty")
	assert.JSONEq(t, string(fixture(t, "payment.captured.json")), string(ev.Raw))

	ev, err = billing.ParseEvent("evt_2", fixture(t, "subscription.charged.json"))
	require.NoError(t, err)
	require.NotNil(t, ev.Subscription)
	require.NotNil(t, ev.Payment)
	assert.Equal(t, billing.StatusActive, ev.Subscription.Status)
	assert.Equal(t, "ws_42", ev.Subscription.Notes[billing.WorkspaceNote])
	assert.Equal(t, "3", ev.Subscription.Notes["seats"], "non-string notes are kept as text")
	assert.Equal(t, 1, ev.Subscription.PaidCount)
	assert.Equal(t, time.Unix(1572892200, 0).UTC(), ev.Subscription.CurrentEnd.Time)
	assert.True(t, ev.Subscription.EndedAt.IsZero())
	assert.Equal(t, billing.Paise(100000), ev.Payment.Amount)

	ev, err = billing.ParseEvent("evt_3", fixture(t, "refund.processed.json"))
	require.NoError(t, err)
	assert.Equal(t, billing.Paise(30000), ev.Refund.Amount)
	assert.Equal(t, "processed", ev.Refund.Status)
	assert.Equal(t, billing.Paise(30000), ev.Payment.AmountRefunded)

	ev, err = billing.ParseEvent("evt_4", fixture(t, "invoice.paid.json"))
	require.NoError(t, err)
	assert.Equal(t, "sub_DEX6xcJ1HSW4CR", ev.Invoice.SubscriptionID)
	assert.Equal(t, "paid", ev.Invoice.Status)
	require.Len(t, ev.Invoice.LineItems, 1)
	assert.Equal(t, billing.Paise(100000), ev.Invoice.LineItems[0].Amount)
	assert.Equal(t, "order_DEXFWXOSo4vTKE", ev.Order.ID)

	ev, err = billing.ParseEvent("evt_5", fixture(t, "payment_link.paid.json"))
	require.NoError(t, err)
	assert.Equal(t, "TS1989", ev.PaymentLink.ReferenceID)
	assert.Equal(t, "pay_ERgiktGQdZkZ8a", ev.Payment.ID)

	ev, err = billing.ParseEvent("evt_6", fixture(t, "unknown.json"))
	require.NoError(t, err, "unknown types are surfaced, not rejected")
	assert.Equal(t, billing.EventType("account.instantly_activated"), ev.Type)
	assert.False(t, ev.Type.Known())
	assert.Contains(t, string(ev.Raw), "acc_X")
}

// eventBody builds a minimal event of type typ carrying entities.
func eventBody(typ billing.EventType, created int64, entities map[string]any) []byte {
	payload := map[string]any{}
	for k, v := range entities {
		payload[k] = map[string]any{"entity": v}
	}
	b, _ := json.Marshal(map[string]any{"entity": "event", "account_id": "acc_1", "event": typ, "payload": payload, "created_at": created})
	return b
}

func TestParseEventEveryType(t *testing.T) {
	t.Parallel()
	pay := map[string]any{"id": "pay_1", "amount": 100, "currency": "INR", "status": "captured"}
	sub := map[string]any{"id": "sub_1", "status": "active", "plan_id": "plan_1"}
	entities := map[billing.EventType]map[string]any{
		billing.EventPaymentAuthorized: {"payment": pay}, billing.EventPaymentCaptured: {"payment": pay},
		billing.EventPaymentFailed: {"payment": pay}, billing.EventOrderPaid: {"payment": pay, "order": map[string]any{"id": "order_1", "amount": 100}},
		billing.EventRefundCreated:   {"refund": map[string]any{"id": "rfnd_1", "amount": 100}, "payment": pay},
		billing.EventRefundProcessed: {"refund": map[string]any{"id": "rfnd_1", "amount": 100}},
		billing.EventRefundFailed:    {"refund": map[string]any{"id": "rfnd_1", "amount": 100}},
		billing.EventInvoicePaid:     {"invoice": map[string]any{"id": "inv_1", "amount": 100}},
		billing.EventInvoiceExpired:  {"invoice": map[string]any{"id": "inv_1", "amount": 100}},
		billing.EventPaymentLinkPaid: {"payment_link": map[string]any{"id": "plink_1", "amount": 100}},
	}
	for _, typ := range []billing.EventType{billing.EventSubscriptionAuthenticated, billing.EventSubscriptionActivated,
		billing.EventSubscriptionCharged, billing.EventSubscriptionPending, billing.EventSubscriptionHalted,
		billing.EventSubscriptionCancelled, billing.EventSubscriptionCompleted, billing.EventSubscriptionPaused,
		billing.EventSubscriptionResumed} {
		entities[typ] = map[string]any{"subscription": sub}
	}
	require.Len(t, entities, 19)
	for typ, ents := range entities {
		t.Run(string(typ), func(t *testing.T) {
			ev, err := billing.ParseEvent("evt", eventBody(typ, 1700000000, ents))
			require.NoError(t, err)
			assert.True(t, ev.Type.Known())
			_, err = billing.ParseEvent("evt", eventBody(typ, 1700000000, nil))
			require.ErrorIs(t, err, billing.ErrMalformedEvent, "a known event without its entity")
		})
	}
}

func TestParseEventBadInput(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"not json":          `{"entity":`,
		"no event name":     `{"entity":"event","payload":{}}`,
		"not an event":      `{"entity":"payment","event":"payment.captured"}`,
		"negative amount":   string(eventBody(billing.EventPaymentCaptured, 1, map[string]any{"payment": map[string]any{"id": "p", "amount": -100}})),
		"fractional amount": string(eventBody(billing.EventPaymentCaptured, 1, map[string]any{"payment": map[string]any{"id": "p", "amount": 100.5}})),
		"negative time":     string(eventBody("x.y", -5, nil)),
		"array":             `[]`,
	}
	for name, body := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := billing.ParseEvent("evt", []byte(body))
			require.ErrorIs(t, err, billing.ErrMalformedEvent)
		})
	}
}

func FuzzParseEvent(f *testing.F) {
	for _, name := range []string{"payment.captured.json", "subscription.charged.json", "refund.processed.json", "invoice.paid.json", "payment_link.paid.json", "unknown.json"} {
		f.Add(fixture(f, name))
	}
	f.Add([]byte(`{"event":"subscription.halted","payload":{"subscription":{"entity":{"id":"s","notes":[]}}}}`))
	f.Add([]byte(`{"event":"payment.failed","payload":{"payment":{"entity":{"amount":"1e9"}}}}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, err := billing.ParseEvent("evt_fuzz", body)
		if err != nil {
			require.ErrorIs(t, err, billing.ErrMalformedEvent)
			return
		}
		require.NotEmpty(t, ev.Type)
		for _, p := range []*billing.Payment{ev.Payment} {
			if p != nil {
				require.GreaterOrEqual(t, int64(p.Amount), int64(0), "amounts are never negative")
			}
		}
		if ev.Subscription != nil && ev.Type.Known() && strings.HasPrefix(string(ev.Type), "subscription.") {
			require.NotEmpty(t, ev.Subscription.ID)
		}
	})
}

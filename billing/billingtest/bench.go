package billingtest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/botsync/botsync/billing"
	"github.com/botsync/botsync/secret"
)

// ChargedEventBody is a realistic subscription.charged webhook body
// (subscription and payment entities, about 1.3 KB).
var ChargedEventBody = []byte(`{"entity":"event","account_id":"acc_BFQ7uQEaa7j2z7","event":"subscription.charged","contains":["subscription","payment"],"payload":{"subscription":{"entity":{"id":"sub_DEX6xcJ1HSW4CR","entity":"subscription","plan_id":"plan_BvrFKjSxauOH7N","customer_id":"cust_C0WlbKhp3aLA7W","status":"active","current_start":1570213800,"current_end":1572892200,"ended_at":null,"quantity":1,"notes":{"workspace_id":"ws_42"},"charge_at":1572892200,"start_at":1570213800,"end_at":1599244200,"auth_attempts":0,"total_count":12,"paid_count":1,"customer_notify":true,"created_at":1567689895,"expire_by":null,"short_url":null,"has_scheduled_changes":false,"change_scheduled_at":null,"remaining_count":"11"}},"payment":{"entity":{"id":"pay_DEXFWroJ6LikKT","entity":"payment","amount":100000,"currency":"INR","status":"captured","order_id":"order_DEXFWXOSo4vTKE","invoice_id":"inv_DEXFWVGS9cXGWy","international":false,"method":"card","amount_refunded":0,"refund_status":null,"captured":true,"description":"Recurring Payment via Subscription","email":"gaurav.kumar@example.com","contact":"+919876543210","customer_id":"cust_C0WlbKhp3aLA7W","notes":[],"fee":2900,"tax":0,"error_code":null,"created_at":1567690383}}},"created_at":1567690383}`)

// BenchWebhook measures, per iteration, the verification, decoding and
// deduplication (claim, sink, complete) of one new event on store, with a
// sink that does nothing.
func BenchWebhook(b *testing.B, store billing.EventStore) {
	b.Helper()
	whSecret := secret.New("whsec_bench")
	sig := SignWebhook(ChargedEventBody, whSecret)
	h, err := billing.NewWebhookHandler(whSecret, store, billing.EventSinkFunc(func(context.Context, *billing.Event) error { return nil }))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	run := time.Now().UnixNano()
	b.ReportAllocs()
	b.SetBytes(int64(len(ChargedEventBody)))
	i := 0
	for b.Loop() {
		i++
		out, err := h.Process(ctx, ChargedEventBody, sig, fmt.Sprintf("evt_%d_%d", run, i))
		if err != nil || out != billing.OutcomeProcessed {
			b.Fatal(out, err)
		}
	}
}

// BenchUsage measures, per iteration, recording one usage event and one
// entitlement check against a 1,000,000-message plan on store.
func BenchUsage(b *testing.B, store billing.UsageStore) {
	b.Helper()
	plan := billing.Plan{ID: "bench", Limits: map[billing.Metric]billing.Limit{billing.MetricMessages: {Included: 1_000_000}}}
	now := time.Date(2026, 5, 10, 0, 0, 0, 0, billing.IST)
	u, err := billing.NewUsage(store, billing.PlanSourceFunc(func(context.Context, string) (billing.Plan, error) { return plan, nil }),
		billing.WithUsageClock(func() time.Time { return now }))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	run := time.Now().UnixNano()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		ev := billing.UsageEvent{WorkspaceID: "ws_bench", Metric: billing.MetricMessages, Quantity: 1,
			IdempotencyKey: fmt.Sprintf("m_%d_%d", run, i), At: now}
		if err := u.Record(ctx, ev); err != nil {
			b.Fatal(err)
		}
		if _, err := u.Check(ctx, "ws_bench", billing.MetricMessages, 1); err != nil {
			b.Fatal(err)
		}
	}
}

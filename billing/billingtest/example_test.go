package billingtest_test

import (
	"context"
	"fmt"

	"github.com/botsync/botsync/billing"
	"github.com/botsync/botsync/billing/billingtest"
	"github.com/botsync/botsync/billing/memstore"
)

func Example() {
	srv := billingtest.NewServer()
	defer srv.Close()
	ctx := context.Background()

	// Webhooks from the fake are signed with srv.WebhookSecret.
	var seen []billing.EventType
	h, _ := billing.NewWebhookHandler(srv.WebhookSecret, memstore.New(), billing.EventSinkFunc(func(_ context.Context, ev *billing.Event) error {
		seen = append(seen, ev.Type)
		return nil
	}))
	srv.SetWebhookHandler(h)

	c, _ := billing.NewClient(srv.KeyID, srv.KeySecret, billing.WithBaseURL(srv.URL()))
	order, _ := c.Orders.Create(ctx, billing.OrderRequest{Amount: 49900, Currency: "INR", Receipt: "ws_1/2026-05"})
	checkout, _ := srv.PayOrder(order.ID)
	fmt.Println(billing.VerifyPaymentSignature(order.ID, checkout.PaymentID, checkout.Signature, srv.KeySecret.RevealBytes()))
	fmt.Println(seen)
	// Output:
	// <nil>
	// [payment.authorized payment.captured order.paid]
}

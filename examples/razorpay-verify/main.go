// Command razorpay-verify creates an order, pays it in the fake Razorpay
// (as Checkout would), and verifies the payment signature and the signed
// webhooks — the checks a server does before trusting a payment.
//
//	go run ./examples/razorpay-verify
package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"

	"github.com/botsync/botsync/billing"
	"github.com/botsync/botsync/billing/billingtest"
	"github.com/botsync/botsync/billing/memstore"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "razorpay-verify:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer) error {
	rzp := billingtest.NewServer()
	defer rzp.Close()
	client, err := billing.NewClient(rzp.KeyID, rzp.KeySecret, billing.WithBaseURL(rzp.URL()))
	if err != nil {
		return err
	}
	// Webhooks: verified on the raw body, processed once per event id.
	wh, err := billing.NewWebhookHandler(rzp.WebhookSecret, memstore.New(), billing.EventSinkFunc(func(_ context.Context, ev *billing.Event) error {
		fmt.Fprintln(out, "webhook:", ev.Type)
		return nil
	}))
	if err != nil {
		return err
	}
	rzp.SetWebhookHandler(wh)

	order, err := client.Orders.Create(ctx, billing.OrderRequest{Amount: 117882, Currency: "INR", Receipt: "ws_demo/2026-04"})
	if err != nil {
		return err
	}
	co, err := rzp.PayOrder(order.ID) // the customer pays in Checkout
	if err != nil {
		return err
	}
	secretKey := []byte(rzp.KeySecret.Reveal())
	fmt.Fprintln(out, "checkout signature valid:", billing.VerifyPaymentSignature(co.OrderID, co.PaymentID, co.Signature, secretKey) == nil)
	fmt.Fprintln(out, "forged signature valid:", billing.VerifyPaymentSignature(co.OrderID, co.PaymentID, "00"+co.Signature[2:], secretKey) == nil)

	// A redelivered webhook is acknowledged but not processed again.
	rec := httptest.NewRecorder()
	d := rzp.Deliveries()[len(rzp.Deliveries())-1]
	wh.ServeHTTP(rec, billingtest.NewWebhookRequest(d.Body, rzp.WebhookSecret, d.EventID))
	fmt.Fprintln(out, "redelivery answered:", rec.Code == http.StatusOK)
	return nil
}

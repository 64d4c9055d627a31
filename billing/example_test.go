package billing_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/botsync/botsync/billing"
	"github.com/botsync/botsync/billing/memstore"
)

func ExampleVerifyPaymentSignature() {
	keySecret := []byte("EnLs21M47BllR3X8PSFtjtbd")
	// What Checkout returns to the browser after payment:
	orderID, paymentID := "order_IEIaMR65cu6nz3", "pay_IH4NVgf4Dreq1l"
	m := hmac.New(sha256.New, keySecret)
	m.Write([]byte(orderID + "|" + paymentID))
	signature := hex.EncodeToString(m.Sum(nil))

	fmt.Println(billing.VerifyPaymentSignature(orderID, paymentID, signature, keySecret))
	err := billing.VerifyPaymentSignature(orderID, "pay_forged", signature, keySecret)
	fmt.Println(errors.Is(err, billing.ErrInvalidSignature))
	// Output:
	// <nil>
	// true
}

func ExampleInvoicer_Issue() {
	supplier := billing.Supplier{
		Party: billing.Party{Name: "BotSync Technologies Pvt Ltd", Address: "12 MG Road, Bengaluru", GSTIN: "29AAGCB7383J1Z4"},
	}
	now := func() time.Time { return time.Date(2026, 5, 1, 10, 0, 0, 0, billing.IST) }
	iv, err := billing.NewInvoicer(memstore.New(), supplier, billing.WithInvoiceClock(now))
	if err != nil {
		panic(err)
	}
	inv, err := iv.Issue(context.Background(), billing.InvoiceRequest{
		WorkspaceID: "ws_1",
		Customer:    billing.Party{Name: "Acme", Address: "Pune", GSTIN: "27AAPFU0939F1ZV"},
		Lines:       []billing.InvoiceLine{{Description: "Growth plan, May 2026", Quantity: 1, Unit: "MON", UnitPrice: 99900}},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(inv.Number, inv.Supply, inv.PlaceOfSupplyName)
	for _, t := range inv.Taxes {
		fmt.Println(t.Name, t.Rate(), t.Amount)
	}
	fmt.Println("round-off", inv.RoundOff, "paise; total", inv.Total)
	fmt.Println(inv.TotalInWords)
	// Output:
	// INV/2627/00001 inter_state Maharashtra
	// IGST 18% 179.82
	// round-off 18 paise; total 1179.00
	// Rupees One Thousand One Hundred Seventy Nine Only
}

func ExampleComputeTax() {
	// Same state: CGST + SGST; another state: IGST; export under LUT: zero-rated.
	for _, c := range []billing.Party{{StateCode: "29"}, {StateCode: "27"}, {Country: "SG"}} {
		place, supply, _ := billing.PlaceOfSupply("29", c)
		for _, t := range billing.ComputeTax(100000, supply, place, true) {
			fmt.Printf("%s %s %s %s\n", supply, t.Name, t.Rate(), t.Amount)
		}
	}
	// Output:
	// intra_state CGST 9% 90.00
	// intra_state SGST 9% 90.00
	// inter_state IGST 18% 180.00
	// export IGST 0% 0.00
}

func ExampleValidateGSTIN() {
	fmt.Println(billing.ValidateGSTIN("27AAPFU0939F1ZV"))
	err := billing.ValidateGSTIN("27AAPFU0939F1ZW")
	fmt.Println(errors.Is(err, billing.ErrGSTINCheckDigit))
	// Output:
	// <nil>
	// true
}

func ExampleUsage_Check() {
	plan := billing.Plan{ID: "starter", Limits: map[billing.Metric]billing.Limit{billing.MetricMessages: {Included: 1000}}}
	now := func() time.Time { return time.Date(2026, 5, 10, 0, 0, 0, 0, billing.IST) }
	u, _ := billing.NewUsage(memstore.New(), billing.PlanSourceFunc(func(context.Context, string) (billing.Plan, error) { return plan, nil }),
		billing.WithUsageClock(now))
	ctx := context.Background()
	ev := billing.UsageEvent{WorkspaceID: "ws_1", Metric: billing.MetricMessages, Quantity: 990, IdempotencyKey: "batch-1", At: now()}
	_ = u.Record(ctx, ev)
	_ = u.Record(ctx, ev) // the same event again counts once
	e, _ := u.Check(ctx, "ws_1", billing.MetricMessages, 25)
	fmt.Println(e.Allowed, e.Used, e.OverBy)
	// Output: false 990 15
}

// Package billing is BotSync's Razorpay billing: payment, subscription,
// payment-link and webhook signature verification; a webhook [http.Handler]
// that decodes typed events, processes each event id once and hands it to a
// durable sink before answering 200; a typed Razorpay [Client]; plans with
// limits, idempotent usage metering and fast entitlement checks; and GST tax
// invoices and credit notes (GSTIN validation, CGST+SGST / IGST / export under
// LUT, gap-free numbering per financial year, HTML and JSON rendering).
//
// Verify a checkout before trusting it:
//
//	err := billing.VerifyPaymentSignature(orderID, paymentID, sig, keySecret)
//	if errors.Is(err, billing.ErrInvalidSignature) { ... }
//
// Talk to Razorpay:
//
//	c, err := billing.NewClient("rzp_live_x", secret.New(keySecret))
//	order, err := c.Orders.Create(ctx, billing.OrderRequest{Amount: 49900, Currency: "INR", Receipt: "ws_1/2026-04"})
//
// Receive webhooks:
//
//	h, err := billing.NewWebhookHandler(webhookSecret, store, sink)
//	mux.Handle("POST /webhooks/razorpay", h)
//
// Money is integer paise ([Paise]) everywhere; JSON amounts that are negative
// or fractional are rejected. Anything that depends on the date (billing
// periods, financial years, event leases) reads an injected clock.
//
// Billing records (invoices, credit notes, payments) are kept for
// [RetentionYears] years: section 36 of the CGST Act requires accounts for
// 72 months from the due date of the annual return, which in practice means
// eight years from the invoice date. Other packages (privacy) read
// [RetentionCategory] and [RetentionPeriod].
//
// Persisted state lives behind [Store]; billing/memstore and billing/pgstore
// implement it and billing/billingtest.TestStore is their conformance suite.
// billing/billingtest also provides a fake Razorpay server that emits signed
// webhooks.
package billing

import "time"

// RetentionCategory is the data category of billing records (invoices,
// credit notes, payments, usage behind an invoice) for retention tooling.
const RetentionCategory = "billing_records"

// RetentionYears is how long billing records are kept (CGST Act s.36:
// 72 months after the annual return's due date, rounded up to 8 years from
// the invoice date).
const RetentionYears = 8

// RetentionPeriod is RetentionYears as a duration of 8×365+2 days (the leap
// days any eight consecutive years contain at least).
const RetentionPeriod = (RetentionYears*365 + 2) * 24 * time.Hour

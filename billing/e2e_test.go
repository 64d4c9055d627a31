package billing_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/botsync/botsync/billing"
	"github.com/botsync/botsync/billing/billingtest"
	"github.com/botsync/botsync/billing/memstore"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// settlement is the sink of the end-to-end test: it tracks subscription
// state, issues a GST tax invoice for every paid Razorpay invoice and a
// credit note for every processed refund.
type settlement struct {
	client   *billing.Client
	tracker  *billing.SubscriptionTracker
	invoicer *billing.Invoicer
	store    billing.Store
	address  map[string]string // workspace → billing address on record
}

func (s *settlement) workspaceOf(ctx context.Context, subscriptionID string) (string, error) {
	sub, err := s.client.Subscriptions.Fetch(ctx, subscriptionID)
	if err != nil {
		return "", err
	}
	return sub.Notes[billing.WorkspaceNote], nil
}

func (s *settlement) HandleEvent(ctx context.Context, ev *billing.Event) error {
	if err := s.tracker.HandleEvent(ctx, ev); err != nil {
		return err
	}
	switch ev.Type {
	case billing.EventInvoicePaid:
		rinv := ev.Invoice
		ws, err := s.workspaceOf(ctx, rinv.SubscriptionID)
		if err != nil {
			return err
		}
		cust, err := s.client.Customers.Fetch(ctx, rinv.CustomerID)
		if err != nil {
			return err
		}
		var lines []billing.InvoiceLine
		for _, li := range rinv.LineItems {
			// Plan amounts include GST at 18%: invoice the value before tax.
			lines = append(lines, billing.InvoiceLine{Description: li.Name, Quantity: int64(li.Quantity), Unit: "MON",
				UnitPrice: li.Amount * 100 / 118})
		}
		_, err = s.invoicer.Issue(ctx, billing.InvoiceRequest{
			WorkspaceID: ws,
			Customer:    billing.Party{Name: cust.Name, Address: s.address[ws], GSTIN: cust.GSTIN},
			Period:      billing.Period{Start: rinv.BillingStart.Time, End: rinv.BillingEnd.Time},
			Lines:       lines, RazorpayPaymentID: rinv.PaymentID, RazorpayInvoiceID: rinv.ID,
		})
		return err
	case billing.EventRefundProcessed:
		pay, err := s.client.Payments.Fetch(ctx, ev.Refund.PaymentID)
		if err != nil {
			return err
		}
		rinv, err := s.client.Invoices.Fetch(ctx, pay.InvoiceID)
		if err != nil {
			return err
		}
		ws, err := s.workspaceOf(ctx, rinv.SubscriptionID)
		if err != nil {
			return err
		}
		all, err := s.store.Invoices(ctx, ws)
		if err != nil {
			return err
		}
		for _, inv := range all {
			if inv.Kind == billing.KindInvoice && inv.RazorpayPaymentID == pay.ID {
				_, err := s.invoicer.CreditNote(ctx, ws, inv.Number, ev.Refund.Amount, "refund "+ev.Refund.ID, ev.Refund.ID)
				return err
			}
		}
		return fmt.Errorf("no tax invoice for payment %s", pay.ID)
	}
	return nil
}

func TestEndToEnd(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	clk := &fixedClock{t: time.Date(2026, 5, 1, 10, 0, 0, 0, billing.IST)}
	srv := billingtest.NewServer(billingtest.WithClock(clk.Now))
	defer srv.Close()
	client, err := billing.NewClient(srv.KeyID, srv.KeySecret, billing.WithBaseURL(srv.URL()))
	require.NoError(t, err)
	store := memstore.New()
	tracker, err := billing.NewSubscriptionTracker(store, clk.Now)
	require.NoError(t, err)
	invoicer, err := billing.NewInvoicer(store, supplier, billing.WithInvoiceClock(clk.Now))
	require.NoError(t, err)
	sink := &settlement{client: client, tracker: tracker, invoicer: invoicer, store: store,
		address: map[string]string{"ws_1": "4 FC Road, Pune 411004"}}
	handler, err := billing.NewWebhookHandler(srv.WebhookSecret, store, sink, billing.WithWebhookClock(clk.Now))
	require.NoError(t, err)
	srv.SetWebhookHandler(handler)

	// Checkout: customer, plan, subscription, mandate authorised.
	cust, err := client.Customers.Create(ctx, billing.CustomerRequest{Name: "Acme Retail LLP", Email: "ops@acme.example", Contact: "+919800000000", GSTIN: "27AAPFU0939F1ZV"})
	require.NoError(t, err)
	plan, err := client.Plans.Create(ctx, billing.PlanRequest{Period: "monthly", Interval: 1,
		Item: billing.PlanItem{Name: "BotSync Growth", Amount: 118000, Currency: "INR"}})
	require.NoError(t, err)
	sub, err := client.Subscriptions.Create(ctx, billing.SubscriptionRequest{PlanID: plan.ID, CustomerID: cust.ID, TotalCount: 12,
		Notes: billing.Notes{billing.WorkspaceNote: "ws_1"}})
	require.NoError(t, err)
	co, err := srv.AuthenticateSubscription(sub.ID)
	require.NoError(t, err)
	require.NoError(t, billing.VerifySubscriptionSignature(co.PaymentID, sub.ID, co.Signature, srv.KeySecret.RevealBytes()))
	st, err := store.Subscription(ctx, "ws_1", sub.ID)
	require.NoError(t, err)
	assert.Equal(t, billing.StatusAuthenticated, st.Status)

	// Activation and first charge → Razorpay invoice paid → GST tax invoice.
	clk.Set(clk.Now().Add(time.Minute))
	charge, err := srv.ChargeSubscription(sub.ID)
	require.NoError(t, err)
	st, err = store.Subscription(ctx, "ws_1", sub.ID)
	require.NoError(t, err)
	assert.Equal(t, billing.StatusActive, st.Status)
	assert.Equal(t, 1, st.PaidCount)
	invs, err := store.Invoices(ctx, "ws_1")
	require.NoError(t, err)
	require.Len(t, invs, 1)
	inv := invs[0]
	assert.Equal(t, "INV/2627/00001", inv.Number)
	assert.Equal(t, billing.SupplyInterState, inv.Supply, "Karnataka supplier, Maharashtra customer")
	assert.Equal(t, billing.Paise(100000), inv.Taxable)
	assert.Equal(t, billing.Paise(18000), inv.TaxTotal)
	assert.Equal(t, billing.Paise(118000), inv.Total, "the tax invoice matches what was charged")
	assert.Equal(t, charge.PaymentID, inv.RazorpayPaymentID)
	assert.Equal(t, "Rupees One Thousand One Hundred Eighty Only", inv.TotalInWords)

	// Every delivery redelivered: acknowledged, nothing recorded twice.
	for i := range srv.Deliveries() {
		assert.Equal(t, 200, srv.Redeliver(i))
	}
	invs, err = store.Invoices(ctx, "ws_1")
	require.NoError(t, err)
	assert.Len(t, invs, 1)

	// Refund half → refund.processed → credit note.
	clk.Set(clk.Now().Add(48 * time.Hour))
	ref, err := client.Refunds.Create(ctx, charge.PaymentID, billing.RefundRequest{Amount: 59000})
	require.NoError(t, err)
	invs, err = store.Invoices(ctx, "ws_1")
	require.NoError(t, err)
	require.Len(t, invs, 2)
	cn := invs[1]
	assert.Equal(t, billing.KindCreditNote, cn.Kind)
	assert.Equal(t, "CN/2627/00001", cn.Number)
	assert.Equal(t, inv.Number, cn.OriginalNumber)
	assert.Equal(t, billing.Paise(59000), cn.Total)
	assert.Equal(t, billing.Paise(50000), cn.Taxable)
	assert.Equal(t, billing.Paise(9000), cn.TaxTotal)
	assert.Equal(t, ref.ID, cn.RazorpayRefundID)

	var html bytes.Buffer
	require.NoError(t, billing.RenderHTML(&html, cn))
	assert.Contains(t, html.String(), "Credit Note")

	// Cancellation ends the lifecycle.
	_, err = client.Subscriptions.Cancel(ctx, sub.ID, false)
	require.NoError(t, err)
	st, err = store.Subscription(ctx, "ws_1", sub.ID)
	require.NoError(t, err)
	assert.Equal(t, billing.StatusCancelled, st.Status)

	var types []billing.EventType
	for _, d := range srv.Deliveries() {
		assert.Equal(t, 200, d.Status, "%s was acknowledged", d.Event)
		types = append(types, d.Event)
	}
	assert.Equal(t, []billing.EventType{
		billing.EventSubscriptionAuthenticated, billing.EventSubscriptionActivated, billing.EventSubscriptionCharged,
		billing.EventPaymentCaptured, billing.EventInvoicePaid, billing.EventRefundCreated, billing.EventRefundProcessed,
		billing.EventSubscriptionCancelled,
	}, types)
}

func TestFakeWebhooks(t *testing.T) {
	t.Parallel()
	srv := billingtest.NewServer()
	defer srv.Close()
	sink := &recordingSink{}
	h, err := billing.NewWebhookHandler(srv.WebhookSecret, memstore.New(), sink)
	require.NoError(t, err)
	srv.SetWebhookHandler(h)
	client, err := billing.NewClient(srv.KeyID, srv.KeySecret, billing.WithBaseURL(srv.URL()))
	require.NoError(t, err)

	o, err := client.Orders.Create(t.Context(), billing.OrderRequest{Amount: 49900, Currency: "INR"})
	require.NoError(t, err)
	co, err := srv.PayOrder(o.ID)
	require.NoError(t, err)
	require.NoError(t, billing.VerifyPaymentSignature(o.ID, co.PaymentID, co.Signature, srv.KeySecret.RevealBytes()))
	o2, err := client.Orders.Create(t.Context(), billing.OrderRequest{Amount: 49900, Currency: "INR"})
	require.NoError(t, err)
	_, err = srv.FailOrderPayment(o2.ID)
	require.NoError(t, err)

	link := srv.CreatePaymentLink(1000, "TS1989")
	cb, err := srv.PayPaymentLink(link.ID)
	require.NoError(t, err)
	require.NoError(t, billing.VerifyPaymentLinkSignature(cb, srv.KeySecret.RevealBytes()))

	srv.Emit("account.instantly_activated", map[string]any{"account": map[string]any{"id": "acc_1"}})

	got := map[billing.EventType]int{}
	for _, ev := range sink.events {
		got[ev.Type]++
	}
	assert.Equal(t, map[billing.EventType]int{
		billing.EventPaymentAuthorized: 1, billing.EventPaymentCaptured: 1, billing.EventOrderPaid: 1,
		billing.EventPaymentFailed: 1, billing.EventPaymentLinkPaid: 1, "account.instantly_activated": 1,
	}, got)
	for _, ev := range sink.events {
		if ev.Type == billing.EventPaymentFailed {
			assert.Equal(t, "insufficient_balance", ev.Payment.ErrorReason)
		}
	}
}

func TestFakeSubscriptionLifecycle(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	clk := &fixedClock{t: time.Date(2026, 5, 1, 10, 0, 0, 0, billing.IST)}
	srv := billingtest.NewServer(billingtest.WithClock(clk.Now))
	defer srv.Close()
	store := memstore.New()
	tracker, err := billing.NewSubscriptionTracker(store, clk.Now)
	require.NoError(t, err)
	h, err := billing.NewWebhookHandler(srv.WebhookSecret, store, tracker)
	require.NoError(t, err)
	srv.SetWebhookHandler(h)
	c, err := billing.NewClient(srv.KeyID, srv.KeySecret, billing.WithBaseURL(srv.URL()))
	require.NoError(t, err)
	plan, err := c.Plans.Create(ctx, billing.PlanRequest{Period: "monthly", Interval: 1, Item: billing.PlanItem{Name: "Starter", Amount: 59000, Currency: "INR"}})
	require.NoError(t, err)
	status := func(id string) billing.SubscriptionStatus {
		st, err := store.Subscription(ctx, "ws_9", id)
		require.NoError(t, err)
		return st.Status
	}

	sub, err := c.Subscriptions.Create(ctx, billing.SubscriptionRequest{PlanID: plan.ID, TotalCount: 2, Notes: billing.Notes{billing.WorkspaceNote: "ws_9"}})
	require.NoError(t, err)
	_, err = srv.ChargeSubscription(sub.ID)
	require.ErrorIs(t, err, billingtest.ErrState, "no charge before authentication")
	_, err = srv.AuthenticateSubscription(sub.ID)
	require.NoError(t, err)
	clk.Set(clk.Now().Add(time.Second))
	_, err = srv.ChargeSubscription(sub.ID)
	require.NoError(t, err)
	clk.Set(clk.Now().AddDate(0, 1, 0))
	require.NoError(t, srv.FailSubscriptionCharge(sub.ID, false))
	assert.Equal(t, billing.StatusPending, status(sub.ID))
	clk.Set(clk.Now().Add(time.Hour))
	_, err = srv.ChargeSubscription(sub.ID)
	require.NoError(t, err, "a retry recovers a pending subscription")
	assert.Equal(t, billing.StatusCompleted, status(sub.ID), "the last of total_count charges completes it")

	sub2, err := c.Subscriptions.Create(ctx, billing.SubscriptionRequest{PlanID: plan.ID, TotalCount: 12, Notes: billing.Notes{billing.WorkspaceNote: "ws_9"}})
	require.NoError(t, err)
	_, err = srv.AuthenticateSubscription(sub2.ID)
	require.NoError(t, err)
	clk.Set(clk.Now().Add(time.Second))
	_, err = srv.ChargeSubscription(sub2.ID)
	require.NoError(t, err)
	clk.Set(clk.Now().Add(time.Second))
	require.NoError(t, srv.FailSubscriptionCharge(sub2.ID, true))
	assert.Equal(t, billing.StatusHalted, status(sub2.ID))
	assert.False(t, status(sub2.ID).Entitled())
	for _, d := range srv.Deliveries() {
		assert.Equal(t, 200, d.Status)
	}
}

package billing_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/botsync/botsync/billing"
	"github.com/stretchr/testify/require"
)

// TestRequestsGolden pins what the client puts on the wire.
func TestRequestsGolden(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	c, srv := newClient(t)
	notify := false
	plan, err := c.Plans.Create(ctx, billing.PlanRequest{Period: "monthly", Interval: 1,
		Item: billing.PlanItem{Name: "Growth", Description: "1,000 messages", Amount: 118000, Currency: "INR"}, Notes: billing.Notes{"tier": "growth"}})
	require.NoError(t, err)
	cust, err := c.Customers.Create(ctx, billing.CustomerRequest{Name: "Acme", Email: "ops@acme.example", Contact: "+919800000000", GSTIN: "27AAPFU0939F1ZV"})
	require.NoError(t, err)
	_, err = c.Customers.Edit(ctx, cust.ID, billing.CustomerRequest{Name: "Acme Retail LLP"})
	require.NoError(t, err)
	sub, err := c.Subscriptions.Create(ctx, billing.SubscriptionRequest{PlanID: plan.ID, CustomerID: cust.ID, TotalCount: 12,
		CustomerNotify: &notify, StartAt: billing.Unix(1780000000), Notes: billing.Notes{billing.WorkspaceNote: "ws_1"}})
	require.NoError(t, err)
	_, err = srv.AuthenticateSubscription(sub.ID)
	require.NoError(t, err)
	_, err = c.Subscriptions.Update(ctx, sub.ID, billing.SubscriptionUpdate{Quantity: 3, AtCycleEnd: true})
	require.NoError(t, err)
	_, err = c.Subscriptions.Cancel(ctx, sub.ID, true)
	require.NoError(t, err)
	o, err := c.Orders.Create(ctx, billing.OrderRequest{Amount: 49900, Currency: "INR", Receipt: "ws_1/2026-05", Notes: billing.Notes{"workspace_id": "ws_1"}})
	require.NoError(t, err)
	co, err := srv.AuthorizeOrder(o.ID)
	require.NoError(t, err)
	_, err = c.Payments.Capture(ctx, co.PaymentID, 49900, "INR")
	require.NoError(t, err)
	_, err = c.Refunds.Create(ctx, co.PaymentID, billing.RefundRequest{Amount: 9900, Speed: "optimum", Receipt: "CN/2627/00001"})
	require.NoError(t, err)
	_, err = c.Invoices.List(ctx, billing.InvoiceListOptions{SubscriptionID: sub.ID, ListOptions: billing.ListOptions{Count: 50, Skip: 10}})
	require.NoError(t, err)

	var out bytes.Buffer
	for _, r := range srv.RecordedRequests() {
		fmt.Fprintf(&out, "%s %s", r.Method, r.Path)
		if r.Query != "" {
			fmt.Fprintf(&out, "?%s", r.Query)
		}
		out.WriteString("\n")
		if len(r.Body) > 0 {
			var pretty bytes.Buffer
			require.NoError(t, json.Indent(&pretty, r.Body, "", "  "))
			out.Write(pretty.Bytes())
			out.WriteString("\n")
		}
	}
	golden(t, "requests.golden", out.Bytes())
}

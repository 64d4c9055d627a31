package main

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/billing"
)

// A paid plan is refunded in two parts through the sandbox's Razorpay; each
// refund issues a credit note against the invoice, and nothing more than
// the invoice can be refunded.
func TestRefundIssuesCreditNote(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		cfg  func(*Config)
	}{
		{"embedded", func(*Config) {}},
		{"postgres", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := tc.cfg
			if cfg == nil {
				cfg = postgresConfig(t)
			}
			refundJourney(t, newTestApp(t, cfg, func(c *Config) { c.Sandbox, c.Seed = true, true }))
		})
	}
}

func refundJourney(t *testing.T, ta *testApp) {
	api := "/api/v1/workspaces/" + ta.sandbox.demoWS
	key := []string{"Authorization", "Bearer " + ta.sandbox.demoKey.Reveal()}
	var e struct {
		Error APIError `json:"error"`
	}

	var order map[string]any
	require.Equal(t, http.StatusCreated, ta.do(t, "POST", api+"/billing/orders", map[string]string{"plan": "starter", "name": "Asha Coaching LLP", "address": "4 FC Road, Pune", "state_code": "27", "gstin": "27AAPFU0939F1ZV"}, &order, key...))
	var co map[string]string
	require.Equal(t, http.StatusOK, ta.do(t, "POST", "/sandbox/pay", map[string]any{"order_id": order["order_id"]}, &co))
	ta.drain(t)
	var invs []billing.TaxInvoice
	require.Equal(t, http.StatusOK, ta.do(t, "GET", api+"/billing/invoices", nil, &invs, key...))
	require.Len(t, invs, 1)
	inv := invs[0]
	require.Equal(t, co["payment_id"], inv.RazorpayPaymentID)
	refunds := api + "/billing/invoices/" + url.PathEscape(inv.Number) + "/refunds"

	// Bad input names the field; unknown invoices are 404.
	require.Equal(t, http.StatusBadRequest, ta.do(t, "POST", refunds, map[string]any{"amount": 100}, &e, key...))
	require.Equal(t, "reason", e.Error.Field)
	require.Equal(t, http.StatusBadRequest, ta.do(t, "POST", refunds, map[string]any{"amount": -1, "reason": "x"}, &e, key...))
	require.Equal(t, "amount", e.Error.Field)
	require.Equal(t, http.StatusNotFound, ta.do(t, "POST", api+"/billing/invoices/NOPE-1/refunds", map[string]any{"reason": "x"}, &e, key...))
	require.Equal(t, http.StatusConflict, ta.do(t, "POST", refunds, map[string]any{"amount": inv.Total + 1, "reason": "x"}, &e, key...))
	require.Equal(t, "amount", e.Error.Field)

	// A key that may only view billing cannot refund.
	var created struct {
		Key string `json:"key"`
	}
	require.Equal(t, http.StatusCreated, ta.do(t, "POST", api+"/api-keys", map[string]any{"name": "billing-ro", "actions": []string{"billing.view"}}, &created, key...))
	require.Equal(t, http.StatusForbidden, ta.do(t, "POST", refunds, map[string]any{"amount": 100, "reason": "x"}, &e, "Authorization", "Bearer "+created.Key))
	require.Equal(t, "forbidden", e.Error.Code)

	// A partial refund, then the rest.
	var part RefundResult
	require.Equal(t, http.StatusCreated, ta.do(t, "POST", refunds, map[string]any{"amount": 50000, "reason": "service outage"}, &part, key...))
	require.Equal(t, billing.Paise(50000), part.Refund.Amount)
	require.Equal(t, co["payment_id"], part.Refund.PaymentID)
	require.Equal(t, billing.KindCreditNote, part.CreditNote.Kind)
	require.Equal(t, inv.Number, part.CreditNote.OriginalNumber)
	require.Equal(t, part.Refund.ID, part.CreditNote.RazorpayRefundID)
	require.Equal(t, billing.Paise(50000), part.CreditNote.Total)

	var rest RefundResult
	require.Equal(t, http.StatusCreated, ta.do(t, "POST", refunds, map[string]any{"reason": "plan cancelled"}, &rest, key...))
	paid := billing.Paise(99900 + 99900*billing.GSTRateBasisPoints/10000) // the order's amount; the invoice may round it
	require.Equal(t, paid-50000, rest.Refund.Amount, "the rest of the payment")
	require.Equal(t, paid-50000, rest.CreditNote.Total)
	require.Equal(t, http.StatusConflict, ta.do(t, "POST", refunds, map[string]any{"reason": "again"}, &e, key...))
	require.Equal(t, "credit_exceeds_invoice", e.Error.Code)

	require.Equal(t, http.StatusOK, ta.do(t, "GET", api+"/billing/invoices", nil, &invs, key...))
	require.Len(t, invs, 3, "the invoice and two credit notes")
	// A credit note itself is not refundable.
	require.Equal(t, http.StatusConflict, ta.do(t, "POST", api+"/billing/invoices/"+url.PathEscape(part.CreditNote.Number)+"/refunds", map[string]any{"reason": "x"}, &e, key...))
	require.Equal(t, "not_refundable", e.Error.Code)
}

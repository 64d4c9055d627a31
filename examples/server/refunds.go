package main

import (
	"errors"
	"net/http"

	"github.com/botsync/botsync/billing"
	"github.com/botsync/botsync/workspace"
)

// RefundResult is a refund of an invoiced payment and the GST credit note
// issued for it.
type RefundResult struct {
	Refund     billing.Refund     `json:"refund"`
	CreditNote billing.TaxInvoice `json:"credit_note"`
}

// refundRoutes refund part or all of an invoiced payment through Razorpay
// and issue the matching credit note (CGST Act s.34). The remaining credit
// of the invoice is checked before any money moves; refunds of one
// invoice run one at a time in this instance (the credit check reads the
// notes already issued).
func (a *App) refundRoutes() []route {
	return []route{
		{Method: "POST", Path: "/workspaces/{ws}/billing/invoices/{number}/refunds", Tag: "billing",
			Summary: "Refund an invoiced payment through Razorpay (amount in paise, tax included; 0 or absent refunds what is left) and issue its GST credit note",
			Auth:    authWorkspace, Action: workspace.ActionBillingManage,
			Body: map[string]any{"amount": 0, "reason": "duplicate payment"}, Response: RefundResult{},
			Handle: func(c *call) error {
				if a.billing.client == nil || a.billing.invoicer == nil {
					return apiErr(http.StatusServiceUnavailable, "billing_not_configured", "set RAZORPAY_KEY_ID and RAZORPAY_KEY_SECRET")
				}
				var b struct {
					Amount int64  `json:"amount"`
					Reason string `json:"reason"`
				}
				if err := c.decode(&b); err != nil {
					return err
				}
				if b.Amount < 0 {
					return fieldErr("amount", "must not be negative")
				}
				if b.Reason == "" {
					return fieldErr("reason", "required on the credit note")
				}
				if len(b.Reason) > 200 {
					return fieldErr("reason", "at most 200 bytes")
				}
				ctx, number := c.r.Context(), c.r.PathValue("number")
				a.billing.refundMu.Lock()
				defer a.billing.refundMu.Unlock()
				inv, err := a.billing.store.Invoice(ctx, c.ws, number)
				if errors.Is(err, billing.ErrNotFound) {
					return apiErr(http.StatusNotFound, "not_found", "not found")
				}
				if err != nil {
					return err
				}
				if inv.Kind != billing.KindInvoice || inv.RazorpayPaymentID == "" {
					return apiErr(http.StatusConflict, "not_refundable", "only a tax invoice paid through Razorpay can be refunded")
				}
				all, err := a.billing.store.Invoices(ctx, c.ws)
				if err != nil {
					return err
				}
				left := inv.Total
				for _, d := range all {
					if d.Kind == billing.KindCreditNote && d.OriginalNumber == inv.Number {
						left -= d.Total
					}
				}
				// The payment may differ from the invoice total by its
				// round-off: refund no more than either has left.
				pay, err := a.billing.client.Payments.Fetch(ctx, inv.RazorpayPaymentID)
				if err != nil {
					return err
				}
				left = min(left, pay.Amount-pay.AmountRefunded)
				amount := billing.Paise(b.Amount)
				if amount == 0 {
					amount = left
				}
				if left <= 0 || amount > left {
					return &APIError{Code: "credit_exceeds_invoice", Message: "amount: more than what is left of the invoice and its payment (" + left.String() + ")",
						Field: "amount", status: http.StatusConflict}
				}
				if !a.now().Before(billing.CreditNoteDeadline(inv.FinancialYear)) {
					return apiErr(http.StatusConflict, "credit_note_too_late", "a credit note for this invoice is past its deadline (30 November after its financial year)")
				}
				ref, err := a.billing.client.Refunds.Create(ctx, inv.RazorpayPaymentID, billing.RefundRequest{Amount: amount, Receipt: inv.Number,
					Notes: billing.Notes{billing.WorkspaceNote: c.ws, "invoice": inv.Number}})
				var rerr *billing.Error
				if errors.As(err, &rerr) && rerr.StatusCode == http.StatusBadRequest {
					return &APIError{Code: "refund_rejected", Message: "Razorpay rejected the refund: " + rerr.Description, Field: "amount", status: http.StatusConflict}
				}
				if err != nil {
					return err
				}
				cn, err := a.billing.invoicer.CreditNote(ctx, c.ws, inv.Number, ref.Amount, b.Reason, ref.ID)
				if err != nil {
					// The money has moved: say so, with the refund id, so the
					// credit note can be issued by hand.
					a.log.Error("refund without credit note", "workspace", c.ws, "invoice", inv.Number, "refund", ref.ID, "err", err)
					return err
				}
				a.hub.Publish(Event{Type: "billing.refunded", Workspace: c.ws, At: a.now()})
				return c.json(http.StatusCreated, RefundResult{Refund: *ref, CreditNote: cn})
			}},
	}
}

package main

import (
	"context"
	"errors"
	"net/http"
	"time"

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
// invoice run one at a time (the credit check reads the notes already
// issued): under a PostgreSQL advisory lock shared by every instance, or
// a mutex embedded.
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
				unlock, err := a.lockRefunds(ctx, c.ws, number)
				if err != nil {
					return err
				}
				defer unlock()
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

// lockRefunds serialises refunds of one invoice: a session advisory lock on
// PostgreSQL (held on one pooled connection until unlock), else this
// process's mutex.
func (a *App) lockRefunds(ctx context.Context, ws, number string) (func(), error) {
	if len(a.stores.pools) == 0 {
		a.billing.refundMu.Lock()
		return a.billing.refundMu.Unlock, nil
	}
	conn, err := a.stores.pools[0].Acquire(ctx)
	if err != nil {
		return nil, err
	}
	const key = "SELECT hashtextextended('botsync_refund:' || $1::text || '/' || $2::text, 0)"
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock(("+key+"))", ws, number); err != nil {
		conn.Release()
		return nil, err
	}
	return func() {
		// Unlock even when the request's context has ended; a failed
		// unlock drops the connection, which releases the lock.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if _, err := conn.Exec(ctx, "SELECT pg_advisory_unlock(("+key+"))", ws, number); err != nil {
			_ = conn.Conn().Close(ctx)
		}
		conn.Release()
	}, nil
}

package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/botsync/botsync/billing"
	"github.com/botsync/botsync/billing/billingtest"
	"github.com/botsync/botsync/internal/intake"
	"github.com/botsync/botsync/secret"
	"github.com/botsync/botsync/workspace"
)

// PlanOffer is a plan a workspace can buy.
type PlanOffer struct {
	ID     string        `json:"id"`
	Name   string        `json:"name"`
	Amount billing.Paise `json:"amount"` // per month, before GST
}

var planOffers = []PlanOffer{
	{ID: "starter", Name: "BotSync Starter (1 number, 1,000 AI replies)", Amount: 99900},
	{ID: "growth", Name: "BotSync Growth (3 numbers, 10,000 AI replies)", Amount: 299900},
}

// planCatalog is what each plan allows per billing period; workspaces
// start on "free".
var planCatalog = []billing.Plan{
	{ID: "free", Name: "Free", Limits: map[billing.Metric]billing.Limit{billing.MetricMessages: {Included: 1000}, billing.MetricAITokens: {Included: 200_000}}},
	{ID: "starter", Name: "Starter", Price: 99900, Limits: map[billing.Metric]billing.Limit{billing.MetricMessages: {Included: 10_000, OveragePrice: 25, OverageUnit: 1}, billing.MetricAITokens: {Included: 2_000_000}}},
	{ID: "growth", Name: "Growth", Price: 299900, Limits: map[billing.Metric]billing.Limit{billing.MetricMessages: {Included: 100_000, OveragePrice: 20, OverageUnit: 1}, billing.MetricAITokens: {Unlimited: true}}},
}

// billingKit is Razorpay checkout, the webhook handler (into the intake
// queue) and GST invoicing.
type billingKit struct {
	client    *billing.Client
	keyID     string
	keySecret secret.Value
	webhook   http.Handler
	invoicer  *billing.Invoicer
	store     billing.Store
	fake      *billingtest.Server // sandbox only
	usage     *billing.Usage
	catalog   []billing.Plan // planCatalog with Razorpay plan ids
	subPlans  *billing.SubscriptionPlans
	tracker   *billing.SubscriptionTracker
	refundMu  sync.Mutex // embedded: one refund at a time (see lockRefunds)
}

func (a *App) newBilling(ctx context.Context) (*billingKit, error) {
	k := &billingKit{store: a.stores.billing, keyID: a.cfg.RazorpayKeyID, keySecret: a.cfg.RazorpayKeySecret}
	var err error
	k.usage, err = billing.NewUsage(a.stores.billing, billing.PlanSourceFunc(a.planFor), billing.WithUsageClock(a.now))
	if err != nil {
		return nil, err
	}
	whSecret := a.cfg.RazorpayWebhookSecret
	var opts []billing.Option
	if a.cfg.Sandbox && k.keyID == "" {
		k.fake = billingtest.NewServer()
		k.keyID, k.keySecret, whSecret = k.fake.KeyID, k.fake.KeySecret, k.fake.WebhookSecret
		opts = append(opts, billing.WithBaseURL(k.fake.URL()))
	}
	if k.keyID == "" {
		return k, nil // billing not configured
	}
	if k.client, err = billing.NewClient(k.keyID, k.keySecret, opts...); err != nil {
		return nil, err
	}
	sup := a.cfg.Supplier
	if sup.GSTIN == "" && k.fake != nil { // a Config built without LoadConfig, in the sandbox
		sup = sandboxSupplier
	}
	if k.invoicer, err = billing.NewInvoicer(k.store, sup); err != nil {
		return nil, err
	}
	if err := a.setupSubscriptions(ctx, k); err != nil {
		return nil, err
	}
	if !whSecret.IsZero() {
		h, err := billing.NewWebhookHandler(whSecret, k.store, billing.EventSinkFunc(func(ctx context.Context, ev *billing.Event) error {
			start := time.Now()
			_, inserted, err := a.queue.Accept(ctx, "razorpay", ev.ID, ev.Raw)
			a.metrics.intake("razorpay", inserted, err, time.Since(start))
			return err
		}))
		if err != nil {
			return nil, err
		}
		k.webhook = h
	}
	return k, nil
}

// processRazorpay runs a stored Razorpay event: a paid order issues the
// GST invoice for its workspace and plan (once: the period closes).
func (a *App) processRazorpay(ctx context.Context, j intake.Job) error {
	ev, err := billing.ParseEvent(j.Key, j.Body)
	if err != nil {
		return fmt.Errorf("%w: %v", intake.ErrPermanent, err)
	}
	if ev.Subscription != nil && a.billing.tracker != nil {
		if err := a.billing.tracker.HandleEvent(ctx, ev); err != nil {
			return err
		}
	}
	if ev.Type != billing.EventOrderPaid || ev.Order == nil || ev.Payment == nil || a.billing.invoicer == nil {
		return nil
	}
	ws, planID := ev.Order.Notes[billing.WorkspaceNote], ev.Order.Notes["plan"]
	i := slices.IndexFunc(planOffers, func(p PlanOffer) bool { return p.ID == planID })
	if ws == "" || i < 0 {
		return fmt.Errorf("%w: order without workspace or plan", intake.ErrPermanent)
	}
	w, err := a.ws.Store().Workspace(ctx, ws)
	if err != nil {
		return err
	}
	cust := billing.Party{Name: or(ev.Order.Notes["name"], w.Name), Address: ev.Order.Notes["address"], Country: "IN",
		StateCode: or(ev.Order.Notes["state_code"], "27"), GSTIN: ev.Order.Notes["gstin"]}
	_, err = a.billing.invoicer.Issue(ctx, billing.InvoiceRequest{WorkspaceID: ws, Customer: cust,
		Period: billing.MonthPeriod(ev.CreatedAt), RazorpayPaymentID: ev.Payment.ID,
		Lines: []billing.InvoiceLine{{Description: planOffers[i].Name, Quantity: 1, Unit: "MON", UnitPrice: planOffers[i].Amount}}})
	if err != nil && !errors.Is(err, billing.ErrPeriodClosed) { // closed: already invoiced
		return err
	}
	// The paid plan takes effect (the workspace service has no plan
	// setter; the store's update is the one place the plan is written).
	if w.Plan != planID {
		w.Plan, w.UpdatedAt = planID, a.now()
		if err := a.ws.Store().UpdateWorkspace(ctx, w); err != nil {
			return err
		}
	}
	a.hub.Publish(Event{Type: "billing.invoiced", Workspace: ws, At: a.now()})
	return nil
}

func (a *App) billingRoutes() []route {
	view, manage := workspace.ActionBillingView, workspace.ActionBillingManage
	configured := func() error {
		if a.billing.client == nil {
			return apiErr(http.StatusServiceUnavailable, "billing_not_configured", "set RAZORPAY_KEY_ID and RAZORPAY_KEY_SECRET")
		}
		return nil
	}
	return []route{
		{Method: "GET", Path: "/workspaces/{ws}/billing/plans", Tag: "billing", Summary: "Plans on offer (amounts in paise, before GST)", Auth: authWorkspace, Action: view, Response: planOffers,
			Handle: func(c *call) error { return c.json(http.StatusOK, planOffers) }},
		{Method: "POST", Path: "/workspaces/{ws}/billing/orders", Tag: "billing", Summary: "Create a Razorpay order for Checkout (GST added; billing details go on the invoice)", Auth: authWorkspace, Action: manage,
			Body: map[string]string{"plan": "starter", "name": "", "address": "", "state_code": "27", "gstin": ""}, Response: map[string]any{"order_id": "", "amount": 0, "currency": "INR", "key_id": ""},
			Handle: func(c *call) error {
				if err := configured(); err != nil {
					return err
				}
				var b struct {
					Plan      string `json:"plan"`
					Name      string `json:"name"`
					Address   string `json:"address"`
					StateCode string `json:"state_code"`
					GSTIN     string `json:"gstin"`
				}
				if err := c.decode(&b); err != nil {
					return err
				}
				i := slices.IndexFunc(planOffers, func(p PlanOffer) bool { return p.ID == b.Plan })
				if i < 0 {
					return fieldErr("plan", "unknown plan")
				}
				if b.Address == "" {
					return fieldErr("address", "required on the GST invoice")
				}
				if b.GSTIN != "" {
					if err := billing.ValidateGSTIN(billing.NormalizeGSTIN(b.GSTIN)); err != nil {
						return fieldErr("gstin", "not a valid GSTIN")
					}
				}
				gross := planOffers[i].Amount + planOffers[i].Amount*billing.GSTRateBasisPoints/10000
				notes := billing.Notes{billing.WorkspaceNote: c.ws, "plan": b.Plan}
				for k, v := range map[string]string{"name": b.Name, "address": b.Address, "state_code": b.StateCode, "gstin": billing.NormalizeGSTIN(b.GSTIN)} {
					if v != "" {
						notes[k] = v
					}
				}
				o, err := a.billing.client.Orders.Create(c.r.Context(), billing.OrderRequest{Amount: gross, Currency: "INR", Receipt: c.ws, Notes: notes})
				if err != nil {
					return err
				}
				return c.json(http.StatusCreated, map[string]any{"order_id": o.ID, "amount": o.Amount, "currency": o.Currency, "key_id": a.billing.keyID})
			}},
		{Method: "POST", Path: "/workspaces/{ws}/billing/verify", Tag: "billing", Summary: "Verify the Checkout signature of a payment", Auth: authWorkspace, Action: manage,
			Body: map[string]string{"order_id": "", "payment_id": "", "signature": ""}, Response: map[string]bool{"verified": true},
			Handle: func(c *call) error {
				if err := configured(); err != nil {
					return err
				}
				var b struct {
					OrderID   string `json:"order_id"`
					PaymentID string `json:"payment_id"`
					Signature string `json:"signature"`
				}
				if err := c.decode(&b); err != nil {
					return err
				}
				if err := billing.VerifyPaymentSignature(b.OrderID, b.PaymentID, b.Signature, []byte(a.billing.keySecret.Reveal())); err != nil {
					return &APIError{Code: "invalid_signature", Message: "the payment signature does not verify", Field: "signature", status: http.StatusBadRequest}
				}
				return c.json(http.StatusOK, map[string]bool{"verified": true})
			}},
		{Method: "GET", Path: "/workspaces/{ws}/billing/usage", Tag: "billing", Summary: "Usage this billing period against the plan's limits", Auth: authWorkspace, Action: view, Response: []billing.Entitlement{},
			Handle: func(c *call) error {
				var out []billing.Entitlement
				for _, m := range []billing.Metric{billing.MetricMessages, billing.MetricAITokens} {
					e, err := a.billing.usage.Check(c.r.Context(), c.ws, m, 0)
					if err != nil {
						return err
					}
					out = append(out, e)
				}
				return c.json(http.StatusOK, out)
			}},
		{Method: "GET", Path: "/workspaces/{ws}/billing/invoices", Tag: "billing", Summary: "The workspace's GST invoices and credit notes", Auth: authWorkspace, Action: view, Response: []billing.TaxInvoice{},
			Handle: func(c *call) error {
				invs, err := a.billing.store.Invoices(c.r.Context(), c.ws)
				if err != nil {
					return err
				}
				return c.json(http.StatusOK, nonNil(invs))
			}},
		{Method: "GET", Path: "/workspaces/{ws}/billing/invoices/{number}", Tag: "billing", Summary: "One invoice as printable HTML (?format=json for JSON)", Auth: authWorkspace, Action: view,
			Handle: func(c *call) error {
				inv, err := a.billing.store.Invoice(c.r.Context(), c.ws, c.r.PathValue("number"))
				if errors.Is(err, billing.ErrNotFound) {
					return apiErr(http.StatusNotFound, "not_found", "not found")
				}
				if err != nil {
					return err
				}
				if c.r.URL.Query().Get("format") == "json" {
					c.w.Header().Set("Content-Type", "application/json; charset=utf-8")
					return billing.RenderJSON(c.w, inv)
				}
				c.w.Header().Set("Content-Type", "text/html; charset=utf-8")
				return billing.RenderHTML(c.w, inv)
			}},
	}
}

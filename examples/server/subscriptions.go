package main

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/botsync/botsync/billing"
	"github.com/botsync/botsync/workspace"
)

// setupSubscriptions links the plan catalog to Razorpay plans (created in
// the fake in the sandbox; RAZORPAY_PLAN_<ID> in production) and builds
// the tracker that applies subscription webhooks and the plan source that
// reads the workspace's entitled subscription.
func (a *App) setupSubscriptions(ctx context.Context, k *billingKit) error {
	var catalog []billing.Plan // the paid plans that have a Razorpay plan
	for _, p := range planCatalog[1:] {
		id := a.cfg.RazorpayPlans[p.ID]
		if id == "" && k.fake != nil {
			rp, err := k.client.Plans.Create(ctx, billing.PlanRequest{Period: "monthly", Interval: 1,
				Item: billing.PlanItem{Name: p.Name, Amount: p.Price + p.Price*billing.GSTRateBasisPoints/10000, Currency: "INR"}})
			if err != nil {
				return fmt.Errorf("server: sandbox razorpay plan: %w", err)
			}
			id = rp.ID
		}
		if id != "" {
			p.RazorpayPlanID = id
			catalog = append(catalog, p)
		}
	}
	if len(catalog) == 0 {
		return nil // subscriptions not configured
	}
	k.catalog = catalog
	var err error
	if k.subPlans, err = billing.NewSubscriptionPlans(k.store, catalog, planCatalog[0], a.now, 30*time.Second); err != nil {
		return err
	}
	if k.tracker, err = billing.NewSubscriptionTracker(k.store, a.now); err != nil {
		return err
	}
	k.tracker.OnChange = k.subPlans.Forget
	return nil
}

// planFor is the workspace's plan: an entitled subscription's, else the
// plan a one-off order bought (stored on the workspace), else free.
func (a *App) planFor(ctx context.Context, ws string) (billing.Plan, error) {
	if sp := a.billing.subPlans; sp != nil {
		p, err := sp.PlanFor(ctx, ws)
		if err != nil {
			return billing.Plan{}, err
		}
		if p.ID != planCatalog[0].ID {
			return p, nil
		}
	}
	w, err := a.ws.Store().Workspace(ctx, ws)
	if err != nil {
		return billing.Plan{}, err
	}
	for _, p := range planCatalog {
		if p.ID == w.Plan {
			return p, nil
		}
	}
	return planCatalog[0], nil
}

func (a *App) subscriptionRoutes() []route {
	view, manage := workspace.ActionBillingView, workspace.ActionBillingManage
	configured := func() error {
		if a.billing.client == nil || a.billing.tracker == nil {
			return apiErr(http.StatusServiceUnavailable, "billing_not_configured", "set RAZORPAY_KEY_ID, RAZORPAY_KEY_SECRET and RAZORPAY_PLAN_<ID>")
		}
		return nil
	}
	return []route{
		{Method: "POST", Path: "/workspaces/{ws}/billing/subscriptions", Tag: "billing", Summary: "Create a monthly Razorpay subscription for a plan (authorise it in Checkout)", Auth: authWorkspace, Action: manage,
			Body: map[string]string{"plan": "growth"}, Response: map[string]string{"subscription_id": "", "key_id": "", "short_url": ""},
			Handle: func(c *call) error {
				if err := configured(); err != nil {
					return err
				}
				var b struct {
					Plan string `json:"plan"`
				}
				if err := c.decode(&b); err != nil {
					return err
				}
				i := slices.IndexFunc(a.billing.catalog, func(p billing.Plan) bool { return p.ID == b.Plan && p.RazorpayPlanID != "" })
				if i < 0 {
					return fieldErr("plan", "not a plan offered by subscription")
				}
				s, err := a.billing.client.Subscriptions.Create(c.r.Context(), billing.SubscriptionRequest{PlanID: a.billing.catalog[i].RazorpayPlanID, TotalCount: 12,
					Notes: billing.Notes{billing.WorkspaceNote: c.ws, "plan": b.Plan}})
				if err != nil {
					return err
				}
				return c.json(http.StatusCreated, map[string]string{"subscription_id": s.ID, "key_id": a.billing.keyID, "short_url": s.ShortURL})
			}},
		{Method: "POST", Path: "/workspaces/{ws}/billing/subscriptions/verify", Tag: "billing", Summary: "Verify the Checkout signature of a subscription's authorisation", Auth: authWorkspace, Action: manage,
			Body: map[string]string{"subscription_id": "", "payment_id": "", "signature": ""}, Response: map[string]bool{"verified": true},
			Handle: func(c *call) error {
				if err := configured(); err != nil {
					return err
				}
				var b struct {
					SubscriptionID string `json:"subscription_id"`
					PaymentID      string `json:"payment_id"`
					Signature      string `json:"signature"`
				}
				if err := c.decode(&b); err != nil {
					return err
				}
				if err := billing.VerifySubscriptionSignature(b.PaymentID, b.SubscriptionID, b.Signature, []byte(a.billing.keySecret.Reveal())); err != nil {
					return &APIError{Code: "invalid_signature", Message: "the subscription signature does not verify", Field: "signature", status: http.StatusBadRequest}
				}
				return c.json(http.StatusOK, map[string]bool{"verified": true})
			}},
		{Method: "GET", Path: "/workspaces/{ws}/billing/subscriptions", Tag: "billing", Summary: "The workspace's subscriptions as the webhooks left them", Auth: authWorkspace, Action: view, Response: []billing.SubscriptionState{},
			Handle: func(c *call) error {
				ss, err := a.billing.store.Subscriptions(c.r.Context(), c.ws)
				if err != nil {
					return err
				}
				return c.json(http.StatusOK, nonNil(ss))
			}},
		{Method: "DELETE", Path: "/workspaces/{ws}/billing/subscriptions/{id}", Tag: "billing", Summary: "Cancel a subscription at the end of its cycle", Auth: authWorkspace, Action: manage,
			Handle: func(c *call) error {
				if err := configured(); err != nil {
					return err
				}
				if _, err := a.billing.store.Subscription(c.r.Context(), c.ws, c.r.PathValue("id")); err != nil {
					return apiErr(http.StatusNotFound, "not_found", "not found")
				}
				if _, err := a.billing.client.Subscriptions.Cancel(c.r.Context(), c.r.PathValue("id"), true); err != nil {
					return err
				}
				return noContent(c)
			}},
	}
}

package billing

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
)

// PlansService creates, fetches and lists Razorpay plans.
type PlansService struct{ c *Client }

// PlanRequest creates a Razorpay plan: Item.Amount is charged every Interval
// Periods.
type PlanRequest struct {
	Period   string   `json:"period"`
	Interval int      `json:"interval"`
	Item     PlanItem `json:"item"`
	Notes    Notes    `json:"notes,omitempty"`
}

func (r PlanRequest) validate() error {
	switch r.Period {
	case "daily", "weekly", "monthly", "quarterly", "yearly":
	default:
		return errors.New("billing: period must be daily, weekly, monthly, quarterly or yearly")
	}
	if r.Interval < 1 {
		return errors.New("billing: interval must be at least 1")
	}
	if r.Item.Name == "" {
		return errors.New("billing: item.name is required")
	}
	if err := checkAmount("item.amount", r.Item.Amount); err != nil {
		return err
	}
	if len(r.Item.Currency) != 3 {
		return errors.New("billing: item.currency must be a 3-letter ISO code")
	}
	return r.Notes.validate("notes")
}

// Create creates a plan.
func (s *PlansService) Create(ctx context.Context, r PlanRequest) (*RazorpayPlan, error) {
	if err := r.validate(); err != nil {
		return nil, fmt.Errorf("billing: create plan: %w", err)
	}
	var p RazorpayPlan
	if err := s.c.do(ctx, "create plan", retryUnsafe, http.MethodPost, "plans", nil, r, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// Fetch fetches a plan by id.
func (s *PlansService) Fetch(ctx context.Context, id string) (*RazorpayPlan, error) {
	if err := pathID("plan id", id); err != nil {
		return nil, fmt.Errorf("billing: fetch plan: %w", err)
	}
	var p RazorpayPlan
	if err := s.c.do(ctx, "fetch plan", retryIdempotent, http.MethodGet, "plans/"+id, nil, nil, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// List returns one page of plans, newest first.
func (s *PlansService) List(ctx context.Context, opts ListOptions) ([]RazorpayPlan, error) {
	q, err := opts.values()
	if err != nil {
		return nil, fmt.Errorf("billing: list plans: %w", err)
	}
	var col collection[RazorpayPlan]
	if err := s.c.do(ctx, "list plans", retryIdempotent, http.MethodGet, "plans", q, nil, &col); err != nil {
		return nil, err
	}
	return col.Items, nil
}

// All iterates over every plan matching opts, page by page.
func (s *PlansService) All(ctx context.Context, opts ListOptions) iter.Seq2[RazorpayPlan, error] {
	return all(ctx, opts, s.List)
}

// InvoicesService fetches and lists Razorpay invoices.
type InvoicesService struct{ c *Client }

// InvoiceListOptions filters invoice lists.
type InvoiceListOptions struct {
	ListOptions
	SubscriptionID string
	CustomerID     string
	PaymentID      string
}

// Fetch fetches an invoice by id.
func (s *InvoicesService) Fetch(ctx context.Context, id string) (*Invoice, error) {
	if err := pathID("invoice id", id); err != nil {
		return nil, fmt.Errorf("billing: fetch invoice: %w", err)
	}
	var inv Invoice
	if err := s.c.do(ctx, "fetch invoice", retryIdempotent, http.MethodGet, "invoices/"+id, nil, nil, &inv); err != nil {
		return nil, err
	}
	return &inv, nil
}

// List returns one page of invoices.
func (s *InvoicesService) List(ctx context.Context, opts InvoiceListOptions) ([]Invoice, error) {
	q, err := opts.values()
	if err != nil {
		return nil, fmt.Errorf("billing: list invoices: %w", err)
	}
	for k, v := range map[string]string{"subscription_id": opts.SubscriptionID, "customer_id": opts.CustomerID, "payment_id": opts.PaymentID} {
		if v != "" {
			q.Set(k, v)
		}
	}
	var col collection[Invoice]
	if err := s.c.do(ctx, "list invoices", retryIdempotent, http.MethodGet, "invoices", q, nil, &col); err != nil {
		return nil, err
	}
	return col.Items, nil
}

// All iterates over every invoice matching opts, page by page.
func (s *InvoicesService) All(ctx context.Context, opts InvoiceListOptions) iter.Seq2[Invoice, error] {
	return all(ctx, opts.ListOptions, func(ctx context.Context, lo ListOptions) ([]Invoice, error) {
		o := opts
		o.ListOptions = lo
		return s.List(ctx, o)
	})
}

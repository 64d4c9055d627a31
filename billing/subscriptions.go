package billing

import (
	"context"
	"errors"
	"fmt"
	"net/http"
)

// SubscriptionsService manages Razorpay subscriptions.
type SubscriptionsService struct{ c *Client }

// SubscriptionRequest creates a subscription on a plan.
type SubscriptionRequest struct {
	PlanID         string    `json:"plan_id"`
	CustomerID     string    `json:"customer_id,omitempty"`
	TotalCount     int       `json:"total_count"` // billing cycles to charge
	Quantity       int       `json:"quantity,omitempty"`
	StartAt        Timestamp `json:"start_at,omitzero"`  // first charge; zero = on authorisation
	ExpireBy       Timestamp `json:"expire_by,omitzero"` // checkout link expiry; zero = none
	CustomerNotify *bool     `json:"customer_notify,omitempty"`
	OfferID        string    `json:"offer_id,omitempty"`
	Notes          Notes     `json:"notes,omitempty"`
}

// Create creates a subscription; the customer authorises it in Checkout.
func (s *SubscriptionsService) Create(ctx context.Context, r SubscriptionRequest) (*Subscription, error) {
	if err := pathID("plan_id", r.PlanID); err != nil {
		return nil, fmt.Errorf("billing: create subscription: %w", err)
	}
	if r.TotalCount < 1 {
		return nil, errors.New("billing: create subscription: total_count must be at least 1")
	}
	if r.Quantity < 0 {
		return nil, errors.New("billing: create subscription: quantity must not be negative")
	}
	if !r.StartAt.IsZero() && !r.ExpireBy.IsZero() && r.ExpireBy.After(r.StartAt.Time) {
		return nil, errors.New("billing: create subscription: expire_by must not be after start_at")
	}
	if err := r.Notes.validate("notes"); err != nil {
		return nil, fmt.Errorf("billing: create subscription: %w", err)
	}
	var sub Subscription
	if err := s.c.do(ctx, "create subscription", retryUnsafe, http.MethodPost, "subscriptions", nil, r, &sub); err != nil {
		return nil, err
	}
	return &sub, nil
}

// Fetch fetches a subscription by id.
func (s *SubscriptionsService) Fetch(ctx context.Context, id string) (*Subscription, error) {
	return s.call(ctx, "fetch subscription", http.MethodGet, id, "", nil)
}

// Cancel cancels a subscription now, or at the end of the current cycle.
func (s *SubscriptionsService) Cancel(ctx context.Context, id string, atCycleEnd bool) (*Subscription, error) {
	body := struct {
		CancelAtCycleEnd int `json:"cancel_at_cycle_end"`
	}{}
	if atCycleEnd {
		body.CancelAtCycleEnd = 1
	}
	return s.call(ctx, "cancel subscription", http.MethodPost, id, "/cancel", body)
}

// Pause pauses an active subscription now.
func (s *SubscriptionsService) Pause(ctx context.Context, id string) (*Subscription, error) {
	return s.call(ctx, "pause subscription", http.MethodPost, id, "/pause", map[string]string{"pause_at": "now"})
}

// Resume resumes a paused subscription now.
func (s *SubscriptionsService) Resume(ctx context.Context, id string) (*Subscription, error) {
	return s.call(ctx, "resume subscription", http.MethodPost, id, "/resume", map[string]string{"resume_at": "now"})
}

// SubscriptionUpdate changes a subscription's plan or quantity, now or at
// the end of the current cycle. Zero fields are left unchanged.
type SubscriptionUpdate struct {
	PlanID         string `json:"plan_id,omitempty"`
	Quantity       int    `json:"quantity,omitempty"`
	RemainingCount int    `json:"remaining_count,omitempty"`
	AtCycleEnd     bool   `json:"-"`
	CustomerNotify *bool  `json:"customer_notify,omitempty"`
}

// Update changes a subscription (PATCH; retried like any idempotent call).
func (s *SubscriptionsService) Update(ctx context.Context, id string, u SubscriptionUpdate) (*Subscription, error) {
	if u.PlanID == "" && u.Quantity == 0 && u.RemainingCount == 0 {
		return nil, errors.New("billing: update subscription: nothing to change")
	}
	if u.Quantity < 0 || u.RemainingCount < 0 {
		return nil, errors.New("billing: update subscription: quantity and remaining_count must not be negative")
	}
	body := struct {
		SubscriptionUpdate
		ScheduleChangeAt string `json:"schedule_change_at"`
	}{u, "now"}
	if u.AtCycleEnd {
		body.ScheduleChangeAt = "cycle_end"
	}
	return s.call(ctx, "update subscription", http.MethodPatch, id, "", body)
}

func (s *SubscriptionsService) call(ctx context.Context, op, method, id, suffix string, body any) (*Subscription, error) {
	if err := pathID("subscription id", id); err != nil {
		return nil, fmt.Errorf("billing: %s: %w", op, err)
	}
	var sub Subscription
	if err := s.c.do(ctx, op, retryIdempotent, method, "subscriptions/"+id+suffix, nil, body, &sub); err != nil {
		return nil, err
	}
	return &sub, nil
}

// CustomersService creates, fetches and edits customers.
type CustomersService struct{ c *Client }

// CustomerRequest creates or edits a customer. GSTIN, when set, must pass
// [ValidateGSTIN].
type CustomerRequest struct {
	Name    string
	Email   string
	Contact string
	GSTIN   string
	Notes   Notes
	// FailExisting makes Create fail when a customer with the same email
	// and contact exists; by default Razorpay returns the existing one,
	// which makes Create safe to retry.
	FailExisting bool
}

type customerWire struct {
	Name         string `json:"name,omitempty"`
	Email        string `json:"email,omitempty"`
	Contact      string `json:"contact,omitempty"`
	GSTIN        string `json:"gstin,omitempty"`
	FailExisting string `json:"fail_existing,omitempty"`
	Notes        Notes  `json:"notes,omitempty"`
}

func (r CustomerRequest) wire(create bool) (customerWire, error) {
	if create && r.Name == "" {
		return customerWire{}, errors.New("name is required")
	}
	if len(r.Name) > 50 {
		return customerWire{}, errors.New("name must be at most 50 characters")
	}
	if r.GSTIN != "" {
		if err := ValidateGSTIN(r.GSTIN); err != nil {
			return customerWire{}, fmt.Errorf("gstin: %w", err)
		}
	}
	if err := r.Notes.validate("notes"); err != nil {
		return customerWire{}, err
	}
	w := customerWire{Name: r.Name, Email: r.Email, Contact: r.Contact, GSTIN: r.GSTIN, Notes: r.Notes}
	if create {
		w.FailExisting = "0"
		if r.FailExisting {
			w.FailExisting = "1"
		}
	}
	return w, nil
}

// Create creates a customer (or, unless FailExisting, returns the existing
// one with the same email and contact).
func (s *CustomersService) Create(ctx context.Context, r CustomerRequest) (*Customer, error) {
	w, err := r.wire(true)
	if err != nil {
		return nil, fmt.Errorf("billing: create customer: %w", err)
	}
	class := retryIdempotent
	if r.FailExisting {
		class = retryUnsafe
	}
	var c Customer
	if err := s.c.do(ctx, "create customer", class, http.MethodPost, "customers", nil, w, &c); err != nil {
		return nil, err
	}
	return &c, nil
}

// Fetch fetches a customer by id.
func (s *CustomersService) Fetch(ctx context.Context, id string) (*Customer, error) {
	if err := pathID("customer id", id); err != nil {
		return nil, fmt.Errorf("billing: fetch customer: %w", err)
	}
	var c Customer
	if err := s.c.do(ctx, "fetch customer", retryIdempotent, http.MethodGet, "customers/"+id, nil, nil, &c); err != nil {
		return nil, err
	}
	return &c, nil
}

// Edit changes a customer's name, email, contact or GSTIN (empty fields are
// left unchanged).
func (s *CustomersService) Edit(ctx context.Context, id string, r CustomerRequest) (*Customer, error) {
	if err := pathID("customer id", id); err != nil {
		return nil, fmt.Errorf("billing: edit customer: %w", err)
	}
	w, err := r.wire(false)
	if err != nil {
		return nil, fmt.Errorf("billing: edit customer: %w", err)
	}
	var c Customer
	if err := s.c.do(ctx, "edit customer", retryIdempotent, http.MethodPut, "customers/"+id, nil, w, &c); err != nil {
		return nil, err
	}
	return &c, nil
}

// RefundsService creates and fetches refunds.
type RefundsService struct{ c *Client }

// RefundRequest refunds part or all of a captured payment. Amount 0 refunds
// the full payment. Receipt is your reference (e.g. the credit note number).
type RefundRequest struct {
	Amount  Paise  `json:"amount,omitempty"`
	Speed   string `json:"speed,omitempty"` // normal (default) or optimum
	Receipt string `json:"receipt,omitempty"`
	Notes   Notes  `json:"notes,omitempty"`
}

// Create refunds a payment. It is not retried after a 5xx.
func (s *RefundsService) Create(ctx context.Context, paymentID string, r RefundRequest) (*Refund, error) {
	if err := pathID("payment id", paymentID); err != nil {
		return nil, fmt.Errorf("billing: create refund: %w", err)
	}
	if r.Amount < 0 {
		return nil, fmt.Errorf("billing: create refund: %w: amount must not be negative", ErrInvalidAmount)
	}
	if r.Speed != "" && r.Speed != "normal" && r.Speed != "optimum" {
		return nil, errors.New("billing: create refund: speed must be normal or optimum")
	}
	var ref Refund
	if err := s.c.do(ctx, "create refund", retryUnsafe, http.MethodPost, "payments/"+paymentID+"/refund", nil, r, &ref); err != nil {
		return nil, err
	}
	return &ref, nil
}

// Fetch fetches a refund by id.
func (s *RefundsService) Fetch(ctx context.Context, id string) (*Refund, error) {
	if err := pathID("refund id", id); err != nil {
		return nil, fmt.Errorf("billing: fetch refund: %w", err)
	}
	var ref Refund
	if err := s.c.do(ctx, "fetch refund", retryIdempotent, http.MethodGet, "refunds/"+id, nil, nil, &ref); err != nil {
		return nil, err
	}
	return &ref, nil
}

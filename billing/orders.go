package billing

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
)

// OrdersService creates and fetches orders.
type OrdersService struct{ c *Client }

// OrderRequest creates an order. Amount is in paise; Receipt (at most 40
// characters) is your own reference, e.g. the workspace and period.
type OrderRequest struct {
	Amount         Paise  `json:"amount"`
	Currency       string `json:"currency"`
	Receipt        string `json:"receipt,omitempty"`
	Notes          Notes  `json:"notes,omitempty"`
	PartialPayment bool   `json:"partial_payment,omitempty"`
}

func (r OrderRequest) validate() error {
	if err := checkAmount("amount", r.Amount); err != nil {
		return err
	}
	if len(r.Currency) != 3 {
		return errors.New("billing: currency must be a 3-letter ISO code")
	}
	if len(r.Receipt) > 40 {
		return errors.New("billing: receipt must be at most 40 characters")
	}
	return r.Notes.validate("notes")
}

// Create creates an order. It is not retried after a 5xx (it could create a
// second order); see [Client].
func (s *OrdersService) Create(ctx context.Context, r OrderRequest) (*Order, error) {
	if err := r.validate(); err != nil {
		return nil, fmt.Errorf("billing: create order: %w", err)
	}
	var o Order
	if err := s.c.do(ctx, "create order", retryUnsafe, http.MethodPost, "orders", nil, r, &o); err != nil {
		return nil, err
	}
	return &o, nil
}

// Fetch fetches an order by id.
func (s *OrdersService) Fetch(ctx context.Context, id string) (*Order, error) {
	if err := pathID("order id", id); err != nil {
		return nil, fmt.Errorf("billing: fetch order: %w", err)
	}
	var o Order
	if err := s.c.do(ctx, "fetch order", retryIdempotent, http.MethodGet, "orders/"+id, nil, nil, &o); err != nil {
		return nil, err
	}
	return &o, nil
}

// PaymentsService fetches, captures and lists payments.
type PaymentsService struct{ c *Client }

// Fetch fetches a payment by id.
func (s *PaymentsService) Fetch(ctx context.Context, id string) (*Payment, error) {
	if err := pathID("payment id", id); err != nil {
		return nil, fmt.Errorf("billing: fetch payment: %w", err)
	}
	var p Payment
	if err := s.c.do(ctx, "fetch payment", retryIdempotent, http.MethodGet, "payments/"+id, nil, nil, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// Capture captures an authorized payment for amount (which must equal the
// authorized amount) in currency.
func (s *PaymentsService) Capture(ctx context.Context, id string, amount Paise, currency string) (*Payment, error) {
	if err := pathID("payment id", id); err != nil {
		return nil, fmt.Errorf("billing: capture payment: %w", err)
	}
	if err := checkAmount("amount", amount); err != nil {
		return nil, fmt.Errorf("billing: capture payment: %w", err)
	}
	if len(currency) != 3 {
		return nil, errors.New("billing: capture payment: currency must be a 3-letter ISO code")
	}
	body := struct {
		Amount   Paise  `json:"amount"`
		Currency string `json:"currency"`
	}{amount, currency}
	var p Payment
	if err := s.c.do(ctx, "capture payment", retryUnsafe, http.MethodPost, "payments/"+id+"/capture", nil, body, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// ListForOrder lists the payments made against an order.
func (s *PaymentsService) ListForOrder(ctx context.Context, orderID string) ([]Payment, error) {
	if err := pathID("order id", orderID); err != nil {
		return nil, fmt.Errorf("billing: list order payments: %w", err)
	}
	var col collection[Payment]
	if err := s.c.do(ctx, "list order payments", retryIdempotent, http.MethodGet, "orders/"+orderID+"/payments", nil, nil, &col); err != nil {
		return nil, err
	}
	return col.Items, nil
}

// all pages through a skip-based collection.
func all[T any](ctx context.Context, opts ListOptions, list func(context.Context, ListOptions) ([]T, error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		if opts.Count == 0 {
			opts.Count = 100
		}
		for {
			items, err := list(ctx, opts)
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, it := range items {
				if !yield(it, nil) {
					return
				}
			}
			if len(items) < opts.Count {
				return
			}
			opts.Skip += len(items)
		}
	}
}

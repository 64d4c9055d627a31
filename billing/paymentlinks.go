package billing

import (
	"context"
	"errors"
	"fmt"
	"net/http"
)

// PaymentLinksService creates and fetches payment links (one-off charges
// such as overage or top-ups paid outside a subscription).
type PaymentLinksService struct{ c *Client }

// PaymentLinkRequest creates a payment link. ReferenceID (at most 40
// characters, unique per account) is your reference and is part of the
// callback signature; CallbackURL receives the signed callback
// ([VerifyPaymentLinkSignature]).
type PaymentLinkRequest struct {
	Amount      Paise     `json:"amount"`
	Currency    string    `json:"currency"`
	Description string    `json:"description,omitempty"`
	ReferenceID string    `json:"reference_id,omitempty"`
	ExpireBy    Timestamp `json:"expire_by,omitzero"`
	CallbackURL string    `json:"callback_url,omitempty"`
	Notes       Notes     `json:"notes,omitempty"`
}

// Create creates a payment link. Razorpay rejects a second link with the
// same ReferenceID, so a link with a reference is safe to retry.
func (s *PaymentLinksService) Create(ctx context.Context, r PaymentLinkRequest) (*PaymentLink, error) {
	if err := checkAmount("amount", r.Amount); err != nil {
		return nil, fmt.Errorf("billing: create payment link: %w", err)
	}
	if len(r.Currency) != 3 {
		return nil, errors.New("billing: create payment link: currency must be a 3-letter ISO code")
	}
	if len(r.ReferenceID) > 40 {
		return nil, errors.New("billing: create payment link: reference_id must be at most 40 characters")
	}
	if err := r.Notes.validate("notes"); err != nil {
		return nil, fmt.Errorf("billing: create payment link: %w", err)
	}
	body := struct {
		PaymentLinkRequest
		CallbackMethod string `json:"callback_method,omitempty"`
	}{PaymentLinkRequest: r}
	if r.CallbackURL != "" {
		body.CallbackMethod = "get"
	}
	class := retryUnsafe
	if r.ReferenceID != "" {
		class = retryIdempotent
	}
	var l PaymentLink
	if err := s.c.do(ctx, "create payment link", class, http.MethodPost, "payment_links", nil, body, &l); err != nil {
		return nil, err
	}
	return &l, nil
}

// Fetch fetches a payment link by id.
func (s *PaymentLinksService) Fetch(ctx context.Context, id string) (*PaymentLink, error) {
	if err := pathID("payment link id", id); err != nil {
		return nil, fmt.Errorf("billing: fetch payment link: %w", err)
	}
	var l PaymentLink
	if err := s.c.do(ctx, "fetch payment link", retryIdempotent, http.MethodGet, "payment_links/"+id, nil, nil, &l); err != nil {
		return nil, err
	}
	return &l, nil
}

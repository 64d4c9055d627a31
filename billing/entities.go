package billing

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/botsync/botsync/secret"
)

// Notes are Razorpay's free-form key/value notes (at most 15 pairs of
// 256 characters). Razorpay encodes empty notes as [] rather than {}; both
// decode to an empty map.
type Notes map[string]string

// UnmarshalJSON accepts an object of strings, [] or null.
func (n *Notes) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) || bytes.Equal(b, []byte("[]")) {
		*n = nil
		return nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return fmt.Errorf("billing: notes: %w", err)
	}
	m := make(Notes, len(raw))
	for k, v := range raw {
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			s = string(bytes.Trim(v, `"`)) // numbers and booleans kept as text
		}
		m[k] = s
	}
	*n = m
	return nil
}

func (n Notes) validate(field string) error {
	if len(n) > 15 {
		return fmt.Errorf("billing: %s: at most 15 notes", field)
	}
	for k, v := range n {
		if len(k) > 256 || len(v) > 256 {
			return fmt.Errorf("billing: %s: keys and values are at most 256 characters", field)
		}
	}
	return nil
}

// Timestamp is a Unix time in seconds as Razorpay encodes it; 0 and null are
// the zero time.
type Timestamp struct{ time.Time }

// Unix builds a Timestamp from Unix seconds.
func Unix(sec int64) Timestamp {
	if sec == 0 {
		return Timestamp{}
	}
	return Timestamp{time.Unix(sec, 0).UTC()}
}

// MarshalJSON encodes Unix seconds, or null for the zero time.
func (t Timestamp) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return strconv.AppendInt(nil, t.Unix(), 10), nil
}

// UnmarshalJSON decodes Unix seconds (number or numeric string) or null.
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	b = bytes.Trim(bytes.TrimSpace(b), `"`)
	if len(b) == 0 || bytes.Equal(b, []byte("null")) {
		*t = Timestamp{}
		return nil
	}
	v, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return fmt.Errorf("billing: timestamp: not unix seconds")
	}
	*t = Unix(v)
	return nil
}

// Order is a Razorpay order.
type Order struct {
	ID         string    `json:"id"`
	Amount     Paise     `json:"amount"`
	AmountPaid Paise     `json:"amount_paid"`
	AmountDue  Paise     `json:"amount_due"`
	Currency   string    `json:"currency"`
	Receipt    string    `json:"receipt,omitempty"`
	Status     string    `json:"status"` // created, attempted, paid
	Attempts   int       `json:"attempts"`
	Notes      Notes     `json:"notes,omitempty"`
	CreatedAt  Timestamp `json:"created_at"`
}

// Payment is a Razorpay payment. Email and contact are personal data.
type Payment struct {
	ID               string     `json:"id"`
	Amount           Paise      `json:"amount"`
	Currency         string     `json:"currency"`
	Status           string     `json:"status"` // created, authorized, captured, refunded, failed
	OrderID          string     `json:"order_id,omitempty"`
	InvoiceID        string     `json:"invoice_id,omitempty"`
	CustomerID       string     `json:"customer_id,omitempty"`
	Method           string     `json:"method,omitempty"`
	Captured         bool       `json:"captured"`
	International    bool       `json:"international"`
	AmountRefunded   Paise      `json:"amount_refunded"`
	RefundStatus     string     `json:"refund_status,omitempty"`
	Description      string     `json:"description,omitempty"`
	Email            secret.PII `json:"email"`
	Contact          secret.PII `json:"contact"`
	Fee              Paise      `json:"fee"`
	Tax              Paise      `json:"tax"`
	ErrorCode        string     `json:"error_code,omitempty"`
	ErrorDescription string     `json:"error_description,omitempty"`
	ErrorSource      string     `json:"error_source,omitempty"`
	ErrorStep        string     `json:"error_step,omitempty"`
	ErrorReason      string     `json:"error_reason,omitempty"`
	Notes            Notes      `json:"notes,omitempty"`
	CreatedAt        Timestamp  `json:"created_at"`
}

// PlanItem is the priced item of a Razorpay plan.
type PlanItem struct {
	ID          string `json:"id,omitempty"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Amount      Paise  `json:"amount"`
	Currency    string `json:"currency"`
}

// RazorpayPlan is a Razorpay subscription plan (the priced billing cycle).
// The product plan with limits is [Plan].
type RazorpayPlan struct {
	ID        string    `json:"id"`
	Period    string    `json:"period"` // daily, weekly, monthly, quarterly, yearly
	Interval  int       `json:"interval"`
	Item      PlanItem  `json:"item"`
	Notes     Notes     `json:"notes,omitempty"`
	CreatedAt Timestamp `json:"created_at"`
}

// Subscription is a Razorpay subscription.
type Subscription struct {
	ID           string             `json:"id"`
	PlanID       string             `json:"plan_id"`
	CustomerID   string             `json:"customer_id,omitempty"`
	Status       SubscriptionStatus `json:"status"`
	Quantity     int                `json:"quantity"`
	TotalCount   int                `json:"total_count"`
	PaidCount    int                `json:"paid_count"`
	CurrentStart Timestamp          `json:"current_start"`
	CurrentEnd   Timestamp          `json:"current_end"`
	ChargeAt     Timestamp          `json:"charge_at"`
	StartAt      Timestamp          `json:"start_at"`
	EndAt        Timestamp          `json:"end_at"`
	EndedAt      Timestamp          `json:"ended_at"`
	ShortURL     string             `json:"short_url,omitempty"`
	Notes        Notes              `json:"notes,omitempty"`
	CreatedAt    Timestamp          `json:"created_at"`
}

// Customer is a Razorpay customer. GSTIN is the customer's GST number, when
// they gave one.
type Customer struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	Email     secret.PII `json:"email"`
	Contact   secret.PII `json:"contact"`
	GSTIN     string     `json:"gstin,omitempty"`
	Notes     Notes      `json:"notes,omitempty"`
	CreatedAt Timestamp  `json:"created_at"`
}

// Refund is a Razorpay refund.
type Refund struct {
	ID             string    `json:"id"`
	PaymentID      string    `json:"payment_id"`
	Amount         Paise     `json:"amount"`
	Currency       string    `json:"currency"`
	Status         string    `json:"status"` // pending, processed, failed
	Receipt        string    `json:"receipt,omitempty"`
	SpeedRequested string    `json:"speed_requested,omitempty"`
	SpeedProcessed string    `json:"speed_processed,omitempty"`
	Notes          Notes     `json:"notes,omitempty"`
	CreatedAt      Timestamp `json:"created_at"`
}

// InvoiceLineItem is a line of a Razorpay invoice.
type InvoiceLineItem struct {
	ID          string `json:"id,omitempty"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Amount      Paise  `json:"amount"`
	Quantity    int    `json:"quantity"`
	Currency    string `json:"currency,omitempty"`
}

// Invoice is a Razorpay invoice (for subscriptions, one per charge). The GST
// tax invoice BotSync issues is [TaxInvoice].
type Invoice struct {
	ID             string            `json:"id"`
	Type           string            `json:"type,omitempty"`
	InvoiceNumber  string            `json:"invoice_number,omitempty"`
	CustomerID     string            `json:"customer_id,omitempty"`
	OrderID        string            `json:"order_id,omitempty"`
	PaymentID      string            `json:"payment_id,omitempty"`
	SubscriptionID string            `json:"subscription_id,omitempty"`
	Status         string            `json:"status"` // draft, issued, partially_paid, paid, cancelled, expired
	LineItems      []InvoiceLineItem `json:"line_items,omitempty"`
	Amount         Paise             `json:"amount"`
	AmountPaid     Paise             `json:"amount_paid"`
	AmountDue      Paise             `json:"amount_due"`
	Currency       string            `json:"currency"`
	BillingStart   Timestamp         `json:"billing_start"`
	BillingEnd     Timestamp         `json:"billing_end"`
	IssuedAt       Timestamp         `json:"issued_at"`
	PaidAt         Timestamp         `json:"paid_at"`
	ShortURL       string            `json:"short_url,omitempty"`
	Notes          Notes             `json:"notes,omitempty"`
	CreatedAt      Timestamp         `json:"created_at"`
}

// PaymentLink is a Razorpay payment link.
type PaymentLink struct {
	ID          string    `json:"id"`
	Amount      Paise     `json:"amount"`
	AmountPaid  Paise     `json:"amount_paid"`
	Currency    string    `json:"currency"`
	ReferenceID string    `json:"reference_id,omitempty"`
	Status      string    `json:"status"` // created, partially_paid, expired, cancelled, paid
	ShortURL    string    `json:"short_url,omitempty"`
	Notes       Notes     `json:"notes,omitempty"`
	CreatedAt   Timestamp `json:"created_at"`
}

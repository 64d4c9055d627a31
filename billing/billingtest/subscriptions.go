package billingtest

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/botsync/botsync/billing"
)

func (s *Server) createSubscription(w http.ResponseWriter, r *http.Request) {
	var req billing.SubscriptionRequest
	if !decode(w, r, &req) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.planByID(req.PlanID); !ok {
		writeError(w, http.StatusBadRequest, "BAD_REQUEST_ERROR", "The id provided does not exist", "plan_id")
		return
	}
	if req.TotalCount < 1 {
		writeError(w, http.StatusBadRequest, "BAD_REQUEST_ERROR", "The total count must be at least 1.", "total_count")
		return
	}
	q := req.Quantity
	if q == 0 {
		q = 1
	}
	sub := &billing.Subscription{ID: s.newID("sub"), PlanID: req.PlanID, CustomerID: req.CustomerID,
		Status: billing.StatusCreated, Quantity: q, TotalCount: req.TotalCount, Notes: req.Notes,
		StartAt: req.StartAt, CreatedAt: unixTime(s.now())}
	sub.ShortURL = "https://rzp.io/i/" + sub.ID
	s.subs[sub.ID] = sub
	writeJSON(w, *sub)
}

func (s *Server) fetchSubscription(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sub, ok := s.subs[r.PathValue("id")]
	if !ok {
		notFound(w)
		return
	}
	writeJSON(w, *sub)
}

func (s *Server) updateSubscription(w http.ResponseWriter, r *http.Request) {
	var req struct {
		PlanID           string `json:"plan_id"`
		Quantity         int    `json:"quantity"`
		RemainingCount   int    `json:"remaining_count"`
		ScheduleChangeAt string `json:"schedule_change_at"`
	}
	if !decode(w, r, &req) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sub, ok := s.subs[r.PathValue("id")]
	if !ok {
		notFound(w)
		return
	}
	if sub.Status != billing.StatusActive && sub.Status != billing.StatusAuthenticated {
		writeError(w, http.StatusBadRequest, "BAD_REQUEST_ERROR", "Subscription can only be updated when active or authenticated", "")
		return
	}
	if req.PlanID != "" {
		if _, ok := s.planByID(req.PlanID); !ok {
			writeError(w, http.StatusBadRequest, "BAD_REQUEST_ERROR", "The id provided does not exist", "plan_id")
			return
		}
		sub.PlanID = req.PlanID
	}
	if req.Quantity > 0 {
		sub.Quantity = req.Quantity
	}
	if req.RemainingCount > 0 {
		sub.TotalCount = sub.PaidCount + req.RemainingCount
	}
	writeJSON(w, *sub)
}

func (s *Server) subscriptionAction(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	if !decode(w, r, &body) {
		return
	}
	s.mu.Lock()
	sub, ok := s.subs[r.PathValue("id")]
	if !ok {
		s.mu.Unlock()
		notFound(w)
		return
	}
	var event billing.EventType
	switch action := r.PathValue("action"); action {
	case "cancel":
		if sub.Status.Terminal() {
			s.mu.Unlock()
			writeError(w, http.StatusBadRequest, "BAD_REQUEST_ERROR", "Subscription is not cancellable in "+string(sub.Status)+" status.", "")
			return
		}
		if v, _ := body["cancel_at_cycle_end"].(float64); v == 1 {
			sub.EndAt = sub.CurrentEnd
			break
		}
		sub.Status, sub.EndedAt, event = billing.StatusCancelled, unixTime(s.now()), billing.EventSubscriptionCancelled
	case "pause":
		if sub.Status != billing.StatusActive {
			s.mu.Unlock()
			writeError(w, http.StatusBadRequest, "BAD_REQUEST_ERROR", "Pause is not allowed in "+string(sub.Status)+" status.", "")
			return
		}
		sub.Status, event = billing.StatusPaused, billing.EventSubscriptionPaused
	case "resume":
		if sub.Status != billing.StatusPaused {
			s.mu.Unlock()
			writeError(w, http.StatusBadRequest, "BAD_REQUEST_ERROR", "Resume is not allowed in "+string(sub.Status)+" status.", "")
			return
		}
		sub.Status, event = billing.StatusActive, billing.EventSubscriptionResumed
	default:
		s.mu.Unlock()
		notFound(w)
		return
	}
	out := *sub
	s.mu.Unlock()
	if event != "" {
		s.emit(event, map[string]any{"subscription": out})
	}
	writeJSON(w, out)
}

// Checkout is what Razorpay Checkout hands the browser after a payment:
// the ids and razorpay_signature to verify on the server.
type Checkout struct {
	PaymentID      string
	OrderID        string
	SubscriptionID string
	Signature      string
}

// ErrState reports a simulation that the resource's state does not allow.
var ErrState = errors.New("billingtest: resource is not in a state that allows this")

// PayOrder simulates a customer paying an order in Checkout: a payment is
// authorized and captured (payment.authorized, payment.captured,
// order.paid). The returned signature is the one Checkout would give.
func (s *Server) PayOrder(orderID string) (Checkout, error) {
	s.mu.Lock()
	o, ok := s.orders[orderID]
	if !ok || o.Status == "paid" {
		s.mu.Unlock()
		return Checkout{}, fmt.Errorf("%w: order %s", ErrState, orderID)
	}
	p := &fakePayment{Email: "customer@example.com", Contact: "+919876543210"}
	p.ID, p.Amount, p.Currency, p.Status, p.OrderID, p.Method = s.newID("pay"), o.Amount, o.Currency, "authorized", o.ID, "upi"
	p.CreatedAt = unixTime(s.now())
	s.payments[p.ID] = p
	o.Attempts++
	authorized := *p
	p.Status, p.Captured = "captured", true
	o.Status, o.AmountPaid, o.AmountDue = "paid", o.Amount, 0
	captured, order := *p, *o
	s.mu.Unlock()
	s.emit(billing.EventPaymentAuthorized, map[string]any{"payment": authorized})
	s.emit(billing.EventPaymentCaptured, map[string]any{"payment": captured})
	s.emit(billing.EventOrderPaid, map[string]any{"payment": captured, "order": order})
	return Checkout{PaymentID: p.ID, OrderID: o.ID, Signature: s.sign(o.ID + "|" + p.ID)}, nil
}

// AuthorizeOrder simulates a payment that is authorized but left for the
// merchant to capture (payment.authorized only).
func (s *Server) AuthorizeOrder(orderID string) (Checkout, error) {
	s.mu.Lock()
	o, ok := s.orders[orderID]
	if !ok || o.Status == "paid" {
		s.mu.Unlock()
		return Checkout{}, fmt.Errorf("%w: order %s", ErrState, orderID)
	}
	p := &fakePayment{Email: "customer@example.com", Contact: "+919876543210"}
	p.ID, p.Amount, p.Currency, p.Status, p.OrderID, p.Method = s.newID("pay"), o.Amount, o.Currency, "authorized", o.ID, "card"
	p.CreatedAt = unixTime(s.now())
	s.payments[p.ID] = p
	o.Attempts++
	o.Status = "attempted"
	out := *p
	s.mu.Unlock()
	s.emit(billing.EventPaymentAuthorized, map[string]any{"payment": out})
	return Checkout{PaymentID: p.ID, OrderID: o.ID, Signature: s.sign(o.ID + "|" + p.ID)}, nil
}

// FailOrderPayment simulates a failed payment attempt (payment.failed).
func (s *Server) FailOrderPayment(orderID string) (string, error) {
	s.mu.Lock()
	o, ok := s.orders[orderID]
	if !ok {
		s.mu.Unlock()
		return "", fmt.Errorf("%w: order %s", ErrState, orderID)
	}
	p := &fakePayment{}
	p.ID, p.Amount, p.Currency, p.Status, p.OrderID, p.Method = s.newID("pay"), o.Amount, o.Currency, "failed", o.ID, "card"
	p.ErrorCode, p.ErrorDescription, p.ErrorSource, p.ErrorStep, p.ErrorReason = "BAD_REQUEST_ERROR", "Payment failed due to insufficient balance", "customer", "payment_authorization", "insufficient_balance"
	p.CreatedAt = unixTime(s.now())
	s.payments[p.ID] = p
	o.Attempts++
	o.Status = "attempted"
	out := *p
	s.mu.Unlock()
	s.emit(billing.EventPaymentFailed, map[string]any{"payment": out})
	return out.ID, nil
}

// AuthenticateSubscription simulates the customer authorising a
// subscription's mandate in Checkout (subscription.authenticated). The
// signature is HMAC(payment_id|subscription_id).
func (s *Server) AuthenticateSubscription(subID string) (Checkout, error) {
	s.mu.Lock()
	sub, ok := s.subs[subID]
	if !ok || sub.Status != billing.StatusCreated {
		s.mu.Unlock()
		return Checkout{}, fmt.Errorf("%w: subscription %s", ErrState, subID)
	}
	p := &fakePayment{Email: "customer@example.com", Contact: "+919876543210"}
	p.ID, p.Amount, p.Currency, p.Status, p.Method = s.newID("pay"), 500, "INR", "captured", "card"
	p.Captured, p.CustomerID, p.CreatedAt = true, sub.CustomerID, unixTime(s.now())
	s.payments[p.ID] = p
	sub.Status = billing.StatusAuthenticated
	out := *sub
	s.mu.Unlock()
	s.emit(billing.EventSubscriptionAuthenticated, map[string]any{"subscription": out})
	return Checkout{PaymentID: p.ID, SubscriptionID: sub.ID, Signature: s.sign(p.ID + "|" + sub.ID)}, nil
}

// Charge is what one subscription charge produced.
type Charge struct {
	PaymentID string
	InvoiceID string
}

// ChargeSubscription simulates a billing cycle's charge: the first one
// activates the subscription (subscription.activated); every one captures a
// payment, pays an invoice and advances the cycle (subscription.charged,
// payment.captured, invoice.paid). After TotalCount charges the
// subscription completes (subscription.completed).
func (s *Server) ChargeSubscription(subID string) (Charge, error) {
	s.mu.Lock()
	sub, ok := s.subs[subID]
	if !ok || (sub.Status != billing.StatusAuthenticated && sub.Status != billing.StatusActive && sub.Status != billing.StatusPending) {
		s.mu.Unlock()
		return Charge{}, fmt.Errorf("%w: subscription %s", ErrState, subID)
	}
	plan, _ := s.planByID(sub.PlanID)
	now := s.now()
	first := sub.Status == billing.StatusAuthenticated
	start := now
	if !first && !sub.CurrentEnd.IsZero() {
		start = sub.CurrentEnd.Time
	}
	end := advance(start, plan.Period, plan.Interval)
	amount := plan.Item.Amount * billing.Paise(sub.Quantity)
	p := &fakePayment{Email: "customer@example.com", Contact: "+919876543210"}
	p.ID, p.Amount, p.Currency, p.Status, p.Method = s.newID("pay"), amount, plan.Item.Currency, "captured", "card"
	p.Captured, p.CustomerID, p.CreatedAt = true, sub.CustomerID, unixTime(now)
	inv := &billing.Invoice{ID: s.newID("inv"), Type: "invoice", CustomerID: sub.CustomerID, SubscriptionID: sub.ID,
		PaymentID: p.ID, Status: "paid", Amount: amount, AmountPaid: amount, Currency: plan.Item.Currency,
		LineItems:    []billing.InvoiceLineItem{{ID: plan.Item.ID, Name: plan.Item.Name, Amount: plan.Item.Amount, Quantity: sub.Quantity, Currency: plan.Item.Currency}},
		BillingStart: unixTime(start), BillingEnd: unixTime(end), IssuedAt: unixTime(now), PaidAt: unixTime(now), CreatedAt: unixTime(now)}
	p.InvoiceID = inv.ID
	s.payments[p.ID] = p
	s.invoices = append(s.invoices, inv)
	sub.Status, sub.PaidCount = billing.StatusActive, sub.PaidCount+1
	sub.CurrentStart, sub.CurrentEnd, sub.ChargeAt = unixTime(start), unixTime(end), unixTime(end)
	completed := sub.PaidCount >= sub.TotalCount
	active, pay, invoice := *sub, *p, *inv
	if completed {
		sub.Status, sub.EndedAt = billing.StatusCompleted, unixTime(now)
	}
	done := *sub
	s.mu.Unlock()
	if first {
		s.emit(billing.EventSubscriptionActivated, map[string]any{"subscription": active})
	}
	s.emit(billing.EventSubscriptionCharged, map[string]any{"subscription": active, "payment": pay})
	s.emit(billing.EventPaymentCaptured, map[string]any{"payment": pay})
	s.emit(billing.EventInvoicePaid, map[string]any{"invoice": invoice, "payment": pay})
	if completed {
		s.emit(billing.EventSubscriptionCompleted, map[string]any{"subscription": done})
	}
	return Charge{PaymentID: pay.ID, InvoiceID: invoice.ID}, nil
}

// FailSubscriptionCharge simulates a failed renewal: the subscription goes
// pending (subscription.pending), or halted after all retries
// (subscription.halted) when halt is true.
func (s *Server) FailSubscriptionCharge(subID string, halt bool) error {
	s.mu.Lock()
	sub, ok := s.subs[subID]
	if !ok || (sub.Status != billing.StatusActive && sub.Status != billing.StatusPending) {
		s.mu.Unlock()
		return fmt.Errorf("%w: subscription %s", ErrState, subID)
	}
	event := billing.EventSubscriptionPending
	sub.Status = billing.StatusPending
	if halt {
		event, sub.Status = billing.EventSubscriptionHalted, billing.StatusHalted
	}
	out := *sub
	s.mu.Unlock()
	s.emit(event, map[string]any{"subscription": out})
	return nil
}

// CreatePaymentLink creates a payment link for amount with your
// referenceID.
func (s *Server) CreatePaymentLink(amount billing.Paise, referenceID string) billing.PaymentLink {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := &billing.PaymentLink{ID: s.newID("plink"), Amount: amount, Currency: "INR", ReferenceID: referenceID,
		Status: "created", CreatedAt: unixTime(s.now())}
	l.ShortURL = "https://rzp.io/i/" + l.ID
	s.links[l.ID] = l
	return *l
}

// PayPaymentLink simulates paying a link (payment_link.paid) and returns
// the signed callback parameters.
func (s *Server) PayPaymentLink(id string) (billing.PaymentLinkCallback, error) {
	s.mu.Lock()
	l, ok := s.links[id]
	if !ok || l.Status != "created" {
		s.mu.Unlock()
		return billing.PaymentLinkCallback{}, fmt.Errorf("%w: payment link %s", ErrState, id)
	}
	o := &billing.Order{ID: s.newID("order"), Amount: l.Amount, AmountPaid: l.Amount, Currency: l.Currency, Status: "paid", CreatedAt: unixTime(s.now())}
	s.orders[o.ID] = o
	p := &fakePayment{}
	p.ID, p.Amount, p.Currency, p.Status, p.OrderID, p.Captured, p.Method = s.newID("pay"), l.Amount, l.Currency, "captured", o.ID, true, "upi"
	p.CreatedAt = unixTime(s.now())
	s.payments[p.ID] = p
	l.Status, l.AmountPaid = "paid", l.Amount
	link, order, pay := *l, *o, *p
	s.mu.Unlock()
	s.emit(billing.EventPaymentLinkPaid, map[string]any{"payment_link": link, "order": order, "payment": pay})
	cb := billing.PaymentLinkCallback{PaymentLinkID: link.ID, PaymentLinkReferenceID: link.ReferenceID,
		PaymentLinkStatus: link.Status, PaymentID: pay.ID}
	cb.Signature = s.sign(cb.PaymentLinkID + "|" + cb.PaymentLinkReferenceID + "|" + cb.PaymentLinkStatus + "|" + cb.PaymentID)
	return cb, nil
}

// Emit sends an arbitrary event (for example one of a type BotSync does not
// know) with payload entities keyed by name ("payment", "order", …).
func (s *Server) Emit(event billing.EventType, payload map[string]any) Delivery {
	return s.emit(event, payload)
}

// advance moves t forward by interval periods.
func advance(t time.Time, period string, interval int) time.Time {
	switch period {
	case "daily":
		return t.AddDate(0, 0, interval)
	case "weekly":
		return t.AddDate(0, 0, 7*interval)
	case "quarterly":
		return t.AddDate(0, 3*interval, 0)
	case "yearly":
		return t.AddDate(interval, 0, 0)
	}
	return t.AddDate(0, interval, 0)
}

package billingtest

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/botsync/botsync/billing"
)

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/orders", s.createOrder)
	mux.HandleFunc("GET /v1/orders/{id}", s.fetchOrder)
	mux.HandleFunc("GET /v1/orders/{id}/payments", s.orderPayments)
	mux.HandleFunc("GET /v1/payments/{id}", s.fetchPayment)
	mux.HandleFunc("POST /v1/payments/{id}/capture", s.capturePayment)
	mux.HandleFunc("POST /v1/payments/{id}/refund", s.createRefund)
	mux.HandleFunc("GET /v1/refunds/{id}", s.fetchRefund)
	mux.HandleFunc("POST /v1/plans", s.createPlan)
	mux.HandleFunc("GET /v1/plans/{id}", s.fetchPlan)
	mux.HandleFunc("GET /v1/plans", s.listPlans)
	mux.HandleFunc("POST /v1/subscriptions", s.createSubscription)
	mux.HandleFunc("GET /v1/subscriptions/{id}", s.fetchSubscription)
	mux.HandleFunc("PATCH /v1/subscriptions/{id}", s.updateSubscription)
	mux.HandleFunc("POST /v1/subscriptions/{id}/{action}", s.subscriptionAction)
	mux.HandleFunc("POST /v1/customers", s.createCustomer)
	mux.HandleFunc("GET /v1/customers/{id}", s.fetchCustomer)
	mux.HandleFunc("PUT /v1/customers/{id}", s.editCustomer)
	mux.HandleFunc("GET /v1/invoices/{id}", s.fetchInvoice)
	mux.HandleFunc("GET /v1/invoices", s.listInvoices)
	mux.HandleFunc("POST /v1/payment_links", s.createPaymentLink)
	mux.HandleFunc("GET /v1/payment_links/{id}", s.fetchPaymentLink)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		r.Body = io.NopCloser(bytes.NewReader(body))
		s.mu.Lock()
		s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Body: body})
		var fail *failure
		for i := range s.failures {
			f := &s.failures[i]
			if f.remaining > 0 && f.method == r.Method && strings.HasPrefix(strings.TrimPrefix(r.URL.Path, "/v1/"), f.prefix) {
				f.remaining--
				fail = f
				break
			}
		}
		s.mu.Unlock()
		id, key, ok := r.BasicAuth()
		if !ok || id != s.KeyID || subtle.ConstantTimeCompare([]byte(key), s.KeySecret.RevealBytes()) != 1 {
			writeError(w, http.StatusUnauthorized, "BAD_REQUEST_ERROR", "The api key provided is invalid", "")
			return
		}
		if fail != nil {
			writeError(w, fail.status, fail.code, "scripted failure", "")
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// decode reads a JSON body; amounts that are negative or fractional fail
// like Razorpay's validation.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(v); err != nil {
		field := ""
		if strings.Contains(err.Error(), "amount") {
			field = "amount"
		}
		writeError(w, http.StatusBadRequest, "BAD_REQUEST_ERROR", "The request body is invalid", field)
		return false
	}
	return true
}

func notFound(w http.ResponseWriter) {
	writeError(w, http.StatusNotFound, "BAD_REQUEST_ERROR", "The id provided does not exist", "id")
}

func (s *Server) createOrder(w http.ResponseWriter, r *http.Request) {
	var req billing.OrderRequest
	if !decode(w, r, &req) {
		return
	}
	if req.Amount < 100 {
		writeError(w, http.StatusBadRequest, "BAD_REQUEST_ERROR", "The amount must be atleast INR 1.00", "amount")
		return
	}
	if req.Currency == "" {
		writeError(w, http.StatusBadRequest, "BAD_REQUEST_ERROR", "The currency field is required.", "currency")
		return
	}
	s.mu.Lock()
	o := &billing.Order{ID: s.newID("order"), Amount: req.Amount, AmountDue: req.Amount, Currency: req.Currency,
		Receipt: req.Receipt, Status: "created", Notes: req.Notes, CreatedAt: billing.Unix(s.now().Unix())}
	s.orders[o.ID] = o
	out := *o
	s.mu.Unlock()
	writeJSON(w, out)
}

func (s *Server) fetchOrder(w http.ResponseWriter, r *http.Request) {
	serveCopy(s, w, s.orders, r.PathValue("id"))
}

func (s *Server) orderPayments(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.orders[r.PathValue("id")]; !ok {
		notFound(w)
		return
	}
	items := []fakePayment{}
	for _, p := range s.payments {
		if p.OrderID == r.PathValue("id") {
			items = append(items, *p)
		}
	}
	writeJSON(w, map[string]any{"entity": "collection", "count": len(items), "items": items})
}

func (s *Server) fetchPayment(w http.ResponseWriter, r *http.Request) {
	serveCopy(s, w, s.payments, r.PathValue("id"))
}

func (s *Server) capturePayment(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Amount   billing.Paise `json:"amount"`
		Currency string        `json:"currency"`
	}
	if !decode(w, r, &req) {
		return
	}
	s.mu.Lock()
	p, ok := s.payments[r.PathValue("id")]
	if !ok {
		s.mu.Unlock()
		notFound(w)
		return
	}
	switch {
	case p.Status != "authorized":
		s.mu.Unlock()
		writeError(w, http.StatusBadRequest, "BAD_REQUEST_ERROR", "This payment has already been captured", "")
		return
	case req.Amount != p.Amount:
		s.mu.Unlock()
		writeError(w, http.StatusBadRequest, "BAD_REQUEST_ERROR", "Capture amount must be equal to the amount authorized", "amount")
		return
	}
	p.Status, p.Captured = "captured", true
	out := *p
	s.mu.Unlock()
	s.emit(billing.EventPaymentCaptured, map[string]any{"payment": out})
	writeJSON(w, out)
}

func (s *Server) createRefund(w http.ResponseWriter, r *http.Request) {
	var req billing.RefundRequest
	if !decode(w, r, &req) {
		return
	}
	s.mu.Lock()
	p, ok := s.payments[r.PathValue("id")]
	if !ok {
		s.mu.Unlock()
		notFound(w)
		return
	}
	amount := req.Amount
	if amount == 0 {
		amount = p.Amount - p.AmountRefunded
	}
	if p.Status != "captured" && p.Status != "refunded" || amount <= 0 || p.AmountRefunded+amount > p.Amount {
		s.mu.Unlock()
		writeError(w, http.StatusBadRequest, "BAD_REQUEST_ERROR", "The refund amount provided is greater than amount captured", "amount")
		return
	}
	ref := &billing.Refund{ID: s.newID("rfnd"), PaymentID: p.ID, Amount: amount, Currency: p.Currency, Status: "processed",
		Receipt: req.Receipt, SpeedRequested: "normal", SpeedProcessed: "normal", Notes: req.Notes,
		CreatedAt: billing.Unix(s.now().Unix())}
	s.refunds[ref.ID] = ref
	p.AmountRefunded += amount
	p.RefundStatus = "partial"
	if p.AmountRefunded == p.Amount {
		p.Status, p.RefundStatus = "refunded", "full"
	}
	out, pay := *ref, *p
	s.mu.Unlock()
	created := out
	created.Status = "pending"
	s.emit(billing.EventRefundCreated, map[string]any{"refund": created, "payment": pay})
	s.emit(billing.EventRefundProcessed, map[string]any{"refund": out, "payment": pay})
	writeJSON(w, out)
}

func (s *Server) fetchRefund(w http.ResponseWriter, r *http.Request) {
	serveCopy(s, w, s.refunds, r.PathValue("id"))
}

func (s *Server) createPlan(w http.ResponseWriter, r *http.Request) {
	var req billing.PlanRequest
	if !decode(w, r, &req) {
		return
	}
	if req.Item.Amount < 100 {
		writeError(w, http.StatusBadRequest, "BAD_REQUEST_ERROR", "The amount must be atleast INR 1.00", "item.amount")
		return
	}
	s.mu.Lock()
	p := &billing.RazorpayPlan{ID: s.newID("plan"), Period: req.Period, Interval: req.Interval, Item: req.Item,
		Notes: req.Notes, CreatedAt: billing.Unix(s.now().Unix())}
	p.Item.ID = s.newID("item")
	s.plans = append(s.plans, p)
	out := *p
	s.mu.Unlock()
	writeJSON(w, out)
}

func (s *Server) planByID(id string) (*billing.RazorpayPlan, bool) {
	for _, p := range s.plans {
		if p.ID == id {
			return p, true
		}
	}
	return nil, false
}

func (s *Server) fetchPlan(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	p, ok := s.planByID(r.PathValue("id"))
	var out billing.RazorpayPlan
	if ok {
		out = *p
	}
	s.mu.Unlock()
	if !ok {
		notFound(w)
		return
	}
	writeJSON(w, out)
}

// page applies count and skip to a newest-first list of n items.
func page(r *http.Request, n int) (lo, hi int) {
	count, skip := 10, 0
	if v, err := strconv.Atoi(r.URL.Query().Get("count")); err == nil && v > 0 && v <= 100 {
		count = v
	}
	if v, err := strconv.Atoi(r.URL.Query().Get("skip")); err == nil && v > 0 {
		skip = v
	}
	lo = min(skip, n)
	hi = min(skip+count, n)
	return lo, hi
}

func (s *Server) listPlans(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	all := make([]billing.RazorpayPlan, 0, len(s.plans))
	for i := len(s.plans) - 1; i >= 0; i-- {
		all = append(all, *s.plans[i])
	}
	s.mu.Unlock()
	lo, hi := page(r, len(all))
	writeJSON(w, map[string]any{"entity": "collection", "count": hi - lo, "items": all[lo:hi]})
}

func (s *Server) fetchInvoice(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	var out *billing.Invoice
	for _, inv := range s.invoices {
		if inv.ID == r.PathValue("id") {
			c := *inv
			out = &c
		}
	}
	s.mu.Unlock()
	if out == nil {
		notFound(w)
		return
	}
	writeJSON(w, out)
}

func (s *Server) listInvoices(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	all := []billing.Invoice{}
	for i := len(s.invoices) - 1; i >= 0; i-- {
		inv := s.invoices[i]
		if v := q.Get("subscription_id"); v != "" && inv.SubscriptionID != v {
			continue
		}
		if v := q.Get("customer_id"); v != "" && inv.CustomerID != v {
			continue
		}
		if v := q.Get("payment_id"); v != "" && inv.PaymentID != v {
			continue
		}
		all = append(all, *inv)
	}
	s.mu.Unlock()
	lo, hi := page(r, len(all))
	writeJSON(w, map[string]any{"entity": "collection", "count": hi - lo, "items": all[lo:hi]})
}

func (s *Server) createCustomer(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name, Email, Contact, GSTIN string
		FailExisting                string `json:"fail_existing"`
		Notes                       billing.Notes
	}
	if !decode(w, r, &req) {
		return
	}
	if req.Name == "" {
		writeError(w, http.StatusBadRequest, "BAD_REQUEST_ERROR", "The name field is required.", "name")
		return
	}
	if req.GSTIN != "" && billing.ValidateGSTIN(req.GSTIN) != nil {
		writeError(w, http.StatusBadRequest, "BAD_REQUEST_ERROR", "The gstin is invalid.", "gstin")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.customers {
		if req.Email != "" && c.Email == req.Email && c.Contact == req.Contact {
			if req.FailExisting == "1" {
				writeError(w, http.StatusBadRequest, "BAD_REQUEST_ERROR", "Customer already exists for the merchant", "")
				return
			}
			writeJSON(w, *c)
			return
		}
	}
	c := &fakeCustomer{Email: req.Email, Contact: req.Contact}
	c.ID, c.Name, c.GSTIN, c.Notes = s.newID("cust"), req.Name, req.GSTIN, req.Notes
	c.CreatedAt = billing.Unix(s.now().Unix())
	s.customers[c.ID] = c
	writeJSON(w, *c)
}

func (s *Server) fetchCustomer(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.customers[r.PathValue("id")]
	if !ok {
		notFound(w)
		return
	}
	writeJSON(w, *c)
}

func (s *Server) editCustomer(w http.ResponseWriter, r *http.Request) {
	var req struct{ Name, Email, Contact, GSTIN string }
	if !decode(w, r, &req) {
		return
	}
	if req.GSTIN != "" && billing.ValidateGSTIN(req.GSTIN) != nil {
		writeError(w, http.StatusBadRequest, "BAD_REQUEST_ERROR", "The gstin is invalid.", "gstin")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.customers[r.PathValue("id")]
	if !ok {
		notFound(w)
		return
	}
	if req.Name != "" {
		c.Name = req.Name
	}
	if req.Email != "" {
		c.Email = req.Email
	}
	if req.Contact != "" {
		c.Contact = req.Contact
	}
	if req.GSTIN != "" {
		c.GSTIN = req.GSTIN
	}
	writeJSON(w, *c)
}

func unixTime(t time.Time) billing.Timestamp { return billing.Unix(t.Unix()) }

func (s *Server) createPaymentLink(w http.ResponseWriter, r *http.Request) {
	var req billing.PaymentLinkRequest
	if !decode(w, r, &req) {
		return
	}
	if req.Amount < 100 {
		writeError(w, http.StatusBadRequest, "BAD_REQUEST_ERROR", "The amount must be atleast INR 1.00", "amount")
		return
	}
	s.mu.Lock()
	for _, l := range s.links {
		if req.ReferenceID != "" && l.ReferenceID == req.ReferenceID {
			s.mu.Unlock()
			writeError(w, http.StatusBadRequest, "BAD_REQUEST_ERROR", "payment link with given reference id already exists", "reference_id")
			return
		}
	}
	s.mu.Unlock()
	l := s.CreatePaymentLink(req.Amount, req.ReferenceID)
	s.mu.Lock()
	s.links[l.ID].Currency, s.links[l.ID].Notes = req.Currency, req.Notes
	out := *s.links[l.ID]
	s.mu.Unlock()
	writeJSON(w, out)
}

func (s *Server) fetchPaymentLink(w http.ResponseWriter, r *http.Request) {
	serveCopy(s, w, s.links, r.PathValue("id"))
}

// serveCopy writes a copy of m[id] taken under the server's lock, or 404.
func serveCopy[T any](s *Server, w http.ResponseWriter, m map[string]*T, id string) {
	s.mu.Lock()
	v, ok := m[id]
	var out T
	if ok {
		out = *v
	}
	s.mu.Unlock()
	if !ok {
		notFound(w)
		return
	}
	writeJSON(w, out)
}

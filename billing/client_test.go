package billing_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/botsync/botsync/billing"
	"github.com/botsync/botsync/billing/billingtest"
	"github.com/botsync/botsync/secret"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newClient(t *testing.T, opts ...billingtest.Option) (*billing.Client, *billingtest.Server) {
	t.Helper()
	srv := billingtest.NewServer(opts...)
	t.Cleanup(srv.Close)
	c, err := billing.NewClient(srv.KeyID, srv.KeySecret, billing.WithBaseURL(srv.URL()),
		billing.WithRetry(3, time.Millisecond, 5*time.Millisecond))
	require.NoError(t, err)
	return c, srv
}

func TestClientOrdersAndPayments(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	c, srv := newClient(t)
	o, err := c.Orders.Create(ctx, billing.OrderRequest{Amount: 117900, Currency: "INR", Receipt: "ws_1/2026-05", Notes: billing.Notes{"workspace_id": "ws_1"}})
	require.NoError(t, err)
	assert.Equal(t, "created", o.Status)
	assert.Equal(t, billing.Paise(117900), o.AmountDue)
	assert.Equal(t, "ws_1", o.Notes["workspace_id"])

	co, err := srv.AuthorizeOrder(o.ID)
	require.NoError(t, err)
	require.NoError(t, billing.VerifyPaymentSignature(o.ID, co.PaymentID, co.Signature, srv.KeySecret.RevealBytes()))
	p, err := c.Payments.Fetch(ctx, co.PaymentID)
	require.NoError(t, err)
	assert.Equal(t, "authorized", p.Status)
	assert.Equal(t, "customer@example.com", p.Email.Reveal())

	_, err = c.Payments.Capture(ctx, co.PaymentID, 100, "INR")
	var rerr *billing.Error
	require.ErrorAs(t, err, &rerr)
	assert.Equal(t, "amount", rerr.Field)
	assert.Equal(t, http.StatusBadRequest, rerr.StatusCode)
	assert.Equal(t, "BAD_REQUEST_ERROR", rerr.Code)
	assert.Equal(t, "capture payment", rerr.Operation)
	assert.ErrorIs(t, err, billing.ErrBadRequest)

	p, err = c.Payments.Capture(ctx, co.PaymentID, 117900, "INR")
	require.NoError(t, err)
	assert.True(t, p.Captured)

	list, err := c.Payments.ListForOrder(ctx, o.ID)
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, co.PaymentID, list[0].ID)

	got, err := c.Orders.Fetch(ctx, o.ID)
	require.NoError(t, err)
	assert.Equal(t, o.ID, got.ID)

	_, err = c.Orders.Fetch(ctx, "order_missing")
	assert.ErrorIs(t, err, billing.ErrNotFound)

	ref, err := c.Refunds.Create(ctx, co.PaymentID, billing.RefundRequest{Amount: 17900, Receipt: "CN/2627/00001"})
	require.NoError(t, err)
	assert.Equal(t, billing.Paise(17900), ref.Amount)
	ref2, err := c.Refunds.Fetch(ctx, ref.ID)
	require.NoError(t, err)
	assert.Equal(t, "processed", ref2.Status)
	_, err = c.Refunds.Create(ctx, co.PaymentID, billing.RefundRequest{Amount: 200000})
	assert.ErrorIs(t, err, billing.ErrBadRequest, "refunding more than captured")
}

func TestClientPlansSubscriptionsCustomers(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	c, srv := newClient(t)
	var plans []*billing.RazorpayPlan
	for i := range 5 {
		p, err := c.Plans.Create(ctx, billing.PlanRequest{Period: "monthly", Interval: 1,
			Item: billing.PlanItem{Name: fmt.Sprint("Plan ", i), Amount: billing.Paise(10000 * (i + 1)), Currency: "INR"}})
		require.NoError(t, err)
		plans = append(plans, p)
	}
	fetched, err := c.Plans.Fetch(ctx, plans[2].ID)
	require.NoError(t, err)
	assert.Equal(t, billing.Paise(30000), fetched.Item.Amount)
	page, err := c.Plans.List(ctx, billing.ListOptions{Count: 2})
	require.NoError(t, err)
	require.Len(t, page, 2)
	assert.Equal(t, plans[4].ID, page[0].ID, "newest first")
	var all []string
	for p, err := range c.Plans.All(ctx, billing.ListOptions{Count: 2}) {
		require.NoError(t, err)
		all = append(all, p.ID)
	}
	assert.Len(t, all, 5, "All pages through every plan")

	cust, err := c.Customers.Create(ctx, billing.CustomerRequest{Name: "Acme", Email: "ops@acme.example", Contact: "+919800000000", GSTIN: "27AAPFU0939F1ZV"})
	require.NoError(t, err)
	assert.Equal(t, "27AAPFU0939F1ZV", cust.GSTIN)
	again, err := c.Customers.Create(ctx, billing.CustomerRequest{Name: "Acme", Email: "ops@acme.example", Contact: "+919800000000"})
	require.NoError(t, err)
	assert.Equal(t, cust.ID, again.ID, "an existing customer is returned")
	edited, err := c.Customers.Edit(ctx, cust.ID, billing.CustomerRequest{GSTIN: "29AAGCB7383J1Z4"})
	require.NoError(t, err)
	assert.Equal(t, "29AAGCB7383J1Z4", edited.GSTIN)
	fc, err := c.Customers.Fetch(ctx, cust.ID)
	require.NoError(t, err)
	assert.Equal(t, "ops@acme.example", fc.Email.Reveal())
	_, err = c.Customers.Edit(ctx, cust.ID, billing.CustomerRequest{GSTIN: "29AAGCB7383J1Z5"})
	require.ErrorIs(t, err, billing.ErrGSTINCheckDigit, "GSTIN checked before sending")

	sub, err := c.Subscriptions.Create(ctx, billing.SubscriptionRequest{PlanID: plans[0].ID, CustomerID: cust.ID, TotalCount: 12,
		Notes: billing.Notes{billing.WorkspaceNote: "ws_1"}})
	require.NoError(t, err)
	assert.Equal(t, billing.StatusCreated, sub.Status)
	_, err = srv.AuthenticateSubscription(sub.ID)
	require.NoError(t, err)
	_, err = srv.ChargeSubscription(sub.ID)
	require.NoError(t, err)
	sub, err = c.Subscriptions.Fetch(ctx, sub.ID)
	require.NoError(t, err)
	assert.Equal(t, billing.StatusActive, sub.Status)
	assert.Equal(t, 1, sub.PaidCount)

	sub, err = c.Subscriptions.Update(ctx, sub.ID, billing.SubscriptionUpdate{PlanID: plans[1].ID, Quantity: 2})
	require.NoError(t, err)
	assert.Equal(t, plans[1].ID, sub.PlanID)
	assert.Equal(t, 2, sub.Quantity)
	sub, err = c.Subscriptions.Pause(ctx, sub.ID)
	require.NoError(t, err)
	assert.Equal(t, billing.StatusPaused, sub.Status)
	_, err = c.Subscriptions.Pause(ctx, sub.ID)
	assert.ErrorIs(t, err, billing.ErrBadRequest)
	sub, err = c.Subscriptions.Resume(ctx, sub.ID)
	require.NoError(t, err)
	assert.Equal(t, billing.StatusActive, sub.Status)
	sub, err = c.Subscriptions.Cancel(ctx, sub.ID, false)
	require.NoError(t, err)
	assert.Equal(t, billing.StatusCancelled, sub.Status)

	invs, err := c.Invoices.List(ctx, billing.InvoiceListOptions{SubscriptionID: sub.ID})
	require.NoError(t, err)
	require.Len(t, invs, 1)
	inv, err := c.Invoices.Fetch(ctx, invs[0].ID)
	require.NoError(t, err)
	assert.Equal(t, "paid", inv.Status)
	assert.Equal(t, billing.Paise(10000), inv.Amount)
	n := 0
	for _, err := range c.Invoices.All(ctx, billing.InvoiceListOptions{}) {
		require.NoError(t, err)
		n++
	}
	assert.Equal(t, 1, n)
}

func TestClientRetries(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	t.Run("GET retried on 5xx", func(t *testing.T) {
		t.Parallel()
		c, srv := newClient(t)
		o, err := c.Orders.Create(ctx, billing.OrderRequest{Amount: 100, Currency: "INR"})
		require.NoError(t, err)
		srv.FailNext(http.MethodGet, "orders/", 503, "SERVER_ERROR", 2)
		_, err = c.Orders.Fetch(ctx, o.ID)
		require.NoError(t, err)
		assert.Len(t, srv.Requests(), 4)
	})
	t.Run("create not retried on 5xx", func(t *testing.T) {
		t.Parallel()
		c, srv := newClient(t)
		srv.FailNext(http.MethodPost, "orders", 500, "SERVER_ERROR", 1)
		_, err := c.Orders.Create(ctx, billing.OrderRequest{Amount: 100, Currency: "INR"})
		require.ErrorIs(t, err, billing.ErrServer)
		assert.Len(t, srv.Requests(), 1, "a POST that may have created an order is not repeated")
	})
	t.Run("create retried on 429", func(t *testing.T) {
		t.Parallel()
		c, srv := newClient(t)
		srv.FailNext(http.MethodPost, "orders", 429, "BAD_REQUEST_ERROR", 1)
		_, err := c.Orders.Create(ctx, billing.OrderRequest{Amount: 100, Currency: "INR"})
		require.NoError(t, err)
		assert.Len(t, srv.Requests(), 2)
	})
	t.Run("gives up", func(t *testing.T) {
		t.Parallel()
		c, srv := newClient(t)
		srv.FailNext(http.MethodGet, "plans", 503, "SERVER_ERROR", 10)
		_, err := c.Plans.List(ctx, billing.ListOptions{})
		var rerr *billing.Error
		require.ErrorAs(t, err, &rerr)
		assert.Equal(t, 503, rerr.StatusCode)
		assert.Len(t, srv.Requests(), 4, "one try and three retries")
	})
	t.Run("connection refused", func(t *testing.T) {
		t.Parallel()
		srv := billingtest.NewServer()
		url := srv.URL()
		srv.Close()
		c, err := billing.NewClient(srv.KeyID, srv.KeySecret, billing.WithBaseURL(url), billing.WithRetry(1, time.Millisecond, time.Millisecond))
		require.NoError(t, err)
		_, err = c.Orders.Create(ctx, billing.OrderRequest{Amount: 100, Currency: "INR"})
		require.Error(t, err)
		assert.NotContains(t, err.Error(), srv.KeySecret.Reveal())
	})
}

func TestClientErrors(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	srv := billingtest.NewServer()
	t.Cleanup(srv.Close)
	bad, err := billing.NewClient(srv.KeyID, secret.New("wrong"), billing.WithBaseURL(srv.URL()))
	require.NoError(t, err)
	_, err = bad.Orders.Fetch(ctx, "order_1")
	require.ErrorIs(t, err, billing.ErrUnauthorized)
	assert.NotContains(t, err.Error(), "wrong")

	c, _ := newClient(t)
	tests := map[string]error{}
	_, err = c.Orders.Create(ctx, billing.OrderRequest{Amount: -100, Currency: "INR"})
	tests["negative amount"] = err
	_, err = c.Orders.Create(ctx, billing.OrderRequest{Amount: 100, Currency: "RUPEES"})
	tests["currency"] = err
	_, err = c.Orders.Fetch(ctx, "../payments")
	tests["path id"] = err
	_, err = c.Payments.Capture(ctx, "pay_1", 0, "INR")
	tests["capture zero"] = err
	_, err = c.Plans.Create(ctx, billing.PlanRequest{Period: "hourly", Interval: 1})
	tests["period"] = err
	_, err = c.Plans.List(ctx, billing.ListOptions{Count: 500})
	tests["count"] = err
	_, err = c.Subscriptions.Create(ctx, billing.SubscriptionRequest{PlanID: "plan_1"})
	tests["total_count"] = err
	_, err = c.Subscriptions.Update(ctx, "sub_1", billing.SubscriptionUpdate{})
	tests["nothing to change"] = err
	_, err = c.Customers.Create(ctx, billing.CustomerRequest{})
	tests["name"] = err
	_, err = c.Refunds.Create(ctx, "pay_1", billing.RefundRequest{Amount: -1})
	tests["refund negative"] = err
	for name, err := range tests {
		assert.Error(t, err, name)
		var rerr *billing.Error
		assert.False(t, errors.As(err, &rerr), "%s is refused before any request", name)
	}

	_, err = billing.NewClient("", secret.New("x"))
	assert.Error(t, err)
	_, err = billing.NewClient("id", secret.Value{})
	assert.Error(t, err)
	_, err = billing.NewClient("id", secret.New("x"), billing.WithBaseURL("ftp://x"))
	assert.Error(t, err)
	_, err = billing.NewClient("id", secret.New("x"), billing.WithRetry(-1, 0, 0))
	assert.Error(t, err)
}

func TestClientLogsRetriesWithoutSecrets(t *testing.T) {
	t.Parallel()
	srv := billingtest.NewServer()
	t.Cleanup(srv.Close)
	var logs bytes.Buffer
	c, err := billing.NewClient(srv.KeyID, srv.KeySecret, billing.WithBaseURL(srv.URL()),
		billing.WithHTTPClient(&http.Client{Timeout: 5 * time.Second}),
		billing.WithRetry(2, time.Millisecond, time.Millisecond),
		billing.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	require.NoError(t, err)
	srv.FailNext(http.MethodGet, "plans", 502, "SERVER_ERROR", 1)
	_, err = c.Plans.List(t.Context(), billing.ListOptions{})
	require.NoError(t, err)
	assert.Contains(t, logs.String(), "billing: retrying")
	assert.NotContains(t, logs.String(), srv.KeySecret.Reveal())
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		assert.NotContains(t, fmt.Sprintf(verb, c), srv.KeySecret.Reveal(), verb)
	}
}

func TestErrorParsing(t *testing.T) {
	t.Parallel()
	// A proxy's HTML error page still yields a classified *billing.Error.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
		_, _ = w.Write([]byte("<html>bad gateway</html>"))
	}))
	t.Cleanup(srv.Close)
	c, err := billing.NewClient("id", secret.New("s"), billing.WithBaseURL(srv.URL), billing.WithRetry(0, 0, 0))
	require.NoError(t, err)
	_, err = c.Orders.Fetch(t.Context(), "order_1")
	var rerr *billing.Error
	require.ErrorAs(t, err, &rerr)
	assert.Equal(t, http.StatusBadGateway, rerr.StatusCode)
	assert.ErrorIs(t, err, billing.ErrServer)
	assert.NotErrorIs(t, err, billing.ErrBadRequest)
	assert.Contains(t, err.Error(), "fetch order")

	for status, sentinel := range map[int]error{400: billing.ErrBadRequest, 401: billing.ErrUnauthorized, 404: billing.ErrNotFound, 429: billing.ErrRateLimited, 503: billing.ErrServer} {
		e := &billing.Error{StatusCode: status, Code: "X"}
		assert.ErrorIs(t, e, sentinel, status)
	}
	assert.ErrorIs(t, &billing.Error{StatusCode: 400, Code: "GATEWAY_ERROR"}, billing.ErrServer)
}

func TestClientPaymentLinks(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	c, srv := newClient(t)
	l, err := c.PaymentLinks.Create(ctx, billing.PaymentLinkRequest{Amount: 250000, Currency: "INR", Description: "AI token top-up",
		ReferenceID: "ws_1/topup/7", CallbackURL: "https://app.example/billing/return", Notes: billing.Notes{"workspace_id": "ws_1"}})
	require.NoError(t, err)
	assert.Equal(t, "created", l.Status)
	assert.Equal(t, "ws_1/topup/7", l.ReferenceID)
	_, err = c.PaymentLinks.Create(ctx, billing.PaymentLinkRequest{Amount: 250000, Currency: "INR", ReferenceID: "ws_1/topup/7"})
	var rerr *billing.Error
	require.ErrorAs(t, err, &rerr)
	assert.Equal(t, "reference_id", rerr.Field, "a reference id is used once")

	cb, err := srv.PayPaymentLink(l.ID)
	require.NoError(t, err)
	require.NoError(t, billing.VerifyPaymentLinkSignature(cb, srv.KeySecret.RevealBytes()))
	got, err := c.PaymentLinks.Fetch(ctx, l.ID)
	require.NoError(t, err)
	assert.Equal(t, "paid", got.Status)
	assert.Equal(t, billing.Paise(250000), got.AmountPaid)

	_, err = c.PaymentLinks.Create(ctx, billing.PaymentLinkRequest{Amount: 0, Currency: "INR"})
	assert.ErrorIs(t, err, billing.ErrInvalidAmount)
	_, err = c.PaymentLinks.Fetch(ctx, "")
	assert.Error(t, err)
}

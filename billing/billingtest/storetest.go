package billingtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/botsync/botsync/billing"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStore is the conformance suite for [billing.Store] implementations.
// newStore returns an empty store for each subtest.
func TestStore(t *testing.T, newStore func(t *testing.T) billing.Store) {
	t.Run("Events", func(t *testing.T) { t.Parallel(); testEvents(t, newStore(t)) })
	t.Run("Subscriptions", func(t *testing.T) { t.Parallel(); testSubscriptions(t, newStore(t)) })
	t.Run("Usage", func(t *testing.T) { t.Parallel(); testUsage(t, newStore(t)) })
	t.Run("Invoices", func(t *testing.T) { t.Parallel(); testInvoices(t, newStore(t)) })
	t.Run("InvoiceNumbersConcurrent", func(t *testing.T) { t.Parallel(); testInvoiceConcurrency(t, newStore(t)) })
}

var base = time.Date(2026, time.March, 31, 12, 0, 0, 0, time.UTC)

func testEvents(t *testing.T, s billing.Store) {
	ctx := t.Context()
	key := billing.EventKey{AccountID: "acc_1", EventID: "evt_1"}
	lease := time.Minute

	ok, err := s.ClaimEvent(ctx, key, base, lease)
	require.NoError(t, err)
	assert.True(t, ok, "first claim")
	ok, err = s.ClaimEvent(ctx, key, base.Add(time.Second), lease)
	require.NoError(t, err)
	assert.False(t, ok, "claim held by someone else")

	ok, err = s.ClaimEvent(ctx, billing.EventKey{AccountID: "acc_2", EventID: "evt_1"}, base, lease)
	require.NoError(t, err)
	assert.True(t, ok, "same event id on another account is another event")

	ok, err = s.ClaimEvent(ctx, key, base.Add(2*lease), lease)
	require.NoError(t, err)
	assert.True(t, ok, "a stale claim is taken over")

	require.NoError(t, s.CompleteEvent(ctx, key, base.Add(2*lease)))
	ok, err = s.ClaimEvent(ctx, key, base.Add(100*lease), lease)
	require.NoError(t, err)
	assert.False(t, ok, "completed events are never claimed again")
	require.NoError(t, s.ReleaseEvent(ctx, key))
	ok, err = s.ClaimEvent(ctx, key, base.Add(100*lease), lease)
	require.NoError(t, err)
	assert.False(t, ok, "release does not undo completion")

	k2 := billing.EventKey{AccountID: "acc_1", EventID: "evt_2"}
	ok, err = s.ClaimEvent(ctx, k2, base, lease)
	require.NoError(t, err)
	require.True(t, ok)
	require.NoError(t, s.ReleaseEvent(ctx, k2))
	ok, err = s.ClaimEvent(ctx, k2, base, lease)
	require.NoError(t, err)
	assert.True(t, ok, "a released event can be claimed again")

	// Exactly one of many concurrent claimers wins.
	var wins int
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			ok, err := s.ClaimEvent(ctx, billing.EventKey{AccountID: "acc_1", EventID: "evt_race"}, base, lease)
			assert.NoError(t, err)
			if ok {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	assert.Equal(t, 1, wins)
}

func testSubscriptions(t *testing.T, s billing.Store) {
	ctx := t.Context()
	_, err := s.Subscription(ctx, "ws_1", "sub_1")
	require.ErrorIs(t, err, billing.ErrNotFound)

	at := base.Truncate(time.Second)
	got, err := s.UpdateSubscription(ctx, "ws_1", "sub_1", func(st *billing.SubscriptionState) error {
		assert.Equal(t, "ws_1", st.WorkspaceID)
		assert.Equal(t, "sub_1", st.SubscriptionID)
		assert.Empty(t, st.Status)
		st.Status, st.PlanID, st.CustomerID, st.PaidCount = billing.StatusActive, "plan_1", "cust_1", 1
		st.CurrentStart, st.CurrentEnd = at, at.AddDate(0, 1, 0)
		st.LastEventID, st.LastEventAt, st.UpdatedAt = "evt_1", at, at
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, billing.StatusActive, got.Status)

	boom := errors.New("boom")
	_, err = s.UpdateSubscription(ctx, "ws_1", "sub_1", func(st *billing.SubscriptionState) error {
		st.Status = billing.StatusCancelled
		return boom
	})
	require.ErrorIs(t, err, boom)

	st, err := s.Subscription(ctx, "ws_1", "sub_1")
	require.NoError(t, err)
	assert.Equal(t, billing.StatusActive, st.Status, "a failed update saves nothing")
	assert.Equal(t, "plan_1", st.PlanID)
	assert.Equal(t, "cust_1", st.CustomerID)
	assert.Equal(t, 1, st.PaidCount)
	assert.True(t, st.CurrentStart.Equal(at))
	assert.True(t, st.CurrentEnd.Equal(at.AddDate(0, 1, 0)))
	assert.True(t, st.LastEventAt.Equal(at))
	assert.Equal(t, "evt_1", st.LastEventID)

	_, err = s.Subscription(ctx, "ws_2", "sub_1")
	require.ErrorIs(t, err, billing.ErrNotFound, "workspaces are isolated")

	_, err = s.UpdateSubscription(ctx, "ws_1", "sub_0", func(st *billing.SubscriptionState) error {
		st.Status, st.PlanID = billing.StatusCancelled, "plan_0"
		return nil
	})
	require.NoError(t, err)
	_, err = s.UpdateSubscription(ctx, "ws_2", "sub_2", func(st *billing.SubscriptionState) error {
		st.Status = billing.StatusActive
		return nil
	})
	require.NoError(t, err)
	list, err := s.Subscriptions(ctx, "ws_1")
	require.NoError(t, err)
	require.Len(t, list, 2)
	assert.Equal(t, "sub_0", list[0].SubscriptionID)
	assert.Equal(t, billing.StatusCancelled, list[0].Status)
	assert.Equal(t, "sub_1", list[1].SubscriptionID)
	assert.Equal(t, "ws_1", list[1].WorkspaceID)
	assert.True(t, list[1].CurrentEnd.Equal(at.AddDate(0, 1, 0)))
	list, err = s.Subscriptions(ctx, "ws_none")
	require.NoError(t, err)
	assert.Empty(t, list)

	var wg sync.WaitGroup
	for range 25 {
		wg.Go(func() {
			_, err := s.UpdateSubscription(ctx, "ws_1", "sub_1", func(st *billing.SubscriptionState) error {
				st.PaidCount++
				return nil
			})
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	st, err = s.Subscription(ctx, "ws_1", "sub_1")
	require.NoError(t, err)
	assert.Equal(t, 26, st.PaidCount, "updates of one subscription are serialised")
}

func testUsage(t *testing.T, s billing.Store) {
	ctx := t.Context()
	march := billing.MonthPeriod(time.Date(2026, 3, 10, 0, 0, 0, 0, billing.IST))
	april := billing.MonthPeriod(time.Date(2026, 4, 10, 0, 0, 0, 0, billing.IST))
	ev := func(ws, key string, n int64) billing.UsageEvent {
		return billing.UsageEvent{WorkspaceID: ws, Metric: billing.MetricMessages, Quantity: n, IdempotencyKey: key, At: march.Start}
	}
	added, total, err := s.AddUsage(ctx, ev("ws_1", "m1", 3), march)
	require.NoError(t, err)
	assert.True(t, added)
	assert.EqualValues(t, 3, total)
	added, total, err = s.AddUsage(ctx, ev("ws_1", "m1", 3), march)
	require.NoError(t, err)
	assert.False(t, added, "the same idempotency key counts once")
	assert.EqualValues(t, 3, total)
	_, total, err = s.AddUsage(ctx, ev("ws_1", "m2", 2), march)
	require.NoError(t, err)
	assert.EqualValues(t, 5, total)
	_, total, err = s.AddUsage(ctx, ev("ws_2", "m1", 7), march)
	require.NoError(t, err)
	assert.EqualValues(t, 7, total, "keys are per workspace")
	tokens := billing.UsageEvent{WorkspaceID: "ws_1", Metric: billing.MetricAITokens, Quantity: 1500, IdempotencyKey: "ai1", At: april.Start}
	_, total, err = s.AddUsage(ctx, tokens, april)
	require.NoError(t, err)
	assert.EqualValues(t, 1500, total)

	got, err := s.UsageTotal(ctx, "ws_1", billing.MetricMessages, march)
	require.NoError(t, err)
	assert.EqualValues(t, 5, got)
	got, err = s.UsageTotal(ctx, "ws_1", billing.MetricMessages, april)
	require.NoError(t, err)
	assert.EqualValues(t, 0, got)
	got, err = s.UsageTotal(ctx, "ws_1", billing.MetricAITokens, april)
	require.NoError(t, err)
	assert.EqualValues(t, 1500, got)

	_, _, err = s.AddUsage(ctx, billing.UsageEvent{WorkspaceID: "ws_1", Metric: billing.MetricMessages, Quantity: -1, IdempotencyKey: "neg", At: march.Start}, march)
	require.Error(t, err, "negative quantities are refused")

	var wg sync.WaitGroup
	for i := range 60 {
		wg.Go(func() {
			_, _, err := s.AddUsage(ctx, ev("ws_3", fmt.Sprintf("k%d", i%30), 1), march)
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	got, err = s.UsageTotal(ctx, "ws_3", billing.MetricMessages, march)
	require.NoError(t, err)
	assert.EqualValues(t, 30, got, "concurrent duplicates count once")
}

func sampleInvoice(ws string, issued time.Time, period billing.Period) billing.TaxInvoice {
	return billing.TaxInvoice{
		Series: "INV", FinancialYear: billing.FinancialYearOf(issued), Kind: billing.KindInvoice,
		WorkspaceID: ws, Period: period, IssuedAt: issued,
		Supplier:      billing.Party{Name: "BotSync Technologies Pvt Ltd", Address: "Bengaluru", StateCode: "29", Country: "IN", GSTIN: "29AAGCB7383J1Z4"},
		Customer:      billing.Party{Name: "Acme", Address: "Pune", StateCode: "27", Country: "IN", GSTIN: "27AAPFU0939F1ZV"},
		PlaceOfSupply: "27", PlaceOfSupplyName: "Maharashtra", Supply: billing.SupplyInterState,
		AuthorisedSignatory: "Authorised Signatory",
		Lines: []billing.InvoiceLine{{Description: "Growth plan", SAC: billing.DefaultSAC, Quantity: 1, Unit: "MON",
			UnitPrice: 99900, Gross: 99900, Taxable: 99900}},
		Gross: 99900, Taxable: 99900,
		Taxes:    []billing.TaxLine{{Name: "IGST", RateBP: 1800, Taxable: 99900, Amount: 17982}},
		TaxTotal: 17982, RoundOff: 18, Total: 117900, TotalInWords: billing.RupeesInWords(117900), Currency: "INR",
		RazorpayPaymentID: "pay_1",
	}
}

func testInvoices(t *testing.T, s billing.Store) {
	ctx := t.Context()
	march := billing.MonthPeriod(time.Date(2026, 3, 1, 0, 0, 0, 0, billing.IST))
	feb := billing.MonthPeriod(time.Date(2026, 2, 1, 0, 0, 0, 0, billing.IST))
	issued := time.Date(2026, 3, 31, 10, 0, 0, 0, time.UTC) // FY 2025-26

	first, err := s.CreateInvoice(ctx, sampleInvoice("ws_1", issued, march))
	require.NoError(t, err)
	assert.Equal(t, "INV/2526/00001", first.Number)
	assert.EqualValues(t, 1, first.Seq)

	_, err = s.CreateInvoice(ctx, sampleInvoice("ws_1", issued, march))
	require.ErrorIs(t, err, billing.ErrPeriodClosed, "an invoiced period is closed")

	second, err := s.CreateInvoice(ctx, sampleInvoice("ws_2", issued, march))
	require.NoError(t, err)
	assert.Equal(t, "INV/2526/00002", second.Number, "a failed creation consumes no number")

	third, err := s.CreateInvoice(ctx, sampleInvoice("ws_1", issued, feb))
	require.NoError(t, err)
	assert.Equal(t, "INV/2526/00003", third.Number)

	cn := sampleInvoice("ws_1", issued, march)
	cn.Kind, cn.Series, cn.OriginalNumber, cn.OriginalIssuedAt, cn.Reason = billing.KindCreditNote, "CN", first.Number, issued, "refund"
	c1, err := s.CreateInvoice(ctx, cn)
	require.NoError(t, err)
	assert.Equal(t, "CN/2526/00001", c1.Number, "series are numbered independently")
	c2, err := s.CreateInvoice(ctx, cn)
	require.NoError(t, err, "credit notes do not close periods")
	assert.Equal(t, "CN/2526/00002", c2.Number)

	april := time.Date(2026, 4, 1, 0, 0, 0, 0, billing.IST) // FY 2026-27 starts
	next, err := s.CreateInvoice(ctx, sampleInvoice("ws_1", april, billing.Period{}))
	require.NoError(t, err)
	assert.Equal(t, "INV/2627/00001", next.Number, "numbering restarts each financial year")

	bad := sampleInvoice("ws_1", issued, billing.Period{})
	bad.FinancialYear = 2020
	_, err = s.CreateInvoice(ctx, bad)
	require.Error(t, err, "financial year must match the issue date")

	got, err := s.Invoice(ctx, "ws_1", first.Number)
	require.NoError(t, err)
	assertSameInvoice(t, first, got)
	_, err = s.Invoice(ctx, "ws_2", first.Number)
	require.ErrorIs(t, err, billing.ErrNotFound, "workspaces are isolated")

	list, err := s.Invoices(ctx, "ws_1")
	require.NoError(t, err)
	var numbers []string
	for _, inv := range list {
		numbers = append(numbers, inv.Number)
	}
	assert.Equal(t, []string{"INV/2526/00001", "INV/2526/00003", "CN/2526/00001", "CN/2526/00002", "INV/2627/00001"}, numbers)
	assertSameInvoice(t, c1, list[2])
}

// assertSameInvoice compares invoices as their JSON (time zones may differ).
func assertSameInvoice(t *testing.T, want, got billing.TaxInvoice) {
	t.Helper()
	norm := func(inv billing.TaxInvoice) string {
		inv.IssuedAt, inv.OriginalIssuedAt = inv.IssuedAt.UTC(), inv.OriginalIssuedAt.UTC()
		inv.Period.Start, inv.Period.End = inv.Period.Start.UTC(), inv.Period.End.UTC()
		b, err := json.Marshal(inv)
		require.NoError(t, err)
		return string(b)
	}
	assert.JSONEq(t, norm(want), norm(got))
}

func testInvoiceConcurrency(t *testing.T, s billing.Store) {
	ctx, cancel := context.WithTimeout(t.Context(), 45*time.Second)
	defer cancel()
	issued := time.Date(2026, 5, 5, 10, 0, 0, 0, time.UTC)
	const n = 1000
	numbers := make([]string, n)
	seqs := make([]int64, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			inv := sampleInvoice(fmt.Sprintf("ws_%d", i%10), issued, billing.Period{})
			out, err := s.CreateInvoice(ctx, inv)
			if assert.NoError(t, err) {
				numbers[i], seqs[i] = out.Number, out.Seq
			}
		})
	}
	wg.Wait()
	sort.Slice(seqs, func(i, j int) bool { return seqs[i] < seqs[j] })
	for i, q := range seqs {
		require.EqualValues(t, i+1, q, "sequence numbers are gap-free and unique")
	}
	seen := map[string]bool{}
	for _, num := range numbers {
		require.LessOrEqual(t, len(num), billing.MaxInvoiceNumberLen)
		require.False(t, seen[num], "duplicate number %s", num)
		seen[num] = true
	}
}

package broadcast_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/whatsapp"
	"github.com/botsync/botsync/whatsapp/broadcast"
	"github.com/botsync/botsync/whatsapp/broadcast/broadcasttest"
	"github.com/botsync/botsync/whatsapp/broadcast/memstore"
)

func recipients(t *testing.T, store broadcast.Store, c *broadcast.Campaign) map[string]broadcast.Recipient {
	t.Helper()
	rs, err := store.Recipients(context.Background(), c.WorkspaceID, c.ID, "", 0, 100000)
	require.NoError(t, err)
	out := map[string]broadcast.Recipient{}
	for _, r := range rs {
		out[r.To] = r
	}
	return out
}

func key(i int) string { return broadcasttest.Key(broadcasttest.Members(i)[i-1].Phone) }

func TestErrorsMapToActions(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		svc, fake, store := newService(t, broadcast.WithMaxAttempts(3))
		fake.FailRecipient(key(1), broadcasttest.APIError(131056))
		fake.FailRecipient(key(2), broadcasttest.APIError(130429))
		fake.FailRecipient(key(3), broadcasttest.APIError(131050))
		fake.FailRecipient(key(4), broadcasttest.APIError(131026))
		fake.FailRecipient(key(5), broadcasttest.APIError(131000), broadcasttest.APIError(131000), broadcasttest.APIError(131000))
		c := broadcasttest.StartCampaign(t, svc, "ws1", 10, 50)
		start := time.Now()
		require.NoError(t, svc.Run(ctx, "ws1", c.ID))

		rs := recipients(t, store, c)
		counts := fake.Counts()
		assert.Equal(t, broadcast.StatusAccepted, rs[key(1)].Status, "131056: retried later")
		assert.Equal(t, 2, rs[key(1)].Attempts)
		assert.Equal(t, broadcast.StatusAccepted, rs[key(2)].Status, "130429: backed off, retried")
		assert.Equal(t, broadcast.StatusFailed, rs[key(3)].Status, "131050: suppressed")
		assert.Equal(t, 131050, rs[key(3)].ErrorCode)
		sup, err := store.Suppressed(ctx, "ws1", []string{key(3)})
		require.NoError(t, err)
		assert.Equal(t, broadcast.SourceError131050, sup[key(3)].Source)
		assert.Equal(t, broadcast.StatusFailed, rs[key(4)].Status, "131026: terminal")
		assert.Equal(t, 131026, rs[key(4)].ErrorCode)
		assert.Equal(t, broadcast.StatusFailed, rs[key(5)].Status)
		assert.Equal(t, broadcast.FailRetriesExhausted, rs[key(5)].FailReason)
		assert.Equal(t, 3, rs[key(5)].Attempts)
		for i := 1; i <= 10; i++ {
			assert.LessOrEqual(t, counts[key(i)], 1)
		}
		assert.Len(t, fake.Sent(), 7)
		assert.GreaterOrEqual(t, time.Since(start), whatsapp.DefaultRetrySoonWait, "throttling held the pool back")

		rep, err := svc.Report(ctx, "ws1", c.ID)
		require.NoError(t, err)
		assert.Equal(t, 7, rep.Sent)
		assert.Equal(t, 3, rep.Failed)
		assert.Equal(t, map[int]int{131050: 1, 131026: 1, 131000: 1}, rep.FailedByCode)
	})
}

func TestAmbiguousSendIsNotResent(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		svc, fake, store := newService(t, broadcast.WithReconcileAfter(time.Minute))
		fake.FailRecipient(key(2), &whatsapp.SendError{Op: "send message", Action: whatsapp.ActionUncertain, Err: context.DeadlineExceeded})
		fake.FailRecipient(key(3), &whatsapp.SendError{Op: "send message", Action: whatsapp.ActionUncertain, Err: context.DeadlineExceeded})
		c := broadcasttest.StartCampaign(t, svc, "ws1", 4, 50)
		require.NoError(t, svc.Run(ctx, "ws1", c.ID))
		rs := recipients(t, store, c)
		assert.Equal(t, broadcast.StatusSending, rs[key(2)].Status, "the outcome is unknown: left for the webhooks")
		assert.Len(t, fake.Sent(), 2)

		// Meta had accepted recipient 2: its status webhook names it by callback data.
		st := whatsapp.Status{ID: "wamid.LATE", Status: "delivered", CallbackData: broadcast.CallbackData(c.ID, rs[key(2)].Seq)}
		st.Timestamp.Time = time.Now()
		obs, err := svc.Observe(ctx, "ws1", []whatsapp.Event{{Messages: &whatsapp.MessagesValue{Statuses: []whatsapp.Status{st}}}})
		require.NoError(t, err)
		assert.Equal(t, 1, obs.Advanced)
		n, err := svc.Reconcile(ctx, "ws1", c.ID)
		require.NoError(t, err)
		assert.Zero(t, n, "too early")
		time.Sleep(2 * time.Minute)
		n, err = svc.Reconcile(ctx, "ws1", c.ID)
		require.NoError(t, err)
		assert.Equal(t, 1, n)
		rs = recipients(t, store, c)
		assert.Equal(t, broadcast.StatusDelivered, rs[key(2)].Status)
		assert.Equal(t, "wamid.LATE", rs[key(2)].MessageID)
		assert.Equal(t, broadcast.StatusFailed, rs[key(3)].Status)
		assert.Equal(t, broadcast.FailOutcomeUnknown, rs[key(3)].FailReason)
		assert.Len(t, fake.Sent(), 2, "never re-sent")

		// a status that comes after the reconciliation still counts
		late := whatsapp.Status{ID: "wamid.LATER", Status: "read", CallbackData: broadcast.CallbackData(c.ID, rs[key(3)].Seq)}
		late.Timestamp.Time = time.Now()
		_, err = svc.Observe(ctx, "ws1", []whatsapp.Event{{Messages: &whatsapp.MessagesValue{Statuses: []whatsapp.Status{late}}}})
		require.NoError(t, err)
		r3 := recipients(t, store, c)[key(3)]
		assert.Equal(t, broadcast.StatusRead, r3.Status)
		assert.Empty(t, r3.FailReason)
		assert.Equal(t, "wamid.LATER", r3.MessageID)
	})
}

func TestStatusesAreMonotonicAndCosted(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		card := whatsapp.RateCard{Currency: "INR", Rates: map[string]map[whatsapp.Category]int64{"*": {whatsapp.CategoryMarketing: 800_000}}}
		svc, fake, store := newService(t, broadcast.WithRateCard(card))
		c := broadcasttest.StartCampaign(t, svc, "ws1", 5, 100)
		require.NoError(t, svc.Run(ctx, "ws1", c.ID))
		// read, then delivered and sent late and twice: never backwards
		ev := fake.Statuses(0, "read", "delivered", "sent")
		_, err := svc.Observe(ctx, "ws1", ev)
		require.NoError(t, err)
		obs, err := svc.Observe(ctx, "ws1", ev)
		require.NoError(t, err)
		assert.Zero(t, obs.Advanced, "duplicates change nothing")
		for _, r := range recipients(t, store, c) {
			assert.Equal(t, broadcast.StatusRead, r.Status)
			assert.False(t, r.DeliveredAt.IsZero())
			assert.True(t, r.Billable)
		}
		// a failure after read does not regress it
		_, err = svc.Observe(ctx, "ws1", fake.Statuses(131026, "failed"))
		require.NoError(t, err)
		rep, err := svc.Report(ctx, "ws1", c.ID)
		require.NoError(t, err)
		assert.Equal(t, 5, rep.Read)
		assert.Equal(t, 5, rep.Delivered)
		assert.Equal(t, 5, rep.Sent)
		assert.Equal(t, broadcast.Money{Currency: "INR", Micros: 5 * 800_000}, rep.Estimate)
		assert.Equal(t, broadcast.Money{Currency: "INR", Micros: 5 * 800_000}, rep.Actual)
	})
}

func TestOptOutsAfterPlanning(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		svc, fake, store := newService(t)
		c := broadcasttest.StartCampaign(t, svc, "ws1", 6, 100)
		stop := whatsapp.InboundMessage{From: key(1), ID: "wamid.in1", Type: "text"}
		stop.Text = &struct {
			Body string `json:"body"`
		}{Body: "  STOP "}
		prefs := &whatsapp.UserPreferencesValue{UserPreferences: []whatsapp.UserPreference{
			{WaID: key(2), Category: "marketing_messages", Value: "stop"},
			{WaID: key(3), Category: "marketing_messages", Value: "stop"},
		}}
		obs, err := svc.Observe(ctx, "ws1", []whatsapp.Event{
			{Messages: &whatsapp.MessagesValue{Messages: []whatsapp.InboundMessage{stop}}},
			{UserPreferences: prefs},
			{UserPreferences: &whatsapp.UserPreferencesValue{UserPreferences: []whatsapp.UserPreference{{WaID: key(3), Category: "marketing_messages", Value: "resume"}}}},
		})
		require.NoError(t, err)
		assert.Equal(t, 3, obs.OptedOut)
		assert.Equal(t, 1, obs.OptedIn)
		require.NoError(t, svc.Run(ctx, "ws1", c.ID))
		rs := recipients(t, store, c)
		for i, want := range []broadcast.RecipientStatus{broadcast.StatusSkipped, broadcast.StatusSkipped, broadcast.StatusAccepted, broadcast.StatusAccepted} {
			assert.Equal(t, want, rs[key(i+1)].Status, "recipient %d", i+1)
		}
		assert.Equal(t, broadcast.SkipOptedOut, rs[key(1)].SkipReason)
		assert.Len(t, fake.Sent(), 4)
	})
}

func TestTierBudget(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		budget := broadcast.NewTierBudget(nil)
		require.NoError(t, budget.SetLimit("106540352242922", 30))
		svc, fake, _ := newService(t, broadcast.WithTierBudget(budget))
		c := broadcasttest.StartCampaign(t, svc, "ws1", 50, 100)
		start := time.Now()
		require.NoError(t, svc.Run(ctx, "ws1", c.ID))
		sent := fake.Sent()
		require.Len(t, sent, 50)
		early := 0
		for _, s := range sent {
			if s.At.Sub(start) < time.Hour {
				early++
			} else {
				assert.GreaterOrEqual(t, s.At.Sub(start), 24*time.Hour, "the rest waits for the rolling window")
			}
		}
		assert.Equal(t, 30, early, "no more unique recipients than the tier allows in 24 h")
		assert.Equal(t, 20, budget.Used("106540352242922"))
		require.Error(t, budget.SetTier(ctx, "ws1", "106540352242922", "TIER_42"))
		require.NoError(t, budget.SetTier(ctx, "ws1", "106540352242922", "TIER_UNLIMITED"))
		ok, _, _ := budget.Admit(ctx, "ws1", "106540352242922", "x")
		assert.True(t, ok)
	})
}

func TestQuietHours(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		svc, fake, _ := newService(t)
		// synctest starts at 2000-01-01 00:00 UTC: 05:30 in Kolkata (quiet
		// until 09:00 = 03:30 UTC), 19:00 the day before in New York.
		spec := campaign("ws1")
		spec.QuietHours = &broadcast.QuietHours{Start: 21 * 60, End: 9 * 60, TimeZone: "Asia/Kolkata"}
		c, err := svc.Create(ctx, spec, "user:1")
		require.NoError(t, err)
		aud := broadcast.List{
			{Phone: "+919800000001", MarketingConsent: true, Fields: map[string]string{"city": "Pune"}},
			{Phone: "+12025550101", MarketingConsent: true, TimeZone: "America/New_York", Fields: map[string]string{"city": "NYC"}},
		}
		_, err = svc.Plan(ctx, "ws1", c.ID, aud, "user:1")
		require.NoError(t, err)
		_, err = svc.Start(ctx, "ws1", c.ID, "user:1")
		require.NoError(t, err)
		start := time.Now()
		require.NoError(t, svc.Run(ctx, "ws1", c.ID))
		at := map[string]time.Duration{}
		for _, s := range fake.Sent() {
			at[s.To] = s.At.Sub(start)
		}
		require.Len(t, at, 2)
		assert.Less(t, at["12025550101"], time.Second, "New York evening: sent at once")
		assert.Equal(t, 3*time.Hour+30*time.Minute, at["919800000001"].Truncate(time.Minute), "Kolkata: after 09:00 local")
	})
}

func TestQuietHoursInferTheNumbersZone(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		svc, fake, store := newService(t)
		// synctest's 00:00 UTC is quiet in the campaign's zone until 09:00
		// UTC, but the +91 number's own zone (05:30 IST) is quiet only
		// until 09:00 IST = 03:30 UTC.
		spec := campaign("ws1")
		spec.QuietHours = &broadcast.QuietHours{Start: 21 * 60, End: 9 * 60, TimeZone: "UTC"}
		c, err := svc.Create(ctx, spec, "user:1")
		require.NoError(t, err)
		_, err = svc.Plan(ctx, "ws1", c.ID, broadcast.List{
			{Phone: "+919800000001", MarketingConsent: true, Fields: map[string]string{"city": "Pune"}},
		}, "user:1")
		require.NoError(t, err)
		r, err := store.Recipient(ctx, "ws1", c.ID, 1)
		require.NoError(t, err)
		loc, err := time.LoadLocation(r.TimeZone)
		require.NoError(t, err, "a zone is inferred from +91")
		_, off := time.Date(2026, 1, 1, 0, 0, 0, 0, loc).Zone()
		assert.Equal(t, 5*3600+1800, off)
		_, err = svc.Start(ctx, "ws1", c.ID, "user:1")
		require.NoError(t, err)
		start := time.Now()
		require.NoError(t, svc.Run(ctx, "ws1", c.ID))
		require.Len(t, fake.Sent(), 1)
		assert.Equal(t, 3*time.Hour+30*time.Minute, fake.Sent()[0].At.Sub(start).Truncate(time.Minute), "09:00 in Kolkata, not in UTC")
	})
}

func TestApplyPhoneNumber(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		budget := broadcast.NewTierBudget(nil)
		limiter, err := whatsapp.NewLimiter()
		require.NoError(t, err)
		svc, _, _ := newService(t, broadcast.WithTierBudget(budget), broadcast.WithPacer(limiter))
		c := broadcasttest.StartCampaign(t, svc, "ws1", 3, 10)
		p := whatsapp.PhoneNumber{ID: c.PhoneNumberID, QualityRating: "RED", MessagingLimitTier: "TIER_250", Throughput: &whatsapp.Throughput{Level: "HIGH"}}
		ids, err := svc.ApplyPhoneNumber(ctx, "ws1", p)
		require.NoError(t, err)
		assert.Equal(t, []string{c.ID}, ids)
		assertPaused(t, svc, c, broadcast.PauseQuality)
		assert.Equal(t, whatsapp.MaxThroughput, limiter.Throughput(c.PhoneNumberID))
		for i := range 250 {
			ok, _, _ := budget.Admit(ctx, "ws1", c.PhoneNumberID, fmt.Sprint(i))
			require.True(t, ok)
		}
		ok, retry, _ := budget.Admit(ctx, "ws1", c.PhoneNumberID, "one more")
		assert.False(t, ok, "TIER_250 applied")
		assert.Equal(t, 24*time.Hour, retry.Sub(time.Now()))

		p.QualityRating = "GREEN"
		ids, err = svc.ApplyPhoneNumber(ctx, "ws1", p)
		require.NoError(t, err)
		assert.Equal(t, []string{c.ID}, ids)
		_, err = svc.ApplyPhoneNumber(ctx, "ws1", whatsapp.PhoneNumber{ID: "+1"})
		require.ErrorIs(t, err, broadcast.ErrInvalid)

		// a phone_number_quality_update moving the limit applies the tier
		spec := *broadcasttest.NewCampaign("ws1", "named")
		spec.DisplayPhoneNumber = "+91 80 4000 0000"
		spec.PhoneNumberID = "222"
		_, err = svc.Create(ctx, spec, "user:1")
		require.NoError(t, err)
		_, err = svc.Observe(ctx, "ws1", []whatsapp.Event{{PhoneNumberQuality: &whatsapp.PhoneNumberQualityUpdate{
			DisplayPhoneNumber: "918040000000", Event: "DOWNGRADE", CurrentLimit: "TIER_50"}}})
		require.NoError(t, err)
		for i := range 50 {
			ok, _, _ := budget.Admit(ctx, "ws1", "222", fmt.Sprint(i))
			require.True(t, ok)
		}
		ok, _, _ = budget.Admit(ctx, "ws1", "222", "x")
		assert.False(t, ok, "TIER_50 applied from the webhook")
	})
}

func TestSetRateWhileRunning(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		svc, fake, _ := newService(t)
		c := broadcasttest.StartCampaign(t, svc, "ws1", 300, 50)
		done := runAsync(svc, c)
		time.Sleep(2 * time.Second)
		_, err := svc.SetRate(ctx, "ws1", c.ID, 100, "user:2")
		require.NoError(t, err)
		require.NoError(t, <-done)
		sent := fake.Sent()
		require.Len(t, sent, 300)
		start := sent[0].At
		var late []time.Time
		for _, s := range sent {
			if s.At.Sub(start) >= 4*time.Second {
				late = append(late, s.At)
			}
		}
		achieved, most := broadcasttest.RateStats(late)
		assert.InEpsilon(t, 100, achieved, 0.05, "the new rate applies")
		assert.LessOrEqual(t, most, 100)
		_, err = svc.SetRate(ctx, "ws1", c.ID, 0, "user:2")
		require.ErrorIs(t, err, broadcast.ErrInvalid)
		_, err = svc.SetRate(ctx, "ws1", c.ID, 10, "user:2")
		require.ErrorIs(t, err, broadcast.ErrState, "completed")

		n := 0
		for r, err := range svc.Recipients(ctx, "ws1", c.ID, broadcast.StatusAccepted) {
			require.NoError(t, err)
			assert.NotEmpty(t, r.MessageID)
			n++
		}
		assert.Equal(t, 300, n)
		for range svc.Recipients(ctx, "ws1", c.ID, broadcast.StatusSkipped) {
			t.Fatal("no skipped recipients")
		}
		cs, err := svc.Campaigns(ctx, "ws1", broadcast.StateCompleted)
		require.NoError(t, err)
		require.Len(t, cs, 1)
	})
}

// flakyBudget fails its first calls, like a shared budget whose database
// is briefly away.
type flakyBudget struct{ fails atomic.Int64 }

func (b *flakyBudget) Admit(context.Context, string, string, string) (bool, time.Time, error) {
	if b.fails.Add(-1) >= 0 {
		return false, time.Time{}, errors.New("budget store unavailable")
	}
	return true, time.Time{}, nil
}

func TestBudgetFailureHoldsThePool(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		b := &flakyBudget{}
		b.fails.Store(3)
		svc, fake, _ := newService(t, broadcast.WithTierBudget(b))
		c := broadcasttest.StartCampaign(t, svc, "ws1", 20, 100)
		start := time.Now()
		require.NoError(t, svc.Run(context.Background(), "ws1", c.ID, broadcast.WithIdleWait(time.Second)))
		assert.Len(t, fake.Counts(), 20)
		for _, k := range fake.Counts() {
			assert.Equal(t, 1, k)
		}
		assert.GreaterOrEqual(t, time.Since(start), time.Second, "the pool waited before retrying")
		_, err := broadcast.New(memstore.New(), fake, broadcast.WithTierBudget((*broadcast.TierBudget)(nil)))
		require.Error(t, err)
	})
}

func TestCustomKeywords(t *testing.T) {
	t.Parallel()
	svc, _, store := newService(t, broadcast.WithKeywords([]string{"Band Karo", "रोकें"}, []string{"shuru"}))
	in := func(from, body string) whatsapp.InboundMessage {
		m := whatsapp.InboundMessage{From: from, ID: "wamid." + from, Type: "text"}
		m.Text = &struct {
			Body string `json:"body"`
		}{Body: body}
		return m
	}
	ctx := context.Background()
	obs, err := svc.Observe(ctx, "ws1", []whatsapp.Event{{Messages: &whatsapp.MessagesValue{Messages: []whatsapp.InboundMessage{
		in("919800000001", "band karo"), in("919800000002", " रोकें "), in("919800000003", "STOP"), in("919800000004", "please stop sending"),
	}}}})
	require.NoError(t, err)
	assert.Equal(t, 2, obs.OptedOut, "only the configured words, whole messages only")
	sup, err := store.Suppressed(ctx, "ws1", []string{"919800000001", "919800000002", "919800000003"})
	require.NoError(t, err)
	assert.Len(t, sup, 2)
	assert.Equal(t, broadcast.SourceStopKeyword, sup["919800000002"].Source)
	_, err = broadcast.New(store, broadcasttest.NewSender(nil), broadcast.WithKeywords(nil, nil))
	require.Error(t, err)
}

package broadcasttest

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/whatsapp/broadcast"
)

// Clock is a real clock that tests can move forward.
type Clock struct{ off atomic.Int64 }

// Now returns the real time plus every Advance so far.
func (c *Clock) Now() time.Time { return time.Now().Add(time.Duration(c.off.Load())) }

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) { c.off.Add(int64(d)) }

// Members returns n consenting audience members with distinct numbers.
func Members(n int) broadcast.List {
	out := make(broadcast.List, n)
	for i := range out {
		out[i] = broadcast.Member{LeadID: fmt.Sprintf("lead-%d", i+1), Phone: fmt.Sprintf("+9198%08d", i+1),
			MarketingConsent: true, Fields: map[string]string{"first_name": fmt.Sprintf("Name%d", i+1)}}
	}
	return out
}

// StartCampaign creates, plans and starts a campaign of n members at rate
// messages per second.
func StartCampaign(t testing.TB, svc *broadcast.Service, ws string, n, rate int) *broadcast.Campaign {
	t.Helper()
	ctx := context.Background()
	c := NewCampaign(ws, "")
	c.Rate = rate
	created, err := svc.Create(ctx, *c, "user:test")
	require.NoError(t, err)
	res, err := svc.Plan(ctx, ws, created.ID, Members(n), "user:test")
	require.NoError(t, err)
	require.Equal(t, n, res.Sendable)
	started, err := svc.Start(ctx, ws, created.ID, "user:test")
	require.NoError(t, err)
	return started
}

// TestCrashSafety kills a worker pool midway — its context is cancelled
// while sends are in flight, and the fake reports every other in-flight
// send as accepted although the pool never saw the answer — then starts a
// new pool, applies the status webhooks and reconciles. Every recipient
// must end sent exactly once, or failed with a reason and never sent: zero
// duplicates, zero losses.
func TestCrashSafety(t *testing.T, newStore func(t *testing.T) broadcast.Store) {
	ctx := context.Background()
	store := newStore(t)
	clock := &Clock{}
	fake := NewSender(clock.Now)
	fake.SetLatency(30*time.Millisecond, nil)
	svc, err := broadcast.New(store, fake, broadcast.WithClock(clock.Now), broadcast.WithReconcileAfter(10*time.Minute))
	require.NoError(t, err)
	const n = 240
	c := StartCampaign(t, svc, "ws-crash", n, 400)

	runCtx, kill := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- svc.Run(runCtx, c.WorkspaceID, c.ID, broadcast.WithWorkers(12), broadcast.WithOwner("pool-1"))
	}()
	select {
	case <-fake.Reached(n / 3):
	case <-time.After(30 * time.Second):
		t.Fatal("the first pool sent nothing")
	}
	kill()
	require.ErrorIs(t, <-done, context.Canceled)

	inFlight, err := store.Recipients(ctx, c.WorkspaceID, c.ID, broadcast.StatusSending, 0, n)
	require.NoError(t, err)
	require.NotEmpty(t, inFlight, "the kill left sends whose answer was lost")
	lostAccepted := 0
	for _, s := range fake.Sent() {
		if s.Lost {
			lostAccepted++
		}
	}
	require.Positive(t, lostAccepted, "some lost sends were accepted by the API")
	require.Less(t, lostAccepted, len(inFlight), "some lost sends never reached the API")

	require.NoError(t, svc.Run(ctx, c.WorkspaceID, c.ID, broadcast.WithWorkers(12), broadcast.WithOwner("pool-2")))
	got, err := svc.Campaign(ctx, c.WorkspaceID, c.ID)
	require.NoError(t, err)
	assert.Equal(t, broadcast.StateCompleted, got.State)

	obs, err := svc.Observe(ctx, c.WorkspaceID, fake.Statuses(0, "sent", "delivered"))
	require.NoError(t, err)
	assert.Equal(t, 2*len(fake.Sent()), obs.Statuses)
	clock.Advance(11 * time.Minute)
	failed, err := svc.Reconcile(ctx, c.WorkspaceID, c.ID)
	require.NoError(t, err)
	assert.Equal(t, len(inFlight)-lostAccepted, failed)

	counts := fake.Counts()
	rs, err := store.Recipients(ctx, c.WorkspaceID, c.ID, "", 0, n+1)
	require.NoError(t, err)
	require.Len(t, rs, n)
	for _, r := range rs {
		switch r.Status {
		case broadcast.StatusDelivered:
			assert.Equal(t, 1, counts[r.To], "seq %d delivered once", r.Seq)
			assert.NotEmpty(t, r.MessageID)
		case broadcast.StatusFailed:
			assert.Equal(t, broadcast.FailOutcomeUnknown, r.FailReason, "seq %d", r.Seq)
			assert.Equal(t, 0, counts[r.To], "seq %d failed and never sent", r.Seq)
		default:
			t.Errorf("seq %d ended %s", r.Seq, r.Status)
		}
	}
	for to, k := range counts {
		assert.Equal(t, 1, k, "contact …%s sent %d times", to[len(to)-2:], k)
	}
	rep, err := svc.Report(ctx, c.WorkspaceID, c.ID)
	require.NoError(t, err)
	assert.Equal(t, len(fake.Sent()), rep.Delivered)
	assert.Equal(t, n, rep.Delivered+rep.Failed)
}

// TestConcurrentPools runs two services (two server instances) on one
// store and one campaign at once: every recipient is sent exactly once.
func TestConcurrentPools(t *testing.T, newStore func(t *testing.T) broadcast.Store) {
	ctx := context.Background()
	store := newStore(t)
	fake := NewSender(nil)
	fake.SetLatency(2*time.Millisecond, nil)
	a, err := broadcast.New(store, fake)
	require.NoError(t, err)
	b, err := broadcast.New(store, fake)
	require.NoError(t, err)
	const n = 300
	c := StartCampaign(t, a, "ws-pools", n, 1000)
	errs := make(chan error, 2)
	for i, svc := range []*broadcast.Service{a, b} {
		go func() {
			errs <- svc.Run(ctx, c.WorkspaceID, c.ID, broadcast.WithWorkers(8), broadcast.WithBatch(20), broadcast.WithOwner(fmt.Sprintf("pool-%d", i)))
		}()
	}
	require.NoError(t, <-errs)
	require.NoError(t, <-errs)
	sent := fake.Sent()
	assert.Len(t, sent, n)
	for to, k := range fake.Counts() {
		assert.Equal(t, 1, k, "contact …%s sent %d times", to[len(to)-2:], k)
	}
	rep, err := a.Report(ctx, c.WorkspaceID, c.ID)
	require.NoError(t, err)
	assert.Equal(t, n, rep.Sent)
	got, err := a.Campaign(ctx, c.WorkspaceID, c.ID)
	require.NoError(t, err)
	assert.Equal(t, broadcast.StateCompleted, got.State)
}

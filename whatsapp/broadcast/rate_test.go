package broadcast_test

import (
	"context"
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

func TestRate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		rate, n int
		latency time.Duration
	}{
		{"1000 per second", 1000, 2000, 0},
		{"1000 per second with 40ms latency", 1000, 1500, 40 * time.Millisecond},
		{"80 per second", 80, 200, 0},
		{"80 per second with 300ms latency", 80, 200, 300 * time.Millisecond},
		{"7 per second", 7, 30, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				fake := broadcasttest.NewSender(nil)
				if tc.latency > 0 {
					fake.SetLatency(tc.latency, nil)
				}
				svc, err := broadcast.New(memstore.New(), fake)
				require.NoError(t, err)
				c := broadcasttest.StartCampaign(t, svc, "ws1", tc.n, tc.rate)
				require.NoError(t, svc.Run(context.Background(), "ws1", c.ID, broadcast.WithWorkers(64)))
				sent := fake.Sent()
				require.Len(t, sent, tc.n)
				times := make([]time.Time, len(sent))
				for i, s := range sent {
					times[i] = s.At
				}
				achieved, most := broadcasttest.RateStats(times)
				assert.InEpsilon(t, float64(tc.rate), achieved, 0.05, "achieved %.1f/s", achieved)
				assert.LessOrEqual(t, most, tc.rate, "no one-second window above the limit")
				got, err := svc.Campaign(context.Background(), "ws1", c.ID)
				require.NoError(t, err)
				assert.Equal(t, broadcast.StateCompleted, got.State)
			})
		})
	}
}

// slowStore is a memstore whose send-intent and acceptance writes take
// 20 ms, like a loaded database; it counts the calls.
type slowStore struct {
	*memstore.Store
	intents, accepts, maxGroup atomic.Int64
}

func (s *slowStore) StartSends(ctx context.Context, ws, cid, owner string, seqs []int64, now time.Time) ([]int64, error) {
	time.Sleep(20 * time.Millisecond)
	s.intents.Add(1)
	if n := int64(len(seqs)); n > s.maxGroup.Load() {
		s.maxGroup.Store(n)
	}
	return s.Store.StartSends(ctx, ws, cid, owner, seqs, now)
}

func (s *slowStore) Accept(ctx context.Context, ws, cid string, acc []broadcast.Accepted, now time.Time) error {
	time.Sleep(20 * time.Millisecond)
	s.accepts.Add(1)
	return s.Store.Accept(ctx, ws, cid, acc, now)
}

// TestGroupCommitKeepsTheRate: with 20 ms per store write, one write per
// message could not reach 1,000/s; intents and acceptances are grouped.
func TestGroupCommitKeepsTheRate(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		store := &slowStore{Store: memstore.New()}
		fake := broadcasttest.NewSender(nil)
		svc, err := broadcast.New(store, fake)
		require.NoError(t, err)
		const n = 1000
		c := broadcasttest.StartCampaign(t, svc, "ws1", n, 1000)
		require.NoError(t, svc.Run(context.Background(), "ws1", c.ID, broadcast.WithWorkers(64)))
		sent := fake.Sent()
		require.Len(t, sent, n)
		times := make([]time.Time, len(sent))
		for i, s := range sent {
			times[i] = s.At
		}
		achieved, most := broadcasttest.RateStats(times)
		assert.InEpsilon(t, 1000, achieved, 0.05, "achieved %.1f/s", achieved)
		assert.LessOrEqual(t, most, 1000)
		assert.Less(t, store.intents.Load(), int64(n/5), "intents grouped")
		assert.Less(t, store.accepts.Load(), int64(n/5), "acceptances grouped")
		assert.Greater(t, store.maxGroup.Load(), int64(5))
		for _, k := range fake.Counts() {
			require.Equal(t, 1, k)
		}
		rep, err := svc.Report(context.Background(), "ws1", c.ID)
		require.NoError(t, err)
		assert.Equal(t, n, rep.Sent, "every acceptance written before Run returned")
	})
}

// TestSharedScheduleAcrossInstances: two services (instances) running one
// campaign through a shared schedule keep to its rate together.
func TestSharedScheduleAcrossInstances(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		store := memstore.New()
		fake := broadcasttest.NewSender(nil)
		shared := whatsapp.NewMemoryLimitBackend(nil)
		a, err := broadcast.New(store, fake, broadcast.WithSharedSchedule(shared))
		require.NoError(t, err)
		b, err := broadcast.New(store, fake, broadcast.WithSharedSchedule(shared))
		require.NoError(t, err)
		c := broadcasttest.StartCampaign(t, a, "ws1", 400, 100)
		done := make(chan error, 1)
		go func() { done <- b.Run(context.Background(), "ws1", c.ID, broadcast.WithBatch(20)) }()
		require.NoError(t, a.Run(context.Background(), "ws1", c.ID, broadcast.WithBatch(20)))
		require.NoError(t, <-done)
		sent := fake.Sent()
		require.Len(t, sent, 400)
		times := make([]time.Time, len(sent))
		for i, s := range sent {
			times[i] = s.At
		}
		achieved, most := broadcasttest.RateStats(times)
		assert.InEpsilon(t, 100, achieved, 0.05, "achieved %.1f/s together", achieved)
		assert.LessOrEqual(t, most, 101, "the shared bucket (burst 1) bounds every window")
		for _, k := range fake.Counts() {
			require.Equal(t, 1, k)
		}
	})
}

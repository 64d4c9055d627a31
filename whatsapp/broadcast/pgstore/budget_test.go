package pgstore_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/internal/pgtest"
	"github.com/botsync/botsync/whatsapp/broadcast"
	"github.com/botsync/botsync/whatsapp/broadcast/broadcasttest"
	"github.com/botsync/botsync/whatsapp/broadcast/pgstore"
)

func TestTierBudget(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.Postgres(t)
	require.NoError(t, pgstore.Migrate(ctx, pool))
	now := broadcasttest.T0.Add(30 * time.Minute) // 10:30
	b := pgstore.NewTierBudget(pool, func() time.Time { return now })

	ok, _, err := b.Admit(ctx, "ws1", "111", "c0")
	require.NoError(t, err)
	assert.True(t, ok, "no limit: unlimited")
	require.Error(t, b.SetTier(ctx, "ws1", "111", "TIER_7"))
	require.NoError(t, b.SetLimit(ctx, "ws1", "111", 3))
	require.NoError(t, b.SetTier(ctx, "ws2", "111", "TIER_UNLIMITED"))

	for _, c := range []string{"c1", "c2", "c1", "c3"} {
		ok, _, err := b.Admit(ctx, "ws1", "111", c)
		require.NoError(t, err)
		assert.True(t, ok, c)
	}
	ok, retry, err := b.Admit(ctx, "ws1", "111", "c4")
	require.NoError(t, err)
	assert.False(t, ok, "three unique contacts used the tier")
	assert.True(t, retry.Equal(broadcasttest.T0.Add(25*time.Hour)), "retry at %v", retry)
	ok, _, err = b.Admit(ctx, "ws1", "111", "c2")
	require.NoError(t, err)
	assert.True(t, ok, "a contact already in the window does not count again")
	ok, _, err = b.Admit(ctx, "ws2", "111", "c4")
	require.NoError(t, err)
	assert.True(t, ok, "workspaces are isolated")
	used, err := b.Used(ctx, "ws1", "111")
	require.NoError(t, err)
	assert.Equal(t, 3, used)

	now = broadcasttest.T0.Add(24*time.Hour + 59*time.Minute)
	ok, _, _ = b.Admit(ctx, "ws1", "111", "c4")
	assert.False(t, ok, "still inside the 25 hourly buckets")
	now = broadcasttest.T0.Add(25 * time.Hour)
	ok, _, err = b.Admit(ctx, "ws1", "111", "c4")
	require.NoError(t, err)
	assert.True(t, ok, "the window moved on")
	n, err := b.Prune(ctx)
	require.NoError(t, err)
	assert.Positive(t, n)
}

// TestTierBudgetAcrossInstances: two services with their own budgets on one
// database never exceed the tier together.
func TestTierBudgetAcrossInstances(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.Postgres(t)
	require.NoError(t, pgstore.Migrate(ctx, pool))
	var admitted atomic.Int64
	var wg sync.WaitGroup
	for inst := range 2 {
		b := pgstore.NewTierBudget(pool, nil)
		if inst == 0 {
			require.NoError(t, b.SetLimit(ctx, "ws1", "222", 25))
		}
		wg.Go(func() {
			for i := range 40 {
				ok, _, err := b.Admit(ctx, "ws1", "222", fmt.Sprintf("i%d-c%d", inst, i))
				if assert.NoError(t, err) && ok {
					admitted.Add(1)
				}
			}
		})
	}
	wg.Wait()
	assert.Equal(t, int64(25), admitted.Load())

	// and it plugs into the service
	store := pgstore.New(pool)
	fake := broadcasttest.NewSender(nil)
	budget := pgstore.NewTierBudget(pool, nil)
	svc, err := broadcast.New(store, fake, broadcast.WithTierBudget(budget))
	require.NoError(t, err)
	c := broadcasttest.StartCampaign(t, svc, "ws9", 8, 1000)
	require.NoError(t, budget.SetLimit(ctx, "ws9", c.PhoneNumberID, 5))
	runCtx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	require.ErrorIs(t, svc.Run(runCtx, "ws9", c.ID, broadcast.WithIdleWait(100*time.Millisecond)), context.DeadlineExceeded, "the rest waits a day")
	assert.Len(t, fake.Sent(), 5)
	n, err := store.Counts(ctx, "ws9", c.ID)
	require.NoError(t, err)
	assert.Equal(t, 3, n.ByStatus[broadcast.StatusPending])
	assert.True(t, n.NextAt.After(time.Now().Add(23*time.Hour)))
}

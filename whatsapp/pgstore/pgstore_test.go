package pgstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/botsync/botsync/internal/pgtest"
	"github.com/botsync/botsync/whatsapp"
	"github.com/botsync/botsync/whatsapp/pgstore"
	"github.com/botsync/botsync/whatsapp/whatsapptest"
)

func TestWindowStore(t *testing.T) {
	t.Parallel()
	whatsapptest.TestWindowStore(t, func(t *testing.T) whatsapp.WindowStore {
		pool := pgtest.Postgres(t)
		require.NoError(t, pgstore.Migrate(t.Context(), pool))
		return pgstore.NewWindowStore(pool, "ws1")
	})
}

func TestWorkspacesAreIsolatedAndPruned(t *testing.T) {
	t.Parallel()
	pool := pgtest.Postgres(t)
	ctx := t.Context()
	require.NoError(t, pgstore.Migrate(ctx, pool))
	require.NoError(t, pgstore.Migrate(ctx, pool), "migrating twice is a no-op")
	a, b := pgstore.NewWindowStore(pool, "ws-a"), pgstore.NewWindowStore(pool, "ws-b")
	t0 := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	require.NoError(t, a.RecordInbound(ctx, "1065", "16505551234", t0))
	_, ok, err := b.LastInbound(ctx, "1065", "16505551234")
	require.NoError(t, err)
	assert.False(t, ok, "another workspace never sees the window")

	tx, err := pool.Begin(ctx)
	require.NoError(t, err)
	require.NoError(t, pgstore.NewWindowStore(tx, "ws-a").RecordInbound(ctx, "1065", "16505550000", t0))
	require.NoError(t, tx.Rollback(ctx))
	_, ok, err = a.LastInbound(ctx, "1065", "16505550000")
	require.NoError(t, err)
	assert.False(t, ok, "a rolled-back transaction records nothing")

	n, err := a.Prune(ctx, t0.Add(24*time.Hour))
	require.NoError(t, err)
	assert.Equal(t, int64(0), n)
	n, err = a.Prune(ctx, t0.Add(24*time.Hour+time.Second))
	require.NoError(t, err)
	assert.Equal(t, int64(1), n)
	assert.Error(t, pgstore.NewWindowStore(pool, "").RecordInbound(ctx, "1", "2", t0))
	assert.Error(t, a.RecordInbound(ctx, "", "2", t0))
}

func TestStatusStore(t *testing.T) {
	t.Parallel()
	whatsapptest.TestStatusStore(t, func(t *testing.T) whatsapp.StatusStore {
		pool := pgtest.Postgres(t)
		require.NoError(t, pgstore.Migrate(t.Context(), pool))
		return pgstore.NewStatusStore(pool, "ws1", nil)
	})
}

func TestStatusStoreWorkspacesAndPrune(t *testing.T) {
	t.Parallel()
	pool := pgtest.Postgres(t)
	ctx := t.Context()
	require.NoError(t, pgstore.Migrate(ctx, pool))
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	a, b := pgstore.NewStatusStore(pool, "ws-a", clock), pgstore.NewStatusStore(pool, "ws-b", clock)
	_, err := a.Track(ctx, "wamid.1", "1065", "16505551234", "")
	require.NoError(t, err)
	_, ok, err := b.Get(ctx, "wamid.1")
	require.NoError(t, err)
	assert.False(t, ok)
	st := whatsapp.Status{ID: "wamid.1", Status: "sent"}
	st.Timestamp.Time = now
	u, err := b.Apply(ctx, st)
	require.NoError(t, err)
	assert.Equal(t, whatsapp.OutcomeBuffered, u.Outcome, "another workspace's message is not found")
	d, _, err := a.Get(ctx, "wamid.1")
	require.NoError(t, err)
	assert.Equal(t, now, d.AcceptedAt)
	assert.Equal(t, whatsapp.StateAccepted, d.State)

	now = now.Add(time.Hour)
	n, err := b.Prune(ctx, now, now)
	require.NoError(t, err)
	assert.Equal(t, int64(1), n, "the buffered status")
	n, err = a.Prune(ctx, now, now)
	require.NoError(t, err)
	assert.Equal(t, int64(1), n, "the delivery")
	_, err = pgstore.NewStatusStore(pool, "", nil).Apply(ctx, st)
	assert.Error(t, err)
	_, err = a.Apply(ctx, whatsapp.Status{Status: "sent"})
	assert.Error(t, err)
}

func TestLimitBackendSharedAcrossInstances(t *testing.T) {
	t.Parallel()
	pool := pgtest.Postgres(t)
	ctx := t.Context()
	require.NoError(t, pgstore.Migrate(ctx, pool))
	one, two := pgstore.NewLimitBackend(pool, "ws1"), pgstore.NewLimitBackend(pool, "ws1")
	every6s := rate.Every(6 * time.Second)
	for range 3 {
		d, err := one.Reserve(ctx, "pair:1065:16505551234", every6s, 3)
		require.NoError(t, err)
		assert.Zero(t, d, "the burst passes at once")
	}
	d, err := two.Reserve(ctx, "pair:1065:16505551234", every6s, 3)
	require.NoError(t, err)
	assert.Greater(t, d, 5*time.Second, "the other instance waits for the shared bucket")
	assert.LessOrEqual(t, d, 6*time.Second)
	d, err = two.Reserve(ctx, "pair:1065:16505551234", every6s, 3)
	require.NoError(t, err)
	assert.Greater(t, d, 11*time.Second)

	other, err := pgstore.NewLimitBackend(pool, "ws2").Reserve(ctx, "pair:1065:16505551234", every6s, 1)
	require.NoError(t, err)
	assert.Zero(t, other, "workspaces have their own buckets")

	_, err = one.Reserve(ctx, "", every6s, 1)
	assert.Error(t, err)
	_, err = one.Reserve(ctx, "k", rate.Inf, 1)
	assert.Error(t, err)
	_, err = pgstore.NewLimitBackend(pool, "").Reserve(ctx, "k", every6s, 1)
	assert.Error(t, err)

	n, err := one.Prune(ctx, time.Hour)
	require.NoError(t, err)
	assert.Zero(t, n)
	n, err = one.Prune(ctx, -time.Minute)
	require.NoError(t, err)
	assert.Equal(t, int64(1), n)
}

func TestLimiterOnPostgres(t *testing.T) {
	t.Parallel()
	pool := pgtest.Postgres(t)
	ctx := t.Context()
	require.NoError(t, pgstore.Migrate(ctx, pool))
	l, err := whatsapp.NewLimiter(whatsapp.WithLimitBackend(pgstore.NewLimitBackend(pool, "ws1")), whatsapp.WithPairPacing(time.Hour, 1))
	require.NoError(t, err)
	require.NoError(t, l.Wait(ctx, "1065", whatsapp.Phone("+16505551234")))
	short, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	assert.ErrorIs(t, l.Wait(short, "1065", whatsapp.Phone("+16505551234")), whatsapp.ErrLimitWait, "an hour away is past the deadline")
}

package pgstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/internal/pgtest"
	"github.com/botsync/botsync/whatsapp/broadcast"
	"github.com/botsync/botsync/whatsapp/broadcast/broadcasttest"
	"github.com/botsync/botsync/whatsapp/broadcast/pgstore"
)

func newStore(t *testing.T) broadcast.Store {
	pool := pgtest.Postgres(t)
	require.NoError(t, pgstore.Migrate(context.Background(), pool))
	return pgstore.New(pool)
}

func TestStore(t *testing.T) {
	t.Parallel()
	broadcasttest.TestStore(t, newStore)
}

func TestCrashSafety(t *testing.T) {
	t.Parallel()
	broadcasttest.TestCrashSafety(t, newStore)
}

func TestConcurrentPools(t *testing.T) {
	t.Parallel()
	broadcasttest.TestConcurrentPools(t, newStore)
}

func TestMigrateIsIdempotent(t *testing.T) {
	t.Parallel()
	pool := pgtest.Postgres(t)
	require.NoError(t, pgstore.Migrate(context.Background(), pool))
	require.NoError(t, pgstore.Migrate(context.Background(), pool))
}

// TestHundredThousandRecipients loads a 100,000-recipient plan with COPY
// and claims and counts over it.
func TestHundredThousandRecipients(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("loads 100,000 rows")
	}
	ctx := context.Background()
	s := newStore(t)
	const n = 100_000
	start := time.Now()
	require.NoError(t, s.AddRecipients(ctx, "ws1", "big", broadcasttest.NewRecipients(n)))
	load := time.Since(start)
	t.Logf("COPY of %d recipients: %v", n, load)
	counts, err := s.Counts(ctx, "ws1", "big")
	require.NoError(t, err)
	assert.Equal(t, n, counts.Planned)
	got, err := s.Claim(ctx, "ws1", "big", "w1", 1000, broadcasttest.T0, broadcasttest.T0.Add(time.Minute))
	require.NoError(t, err)
	require.Len(t, got, 1000)
	assert.Equal(t, int64(1), got[0].Seq)
	assert.Equal(t, int64(1000), got[999].Seq)
	page, err := s.Recipients(ctx, "ws1", "big", "", 99_990, 100)
	require.NoError(t, err)
	assert.Len(t, page, 10)
}

func BenchmarkCampaign10kAt1000(b *testing.B) {
	broadcasttest.BenchmarkCampaign(b, func(b *testing.B) broadcast.Store {
		pool := pgtest.Postgres(b)
		if err := pgstore.Migrate(context.Background(), pool); err != nil {
			b.Fatal(err)
		}
		return pgstore.New(pool)
	}, 10_000, 1000)
}

// BenchmarkPlan100k freezes an audience of 100,000 members into
// PostgreSQL (COPY in batches of 5,000).
func BenchmarkPlan100k(b *testing.B) {
	ctx := context.Background()
	aud := broadcasttest.Members(100_000)
	pool := pgtest.Postgres(b)
	if err := pgstore.Migrate(ctx, pool); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		svc, err := broadcast.New(pgstore.New(pool), broadcasttest.NewSender(nil))
		if err != nil {
			b.Fatal(err)
		}
		c, err := svc.Create(ctx, *broadcasttest.NewCampaign("ws1", ""), "user:bench")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := svc.Plan(ctx, "ws1", c.ID, aud, "user:bench"); err != nil {
			b.Fatal(err)
		}
	}
}

// TestComposesInACallersTransaction: a store over a pgx.Tx writes inside
// it, so a rollback takes the campaign and its plan back.
func TestComposesInACallersTransaction(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.Postgres(t)
	require.NoError(t, pgstore.Migrate(ctx, pool))
	tx, err := pool.Begin(ctx)
	require.NoError(t, err)
	s := pgstore.New(tx)
	require.NoError(t, s.CreateCampaign(ctx, broadcasttest.NewCampaign("ws1", "c1")))
	require.NoError(t, s.AddRecipients(ctx, "ws1", "c1", broadcasttest.NewRecipients(10)))
	_, err = s.UpdateCampaign(ctx, "ws1", "c1", func(c *broadcast.Campaign) error { c.Planned = 10; return nil })
	require.NoError(t, err)
	got, err := s.Campaign(ctx, "ws1", "c1")
	require.NoError(t, err)
	assert.Equal(t, 10, got.Planned)
	require.NoError(t, tx.Rollback(ctx))
	_, err = pgstore.New(pool).Campaign(ctx, "ws1", "c1")
	require.ErrorIs(t, err, broadcast.ErrNotFound)
	n, err := pgstore.New(pool).Counts(ctx, "ws1", "c1")
	require.NoError(t, err)
	assert.Zero(t, n.Planned)
}

package pgstore_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/crm"
	"github.com/botsync/botsync/crm/pgstore"
	"github.com/botsync/botsync/internal/pgtest"
)

// counter counts the statements sent to the server.
type counter struct{ n atomic.Int64 }

func (c *counter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	c.n.Add(1)
	return ctx
}

func (c *counter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// TestRoundTrips pins the statement counts of the hot paths: find-or-create
// and an idempotent message insert are one statement, MatchCalls is two for
// the whole batch.
func TestRoundTrips(t *testing.T) {
	t.Parallel()
	base := pgtest.Postgres(t)
	ctx := t.Context()
	require.NoError(t, pgstore.Migrate(ctx, base))
	cfg := base.Config().Copy()
	cnt := &counter{}
	cfg.ConnConfig.Tracer = cnt
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	svc, err := crm.New(pgstore.New(pool), crm.WithDefaultRegion("IN"))
	require.NoError(t, err)
	require.NoError(t, svc.SetStages(ctx, "ws", []crm.Stage{{Key: "new"}}))

	count := func(f func()) int64 {
		before := cnt.n.Load()
		f()
		return cnt.n.Load() - before
	}
	var lead *crm.Lead
	assert.Equal(t, int64(1), count(func() {
		var created bool
		lead, created, err = svc.FindOrCreate(ctx, "ws", crm.Contact{Identities: []crm.Identity{crm.WAID("919876543210")}})
		require.NoError(t, err)
		require.True(t, created)
	}), "find-or-create of a new lead")
	assert.Equal(t, "new", lead.Stage)
	assert.Equal(t, int64(1), count(func() {
		l, created, err := svc.FindOrCreate(ctx, "ws", crm.Contact{Identities: []crm.Identity{crm.Phone("09876543210"), crm.Email("a@b.co")}})
		require.NoError(t, err)
		require.False(t, created)
		require.Len(t, l.Identities, 3)
	}), "find-or-create of an existing lead, attaching an identity")

	conv, err := svc.OpenConversation(ctx, "ws", lead.ID, "whatsapp", "pn")
	require.NoError(t, err)
	msg := crm.Message{ConversationID: conv.ID, ProviderID: "wamid.1", Direction: crm.Inbound}
	// RecordMessage reads the conversation first, then inserts in one statement.
	assert.Equal(t, int64(2), count(func() {
		_, ins, err := svc.RecordMessage(ctx, "ws", msg)
		require.NoError(t, err)
		require.True(t, ins)
	}))
	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	assert.Equal(t, int64(2), count(func() {
		res, err := svc.MatchCalls(ctx, "ws", []crm.CallRecord{
			{DeviceID: "d", Number: "09876543210", At: at}, {DeviceID: "d", Number: "09876543211", At: at},
		})
		require.NoError(t, err)
		require.Equal(t, 1, res.Recorded)
	}), "MatchCalls: one lookup and one insert")
}

// TestInCallerTransaction shows a Store over a pgx.Tx: the caller's rollback
// discards everything the CRM wrote.
func TestInCallerTransaction(t *testing.T) {
	t.Parallel()
	pool := pgtest.Postgres(t)
	ctx := t.Context()
	require.NoError(t, pgstore.Migrate(ctx, pool))
	tx, err := pool.Begin(ctx)
	require.NoError(t, err)
	svc, err := crm.New(pgstore.New(tx))
	require.NoError(t, err)
	l, _, err := svc.FindOrCreate(ctx, "ws", crm.Contact{Identities: []crm.Identity{crm.Phone("+919876543210")}})
	require.NoError(t, err)
	_, err = svc.Tag(ctx, "ws", l.ID, crm.Actor{}, "vip") // a nested transaction (savepoint)
	require.NoError(t, err)
	require.NoError(t, tx.Rollback(ctx))

	after, err := crm.New(pgstore.New(pool))
	require.NoError(t, err)
	_, err = after.Lead(ctx, "ws", l.ID)
	assert.ErrorIs(t, err, crm.ErrNotFound)
}

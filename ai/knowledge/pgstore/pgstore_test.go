package pgstore_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/ai/knowledge"
	"github.com/botsync/botsync/ai/knowledge/knowledgetest"
	"github.com/botsync/botsync/ai/knowledge/pgstore"
	"github.com/botsync/botsync/internal/pgtest"
)

// freshSchema points the pgvector test session at a new, migrated schema
// for the duration of t. pgtest.PGVector gives one shared session per
// top-level test; subtests switch schemas on it instead of reconnecting.
func freshSchema(t testing.TB, pool *pgxpool.Pool) {
	t.Helper()
	ctx := t.Context()
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "k_" + hex.EncodeToString(b[:])
	_, err := pool.Exec(ctx, "CREATE SCHEMA "+schema)
	require.NoError(t, err)
	_, err = pool.Exec(ctx, "SET search_path TO "+schema+", public")
	require.NoError(t, err)
	t.Cleanup(func() {
		// t.Context is already canceled when cleanups run.
		_, err := pool.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		require.NoError(t, err)
	})
	require.NoError(t, pgstore.Migrate(ctx, pool))
}

// pgOptions are the store options on the PGlite test server, which does
// not implement COPY FROM STDIN (TestStagePaths covers COPY on PostgreSQL).
var pgOptions = []pgstore.Option{pgstore.WithoutCopyFrom()}

func newStore(t testing.TB, pool *pgxpool.Pool, opts ...pgstore.Option) *pgstore.Store {
	t.Helper()
	freshSchema(t, pool)
	s, err := pgstore.New(pool, append(pgOptions, opts...)...)
	require.NoError(t, err)
	return s
}

func TestConformance(t *testing.T) {
	pool := pgtest.PGVector(t)
	knowledgetest.TestStore(t, func(t *testing.T) knowledge.Store { return newStore(t, pool) })
}

// The same suite through the HNSW path: every workspace counts as large.
func TestConformanceIndexed(t *testing.T) {
	pool := pgtest.PGVector(t)
	knowledgetest.TestStore(t, func(t *testing.T) knowledge.Store { return newStore(t, pool, pgstore.WithExactBelow(0)) })
}

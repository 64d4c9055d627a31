package pgstore_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/ai/knowledge"
	"github.com/botsync/botsync/ai/knowledge/knowledgetest"
	"github.com/botsync/botsync/ai/knowledge/pgstore"
	"github.com/botsync/botsync/internal/pgtest"
)

func newStore(t *testing.T, opts ...pgstore.Option) *pgstore.Store {
	t.Helper()
	pool := pgtest.PGVector(t)
	require.NoError(t, pgstore.Migrate(t.Context(), pool))
	s, err := pgstore.New(pool, opts...)
	require.NoError(t, err)
	return s
}

func TestConformance(t *testing.T) {
	knowledgetest.TestStore(t, func(t *testing.T) knowledge.Store { return newStore(t) })
}

// The same suite through the HNSW path: every workspace counts as large.
func TestConformanceIndexed(t *testing.T) {
	knowledgetest.TestStore(t, func(t *testing.T) knowledge.Store { return newStore(t, pgstore.WithExactBelow(0)) })
}

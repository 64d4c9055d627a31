package pgstore_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/internal/pgtest"
	"github.com/botsync/botsync/privacy/pgstore"
	"github.com/botsync/botsync/privacy/privacytest"
)

func TestStoreConformance(t *testing.T) {
	t.Parallel()
	privacytest.TestStore(t, func(t *testing.T) privacytest.Store {
		pool := pgtest.Postgres(t)
		require.NoError(t, pgstore.Migrate(t.Context(), pool))
		return pgstore.New(pool)
	})
}

func TestMigrateIsIdempotent(t *testing.T) {
	t.Parallel()
	pool := pgtest.Postgres(t)
	require.NoError(t, pgstore.Migrate(t.Context(), pool))
	require.NoError(t, pgstore.Migrate(t.Context(), pool))
}

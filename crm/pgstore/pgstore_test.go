package pgstore_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/crm"
	"github.com/botsync/botsync/crm/crmtest"
	"github.com/botsync/botsync/crm/pgstore"
	"github.com/botsync/botsync/internal/pgtest"
)

func newStore(t *testing.T) crm.Store {
	pool := pgtest.Postgres(t)
	require.NoError(t, pgstore.Migrate(t.Context(), pool))
	return pgstore.New(pool)
}

func TestStore(t *testing.T) {
	t.Parallel()
	crmtest.TestStore(t, newStore)
}

package pgstore_test

import (
	"testing"

	"github.com/botsync/botsync/billing"
	"github.com/botsync/botsync/billing/billingtest"
	"github.com/botsync/botsync/billing/pgstore"
	"github.com/botsync/botsync/internal/pgtest"
	"github.com/stretchr/testify/require"
)

func TestStore(t *testing.T) {
	t.Parallel()
	billingtest.TestStore(t, func(t *testing.T) billing.Store {
		pool := pgtest.Postgres(t)
		require.NoError(t, pgstore.Migrate(t.Context(), pool))
		return pgstore.New(pool)
	})
}

package pgintake_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/internal/intake"
	"github.com/botsync/botsync/internal/intake/intaketest"
	"github.com/botsync/botsync/internal/intake/pgintake"
	"github.com/botsync/botsync/internal/pgtest"
)

func TestStore(t *testing.T) {
	intaketest.TestStore(t, func(t *testing.T) intake.Store {
		pool := pgtest.Postgres(t)
		require.NoError(t, pgintake.Migrate(context.Background(), pool))
		return pgintake.New(pool)
	})
}

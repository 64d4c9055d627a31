package pgstore_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/bot"
	"github.com/botsync/botsync/bot/bottest"
	"github.com/botsync/botsync/bot/pgstore"
	"github.com/botsync/botsync/internal/pgtest"
)

func newStore(t *testing.T) bot.Store {
	pool := pgtest.Postgres(t)
	require.NoError(t, pgstore.Migrate(context.Background(), pool))
	return pgstore.New(pool)
}

func TestStore(t *testing.T) {
	bottest.TestStore(t, newStore)
}

package memstore_test

import (
	"testing"

	"github.com/botsync/botsync/bot"
	"github.com/botsync/botsync/bot/bottest"
	"github.com/botsync/botsync/bot/memstore"
)

func TestStore(t *testing.T) {
	t.Parallel()
	bottest.TestStore(t, func(*testing.T) bot.Store { return memstore.New() })
}

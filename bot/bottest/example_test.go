package bottest_test

import (
	"testing"

	"github.com/botsync/botsync/bot"
	"github.com/botsync/botsync/bot/bottest"
	"github.com/botsync/botsync/bot/memstore"
)

// Run the conformance suite against a store implementation.
func ExampleTestStore() {
	// In a _test.go file:
	_ = func(t *testing.T) {
		bottest.TestStore(t, func(*testing.T) bot.Store { return memstore.New() })
	}
}

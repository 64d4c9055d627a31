package broadcasttest_test

import (
	"testing"

	"github.com/botsync/botsync/whatsapp/broadcast"
	"github.com/botsync/botsync/whatsapp/broadcast/broadcasttest"
	"github.com/botsync/botsync/whatsapp/broadcast/memstore"
)

// Run the conformance suite and the end-to-end scenarios against a store.
func ExampleTestStore() {
	newStore := func(*testing.T) broadcast.Store { return memstore.New() }
	_ = func(t *testing.T) {
		broadcasttest.TestStore(t, newStore)
		broadcasttest.TestCrashSafety(t, newStore)
		broadcasttest.TestConcurrentPools(t, newStore)
	}
}

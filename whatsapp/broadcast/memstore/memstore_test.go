package memstore_test

import (
	"testing"

	"github.com/botsync/botsync/whatsapp/broadcast"
	"github.com/botsync/botsync/whatsapp/broadcast/broadcasttest"
	"github.com/botsync/botsync/whatsapp/broadcast/memstore"
)

func TestStore(t *testing.T) {
	t.Parallel()
	broadcasttest.TestStore(t, func(*testing.T) broadcast.Store { return memstore.New() })
}

func TestCrashSafety(t *testing.T) {
	t.Parallel()
	broadcasttest.TestCrashSafety(t, func(*testing.T) broadcast.Store { return memstore.New() })
}

func TestConcurrentPools(t *testing.T) {
	t.Parallel()
	broadcasttest.TestConcurrentPools(t, func(*testing.T) broadcast.Store { return memstore.New() })
}

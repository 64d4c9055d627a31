package memstore_test

import (
	"testing"

	"github.com/botsync/botsync/privacy/memstore"
	"github.com/botsync/botsync/privacy/privacytest"
)

func TestStoreConformance(t *testing.T) {
	t.Parallel()
	privacytest.TestStore(t, func(*testing.T) privacytest.Store { return memstore.New() })
}

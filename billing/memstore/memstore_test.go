package memstore_test

import (
	"testing"

	"github.com/botsync/botsync/billing"
	"github.com/botsync/botsync/billing/billingtest"
	"github.com/botsync/botsync/billing/memstore"
)

func TestStore(t *testing.T) {
	t.Parallel()
	billingtest.TestStore(t, func(*testing.T) billing.Store { return memstore.New() })
}

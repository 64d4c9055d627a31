package memstore_test

import (
	"testing"

	"github.com/botsync/botsync/crm"
	"github.com/botsync/botsync/crm/crmtest"
	"github.com/botsync/botsync/crm/memstore"
)

func TestStore(t *testing.T) {
	t.Parallel()
	crmtest.TestStore(t, func(*testing.T) crm.Store { return memstore.New() })
}

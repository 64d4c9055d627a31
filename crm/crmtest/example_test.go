package crmtest_test

import (
	"testing"

	"github.com/botsync/botsync/crm"
	"github.com/botsync/botsync/crm/crmtest"
	"github.com/botsync/botsync/crm/memstore"
)

// A Store implementation runs the whole suite from its own test.
func ExampleTestStore() {
	_ = func(t *testing.T) {
		crmtest.TestStore(t, func(*testing.T) crm.Store { return memstore.New() })
	}
}

package memstore_test

import (
	"testing"

	"github.com/botsync/botsync/privacy/memstore"
	"github.com/botsync/botsync/privacy/privacytest"
)

func BenchmarkAudit(b *testing.B) {
	privacytest.BenchmarkAudit(b, func(*testing.B) privacytest.Store { return memstore.New() })
}

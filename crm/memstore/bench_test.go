package memstore_test

import (
	"testing"

	"github.com/botsync/botsync/crm"
	"github.com/botsync/botsync/crm/crmtest"
	"github.com/botsync/botsync/crm/memstore"
)

func BenchmarkFindOrCreate(b *testing.B) {
	crmtest.BenchmarkFindOrCreate(b, func(testing.TB) crm.Store { return memstore.New() })
}

func BenchmarkMatchCalls10kOf100k(b *testing.B) {
	crmtest.BenchmarkMatchCalls(b, memstore.New(), 100_000, 10_000)
}

func BenchmarkSegment100k(b *testing.B) {
	crmtest.BenchmarkSegment(b, memstore.New(), 100_000)
}

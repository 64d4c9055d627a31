package pgstore_test

import (
	"context"

	"testing"

	"github.com/botsync/botsync/crm"
	"github.com/botsync/botsync/crm/crmtest"
	"github.com/botsync/botsync/crm/pgstore"
	"github.com/botsync/botsync/internal/pgtest"
)

func newBenchStore(tb testing.TB) crm.Store {
	pool := pgtest.Postgres(tb)
	if err := pgstore.Migrate(tb.(interface{ Context() context.Context }).Context(), pool); err != nil {
		tb.Fatal(err)
	}
	return pgstore.New(pool)
}

func BenchmarkFindOrCreate(b *testing.B) {
	crmtest.BenchmarkFindOrCreate(b, newBenchStore)
}

// BenchmarkMatchCalls10kOf100k seeds 100,000 leads with COPY (through
// ImportLeads) and syncs 10,000 calls per iteration.
func BenchmarkMatchCalls10kOf100k(b *testing.B) {
	crmtest.BenchmarkMatchCalls(b, newBenchStore(b), 100_000, 10_000)
}

func BenchmarkSegment100k(b *testing.B) {
	st := newBenchStore(b)
	crmtest.BenchmarkSegment(b, st, 100_000)
}

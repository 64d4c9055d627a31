package pgstore_test

import (
	"testing"

	"github.com/botsync/botsync/billing/billingtest"
	"github.com/botsync/botsync/billing/pgstore"
	"github.com/botsync/botsync/internal/pgtest"
)

func newBenchStore(b *testing.B) *pgstore.Store {
	pool := pgtest.Postgres(b)
	if err := pgstore.Migrate(b.Context(), pool); err != nil {
		b.Fatal(err)
	}
	return pgstore.New(pool)
}

func BenchmarkWebhookPgstore(b *testing.B) { billingtest.BenchWebhook(b, newBenchStore(b)) }

func BenchmarkUsagePgstore(b *testing.B) { billingtest.BenchUsage(b, newBenchStore(b)) }

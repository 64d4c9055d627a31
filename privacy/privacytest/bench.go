package privacytest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/botsync/botsync/privacy"
)

// BenchmarkAudit measures a store under the audit trail: "Append" is one
// AuditLog.Record (read the head, append the sealed entry), "Verify" walks
// and checks a chain of 5,000 entries and reports the cost per entry
// (ns/entry). newStore must return an empty store each call.
func BenchmarkAudit(b *testing.B, newStore func(b *testing.B) Store) {
	ctx := context.Background()
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return at }
	b.Run("Append", func(b *testing.B) {
		log := privacy.NewAuditLog(newStore(b), clock)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; b.Loop(); i++ {
			if _, err := log.Record(ctx, privacy.AuditEntry{WorkspaceID: "ws", Actor: "user-1", Action: "lead.updated", Target: fmt.Sprintf("lead:%d", i)}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Verify", func(b *testing.B) {
		const n = 5000
		st := newStore(b)
		var prev *privacy.AuditEntry
		for i := range n {
			e := privacy.Seal(prev, privacy.AuditEntry{WorkspaceID: "ws", Actor: "user-1", Action: "lead.updated", Target: fmt.Sprintf("lead:%d", i), At: at})
			if err := st.AppendAudit(ctx, e); err != nil {
				b.Fatal(err)
			}
			prev = &e
		}
		log := privacy.NewAuditLog(st, clock)
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			got, err := log.Verify(ctx, "ws", prev)
			if err != nil || got != n {
				b.Fatalf("verified %d entries, err %v", got, err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/entry")
	})
}

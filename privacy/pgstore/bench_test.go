package pgstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/internal/pgtest"
	"github.com/botsync/botsync/privacy"
	"github.com/botsync/botsync/privacy/pgstore"
	"github.com/botsync/botsync/privacy/privacytest"
)

func BenchmarkAudit(b *testing.B) {
	privacytest.BenchmarkAudit(b, func(b *testing.B) privacytest.Store {
		pool := pgtest.Postgres(b)
		require.NoError(b, pgstore.Migrate(b.Context(), pool))
		return pgstore.New(pool)
	})
}

// timedSink records the longest single Purge statement.
type timedSink struct {
	privacy.Sink
	longest time.Duration
	batches int
}

func (s *timedSink) Purge(ctx context.Context, req privacy.PurgeRequest) (privacy.PurgeResult, error) {
	start := time.Now()
	res, err := s.Sink.Purge(ctx, req)
	s.longest = max(s.longest, time.Since(start))
	s.batches++
	return res, err
}

// BenchmarkSweep1M sweeps 1,000,000 expired webhook payloads (plus 10,000
// recent and 10,000 held rows that must survive) from a PostgreSQL table
// through the Sweeper and a TableSink, in batches of 10,000. It reports
// rows/s and the longest single statement. Run it on its own:
//
//	go test -run '^$' -bench Sweep1M -benchtime 1x ./privacy/pgstore/
func BenchmarkSweep1M(b *testing.B) {
	const expired, batch = 1_000_000, 10_000
	ctx := context.Background()
	pool := pgtest.Postgres(b)
	require.NoError(b, pgstore.Migrate(ctx, pool))
	_, err := pool.Exec(ctx, webhookTable)
	require.NoError(b, err)
	st := pgstore.New(pool)
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	holdDay := time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC)
	holds := privacy.NewHolds(st, nil, func() time.Time { return now })
	_, err = holds.Place(ctx, privacy.Hold{ID: "h", WorkspaceID: "ws-held", Category: privacy.CategoryWebhookPayloads, Reason: "investigation"})
	require.NoError(b, err)
	policy, err := privacy.Compile(privacy.Policy{Rules: []privacy.RetentionRule{{Name: "webhooks-90d", Category: privacy.CategoryWebhookPayloads,
		Trigger: privacy.TriggerCreated, Max: privacy.Retention{Days: 90}, Action: "delete"}}})
	require.NoError(b, err)
	sink, err := pgstore.NewTableSink(pool, pgstore.TableConfig{Category: privacy.CategoryWebhookPayloads, Table: "webhook_payloads", Time: "received_at", Subject: "lead_id"})
	require.NoError(b, err)

	var swept int
	var longest time.Duration
	var batches int
	for b.Loop() {
		b.StopTimer()
		_, err := pool.Exec(ctx, `TRUNCATE webhook_payloads`)
		require.NoError(b, err)
		_, err = pool.Exec(ctx, `
INSERT INTO webhook_payloads (workspace_id, lead_id, received_at, payload)
SELECT CASE WHEN g % 101 = 0 THEN 'ws-held' ELSE 'ws-' || (g % 50) END, 'lead-' || (g % 5000),
       CASE WHEN g <= $1 THEN $2::timestamptz - (g % 86400) * interval '1 second'
            ELSE $3::timestamptz END,
       '{"object":"whatsapp_business_account","entry":[{"id":"1"}]}'
FROM generate_series(1, $1 + 20000) g`, expired, holdDay, now)
		require.NoError(b, err)
		_, err = pool.Exec(ctx, `VACUUM ANALYZE webhook_payloads`)
		require.NoError(b, err)
		ts := &timedSink{Sink: sink}
		sw := &privacy.Sweeper{Policy: policy, Sinks: []privacy.Sink{ts}, Holds: st, Cursors: st, Batch: batch, Now: func() time.Time { return now }}
		b.StartTimer()
		recs, err := sw.Run(ctx, 0)
		b.StopTimer()
		require.NoError(b, err)
		require.Len(b, recs, 1)
		swept += recs[0].Deleted
		longest = max(longest, ts.longest)
		batches += ts.batches
		var left int
		require.NoError(b, pool.QueryRow(ctx, `SELECT count(*) FROM webhook_payloads`).Scan(&left))
		// Rows of ws-held (every 101st) and the 20,000 recent ones survive.
		if recs[0].Deleted+left != expired+20000 || left < 20000 {
			b.Fatalf("deleted %d, left %d", recs[0].Deleted, left)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(swept)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(longest.Microseconds())/1000, "max-stmt-ms")
	b.ReportMetric(float64(batches)/float64(b.N), "batches")
}

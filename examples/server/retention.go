package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/botsync/botsync/privacy"
	privacypg "github.com/botsync/botsync/privacy/pgstore"
)

// retentionPolicy is the server's retention: raw webhook payloads are kept
// one year (the India profile's floor for processing logs), then deleted.
var retentionPolicy = privacy.Policy{Rules: []privacy.RetentionRule{
	{Name: "webhooks-1y", Category: privacy.CategoryWebhookPayloads, Trigger: privacy.TriggerCreated, Max: privacy.Retention{Years: 1}, Action: "delete"},
}}

// retention sweeps expired raw webhook payloads (PostgreSQL mode) at most
// once an hour, honouring legal holds.
type retention struct {
	mu      sync.Mutex
	sweeper *privacy.Sweeper
	last    time.Time
}

func (a *App) newRetention(pool *pgxpool.Pool, st privacyStore) (*retention, error) {
	policy, err := privacy.Compile(retentionPolicy, privacy.IndiaProfile)
	if err != nil {
		return nil, fmt.Errorf("server: retention policy: %w", err)
	}
	sink, err := privacypg.NewTableSink(pool, privacypg.TableConfig{Name: "webhook_payloads", Category: privacy.CategoryWebhookPayloads,
		Table: "intake_jobs", Time: "received_at"})
	if err != nil {
		return nil, err
	}
	holds, ok := st.(privacy.AllHolds)
	if !ok {
		return nil, fmt.Errorf("server: privacy store lists no holds")
	}
	cursors, ok := st.(privacy.CursorStore)
	if !ok {
		return nil, fmt.Errorf("server: privacy store keeps no sweep cursors")
	}
	return &retention{sweeper: &privacy.Sweeper{Policy: policy, Sinks: []privacy.Sink{sink}, Holds: holds, Cursors: cursors, Now: a.now}}, nil
}

// sweep runs the retention when an hour has passed since the last run
// (force: now). It returns how many rows were purged.
func (r *retention) sweep(ctx context.Context, now time.Time, force bool) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !force && now.Sub(r.last) < time.Hour {
		return 0, nil
	}
	r.last = now
	rs, err := r.sweeper.Run(ctx, 100)
	n := 0
	for _, x := range rs {
		n += x.Deleted
	}
	return n, err
}

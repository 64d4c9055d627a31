package pgstore_test

import (
	"context"
	"log"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/botsync/botsync/privacy"
	"github.com/botsync/botsync/privacy/pgstore"
)

func Example() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, "postgres://localhost/botsync")
	if err != nil {
		log.Fatal(err)
	}
	if err := pgstore.Migrate(ctx, pool); err != nil {
		log.Fatal(err)
	}
	st := pgstore.New(pool)
	audit := privacy.NewAuditLog(st, nil)
	holds := privacy.NewHolds(st, audit, nil)

	// The retention sweeper over a table of webhook payloads.
	webhooks, err := pgstore.NewTableSink(pool, pgstore.TableConfig{Category: privacy.CategoryWebhookPayloads,
		Table: "webhook_payloads", Time: "received_at"})
	if err != nil {
		log.Fatal(err)
	}
	policy, err := privacy.Compile(privacy.SeedPolicy, privacy.GDPRProfile)
	if err != nil {
		log.Fatal(err)
	}
	sw := &privacy.Sweeper{Policy: policy, Sinks: []privacy.Sink{webhooks}, Holds: st, Cursors: st}
	receipts, err := sw.Run(ctx, 10)
	if err != nil {
		log.Fatal(err)
	}
	log.Println(receipts, holds)
}

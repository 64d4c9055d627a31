package pgstore_test

import (
	"context"
	"log"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/botsync/botsync/meta"
	"github.com/botsync/botsync/secret"
	"github.com/botsync/botsync/whatsapp"
	"github.com/botsync/botsync/whatsapp/broadcast"
	"github.com/botsync/botsync/whatsapp/broadcast/pgstore"
)

// Connect, migrate, and run a campaign's workers on PostgreSQL: any number
// of server instances may run the same campaign.
func ExampleNew() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, "postgres://localhost/botsync")
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	if err := pgstore.Migrate(ctx, pool); err != nil {
		log.Fatal(err)
	}
	api, err := meta.NewClient(secret.New("EAAG…"))
	if err != nil {
		log.Fatal(err)
	}
	wa, err := whatsapp.NewClient(api)
	if err != nil {
		log.Fatal(err)
	}
	svc, err := broadcast.New(pgstore.New(pool), wa.Messages)
	if err != nil {
		log.Fatal(err)
	}
	if err := svc.Run(ctx, "ws1", "campaign-id"); err != nil {
		log.Fatal(err)
	}
}

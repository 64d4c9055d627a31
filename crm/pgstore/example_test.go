package pgstore_test

import (
	"context"
	"log"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/botsync/botsync/crm"
	"github.com/botsync/botsync/crm/pgstore"
)

// Connect, migrate, and run the CRM on PostgreSQL.
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
	svc, err := crm.New(pgstore.New(pool), crm.WithDefaultRegion("IN"))
	if err != nil {
		log.Fatal(err)
	}
	_, _, err = svc.FindOrCreate(ctx, "ws1", crm.Contact{Identities: []crm.Identity{crm.WAID("919876543210")}})
	if err != nil {
		log.Fatal(err)
	}
}

package pgstore_test

import (
	"context"
	"log"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/botsync/botsync/meta"
	"github.com/botsync/botsync/secret"
	"github.com/botsync/botsync/whatsapp"
	"github.com/botsync/botsync/whatsapp/pgstore"
)

// Share customer-service windows between server instances.
func ExampleNewWindowStore() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, "postgres://localhost/botsync")
	if err != nil {
		log.Fatal(err)
	}
	if err := pgstore.Migrate(ctx, pool); err != nil {
		log.Fatal(err)
	}
	window := whatsapp.NewWindow(pgstore.NewWindowStore(pool, "workspace-42"), nil)
	api, _ := meta.NewClient(secret.New("access-token"))
	wa, _ := whatsapp.NewClient(api, whatsapp.WithWindow(window))
	_ = wa // free-form sends now fail locally with whatsapp.ErrOutsideWindow
}

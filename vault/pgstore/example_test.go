package pgstore_test

import (
	"context"
	"log"
	"os"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/botsync/botsync/secret"
	"github.com/botsync/botsync/vault"
	"github.com/botsync/botsync/vault/pgstore"
)

// Store a token in the same transaction as the row that refers to it.
func Example() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	if err := pgstore.Migrate(ctx, pool); err != nil {
		log.Fatal(err)
	}
	kr, err := vault.NewKeyring([]byte("example-master-secret-32-bytes!!"), vault.WithEnvironment("production"))
	if err != nil {
		log.Fatal(err)
	}

	tx, err := pool.Begin(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after Commit
	v, err := vault.New(kr, pgstore.New(tx))
	if err != nil {
		log.Fatal(err)
	}
	ref := vault.Ref{WorkspaceID: "ws_acme", Kind: "meta_page", RecordID: "page_1", Field: "access_token"}
	if _, err := v.Put(ctx, ref, secret.New("EAAG-page-token")); err != nil {
		log.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		log.Fatal(err)
	}
}

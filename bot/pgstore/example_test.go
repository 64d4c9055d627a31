package pgstore_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/botsync/botsync/bot/pgstore"
)

// Two server instances share one comment claim through PostgreSQL.
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
	a, b := pgstore.New(pool), pgstore.New(pool) // as on two instances
	won, _ := a.Claim(ctx, "ws_1", "comment:42")
	lost, _ := b.Claim(ctx, "ws_1", "comment:42")
	fmt.Println(won, lost) // true false
}

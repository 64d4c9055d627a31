package pgmigrate_test

import (
	"context"
	"embed"
	"log"
	"os"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/botsync/botsync/internal/pgmigrate"
)

//go:embed testdata/migrations/*.sql
var migrations embed.FS

// A package's Migrate function: its own goose files, its own version table.
func Example() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	if err := pgmigrate.Up(ctx, pool, "widgets", migrations, "testdata/migrations"); err != nil {
		log.Fatal(err)
	}
}

package pgstore_test

import (
	"context"
	"log"
	"os"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/botsync/botsync/ai/knowledge"
	"github.com/botsync/botsync/ai/knowledge/knowledgetest"
	"github.com/botsync/botsync/ai/knowledge/pgstore"
)

// Wiring the PostgreSQL store (pgvector ≥ 0.8) into a knowledge base.
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
	store, err := pgstore.New(pool, pgstore.WithEFSearch(100))
	if err != nil {
		log.Fatal(err)
	}
	kb, err := knowledge.New(store, knowledgetest.NewHashEmbedder(1536))
	if err != nil {
		log.Fatal(err)
	}
	if _, err := kb.Ingest(ctx, "ws_1", knowledge.Source{ID: "fees", Format: knowledge.FormatText, Content: "The JEE batch costs ₹1,80,000."}); err != nil {
		log.Fatal(err)
	}
}

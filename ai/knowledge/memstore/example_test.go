package memstore_test

import (
	"context"
	"fmt"
	"log"

	"github.com/botsync/botsync/ai/knowledge"
	"github.com/botsync/botsync/ai/knowledge/knowledgetest"
	"github.com/botsync/botsync/ai/knowledge/memstore"
)

// A memstore-backed knowledge base; each workspace sees only its own chunks.
func Example() {
	ctx := context.Background()
	kb, err := knowledge.New(memstore.New(), knowledgetest.NewHashEmbedder(128))
	if err != nil {
		log.Fatal(err)
	}
	_, err = kb.Ingest(ctx, "ws_a", knowledge.Source{ID: "timings", Format: knowledge.FormatText, Content: "The library opens at 9 AM."})
	if err != nil {
		log.Fatal(err)
	}
	for _, ws := range []string{"ws_a", "ws_b"} {
		res, err := kb.Search(ctx, ws, "When does the library open?", knowledge.SearchOptions{K: 3})
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(ws, len(res.Hits), res.Partial)
	}
	// Output:
	// ws_a 1 true
	// ws_b 0 true
}

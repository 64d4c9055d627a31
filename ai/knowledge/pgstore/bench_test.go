package pgstore_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/botsync/botsync/ai/knowledge"
	"github.com/botsync/botsync/ai/knowledge/knowledgetest"
	"github.com/botsync/botsync/ai/knowledge/pgstore"
	"github.com/botsync/botsync/internal/pgtest"
)

// BenchmarkIngest measures ingestion through knowledge.Base (chunk, embed
// with the 1,536-d deterministic embedder, stage, merge, HNSW insert) into
// pgstore on the pgvector test server, in chunks/s.
func BenchmarkIngest(b *testing.B) {
	pool := pgtest.PGVector(b)
	s := newStore(b, pool, pgstore.WithExactBelow(0))
	kb, err := knowledge.New(s, knowledgetest.NewHashEmbedder(1536))
	if err != nil {
		b.Fatal(err)
	}
	var doc strings.Builder
	for p := range 40 {
		fmt.Fprintf(&doc, "## Part %d\n\nParagraph %d explains fees, batches and admission rules of the academy. It is long enough to be a passage.\n\n", p, p)
	}
	chunks, i := 0, 0
	for b.Loop() {
		st, err := kb.Ingest(b.Context(), "ws", knowledge.Source{ID: fmt.Sprintf("doc-%d", i), Format: knowledge.FormatMarkdown, Content: doc.String()})
		if err != nil {
			b.Fatal(err)
		}
		chunks += st.Chunks
		i++
	}
	b.ReportMetric(float64(chunks)/b.Elapsed().Seconds(), "chunks/s")
}

// BenchmarkSearch measures a hybrid search over 1,000 chunks of 1,536
// dimensions through the HNSW index.
func BenchmarkSearch(b *testing.B) {
	pool := pgtest.PGVector(b)
	s := newStore(b, pool, pgstore.WithExactBelow(0))
	vecs := knowledgetest.ClusteredUnit(3, 1, 1000, 1536, 50)
	load(b, s, "ws", vecs)
	q := knowledge.Query{Vector: vecs[17], Model: "synthetic", Text: "synthetic passage 17", K: 10}
	b.ReportAllocs()
	for b.Loop() {
		res, err := s.Search(b.Context(), "ws", q)
		if err != nil || len(res.Hits) != 10 {
			b.Fatalf("search: %v, %d hits", err, len(res.Hits))
		}
	}
}

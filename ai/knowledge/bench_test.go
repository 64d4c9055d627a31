package knowledge_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/botsync/botsync/ai/knowledge"
	"github.com/botsync/botsync/ai/knowledge/knowledgetest"
	"github.com/botsync/botsync/ai/knowledge/memstore"
)

// benchDoc is a Markdown document of about 60 chunks at the default budget.
func benchDoc() string {
	var b strings.Builder
	for s := range 20 {
		fmt.Fprintf(&b, "# Section %d\n\n", s)
		for p := range 12 {
			fmt.Fprintf(&b, "Paragraph %d of section %d explains the fee, batch and admission rules of the academy in plain words. ", p, s)
			b.WriteString("It repeats enough detail to make a realistic passage for retrieval and chunking.\n\n")
		}
	}
	return b.String()
}

// BenchmarkIngestMemstore measures ingestion (extract, chunk, embed with
// the 1,536-d deterministic embedder, store) into memstore, in chunks/s.
func BenchmarkIngestMemstore(b *testing.B) {
	kb, err := knowledge.New(memstore.New(), knowledgetest.NewHashEmbedder(1536))
	if err != nil {
		b.Fatal(err)
	}
	doc := benchDoc()
	b.ReportAllocs()
	chunks, i := 0, 0
	for b.Loop() {
		st, err := kb.Ingest(b.Context(), "ws", knowledge.Source{ID: fmt.Sprintf("doc-%d", i), Format: knowledge.FormatMarkdown, Content: doc})
		if err != nil {
			b.Fatal(err)
		}
		chunks += st.Chunks
		i++
	}
	b.ReportMetric(float64(chunks)/b.Elapsed().Seconds(), "chunks/s")
}

// BenchmarkChunk measures extraction and chunking alone.
func BenchmarkChunk(b *testing.B) {
	doc := benchDoc()
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		knowledge.ChunkForBench(doc)
	}
}

// BenchmarkSearchAnswer measures Answer end to end over the sample
// knowledge base (memstore, deterministic embedder, extractive model).
func BenchmarkSearchAnswer(b *testing.B) {
	kb, err := knowledge.New(memstore.New(), knowledgetest.NewHashEmbedder(256),
		knowledge.WithModel(knowledgetest.ExtractiveModel{}), knowledge.WithThresholds(academyThresholds))
	if err != nil {
		b.Fatal(err)
	}
	for _, src := range academySources(b) {
		if _, err := kb.Ingest(b.Context(), "academy", src); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := kb.Answer(b.Context(), "academy", "What is the fee for the JEE two-year programme?", nil); err != nil {
			b.Fatal(err)
		}
	}
}

package memstore_test

import (
	"fmt"
	"os"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/ai/knowledge"
	"github.com/botsync/botsync/ai/knowledge/knowledgetest"
	"github.com/botsync/botsync/ai/knowledge/memstore"
)

// fill stores n random normalized vectors of dims dimensions in sources of
// 1,000 chunks.
func fill(tb testing.TB, s *memstore.Store, n, dims int) {
	tb.Helper()
	const per = 1000
	for src := 0; src*per < n; src++ {
		m := min(per, n-src*per)
		vecs := knowledgetest.RandomUnit(uint64(src+1), m, dims)
		rec := knowledge.SourceRecord{ID: fmt.Sprintf("s%d", src), Title: "T", Model: "bench", Dims: dims, Chunks: m, Format: knowledge.FormatText}
		chunks := make([]knowledge.Chunk, m)
		for i := range chunks {
			chunks[i] = knowledge.Chunk{
				ID: fmt.Sprintf("c%d-%d", src, i), SourceID: rec.ID, Position: i, Text: "passage " + strconv.Itoa(src*per+i),
				Title: "T", Model: "bench", Dims: dims, Normalized: true, Vector: vecs[i],
			}
		}
		require.NoError(tb, s.PutSource(tb.Context(), "ws", knowledge.SourceWrite{Source: rec, Upsert: chunks}))
	}
}

// BenchmarkSearch100k is the exact top-10 over 100,000 × 1,536-d vectors
// (about 600 MB; set BOTSYNC_BENCH_ROWS to change the row count).
func BenchmarkSearch100k(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("BOTSYNC_BENCH_ROWS")); err == nil && v > 0 {
		n = v
	}
	s := memstore.New()
	fill(b, s, n, 1536)
	q := knowledgetest.RandomUnit(999, 1, 1536)[0]
	for _, tc := range []struct {
		name string
		text string
	}{{"vector", ""}, {"hybrid", "passage 4242"}} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				res, err := s.Search(b.Context(), "ws", knowledge.Query{Vector: q, Model: "bench", Text: tc.text, K: 10})
				if err != nil || len(res.Hits) != 10 {
					b.Fatalf("search: %v, %d hits", err, len(res.Hits))
				}
			}
		})
	}
}

func BenchmarkDot1536(b *testing.B) {
	v := knowledgetest.RandomUnit(1, 2, 1536)
	s := memstore.New()
	_ = s
	b.SetBytes(1536 * 4)
	var sink float32
	for b.Loop() {
		sink += memstore.Dot(v[0], v[1])
	}
	_ = sink
}

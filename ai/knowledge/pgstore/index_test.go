package pgstore_test

import (
	"cmp"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/ai/knowledge"
	"github.com/botsync/botsync/ai/knowledge/knowledgetest"
	"github.com/botsync/botsync/ai/knowledge/pgstore"
	"github.com/botsync/botsync/internal/pgtest"
)

// load stores vecs in workspace ws as sources of up to 500 chunks.
func load(t testing.TB, s knowledge.Store, ws string, vecs [][]float32) []string {
	t.Helper()
	const per = 500
	ids := make([]string, 0, len(vecs))
	dims := len(vecs[0])
	for src := 0; src*per < len(vecs); src++ {
		part := vecs[src*per : min(len(vecs), (src+1)*per)]
		rec := knowledge.SourceRecord{ID: fmt.Sprintf("s%03d", src), Title: "Synthetic", Format: knowledge.FormatText, Model: "synthetic", Dims: dims, Chunks: len(part)}
		chunks := make([]knowledge.Chunk, len(part))
		for i, v := range part {
			id := fmt.Sprintf("%s-%04d", ws, src*per+i)
			chunks[i] = knowledge.Chunk{ID: id, SourceID: rec.ID, Position: i, Text: fmt.Sprintf("synthetic passage %d", src*per+i),
				Title: rec.Title, Model: rec.Model, Dims: dims, Normalized: true, Vector: v}
			ids = append(ids, id)
		}
		require.NoError(t, s.PutSource(t.Context(), ws, knowledge.SourceWrite{Source: rec, Upsert: chunks}))
	}
	return ids
}

// TestExplainUsesHNSW asserts that the indexed search plan scans the
// model's partial HNSW index, and the exact plan does not.
func TestExplainUsesHNSW(t *testing.T) {
	pool := pgtest.PGVector(t)
	ctx := t.Context()
	indexed := newStore(t, pool, pgstore.WithExactBelow(100))
	vecs := knowledgetest.RandomUnit(42, 300, 64)
	load(t, indexed, "ws", vecs)
	load(t, indexed, "other", knowledgetest.RandomUnit(43, 50, 64))
	q := knowledge.Query{Vector: vecs[7], Model: "synthetic", Text: "synthetic passage", K: 5,
		Filter: knowledge.Filter{Tags: []string{"x"}, SourceIDs: []string{"s000"}}}

	plan, err := indexed.Explain(ctx, "ws", q)
	require.NoError(t, err)
	assert.Regexp(t, `Index Scan using knowledge_chunks_hnsw_m\d+ on knowledge_chunks`, plan)
	assert.Contains(t, plan, "Order By: ((embedding)::vector(64) <#>", "the KNN orders by the indexed expression")

	// The workspace with 50 chunks is under the threshold: exact scan.
	plan, err = indexed.Explain(ctx, "other", q)
	require.NoError(t, err)
	assert.NotContains(t, plan, "hnsw")

	// Filtered HNSW search still returns k rows (iterative scan) and the
	// right ones.
	res, err := indexed.Search(ctx, "ws", knowledge.Query{Vector: vecs[7], Model: "synthetic", K: 5, Filter: knowledge.Filter{SourceIDs: []string{"s000"}}})
	require.NoError(t, err)
	require.Len(t, res.Hits, 5)
	assert.Equal(t, "ws-0007", res.Hits[0].Chunk.ID)

	// Inside a caller's transaction the search's settings do not leak.
	tx, err := pool.Begin(ctx)
	require.NoError(t, err)
	inTx, err := pgstore.New(tx, append(pgOptions, pgstore.WithExactBelow(1))...)
	require.NoError(t, err)
	_, err = inTx.Search(ctx, "ws", knowledge.Query{Vector: vecs[7], Model: "synthetic", K: 3})
	require.NoError(t, err)
	var sortSetting string
	require.NoError(t, tx.QueryRow(ctx, "SHOW enable_sort").Scan(&sortSetting))
	assert.Equal(t, "on", sortSetting)
	require.NoError(t, tx.Rollback(ctx))

	// A workspace of 20 chunks searched through the index shared with 350
	// others: the query's nearest neighbours all belong to "ws", so only the
	// iterative scan finds k rows of "small".
	always, err := pgstore.New(pool, append(pgOptions, pgstore.WithExactBelow(1))...)
	require.NoError(t, err)
	small := load(t, always, "small", knowledgetest.RandomUnit(44, 20, 64))
	res, err = always.Search(ctx, "small", knowledge.Query{Vector: vecs[7], Model: "synthetic", K: 10, EFSearch: 10})
	require.NoError(t, err)
	assert.Len(t, res.Hits, 10)
	assert.False(t, res.Partial)
	for _, h := range res.Hits {
		assert.Contains(t, small, h.Chunk.ID)
	}
}

// TestRecall measures recall@10 of the HNSW path (default ef_search)
// against exact search on synthetic normalized 1,536-d vectors clustered
// around 100 topics (fixed seeds), and the median query latency. 1,000
// vectors by default (about 20 s on the PGlite server, which inserts ~50
// vectors/s into the index); BOTSYNC_LONG=1 runs the 20,000-vector figure
// recorded in BENCHMARKS.md, which takes many minutes there.
func TestRecall(t *testing.T) {
	n, queries := 1000, 30
	if os.Getenv("BOTSYNC_LONG") == "1" {
		n, queries = 20000, 100
	}
	pool := pgtest.PGVector(t)
	ctx := t.Context()
	s := newStore(t, pool, pgstore.WithExactBelow(0))
	vecs := knowledgetest.ClusteredUnit(2026, 1, n, 1536, 100)
	start := time.Now()
	ids := load(t, s, "bench", vecs)
	loadTime := time.Since(start)

	qs := knowledgetest.ClusteredUnit(7, 1, queries, 1536, 100)
	for _, ef := range []int{40, 200} {
		var sum float64
		for _, q := range qs {
			res, err := s.Search(ctx, "bench", knowledge.Query{Vector: q, Model: "synthetic", K: 10, EFSearch: ef})
			require.NoError(t, err)
			sum += recallAt10(q, vecs, ids, res)
		}
		t.Logf("ef_search=%d: recall@10=%.3f", ef, sum/float64(queries))
	}
	var total float64
	lat := make([]time.Duration, 0, queries)
	for _, q := range qs {
		begin := time.Now()
		res, err := s.Search(ctx, "bench", knowledge.Query{Vector: q, Model: "synthetic", K: 10})
		lat = append(lat, time.Since(begin))
		require.NoError(t, err)
		total += recallAt10(q, vecs, ids, res)
	}
	slices.Sort(lat)
	recall := total / float64(queries)
	t.Logf("n=%d dims=1536 queries=%d ef_search=%d: recall@10=%.3f p50=%v p90=%v load=%v (%.0f chunks/s)",
		n, queries, pgstore.DefaultEFSearch, recall, lat[len(lat)/2], lat[len(lat)*9/10], loadTime.Round(time.Millisecond), float64(n)/loadTime.Seconds())
	assert.GreaterOrEqual(t, recall, 0.95)
}

// recallAt10 is the share of the exact top 10 found in res.
func recallAt10(q []float32, vecs [][]float32, ids []string, res knowledge.Results) float64 {
	got := map[string]bool{}
	for _, h := range res.Hits {
		got[h.Chunk.ID] = true
	}
	hit := 0
	for _, i := range exactTop(q, vecs, 10) {
		if got[ids[i]] {
			hit++
		}
	}
	return float64(hit) / 10
}

func exactTop(q []float32, vecs [][]float32, k int) []int {
	idx := make([]int, len(vecs))
	sims := make([]float64, len(vecs))
	for i, v := range vecs {
		idx[i] = i
		for j := range v {
			sims[i] += float64(q[j]) * float64(v[j])
		}
	}
	slices.SortFunc(idx, func(a, b int) int { return cmp.Compare(sims[b], sims[a]) })
	return idx[:k]
}

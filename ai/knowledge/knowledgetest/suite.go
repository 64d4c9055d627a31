package knowledgetest

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/ai/knowledge"
)

// TestStore runs the conformance suite against fresh stores made by
// newStore (called once per subtest; subtests run sequentially).
func TestStore(t *testing.T, newStore func(t *testing.T) knowledge.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s knowledge.Store)
	}{
		{"PutAndRead", testPutAndRead},
		{"Missing", testMissing},
		{"ReplaceKeepsAndDeletes", testReplace},
		{"DeleteSource", testDelete},
		{"SourcesOrdered", testSources},
		{"VectorRanking", testVectorRanking},
		{"TextRanking", testTextRanking},
		{"HindiText", testHindiText},
		{"Fusion", testFusion},
		{"Partial", testPartial},
		{"Filters", testFilters},
		{"WorkspaceIsolation", testIsolation},
		{"ModelSeparation", testModels},
		{"LargeDims", testLargeDims},
		{"InvalidInput", testInvalid},
		{"ForeignChunkID", testForeignChunkID},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, newStore(t))
		})
	}
}

// Fixture helpers.

const model = "test-model"

var epoch = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

type chunkSpec struct {
	text string
	vec  []float32
}

func record(id string, tags []string, lang string, n, dims int) knowledge.SourceRecord {
	return knowledge.SourceRecord{
		ID: id, Title: "Title " + id, URL: "https://example.com/" + id, Language: lang, Tags: tags,
		Format: knowledge.FormatMarkdown, Fingerprint: "fp-" + id, Model: model, Dims: dims, Chunks: n,
		IngestedAt: epoch,
	}
}

func makeChunks(ws string, rec knowledge.SourceRecord, specs []chunkSpec) []knowledge.Chunk {
	out := make([]knowledge.Chunk, len(specs))
	for i, s := range specs {
		c := knowledge.Chunk{
			SourceID: rec.ID, Position: i, Start: i * 100, End: i*100 + len(s.text), Heading: "Section",
			Text: s.text, Title: rec.Title, URL: rec.URL, Language: rec.Language, Tags: rec.Tags,
			Model: rec.Model, Dims: len(s.vec), Normalized: true, Vector: s.vec,
		}
		c.ContentHash = fmt.Sprintf("h%x", []byte(s.text))
		if len(c.ContentHash) > 64 {
			c.ContentHash = c.ContentHash[:64]
		}
		c.ID = knowledge.ChunkID(ws, rec.ID, i, c.ContentHash)
		out[i] = c
	}
	return out
}

// put stores a source with the given chunk texts and vectors.
func put(t *testing.T, s knowledge.Store, ws string, rec knowledge.SourceRecord, specs []chunkSpec) []knowledge.Chunk {
	t.Helper()
	rec.Chunks = len(specs)
	if len(specs) > 0 {
		rec.Dims = len(specs[0].vec)
	}
	chunks := makeChunks(ws, rec, specs)
	require.NoError(t, s.PutSource(t.Context(), ws, knowledge.SourceWrite{Source: rec, Upsert: chunks}))
	return chunks
}

func specs(texts []string, vecs [][]float32) []chunkSpec {
	out := make([]chunkSpec, len(texts))
	for i := range texts {
		out[i] = chunkSpec{texts[i], vecs[i]}
	}
	return out
}

func search(t *testing.T, s knowledge.Store, ws string, q knowledge.Query) knowledge.Results {
	t.Helper()
	if q.Model == "" {
		q.Model = model
	}
	res, err := s.Search(t.Context(), ws, q)
	require.NoError(t, err)
	return res
}

func ids(hits []knowledge.Hit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.Chunk.ID
	}
	return out
}

func vecClose(t *testing.T, want, got []float32, tol float64) {
	t.Helper()
	require.Len(t, got, len(want))
	for i := range want {
		if math.Abs(float64(want[i]-got[i])) > tol {
			t.Fatalf("vector component %d: want %v, got %v", i, want[i], got[i])
		}
	}
}

// Tests.

func testPutAndRead(t *testing.T, s knowledge.Store) {
	ctx := t.Context()
	vecs := RandomUnit(1, 3, 8)
	rec := record("fees", []string{"fees", "jee"}, "en", 3, 8)
	chunks := put(t, s, "ws_a", rec, specs([]string{"alpha fees", "beta batches", "gamma admission"}, vecs))

	got, err := s.Source(ctx, "ws_a", "fees")
	require.NoError(t, err)
	assert.Equal(t, rec.ID, got.ID)
	assert.Equal(t, rec.Title, got.Title)
	assert.Equal(t, rec.URL, got.URL)
	assert.Equal(t, rec.Language, got.Language)
	assert.Equal(t, rec.Tags, got.Tags)
	assert.Equal(t, rec.Format, got.Format)
	assert.Equal(t, rec.Fingerprint, got.Fingerprint)
	assert.Equal(t, model, got.Model)
	assert.Equal(t, 8, got.Dims)
	assert.Equal(t, 3, got.Chunks)
	assert.True(t, rec.IngestedAt.Equal(got.IngestedAt), "ingested at %v, want %v", got.IngestedAt, rec.IngestedAt)

	stored, err := s.Chunks(ctx, "ws_a", "fees")
	require.NoError(t, err)
	require.Len(t, stored, 3)
	for i, c := range stored {
		w := chunks[i]
		assert.Equal(t, w.ID, c.ID)
		assert.Equal(t, w.SourceID, c.SourceID)
		assert.Equal(t, i, c.Position)
		assert.Equal(t, w.Start, c.Start)
		assert.Equal(t, w.End, c.End)
		assert.Equal(t, w.Heading, c.Heading)
		assert.Equal(t, w.Text, c.Text)
		assert.Equal(t, w.ContentHash, c.ContentHash)
		assert.Equal(t, w.Title, c.Title)
		assert.Equal(t, w.URL, c.URL)
		assert.Equal(t, w.Language, c.Language)
		assert.Equal(t, w.Tags, c.Tags)
		assert.Equal(t, model, c.Model)
		assert.Equal(t, 8, c.Dims)
		assert.True(t, c.Normalized)
		vecClose(t, w.Vector, c.Vector, 1e-6)
	}
}

func testMissing(t *testing.T, s knowledge.Store) {
	ctx := t.Context()
	_, err := s.Source(ctx, "ws_a", "nope")
	require.ErrorIs(t, err, knowledge.ErrNotFound)
	chunks, err := s.Chunks(ctx, "ws_a", "nope")
	require.NoError(t, err)
	assert.Empty(t, chunks)
	require.ErrorIs(t, s.DeleteSource(ctx, "ws_a", "nope"), knowledge.ErrNotFound)
	srcs, err := s.Sources(ctx, "ws_a")
	require.NoError(t, err)
	assert.Empty(t, srcs)
	res := search(t, s, "ws_a", knowledge.Query{Vector: RandomUnit(2, 1, 8)[0], Text: "fees", K: 3})
	assert.Empty(t, res.Hits)
	assert.True(t, res.Partial)
}

func testReplace(t *testing.T, s knowledge.Store) {
	ctx := t.Context()
	vecs := RandomUnit(3, 5, 8)
	rec := record("doc", []string{"old"}, "en", 3, 8)
	old := put(t, s, "ws_a", rec, specs([]string{"one", "two", "three"}, vecs[:3]))

	rec2 := rec
	rec2.Tags, rec2.URL, rec2.Fingerprint, rec2.Chunks = []string{"new"}, "https://example.com/v2", "fp-2", 3
	next := makeChunks("ws_a", rec2, specs([]string{"one", "two changed", "four"}, [][]float32{vecs[0], vecs[3], vecs[4]}))
	require.NoError(t, s.PutSource(ctx, "ws_a", knowledge.SourceWrite{
		Source: rec2, Keep: []string{old[0].ID}, Upsert: next[1:],
	}))
	stored, err := s.Chunks(ctx, "ws_a", "doc")
	require.NoError(t, err)
	require.Equal(t, []string{next[0].ID, next[1].ID, next[2].ID}, chunkIDs(stored))
	assert.Equal(t, old[0].ID, stored[0].ID)
	for _, c := range stored {
		assert.Equal(t, []string{"new"}, c.Tags, "metadata follows the source on kept chunks")
		assert.Equal(t, "https://example.com/v2", c.URL)
	}
	assert.Equal(t, "two changed", stored[1].Text)
	vecClose(t, vecs[3], stored[1].Vector, 1e-6)

	got, err := s.Source(ctx, "ws_a", "doc")
	require.NoError(t, err)
	assert.Equal(t, "fp-2", got.Fingerprint)

	// Old chunks are gone from search too.
	res := search(t, s, "ws_a", knowledge.Query{Vector: vecs[2], Text: "three", K: 10})
	assert.NotContains(t, ids(res.Hits), old[2].ID)
	assert.Len(t, res.Hits, 3)

	// Upserting an existing ID replaces it in place.
	again := next[2]
	again.Text = "four revised"
	require.NoError(t, s.PutSource(ctx, "ws_a", knowledge.SourceWrite{
		Source: rec2, Keep: []string{next[0].ID, next[1].ID}, Upsert: []knowledge.Chunk{again},
	}))
	stored, err = s.Chunks(ctx, "ws_a", "doc")
	require.NoError(t, err)
	require.Len(t, stored, 3)
	assert.Equal(t, "four revised", stored[2].Text)
}

func chunkIDs(cs []knowledge.Chunk) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
}

func testDelete(t *testing.T, s knowledge.Store) {
	ctx := t.Context()
	vecs := RandomUnit(4, 4, 8)
	put(t, s, "ws_a", record("a", nil, "", 2, 8), specs([]string{"keep me", "keep too"}, vecs[:2]))
	gone := put(t, s, "ws_a", record("b", nil, "", 2, 8), specs([]string{"delete me", "delete too"}, vecs[2:]))
	require.NoError(t, s.DeleteSource(ctx, "ws_a", "b"))
	_, err := s.Source(ctx, "ws_a", "b")
	require.ErrorIs(t, err, knowledge.ErrNotFound)
	chunks, err := s.Chunks(ctx, "ws_a", "b")
	require.NoError(t, err)
	assert.Empty(t, chunks)
	res := search(t, s, "ws_a", knowledge.Query{Vector: vecs[2], Text: "delete", K: 10})
	assert.Len(t, res.Hits, 2)
	for _, h := range res.Hits {
		assert.NotContains(t, []string{gone[0].ID, gone[1].ID}, h.Chunk.ID)
	}
}

func testSources(t *testing.T, s knowledge.Store) {
	vecs := RandomUnit(5, 3, 8)
	for i, id := range []string{"zeta", "alpha", "mid"} {
		put(t, s, "ws_a", record(id, nil, "", 1, 8), specs([]string{"text " + id}, vecs[i:i+1]))
	}
	put(t, s, "ws_b", record("other", nil, "", 1, 8), specs([]string{"text other"}, vecs[:1]))
	srcs, err := s.Sources(t.Context(), "ws_a")
	require.NoError(t, err)
	var got []string
	for _, r := range srcs {
		got = append(got, r.ID)
	}
	assert.Equal(t, []string{"alpha", "mid", "zeta"}, got)
}

// exactTop returns the indexes of the k vectors most similar to q.
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
	return idx[:min(k, len(idx))]
}

func testVectorRanking(t *testing.T, s knowledge.Store) {
	vecs := RandomUnit(6, 30, 16)
	texts := make([]string, len(vecs))
	for i := range texts {
		texts[i] = fmt.Sprintf("passage number %d", i)
	}
	chunks := put(t, s, "ws_a", record("doc", nil, "", 30, 16), specs(texts, vecs))
	q := RandomUnit(7, 1, 16)[0]
	res := search(t, s, "ws_a", knowledge.Query{Vector: q, K: 5})
	require.Len(t, res.Hits, 5)
	assert.False(t, res.Partial)
	want := exactTop(q, vecs, 5)
	for i, h := range res.Hits {
		assert.Equal(t, chunks[want[i]].ID, h.Chunk.ID, "rank %d", i+1)
		assert.Equal(t, i+1, h.VectorRank)
		assert.Zero(t, h.TextRank)
		var sim float64
		for j := range q {
			sim += float64(q[j]) * float64(vecs[want[i]][j])
		}
		assert.InDelta(t, sim, h.Similarity, 1e-4)
		assert.Empty(t, h.Chunk.Vector, "hits do not carry vectors")
		assert.Equal(t, texts[want[i]], h.Chunk.Text)
	}
	// The query equal to a stored vector finds it first with similarity 1.
	res = search(t, s, "ws_a", knowledge.Query{Vector: vecs[11], K: 1})
	require.Len(t, res.Hits, 1)
	assert.Equal(t, chunks[11].ID, res.Hits[0].Chunk.ID)
	assert.InDelta(t, 1, res.Hits[0].Similarity, 1e-4)
}

func testTextRanking(t *testing.T, s knowledge.Store) {
	vecs := RandomUnit(8, 4, 8)
	chunks := put(t, s, "ws_a", record("doc", nil, "", 4, 8), specs([]string{
		"The zebra crossing is near the main gate.",
		"Library timings are nine to five.",
		"Zebra zebra: the zebra mascot of the institute.",
		"Fees are payable in two instalments.",
	}, vecs))
	// A query vector orthogonal-ish to everything, so text decides.
	res := search(t, s, "ws_a", knowledge.Query{Vector: RandomUnit(9, 1, 8)[0], Text: "Where is the ZEBRA?", K: 4})
	var textHits []knowledge.Hit
	for _, h := range res.Hits {
		if h.TextRank > 0 {
			textHits = append(textHits, h)
		}
	}
	require.Len(t, textHits, 2, "only chunks containing the term match")
	got := []string{textHits[0].Chunk.ID, textHits[1].Chunk.ID}
	assert.ElementsMatch(t, []string{chunks[0].ID, chunks[2].ID}, got)
	for _, h := range textHits {
		assert.Greater(t, h.TextScore, 0.0)
	}
	byRank := map[int]string{}
	for _, h := range textHits {
		byRank[h.TextRank] = h.Chunk.ID
	}
	assert.Equal(t, chunks[2].ID, byRank[1], "the chunk repeating the term ranks first")

	// Stop words alone match nothing.
	res = search(t, s, "ws_a", knowledge.Query{Vector: vecs[1], Text: "what is the", K: 4})
	for _, h := range res.Hits {
		assert.Zero(t, h.TextRank)
	}
}

func testHindiText(t *testing.T, s knowledge.Store) {
	vecs := RandomUnit(10, 3, 8)
	chunks := put(t, s, "ws_a", record("hi", nil, "hi", 3, 8), specs([]string{
		"JEE बैच की फीस ₹1,80,000 है।",
		"प्रवेश परीक्षा रविवार को होगी।",
		"Hinglish: NEET batch ki fees kitni hai? Fees 95000 hai.",
	}, vecs))
	res := search(t, s, "ws_a", knowledge.Query{Vector: RandomUnit(11, 1, 8)[0], Text: "फीस कितनी है", K: 3})
	top := firstText(res.Hits)
	require.NotNil(t, top)
	assert.Equal(t, chunks[0].ID, top.Chunk.ID)

	res = search(t, s, "ws_a", knowledge.Query{Vector: RandomUnit(11, 1, 8)[0], Text: "neet fees kitni", K: 3})
	top = firstText(res.Hits)
	require.NotNil(t, top)
	assert.Equal(t, chunks[2].ID, top.Chunk.ID)
}

func firstText(hits []knowledge.Hit) *knowledge.Hit {
	for i := range hits {
		if hits[i].TextRank == 1 {
			return &hits[i]
		}
	}
	return nil
}

func testFusion(t *testing.T, s knowledge.Store) {
	vecs := RandomUnit(12, 12, 16)
	texts := make([]string, 12)
	for i := range texts {
		texts[i] = fmt.Sprintf("generic passage %d", i)
	}
	texts[5] = "scholarship rules for toppers"
	texts[9] = "scholarship deadline is in May"
	put(t, s, "ws_a", record("doc", nil, "", 12, 16), specs(texts, vecs))
	res := search(t, s, "ws_a", knowledge.Query{Vector: vecs[5], Text: "scholarship", K: 12})
	require.NotEmpty(t, res.Hits)
	assert.Equal(t, "scholarship rules for toppers", res.Hits[0].Chunk.Text, "best in both rankings wins")
	assert.Equal(t, 1, res.Hits[0].VectorRank)
	assert.Positive(t, res.Hits[0].TextRank)
	for i, h := range res.Hits {
		want := 0.0
		if h.VectorRank > 0 {
			want += 1 / float64(knowledge.RRFK+h.VectorRank)
		}
		if h.TextRank > 0 {
			want += 1 / float64(knowledge.RRFK+h.TextRank)
		}
		assert.InDelta(t, want, h.Score, 1e-9, "hit %d", i)
		if i > 0 {
			assert.GreaterOrEqual(t, res.Hits[i-1].Score, h.Score, "sorted by fused score")
		}
	}
}

func testPartial(t *testing.T, s knowledge.Store) {
	vecs := RandomUnit(13, 3, 8)
	put(t, s, "ws_a", record("doc", nil, "", 3, 8), specs([]string{"a one", "b two", "c three"}, vecs))
	res := search(t, s, "ws_a", knowledge.Query{Vector: vecs[0], K: 10})
	assert.Len(t, res.Hits, 3)
	assert.True(t, res.Partial)
	res = search(t, s, "ws_a", knowledge.Query{Vector: vecs[0], K: 2})
	assert.Len(t, res.Hits, 2)
	assert.False(t, res.Partial)
}

func testFilters(t *testing.T, s knowledge.Store) {
	vecs := RandomUnit(14, 6, 8)
	a := put(t, s, "ws_a", record("fees", []string{"fees", "jee"}, "en", 2, 8), specs([]string{"fee one", "fee two"}, vecs[:2]))
	b := put(t, s, "ws_a", record("batches", []string{"batches"}, "hi", 2, 8), specs([]string{"batch one", "batch two"}, vecs[2:4]))
	c := put(t, s, "ws_a", record("faq", nil, "en", 2, 8), specs([]string{"faq one", "faq two"}, vecs[4:]))
	all := func(cs ...[]knowledge.Chunk) []string {
		var out []string
		for _, x := range cs {
			out = append(out, chunkIDs(x)...)
		}
		return out
	}
	cases := []struct {
		name   string
		filter knowledge.Filter
		want   []string
	}{
		{"none", knowledge.Filter{}, all(a, b, c)},
		{"source", knowledge.Filter{SourceIDs: []string{"batches"}}, all(b)},
		{"sources", knowledge.Filter{SourceIDs: []string{"batches", "faq"}}, all(b, c)},
		{"tag", knowledge.Filter{Tags: []string{"jee"}}, all(a)},
		{"any tag", knowledge.Filter{Tags: []string{"batches", "jee"}}, all(a, b)},
		{"language", knowledge.Filter{Languages: []string{"en"}}, all(a, c)},
		{"combined", knowledge.Filter{Tags: []string{"fees", "batches"}, Languages: []string{"hi"}}, all(b)},
		{"no match", knowledge.Filter{Tags: []string{"nothing"}}, nil},
		{"hostile value", knowledge.Filter{SourceIDs: []string{"x' OR '1'='1"}}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := search(t, s, "ws_a", knowledge.Query{Vector: vecs[0], Text: "one two fee batch faq", K: 10, Filter: tc.filter})
			assert.ElementsMatch(t, tc.want, ids(res.Hits))
		})
	}
}

func testIsolation(t *testing.T, s knowledge.Store) {
	ctx := t.Context()
	vecs := RandomUnit(15, 4, 8)
	secret := put(t, s, "ws_a", record("shared-id", []string{"private"}, "en", 2, 8),
		specs([]string{"workspace A secret pricing ultraviolet", "A only ultraviolet"}, vecs[:2]))
	other := put(t, s, "ws_b", record("shared-id", []string{"public"}, "en", 1, 8),
		specs([]string{"workspace B brochure"}, vecs[2:3]))
	aIDs := chunkIDs(secret)

	filters := []knowledge.Filter{
		{},
		{SourceIDs: []string{"shared-id"}},
		{Tags: []string{"private"}},
		{Tags: []string{"private", "public"}, Languages: []string{"en"}},
	}
	for _, f := range filters {
		for _, q := range [][]float32{vecs[0], vecs[1], vecs[3]} {
			res := search(t, s, "ws_b", knowledge.Query{Vector: q, Text: "ultraviolet secret pricing", K: 10, Filter: f})
			for _, h := range res.Hits {
				assert.NotContains(t, aIDs, h.Chunk.ID, "filter %+v", f)
				assert.Equal(t, other[0].ID, h.Chunk.ID)
			}
		}
	}
	// Reads and deletes are scoped too.
	chunks, err := s.Chunks(ctx, "ws_b", "shared-id")
	require.NoError(t, err)
	assert.Equal(t, chunkIDs(other), chunkIDs(chunks))
	require.ErrorIs(t, s.DeleteSource(ctx, "ws_c", "shared-id"), knowledge.ErrNotFound)
	require.NoError(t, s.DeleteSource(ctx, "ws_b", "shared-id"))
	kept, err := s.Chunks(ctx, "ws_a", "shared-id")
	require.NoError(t, err)
	assert.Equal(t, aIDs, chunkIDs(kept), "deleting B's source leaves A's")
	_, err = s.Source(ctx, "ws_a", "shared-id")
	require.NoError(t, err)
}

func testModels(t *testing.T, s knowledge.Store) {
	ctx := t.Context()
	v8 := RandomUnit(16, 2, 8)
	v12 := RandomUnit(17, 2, 12)
	recA := record("a", nil, "", 2, 8)
	put(t, s, "ws_a", recA, specs([]string{"model one text", "model one more"}, v8))
	recB := record("b", nil, "", 2, 8)
	recB.Model = "other-model"
	b := put(t, s, "ws_a", recB, specs([]string{"model two text", "model two more"}, RandomUnit(18, 2, 8)))
	recC := record("c", nil, "", 2, 12)
	recC.Model = "wide-model"
	c := put(t, s, "ws_a", recC, specs([]string{"wide text", "wide more"}, v12))

	res := search(t, s, "ws_a", knowledge.Query{Vector: v8[0], Model: "other-model", Text: "model text", K: 10})
	assert.ElementsMatch(t, chunkIDs(b), ids(res.Hits), "only chunks of the query's model")
	res = search(t, s, "ws_a", knowledge.Query{Vector: v12[1], Model: "wide-model", Text: "model text wide", K: 10})
	assert.ElementsMatch(t, chunkIDs(c), ids(res.Hits))
	res = search(t, s, "ws_a", knowledge.Query{Vector: v8[0], Model: "absent-model", Text: "model", K: 10})
	assert.Empty(t, res.Hits)

	// Re-embedding source a under another model moves all its chunks.
	chunks, err := s.Chunks(ctx, "ws_a", "a")
	require.NoError(t, err)
	nv := RandomUnit(19, 2, 12)
	for i := range chunks {
		chunks[i].Model, chunks[i].Dims, chunks[i].Vector = "wide-model", 12, nv[i]
	}
	recA.Model, recA.Dims = "wide-model", 12
	require.NoError(t, s.PutSource(ctx, "ws_a", knowledge.SourceWrite{Source: recA, Upsert: chunks}))
	res = search(t, s, "ws_a", knowledge.Query{Vector: nv[0], Model: "wide-model", K: 10})
	assert.Len(t, res.Hits, 4)
	assert.Equal(t, chunks[0].ID, res.Hits[0].Chunk.ID)
	res = search(t, s, "ws_a", knowledge.Query{Vector: v8[0], Model: model, K: 10})
	assert.Empty(t, res.Hits)
}

func testLargeDims(t *testing.T, s knowledge.Store) {
	// Above 2,000 dimensions pgvector indexes only halfvec.
	vecs := RandomUnit(20, 3, 2048)
	chunks := put(t, s, "ws_a", record("wide", nil, "", 3, 2048), specs([]string{"x one", "y two", "z three"}, vecs))
	res := search(t, s, "ws_a", knowledge.Query{Vector: vecs[1], K: 3})
	require.Len(t, res.Hits, 3)
	assert.Equal(t, chunks[1].ID, res.Hits[0].Chunk.ID)
	assert.InDelta(t, 1, res.Hits[0].Similarity, 1e-2)
	stored, err := s.Chunks(t.Context(), "ws_a", "wide")
	require.NoError(t, err)
	require.Len(t, stored, 3)
	vecClose(t, vecs[2], stored[2].Vector, 1e-3)
}

func testInvalid(t *testing.T, s knowledge.Store) {
	ctx := t.Context()
	vec := RandomUnit(21, 1, 8)[0]
	_, err := s.Search(ctx, "", knowledge.Query{Vector: vec, Model: model, K: 1})
	require.ErrorIs(t, err, knowledge.ErrInvalid)
	_, err = s.Search(ctx, "ws_a", knowledge.Query{Vector: vec, Model: model, K: 0})
	require.ErrorIs(t, err, knowledge.ErrInvalid)
	_, err = s.Search(ctx, "ws_a", knowledge.Query{Model: model, K: 1})
	require.ErrorIs(t, err, knowledge.ErrInvalid)
	_, err = s.Source(ctx, "", "x")
	require.ErrorIs(t, err, knowledge.ErrInvalid)

	rec := record("bad", nil, "", 1, 8)
	good := makeChunks("ws_a", rec, specs([]string{"text"}, [][]float32{vec}))
	cases := map[string]func(c *knowledge.Chunk){
		"empty id":        func(c *knowledge.Chunk) { c.ID = "" },
		"other source":    func(c *knowledge.Chunk) { c.SourceID = "else" },
		"dims mismatch":   func(c *knowledge.Chunk) { c.Dims = 9 },
		"no vector":       func(c *knowledge.Chunk) { c.Vector = nil },
		"model mismatch":  func(c *knowledge.Chunk) { c.Model = "x" },
		"not normalized":  func(c *knowledge.Chunk) { c.Vector = []float32{1, 1, 1, 1, 1, 1, 1, 1} },
		"negative offset": func(c *knowledge.Chunk) { c.Start = -1 },
	}
	for name, mutate := range cases {
		c := good[0]
		c.Vector = slices.Clone(c.Vector)
		mutate(&c)
		err := s.PutSource(ctx, "ws_a", knowledge.SourceWrite{Source: rec, Upsert: []knowledge.Chunk{c}})
		require.ErrorIs(t, err, knowledge.ErrInvalid, name)
	}
	_, err = s.Source(ctx, "ws_a", "bad")
	require.ErrorIs(t, err, knowledge.ErrNotFound, "a rejected write stores nothing")
}

func testForeignChunkID(t *testing.T, s knowledge.Store) {
	ctx := t.Context()
	vecs := RandomUnit(22, 2, 8)
	a := put(t, s, "ws_a", record("a", nil, "", 1, 8), specs([]string{"from a"}, vecs[:1]))
	recB := record("b", []string{"tag"}, "", 1, 8)
	stolen := makeChunks("ws_a", recB, specs([]string{"from b"}, vecs[1:]))[0]
	stolen.ID = a[0].ID
	err := s.PutSource(ctx, "ws_a", knowledge.SourceWrite{Source: recB, Upsert: []knowledge.Chunk{stolen}})
	require.ErrorIs(t, err, knowledge.ErrInvalid, "a chunk ID belongs to one source")
	_, err = s.Source(ctx, "ws_a", "b")
	require.ErrorIs(t, err, knowledge.ErrNotFound, "the failed write left nothing behind")
	chunks, err := s.Chunks(ctx, "ws_a", "a")
	require.NoError(t, err)
	require.Len(t, chunks, 1)
	assert.Equal(t, "from a", chunks[0].Text)
}

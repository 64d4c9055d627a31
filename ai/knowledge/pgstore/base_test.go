package pgstore_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/ai/knowledge"
	"github.com/botsync/botsync/ai/knowledge/knowledgetest"
	"github.com/botsync/botsync/internal/pgtest"
)

// The whole knowledge flow on pgvector: idempotent ingestion, a changed
// source, Hindi full text, an answer with a citation, deletion.
func TestBaseOnPGVector(t *testing.T) {
	pool := pgtest.PGVector(t)
	ctx := t.Context()
	store := newStore(t, pool)
	emb := knowledgetest.NewHashEmbedder(256)
	kb, err := knowledge.New(store, emb, knowledge.WithModel(knowledgetest.ExtractiveModel{}),
		knowledge.WithThresholds(knowledge.Thresholds{MinSimilarity: 0.2, MinContextSimilarity: 0.1, MinCoverage: 0.67}),
		knowledge.WithChunking(knowledge.ChunkOptions{MaxTokens: 40}))
	require.NoError(t, err)

	fees := knowledge.Source{ID: "fees", Title: "Fee structure", URL: "https://academy.example/fees", Language: "en", Tags: []string{"fees"},
		Format: knowledge.FormatMarkdown, Content: "# Fees\n\nThe JEE two-year programme costs ₹1,80,000.\n\n## Refunds\n\nFees are refunded in full within 15 days of joining."}
	hindi := knowledge.Source{ID: "hindi", Title: "फीस", Language: "hi", Format: knowledge.FormatFAQ,
		FAQ: []knowledge.FAQ{{Question: "क्या फीस किस्तों में दे सकते हैं?", Answer: "हाँ, फीस चार किस्तों में दी जा सकती है।"}}}
	for _, src := range []knowledge.Source{fees, hindi} {
		st, err := kb.Ingest(ctx, "academy", src)
		require.NoError(t, err)
		assert.Equal(t, st.Chunks, st.Embedded)
	}
	_, texts := emb.Calls()

	st, err := kb.Ingest(ctx, "academy", fees)
	require.NoError(t, err)
	assert.True(t, st.Unchanged)
	fees.Content += "\n\n## Scholarships\n\nToppers of the BFAT test get a 50% waiver."
	st, err = kb.Ingest(ctx, "academy", fees)
	require.NoError(t, err)
	assert.Equal(t, 1, st.Embedded, "only the new section is embedded")
	_, texts2 := emb.Calls()
	assert.Equal(t, texts+1, texts2)

	ans, err := kb.Answer(ctx, "academy", "How much does the JEE two-year programme cost?", nil)
	require.NoError(t, err)
	require.Equal(t, knowledge.Answered, ans.Decision)
	require.NotEmpty(t, ans.Citations)
	assert.Equal(t, "fees", ans.Citations[0].SourceID)
	assert.Equal(t, "https://academy.example/fees", ans.Citations[0].URL)
	assert.Contains(t, ans.Text, "₹1,80,000")

	res, err := kb.Search(ctx, "academy", "फीस किस्तों", knowledge.SearchOptions{Filter: knowledge.Filter{Languages: []string{"hi"}}})
	require.NoError(t, err)
	require.NotEmpty(t, res.Hits)
	assert.Equal(t, "hindi", res.Hits[0].Chunk.SourceID)
	assert.Equal(t, 1, res.Hits[0].TextRank)

	ans, err = kb.Answer(ctx, "other-workspace", "How much does the JEE two-year programme cost?", nil)
	require.NoError(t, err)
	assert.Equal(t, knowledge.NoKnowledge, ans.Decision)

	require.NoError(t, kb.Delete(ctx, "academy", "fees"))
	ans, err = kb.Answer(ctx, "academy", "How much does the JEE two-year programme cost?", nil)
	require.NoError(t, err)
	assert.NotEqual(t, knowledge.Answered, ans.Decision)
}

package knowledge_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/ai/knowledge"
	"github.com/botsync/botsync/ai/knowledge/knowledgetest"
	"github.com/botsync/botsync/ai/knowledge/memstore"
)

func newBase(t *testing.T, opts ...knowledge.Option) (*knowledge.Base, *knowledgetest.HashEmbedder, *memstore.Store) {
	t.Helper()
	emb := knowledgetest.NewHashEmbedder(64)
	store := memstore.New()
	clock := func() time.Time { return time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC) }
	kb, err := knowledge.New(store, emb, append([]knowledge.Option{knowledge.WithClock(clock)}, opts...)...)
	require.NoError(t, err)
	return kb, emb, store
}

func guide(paragraphs int) string {
	var b strings.Builder
	b.WriteString("# Admission guide\n\n")
	for i := range paragraphs {
		fmt.Fprintf(&b, "Paragraph %d describes step %d of the admission process in detail, with documents and dates.\n\n", i, i)
	}
	return b.String()
}

func TestIngestIdempotent(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	kb, emb, store := newBase(t, knowledge.WithChunking(knowledge.ChunkOptions{MaxTokens: 40}), knowledge.WithEmbedBatch(3))
	src := knowledge.Source{ID: "guide", Title: "Admission guide", URL: "https://example.com/guide", Language: "en",
		Tags: []string{"admission"}, Format: knowledge.FormatMarkdown, Content: guide(8)}

	st, err := kb.Ingest(ctx, "ws", src)
	require.NoError(t, err)
	require.Greater(t, st.Chunks, 3)
	assert.Equal(t, st.Chunks, st.Embedded)
	calls, texts := emb.Calls()
	assert.Equal(t, st.Chunks, texts)
	assert.Equal(t, (st.Chunks+2)/3, calls, "batches of 3")

	rec, err := store.Source(ctx, "ws", "guide")
	require.NoError(t, err)
	assert.Equal(t, "hash-embed-v1", rec.Model)
	assert.Equal(t, 64, rec.Dims)
	assert.Equal(t, st.Chunks, rec.Chunks)
	assert.Equal(t, time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC), rec.IngestedAt)

	// Unchanged: nothing embedded, nothing written.
	st2, err := kb.Ingest(ctx, "ws", src)
	require.NoError(t, err)
	assert.True(t, st2.Unchanged)
	_, texts2 := emb.Calls()
	assert.Equal(t, texts, texts2)

	// Append a paragraph: only the changed tail is embedded.
	before, err := store.Chunks(ctx, "ws", "guide")
	require.NoError(t, err)
	src.Content = guide(9)
	st3, err := kb.Ingest(ctx, "ws", src)
	require.NoError(t, err)
	assert.False(t, st3.Unchanged)
	assert.Less(t, st3.Embedded, st3.Chunks, "unchanged chunks are not re-embedded")
	assert.Positive(t, st3.Kept)
	after, err := store.Chunks(ctx, "ws", "guide")
	require.NoError(t, err)
	assert.Equal(t, st3.Chunks, len(after))
	for i := range before[:len(before)-1] {
		assert.Equal(t, before[i].ID, after[i].ID, "chunk %d keeps its identity", i)
	}

	// Metadata only: tags change, content and vectors stay.
	_, texts3 := emb.Calls()
	src.Tags = []string{"admission", "2026"}
	st4, err := kb.Ingest(ctx, "ws", src)
	require.NoError(t, err)
	assert.Zero(t, st4.Embedded)
	_, texts4 := emb.Calls()
	assert.Equal(t, texts3, texts4)
	after, err = store.Chunks(ctx, "ws", "guide")
	require.NoError(t, err)
	for _, c := range after {
		assert.Equal(t, []string{"admission", "2026"}, c.Tags)
	}

	// Delete removes everything.
	require.NoError(t, kb.Delete(ctx, "ws", "guide"))
	chunks, err := store.Chunks(ctx, "ws", "guide")
	require.NoError(t, err)
	assert.Empty(t, chunks)
	require.ErrorIs(t, kb.Delete(ctx, "ws", "guide"), knowledge.ErrNotFound)
}

func TestIngestShiftReusesVectors(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	kb, emb, _ := newBase(t, knowledge.WithChunking(knowledge.ChunkOptions{MaxTokens: 40, Overlap: -1}))
	src := knowledge.Source{ID: "faq", Format: knowledge.FormatFAQ, FAQ: []knowledge.FAQ{
		{"What are the fees?", "Two lakh."}, {"When do batches start?", "April."}, {"Is there a hostel?", "No."},
	}}
	_, err := kb.Ingest(ctx, "ws", src)
	require.NoError(t, err)
	_, before := emb.Calls()
	// Insert a pair at the front: every position shifts, so every chunk ID
	// changes, but only the new pair's text is embedded.
	src.FAQ = append([]knowledge.FAQ{{"Do you offer scholarships?", "Yes, up to 50%."}}, src.FAQ...)
	st, err := kb.Ingest(ctx, "ws", src)
	require.NoError(t, err)
	assert.Equal(t, 1, st.Embedded)
	assert.Equal(t, 3, st.Reused)
	assert.Equal(t, 3, st.Deleted)
	_, after := emb.Calls()
	assert.Equal(t, before+1, after)
}

func TestModelChangeReembeds(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	kb, emb, store := newBase(t)
	for _, id := range []string{"a", "b"} {
		_, err := kb.Ingest(ctx, "ws", knowledge.Source{ID: id, Format: knowledge.FormatText, Content: "Fees for batch " + id + " are listed here."})
		require.NoError(t, err)
	}
	emb.SetModel("hash-embed-v2")

	// Searching with the new model sees nothing of the old one.
	res, err := kb.Search(ctx, "ws", "fees batch", knowledge.SearchOptions{})
	require.NoError(t, err)
	assert.Empty(t, res.Hits)

	// Re-ingesting one source moves it; the other stays on the old model.
	st, err := kb.Ingest(ctx, "ws", knowledge.Source{ID: "a", Format: knowledge.FormatText, Content: "Fees for batch a are listed here."})
	require.NoError(t, err)
	assert.False(t, st.Unchanged)
	assert.Equal(t, 1, st.Embedded)
	res, err = kb.Search(ctx, "ws", "fees batch", knowledge.SearchOptions{})
	require.NoError(t, err)
	require.Len(t, res.Hits, 1)
	assert.Equal(t, "a", res.Hits[0].Chunk.SourceID)
	assert.Equal(t, "hash-embed-v2", res.Hits[0].Chunk.Model)

	// Reembed moves the rest from stored chunk text.
	st, err = kb.Reembed(ctx, "ws")
	require.NoError(t, err)
	assert.Equal(t, 1, st.Embedded)
	rec, err := store.Source(ctx, "ws", "b")
	require.NoError(t, err)
	assert.Equal(t, "hash-embed-v2", rec.Model)
	res, err = kb.Search(ctx, "ws", "fees batch", knowledge.SearchOptions{})
	require.NoError(t, err)
	assert.Len(t, res.Hits, 2)
}

// badEmbedder returns scripted garbage.
type badEmbedder struct {
	vecs  [][]float32
	model string
}

func (b badEmbedder) Embed(context.Context, string, []string) ([][]float32, string, error) {
	return b.vecs, b.model, nil
}
func (b badEmbedder) EmbeddingModel() (string, int) { return "m", 0 }

func TestIngestRejectsBadEmbeddings(t *testing.T) {
	t.Parallel()
	src := knowledge.Source{ID: "s", Format: knowledge.FormatText, Content: "one paragraph"}
	nan := float32(0)
	nan = nan / nan
	cases := map[string]badEmbedder{
		"count":     {vecs: nil, model: "m"},
		"zero":      {vecs: [][]float32{{0, 0}}, model: "m"},
		"nan":       {vecs: [][]float32{{nan, 1}}, model: "m"},
		"no model":  {vecs: [][]float32{{1, 0}}, model: ""},
		"too large": {vecs: [][]float32{make([]float32, knowledge.MaxDims+1)}, model: "m"},
	}
	cases["too large"].vecs[0][0] = 1
	for name, emb := range cases {
		kb, err := knowledge.New(memstore.New(), emb)
		require.NoError(t, err)
		_, err = kb.Ingest(t.Context(), "ws", src)
		require.ErrorIs(t, err, knowledge.ErrEmbedding, name)
	}
}

func TestIngestValidation(t *testing.T) {
	t.Parallel()
	kb, emb, _ := newBase(t, knowledge.WithMaxSourceBytes(100))
	cases := []struct {
		name  string
		ws    string
		src   knowledge.Source
		field string
		is    error
	}{
		{"workspace", "", knowledge.Source{ID: "a", Format: knowledge.FormatText}, "workspace", knowledge.ErrInvalid},
		{"id", "ws", knowledge.Source{Format: knowledge.FormatText}, "source.id", knowledge.ErrInvalid},
		{"id control", "ws", knowledge.Source{ID: "a\nb", Format: knowledge.FormatText}, "source.id", knowledge.ErrInvalid},
		{"format", "ws", knowledge.Source{ID: "a"}, "source.format", knowledge.ErrInvalid},
		{"faq with content", "ws", knowledge.Source{ID: "a", Format: knowledge.FormatFAQ, Content: "x"}, "source.content", knowledge.ErrInvalid},
		{"faq empty answer", "ws", knowledge.Source{ID: "a", Format: knowledge.FormatFAQ, FAQ: []knowledge.FAQ{{"q", " "}}}, "source.faq[0]", knowledge.ErrInvalid},
		{"bad utf8", "ws", knowledge.Source{ID: "a", Format: knowledge.FormatText, Content: "\xff"}, "source.content", knowledge.ErrInvalid},
		{"tag", "ws", knowledge.Source{ID: "a", Format: knowledge.FormatText, Tags: []string{""}}, "source.tags", knowledge.ErrInvalid},
		{"too large", "ws", knowledge.Source{ID: "a", Format: knowledge.FormatText, Content: strings.Repeat("x", 101)}, "source.content", knowledge.ErrTooLarge},
		{"csv", "ws", knowledge.Source{ID: "a", Format: knowledge.FormatCSV, Content: "a,b\n\"x"}, "source.content", knowledge.ErrInvalid},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := kb.Ingest(t.Context(), tc.ws, tc.src)
			require.ErrorIs(t, err, tc.is)
			assert.Contains(t, err.Error(), tc.field)
		})
	}
	calls, _ := emb.Calls()
	assert.Zero(t, calls)
}

func TestIngestEmbedderError(t *testing.T) {
	t.Parallel()
	kb, emb, store := newBase(t)
	boom := errors.New("provider down")
	emb.FailWith(boom)
	_, err := kb.Ingest(t.Context(), "ws", knowledge.Source{ID: "a", Format: knowledge.FormatText, Content: "text"})
	require.ErrorIs(t, err, boom)
	_, err = store.Source(t.Context(), "ws", "a")
	require.ErrorIs(t, err, knowledge.ErrNotFound, "nothing stored when embedding fails")
}

func TestNewOptionsValidate(t *testing.T) {
	t.Parallel()
	emb := knowledgetest.NewHashEmbedder(8)
	bad := []knowledge.Option{
		knowledge.WithModel(nil), knowledge.WithChunking(knowledge.ChunkOptions{MaxTokens: 3}),
		knowledge.WithChunking(knowledge.ChunkOptions{Overlap: 0.7}), knowledge.WithEmbedBatch(0),
		knowledge.WithMaxSourceBytes(0), knowledge.WithTopK(0), knowledge.WithHistory(-1),
		knowledge.WithThresholds(knowledge.Thresholds{MinSimilarity: 2}), knowledge.WithClock(nil),
	}
	for i, o := range bad {
		_, err := knowledge.New(memstore.New(), emb, o)
		require.ErrorIs(t, err, knowledge.ErrInvalid, "option %d", i)
	}
	_, err := knowledge.New(nil, emb)
	require.ErrorIs(t, err, knowledge.ErrInvalid)
	_, err = knowledge.New(memstore.New(), nil)
	require.ErrorIs(t, err, knowledge.ErrInvalid)
}

// overrideEmbedder announces one model but embeds with another, as the ai
// Gateway does for a workspace with its own embedding configuration; with
// switch set it changes model on every call.
type overrideEmbedder struct {
	inner    *knowledgetest.HashEmbedder
	calls    int
	switches bool
}

func (o *overrideEmbedder) EmbeddingModel() (string, int) { return "announced", 0 }
func (o *overrideEmbedder) Embed(ctx context.Context, ws string, texts []string) ([][]float32, string, error) {
	o.calls++
	vecs, _, err := o.inner.Embed(ctx, ws, texts)
	if o.switches {
		return vecs, fmt.Sprintf("model-%d", o.calls), err
	}
	return vecs, "override", err
}

func TestIngestModelOverride(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	emb := &overrideEmbedder{inner: knowledgetest.NewHashEmbedder(32)}
	store := memstore.New()
	kb, err := knowledge.New(store, emb, knowledge.WithEmbedBatch(1))
	require.NoError(t, err)
	src := knowledge.Source{ID: "a", Format: knowledge.FormatText, Content: "First paragraph about the fees of every batch in the academy.\n\nSecond paragraph about the batches and their timings in the academy."}
	_, err = kb.Ingest(ctx, "ws", src)
	require.NoError(t, err)
	rec, err := store.Source(ctx, "ws", "a")
	require.NoError(t, err)
	assert.Equal(t, "override", rec.Model, "records carry the model actually used")
	chunks, err := store.Chunks(ctx, "ws", "a")
	require.NoError(t, err)
	for _, c := range chunks {
		assert.Equal(t, "override", c.Model)
	}
	res, err := kb.Search(ctx, "ws", "fees", knowledge.SearchOptions{})
	require.NoError(t, err)
	assert.NotEmpty(t, res.Hits, "queries embed with the same override")

	// An embedder that changes model between batches is refused.
	sw := &overrideEmbedder{inner: knowledgetest.NewHashEmbedder(32), switches: true}
	kb, err = knowledge.New(memstore.New(), sw, knowledge.WithEmbedBatch(1), knowledge.WithChunking(knowledge.ChunkOptions{MaxTokens: 16, Overlap: -1}))
	require.NoError(t, err)
	_, err = kb.Ingest(ctx, "ws", src)
	require.ErrorIs(t, err, knowledge.ErrEmbedding)
}

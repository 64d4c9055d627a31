package memstore_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/ai/knowledge"
	"github.com/botsync/botsync/ai/knowledge/knowledgetest"
	"github.com/botsync/botsync/ai/knowledge/memstore"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	knowledgetest.TestStore(t, func(*testing.T) knowledge.Store { return memstore.New() })
}

func TestConcurrentIngestAndSearch(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	kb, err := knowledge.New(memstore.New(), knowledgetest.NewHashEmbedder(32))
	require.NoError(t, err)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 20 {
				src := knowledge.Source{ID: fmt.Sprintf("s%d-%d", w, i%5), Format: knowledge.FormatText,
					Content: fmt.Sprintf("Batch %d of worker %d starts on day %d.", i, w, i)}
				if _, err := kb.Ingest(ctx, "ws", src); err != nil {
					t.Error(err)
					return
				}
				if _, err := kb.Search(ctx, "ws", "batch starts", knowledge.SearchOptions{K: 3}); err != nil {
					t.Error(err)
					return
				}
				if i%7 == 0 {
					_ = kb.Delete(ctx, "ws", src.ID)
				}
			}
		})
	}
	wg.Wait()
	res, err := kb.Search(ctx, "ws", "batch starts", knowledge.SearchOptions{K: 50})
	require.NoError(t, err)
	assert.NotEmpty(t, res.Hits)
}

package knowledgesink_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/ai/knowledge"
	"github.com/botsync/botsync/ai/knowledge/knowledgetest"
	"github.com/botsync/botsync/ai/knowledge/memstore"
	"github.com/botsync/botsync/privacy"
	"github.com/botsync/botsync/privacy/privacytest"
	"github.com/botsync/botsync/privacy/sinks/knowledgesink"
)

type fixture struct {
	kb     *knowledge.Base
	st     *memstore.Store
	sink   *knowledgesink.Sink
	mu     sync.Mutex
	now    time.Time
	spaces map[string]bool
	n      int
}

func newFixture(t *testing.T) *fixture {
	f := &fixture{st: memstore.New(), now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), spaces: map[string]bool{}}
	var err error
	f.kb, err = knowledge.New(f.st, knowledgetest.NewHashEmbedder(32), knowledge.WithClock(f.clock),
		knowledge.WithChunking(knowledge.ChunkOptions{MaxTokens: 40, Overlap: -1}))
	require.NoError(t, err)
	f.sink, err = knowledgesink.New(f.st, knowledgesink.WithWorkspaces(func(context.Context) ([]string, error) {
		f.mu.Lock()
		defer f.mu.Unlock()
		var out []string
		for ws := range f.spaces {
			out = append(out, ws)
		}
		return out, nil
	}))
	require.NoError(t, err)
	return f
}

func (f *fixture) clock() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fixture) ingest(ctx context.Context, ws string, at time.Time, content string) (string, error) {
	f.mu.Lock()
	f.now, f.spaces[ws] = at, true
	f.n++
	id := fmt.Sprintf("doc-%d", f.n)
	f.mu.Unlock()
	_, err := f.kb.Ingest(ctx, ws, knowledge.Source{ID: id, Title: "Student stories", Format: knowledge.FormatMarkdown, Content: content})
	return id, err
}

// phoneSpaced writes an E.164 Indian number the way people do: "+91 98100 00001".
func phoneSpaced(e164 string) string {
	return e164[:3] + " " + e164[3:8] + " " + e164[8:]
}

func TestSinkConformance(t *testing.T) {
	t.Parallel()
	privacytest.TestSink(t, func(t *testing.T) privacytest.Fixture {
		f := newFixture(t)
		return privacytest.Fixture{Sink: f.sink, Category: privacy.CategoryKnowledge,
			Seed: func(ctx context.Context, ids privacy.Identifiers, _ privacy.Category, created time.Time) (string, error) {
				_, err := f.ingest(ctx, ids.WorkspaceID, created, fmt.Sprintf(
					"Our topper says the batch changed everything. Call %s or write to %s.", phoneSpaced(ids.Phones[0]), ids.Emails[0]))
				return "", err
			}}
	})
}

func TestEraseKeepsOtherChunks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	p := privacytest.Person("ws", 1)
	id, err := f.ingest(ctx, "ws", f.now, "# Fees\n\nThe JEE two-year batch costs 1,80,000 rupees and includes weekly tests and doubt sessions.\n\n"+
		"# Results\n\nAsha scored 99.2 percentile; reach her mentor at "+p.Emails[0]+" for details about the scholarship.\n")
	require.NoError(t, err)
	before, err := f.st.Chunks(ctx, "ws", id)
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(before), 2)

	recs, err := f.sink.Export(ctx, privacy.Identifiers{WorkspaceID: "ws", Emails: []string{"PERSON1@example.com"}})
	require.NoError(t, err)
	require.Len(t, recs, 1, "only the chunk with the mention")
	assert.Contains(t, string(recs[0].Data), "scholarship")

	_, err = f.sink.Erase(ctx, p, privacy.CategoryKnowledge, privacy.StrategyCryptoShred)
	require.ErrorContains(t, err, "unsupported strategy")
	rc, err := f.sink.Erase(ctx, p, privacy.CategoryKnowledge, privacy.StrategyMask)
	require.NoError(t, err)
	assert.Equal(t, 1, rc.Count)
	after, err := f.st.Chunks(ctx, "ws", id)
	require.NoError(t, err)
	assert.Len(t, after, len(before)-1)
	src, err := f.st.Source(ctx, "ws", id)
	require.NoError(t, err)
	assert.Equal(t, len(after), src.Chunks)
	res, err := f.kb.Search(ctx, "ws", "JEE batch fees", knowledge.SearchOptions{})
	require.NoError(t, err)
	assert.NotEmpty(t, res.Hits, "the rest of the source stays searchable")
}

func TestMatching(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	p := privacytest.Person("ws", 7) // +919810000007, person7@example.com
	docs := map[string]bool{
		"call 98100 00007 today":                 true,
		"call (+91) 98100-00007":                 true,
		"ref 1981000000070 is an order number":   false,
		"mail xperson7@example.com":              false,
		"mail person7@example.com.":              true,
		"mail person7@example.community":         false,
		"nobody here":                            false,
		"WhatsApp +919810000007, anytime":        true,
		"ticket 9810000007123 refers elsewhere.": false,
	}
	ids := map[string]string{}
	for text := range docs {
		id, err := f.ingest(ctx, "ws", f.now, text)
		require.NoError(t, err)
		ids[id] = text
	}
	recs, err := f.sink.Export(ctx, p)
	require.NoError(t, err)
	found := map[string]bool{}
	for _, r := range recs {
		for id, text := range ids {
			if len(r.ID) > len(id) && r.ID[:len(id)+1] == id+"#" {
				found[text] = true
			}
		}
	}
	for text, want := range docs {
		assert.Equal(t, want, found[text], text)
	}
}

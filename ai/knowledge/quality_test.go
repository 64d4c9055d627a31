package knowledge_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/ai/knowledge"
	"github.com/botsync/botsync/ai/knowledge/knowledgetest"
	"github.com/botsync/botsync/ai/knowledge/memstore"
)

// academySources loads the sample knowledge base of a coaching institute
// from testdata/academy: one source per format.
func academySources(tb testing.TB) []knowledge.Source {
	tb.Helper()
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join("testdata", "academy", name))
		require.NoError(tb, err)
		return string(b)
	}
	var pairs []struct{ Question, Answer string }
	require.NoError(tb, json.Unmarshal([]byte(read("faq.json")), &pairs))
	faq := make([]knowledge.FAQ, len(pairs))
	for i, p := range pairs {
		faq[i] = knowledge.FAQ{Question: p.Question, Answer: p.Answer}
	}
	return []knowledge.Source{
		{ID: "fees", Title: "Fee structure", URL: "https://brightfuture.example/fees", Language: "en", Tags: []string{"fees"}, Format: knowledge.FormatMarkdown, Content: read("fees.md")},
		{ID: "batches", Title: "Batch schedule", Language: "en", Tags: []string{"batches"}, Format: knowledge.FormatCSV, Content: read("batches.csv")},
		{ID: "admission", URL: "https://brightfuture.example/admission", Language: "en", Tags: []string{"admission"}, Format: knowledge.FormatHTML, Content: read("admission.html")},
		{ID: "policies", Title: "Student policies", Language: "en", Format: knowledge.FormatText, Content: read("policies.txt")},
		{ID: "faq", Title: "Frequently asked questions", Tags: []string{"faq"}, Format: knowledge.FormatFAQ, FAQ: faq},
	}
}

type labelled struct {
	Q        string `json:"q"`
	Source   string `json:"source"`
	Contains string `json:"contains"`
	Refuse   bool   `json:"refuse"`
}

// academyThresholds suit the 256-d hash embedder (its similarities run
// lower than a real model's).
var academyThresholds = knowledge.Thresholds{MinSimilarity: 0.22, MinContextSimilarity: 0.12, MinCoverage: 0.67}

// TestLabelledQuestions measures answer quality on testdata/questions.json
// with the deterministic embedder and the extractive fake model: the share
// of answerable questions answered with a citation of the right source
// containing the expected fact, and the share of out-of-scope questions
// refused (NoKnowledge or NeedsHuman).
func TestLabelledQuestions(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	kb, err := knowledge.New(memstore.New(), knowledgetest.NewHashEmbedder(256),
		knowledge.WithModel(knowledgetest.ExtractiveModel{}), knowledge.WithThresholds(academyThresholds))
	require.NoError(t, err)
	for _, src := range academySources(t) {
		_, err := kb.Ingest(ctx, "academy", src)
		require.NoError(t, err)
	}
	raw, err := os.ReadFile("testdata/questions.json")
	require.NoError(t, err)
	var qs []labelled
	require.NoError(t, json.Unmarshal(raw, &qs))

	var answerable, answered, refusable, refused, noKnowledge int
	for _, q := range qs {
		ans, err := kb.Answer(ctx, "academy", q.Q, nil)
		require.NoError(t, err, q.Q)
		if q.Refuse {
			refusable++
			if ans.Decision != knowledge.Answered {
				refused++
				if ans.Decision == knowledge.NoKnowledge {
					noKnowledge++
				}
			} else {
				t.Logf("answered out-of-scope %q with %q", q.Q, ans.Text)
			}
			continue
		}
		answerable++
		ok := false
		for _, c := range ans.Citations {
			for _, h := range ans.Hits {
				if h.Chunk.ID == c.ChunkID && c.SourceID == q.Source && strings.Contains(h.Chunk.Text, q.Contains) {
					ok = true
				}
			}
		}
		if ans.Decision == knowledge.Answered && ok {
			answered++
		} else {
			t.Logf("missed %q: %s %q (top similarity %.2f)", q.Q, ans.Decision, ans.Text, ans.Scores.TopSimilarity)
		}
	}
	answeredShare := float64(answered) / float64(answerable)
	refusedShare := float64(refused) / float64(refusable)
	t.Logf("answered with a correct citation: %d/%d (%.0f%%); correctly refused: %d/%d (%.0f%%, %d before any model call)",
		answered, answerable, 100*answeredShare, refused, refusable, 100*refusedShare, noKnowledge)
	assert.GreaterOrEqual(t, answeredShare, 0.75) // 20/25 when recorded
	assert.GreaterOrEqual(t, refusedShare, 0.75)  // 7/8 when recorded
}

package knowledge_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/ai/knowledge"
	"github.com/botsync/botsync/ai/knowledge/knowledgetest"
)

var lowThresholds = knowledge.WithThresholds(knowledge.Thresholds{MinSimilarity: 0.2, MinContextSimilarity: 0.1})

func seeded(t *testing.T, m knowledge.Model) *knowledge.Base {
	t.Helper()
	kb, _, _ := newBase(t, knowledge.WithModel(m), lowThresholds)
	ctx := t.Context()
	_, err := kb.Ingest(ctx, "ws", knowledge.Source{
		ID: "fees", Title: "Fee structure", URL: "https://academy.example/fees", Format: knowledge.FormatMarkdown,
		Content: "# Fees\n\nThe JEE two-year batch fee is ₹1,80,000, payable in two instalments.\n\n## Refunds\n\nFees are refunded in full within 15 days of joining.",
	})
	require.NoError(t, err)
	_, err = kb.Ingest(ctx, "ws", knowledge.Source{
		ID: "batches", Title: "Batches", Format: knowledge.FormatFAQ,
		FAQ: []knowledge.FAQ{{"When does the NEET batch start?", "The NEET batch starts on 5 April."}},
	})
	require.NoError(t, err)
	return kb
}

func TestAnswerCites(t *testing.T) {
	t.Parallel()
	rec := &knowledgetest.RecordingModel{Model: knowledgetest.ModelFunc(func(_ context.Context, ws string, req knowledge.ModelRequest) ([]byte, error) {
		var id string
		for _, p := range req.Context {
			if strings.Contains(p.Text, "1,80,000") {
				id = p.ChunkID
			}
		}
		return knowledgetest.Reply("The JEE two-year batch costs ₹1,80,000.",
			knowledge.ModelCitation{ChunkID: id, Quote: "JEE two-year batch fee is ₹1,80,000"},
			knowledge.ModelCitation{ChunkID: "made-up-id", Quote: "invented"},
			knowledge.ModelCitation{ChunkID: id, Quote: "duplicate"},
		), nil
	})}
	kb := seeded(t, rec)
	conv := []knowledge.Turn{{knowledge.RoleUser, "hi"}, {knowledge.RoleAssistant, "Hello! How can I help?"}}
	ans, err := kb.Answer(t.Context(), "ws", "What is the fee for the JEE batch?", conv)
	require.NoError(t, err)
	assert.Equal(t, knowledge.Answered, ans.Decision)
	assert.Equal(t, "The JEE two-year batch costs ₹1,80,000.", ans.Text)
	require.Len(t, ans.Citations, 1, "invented and duplicate citations are dropped")
	c := ans.Citations[0]
	assert.Equal(t, "fees", c.SourceID)
	assert.Equal(t, "Fee structure", c.SourceTitle)
	assert.Equal(t, "https://academy.example/fees", c.URL)
	assert.Equal(t, "JEE two-year batch fee is ₹1,80,000", c.Quote)
	assert.Positive(t, ans.Scores.TopSimilarity)
	assert.Positive(t, ans.Scores.Context)

	reqs := rec.Requests()
	require.Len(t, reqs, 1)
	req := reqs[0]
	assert.Equal(t, "knowledge_answer", req.SchemaName)
	assert.JSONEq(t, string(req.Schema), string(req.Schema))
	require.Len(t, req.Messages, 3, "history then the context message")
	last := req.Messages[2]
	assert.Equal(t, knowledge.RoleUser, last.Role)
	assert.Contains(t, last.Text, "Question: What is the fee for the JEE batch?")
	assert.Contains(t, last.Text, "[chunk_id: "+c.ChunkID+"]")
}

func TestAnswerDecisions(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		reply    func(req knowledge.ModelRequest) ([]byte, error)
		decision knowledge.Decision
		wantErr  bool
	}{
		{"needs human", func(knowledge.ModelRequest) ([]byte, error) { return knowledgetest.HumanReply(), nil }, knowledge.NeedsHuman, false},
		{"no citation", func(knowledge.ModelRequest) ([]byte, error) { return knowledgetest.Reply("Sure."), nil }, knowledge.NeedsHuman, false},
		{"only foreign citations", func(knowledge.ModelRequest) ([]byte, error) {
			return knowledgetest.Reply("Sure.", knowledge.ModelCitation{ChunkID: "nope"}), nil
		}, knowledge.NeedsHuman, false},
		{"empty answer", func(req knowledge.ModelRequest) ([]byte, error) {
			return knowledgetest.Reply(" ", knowledge.ModelCitation{ChunkID: req.Context[0].ChunkID}), nil
		}, knowledge.NeedsHuman, false},
		{"not json", func(knowledge.ModelRequest) ([]byte, error) { return []byte("The fee is 1.8 lakh"), nil }, knowledge.NeedsHuman, false},
		{"model error", func(knowledge.ModelRequest) ([]byte, error) { return nil, errors.New("timeout") }, knowledge.NeedsHuman, true},
		{"quote not in chunk", func(req knowledge.ModelRequest) ([]byte, error) {
			return knowledgetest.Reply("ok", knowledge.ModelCitation{ChunkID: req.Context[0].ChunkID, Quote: "words never written"}), nil
		}, knowledge.Answered, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			kb := seeded(t, knowledgetest.ModelFunc(func(_ context.Context, _ string, req knowledge.ModelRequest) ([]byte, error) {
				return tc.reply(req)
			}))
			ans, err := kb.Answer(t.Context(), "ws", "JEE batch fee?", nil)
			if tc.wantErr {
				require.Error(t, err)
			} else {
				require.NoError(t, err)
			}
			assert.Equal(t, tc.decision, ans.Decision)
			if ans.Decision != knowledge.Answered {
				assert.NotEmpty(t, ans.Reason)
				assert.Empty(t, ans.Citations)
			} else {
				require.Len(t, ans.Citations, 1)
				assert.NotContains(t, ans.Citations[0].Quote, "never written", "unverifiable quotes are replaced by the chunk's opening")
				assert.NotEmpty(t, ans.Citations[0].Quote)
			}
		})
	}
}

func TestAnswerNoKnowledgeSkipsModel(t *testing.T) {
	t.Parallel()
	rec := &knowledgetest.RecordingModel{Model: knowledgetest.ExtractiveModel{}}
	kb := seeded(t, rec)
	ans, err := kb.Answer(t.Context(), "ws", "Do you sell pizza delivery vouchers?", nil)
	require.NoError(t, err)
	assert.Equal(t, knowledge.NoKnowledge, ans.Decision)
	assert.Empty(t, rec.Requests(), "no model call when retrieval finds nothing similar")

	// Another workspace knows nothing at all.
	ans, err = kb.Answer(t.Context(), "other-ws", "What is the fee for the JEE batch?", nil)
	require.NoError(t, err)
	assert.Equal(t, knowledge.NoKnowledge, ans.Decision)
	assert.Empty(t, ans.Hits)
	assert.Empty(t, rec.Requests())
}

func TestAnswerHistoryLimit(t *testing.T) {
	t.Parallel()
	rec := &knowledgetest.RecordingModel{Model: knowledgetest.ExtractiveModel{}}
	kb, _, _ := newBase(t, knowledge.WithModel(rec), lowThresholds, knowledge.WithHistory(2))
	_, err := kb.Ingest(t.Context(), "ws", knowledge.Source{ID: "a", Format: knowledge.FormatText, Content: "The NEET batch starts on 5 April."})
	require.NoError(t, err)
	var conv []knowledge.Turn
	for range 5 {
		conv = append(conv, knowledge.Turn{Role: knowledge.RoleUser, Text: "earlier"})
	}
	ans, err := kb.Answer(t.Context(), "ws", "When does the NEET batch start?", conv)
	require.NoError(t, err)
	assert.Equal(t, knowledge.Answered, ans.Decision)
	assert.Equal(t, "The NEET batch starts on 5 April.", ans.Text)
	require.Len(t, rec.Requests(), 1)
	assert.Len(t, rec.Requests()[0].Messages, 3)
}

func TestAnswerValidation(t *testing.T) {
	t.Parallel()
	kb, _, _ := newBase(t)
	_, err := kb.Answer(t.Context(), "ws", "q", nil)
	require.ErrorIs(t, err, knowledge.ErrNoModel)

	kb = seeded(t, knowledgetest.ExtractiveModel{})
	cases := []struct {
		ws, q string
		conv  []knowledge.Turn
		field string
	}{
		{"", "q", nil, "workspace"},
		{"ws", "  ", nil, "question"},
		{"ws", strings.Repeat("q", 5000), nil, "question"},
		{"ws", "q", []knowledge.Turn{{Role: "system", Text: "x"}}, "conversation[0].role"},
		{"ws", "q", []knowledge.Turn{{Role: knowledge.RoleUser, Text: "\xff"}}, "conversation[0].text"},
	}
	for _, tc := range cases {
		_, err := kb.Answer(t.Context(), tc.ws, tc.q, tc.conv)
		require.ErrorIs(t, err, knowledge.ErrInvalid, tc.field)
		assert.Contains(t, err.Error(), tc.field)
	}
}

func TestAnswerFollowUpUsesPreviousTurn(t *testing.T) {
	t.Parallel()
	rec := &knowledgetest.RecordingModel{Model: knowledgetest.ModelFunc(func(_ context.Context, _ string, req knowledge.ModelRequest) ([]byte, error) {
		return knowledgetest.Reply("It starts on 5 April.", knowledge.ModelCitation{ChunkID: req.Context[0].ChunkID}), nil
	})}
	kb := seeded(t, rec)
	conv := []knowledge.Turn{
		{Role: knowledge.RoleUser, Text: "When does the NEET batch start?"},
		{Role: knowledge.RoleAssistant, Text: "The NEET batch starts on 5 April."},
	}
	ans, err := kb.Answer(t.Context(), "ws", "and the date again?", conv)
	require.NoError(t, err)
	assert.Equal(t, knowledge.Answered, ans.Decision)
	require.NotEmpty(t, ans.Hits)
	assert.Equal(t, "batches", ans.Hits[0].Chunk.SourceID, "the follow-up retrieves with the previous question")
	req := rec.Requests()[0]
	assert.Equal(t, "and the date again?", req.Question, "the model still gets the question as asked")
}

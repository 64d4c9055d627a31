package knowledge_test

import (
	"context"
	"fmt"
	"log"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/ai"
	"github.com/botsync/botsync/ai/aitest"
	"github.com/botsync/botsync/ai/knowledge"
	"github.com/botsync/botsync/ai/knowledge/memstore"
	"github.com/botsync/botsync/secret"
)

// newGateway returns an ai Gateway on the aitest fake OpenAI server, with
// 256-d embeddings and gpt-4o-mini for completions.
func newGateway(fake *aitest.Server) *ai.Gateway {
	p, err := ai.NewProvider("openai", ai.OpenAI, secret.New("sk-test"),
		ai.WithBaseURL("http://fake/v1"), ai.WithTransport(fake.Transport()))
	if err != nil {
		log.Fatal(err)
	}
	router, err := ai.NewRouter([]*ai.Provider{p})
	if err != nil {
		log.Fatal(err)
	}
	gw, err := ai.NewGateway(router, ai.StaticConfig{"academy": {
		Chain: []ai.Link{{Provider: "openai", Model: "gpt-4o-mini"}},
	}}, ai.WithEmbedding(ai.EmbeddingConfig{Provider: "openai", Model: "text-embedding-3-small", Dimensions: 256}))
	if err != nil {
		log.Fatal(err)
	}
	return gw
}

// The ai Gateway as embedder and answer model, against the aitest fake
// OpenAI server.
func ExampleGatewayModel() {
	ctx := context.Background()
	fake := aitest.New()
	gw := newGateway(fake)
	kb, err := knowledge.New(memstore.New(), gw, knowledge.WithModel(knowledge.GatewayModel(gw)),
		knowledge.WithThresholds(knowledge.Thresholds{MinSimilarity: 0.2, MinContextSimilarity: 0.1, MinCoverage: 0.67}))
	if err != nil {
		log.Fatal(err)
	}
	for _, src := range []knowledge.Source{
		{ID: "fees", Title: "Fee structure", Format: knowledge.FormatText, Content: "The NEET two-year programme costs ₹1,60,000."},
		{ID: "hostel", Title: "Hostel", Format: knowledge.FormatText, Content: "There is no hostel; PGs near the campus start at ₹8,000."},
	} {
		if _, err := kb.Ingest(ctx, "academy", src); err != nil {
			log.Fatal(err)
		}
	}
	question := "How much is the NEET two-year programme?"
	res, err := kb.Search(ctx, "academy", question, knowledge.SearchOptions{K: 1})
	if err != nil {
		log.Fatal(err)
	}
	// Script the fake model to cite the chunk the knowledge base will retrieve.
	fake.Script("gpt-4o-mini", aitest.JSON(map[string]any{
		"answer":      "The NEET two-year programme costs ₹1,60,000.",
		"citations":   []map[string]string{{"chunk_id": res.Hits[0].Chunk.ID, "quote": "costs ₹1,60,000"}},
		"needs_human": false,
	}))
	ans, err := kb.Answer(ctx, "academy", question, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ans.Decision, "—", ans.Text)
	fmt.Println("cited:", ans.Citations[0].SourceTitle, "/", ans.Citations[0].Quote)
	// Output:
	// answered — The NEET two-year programme costs ₹1,60,000.
	// cited: Fee structure / costs ₹1,60,000
}

func TestGatewayModelSendsSchemaAndMeters(t *testing.T) {
	t.Parallel()
	fake := aitest.New()
	gw := newGateway(fake)
	fake.Always("gpt-4o-mini", aitest.JSON(map[string]any{"answer": "", "citations": []any{}, "needs_human": true}))
	kb, err := knowledge.New(memstore.New(), gw, knowledge.WithModel(knowledge.GatewayModel(gw)),
		knowledge.WithThresholds(knowledge.Thresholds{MinSimilarity: 0.1, MinContextSimilarity: 0.05}))
	require.NoError(t, err)
	_, err = kb.Ingest(t.Context(), "academy", knowledge.Source{ID: "a", Format: knowledge.FormatText, Content: "Call Asha at +91 98765 43210 about the JEE batch."})
	require.NoError(t, err)
	ans, err := kb.Answer(t.Context(), "academy", "Whom do I call about the JEE batch?", nil)
	require.NoError(t, err)
	assert.Equal(t, knowledge.NeedsHuman, ans.Decision)

	var chat *aitest.Request
	for _, r := range fake.Requests() {
		if r.Path == "/v1/chat/completions" {
			chat = &r
		}
		assert.NotContains(t, string(r.Body), "98765 43210", "phone numbers never reach the provider")
	}
	require.NotNil(t, chat)
	assert.Contains(t, string(chat.Body), "knowledge_answer")
	assert.Contains(t, string(chat.Body), "chunk_id")

	// A Gateway failure surfaces as an error with a NeedsHuman answer.
	fake.Script("gpt-4o-mini", aitest.HTTPError(400, ""))
	ans, err = kb.Answer(t.Context(), "academy", "Whom do I call about the JEE batch?", nil)
	require.Error(t, err)
	assert.Equal(t, knowledge.NeedsHuman, ans.Decision)
}

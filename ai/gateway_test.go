package ai_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/ai"
	"github.com/botsync/botsync/ai/aitest"
	"github.com/botsync/botsync/secret"
)

var redactionKey = []byte("test-redaction-key-32-bytes-long")

func testLead() ai.Lead {
	return ai.Lead{
		Name:  secret.NewPII("Priya Sharma"),
		Phone: secret.NewPII("+91 98765 43210"),
		Email: secret.NewPII("priya.sharma@example.com"),
		Fields: []ai.Field{
			{Name: "stage", Value: "hot"},
			{Name: "city", Value: "Pune"},
			{Name: "budget", Value: "50000"},
			{Name: "notes", Value: "private notes: husband 9123456789"},
		},
	}
}

func testConversation() ai.Conversation {
	return ai.Conversation{ID: "conv-1", Lead: testLead(), Turns: []ai.Turn{
		{Role: ai.RoleUser, Text: "Hi, I'm Priya Sharma. Call me on 98765 43210 or mail priya.sharma@example.com"},
		{Role: ai.RoleAssistant, Text: "Thanks Priya! How can we help?"},
		{Role: ai.RoleUser, Text: "Do you do teeth cleaning on Sundays? My card is 4111 1111 1111 1111, PAN ABCDE1234F"},
	}}
}

// placeholders computes the placeholders the gateway issues for the test
// lead in conversation conv-1.
func placeholders(values ...string) []string {
	l := testLead()
	s := ai.NewRedactor(redactionKey).Session("ws1/conv-1",
		ai.Known{Category: ai.CategoryName, Value: l.Name.Reveal()},
		ai.Known{Category: ai.CategoryPhone, Value: l.Phone.Reveal()},
		ai.Known{Category: ai.CategoryEmail, Value: l.Email.Reveal()})
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = s.Redact(v)
	}
	return out
}

type recordingMeter struct {
	mu   sync.Mutex
	recs []ai.UsageRecord
}

func (m *recordingMeter) RecordAIUsage(_ context.Context, r ai.UsageRecord) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.recs = append(m.recs, r)
	return nil
}

func (m *recordingMeter) records() []ai.UsageRecord {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]ai.UsageRecord(nil), m.recs...)
}

func baseConfig() ai.Config {
	return ai.Config{
		Chain: []ai.Link{
			{Provider: "openai", Model: "main", Params: ai.Params{Temperature: ai.Float(0)}},
			{Provider: "openrouter", Model: "backup"},
		},
		Embedding: ai.EmbeddingConfig{Provider: "openai", Model: "embed-small", Dimensions: 16},
		Labels:    []ai.Label{{Name: "pricing", Description: "asks about prices"}, {Name: "booking", Description: "wants an appointment"}},
	}
}

func newGateway(t testing.TB, srv *aitest.Server, cfg ai.Config, opts ...ai.GatewayOption) *ai.Gateway {
	t.Helper()
	r := newRouter(t, nil,
		newProvider(t, srv, "openai", ai.OpenAI),
		newProvider(t, srv, "openrouter", ai.OpenRouter, ai.WithRouting(ai.Routing{DataCollection: "deny"})))
	opts = append([]ai.GatewayOption{ai.WithRedactionKey(redactionKey)}, opts...)
	g, err := ai.NewGateway(r, ai.StaticConfig{"ws1": cfg}, opts...)
	require.NoError(t, err)
	return g
}

func TestGatewayNoPIIReachesProvider(t *testing.T) {
	t.Parallel()
	srv := aitest.New()
	ph := placeholders("Priya Sharma", "+91 98765 43210")
	srv.Script("main", aitest.HTTPError(503, ""))
	srv.Script("backup", aitest.JSON(map[string]any{
		"decision": "send", "text": fmt.Sprintf("Yes %s, we will call %s about Sunday.", ph[0], ph[1]),
		"reason": "", "citations": []string{"kb1"},
	}))
	var logs bytes.Buffer
	g := newGateway(t, srv, baseConfig(), ai.WithLogger(slog.New(slog.NewJSONHandler(&logs, nil))))
	ctx := context.Background()
	res, err := g.Reply(ctx, "ws1", ai.ReplyInput{Conversation: testConversation(), Knowledge: []ai.Passage{
		{ID: "kb1", Source: "faq.md", Text: "Cleaning is available Monday to Saturday. Call the front desk on 020 2345 6789."},
	}})
	require.NoError(t, err)
	assert.Equal(t, ai.DecisionSend, res.Decision)
	assert.Equal(t, "Yes Priya Sharma, we will call +91 98765 43210 about Sunday.", res.Text, "placeholders restored")
	assert.Equal(t, []string{"kb1"}, res.Citations)
	assert.Equal(t, 1, res.Meta.Link)
	assert.Positive(t, res.Meta.Redactions)

	_, model, err := g.Embed(ctx, "ws1", []string{
		"Contact Priya at priya.sharma@example.com or +91 98765 43210",
		"card 4111 1111 1111 1111",
	})
	require.NoError(t, err)
	assert.Equal(t, "embed-small", model)

	reqs := srv.Requests()
	require.Len(t, reqs, 3)
	assert.Contains(t, reqs[2].Path, "/embeddings")
	leaks := []string{"98765", "43210", "9876543210", "priya.sharma", "example.com", "Priya", "Sharma",
		"4111", "ABCDE1234F", "9123456789", "private notes", "2345 6789"}
	for _, r := range reqs {
		body := string(r.Body)
		for _, leak := range leaks {
			if strings.Contains(r.Path, "/embeddings") && (leak == "Priya" || leak == "Sharma") {
				continue // embedding input has no lead to name; numbers and emails must still go
			}
			assert.NotContains(t, body, leak, "request to %s leaks %q", r.Path, leak)
		}
	}
	// Minimum context: allow-listed fields only.
	chat := string(reqs[1].Body)
	assert.Contains(t, chat, "stage: hot")
	assert.Contains(t, chat, "city: Pune")
	assert.NotContains(t, chat, "notes")
	assert.Equal(t, []string{"name", "stage", "city", "budget"}, res.Meta.LeadFields)
	// The first link's temperature 0 reached the wire; the OpenRouter link carries routing.
	assert.Equal(t, 0.0, decodeBody(t, reqs[0])["temperature"])
	assert.Equal(t, map[string]any{"data_collection": "deny"}, decodeBody(t, reqs[1])["provider"])

	// Logs: counts and timings, never content.
	out := logs.String()
	assert.Contains(t, out, `"task":"reply"`)
	assert.Contains(t, out, `"task":"embed"`)
	for _, leak := range append(leaks, "Sunday", "teeth", "Cleaning") {
		assert.NotContains(t, out, leak)
	}
}

func TestGatewayDisabled(t *testing.T) {
	t.Parallel()
	srv := aitest.New()
	ctx := context.Background()
	cfg := baseConfig()
	cfg.Disabled = true
	g := newGateway(t, srv, cfg)
	_, err := g.Reply(ctx, "ws1", ai.ReplyInput{Conversation: testConversation()})
	require.ErrorIs(t, err, ai.ErrDisabled)
	_, _, err = g.Embed(ctx, "ws1", []string{"x"})
	require.ErrorIs(t, err, ai.ErrDisabled)

	kill := ai.PolicyFunc(func(_ context.Context, ws string) (bool, error) { return ws != "ws1", nil })
	g = newGateway(t, srv, baseConfig(), ai.WithPolicy(kill))
	_, err = g.Summarize(ctx, "ws1", testConversation())
	require.ErrorIs(t, err, ai.ErrDisabled)
	var te *ai.TaskError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, "summarize", te.Task)
	_, _, err = g.Embed(ctx, "ws1", []string{"x"})
	require.ErrorIs(t, err, ai.ErrDisabled)

	failing := ai.PolicyFunc(func(context.Context, string) (bool, error) { return false, assert.AnError })
	g = newGateway(t, srv, baseConfig(), ai.WithPolicy(failing))
	_, err = g.Classify(ctx, "ws1", testConversation())
	require.ErrorIs(t, err, assert.AnError)

	_, err = g.Reply(ctx, "other", ai.ReplyInput{Conversation: testConversation()})
	require.ErrorIs(t, err, ai.ErrNotConfigured)
	_, err = g.Reply(ctx, "", ai.ReplyInput{Conversation: testConversation()})
	require.ErrorIs(t, err, ai.ErrInvalidInput)
	assert.Empty(t, srv.Requests(), "nothing reached a provider")
}

func TestGatewayMetersUsage(t *testing.T) {
	t.Parallel()
	srv := aitest.New()
	srv.Script("main", aitest.Reply{Content: `{"summary":"wants a cleaning"}`, Model: "main-2025-01",
		Usage: &aitest.Usage{PromptTokens: 100, CompletionTokens: 10, TotalTokens: 110}})
	m := &recordingMeter{}
	clock := newClock()
	g := newGateway(t, srv, baseConfig(), ai.WithMeter(m), ai.WithGatewayClock(clock.now))
	sum, err := g.Summarize(context.Background(), "ws1", testConversation())
	require.NoError(t, err)
	assert.Equal(t, "wants a cleaning", sum.Text)
	_, _, err = g.Embed(context.Background(), "ws1", []string{"one two three"})
	require.NoError(t, err)
	recs := m.records()
	require.Len(t, recs, 2)
	assert.Len(t, recs[0].ID, 24)
	assert.NotEqual(t, recs[0].ID, recs[1].ID)
	for i := range recs {
		recs[i].ID = ""
	}
	assert.Equal(t, []ai.UsageRecord{
		{Workspace: "ws1", Task: "summarize", Provider: "openai", Model: "main-2025-01",
			Usage: ai.Usage{PromptTokens: 100, CompletionTokens: 10, TotalTokens: 110}, At: clock.now()},
		{Workspace: "ws1", Task: "embed", Provider: "openai", Model: "embed-small",
			Usage: ai.Usage{PromptTokens: 3, TotalTokens: 3}, At: clock.now()},
	}, recs)
}

func longConversation(n, size int) ai.Conversation {
	c := ai.Conversation{ID: "long"}
	for i := range n {
		role := ai.RoleUser
		if i%2 == 1 {
			role = ai.RoleAssistant
		}
		c.Turns = append(c.Turns, ai.Turn{Role: role, Text: fmt.Sprintf("turn-%02d %s", i, strings.Repeat("x", size))})
	}
	return c
}

func TestGatewayTrimsOldestFirst(t *testing.T) {
	t.Parallel()
	srv := aitest.New()
	srv.Always("main", aitest.JSON(map[string]string{"summary": "ok"}))
	ctx := context.Background()

	// Default MaxTurns keeps the last 12.
	g := newGateway(t, srv, baseConfig())
	sum, err := g.Summarize(ctx, "ws1", longConversation(30, 10))
	require.NoError(t, err)
	assert.Equal(t, 12, sum.Meta.TurnsSent)
	assert.Equal(t, 18, sum.Meta.TurnsDropped)

	// A small window trims further, oldest first, keeping the newest.
	cfg := baseConfig()
	cfg.MaxTurns = 100
	cfg.Chain = []ai.Link{{Provider: "openai", Model: "main", Params: ai.Params{ContextWindow: 2000, MaxTokens: 200}}}
	g = newGateway(t, srv, cfg)
	sum, err = g.Summarize(ctx, "ws1", longConversation(30, 300))
	require.NoError(t, err)
	assert.Less(t, sum.Meta.TurnsSent, 30)
	assert.Positive(t, sum.Meta.TurnsSent)
	var body struct {
		Messages []struct {
			Role, Content string
		}
	}
	reqs := srv.Requests()
	require.NoError(t, json.Unmarshal(reqs[len(reqs)-1].Body, &body))
	msgs := body.Messages
	assert.Equal(t, "system", msgs[0].Role)
	assert.Len(t, msgs, sum.Meta.TurnsSent+1)
	assert.True(t, strings.HasPrefix(msgs[len(msgs)-1].Content, "turn-29"), "newest turn kept")
	assert.True(t, strings.HasPrefix(msgs[1].Content, fmt.Sprintf("turn-%02d", 30-sum.Meta.TurnsSent)), "a contiguous tail")

	// Knowledge is trimmed from the lowest rank after turns.
	passages := []ai.Passage{{ID: "p1", Text: strings.Repeat("a", 3000)}, {ID: "p2", Text: strings.Repeat("b", 3000)}}
	srv.Always("main", aitest.JSON(map[string]any{"decision": "no_answer", "text": "", "reason": "not covered", "citations": []string{}}))
	res, err := g.Reply(ctx, "ws1", ai.ReplyInput{Conversation: longConversation(3, 10), Knowledge: passages})
	require.NoError(t, err)
	assert.Equal(t, 1, res.Meta.PassagesSent)
	assert.Equal(t, 1, res.Meta.PassagesDropped)
	assert.Equal(t, ai.DecisionNoAnswer, res.Decision)

	// Even one turn does not fit: a clear error, no request.
	n := len(srv.Requests())
	_, err = g.Summarize(ctx, "ws1", longConversation(1, 20000))
	require.ErrorIs(t, err, ai.ErrContextTooLarge)
	assert.Len(t, srv.Requests(), n)
}

func TestReplyDecisions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		replies  []aitest.Reply
		decision ai.Decision
		err      error
		calls    int
	}{
		{"send", []aitest.Reply{aitest.JSON(map[string]any{"decision": "send", "text": "Open 9 to 5.", "reason": "", "citations": []string{}})},
			ai.DecisionSend, nil, 1},
		{"needs human", []aitest.Reply{aitest.JSON(map[string]any{"decision": "needs_human", "text": "", "reason": "complaint", "citations": []string{}})},
			ai.DecisionNeedsHuman, nil, 1},
		{"invented placeholder goes to a human", []aitest.Reply{aitest.JSON(map[string]any{"decision": "send", "text": "Call [PHONE_123abc]", "reason": "", "citations": []string{}})},
			ai.DecisionNeedsHuman, nil, 1},
		{"invalid then valid", []aitest.Reply{aitest.Text("Sure! Open 9 to 5."),
			aitest.JSON(map[string]any{"decision": "send", "text": "Open 9 to 5.", "reason": "", "citations": []string{}})},
			ai.DecisionSend, nil, 2},
		{"send without text is invalid", []aitest.Reply{
			aitest.JSON(map[string]any{"decision": "send", "text": " ", "reason": "", "citations": []string{}}),
			aitest.JSON(map[string]any{"decision": "no_answer", "text": "", "reason": "?", "citations": []string{}})},
			ai.DecisionNoAnswer, nil, 2},
		{"unknown citation twice", []aitest.Reply{
			aitest.JSON(map[string]any{"decision": "send", "text": "x", "reason": "", "citations": []string{"zz"}}),
			aitest.JSON(map[string]any{"decision": "send", "text": "x", "reason": "", "citations": []string{"zz"}})},
			"", ai.ErrInvalidOutput, 2},
		{"invalid twice", []aitest.Reply{aitest.Text("nope"), aitest.JSON(map[string]any{"decision": "maybe"})},
			"", ai.ErrInvalidOutput, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := aitest.New()
			srv.Script("main", tt.replies...)
			m := &recordingMeter{}
			g := newGateway(t, srv, baseConfig(), ai.WithMeter(m))
			res, err := g.Reply(context.Background(), "ws1", ai.ReplyInput{Conversation: testConversation()})
			assert.Len(t, m.records(), tt.calls, "every call is metered")
			assert.Len(t, srv.Requests(), tt.calls)
			if tt.err != nil {
				require.ErrorIs(t, err, tt.err)
				var te *ai.TaskError
				require.ErrorAs(t, err, &te)
				assert.Equal(t, tt.calls, te.Meta.Calls)
				assert.NotContains(t, err.Error(), "Priya")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.decision, res.Decision)
			assert.Equal(t, tt.calls, res.Meta.Calls)
			if tt.calls == 2 {
				var body struct {
					Messages []struct{ Role, Content string }
				}
				require.NoError(t, json.Unmarshal(srv.Requests()[1].Body, &body))
				last := body.Messages[len(body.Messages)-1]
				assert.Equal(t, "user", last.Role)
				assert.Contains(t, last.Content, "invalid")
			}
		})
	}
}

func TestTasksBadInput(t *testing.T) {
	t.Parallel()
	srv := aitest.New()
	ctx := context.Background()
	g := newGateway(t, srv, baseConfig())
	_, err := g.Reply(ctx, "ws1", ai.ReplyInput{})
	require.ErrorIs(t, err, ai.ErrInvalidInput)
	assert.Contains(t, err.Error(), "conversation.turns")
	_, err = g.Summarize(ctx, "ws1", ai.Conversation{Turns: []ai.Turn{{Role: ai.RoleSystem, Text: "x"}}})
	require.ErrorIs(t, err, ai.ErrInvalidInput)
	assert.Contains(t, err.Error(), "turns[0].role")

	cfg := baseConfig()
	cfg.Labels = nil
	cfg.Chain = nil
	g = newGateway(t, srv, cfg)
	_, err = g.Classify(ctx, "ws1", testConversation())
	require.ErrorIs(t, err, ai.ErrInvalidInput)
	assert.Contains(t, err.Error(), "labels")
	_, err = g.Summarize(ctx, "ws1", testConversation())
	require.ErrorIs(t, err, ai.ErrEmptyChain)
	cfg = baseConfig()
	cfg.Chain = []ai.Link{{Provider: "anthropic", Model: "x"}}
	cfg.Embedding.Provider = "nope"
	g = newGateway(t, srv, cfg)
	_, err = g.Summarize(ctx, "ws1", testConversation())
	require.ErrorIs(t, err, ai.ErrUnknownProvider)
	_, _, err = g.Embed(ctx, "ws1", []string{"x"})
	require.ErrorIs(t, err, ai.ErrUnknownProvider)
	assert.Empty(t, srv.Requests())

	_, err = ai.NewGateway(nil, ai.StaticConfig{})
	require.ErrorIs(t, err, ai.ErrInvalidInput)
	_, err = ai.NewGateway(newRouter(t, nil), ai.StaticConfig{}, ai.WithRedactionKey([]byte("short")))
	require.ErrorIs(t, err, ai.ErrInvalidInput)
}

func TestClassify(t *testing.T) {
	t.Parallel()
	srv := aitest.New()
	srv.Script("main", aitest.JSON(map[string]any{"label": "booking", "confidence": 0.9, "reason": "asks for Sunday"}))
	g := newGateway(t, srv, baseConfig())
	c, err := g.Classify(context.Background(), "ws1", testConversation())
	require.NoError(t, err)
	assert.Equal(t, "booking", c.Label)
	assert.InDelta(t, 0.9, c.Confidence, 1e-9)
	body := string(srv.Requests()[0].Body)
	assert.Contains(t, body, `"enum":["pricing","booking"]`)
	assert.Contains(t, body, "wants an appointment")
}

func TestScoreLead(t *testing.T) {
	t.Parallel()
	srv := aitest.New()
	srv.Script("main",
		aitest.JSON(map[string]any{"score": 80, "reasons": []string{"hot"}, "fields": []string{"stage", "notes"}}),
		aitest.JSON(map[string]any{"score": 80, "reasons": []string{"hot stage", "asked for a slot"}, "fields": []string{"stage", "conversation"}}))
	g := newGateway(t, srv, baseConfig())
	s, err := g.ScoreLead(context.Background(), "ws1", testConversation())
	require.NoError(t, err)
	assert.Equal(t, 80, s.Score)
	assert.Equal(t, []string{"stage", "conversation"}, s.Fields)
	assert.Equal(t, 2, s.Meta.Calls, "a field that was not sent (notes) is invalid")

	srv.Script("main", aitest.JSON(map[string]any{"score": 101, "reasons": []string{}, "fields": []string{}}),
		aitest.JSON(map[string]any{"score": -1, "reasons": []string{}, "fields": []string{}}))
	_, err = g.ScoreLead(context.Background(), "ws1", ai.Conversation{Lead: testLead()})
	require.ErrorIs(t, err, ai.ErrInvalidOutput)
}

func TestFollowUp(t *testing.T) {
	t.Parallel()
	srv := aitest.New()
	ph := placeholders("Priya")
	srv.Script("main",
		aitest.JSON(map[string]any{"send": true, "after_hours": 24, "message": "Hi " + ph[0] + ", still keen on Sunday?", "reason": "warm"}),
		aitest.JSON(map[string]any{"send": false, "after_hours": 0, "message": "", "reason": "declined"}))
	clock := newClock()
	g := newGateway(t, srv, baseConfig(), ai.WithGatewayClock(clock.now))
	p, err := g.FollowUp(context.Background(), "ws1", testConversation())
	require.NoError(t, err)
	assert.True(t, p.Send)
	assert.Equal(t, "24h0m0s", p.After.String())
	assert.Equal(t, clock.now().Add(p.After), p.At)
	assert.Equal(t, "Hi Priya, still keen on Sunday?", p.Message)

	p, err = g.FollowUp(context.Background(), "ws1", testConversation())
	require.NoError(t, err)
	assert.False(t, p.Send)
	assert.True(t, p.At.IsZero())
	assert.Equal(t, "declined", p.Reason)
}

func TestReplyRefusalGoesToAHuman(t *testing.T) {
	t.Parallel()
	srv := aitest.New()
	srv.Script("main", aitest.Reply{Status: 400, ErrorCode: "content_filter"})
	g := newGateway(t, srv, baseConfig())
	res, err := g.Reply(context.Background(), "ws1", ai.ReplyInput{Conversation: testConversation()})
	require.NoError(t, err)
	assert.Equal(t, ai.DecisionNeedsHuman, res.Decision)
	assert.Contains(t, res.Reason, "refused")
	assert.Len(t, srv.Requests(), 1, "no fallback on a refusal")
	require.Len(t, res.Meta.Attempts, 2)
	assert.ErrorIs(t, res.Meta.Attempts[0].Err, ai.ErrRefused)
}

func TestReplyCreditExhaustedStopsChain(t *testing.T) {
	t.Parallel()
	srv := aitest.New()
	srv.Script("main", aitest.HTTPError(402, ""))
	g := newGateway(t, srv, baseConfig())
	_, err := g.Reply(context.Background(), "ws1", ai.ReplyInput{Conversation: testConversation()})
	require.ErrorIs(t, err, ai.ErrCreditExhausted)
	var te *ai.TaskError
	require.ErrorAs(t, err, &te)
	require.Len(t, te.Meta.Attempts, 2)
	assert.Equal(t, ai.Skipped, te.Meta.Attempts[1].Outcome)
}

func TestGatewayConcurrentUse(t *testing.T) {
	t.Parallel()
	srv := aitest.New()
	srv.Always("main", aitest.JSON(map[string]any{"decision": "send", "text": "ok", "reason": "", "citations": []string{}}))
	m := &recordingMeter{}
	g := newGateway(t, srv, baseConfig(), ai.WithMeter(m))
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			conv := testConversation()
			conv.ID = fmt.Sprintf("c%d", i)
			_, err := g.Reply(context.Background(), "ws1", ai.ReplyInput{Conversation: conv})
			assert.NoError(t, err)
			_, _, err = g.Embed(context.Background(), "ws1", []string{"a b", "c"})
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	assert.Len(t, m.records(), 16)
}

func TestGatewayDefaultEmbedding(t *testing.T) {
	t.Parallel()
	srv := aitest.New()
	cfg := baseConfig()
	cfg.Embedding = ai.EmbeddingConfig{}
	g := newGateway(t, srv, cfg, ai.WithEmbedding(ai.EmbeddingConfig{Provider: "openrouter", Model: "emb-3", Dimensions: 24}))
	var e ai.Embedder = g
	name, dims := e.EmbeddingModel()
	assert.Equal(t, "emb-3", name)
	assert.Equal(t, 24, dims)
	vecs, model, err := e.Embed(context.Background(), "ws1", []string{"hello"})
	require.NoError(t, err)
	assert.Equal(t, "emb-3", model)
	assert.Equal(t, [][]float32{aitest.Embed("hello", 24)}, vecs)

	// No default and no override: a clear error.
	g = newGateway(t, srv, cfg)
	_, _, err = g.Embed(context.Background(), "ws1", []string{"hello"})
	require.ErrorIs(t, err, ai.ErrInvalidInput)
	assert.Contains(t, err.Error(), "embedding")
	name, dims = g.EmbeddingModel()
	assert.Empty(t, name)
	assert.Zero(t, dims)

	r := newRouter(t, nil, newProvider(t, srv, "openai", ai.OpenAI))
	_, err = ai.NewGateway(r, ai.StaticConfig{}, ai.WithEmbedding(ai.EmbeddingConfig{Provider: "x", Model: "m"}))
	require.ErrorIs(t, err, ai.ErrUnknownProvider)
	_, err = ai.NewGateway(r, ai.StaticConfig{}, ai.WithEmbedding(ai.EmbeddingConfig{Provider: "openai"}))
	require.ErrorIs(t, err, ai.ErrInvalidInput)
}

package main

import (
	"context"
	"crypto/sha256"
	"fmt"
	"log/slog"

	"github.com/botsync/botsync/ai"
	"github.com/botsync/botsync/ai/knowledge"
	"github.com/botsync/botsync/ai/knowledge/knowledgetest"
	"github.com/botsync/botsync/billing"
)

// knowledgeAI is what the knowledge base runs on: an embedder and a model.
type knowledgeAI struct {
	embedder knowledge.Embedder
	model    knowledge.Model
	gateway  *ai.Gateway // nil in the sandbox without a key
}

// newKnowledgeAI builds the AI the knowledge base uses. With
// OPENAI_API_KEY: the ai Gateway (PII redaction, metering, fallback) with
// OpenAI's embeddings and chat model. Without (the sandbox): a
// deterministic hash embedder and an extractive model that answers only
// with sentences of the retrieved context and asks for a person
// otherwise — honest, repeatable, and needing no network.
func newKnowledgeAI(cfg Config, master string, settings func(ctx context.Context, ws string) (AISettings, error), meter ai.Meter, log *slog.Logger) (*knowledgeAI, error) {
	if cfg.OpenAIKey.IsZero() {
		return &knowledgeAI{embedder: knowledgetest.NewHashEmbedder(0), model: knowledgetest.ExtractiveModel{}}, nil
	}
	var opts []ai.Option
	if cfg.OpenAIBaseURL != "" {
		opts = append(opts, ai.WithBaseURL(cfg.OpenAIBaseURL))
	}
	p, err := ai.NewProvider("openai", ai.OpenAI, cfg.OpenAIKey, opts...)
	if err != nil {
		return nil, fmt.Errorf("server: AI provider: %w", err)
	}
	router, err := ai.NewRouter([]*ai.Provider{p})
	if err != nil {
		return nil, err
	}
	src := configSource(func(ctx context.Context, ws string) (ai.Config, error) {
		st, err := settings(ctx, ws)
		if err != nil {
			return ai.Config{}, err
		}
		return ai.Config{Disabled: !st.Enabled, Chain: []ai.Link{{Provider: "openai", Model: cfg.AIModel}}}, nil
	})
	redactionKey := sha256.Sum256([]byte("ai-redaction:" + master))
	gw, err := ai.NewGateway(router, src, ai.WithEmbedding(ai.EmbeddingConfig{Provider: "openai", Model: cfg.EmbeddingModel, Dimensions: cfg.EmbeddingDims}),
		ai.WithLogger(log), ai.WithRedactionKey(redactionKey[:]), ai.WithMeter(meter))
	if err != nil {
		return nil, fmt.Errorf("server: AI gateway: %w", err)
	}
	return &knowledgeAI{embedder: gw, model: gatewayModel{gw}, gateway: gw}, nil
}

type configSource func(ctx context.Context, ws string) (ai.Config, error)

// AIConfig implements ai.ConfigSource.
func (f configSource) AIConfig(ctx context.Context, ws string) (ai.Config, error) { return f(ctx, ws) }

// gatewayModel adapts the Gateway's structured completion to
// knowledge.Model, so knowledge answers pass the Gateway's privacy door.
type gatewayModel struct{ gw *ai.Gateway }

// CompleteJSON implements knowledge.Model.
func (m gatewayModel) CompleteJSON(ctx context.Context, ws string, req knowledge.ModelRequest) ([]byte, error) {
	msgs := make([]ai.Message, 0, len(req.Messages))
	for _, t := range req.Messages {
		role := ai.RoleUser
		if t.Role == knowledge.RoleAssistant {
			role = ai.RoleAssistant
		}
		msgs = append(msgs, ai.Message{Role: role, Content: t.Text})
	}
	c, err := m.gw.CompleteJSON(ctx, ws, ai.JSONRequest{Task: "knowledge_answer", System: req.System, Messages: msgs,
		SchemaName: req.SchemaName, Schema: req.Schema})
	if err != nil {
		return nil, err
	}
	return c.JSON, nil
}

// aiMeter meters AI tokens per workspace in billing (idempotent on the
// provider call's id).
type aiMeter struct{ a *App }

// RecordAIUsage implements ai.Meter.
func (m aiMeter) RecordAIUsage(ctx context.Context, rec ai.UsageRecord) error {
	m.a.metrics.aiCall(rec.Task, rec.Model, rec.Usage.TotalTokens, nil)
	if m.a.billing == nil || rec.Usage.TotalTokens <= 0 || rec.Workspace == "" {
		return nil
	}
	return m.a.billing.usage.Record(ctx, billing.UsageEvent{WorkspaceID: rec.Workspace, Metric: billing.MetricAITokens,
		Quantity: int64(rec.Usage.TotalTokens), IdempotencyKey: "ai:" + rec.ID, At: rec.At})
}

// sandboxModel is the sandbox's knowledge model, counted in the AI call
// metrics (the Gateway counts its own calls through the meter).
type sandboxModel struct {
	next knowledge.Model
	m    *metrics
}

// CompleteJSON implements knowledge.Model.
func (s sandboxModel) CompleteJSON(ctx context.Context, ws string, req knowledge.ModelRequest) ([]byte, error) {
	b, err := s.next.CompleteJSON(ctx, ws, req)
	s.m.aiCall("knowledge_answer", "sandbox-extractive", 0, err)
	return b, err
}

// sandboxEmbedder is the sandbox's embedder, counted in the AI call
// metrics.
type sandboxEmbedder struct {
	next knowledge.Embedder
	m    *metrics
}

// Embed implements knowledge.Embedder.
func (s sandboxEmbedder) Embed(ctx context.Context, ws string, texts []string) ([][]float32, string, error) {
	v, model, err := s.next.Embed(ctx, ws, texts)
	if model == "" {
		model, _ = s.next.EmbeddingModel()
	}
	s.m.aiCall("embed", model, 0, err)
	return v, model, err
}

// EmbeddingModel implements knowledge.Embedder.
func (s sandboxEmbedder) EmbeddingModel() (string, int) { return s.next.EmbeddingModel() }

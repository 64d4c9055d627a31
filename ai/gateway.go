package ai

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Config is one workspace's AI configuration ("AI Training Center").
type Config struct {
	// Disabled turns the workspace's AI off.
	Disabled bool
	// Chain is the ordered fallback chain for chat tasks.
	Chain []Link
	// Embedding overrides the Gateway's embedding model ([WithEmbedding])
	// for this workspace; the zero value uses the Gateway's. It has no
	// fallback: vectors of different models cannot share an index. A
	// knowledge base that checks [Gateway.EmbeddingModel] rejects vectors
	// from an override, so give such a workspace its own base.
	Embedding EmbeddingConfig
	Prompts   Prompts
	// Labels are the intents [Gateway.Classify] chooses from.
	Labels []Label
	// MaxTurns is how many recent turns are sent (0: DefaultMaxTurns).
	MaxTurns int
	// LeadFields is the allow-list of lead fields sent (nil:
	// DefaultLeadFields; empty non-nil: none).
	LeadFields []string
}

// EmbeddingConfig names an embedding provider and model.
type EmbeddingConfig struct {
	Provider string
	Model    string
	// Dimensions asks for vectors of this size (text-embedding-3 models);
	// 0 uses the model's default. Set it to match a pgvector column.
	Dimensions int
}

// Label is a classification label with a description for the model.
type Label struct {
	Name        string
	Description string
}

// ConfigSource returns a workspace's [Config]. The server backs it with
// workspace settings; [StaticConfig] is a map for tests and small setups.
type ConfigSource interface {
	AIConfig(ctx context.Context, workspace string) (Config, error)
}

// ErrNotConfigured is returned by [StaticConfig] for an unknown workspace.
var ErrNotConfigured = errors.New("ai: workspace has no AI configuration")

// StaticConfig is a [ConfigSource] over a map of workspace id to Config.
type StaticConfig map[string]Config

// AIConfig implements [ConfigSource].
func (s StaticConfig) AIConfig(_ context.Context, workspace string) (Config, error) {
	c, ok := s[workspace]
	if !ok {
		return Config{}, ErrNotConfigured
	}
	return c, nil
}

// Policy says whether a workspace may use AI now: false when its AI is
// switched off or its kill switch is on (the workspace package implements
// it). An error is returned as is; false becomes [ErrDisabled].
type Policy interface {
	AIEnabled(ctx context.Context, workspace string) (bool, error)
}

// PolicyFunc adapts a function to [Policy].
type PolicyFunc func(ctx context.Context, workspace string) (bool, error)

// AIEnabled implements [Policy].
func (f PolicyFunc) AIEnabled(ctx context.Context, workspace string) (bool, error) {
	return f(ctx, workspace)
}

// UsageRecord is one metered provider call.
type UsageRecord struct {
	// ID is unique per provider call, so a Meter can ignore a record it
	// has already counted.
	ID        string
	Workspace string
	// Task is "reply", "summarize", "classify", "score_lead", "follow_up"
	// or "embed".
	Task     string
	Provider string
	// Model is the model that actually answered.
	Model string
	Usage Usage
	At    time.Time
}

// Meter records token usage per workspace, task and model; billing
// implements it. RecordAIUsage is called once per successful provider call
// (a retried structured output is two records). Its error is logged, not
// returned: the call already happened.
type Meter interface {
	RecordAIUsage(ctx context.Context, rec UsageRecord) error
}

// MeterFunc adapts a function to [Meter].
type MeterFunc func(ctx context.Context, rec UsageRecord) error

// RecordAIUsage implements [Meter].
func (f MeterFunc) RecordAIUsage(ctx context.Context, rec UsageRecord) error { return f(ctx, rec) }

// Embedder is what ai/knowledge consumes to embed chunks and questions;
// [*Gateway] implements it. Embed returns one vector per text, in order, and
// the model that made them; EmbeddingModel announces the model and
// dimensions Embed uses by default (set with [WithEmbedding]).
type Embedder interface {
	Embed(ctx context.Context, workspace string, texts []string) (vectors [][]float32, model string, err error)
	EmbeddingModel() (name string, dims int)
}

// Gateway is the one door to every provider. For each call it loads the
// workspace's configuration, refuses when the workspace's AI is disabled,
// builds the minimum context (last turns, allow-listed lead fields, the
// passages given), replaces personal data with stable per-conversation
// placeholders and restores them in the output, meters usage, and logs
// counts and timings — never content. It is safe for concurrent use.
type Gateway struct {
	router   *Router
	configs  ConfigSource
	policy   Policy
	meter    Meter
	redactor *Redactor
	logger   *slog.Logger
	now      func() time.Time
	embed    EmbeddingConfig
}

// GatewayOption configures a [Gateway].
type GatewayOption func(*Gateway) error

// WithMeter meters every call.
func WithMeter(m Meter) GatewayOption {
	return func(g *Gateway) error { g.meter = m; return nil }
}

// WithPolicy consults p before every call.
func WithPolicy(p Policy) GatewayOption {
	return func(g *Gateway) error { g.policy = p; return nil }
}

// WithLogger logs one line per call: workspace, task, provider, model,
// counts, tokens and duration. Default: silent.
func WithLogger(l *slog.Logger) GatewayOption {
	return func(g *Gateway) error {
		if l == nil {
			return fmt.Errorf("%w: logger is nil", ErrInvalidInput)
		}
		g.logger = l
		return nil
	}
}

// WithRedactionKey keys the placeholders, so they stay stable across
// restarts and instances (default: a random key per Gateway).
func WithRedactionKey(key []byte) GatewayOption {
	return func(g *Gateway) error {
		if len(key) < 16 {
			return fmt.Errorf("%w: redaction key must be at least 16 bytes", ErrInvalidInput)
		}
		g.redactor = NewRedactor(key)
		return nil
	}
}

// WithEmbedding sets the embedding provider and model every workspace uses
// unless its [Config.Embedding] overrides it. The provider must be
// registered with the Gateway's Router.
func WithEmbedding(ec EmbeddingConfig) GatewayOption {
	return func(g *Gateway) error {
		if _, ok := g.router.Provider(ec.Provider); !ok {
			return fmt.Errorf("embedding.provider: %w %q", ErrUnknownProvider, ec.Provider)
		}
		if ec.Model == "" {
			return fmt.Errorf("%w: embedding.model is empty", ErrInvalidInput)
		}
		if ec.Dimensions < 0 {
			return fmt.Errorf("%w: embedding.dimensions is negative", ErrInvalidInput)
		}
		g.embed = ec
		return nil
	}
}

// EmbeddingModel returns the Gateway's default embedding model and
// dimensions ([WithEmbedding]); "" and 0 when none is set.
func (g *Gateway) EmbeddingModel() (name string, dims int) { return g.embed.Model, g.embed.Dimensions }

// WithGatewayClock sets the clock for usage records and follow-up times.
func WithGatewayClock(now func() time.Time) GatewayOption {
	return func(g *Gateway) error {
		if now == nil {
			return fmt.Errorf("%w: clock is nil", ErrInvalidInput)
		}
		g.now = now
		return nil
	}
}

// NewGateway returns a Gateway over router's providers and the workspaces'
// configurations.
func NewGateway(router *Router, configs ConfigSource, opts ...GatewayOption) (*Gateway, error) {
	if router == nil {
		return nil, fmt.Errorf("ai: new gateway: %w: router is nil", ErrInvalidInput)
	}
	if configs == nil {
		return nil, fmt.Errorf("ai: new gateway: %w: configs is nil", ErrInvalidInput)
	}
	g := &Gateway{router: router, configs: configs, logger: slog.New(slog.DiscardHandler), now: time.Now}
	for _, o := range opts {
		if err := o(g); err != nil {
			return nil, fmt.Errorf("ai: new gateway: %w", err)
		}
	}
	if g.redactor == nil {
		g.redactor = NewRedactor(nil)
	}
	return g, nil
}

// config loads and checks the workspace's configuration.
func (g *Gateway) config(ctx context.Context, workspace string) (Config, error) {
	if workspace == "" {
		return Config{}, fmt.Errorf("%w: workspace is empty", ErrInvalidInput)
	}
	cfg, err := g.configs.AIConfig(ctx, workspace)
	if err != nil {
		return Config{}, err
	}
	if cfg.Disabled {
		return Config{}, ErrDisabled
	}
	if g.policy != nil {
		ok, err := g.policy.AIEnabled(ctx, workspace)
		if err != nil {
			return Config{}, err
		}
		if !ok {
			return Config{}, ErrDisabled
		}
	}
	return cfg, nil
}

func (g *Gateway) meterUsage(ctx context.Context, workspace, task, provider, model string, u Usage) {
	if g.meter == nil {
		return
	}
	var id [12]byte
	_, _ = rand.Read(id[:])
	err := g.meter.RecordAIUsage(ctx, UsageRecord{
		ID: hex.EncodeToString(id[:]), Workspace: workspace, Task: task, Provider: provider, Model: model, Usage: u, At: g.now(),
	})
	if err != nil {
		g.logger.LogAttrs(ctx, slog.LevelWarn, "ai: metering failed",
			slog.String("workspace", workspace), slog.String("task", task), slog.String("error", err.Error()))
	}
}

// Embed embeds texts with the workspace's embedding model after replacing
// personal data in them with placeholders (scoped to the workspace, so the
// same value always embeds the same way). It returns one vector per text
// and the model that produced them, and meters the usage as task "embed".
func (g *Gateway) Embed(ctx context.Context, workspace string, texts []string) ([][]float32, string, error) {
	start := g.now()
	cfg, err := g.config(ctx, workspace)
	if err != nil {
		return nil, "", fmt.Errorf("ai: embed: %w", err)
	}
	ec := cfg.Embedding
	if ec == (EmbeddingConfig{}) {
		ec = g.embed
	}
	if ec.Provider == "" {
		return nil, "", fmt.Errorf("ai: embed: %w: no embedding model configured", ErrInvalidInput)
	}
	p, ok := g.router.Provider(ec.Provider)
	if !ok {
		return nil, "", fmt.Errorf("ai: embed: embedding.provider: %w %q", ErrUnknownProvider, ec.Provider)
	}
	if ec.Model == "" {
		return nil, "", fmt.Errorf("ai: embed: %w: embedding.model is empty", ErrInvalidInput)
	}
	sess := g.redactor.Session(workspace + "/embed")
	red := make([]string, len(texts))
	for i, t := range texts {
		red[i] = sess.Redact(t)
	}
	emb, err := p.Embed(ctx, ec.Model, red, ec.Dimensions)
	if err != nil {
		return nil, "", fmt.Errorf("ai: embed: %w", err)
	}
	g.meterUsage(ctx, workspace, "embed", p.name, emb.Model, emb.Usage)
	g.logger.LogAttrs(ctx, slog.LevelInfo, "ai call",
		slog.String("workspace", workspace), slog.String("task", "embed"),
		slog.String("provider", p.name), slog.String("model", emb.Model),
		slog.Int("texts", len(texts)), slog.Int("redactions", sess.Count()),
		slog.Int("prompt_tokens", emb.Usage.PromptTokens), slog.Duration("duration", g.now().Sub(start)))
	return emb.Vectors, emb.Model, nil
}

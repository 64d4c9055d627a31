package knowledge

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Base is a knowledge base over a Store: it ingests sources, searches and
// answers. It is safe for concurrent use.
type Base struct {
	store    Store
	embedder Embedder
	cfg      config
}

type config struct {
	model          Model
	chunk          ChunkOptions
	batch          int
	maxSourceBytes int
	k              int
	thresholds     Thresholds
	history        int
	now            func() time.Time
	logger         *slog.Logger
}

// Option configures a Base.
type Option func(*config) error

// WithModel sets the model Answer asks; without it Answer returns ErrNoModel.
func WithModel(m Model) Option {
	return func(c *config) error {
		if m == nil {
			return invalid("model", "nil")
		}
		c.model = m
		return nil
	}
}

// WithChunking sets the chunking options (defaults: 500 tokens, 15% overlap).
func WithChunking(o ChunkOptions) Option {
	return func(c *config) error {
		if err := o.validate(); err != nil {
			return err
		}
		c.chunk = o
		return nil
	}
}

// WithEmbedBatch sets how many texts one Embed call carries (default 64).
func WithEmbedBatch(n int) Option {
	return func(c *config) error {
		if n < 1 || n > 2048 {
			return invalid("embed_batch", "must be 1..2048, got %d", n)
		}
		c.batch = n
		return nil
	}
}

// WithMaxSourceBytes caps a source's content (default 8 MiB).
func WithMaxSourceBytes(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return invalid("max_source_bytes", "must be positive, got %d", n)
		}
		c.maxSourceBytes = n
		return nil
	}
}

// WithTopK sets how many chunks Answer retrieves (default 6).
func WithTopK(k int) Option {
	return func(c *config) error {
		if k < 1 || k > 50 {
			return invalid("top_k", "must be 1..50, got %d", k)
		}
		c.k = k
		return nil
	}
}

// WithThresholds sets the retrieval thresholds of Answer.
func WithThresholds(t Thresholds) Option {
	return func(c *config) error {
		if t.MinSimilarity < -1 || t.MinSimilarity > 1 || t.MinContextSimilarity < -1 || t.MinContextSimilarity > 1 {
			return invalid("thresholds", "similarities must be within [-1, 1]")
		}
		c.thresholds = t
		return nil
	}
}

// WithHistory sets how many recent conversation turns Answer passes to
// the model (default 6; the minimum context that resolves follow-ups).
func WithHistory(n int) Option {
	return func(c *config) error {
		if n < 0 || n > 50 {
			return invalid("history", "must be 0..50, got %d", n)
		}
		c.history = n
		return nil
	}
}

// WithClock sets the clock stamping ingested sources (default time.Now).
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return invalid("clock", "nil")
		}
		c.now = now
		return nil
	}
}

// WithLogger makes the Base log ingestion summaries (never content).
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		c.logger = l
		return nil
	}
}

// New returns a Base storing in store and embedding with embedder.
func New(store Store, embedder Embedder, opts ...Option) (*Base, error) {
	if store == nil {
		return nil, invalid("store", "nil")
	}
	if embedder == nil {
		return nil, invalid("embedder", "nil")
	}
	cfg := config{
		batch:          64,
		maxSourceBytes: DefaultMaxSourceBytes,
		k:              6,
		thresholds:     DefaultThresholds,
		history:        6,
		now:            time.Now,
	}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, fmt.Errorf("knowledge: new: %w", err)
		}
	}
	return &Base{store: store, embedder: embedder, cfg: cfg}, nil
}

// SearchOptions adjust one search.
type SearchOptions struct {
	// K is the number of hits (default the Base's top K).
	K      int
	Filter Filter
	// EFSearch overrides the store's approximate search breadth.
	EFSearch int
}

// Search embeds the question and returns the workspace's best chunks by
// fused vector and full-text ranking.
func (b *Base) Search(ctx context.Context, workspace, question string, o SearchOptions) (Results, error) {
	if err := ValidateWorkspace(workspace); err != nil {
		return Results{}, fmt.Errorf("knowledge: search: %w", err)
	}
	if len(question) == 0 || len(question) > 8192 {
		return Results{}, fmt.Errorf("knowledge: search: %w", invalid("question", "must be 1..8192 bytes"))
	}
	vecs, model, err := b.embed(ctx, workspace, []string{question})
	if err != nil {
		return Results{}, fmt.Errorf("knowledge: search: %w", err)
	}
	k := o.K
	if k == 0 {
		k = b.cfg.k
	}
	res, err := b.store.Search(ctx, workspace, Query{
		Vector: vecs[0], Model: model, Text: question, K: k, Filter: o.Filter, EFSearch: o.EFSearch,
	})
	if err != nil {
		return Results{}, fmt.Errorf("knowledge: search: %w", err)
	}
	return res, nil
}

// Delete removes a source and its chunks.
func (b *Base) Delete(ctx context.Context, workspace, sourceID string) error {
	if err := ValidateWorkspace(workspace); err != nil {
		return fmt.Errorf("knowledge: delete: %w", err)
	}
	if err := validateID("source.id", sourceID); err != nil {
		return fmt.Errorf("knowledge: delete: %w", err)
	}
	if err := b.store.DeleteSource(ctx, workspace, sourceID); err != nil {
		return fmt.Errorf("knowledge: delete: %w", err)
	}
	return nil
}

// embed embeds texts in batches, checks the vectors and normalizes them.
// Every batch must come from the same model; it is returned.
func (b *Base) embed(ctx context.Context, workspace string, texts []string) ([][]float32, string, error) {
	announced, dims := b.embedder.EmbeddingModel()
	out := make([][]float32, 0, len(texts))
	model := ""
	for start := 0; start < len(texts); start += b.cfg.batch {
		batch := texts[start:min(start+b.cfg.batch, len(texts))]
		vecs, m, err := b.embedder.Embed(ctx, workspace, batch)
		if err != nil {
			return nil, "", fmt.Errorf("embed: %w", err)
		}
		switch {
		case m == "":
			return nil, "", fmt.Errorf("%w: embedder named no model", ErrEmbedding)
		case model == "":
			model = m
		case m != model:
			return nil, "", fmt.Errorf("%w: embedder switched models between batches (%q, then %q)", ErrEmbedding, model, m)
		}
		if len(vecs) != len(batch) {
			return nil, "", fmt.Errorf("%w: %d vectors for %d texts", ErrEmbedding, len(vecs), len(batch))
		}
		for _, v := range vecs {
			if m == announced && dims > 0 && len(v) != dims {
				return nil, "", fmt.Errorf("%w: %d dimensions, model %q has %d", ErrEmbedding, len(v), m, dims)
			}
			if len(out) > 0 && len(v) != len(out[0]) {
				return nil, "", fmt.Errorf("%w: mixed dimensions %d and %d", ErrEmbedding, len(v), len(out[0]))
			}
			if len(v) > MaxDims {
				return nil, "", fmt.Errorf("%w: %d dimensions, want at most %d", ErrEmbedding, len(v), MaxDims)
			}
			n, err := Normalize(v)
			if err != nil {
				return nil, "", err
			}
			out = append(out, n)
		}
	}
	return out, model, nil
}

// MaxDims is the largest embedding the stores accept.
const MaxDims = 16000

func (b *Base) logInfo(ctx context.Context, msg string, args ...any) {
	if b.cfg.logger != nil {
		b.cfg.logger.InfoContext(ctx, msg, args...)
	}
}

// isNotFound reports whether err is ErrNotFound.
func isNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

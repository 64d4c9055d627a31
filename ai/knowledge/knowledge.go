// Package knowledge is a workspace's retrieval-augmented knowledge base:
// sources (plain text, Markdown, HTML, FAQ pairs, CSV rows, fetched URLs) are
// chunked along headings and paragraphs, embedded once per content and model,
// stored idempotently, retrieved by vector and full-text ranking fused with
// reciprocal rank fusion, and used to answer a question with citations — or
// to say plainly that the knowledge is not there and a person should take
// over.
//
//	kb, err := knowledge.New(store, embedder, knowledge.WithModel(model))
//	if err != nil { ... }
//	_, err = kb.Ingest(ctx, "ws_1", knowledge.Source{
//		ID: "fees", Title: "Fee structure", Format: knowledge.FormatMarkdown,
//		Content: "# Fees\n\nThe JEE two-year batch costs ₹1,80,000.",
//	})
//	ans, err := kb.Answer(ctx, "ws_1", "How much is the JEE batch?", nil)
//	switch ans.Decision {
//	case knowledge.Answered:    // ans.Text with ans.Citations
//	case knowledge.NoKnowledge: // nothing relevant was retrieved: hand off
//	case knowledge.NeedsHuman:  // the model could not answer with a citation
//	}
//
// The package declares the small interfaces it consumes: a [Store]
// (implemented by the memstore and pgstore subpackages, both checked by the
// knowledgetest conformance suite), an [Embedder] and a [Model] for the
// structured answer. Every operation is scoped to one workspace; no store
// query crosses workspaces.
//
// A [Base] is safe for concurrent use; its zero value is not usable, build it
// with [New].
package knowledge

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"
)

// Errors returned by this package and by its stores, matched with errors.Is.
var (
	// ErrNotFound: the source does not exist in the workspace.
	ErrNotFound = errors.New("knowledge: not found")
	// ErrInvalid: an argument failed validation; the error names the field.
	ErrInvalid = errors.New("knowledge: invalid input")
	// ErrTooLarge: a source or fetched document exceeds the configured limit.
	ErrTooLarge = errors.New("knowledge: too large")
	// ErrUnsupportedContentType: a fetched URL returned a type that cannot be ingested.
	ErrUnsupportedContentType = errors.New("knowledge: unsupported content type")
	// ErrEmbedding: the embedder returned unusable vectors (wrong count,
	// dimensions, non-finite or zero values, or a different model than announced).
	ErrEmbedding = errors.New("knowledge: bad embedding")
	// ErrNoModel: Answer was called on a Base built without WithModel.
	ErrNoModel = errors.New("knowledge: no answer model configured")
)

// invalid returns an ErrInvalid error naming the field.
func invalid(field, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrInvalid, field, fmt.Sprintf(format, args...))
}

// Embedder turns texts into vectors. The ai package's Gateway satisfies it
// through an adapter; knowledgetest.NewHashEmbedder is a deterministic one for
// tests.
type Embedder interface {
	// Embed returns one vector per text, in order, and the model that made
	// them. workspace is passed through for metering and limits.
	Embed(ctx context.Context, workspace string, texts []string) (vectors [][]float32, model string, err error)
	// EmbeddingModel names the model Embed currently uses and its
	// dimensions, so that unchanged sources are recognised without a call.
	EmbeddingModel() (name string, dims int)
}

// Store persists sources and chunks and searches them. Implementations must
// be safe for concurrent use, scope every operation to the workspace given,
// return ErrNotFound for missing sources, and pass
// knowledgetest.TestStore.
type Store interface {
	// Source returns the record of one source.
	Source(ctx context.Context, workspace, sourceID string) (SourceRecord, error)
	// Sources returns every source record of the workspace, ordered by ID.
	Sources(ctx context.Context, workspace string) ([]SourceRecord, error)
	// Chunks returns the stored chunks of one source, vectors included,
	// ordered by position. A missing source yields no chunks and no error.
	Chunks(ctx context.Context, workspace, sourceID string) ([]Chunk, error)
	// PutSource records the source and makes its chunk set exactly
	// w.Keep ∪ ids(w.Upsert): other chunks of the source are deleted, kept
	// chunks take the source's current title-independent metadata (URL,
	// language, tags), upserted chunks are written in bulk.
	PutSource(ctx context.Context, workspace string, w SourceWrite) error
	// DeleteSource removes a source and all its chunks.
	DeleteSource(ctx context.Context, workspace, sourceID string) error
	// Search ranks the workspace's chunks of q.Model against q.Vector and
	// q.Text and fuses both rankings (see Fuse).
	Search(ctx context.Context, workspace string, q Query) (Results, error)
}

// SourceRecord is what a store keeps about an ingested source.
type SourceRecord struct {
	ID       string
	Title    string
	URL      string
	Language string
	Tags     []string
	Format   Format
	// Fingerprint hashes the extracted text, title and chunking settings:
	// equal fingerprints (and model) mean re-ingesting would change nothing.
	Fingerprint string
	// Model and Dims of the embeddings of every chunk of the source.
	Model string
	Dims  int
	// Chunks is the number of chunks.
	Chunks     int
	IngestedAt time.Time
}

// SourceWrite is one source's new state given to Store.PutSource.
type SourceWrite struct {
	Source SourceRecord
	// Keep lists chunk IDs already stored that stay as they are.
	Keep []string
	// Upsert holds new or changed chunks, vectors included.
	Upsert []Chunk
}

// Chunk is one retrievable passage of a source.
type Chunk struct {
	// ID is hash(workspace, source, position, content), hex encoded.
	ID       string
	SourceID string
	// Position is the chunk's ordinal in its source; Start and End are byte
	// offsets of Text in the source's extracted text.
	Position   int
	Start, End int
	// Heading is the heading path above the chunk ("Fees › JEE").
	Heading string
	Text    string
	// ContentHash hashes the embedded text (title, heading and text).
	ContentHash string
	// Source metadata copied onto the chunk for filtering and citations.
	Title    string
	URL      string
	Language string
	Tags     []string
	// Embedding: model, dimensions, whether Vector has unit length.
	Model      string
	Dims       int
	Normalized bool
	Vector     []float32
}

// EmbedText is the text embedded for the chunk: title, heading and body.
func (c Chunk) EmbedText() string { return embedText(c.Title, c.Heading, c.Text) }

func embedText(title, heading, text string) string {
	s := title
	if heading != "" && heading != title {
		s += "\n" + heading
	}
	return s + "\n\n" + text
}

const maxIDLen = 200

// ValidateWorkspace reports whether workspace is a usable workspace ID.
func ValidateWorkspace(workspace string) error {
	return validateID("workspace", workspace)
}

func validateID(field, v string) error {
	if v == "" {
		return invalid(field, "empty")
	}
	if len(v) > maxIDLen {
		return invalid(field, "longer than %d bytes", maxIDLen)
	}
	if !utf8.ValidString(v) {
		return invalid(field, "not valid UTF-8")
	}
	for _, r := range v {
		if r < 0x20 || r == 0x7f {
			return invalid(field, "contains control characters")
		}
	}
	return nil
}

// Validate checks a write before a store applies it: the source's fields,
// and that every upserted chunk belongs to the source, has an ID, and
// carries a normalized vector of the source's model and dimensions.
func (w SourceWrite) Validate() error {
	r := &w.Source
	if err := validateID("source.id", r.ID); err != nil {
		return err
	}
	if r.Model == "" {
		return invalid("source.model", "empty")
	}
	if r.Dims < 0 || r.Dims > MaxDims {
		return invalid("source.dims", "must be 0..%d, got %d", MaxDims, r.Dims)
	}
	if len(r.Title) > maxTitleLen || len(r.URL) > maxURLLen || len(r.Language) > maxLanguageLen || len(r.Tags) > maxTags {
		return invalid("source", "title, url, language or tags too long")
	}
	for _, id := range w.Keep {
		if id == "" || len(id) > 64 {
			return invalid("keep", "chunk IDs must be 1..64 bytes")
		}
	}
	for i := range w.Upsert {
		c := &w.Upsert[i]
		field := fmt.Sprintf("upsert[%d]", i)
		switch {
		case c.ID == "" || len(c.ID) > 64:
			return invalid(field+".id", "must be 1..64 bytes")
		case c.SourceID != r.ID:
			return invalid(field+".source_id", "does not match source.id")
		case c.Model != r.Model:
			return invalid(field+".model", "does not match source.model")
		case len(c.Vector) == 0 || c.Dims != len(c.Vector) || c.Dims != r.Dims:
			return invalid(field+".vector", "must have source.dims (%d) components, has %d (dims %d)", r.Dims, len(c.Vector), c.Dims)
		case !c.Normalized || !IsNormalized(c.Vector):
			return invalid(field+".vector", "must be normalized")
		case c.Position < 0 || c.Start < 0 || c.End < c.Start:
			return invalid(field+".position", "position and offsets must be non-negative, end ≥ start")
		case !utf8.ValidString(c.Text) || !utf8.ValidString(c.Heading):
			return invalid(field+".text", "not valid UTF-8")
		}
	}
	return nil
}

package knowledge

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
)

// IngestStats report what one ingestion did.
type IngestStats struct {
	// Chunks is the number of chunks the source now has.
	Chunks int
	// Unchanged is true when the source was already stored as given and
	// nothing was embedded or written.
	Unchanged bool
	// Kept chunks were stored already; Reused chunks are new rows whose
	// vector was copied from a stored chunk of equal content; Embedded
	// chunks were sent to the embedder; Deleted chunks were removed.
	Kept, Reused, Embedded, Deleted int
}

// Ingest chunks, embeds and stores a source, replacing the workspace's
// previous version of the same source ID. It is idempotent: an unchanged
// source embeds and writes nothing, a changed one embeds only chunks whose
// content is new, and chunks of the old version that are gone are deleted.
func (b *Base) Ingest(ctx context.Context, workspace string, src Source) (IngestStats, error) {
	stats, err := b.ingest(ctx, workspace, src)
	if err != nil {
		return IngestStats{}, fmt.Errorf("knowledge: ingest: %w", err)
	}
	b.logInfo(ctx, "knowledge: ingested source", "workspace", workspace, "source", src.ID,
		"chunks", stats.Chunks, "unchanged", stats.Unchanged, "embedded", stats.Embedded,
		"reused", stats.Reused, "kept", stats.Kept, "deleted", stats.Deleted)
	return stats, nil
}

func (b *Base) ingest(ctx context.Context, workspace string, src Source) (IngestStats, error) {
	if err := ValidateWorkspace(workspace); err != nil {
		return IngestStats{}, err
	}
	if err := src.validate(b.cfg.maxSourceBytes); err != nil {
		return IngestStats{}, err
	}
	doc, err := extract(&src)
	if err != nil {
		return IngestStats{}, err
	}
	title := src.Title
	if title == "" {
		title = doc.title
	}
	if title == "" {
		title = src.ID
	}
	spans := chunkDocument(doc, b.cfg.chunk)
	chunks := make([]Chunk, len(spans))
	for i, s := range spans {
		c := Chunk{
			SourceID: src.ID, Position: i, Start: s.start, End: s.end,
			Heading: s.heading, Text: doc.text[s.start:s.end],
			Title: title, URL: src.URL, Language: src.Language, Tags: slices.Clone(src.Tags),
		}
		c.ContentHash = hashHex(c.EmbedText())
		c.ID = ChunkID(workspace, src.ID, i, c.ContentHash)
		chunks[i] = c
	}
	model, dims := b.embedder.EmbeddingModel()
	rec := SourceRecord{
		ID: src.ID, Title: title, URL: src.URL, Language: src.Language, Tags: slices.Clone(src.Tags),
		Format: src.Format, Fingerprint: b.fingerprint(title, &doc, spans), Model: model, Dims: dims,
		Chunks: len(chunks),
	}

	old, err := b.store.Source(ctx, workspace, src.ID)
	switch {
	case err == nil:
		if sameSource(old, rec) {
			return IngestStats{Chunks: old.Chunks, Unchanged: true, Kept: old.Chunks}, nil
		}
	case !isNotFound(err):
		return IngestStats{}, err
	}

	stored, err := b.store.Chunks(ctx, workspace, src.ID)
	if err != nil {
		return IngestStats{}, err
	}
	// Plan under the announced model: keep stored chunks, reuse vectors of
	// equal content, embed the rest. An embedder may answer with another
	// model than it announces (a per-workspace override); the plan is then
	// redone once under the model actually used, so that a source never
	// mixes models.
	const (
		fromEmbed = iota + 1
		fromReuse
		fromKeep
	)
	origin := make([]int, len(chunks))
	vecs := make([][]float32, len(chunks))
	stats := IngestStats{Chunks: len(chunks)}
	for attempt := 0; ; attempt++ {
		byID, byContent := indexStored(stored, model)
		var pending []int
		for i := range chunks {
			c := &chunks[i]
			switch _, kept := byID[c.ID]; {
			case kept:
				origin[i], vecs[i] = fromKeep, nil
			case origin[i] == fromEmbed && vecs[i] != nil:
				// embedded under this model by the previous attempt
			case byContent[c.ContentHash] != nil:
				origin[i], vecs[i] = fromReuse, byContent[c.ContentHash]
			default:
				origin[i], vecs[i] = 0, nil
				pending = append(pending, i)
			}
		}
		if len(pending) == 0 {
			break
		}
		texts := make([]string, len(pending))
		for j, i := range pending {
			texts[j] = chunks[i].EmbedText()
		}
		got, used, err := b.embed(ctx, workspace, texts)
		if err != nil {
			return IngestStats{}, err
		}
		stats.Embedded += len(pending)
		for j, i := range pending {
			origin[i], vecs[i] = fromEmbed, got[j]
		}
		if used == model {
			break
		}
		if attempt > 0 {
			return IngestStats{}, fmt.Errorf("%w: embedder switched models during ingestion (%q, then %q)", ErrEmbedding, model, used)
		}
		model = used
		for i := range chunks {
			if origin[i] != fromEmbed {
				origin[i], vecs[i] = 0, nil
			}
		}
	}
	var w SourceWrite
	rec.Model = model
	for i := range chunks {
		c := &chunks[i]
		c.Model, c.Normalized = model, true
		switch origin[i] {
		case fromKeep:
			w.Keep = append(w.Keep, c.ID)
			stats.Kept++
			continue
		case fromReuse:
			stats.Reused++
		}
		c.Vector, c.Dims = vecs[i], len(vecs[i])
		w.Upsert = append(w.Upsert, *c)
		rec.Dims = c.Dims
	}
	if len(w.Upsert) == 0 && old.Model == model {
		rec.Dims = old.Dims
	}
	newIDs := make(map[string]bool, len(chunks))
	for i := range chunks {
		newIDs[chunks[i].ID] = true
	}
	for i := range stored {
		if !newIDs[stored[i].ID] {
			stats.Deleted++
		}
	}
	rec.IngestedAt = b.cfg.now().UTC()
	w.Source = rec
	if err := b.store.PutSource(ctx, workspace, w); err != nil {
		return IngestStats{}, err
	}
	return stats, nil
}

// indexStored maps the stored chunks of model by ID and content hash.
func indexStored(stored []Chunk, model string) (map[string]bool, map[string][]float32) {
	byID := make(map[string]bool, len(stored))
	byContent := make(map[string][]float32, len(stored))
	for i := range stored {
		if s := &stored[i]; s.Model == model {
			byID[s.ID] = true
			byContent[s.ContentHash] = s.Vector
		}
	}
	return byID, byContent
}

// sameSource reports whether re-ingesting would change nothing.
func sameSource(old, rec SourceRecord) bool {
	return old.Fingerprint == rec.Fingerprint && old.Model == rec.Model &&
		(rec.Dims == 0 || old.Dims == rec.Dims) && old.Title == rec.Title && old.URL == rec.URL &&
		old.Language == rec.Language && slices.Equal(old.Tags, rec.Tags) && old.Format == rec.Format
}

// ChunkID is the identity of a chunk: hash(workspace, source, position,
// content hash), 32 hex digits.
func ChunkID(workspace, sourceID string, position int, contentHash string) string {
	h := sha256.New()
	for _, p := range []string{workspace, sourceID, strconv.Itoa(position), contentHash} {
		h.Write([]byte(strconv.Itoa(len(p))))
		h.Write([]byte{':'})
		h.Write([]byte(p))
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

func hashHex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:16])
}

// fingerprint hashes what determines the chunks: title, extracted text,
// chunk boundaries and headings.
func (b *Base) fingerprint(title string, d *document, spans []chunkSpan) string {
	h := sha256.New()
	fmt.Fprintf(h, "%d:%s|%d:%s|", len(title), title, len(d.text), d.text)
	for _, s := range spans {
		fmt.Fprintf(h, "%d,%d,%d:%s|", s.start, s.end, len(s.heading), s.heading)
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// Reembed re-embeds every source of the workspace stored under another
// model than the embedder's current one, from the stored chunk texts (chunk
// IDs stay the same). Searches use only chunks of the query's model, so
// during re-embedding a search sees each chunk under one model only.
func (b *Base) Reembed(ctx context.Context, workspace string) (IngestStats, error) {
	if err := ValidateWorkspace(workspace); err != nil {
		return IngestStats{}, fmt.Errorf("knowledge: reembed: %w", err)
	}
	model, dims := b.embedder.EmbeddingModel()
	sources, err := b.store.Sources(ctx, workspace)
	if err != nil {
		return IngestStats{}, fmt.Errorf("knowledge: reembed: %w", err)
	}
	var total IngestStats
	for _, rec := range sources {
		if rec.Model == model && (dims == 0 || rec.Dims == dims) {
			total.Chunks += rec.Chunks
			total.Kept += rec.Chunks
			continue
		}
		chunks, err := b.store.Chunks(ctx, workspace, rec.ID)
		if err != nil {
			return IngestStats{}, fmt.Errorf("knowledge: reembed: %w", err)
		}
		texts := make([]string, len(chunks))
		for i := range chunks {
			texts[i] = chunks[i].EmbedText()
		}
		vecs, _, err := b.embed(ctx, workspace, texts)
		if err != nil {
			return IngestStats{}, fmt.Errorf("knowledge: reembed: %w", err)
		}
		for i := range chunks {
			chunks[i].Vector, chunks[i].Dims, chunks[i].Model, chunks[i].Normalized = vecs[i], len(vecs[i]), model, true
		}
		rec.Model, rec.Dims, rec.IngestedAt = model, dims, b.cfg.now().UTC()
		if len(vecs) > 0 {
			rec.Dims = len(vecs[0])
		}
		if err := b.store.PutSource(ctx, workspace, SourceWrite{Source: rec, Upsert: chunks}); err != nil {
			return IngestStats{}, fmt.Errorf("knowledge: reembed: %w", err)
		}
		total.Chunks += len(chunks)
		total.Embedded += len(chunks)
	}
	return total, nil
}

package pgstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/botsync/botsync/ai/knowledge"
)

const upsertSource = `
INSERT INTO knowledge_sources (workspace_id, source_id, title, url, language, tags, format, fingerprint, model, dims, chunks, ingested_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
ON CONFLICT (workspace_id, source_id) DO UPDATE SET
    title = EXCLUDED.title, url = EXCLUDED.url, language = EXCLUDED.language, tags = EXCLUDED.tags,
    format = EXCLUDED.format, fingerprint = EXCLUDED.fingerprint, model = EXCLUDED.model,
    dims = EXCLUDED.dims, chunks = EXCLUDED.chunks, ingested_at = EXCLUDED.ingested_at`

const deleteStale = `
DELETE FROM knowledge_chunks
WHERE workspace_id = $1 AND source_id = $2 AND NOT (id = ANY ($3::text[]))`

const updateKept = `
UPDATE knowledge_chunks SET url = $3, language = $4, tags = $5
WHERE workspace_id = $1 AND source_id = $2
  AND (url <> $3 OR language <> $4 OR tags <> $5::text[])`

const createStage = `
CREATE TEMP TABLE IF NOT EXISTS knowledge_stage (
    id text, source_id text, position integer, start_offset integer, end_offset integer,
    heading text, body text, content_hash text, title text, model text, dims integer,
    normalized boolean, vec real[]
) ON COMMIT DROP`

var stageColumns = []string{
	"id", "source_id", "position", "start_offset", "end_offset", "heading", "body",
	"content_hash", "title", "model", "dims", "normalized", "vec",
}

// mergeStage upserts the staged chunks. A chunk ID already used by another
// source is not taken over (the row count then falls short).
const mergeStage = `
INSERT INTO knowledge_chunks (workspace_id, id, source_id, position, start_offset, end_offset, heading, body,
    content_hash, title, url, language, tags, model_id, model, dims, normalized, embedding, embedding_half)
SELECT $1, s.id, s.source_id, s.position, s.start_offset, s.end_offset, s.heading, s.body,
    s.content_hash, s.title, $2, $3, $4, $5, s.model, s.dims, s.normalized,
    CASE WHEN $6 THEN NULL ELSE s.vec::vector END,
    CASE WHEN $6 THEN s.vec::halfvec END
FROM knowledge_stage s
ON CONFLICT (workspace_id, id) DO UPDATE SET
    position = EXCLUDED.position, start_offset = EXCLUDED.start_offset, end_offset = EXCLUDED.end_offset,
    heading = EXCLUDED.heading, body = EXCLUDED.body, content_hash = EXCLUDED.content_hash,
    title = EXCLUDED.title, url = EXCLUDED.url, language = EXCLUDED.language, tags = EXCLUDED.tags,
    model_id = EXCLUDED.model_id, model = EXCLUDED.model, dims = EXCLUDED.dims,
    normalized = EXCLUDED.normalized, embedding = EXCLUDED.embedding, embedding_half = EXCLUDED.embedding_half
WHERE knowledge_chunks.source_id = EXCLUDED.source_id`

// PutSource implements knowledge.Store in one transaction: upsert the
// source, delete its chunks not kept, refresh the kept chunks' metadata,
// and bulk-merge the upserted chunks through a staging table.
func (s *Store) PutSource(ctx context.Context, ws string, w knowledge.SourceWrite) error {
	if err := knowledge.ValidateWorkspace(ws); err != nil {
		return fmt.Errorf("pgstore: put source: %w", err)
	}
	if err := w.Validate(); err != nil {
		return fmt.Errorf("pgstore: put source: %w", err)
	}
	r := w.Source
	tags := nonNil(r.Tags)
	ids := make([]string, 0, len(w.Keep)+len(w.Upsert))
	ids = append(ids, w.Keep...)
	for i := range w.Upsert {
		ids = append(ids, w.Upsert[i].ID)
	}
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, upsertSource, ws, r.ID, r.Title, r.URL, r.Language, tags, r.Format.String(),
			r.Fingerprint, r.Model, r.Dims, r.Chunks, r.IngestedAt); err != nil {
			return fmt.Errorf("source: %w", err)
		}
		if _, err := tx.Exec(ctx, deleteStale, ws, r.ID, ids); err != nil {
			return fmt.Errorf("delete stale chunks: %w", err)
		}
		if _, err := tx.Exec(ctx, updateKept, ws, r.ID, r.URL, r.Language, tags); err != nil {
			return fmt.Errorf("update kept chunks: %w", err)
		}
		if len(w.Upsert) == 0 {
			return nil
		}
		modelID, err := ensureModel(ctx, tx, r.Model, r.Dims)
		if err != nil {
			return err
		}
		return merge(ctx, tx, ws, modelID, r, tags, w.Upsert, !s.cfg.noCopy)
	})
	if err != nil {
		return fmt.Errorf("pgstore: put source: %w", err)
	}
	return nil
}

func merge(ctx context.Context, tx pgx.Tx, ws string, modelID int, r knowledge.SourceRecord, tags []string, chunks []knowledge.Chunk, copyFrom bool) error {
	if _, err := tx.Exec(ctx, createStage); err != nil {
		return fmt.Errorf("staging table: %w", err)
	}
	if _, err := tx.Exec(ctx, "DELETE FROM knowledge_stage"); err != nil {
		return fmt.Errorf("staging table: %w", err)
	}
	if err := stage(ctx, tx, chunks, copyFrom); err != nil {
		return err
	}
	half := storageFor(r.Dims).typ == "halfvec"
	tag, err := tx.Exec(ctx, mergeStage, ws, r.URL, r.Language, tags, modelID, half)
	if err != nil {
		return fmt.Errorf("merge chunks: %w", err)
	}
	if int(tag.RowsAffected()) != len(chunks) {
		return fmt.Errorf("%w: upsert: a chunk ID belongs to another source", knowledge.ErrInvalid)
	}
	if _, err := tx.Exec(ctx, "DELETE FROM knowledge_stage"); err != nil {
		return fmt.Errorf("staging table: %w", err)
	}
	return nil
}

// ensureModel returns the model's id, registering it and creating its
// partial HNSW index on first use.
func ensureModel(ctx context.Context, tx pgx.Tx, name string, dims int) (int, error) {
	var id int
	err := tx.QueryRow(ctx, `SELECT id FROM knowledge_models WHERE name = $1 AND dims = $2`, name, dims).Scan(&id)
	if err == nil {
		return id, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return 0, fmt.Errorf("model: %w", err)
	}
	// Serialise first registrations so concurrent writers do not race to
	// create the same index.
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('botsync.knowledge_models'))`); err != nil {
		return 0, fmt.Errorf("model lock: %w", err)
	}
	err = tx.QueryRow(ctx, `
INSERT INTO knowledge_models (name, dims) VALUES ($1, $2)
ON CONFLICT (name, dims) DO UPDATE SET name = EXCLUDED.name
RETURNING id`, name, dims).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("model: %w", err)
	}
	st := storageFor(dims)
	if !st.indexable {
		return id, nil
	}
	// Only integers the store owns are formatted into this DDL.
	ddl := fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %s ON knowledge_chunks USING hnsw ((%s::%s(%d)) %s) WHERE model_id = %d`,
		indexName(id), st.column, st.typ, dims, st.ops, id)
	if _, err := tx.Exec(ctx, ddl); err != nil {
		return 0, fmt.Errorf("model index: %w", err)
	}
	return id, nil
}

// DeleteSource implements knowledge.Store; the chunks go by cascade.
func (s *Store) DeleteSource(ctx context.Context, ws, id string) error {
	if err := knowledge.ValidateWorkspace(ws); err != nil {
		return fmt.Errorf("pgstore: delete source: %w", err)
	}
	tag, err := s.db.Exec(ctx, `DELETE FROM knowledge_sources WHERE workspace_id = $1 AND source_id = $2`, ws, id)
	if err != nil {
		return fmt.Errorf("pgstore: delete source: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("pgstore: delete source: %w", knowledge.ErrNotFound)
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// stageUnnest fills the staging table from parallel arrays in one
// statement; vectors travel as one flat real[] sliced per row.
const stageUnnest = `
INSERT INTO knowledge_stage (id, source_id, position, start_offset, end_offset, heading, body, content_hash, title, model, dims, normalized, vec)
SELECT u.id, u.source_id, u.position, u.start_offset, u.end_offset, u.heading, u.body, u.content_hash, u.title, u.model, u.dims, u.normalized,
       ($13::real[])[(u.o - 1) * u.dims + 1 : u.o * u.dims]
FROM unnest($1::text[], $2::text[], $3::int[], $4::int[], $5::int[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::int[], $12::bool[])
     WITH ORDINALITY AS u(id, source_id, position, start_offset, end_offset, heading, body, content_hash, title, model, dims, normalized, o)`

// stage writes chunks into the staging table, with COPY (pgx.CopyFrom)
// or, when copyFrom is false, one INSERT from unnested arrays.
func stage(ctx context.Context, tx pgx.Tx, chunks []knowledge.Chunk, copyFrom bool) error {
	if copyFrom {
		n, err := tx.CopyFrom(ctx, pgx.Identifier{"knowledge_stage"}, stageColumns, pgx.CopyFromSlice(len(chunks), func(i int) ([]any, error) {
			c := &chunks[i]
			return []any{c.ID, c.SourceID, c.Position, c.Start, c.End, c.Heading, c.Text,
				c.ContentHash, c.Title, c.Model, c.Dims, c.Normalized, c.Vector}, nil
		}))
		if err != nil {
			return fmt.Errorf("copy chunks: %w", err)
		}
		if int(n) != len(chunks) {
			return fmt.Errorf("copy chunks: copied %d of %d", n, len(chunks))
		}
		return nil
	}
	n := len(chunks)
	var (
		ids, sources, headings, bodies, hashes, titles, models = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		positions, starts, ends, dims                          = make([]int32, n), make([]int32, n), make([]int32, n), make([]int32, n)
		normalized                                             = make([]bool, n)
		flat                                                   = make([]float32, 0, n*chunks[0].Dims)
	)
	for i := range chunks {
		c := &chunks[i]
		ids[i], sources[i], headings[i], bodies[i], hashes[i], titles[i], models[i] = c.ID, c.SourceID, c.Heading, c.Text, c.ContentHash, c.Title, c.Model
		positions[i], starts[i], ends[i], dims[i] = int32(c.Position), int32(c.Start), int32(c.End), int32(c.Dims)
		normalized[i] = c.Normalized
		flat = append(flat, c.Vector...)
	}
	tag, err := tx.Exec(ctx, stageUnnest, ids, sources, positions, starts, ends, headings, bodies, hashes, titles, models, dims, normalized, flat)
	if err != nil {
		return fmt.Errorf("stage chunks: %w", err)
	}
	if int(tag.RowsAffected()) != n {
		return fmt.Errorf("stage chunks: staged %d of %d", tag.RowsAffected(), n)
	}
	return nil
}

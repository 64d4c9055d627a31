package pgstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/botsync/botsync/ai/knowledge"
)

const sourceColumns = `source_id, title, url, language, tags, format, fingerprint, model, dims, chunks, ingested_at`

func scanSource(row pgx.Row) (knowledge.SourceRecord, error) {
	var (
		r      knowledge.SourceRecord
		format string
	)
	if err := row.Scan(&r.ID, &r.Title, &r.URL, &r.Language, &r.Tags, &format, &r.Fingerprint,
		&r.Model, &r.Dims, &r.Chunks, &r.IngestedAt); err != nil {
		return r, err
	}
	f, err := knowledge.ParseFormat(format)
	if err != nil {
		return r, fmt.Errorf("stored format: %w", err)
	}
	r.Format = f
	r.IngestedAt = r.IngestedAt.UTC()
	if len(r.Tags) == 0 {
		r.Tags = nil
	}
	return r, nil
}

// Source implements knowledge.Store.
func (s *Store) Source(ctx context.Context, ws, id string) (knowledge.SourceRecord, error) {
	if err := knowledge.ValidateWorkspace(ws); err != nil {
		return knowledge.SourceRecord{}, fmt.Errorf("pgstore: source: %w", err)
	}
	r, err := scanSource(s.db.QueryRow(ctx, `SELECT `+sourceColumns+` FROM knowledge_sources WHERE workspace_id = $1 AND source_id = $2`, ws, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return r, fmt.Errorf("pgstore: source: %w", knowledge.ErrNotFound)
	}
	if err != nil {
		return r, fmt.Errorf("pgstore: source: %w", err)
	}
	return r, nil
}

// Sources implements knowledge.Store.
func (s *Store) Sources(ctx context.Context, ws string) ([]knowledge.SourceRecord, error) {
	if err := knowledge.ValidateWorkspace(ws); err != nil {
		return nil, fmt.Errorf("pgstore: sources: %w", err)
	}
	rows, err := s.db.Query(ctx, `SELECT `+sourceColumns+` FROM knowledge_sources WHERE workspace_id = $1 ORDER BY source_id COLLATE "C"`, ws)
	if err != nil {
		return nil, fmt.Errorf("pgstore: sources: %w", err)
	}
	defer rows.Close()
	var out []knowledge.SourceRecord
	for rows.Next() {
		r, err := scanSource(rows)
		if err != nil {
			return nil, fmt.Errorf("pgstore: sources: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("pgstore: sources: %w", err)
	}
	return out, nil
}

// chunkColumns are the chunk fields every read returns, in scanChunk order.
const chunkColumns = `c.id, c.source_id, c.position, c.start_offset, c.end_offset, c.heading, c.body,
    c.content_hash, c.title, c.url, c.language, c.tags, c.model, c.dims, c.normalized`

func chunkDest(c *knowledge.Chunk) []any {
	return []any{&c.ID, &c.SourceID, &c.Position, &c.Start, &c.End, &c.Heading, &c.Text,
		&c.ContentHash, &c.Title, &c.URL, &c.Language, &c.Tags, &c.Model, &c.Dims, &c.Normalized}
}

func fixChunk(c *knowledge.Chunk) {
	if len(c.Tags) == 0 {
		c.Tags = nil
	}
}

// Chunks implements knowledge.Store.
func (s *Store) Chunks(ctx context.Context, ws, id string) ([]knowledge.Chunk, error) {
	if err := knowledge.ValidateWorkspace(ws); err != nil {
		return nil, fmt.Errorf("pgstore: chunks: %w", err)
	}
	rows, err := s.db.Query(ctx, `SELECT `+chunkColumns+`, coalesce(c.embedding::real[], c.embedding_half::real[])
FROM knowledge_chunks c WHERE c.workspace_id = $1 AND c.source_id = $2 ORDER BY c.position, c.id COLLATE "C"`, ws, id)
	if err != nil {
		return nil, fmt.Errorf("pgstore: chunks: %w", err)
	}
	defer rows.Close()
	var out []knowledge.Chunk
	for rows.Next() {
		var c knowledge.Chunk
		if err := rows.Scan(append(chunkDest(&c), &c.Vector)...); err != nil {
			return nil, fmt.Errorf("pgstore: chunks: %w", err)
		}
		fixChunk(&c)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("pgstore: chunks: %w", err)
	}
	return out, nil
}

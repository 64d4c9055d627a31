package pgstore

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/ai/knowledge"
	"github.com/botsync/botsync/internal/pgtest"
)

// Both staging paths write the same rows. The staging table needs no
// pgvector, so this runs on plain PostgreSQL, where COPY is real.
func TestStagePaths(t *testing.T) {
	t.Parallel()
	pool := pgtest.Postgres(t)
	ctx := t.Context()
	chunks := []knowledge.Chunk{
		{ID: "c1", SourceID: "s", Position: 0, Start: 0, End: 5, Heading: "H", Text: "hello", ContentHash: "h1", Title: "T", Model: "m", Dims: 3, Normalized: true, Vector: []float32{1, 0, 0}},
		{ID: "c2", SourceID: "s", Position: 1, Start: 6, End: 11, Heading: "", Text: "फीस", ContentHash: "h2", Title: "T", Model: "m", Dims: 3, Normalized: true, Vector: []float32{0, 0.6, 0.8}},
	}
	for _, copyFrom := range []bool{true, false} {
		tx, err := pool.Begin(ctx)
		require.NoError(t, err)
		_, err = tx.Exec(ctx, createStage)
		require.NoError(t, err)
		require.NoError(t, stage(ctx, tx, chunks, copyFrom))
		rows, err := tx.Query(ctx, `SELECT id, source_id, position, start_offset, end_offset, heading, body, content_hash, title, model, dims, normalized, vec FROM knowledge_stage ORDER BY position`)
		require.NoError(t, err)
		var got []knowledge.Chunk
		for rows.Next() {
			var c knowledge.Chunk
			require.NoError(t, rows.Scan(&c.ID, &c.SourceID, &c.Position, &c.Start, &c.End, &c.Heading, &c.Text, &c.ContentHash, &c.Title, &c.Model, &c.Dims, &c.Normalized, &c.Vector))
			got = append(got, c)
		}
		require.NoError(t, rows.Err())
		assert.Equal(t, chunks, got, "copyFrom=%t", copyFrom)
		require.NoError(t, tx.Rollback(ctx))
	}
}

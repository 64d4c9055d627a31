package pgstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/botsync/botsync/ai/knowledge"
)

// searchSQL is the one search statement. Placeholders in braces are
// replaced by searchStatement with store-owned integers and fixed
// identifiers only; every value from the caller is a $n parameter:
// $1 workspace, $2 query vector (real[]), $3 candidates per ranking,
// $4 tsquery text, $5 k, $6 source IDs, $7 tags, $8 languages.
const searchSQL = `
WITH vec AS MATERIALIZED (
    SELECT c.id, {dist} AS dist
    FROM knowledge_chunks c
    WHERE c.workspace_id = $1 AND c.model_id = {model} {filter}
    ORDER BY {dist}
    LIMIT $3
), vr AS (
    SELECT id, row_number() OVER (ORDER BY dist, id COLLATE "C") AS rank FROM vec
), txt AS (
    SELECT c.id, ts_rank(c.tsv, q.query)::float8 AS score
    FROM knowledge_chunks c,
         (SELECT CASE WHEN $4::text = '' THEN NULL ELSE to_tsquery('simple', $4::text) END AS query) q
    WHERE c.workspace_id = $1 AND c.model_id = {model} {filter} AND c.tsv @@ q.query
    ORDER BY score DESC, c.id COLLATE "C"
    LIMIT $3
), tr AS (
    SELECT id, score, row_number() OVER (ORDER BY score DESC, id COLLATE "C") AS rank FROM txt
), fused AS (
    SELECT coalesce(vr.id, tr.id) AS id, coalesce(vr.rank, 0) AS vrank, coalesce(tr.rank, 0) AS trank,
           coalesce(tr.score, 0) AS tscore,
           coalesce(1.0 / ({rrfk} + vr.rank), 0) + coalesce(1.0 / ({rrfk} + tr.rank), 0) AS score
    FROM vr FULL JOIN tr ON vr.id = tr.id
    ORDER BY 5 DESC, coalesce(vr.id, tr.id) COLLATE "C"
    LIMIT $5
)
SELECT ` + chunkColumns + `,
       -(c.{column} <#> $2::real[]::{type})::float8 AS similarity,
       f.vrank, f.trank, f.tscore, f.score::float8
FROM fused f JOIN knowledge_chunks c ON c.workspace_id = $1 AND c.id = f.id
ORDER BY f.score DESC, f.id COLLATE "C"`

const filterSQL = `AND ($6::text[] IS NULL OR c.source_id = ANY ($6::text[]))
      AND ($7::text[] IS NULL OR c.tags && $7::text[])
      AND ($8::text[] IS NULL OR c.language = ANY ($8::text[]))`

// searchStatement renders searchSQL for a model. With indexed true the
// KNN orders by the exact expression of the model's partial HNSW index.
func searchStatement(modelID, dims int, indexed bool) string {
	st := storageFor(dims)
	d := strconv.Itoa(dims)
	dist := "c." + st.column + " <#> $2::real[]::" + st.typ
	if indexed {
		dist = "(c." + st.column + "::" + st.typ + "(" + d + ")) <#> ($2::real[]::" + st.typ + "(" + d + "))"
	}
	return strings.NewReplacer(
		"{dist}", dist,
		"{model}", strconv.Itoa(modelID),
		"{filter}", filterSQL,
		"{rrfk}", strconv.Itoa(knowledge.RRFK),
		"{column}", st.column,
		"{type}", st.typ,
	).Replace(searchSQL)
}

// plan is how one query runs.
type plan struct {
	sql     string
	args    []any
	indexed bool
	found   bool
}

// plan looks up the model and the workspace's chunk count (bounded by the
// exact-search threshold) and picks the exact or the indexed statement.
func (s *Store) plan(ctx context.Context, tx pgx.Tx, ws string, q knowledge.Query) (plan, error) {
	var modelID, count int
	err := tx.QueryRow(ctx, `
SELECT m.id, (SELECT count(*) FROM (SELECT 1 FROM knowledge_chunks c
                WHERE c.workspace_id = $1 AND c.model_id = m.id LIMIT $4) n)
FROM knowledge_models m WHERE m.name = $2 AND m.dims = $3`, ws, q.Model, len(q.Vector), max(s.cfg.exactBelow, 1)).Scan(&modelID, &count)
	if errors.Is(err, pgx.ErrNoRows) {
		return plan{}, nil
	}
	if err != nil {
		return plan{}, fmt.Errorf("model: %w", err)
	}
	if count == 0 {
		return plan{}, nil
	}
	indexed := storageFor(len(q.Vector)).indexable && count >= s.cfg.exactBelow
	return plan{
		sql:     searchStatement(modelID, len(q.Vector), indexed),
		args:    []any{ws, q.Vector, q.CandidateCount(), knowledge.TSQuery(q.Text), q.K, nilIfEmpty(q.Filter.SourceIDs), nilIfEmpty(q.Filter.Tags), nilIfEmpty(q.Filter.Languages)},
		indexed: indexed,
		found:   true,
	}, nil
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

// setHNSW sets the transaction's HNSW search settings: ef_search, the
// relaxed iterative scan (so filtered searches still find k rows), and
// enable_sort off, so that the planner takes the HNSW index's order rather
// than sorting a filtered btree or sequential scan (which it prefers on
// selective workspace filters); the statement's other sorts have no
// alternative and still run.
func (s *Store) setHNSW(ctx context.Context, tx pgx.Tx, q knowledge.Query) error {
	ef := q.EFSearch
	if ef == 0 {
		ef = s.cfg.efSearch
	}
	ef = max(ef, q.CandidateCount())
	_, err := tx.Exec(ctx, `SELECT set_config('hnsw.ef_search', $1, true), set_config('hnsw.iterative_scan', 'relaxed_order', true), set_config('enable_sort', 'off', true)`, strconv.Itoa(min(ef, 1000)))
	if err != nil {
		return fmt.Errorf("hnsw settings: %w", err)
	}
	return nil
}

// Search implements knowledge.Store.
func (s *Store) Search(ctx context.Context, ws string, q knowledge.Query) (knowledge.Results, error) {
	if err := knowledge.ValidateWorkspace(ws); err != nil {
		return knowledge.Results{}, fmt.Errorf("pgstore: search: %w", err)
	}
	if err := q.Validate(); err != nil {
		return knowledge.Results{}, fmt.Errorf("pgstore: search: %w", err)
	}
	var res knowledge.Results
	err := s.readTx(ctx, func(tx pgx.Tx) error {
		p, err := s.plan(ctx, tx, ws, q)
		if err != nil || !p.found {
			return err
		}
		if p.indexed {
			if err := s.setHNSW(ctx, tx, q); err != nil {
				return err
			}
		}
		rows, err := tx.Query(ctx, p.sql, p.args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var h knowledge.Hit
			if err := rows.Scan(append(chunkDest(&h.Chunk), &h.Similarity, &h.VectorRank, &h.TextRank, &h.TextScore, &h.Score)...); err != nil {
				return err
			}
			fixChunk(&h.Chunk)
			res.Hits = append(res.Hits, h)
		}
		return rows.Err()
	})
	if err != nil {
		return knowledge.Results{}, fmt.Errorf("pgstore: search: %w", err)
	}
	res.Partial = len(res.Hits) < q.K
	return res, nil
}

// Explain returns PostgreSQL's plan for the statement Search would run for
// q (EXPLAIN, without executing it), for diagnostics and tests; "" when the
// workspace has no chunks of the query's model.
func (s *Store) Explain(ctx context.Context, ws string, q knowledge.Query) (string, error) {
	if err := knowledge.ValidateWorkspace(ws); err != nil {
		return "", fmt.Errorf("pgstore: explain: %w", err)
	}
	if err := q.Validate(); err != nil {
		return "", fmt.Errorf("pgstore: explain: %w", err)
	}
	var out strings.Builder
	err := s.readTx(ctx, func(tx pgx.Tx) error {
		p, err := s.plan(ctx, tx, ws, q)
		if err != nil || !p.found {
			return err
		}
		if p.indexed {
			if err := s.setHNSW(ctx, tx, q); err != nil {
				return err
			}
		}
		rows, err := tx.Query(ctx, "EXPLAIN "+p.sql, p.args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				return err
			}
			out.WriteString(line)
			out.WriteByte('\n')
		}
		return rows.Err()
	})
	if err != nil {
		return "", fmt.Errorf("pgstore: explain: %w", err)
	}
	return out.String(), nil
}

// Package pgintake is the PostgreSQL intake.Store: one row per delivery,
// inserted with its dedup key in a single statement (so storing the raw
// event and queueing its processing is one atomic step, and Put can join a
// caller's transaction), claimed with FOR UPDATE SKIP LOCKED so any number
// of server instances share the queue.
//
//	if err := pgintake.Migrate(ctx, pool); err != nil { … }
//	q, err := intake.New(pgintake.New(pool), process)
package pgintake

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/botsync/botsync/internal/intake"
	"github.com/botsync/botsync/internal/pgmigrate"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrate applies the package's migrations.
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	return pgmigrate.Up(ctx, pool, "intake", migrations, "migrations")
}

// DB is what the Store needs: *pgxpool.Pool, *pgx.Conn and pgx.Tx satisfy it.
type DB interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Store is an intake.Store on PostgreSQL, safe for concurrent use.
type Store struct{ db DB }

// New returns a store over db.
func New(db DB) *Store { return &Store{db: db} }

var _ intake.Store = (*Store)(nil)

// Put implements intake.Store.
func (s *Store) Put(ctx context.Context, kind, key string, body []byte, at time.Time) (int64, bool, error) {
	var id int64
	err := s.db.QueryRow(ctx, `INSERT INTO intake_jobs (kind, key, body, received_at, next_at) VALUES ($1, $2, coalesce($3, ''::bytea), $4, $4)
		ON CONFLICT (kind, key) DO NOTHING RETURNING id`, kind, key, body, at).Scan(&id)
	if err == nil {
		return id, true, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return 0, false, fmt.Errorf("pgintake: put: %w", err)
	}
	if err := s.db.QueryRow(ctx, `SELECT id FROM intake_jobs WHERE kind = $1 AND key = $2`, kind, key).Scan(&id); err != nil {
		return 0, false, fmt.Errorf("pgintake: put: %w", err)
	}
	return id, false, nil
}

const cols = `id, kind, key, body, state, attempts, last_error, received_at, next_at, coalesce(done_at, 'epoch'::timestamptz)`

func scan(rows pgx.Rows) ([]intake.Job, error) {
	defer rows.Close()
	var out []intake.Job
	for rows.Next() {
		var j intake.Job
		if err := rows.Scan(&j.ID, &j.Kind, &j.Key, &j.Body, &j.State, &j.Attempts, &j.LastError, &j.ReceivedAt, &j.NextAt, &j.DoneAt); err != nil {
			return nil, err
		}
		if j.DoneAt.Unix() == 0 {
			j.DoneAt = time.Time{}
		}
		j.ReceivedAt, j.NextAt = j.ReceivedAt.UTC(), j.NextAt.UTC()
		out = append(out, j)
	}
	return out, rows.Err()
}

// Claim implements intake.Store.
func (s *Store) Claim(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]intake.Job, error) {
	rows, err := s.db.Query(ctx, `UPDATE intake_jobs SET lease_until = $2
		WHERE id IN (SELECT id FROM intake_jobs WHERE state = 'queued' AND next_at <= $1 AND (lease_until IS NULL OR lease_until <= $1)
			ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED)
		RETURNING `+cols, now, now.Add(lease), limit)
	if err != nil {
		return nil, fmt.Errorf("pgintake: claim: %w", err)
	}
	jobs, err := scan(rows)
	if err != nil {
		return nil, fmt.Errorf("pgintake: claim: %w", err)
	}
	// RETURNING does not keep the subquery's order.
	for i := 1; i < len(jobs); i++ {
		for k := i; k > 0 && jobs[k].ID < jobs[k-1].ID; k-- {
			jobs[k], jobs[k-1] = jobs[k-1], jobs[k]
		}
	}
	return jobs, nil
}

func (s *Store) update(ctx context.Context, op, sql string, args ...any) error {
	tag, err := s.db.Exec(ctx, sql, args...)
	if err != nil {
		return fmt.Errorf("pgintake: %s: %w", op, err)
	}
	if tag.RowsAffected() == 0 {
		return intake.ErrNotFound
	}
	return nil
}

// Done implements intake.Store.
func (s *Store) Done(ctx context.Context, id int64, at time.Time) error {
	return s.update(ctx, "done", `UPDATE intake_jobs SET state = 'done', done_at = $2, attempts = attempts + 1, lease_until = NULL WHERE id = $1`, id, at)
}

// Retry implements intake.Store.
func (s *Store) Retry(ctx context.Context, id int64, next time.Time, errText string, wait bool) error {
	inc := 1
	if wait {
		inc = 0
	}
	return s.update(ctx, "retry", `UPDATE intake_jobs SET next_at = $2, last_error = $3, attempts = attempts + $4, lease_until = NULL WHERE id = $1`, id, next, errText, inc)
}

// Bury implements intake.Store.
func (s *Store) Bury(ctx context.Context, id int64, errText string) error {
	return s.update(ctx, "bury", `UPDATE intake_jobs SET state = 'dead', last_error = $2, attempts = attempts + 1, lease_until = NULL WHERE id = $1`, id, errText)
}

// Dead implements intake.Store.
func (s *Store) Dead(ctx context.Context, after int64, limit int) ([]intake.Job, error) {
	rows, err := s.db.Query(ctx, `SELECT `+cols+` FROM intake_jobs WHERE state = 'dead' AND id > $1 ORDER BY id LIMIT $2`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("pgintake: dead: %w", err)
	}
	return scan(rows)
}

// Replay implements intake.Store.
func (s *Store) Replay(ctx context.Context, id int64, now time.Time) error {
	return s.update(ctx, "replay", `UPDATE intake_jobs SET state = 'queued', attempts = 0, next_at = $2, lease_until = NULL WHERE id = $1 AND state = 'dead'`, id, now)
}

// Stats implements intake.Store.
func (s *Store) Stats(ctx context.Context) (map[string]int, error) {
	rows, err := s.db.Query(ctx, `SELECT state, count(*) FROM intake_jobs GROUP BY state`)
	if err != nil {
		return nil, fmt.Errorf("pgintake: stats: %w", err)
	}
	defer rows.Close()
	out := map[string]int{intake.StateQueued: 0, intake.StateDone: 0, intake.StateDead: 0}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, err
		}
		out[st] = n
	}
	return out, rows.Err()
}

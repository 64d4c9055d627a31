// Package pgstore is the PostgreSQL bot.Store (PostgreSQL 15 or later):
// rules, once-only claims (comment-to-DM), due items, AI state and scoring
// slots, every row keyed by its workspace.
//
//	if err := pgstore.Migrate(ctx, pool); err != nil { … }
//	eng, err := bot.New(registry, crmService, pgstore.New(pool))
//
// Claims are INSERT … ON CONFLICT DO NOTHING, so of any number of instances
// exactly one wins a comment; due items are leased with FOR UPDATE SKIP
// LOCKED, so several runners share them. New accepts a *pgxpool.Pool or a
// pgx.Tx. The Store is safe for concurrent use and passes bottest.TestStore.
package pgstore

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/botsync/botsync/bot"
	"github.com/botsync/botsync/internal/pgmigrate"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrate applies the bot schema's migrations.
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	return pgmigrate.Up(ctx, pool, "bot", migrations, "migrations")
}

// DB is what the Store needs from pgx; *pgxpool.Pool and pgx.Tx satisfy it.
type DB interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Store is the PostgreSQL bot.Store.
type Store struct{ db DB }

var _ bot.Store = (*Store)(nil)

// New returns a Store over db (the schema must be migrated).
func New(db DB) *Store { return &Store{db: db} }

func mapErr(op string, err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("bot/pgstore: %s: %w", op, bot.ErrNotFound)
	}
	return fmt.Errorf("bot/pgstore: %s: %w", op, err)
}

// PutRule implements bot.Store.
func (s *Store) PutRule(ctx context.Context, r bot.Rule) error {
	if r.Workspace == "" || r.ID == "" {
		return fmt.Errorf("bot/pgstore: put rule: %w", bot.ErrInvalid)
	}
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("bot/pgstore: put rule: %w", err)
	}
	_, err = s.db.Exec(ctx, `INSERT INTO bot_rules (workspace_id, id, position, rule, disabled, disabled_reason, failures)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (workspace_id, id) DO UPDATE SET position = $3, rule = $4, disabled = $5,
			disabled_reason = $6, failures = $7, updated_at = now()`,
		r.Workspace, r.ID, r.Position, b, r.Disabled, r.DisabledReason, r.Failures)
	if err != nil {
		return mapErr("put rule", err)
	}
	return nil
}

// Rules implements bot.Store.
func (s *Store) Rules(ctx context.Context, ws string) ([]bot.Rule, error) {
	rows, err := s.db.Query(ctx, `SELECT rule, disabled, disabled_reason, failures FROM bot_rules
		WHERE workspace_id = $1 ORDER BY position, id`, ws)
	if err != nil {
		return nil, mapErr("rules", err)
	}
	defer rows.Close()
	var out []bot.Rule
	for rows.Next() {
		var b []byte
		var r bot.Rule
		var dis bool
		var reason string
		var fails int
		if err := rows.Scan(&b, &dis, &reason, &fails); err != nil {
			return nil, mapErr("rules", err)
		}
		if err := json.Unmarshal(b, &r); err != nil {
			return nil, mapErr("rules", err)
		}
		r.Disabled, r.DisabledReason, r.Failures = dis, reason, fails
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, mapErr("rules", err)
	}
	return out, nil
}

// DeleteRule implements bot.Store.
func (s *Store) DeleteRule(ctx context.Context, ws, id string) error {
	tag, err := s.db.Exec(ctx, `DELETE FROM bot_rules WHERE workspace_id = $1 AND id = $2`, ws, id)
	if err != nil {
		return mapErr("delete rule", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("bot/pgstore: delete rule: %w", bot.ErrNotFound)
	}
	return nil
}

// RuleFailed implements bot.Store.
func (s *Store) RuleFailed(ctx context.Context, ws, id string, max int, reason string) (int, bool, error) {
	var n int
	var disabled bool
	err := s.db.QueryRow(ctx, `WITH old AS (
			SELECT disabled FROM bot_rules WHERE workspace_id = $1 AND id = $2 FOR UPDATE
		)
		UPDATE bot_rules r SET failures = r.failures + 1,
			disabled = r.disabled OR r.failures + 1 >= $3,
			disabled_reason = CASE WHEN NOT r.disabled AND r.failures + 1 >= $3 THEN $4 ELSE r.disabled_reason END
		FROM old WHERE r.workspace_id = $1 AND r.id = $2
		RETURNING r.failures, r.disabled AND NOT old.disabled`, ws, id, max, reason).Scan(&n, &disabled)
	if err != nil {
		return 0, false, mapErr("rule failed", err)
	}
	return n, disabled, nil
}

// RuleSucceeded implements bot.Store.
func (s *Store) RuleSucceeded(ctx context.Context, ws, id string) error {
	tag, err := s.db.Exec(ctx, `UPDATE bot_rules SET failures = 0 WHERE workspace_id = $1 AND id = $2`, ws, id)
	if err != nil {
		return mapErr("rule succeeded", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("bot/pgstore: rule succeeded: %w", bot.ErrNotFound)
	}
	return nil
}

// Claim implements bot.Store.
func (s *Store) Claim(ctx context.Context, ws, key string) (bool, error) {
	tag, err := s.db.Exec(ctx, `INSERT INTO bot_claims (workspace_id, key) VALUES ($1, $2) ON CONFLICT DO NOTHING`, ws, key)
	if err != nil {
		return false, mapErr("claim", err)
	}
	return tag.RowsAffected() == 1, nil
}

// Release implements bot.Store.
func (s *Store) Release(ctx context.Context, ws, key string) error {
	if _, err := s.db.Exec(ctx, `DELETE FROM bot_claims WHERE workspace_id = $1 AND key = $2`, ws, key); err != nil {
		return mapErr("release", err)
	}
	return nil
}

// Schedule implements bot.Store.
func (s *Store) Schedule(ctx context.Context, d bot.Due) error {
	if d.Workspace == "" || d.Key == "" || d.ID == "" {
		return fmt.Errorf("bot/pgstore: schedule: %w", bot.ErrInvalid)
	}
	b, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("bot/pgstore: schedule: %w", err)
	}
	_, err = s.db.Exec(ctx, `INSERT INTO bot_due (workspace_id, key, version, conversation_id, due_at, item)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (workspace_id, key) DO UPDATE SET version = $3, conversation_id = $4, due_at = $5,
			item = $6, lease_until = '-infinity'`,
		d.Workspace, d.Key, d.ID, d.ConversationID, d.At, b)
	if err != nil {
		return mapErr("schedule", err)
	}
	return nil
}

// TakeDue implements bot.Store.
func (s *Store) TakeDue(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]bot.Due, error) {
	rows, err := s.db.Query(ctx, `WITH picked AS (
			SELECT workspace_id, key FROM bot_due
			WHERE due_at <= $1 AND lease_until <= $1
			ORDER BY due_at, key LIMIT $3 FOR UPDATE SKIP LOCKED
		)
		UPDATE bot_due d SET lease_until = $2 FROM picked
		WHERE d.workspace_id = picked.workspace_id AND d.key = picked.key
		RETURNING d.item`, now, now.Add(lease), limit)
	if err != nil {
		return nil, mapErr("take due", err)
	}
	defer rows.Close()
	var out []bot.Due
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return nil, mapErr("take due", err)
		}
		var d bot.Due
		if err := json.Unmarshal(b, &d); err != nil {
			return nil, mapErr("take due", err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, mapErr("take due", err)
	}
	sortDue(out)
	return out, nil
}

func sortDue(ds []bot.Due) {
	for i := 1; i < len(ds); i++ {
		for j := i; j > 0 && (ds[j].At.Before(ds[j-1].At) || ds[j].At.Equal(ds[j-1].At) && ds[j].Key < ds[j-1].Key); j-- {
			ds[j], ds[j-1] = ds[j-1], ds[j]
		}
	}
}

// DoneDue implements bot.Store.
func (s *Store) DoneDue(ctx context.Context, ws, key, id string) error {
	if _, err := s.db.Exec(ctx, `DELETE FROM bot_due WHERE workspace_id = $1 AND key = $2 AND version = $3`, ws, key, id); err != nil {
		return mapErr("done due", err)
	}
	return nil
}

// CancelDue implements bot.Store.
func (s *Store) CancelDue(ctx context.Context, ws, convID string) error {
	if _, err := s.db.Exec(ctx, `DELETE FROM bot_due WHERE workspace_id = $1 AND conversation_id = $2`, ws, convID); err != nil {
		return mapErr("cancel due", err)
	}
	return nil
}

// AIState implements bot.Store.
func (s *Store) AIState(ctx context.Context, ws, convID string) (bot.AIState, error) {
	var st bot.AIState
	var until *time.Time
	err := s.db.QueryRow(ctx, `SELECT paused, until, reason FROM bot_ai_state WHERE workspace_id = $1 AND conversation_id = $2`,
		ws, convID).Scan(&st.Paused, &until, &st.Reason)
	if errors.Is(err, pgx.ErrNoRows) {
		return bot.AIState{}, nil
	}
	if err != nil {
		return bot.AIState{}, mapErr("ai state", err)
	}
	if until != nil {
		st.Until = until.UTC()
	}
	return st, nil
}

// SetAIState implements bot.Store.
func (s *Store) SetAIState(ctx context.Context, ws, convID string, st bot.AIState) error {
	var err error
	if !st.Paused && st.Until.IsZero() && st.Reason == "" {
		_, err = s.db.Exec(ctx, `DELETE FROM bot_ai_state WHERE workspace_id = $1 AND conversation_id = $2`, ws, convID)
	} else {
		var until *time.Time
		if !st.Until.IsZero() {
			until = &st.Until
		}
		_, err = s.db.Exec(ctx, `INSERT INTO bot_ai_state (workspace_id, conversation_id, paused, until, reason)
			VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (workspace_id, conversation_id) DO UPDATE SET paused = $3, until = $4, reason = $5`,
			ws, convID, st.Paused, until, st.Reason)
	}
	if err != nil {
		return mapErr("set ai state", err)
	}
	return nil
}

// TakeScoreSlot implements bot.Store.
func (s *Store) TakeScoreSlot(ctx context.Context, ws, leadID string, now time.Time, every time.Duration) (bool, error) {
	tag, err := s.db.Exec(ctx, `INSERT INTO bot_score_slots (workspace_id, lead_id, scored_at) VALUES ($1, $2, $3)
		ON CONFLICT (workspace_id, lead_id) DO UPDATE SET scored_at = $3
		WHERE bot_score_slots.scored_at + $4 <= $3`, ws, leadID, now, every)
	if err != nil {
		return false, mapErr("take score slot", err)
	}
	return tag.RowsAffected() == 1, nil
}

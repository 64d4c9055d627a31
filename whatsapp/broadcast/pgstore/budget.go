package pgstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/botsync/botsync/whatsapp/broadcast"
)

// TierBudget is a [broadcast.Budget] in PostgreSQL, shared by every server
// instance: unique recipients per rolling 24 hours per business phone
// number, against the number's messaging-limit tier. A contact counts when
// first messaged in the window; admissions are serialised per number by a
// transaction-scoped advisory lock inside one function call (one round
// trip). Hourly counters make the window err on the safe side: a contact
// counts for between 24 and 25 hours. Safe for concurrent use.
type TierBudget struct {
	db  DB
	now func() time.Time
}

var _ broadcast.Budget = (*TierBudget)(nil)

// NewTierBudget returns a budget over db (migrated with [Migrate]) on clock
// now (nil: time.Now). Numbers without a limit are unlimited.
func NewTierBudget(db DB, now func() time.Time) *TierBudget {
	if now == nil {
		now = time.Now
	}
	return &TierBudget{db: db, now: now}
}

// SetLimit sets a number's unique recipients per 24 hours (0: unlimited).
func (b *TierBudget) SetLimit(ctx context.Context, workspaceID, phoneNumberID string, perDay int) error {
	if perDay < 0 {
		return errors.New("broadcast/pgstore: messaging limit: must not be negative")
	}
	_, err := b.db.Exec(ctx, `INSERT INTO broadcast_tier_limits (workspace_id, phone_number_id, per_day)
VALUES ($1, $2, $3) ON CONFLICT (workspace_id, phone_number_id) DO UPDATE SET per_day = EXCLUDED.per_day`,
		workspaceID, phoneNumberID, perDay)
	return mapErr(err)
}

// SetTier sets a number's limit from its tier (see broadcast.TierLimit).
func (b *TierBudget) SetTier(ctx context.Context, workspaceID, phoneNumberID, tier string) error {
	n, ok := broadcast.TierLimit(tier)
	if !ok {
		return fmt.Errorf("broadcast/pgstore: messaging_limit_tier: unknown tier")
	}
	return b.SetLimit(ctx, workspaceID, phoneNumberID, n)
}

// Admit implements [broadcast.Budget].
func (b *TierBudget) Admit(ctx context.Context, workspaceID, phoneNumberID, contact string) (bool, time.Time, error) {
	var retry *time.Time
	err := b.db.QueryRow(ctx, `SELECT broadcast_tier_admit($1, $2, $3, $4)`, workspaceID, phoneNumberID, contact, b.now()).Scan(&retry)
	if err != nil {
		return false, time.Time{}, mapErr(err)
	}
	if retry != nil {
		return false, *retry, nil
	}
	return true, time.Time{}, nil
}

// Used returns how many contacts count against the number's tier now.
func (b *TierBudget) Used(ctx context.Context, workspaceID, phoneNumberID string) (int, error) {
	var n int
	err := b.db.QueryRow(ctx, `SELECT coalesce(sum(n), 0) FROM broadcast_tier_hours
WHERE workspace_id = $1 AND phone_number_id = $2 AND hour > date_trunc('hour', $3::timestamptz) - interval '25 hours'`,
		workspaceID, phoneNumberID, b.now()).Scan(&n)
	return n, mapErr(err)
}

// Prune deletes counters and contacts that no longer count, returning
// how many rows went. Run it now and then (hourly is plenty).
func (b *TierBudget) Prune(ctx context.Context) (int64, error) {
	now := b.now()
	t1, err := b.db.Exec(ctx, `DELETE FROM broadcast_tier_hours WHERE hour <= date_trunc('hour', $1::timestamptz) - interval '25 hours'`, now)
	if err != nil {
		return 0, mapErr(err)
	}
	t2, err := b.db.Exec(ctx, `DELETE FROM broadcast_tier_contacts WHERE at <= $1::timestamptz - interval '24 hours'`, now)
	if err != nil {
		return 0, mapErr(err)
	}
	return t1.RowsAffected() + t2.RowsAffected(), nil
}

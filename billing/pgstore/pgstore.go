// Package pgstore is a PostgreSQL [billing.Store] (pgx/v5, PostgreSQL 15+).
// Apply its migrations with [Migrate] once at start-up; then any
// *pgxpool.Pool or pgx.Tx works as the [DB], so callers can compose a
// billing write with their own in one transaction.
//
//	if err := pgstore.Migrate(ctx, pool); err != nil { ... }
//	store := pgstore.New(pool)
//
// Rows carry their workspace id (webhook events their Razorpay account id;
// invoice series, which belong to the supplier, neither) and every query is
// scoped by it. The store is safe for concurrent use.
package pgstore

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/botsync/botsync/billing"
	"github.com/botsync/botsync/internal/pgmigrate"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrate applies the store's migrations.
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	return pgmigrate.Up(ctx, pool, "billing", migrations, "migrations")
}

// DB is what the store needs from a connection: *pgxpool.Pool, *pgx.Conn
// and pgx.Tx all satisfy it.
type DB interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Begin(ctx context.Context) (pgx.Tx, error)
}

// Store implements [billing.Store] on PostgreSQL.
type Store struct{ db DB }

var _ billing.Store = (*Store)(nil)

// New returns a store over db.
func New(db DB) *Store { return &Store{db: db} }

// ClaimEvent implements [billing.EventStore].
func (s *Store) ClaimEvent(ctx context.Context, key billing.EventKey, now time.Time, lease time.Duration) (bool, error) {
	if key.EventID == "" {
		return false, errors.New("billing/pgstore: claim event: event id is required")
	}
	tag, err := s.db.Exec(ctx, `
INSERT INTO billing_events (account_id, event_id, claimed_at) VALUES ($1, $2, $3)
ON CONFLICT (account_id, event_id) DO UPDATE SET claimed_at = excluded.claimed_at
WHERE billing_events.completed_at IS NULL AND billing_events.claimed_at <= $4`,
		key.AccountID, key.EventID, now, now.Add(-lease))
	if err != nil {
		return false, fmt.Errorf("billing/pgstore: claim event: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// CompleteEvent implements [billing.EventStore].
func (s *Store) CompleteEvent(ctx context.Context, key billing.EventKey, now time.Time) error {
	tag, err := s.db.Exec(ctx, `UPDATE billing_events SET completed_at = $3 WHERE account_id = $1 AND event_id = $2`,
		key.AccountID, key.EventID, now)
	if err != nil {
		return fmt.Errorf("billing/pgstore: complete event: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("billing/pgstore: complete event: %w", billing.ErrNotFound)
	}
	return nil
}

// ReleaseEvent implements [billing.EventStore].
func (s *Store) ReleaseEvent(ctx context.Context, key billing.EventKey) error {
	_, err := s.db.Exec(ctx, `DELETE FROM billing_events WHERE account_id = $1 AND event_id = $2 AND completed_at IS NULL`,
		key.AccountID, key.EventID)
	if err != nil {
		return fmt.Errorf("billing/pgstore: release event: %w", err)
	}
	return nil
}

const subColumns = `plan_id, customer_id, status, paid_count, current_start, current_end, last_event_id, last_event_at, updated_at`

func scanSub(row pgx.Row, st *billing.SubscriptionState) error {
	var cs, ce, lea, ua *time.Time
	var status string
	if err := row.Scan(&st.PlanID, &st.CustomerID, &status, &st.PaidCount, &cs, &ce, &st.LastEventID, &lea, &ua); err != nil {
		return err
	}
	st.Status = billing.SubscriptionStatus(status)
	st.CurrentStart, st.CurrentEnd, st.LastEventAt, st.UpdatedAt = deref(cs), deref(ce), deref(lea), deref(ua)
	return nil
}

func deref(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// UpdateSubscription implements [billing.SubscriptionStore].
func (s *Store) UpdateSubscription(ctx context.Context, workspaceID, subscriptionID string, fn func(*billing.SubscriptionState) error) (billing.SubscriptionState, error) {
	if workspaceID == "" || subscriptionID == "" {
		return billing.SubscriptionState{}, errors.New("billing/pgstore: update subscription: workspace and subscription ids are required")
	}
	var out billing.SubscriptionState
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO billing_subscriptions (workspace_id, subscription_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
			workspaceID, subscriptionID); err != nil {
			return err
		}
		st := billing.SubscriptionState{WorkspaceID: workspaceID, SubscriptionID: subscriptionID}
		row := tx.QueryRow(ctx, `SELECT `+subColumns+` FROM billing_subscriptions WHERE workspace_id = $1 AND subscription_id = $2 FOR UPDATE`,
			workspaceID, subscriptionID)
		if err := scanSub(row, &st); err != nil {
			return err
		}
		if err := fn(&st); err != nil {
			return userError{err}
		}
		st.WorkspaceID, st.SubscriptionID = workspaceID, subscriptionID
		_, err := tx.Exec(ctx, `UPDATE billing_subscriptions SET plan_id = $3, customer_id = $4, status = $5, paid_count = $6,
current_start = $7, current_end = $8, last_event_id = $9, last_event_at = $10, updated_at = $11
WHERE workspace_id = $1 AND subscription_id = $2`,
			workspaceID, subscriptionID, st.PlanID, st.CustomerID, string(st.Status), st.PaidCount,
			nullTime(st.CurrentStart), nullTime(st.CurrentEnd), st.LastEventID, nullTime(st.LastEventAt), nullTime(st.UpdatedAt))
		out = st
		return err
	})
	var ue userError
	if errors.As(err, &ue) {
		return billing.SubscriptionState{}, ue.err
	}
	if err != nil {
		return billing.SubscriptionState{}, fmt.Errorf("billing/pgstore: update subscription: %w", err)
	}
	return out, nil
}

// userError carries the callback's error through the transaction.
type userError struct{ err error }

// Error returns the callback's message.
func (e userError) Error() string { return e.err.Error() }

// Subscription implements [billing.SubscriptionStore].
func (s *Store) Subscription(ctx context.Context, workspaceID, subscriptionID string) (billing.SubscriptionState, error) {
	st := billing.SubscriptionState{WorkspaceID: workspaceID, SubscriptionID: subscriptionID}
	row := s.db.QueryRow(ctx, `SELECT `+subColumns+` FROM billing_subscriptions WHERE workspace_id = $1 AND subscription_id = $2`,
		workspaceID, subscriptionID)
	if err := scanSub(row, &st); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return billing.SubscriptionState{}, billing.ErrNotFound
		}
		return billing.SubscriptionState{}, fmt.Errorf("billing/pgstore: subscription: %w", err)
	}
	return st, nil
}

// Subscriptions implements [billing.SubscriptionStore].
func (s *Store) Subscriptions(ctx context.Context, workspaceID string) ([]billing.SubscriptionState, error) {
	rows, err := s.db.Query(ctx, `SELECT subscription_id, `+subColumns+` FROM billing_subscriptions
WHERE workspace_id = $1 ORDER BY subscription_id`, workspaceID)
	if err != nil {
		return nil, fmt.Errorf("billing/pgstore: subscriptions: %w", err)
	}
	defer rows.Close()
	out := []billing.SubscriptionState{}
	for rows.Next() {
		st := billing.SubscriptionState{WorkspaceID: workspaceID}
		var cs, ce, lea, ua *time.Time
		var status string
		if err := rows.Scan(&st.SubscriptionID, &st.PlanID, &st.CustomerID, &status, &st.PaidCount, &cs, &ce, &st.LastEventID, &lea, &ua); err != nil {
			return nil, fmt.Errorf("billing/pgstore: subscriptions: %w", err)
		}
		st.Status = billing.SubscriptionStatus(status)
		st.CurrentStart, st.CurrentEnd, st.LastEventAt, st.UpdatedAt = deref(cs), deref(ce), deref(lea), deref(ua)
		out = append(out, st)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("billing/pgstore: subscriptions: %w", err)
	}
	return out, nil
}

// AddUsage implements [billing.UsageStore] in one statement: the event
// insert and the total's increment commit together.
func (s *Store) AddUsage(ctx context.Context, ev billing.UsageEvent, period billing.Period) (bool, int64, error) {
	if err := ev.Validate(); err != nil {
		return false, 0, err
	}
	var added bool
	var total int64
	err := s.db.QueryRow(ctx, `
WITH ins AS (
    INSERT INTO billing_usage_events (workspace_id, idempotency_key, metric, quantity, at, period_start, period_end)
    VALUES ($1, $2, $3, $4, $5, $6, $7)
    ON CONFLICT (workspace_id, idempotency_key) DO NOTHING
    RETURNING quantity
), upd AS (
    INSERT INTO billing_usage_totals (workspace_id, metric, period_start, period_end, total)
    SELECT $1, $3, $6, $7, quantity FROM ins
    ON CONFLICT (workspace_id, metric, period_start, period_end)
    DO UPDATE SET total = billing_usage_totals.total + excluded.total
    RETURNING total
)
SELECT EXISTS (SELECT 1 FROM ins),
       COALESCE((SELECT total FROM upd),
                (SELECT total FROM billing_usage_totals WHERE workspace_id = $1 AND metric = $3 AND period_start = $6 AND period_end = $7),
                0)`,
		ev.WorkspaceID, ev.IdempotencyKey, string(ev.Metric), ev.Quantity, ev.At, period.Start, period.End).Scan(&added, &total)
	if err != nil {
		return false, 0, fmt.Errorf("billing/pgstore: add usage: %w", err)
	}
	return added, total, nil
}

// UsageTotal implements [billing.UsageStore].
func (s *Store) UsageTotal(ctx context.Context, workspaceID string, metric billing.Metric, period billing.Period) (int64, error) {
	var total int64
	err := s.db.QueryRow(ctx, `SELECT COALESCE((SELECT total FROM billing_usage_totals
WHERE workspace_id = $1 AND metric = $2 AND period_start = $3 AND period_end = $4), 0)`,
		workspaceID, string(metric), period.Start, period.End).Scan(&total)
	if err != nil {
		return 0, fmt.Errorf("billing/pgstore: usage total: %w", err)
	}
	return total, nil
}

// CreateInvoice implements [billing.InvoiceStore]: the series counter is
// incremented and the invoice inserted in one transaction, so the row lock
// on the counter serialises numbering and a failed insert rolls its number
// back.
func (s *Store) CreateInvoice(ctx context.Context, inv billing.TaxInvoice) (billing.TaxInvoice, error) {
	if err := inv.ValidateForStore(); err != nil {
		return billing.TaxInvoice{}, err
	}
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		var seq int64
		if err := tx.QueryRow(ctx, `
INSERT INTO billing_invoice_series (series, financial_year, last_seq) VALUES ($1, $2, 1)
ON CONFLICT (series, financial_year) DO UPDATE SET last_seq = billing_invoice_series.last_seq + 1
RETURNING last_seq`, inv.Series, inv.FinancialYear).Scan(&seq); err != nil {
			return err
		}
		if err := billing.NumberInvoice(&inv, seq); err != nil {
			return userError{err}
		}
		doc, err := json.Marshal(inv)
		if err != nil {
			return userError{err}
		}
		var ps, pe *time.Time
		if !inv.Period.IsZero() {
			ps, pe = &inv.Period.Start, &inv.Period.End
		}
		_, err = tx.Exec(ctx, `INSERT INTO billing_invoices
(workspace_id, number, series, financial_year, seq, kind, period_start, period_end, issued_at, document)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			inv.WorkspaceID, inv.Number, inv.Series, inv.FinancialYear, inv.Seq, string(inv.Kind), ps, pe, inv.IssuedAt, doc)
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "23505" && pgErr.ConstraintName == "billing_invoices_period" {
			return userError{billing.ErrPeriodClosed}
		}
		return err
	})
	var ue userError
	if errors.As(err, &ue) {
		return billing.TaxInvoice{}, ue.err
	}
	if err != nil {
		return billing.TaxInvoice{}, fmt.Errorf("billing/pgstore: create invoice: %w", err)
	}
	return inv, nil
}

// Invoice implements [billing.InvoiceStore].
func (s *Store) Invoice(ctx context.Context, workspaceID, number string) (billing.TaxInvoice, error) {
	var doc []byte
	err := s.db.QueryRow(ctx, `SELECT document FROM billing_invoices WHERE workspace_id = $1 AND number = $2`,
		workspaceID, number).Scan(&doc)
	if errors.Is(err, pgx.ErrNoRows) {
		return billing.TaxInvoice{}, billing.ErrNotFound
	}
	if err != nil {
		return billing.TaxInvoice{}, fmt.Errorf("billing/pgstore: invoice: %w", err)
	}
	var inv billing.TaxInvoice
	if err := json.Unmarshal(doc, &inv); err != nil {
		return billing.TaxInvoice{}, fmt.Errorf("billing/pgstore: invoice: decode: %w", err)
	}
	return inv, nil
}

// Invoices implements [billing.InvoiceStore].
func (s *Store) Invoices(ctx context.Context, workspaceID string) ([]billing.TaxInvoice, error) {
	rows, err := s.db.Query(ctx, `SELECT document FROM billing_invoices WHERE workspace_id = $1 ORDER BY issued_at, id`, workspaceID)
	if err != nil {
		return nil, fmt.Errorf("billing/pgstore: invoices: %w", err)
	}
	docs, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
	if err != nil {
		return nil, fmt.Errorf("billing/pgstore: invoices: %w", err)
	}
	out := make([]billing.TaxInvoice, 0, len(docs))
	for _, d := range docs {
		var inv billing.TaxInvoice
		if err := json.Unmarshal(d, &inv); err != nil {
			return nil, fmt.Errorf("billing/pgstore: invoices: decode: %w", err)
		}
		out = append(out, inv)
	}
	return out, nil
}

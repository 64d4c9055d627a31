// Package pgstore keeps WhatsApp policy state in PostgreSQL (15 or later,
// pgx/v5), shared by every server instance: customer-service windows (a
// [whatsapp.WindowStore]), message delivery states (a
// [whatsapp.StatusStore]) and rate-limit buckets (a
// [whatsapp.LimitBackend]).
//
//	if err := pgstore.Migrate(ctx, pool); err != nil { … }
//	window := whatsapp.NewWindow(pgstore.NewWindowStore(pool, workspaceID), nil)
//	statuses := pgstore.NewStatusStore(pool, workspaceID, nil)
//	wa, _ := whatsapp.NewClient(api, whatsapp.WithWindow(window), whatsapp.WithTracker(statuses))
//
// Every row carries its workspace id and every query is scoped by it.
// [NewWindowStore] takes a [DB], which *pgxpool.Pool, *pgx.Conn and pgx.Tx
// satisfy, so recording an inbound message can join the caller's
// transaction. The store is safe for concurrent use when its DB is.
package pgstore

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/botsync/botsync/internal/pgmigrate"
	"github.com/botsync/botsync/whatsapp"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrate creates or upgrades the package's tables.
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	return pgmigrate.Up(ctx, pool, "whatsapp", migrations, "migrations")
}

// DB is the part of pgx the store uses: *pgxpool.Pool, *pgx.Conn and pgx.Tx
// satisfy it.
type DB interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// WindowStore is a [whatsapp.WindowStore] on PostgreSQL for one workspace.
type WindowStore struct {
	db          DB
	workspaceID string
}

var _ whatsapp.WindowStore = (*WindowStore)(nil)

// NewWindowStore returns the workspace's window store on db (migrated with
// [Migrate]).
func NewWindowStore(db DB, workspaceID string) *WindowStore {
	return &WindowStore{db: db, workspaceID: workspaceID}
}

func (s *WindowStore) check(phoneNumberID, contact string) error {
	switch {
	case s.workspaceID == "":
		return errors.New("whatsapp/pgstore: workspace id: empty")
	case phoneNumberID == "" || contact == "":
		return errors.New("whatsapp/pgstore: phone number id and contact are required")
	}
	return nil
}

// LastInbound implements [whatsapp.WindowStore].
func (s *WindowStore) LastInbound(ctx context.Context, phoneNumberID, contact string) (time.Time, bool, error) {
	if err := s.check(phoneNumberID, contact); err != nil {
		return time.Time{}, false, err
	}
	var t time.Time
	err := s.db.QueryRow(ctx, `SELECT last_inbound FROM whatsapp_windows
WHERE workspace_id = $1 AND phone_number_id = $2 AND contact = $3`, s.workspaceID, phoneNumberID, contact).Scan(&t)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return time.Time{}, false, nil
	case err != nil:
		return time.Time{}, false, fmt.Errorf("whatsapp/pgstore: last inbound: %w", err)
	}
	return t.UTC(), true, nil
}

// RecordInbound implements [whatsapp.WindowStore]; the later time wins.
func (s *WindowStore) RecordInbound(ctx context.Context, phoneNumberID, contact string, t time.Time) error {
	if err := s.check(phoneNumberID, contact); err != nil {
		return err
	}
	_, err := s.db.Exec(ctx, `INSERT INTO whatsapp_windows (workspace_id, phone_number_id, contact, last_inbound)
VALUES ($1, $2, $3, $4)
ON CONFLICT (workspace_id, phone_number_id, contact)
DO UPDATE SET last_inbound = GREATEST(whatsapp_windows.last_inbound, EXCLUDED.last_inbound)`,
		s.workspaceID, phoneNumberID, contact, t.UTC())
	if err != nil {
		return fmt.Errorf("whatsapp/pgstore: record inbound: %w", err)
	}
	return nil
}

// Prune deletes the workspace's windows that closed before cutoff and
// returns how many.
func (s *WindowStore) Prune(ctx context.Context, cutoff time.Time) (int64, error) {
	if s.workspaceID == "" {
		return 0, errors.New("whatsapp/pgstore: workspace id: empty")
	}
	tag, err := s.db.Exec(ctx, `DELETE FROM whatsapp_windows WHERE workspace_id = $1 AND last_inbound < $2`,
		s.workspaceID, cutoff.Add(-whatsapp.ServiceWindow).UTC())
	if err != nil {
		return 0, fmt.Errorf("whatsapp/pgstore: prune: %w", err)
	}
	return tag.RowsAffected(), nil
}

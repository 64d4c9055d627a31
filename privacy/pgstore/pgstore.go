// Package pgstore is the PostgreSQL store of package privacy (PostgreSQL 15
// or later, pgx/v5): audit trail, legal holds, consents, data-subject
// requests, grievances, breach incidents, Meta data-deletion codes, sweep
// cursors and sweep receipts. It also holds
// [TableSink], a privacy.Sink that purges an expired SQL table (webhook
// payloads, technical logs) in bounded batches.
//
//	if err := pgstore.Migrate(ctx, pool); err != nil { … }
//	st := pgstore.New(pool) // or pgstore.New(tx) inside the caller's transaction
//	audit := privacy.NewAuditLog(st, nil)
//	holds := privacy.NewHolds(st, audit, nil)
//	reqs := &privacy.Requests{Store: st, Holds: holds, Audit: audit, Sinks: sinks}
//
// Every row carries its workspace id and every query is scoped by it, with
// two documented exceptions: sweep cursors are global (the sweeper runs over
// all workspaces) and a Meta data-deletion code is looked up by its hash
// alone (Meta's callback is per app, and one code may span workspaces). The audit
// append is atomic per workspace: the primary key (workspace_id, seq) turns a
// concurrent append into [privacy.ErrConflict], and an entry that does not
// follow the newest one is refused the same way. The store is safe for
// concurrent use when its DB is.
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

	"github.com/botsync/botsync/internal/pgmigrate"
	"github.com/botsync/botsync/privacy"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrate creates or upgrades the privacy tables.
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	return pgmigrate.Up(ctx, pool, "privacy", migrations, "migrations")
}

// DB is the part of pgx the store uses: *pgxpool.Pool, *pgx.Conn and pgx.Tx
// satisfy it.
type DB interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Store implements every privacy store interface on PostgreSQL.
type Store struct {
	db DB
}

var (
	_ privacy.AuditStore     = (*Store)(nil)
	_ privacy.HoldStore      = (*Store)(nil)
	_ privacy.AllHolds       = (*Store)(nil)
	_ privacy.ConsentStore   = (*Store)(nil)
	_ privacy.RequestStore   = (*Store)(nil)
	_ privacy.CursorStore    = (*Store)(nil)
	_ privacy.GrievanceStore = (*Store)(nil)
	_ privacy.IncidentStore  = (*Store)(nil)
	_ privacy.DeletionStore  = (*Store)(nil)
	_ privacy.SweepLog       = (*Store)(nil)
)

// New returns a store using db (migrated with [Migrate]).
func New(db DB) *Store { return &Store{db: db} }

func wrap(op string, err error) error {
	if err == nil || errors.Is(err, privacy.ErrNotFound) || errors.Is(err, privacy.ErrConflict) {
		return err
	}
	return fmt.Errorf("privacy pgstore: %s: %w", op, err)
}

func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func fromNull(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

func collect[T any](rows pgx.Rows, scan func(pgx.Row) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// AppendAudit implements privacy.AuditStore. The entry is inserted only if
// it follows the workspace's newest entry (Seq 1 on an empty chain);
// otherwise, or when another append won the race, it returns
// privacy.ErrConflict.
func (s *Store) AppendAudit(ctx context.Context, e privacy.AuditEntry) error {
	if e.WorkspaceID == "" || e.Seq == 0 {
		return errors.New("privacy pgstore: append audit: workspace and seq are required")
	}
	tag, err := s.db.Exec(ctx, `
INSERT INTO privacy_audit (workspace_id, seq, actor, impersonator, action, target, at_ns, prev_hash, hash)
SELECT $1::text, $2::bigint, $3::text, $4::text, $5::text, $6::text, $7::bigint, $8::text, $9::text
WHERE ($2 = 1 AND NOT EXISTS (SELECT 1 FROM privacy_audit WHERE workspace_id = $1))
   OR EXISTS (SELECT 1 FROM privacy_audit WHERE workspace_id = $1 AND seq = $2 - 1)
ON CONFLICT (workspace_id, seq) DO NOTHING`,
		e.WorkspaceID, int64(e.Seq), e.Actor, e.Impersonator, e.Action, e.Target, e.At.UnixNano(), e.PrevHash, e.Hash)
	if err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "23505" {
			return privacy.ErrConflict
		}
		return wrap("append audit", err)
	}
	if tag.RowsAffected() != 1 {
		return privacy.ErrConflict
	}
	return nil
}

const auditCols = `workspace_id, seq, actor, impersonator, action, target, at_ns, prev_hash, hash`

func scanAudit(row pgx.Row) (privacy.AuditEntry, error) {
	var (
		e       privacy.AuditEntry
		seq, ns int64
	)
	if err := row.Scan(&e.WorkspaceID, &seq, &e.Actor, &e.Impersonator, &e.Action, &e.Target, &ns, &e.PrevHash, &e.Hash); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return e, privacy.ErrNotFound
		}
		return e, err
	}
	e.Seq, e.At = uint64(seq), time.Unix(0, ns).UTC()
	return e, nil
}

// LastAudit implements privacy.AuditStore.
func (s *Store) LastAudit(ctx context.Context, workspaceID string) (privacy.AuditEntry, error) {
	e, err := scanAudit(s.db.QueryRow(ctx, `SELECT `+auditCols+` FROM privacy_audit
WHERE workspace_id = $1 ORDER BY seq DESC LIMIT 1`, workspaceID))
	return e, wrap("last audit", err)
}

// ListAudit implements privacy.AuditStore.
func (s *Store) ListAudit(ctx context.Context, workspaceID string, after uint64, limit int) ([]privacy.AuditEntry, error) {
	if limit <= 0 {
		return nil, nil
	}
	rows, err := s.db.Query(ctx, `SELECT `+auditCols+` FROM privacy_audit
WHERE workspace_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`, workspaceID, int64(after), limit)
	if err != nil {
		return nil, wrap("list audit", err)
	}
	out, err := collect(rows, scanAudit)
	return out, wrap("list audit", err)
}

// PutHold implements privacy.HoldStore (insert or replace).
func (s *Store) PutHold(ctx context.Context, h privacy.Hold) error {
	if h.WorkspaceID == "" || h.ID == "" {
		return errors.New("privacy pgstore: put hold: workspace and id are required")
	}
	_, err := s.db.Exec(ctx, `
INSERT INTO privacy_holds (workspace_id, id, subject, category, from_at, to_at, reason, created_by, created_at, released_at, released_by)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
ON CONFLICT (workspace_id, id) DO UPDATE SET
    subject = excluded.subject, category = excluded.category, from_at = excluded.from_at, to_at = excluded.to_at,
    reason = excluded.reason, created_by = excluded.created_by, created_at = excluded.created_at,
    released_at = excluded.released_at, released_by = excluded.released_by`,
		h.WorkspaceID, h.ID, h.Subject, string(h.Category), nullTime(h.From), nullTime(h.To), h.Reason, h.CreatedBy,
		h.CreatedAt, nullTime(h.ReleasedAt), h.ReleasedBy)
	return wrap("put hold", err)
}

const holdCols = `workspace_id, id, subject, category, from_at, to_at, reason, created_by, created_at, released_at, released_by`

func scanHold(row pgx.Row) (privacy.Hold, error) {
	var (
		h                  privacy.Hold
		cat                string
		from, to, released *time.Time
	)
	if err := row.Scan(&h.WorkspaceID, &h.ID, &h.Subject, &cat, &from, &to, &h.Reason, &h.CreatedBy, &h.CreatedAt, &released, &h.ReleasedBy); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return h, privacy.ErrNotFound
		}
		return h, err
	}
	h.Category, h.From, h.To, h.ReleasedAt, h.CreatedAt = privacy.Category(cat), fromNull(from), fromNull(to), fromNull(released), h.CreatedAt.UTC()
	return h, nil
}

// ActiveHolds implements privacy.HoldStore.
func (s *Store) ActiveHolds(ctx context.Context, workspaceID string) ([]privacy.Hold, error) {
	rows, err := s.db.Query(ctx, `SELECT `+holdCols+` FROM privacy_holds
WHERE workspace_id = $1 AND released_at IS NULL ORDER BY id`, workspaceID)
	if err != nil {
		return nil, wrap("active holds", err)
	}
	out, err := collect(rows, scanHold)
	return out, wrap("active holds", err)
}

// AllActiveHolds implements privacy.AllHolds: every workspace's active holds,
// for the sweeper.
func (s *Store) AllActiveHolds(ctx context.Context) ([]privacy.Hold, error) {
	rows, err := s.db.Query(ctx, `SELECT `+holdCols+` FROM privacy_holds
WHERE released_at IS NULL ORDER BY workspace_id, id`)
	if err != nil {
		return nil, wrap("all active holds", err)
	}
	out, err := collect(rows, scanHold)
	return out, wrap("all active holds", err)
}

// GetHold implements privacy.HoldStore.
func (s *Store) GetHold(ctx context.Context, workspaceID, id string) (privacy.Hold, error) {
	h, err := scanHold(s.db.QueryRow(ctx, `SELECT `+holdCols+` FROM privacy_holds
WHERE workspace_id = $1 AND id = $2`, workspaceID, id))
	return h, wrap("get hold", err)
}

// AddConsent implements privacy.ConsentStore.
func (s *Store) AddConsent(ctx context.Context, r privacy.ConsentRecord) error {
	if err := privacy.ValidateConsent(r); err != nil {
		return err
	}
	_, err := s.db.Exec(ctx, `
INSERT INTO privacy_consents (workspace_id, subject, purpose, granted, source, evidence, by_parent, at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		r.WorkspaceID, r.Subject, string(r.Purpose), r.Granted, r.Source, r.Evidence, r.ByParent, r.At)
	return wrap("add consent", err)
}

// Consents implements privacy.ConsentStore.
func (s *Store) Consents(ctx context.Context, workspaceID, subject string) ([]privacy.ConsentRecord, error) {
	rows, err := s.db.Query(ctx, `SELECT workspace_id, subject, purpose, granted, source, evidence, by_parent, at
FROM privacy_consents WHERE workspace_id = $1 AND subject = $2 ORDER BY at, id`, workspaceID, subject)
	if err != nil {
		return nil, wrap("consents", err)
	}
	out, err := collect(rows, func(row pgx.Row) (privacy.ConsentRecord, error) {
		var (
			r       privacy.ConsentRecord
			purpose string
		)
		err := row.Scan(&r.WorkspaceID, &r.Subject, &purpose, &r.Granted, &r.Source, &r.Evidence, &r.ByParent, &r.At)
		r.Purpose, r.At = privacy.Purpose(purpose), r.At.UTC()
		return r, err
	})
	return out, wrap("consents", err)
}

// PutRequest implements privacy.RequestStore (insert or replace).
func (s *Store) PutRequest(ctx context.Context, r privacy.Request) error {
	if r.Identifiers.WorkspaceID == "" || r.ID == "" {
		return errors.New("privacy pgstore: put request: workspace and id are required")
	}
	ids, err := json.Marshal(r.Identifiers)
	if err != nil {
		return wrap("put request", err)
	}
	receipts, err := json.Marshal(nonNil(r.Receipts))
	if err != nil {
		return wrap("put request", err)
	}
	export, err := json.Marshal(nonNil(r.Export))
	if err != nil {
		return wrap("put request", err)
	}
	deadline, err := json.Marshal(r.Deadline)
	if err != nil {
		return wrap("put request", err)
	}
	args := []any{r.Identifiers.WorkspaceID, r.ID, string(r.Type), string(r.State), ids, r.Source, r.CreatedAt, r.UpdatedAt,
		r.CodeHash, nullTime(r.CodeExpiresAt), r.Attempts, receipts, export, r.Certificate, r.Error, deadline, int64(r.Version)}
	var tag pgconn.CommandTag
	if r.Version == 0 {
		tag, err = s.db.Exec(ctx, `
INSERT INTO privacy_requests (workspace_id, id, type, state, identifiers, source, created_at, updated_at,
    code_hash, code_expires_at, attempts, receipts, export, certificate, error, deadline, version)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17 + 1)
ON CONFLICT (workspace_id, id) DO NOTHING`, args...)
	} else {
		tag, err = s.db.Exec(ctx, `
UPDATE privacy_requests SET type = $3, state = $4, identifiers = $5, source = $6, created_at = $7, updated_at = $8,
    code_hash = $9, code_expires_at = $10, attempts = $11, receipts = $12, export = $13, certificate = $14,
    error = $15, deadline = $16, version = version + 1
WHERE workspace_id = $1 AND id = $2 AND version = $17`, args...)
	}
	if err == nil && tag.RowsAffected() != 1 {
		return privacy.ErrConflict
	}
	return wrap("put request", err)
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

const requestCols = `id, type, state, identifiers, source, created_at, updated_at, code_hash,
    code_expires_at, attempts, receipts, export, certificate, error, deadline, version`

func scanRequest(row pgx.Row) (privacy.Request, error) {
	var (
		r                               privacy.Request
		typ, state                      string
		ids, receipts, export, deadline []byte
		expires                         *time.Time
		version                         int64
	)
	err := row.Scan(&r.ID, &typ, &state, &ids, &r.Source, &r.CreatedAt, &r.UpdatedAt, &r.CodeHash, &expires, &r.Attempts,
		&receipts, &export, &r.Certificate, &r.Error, &deadline, &version)
	if errors.Is(err, pgx.ErrNoRows) {
		return privacy.Request{}, privacy.ErrNotFound
	}
	if err != nil {
		return privacy.Request{}, err
	}
	r.Type, r.State, r.CodeExpiresAt = privacy.RequestType(typ), privacy.RequestState(state), fromNull(expires)
	r.CreatedAt, r.UpdatedAt, r.Version = r.CreatedAt.UTC(), r.UpdatedAt.UTC(), uint64(version)
	for _, f := range []struct {
		name string
		b    []byte
		v    any
	}{{"identifiers", ids, &r.Identifiers}, {"receipts", receipts, &r.Receipts}, {"export", export, &r.Export}, {"deadline", deadline, &r.Deadline}} {
		if err := json.Unmarshal(f.b, f.v); err != nil {
			return privacy.Request{}, fmt.Errorf("%s: %w", f.name, err)
		}
	}
	if len(r.Receipts) == 0 {
		r.Receipts = nil
	}
	if len(r.Export) == 0 {
		r.Export = nil
	}
	return r, nil
}

// GetRequest implements privacy.RequestStore.
func (s *Store) GetRequest(ctx context.Context, workspaceID, id string) (privacy.Request, error) {
	r, err := scanRequest(s.db.QueryRow(ctx, `SELECT `+requestCols+` FROM privacy_requests WHERE workspace_id = $1 AND id = $2`, workspaceID, id))
	return r, wrap("get request", err)
}

// OpenRequests implements privacy.RequestStore.
func (s *Store) OpenRequests(ctx context.Context, workspaceID string) ([]privacy.Request, error) {
	rows, err := s.db.Query(ctx, `SELECT `+requestCols+` FROM privacy_requests
WHERE workspace_id = $1 AND state NOT IN ('completed', 'rejected') ORDER BY created_at, id`, workspaceID)
	if err != nil {
		return nil, wrap("open requests", err)
	}
	out, err := collect(rows, scanRequest)
	return out, wrap("open requests", err)
}

// SweepCursor implements privacy.CursorStore.
func (s *Store) SweepCursor(ctx context.Context, sink string, c privacy.Category) (string, error) {
	var cursor string
	err := s.db.QueryRow(ctx, `SELECT cursor FROM privacy_sweep_cursors WHERE sink = $1 AND category = $2`, sink, string(c)).Scan(&cursor)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	return cursor, wrap("sweep cursor", err)
}

// SaveSweepCursor implements privacy.CursorStore.
func (s *Store) SaveSweepCursor(ctx context.Context, sink string, c privacy.Category, cursor string) error {
	_, err := s.db.Exec(ctx, `
INSERT INTO privacy_sweep_cursors (sink, category, cursor) VALUES ($1, $2, $3)
ON CONFLICT (sink, category) DO UPDATE SET cursor = excluded.cursor`, sink, string(c), cursor)
	return wrap("save sweep cursor", err)
}

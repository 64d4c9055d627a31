// Package pgstore is the PostgreSQL [vault.Store] (PostgreSQL 15 or later,
// pgx/v5).
//
//	if err := pgstore.Migrate(ctx, pool); err != nil { … }
//	v, err := vault.New(kr, pgstore.New(pool))
//
// Two tables: vault_secrets (ciphertexts in bytea columns, reference parts
// and metadata in plain columns; no column ever holds a plaintext) and
// vault_subject_keys (per-subject data keys, wrapped by the keyring). Keep
// backups of vault_subject_keys short-lived: deleting a row there is what
// crypto-shreds a subject's values, in the live database and in every
// backup of vault_secrets.
//
// [New] takes a [DB], which *pgxpool.Pool, *pgx.Conn and pgx.Tx satisfy, so
// a vault write can join the caller's transaction. The store is safe for
// concurrent use when its DB is.
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
	"github.com/botsync/botsync/vault"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrate creates or upgrades the vault's tables.
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	return pgmigrate.Up(ctx, pool, "vault", migrations, "migrations")
}

// DB is the part of pgx the store uses: *pgxpool.Pool, *pgx.Conn and
// pgx.Tx satisfy it.
type DB interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Store is a vault.Store on PostgreSQL.
type Store struct {
	db DB
}

var _ vault.Store = (*Store)(nil)

// New returns a store using db (migrated with [Migrate]).
func New(db DB) *Store { return &Store{db: db} }

const secretCols = `workspace_id, kind, record_id, field, ciphertext, key_version, subject_id, subject_key_id, created_at, rotated_at, expires_at, last_used_at`

func scanRecord(row pgx.Row) (vault.Record, error) {
	var (
		r                 vault.Record
		version           int64
		expires, lastUsed *time.Time
	)
	err := row.Scan(&r.Ref.WorkspaceID, &r.Ref.Kind, &r.Ref.RecordID, &r.Ref.Field, &r.Ciphertext, &version,
		&r.SubjectID, &r.SubjectKeyID, &r.CreatedAt, &r.RotatedAt, &expires, &lastUsed)
	if err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return vault.Record{}, vault.ErrNotFound
		}
		return vault.Record{}, err
	}
	r.KeyVersion = uint32(version)
	if expires != nil {
		r.ExpiresAt = *expires
	}
	if lastUsed != nil {
		r.LastUsedAt = *lastUsed
	}
	return r, nil
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

func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func wrap(op string, err error) error {
	if err == nil || errors.Is(err, vault.ErrNotFound) || errors.Is(err, vault.ErrExists) {
		return err
	}
	return fmt.Errorf("vault pgstore: %s: %w", op, err)
}

// PutSecret implements vault.Store.
func (s *Store) PutSecret(ctx context.Context, rec vault.Record) (vault.Record, error) {
	r := rec.Ref
	row := s.db.QueryRow(ctx, `
INSERT INTO vault_secrets (`+secretCols+`)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
ON CONFLICT (workspace_id, kind, record_id, field) DO UPDATE SET
    ciphertext = excluded.ciphertext, key_version = excluded.key_version,
    subject_id = excluded.subject_id, subject_key_id = excluded.subject_key_id,
    rotated_at = excluded.rotated_at, expires_at = excluded.expires_at
RETURNING `+secretCols,
		r.WorkspaceID, r.Kind, r.RecordID, r.Field, rec.Ciphertext, int64(rec.KeyVersion), rec.SubjectID, rec.SubjectKeyID,
		rec.CreatedAt, rec.RotatedAt, nullTime(rec.ExpiresAt), nullTime(rec.LastUsedAt))
	out, err := scanRecord(row)
	return out, wrap("put secret", err)
}

// Secret implements vault.Store.
func (s *Store) Secret(ctx context.Context, ref vault.Ref) (vault.Record, error) {
	row := s.db.QueryRow(ctx, `SELECT `+secretCols+` FROM vault_secrets
WHERE workspace_id = $1 AND kind = $2 AND record_id = $3 AND field = $4`,
		ref.WorkspaceID, ref.Kind, ref.RecordID, ref.Field)
	out, err := scanRecord(row)
	return out, wrap("secret", err)
}

// DeleteSecret implements vault.Store.
func (s *Store) DeleteSecret(ctx context.Context, ref vault.Ref) error {
	tag, err := s.db.Exec(ctx, `DELETE FROM vault_secrets
WHERE workspace_id = $1 AND kind = $2 AND record_id = $3 AND field = $4`,
		ref.WorkspaceID, ref.Kind, ref.RecordID, ref.Field)
	if err != nil {
		return wrap("delete secret", err)
	}
	if tag.RowsAffected() == 0 {
		return vault.ErrNotFound
	}
	return nil
}

// ListSecrets implements vault.Store. Listed records carry no ciphertext.
func (s *Store) ListSecrets(ctx context.Context, workspaceID, kind string, after vault.Ref, limit int) ([]vault.Record, error) {
	rows, err := s.db.Query(ctx, `
SELECT workspace_id, kind, record_id, field, NULL::bytea, key_version, subject_id, NULL::bytea,
       created_at, rotated_at, expires_at, last_used_at
FROM vault_secrets
WHERE workspace_id = $1 AND ($2 = '' OR kind = $2) AND (kind, record_id, field) > ($3, $4, $5)
ORDER BY kind, record_id, field
LIMIT $6`, workspaceID, kind, after.Kind, after.RecordID, after.Field, limit)
	if err != nil {
		return nil, wrap("list secrets", err)
	}
	out, err := collect(rows, scanRecord)
	return out, wrap("list secrets", err)
}

// TouchSecret implements vault.Store.
func (s *Store) TouchSecret(ctx context.Context, ref vault.Ref, at time.Time) error {
	tag, err := s.db.Exec(ctx, `UPDATE vault_secrets SET last_used_at = $5
WHERE workspace_id = $1 AND kind = $2 AND record_id = $3 AND field = $4`,
		ref.WorkspaceID, ref.Kind, ref.RecordID, ref.Field, at)
	if err != nil {
		return wrap("touch secret", err)
	}
	if tag.RowsAffected() == 0 {
		return vault.ErrNotFound
	}
	return nil
}

// StaleSecrets implements vault.Store.
func (s *Store) StaleSecrets(ctx context.Context, active uint32, after vault.Ref, limit int) ([]vault.Record, error) {
	rows, err := s.db.Query(ctx, `SELECT `+secretCols+` FROM vault_secrets
WHERE key_version <> 0 AND key_version <> $1
  AND (workspace_id, kind, record_id, field) > ($2, $3, $4, $5)
ORDER BY workspace_id, kind, record_id, field
LIMIT $6`, int64(active), after.WorkspaceID, after.Kind, after.RecordID, after.Field, limit)
	if err != nil {
		return nil, wrap("stale secrets", err)
	}
	out, err := collect(rows, scanRecord)
	return out, wrap("stale secrets", err)
}

// SwapSecret implements vault.Store.
func (s *Store) SwapSecret(ctx context.Context, ref vault.Ref, prev, next []byte, version uint32) (bool, error) {
	tag, err := s.db.Exec(ctx, `UPDATE vault_secrets SET ciphertext = $6, key_version = $7
WHERE workspace_id = $1 AND kind = $2 AND record_id = $3 AND field = $4 AND ciphertext = $5`,
		ref.WorkspaceID, ref.Kind, ref.RecordID, ref.Field, prev, next, int64(version))
	if err != nil {
		return false, wrap("swap secret", err)
	}
	return tag.RowsAffected() == 1, nil
}

func (s *Store) counts(ctx context.Context, op, query string) (map[uint32]int, error) {
	rows, err := s.db.Query(ctx, query)
	if err != nil {
		return nil, wrap(op, err)
	}
	type pair struct {
		v int64
		n int64
	}
	pairs, err := collect(rows, func(r pgx.Row) (pair, error) {
		var p pair
		return p, r.Scan(&p.v, &p.n)
	})
	if err != nil {
		return nil, wrap(op, err)
	}
	out := make(map[uint32]int, len(pairs))
	for _, p := range pairs {
		out[uint32(p.v)] = int(p.n)
	}
	return out, nil
}

// SecretVersionCounts implements vault.Store.
func (s *Store) SecretVersionCounts(ctx context.Context) (map[uint32]int, error) {
	return s.counts(ctx, "secret version counts", `SELECT key_version, count(*) FROM vault_secrets GROUP BY key_version`)
}

const keyCols = `workspace_id, subject_id, key_id, wrapped_key, key_version, created_at`

func scanKey(row pgx.Row) (vault.SubjectKey, error) {
	var (
		k       vault.SubjectKey
		version int64
	)
	if err := row.Scan(&k.WorkspaceID, &k.SubjectID, &k.KeyID, &k.Wrapped, &version, &k.CreatedAt); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return vault.SubjectKey{}, vault.ErrNotFound
		}
		return vault.SubjectKey{}, err
	}
	k.KeyVersion = uint32(version)
	return k, nil
}

// PutSubjectKey implements vault.Store.
func (s *Store) PutSubjectKey(ctx context.Context, k vault.SubjectKey) error {
	tag, err := s.db.Exec(ctx, `INSERT INTO vault_subject_keys (`+keyCols+`)
VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (workspace_id, subject_id) DO NOTHING`,
		k.WorkspaceID, k.SubjectID, k.KeyID, k.Wrapped, int64(k.KeyVersion), k.CreatedAt)
	if err != nil {
		return wrap("put subject key", err)
	}
	if tag.RowsAffected() == 0 {
		return vault.ErrExists
	}
	return nil
}

// SubjectKey implements vault.Store.
func (s *Store) SubjectKey(ctx context.Context, workspaceID, subjectID string) (vault.SubjectKey, error) {
	row := s.db.QueryRow(ctx, `SELECT `+keyCols+` FROM vault_subject_keys WHERE workspace_id = $1 AND subject_id = $2`,
		workspaceID, subjectID)
	k, err := scanKey(row)
	return k, wrap("subject key", err)
}

// DeleteSubjectKey implements vault.Store.
func (s *Store) DeleteSubjectKey(ctx context.Context, workspaceID, subjectID string) error {
	tag, err := s.db.Exec(ctx, `DELETE FROM vault_subject_keys WHERE workspace_id = $1 AND subject_id = $2`,
		workspaceID, subjectID)
	if err != nil {
		return wrap("delete subject key", err)
	}
	if tag.RowsAffected() == 0 {
		return vault.ErrNotFound
	}
	return nil
}

// StaleSubjectKeys implements vault.Store.
func (s *Store) StaleSubjectKeys(ctx context.Context, active uint32, after vault.SubjectRef, limit int) ([]vault.SubjectKey, error) {
	rows, err := s.db.Query(ctx, `SELECT `+keyCols+` FROM vault_subject_keys
WHERE key_version <> $1 AND (workspace_id, subject_id) > ($2, $3)
ORDER BY workspace_id, subject_id
LIMIT $4`, int64(active), after.WorkspaceID, after.SubjectID, limit)
	if err != nil {
		return nil, wrap("stale subject keys", err)
	}
	out, err := collect(rows, scanKey)
	return out, wrap("stale subject keys", err)
}

// SwapSubjectKey implements vault.Store.
func (s *Store) SwapSubjectKey(ctx context.Context, workspaceID, subjectID string, prev, next []byte, version uint32) (bool, error) {
	tag, err := s.db.Exec(ctx, `UPDATE vault_subject_keys SET wrapped_key = $4, key_version = $5
WHERE workspace_id = $1 AND subject_id = $2 AND wrapped_key = $3`,
		workspaceID, subjectID, prev, next, int64(version))
	if err != nil {
		return false, wrap("swap subject key", err)
	}
	return tag.RowsAffected() == 1, nil
}

// SubjectKeyVersionCounts implements vault.Store.
func (s *Store) SubjectKeyVersionCounts(ctx context.Context) (map[uint32]int, error) {
	return s.counts(ctx, "subject key version counts", `SELECT key_version, count(*) FROM vault_subject_keys GROUP BY key_version`)
}

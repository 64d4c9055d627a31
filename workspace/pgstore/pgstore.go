// Package pgstore is the PostgreSQL [workspace.Store] (PostgreSQL 15 or
// later, pgx/v5).
//
//	if err := pgstore.Migrate(ctx, pool); err != nil { … }
//	svc, err := workspace.New(pgstore.New(pool), auditLog, signingKey, workspace.WithSecrets(vlt))
//
// Tables are prefixed workspace_. Session ids are SHA-256 hashes of the
// tokens; recovery codes and API key secrets are stored only as hashes;
// channel tokens and TOTP secrets are not here at all (they live in the
// vault). [Store.LookupSession] reads a session, its user, its admin
// session, its workspace and the user's roles in one query.
//
// [New] takes a [DB], which *pgxpool.Pool, *pgx.Conn and pgx.Tx satisfy, so
// writes can join the caller's transaction. The store is safe for
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
	"github.com/botsync/botsync/secret"
	"github.com/botsync/botsync/workspace"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrate creates or upgrades the store's tables.
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	return pgmigrate.Up(ctx, pool, "workspace", migrations, "migrations")
}

// DB is the part of pgx the store uses: *pgxpool.Pool, *pgx.Conn and
// pgx.Tx satisfy it.
type DB interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Store is a workspace.Store on PostgreSQL.
type Store struct {
	db DB
}

var _ workspace.Store = (*Store)(nil)

// New returns a store using db (migrated with [Migrate]).
func New(db DB) *Store { return &Store{db: db} }

// mapErr turns driver errors into the package's sentinels.
func mapErr(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return workspace.ErrNotFound
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505":
			return fmt.Errorf("workspace pgstore: %s: %w", op, workspace.ErrConflict)
		case "23503":
			return fmt.Errorf("workspace pgstore: %s: %w", op, workspace.ErrNotFound)
		}
	}
	return fmt.Errorf("workspace pgstore: %s: %w", op, err)
}

func affected(tag pgconn.CommandTag, err error, op string) error {
	if err != nil {
		return mapErr(op, err)
	}
	if tag.RowsAffected() == 0 {
		return workspace.ErrNotFound
	}
	return nil
}

// nt maps the zero time to NULL.
func nt(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

func tv(p *time.Time) time.Time {
	if p == nil {
		return time.Time{}
	}
	return p.UTC()
}

func ns(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func sv(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

const workspaceCols = `id, name, owner_id, agency_id, plan, status, closing_since, locale, time_zone, phone_region, settings, created_at, updated_at`

func scanWorkspace(row pgx.Row) (workspace.Workspace, error) {
	var (
		w        workspace.Workspace
		closing  *time.Time
		settings []byte
		status   string
	)
	if err := row.Scan(&w.ID, &w.Name, &w.OwnerID, &w.AgencyID, &w.Plan, &status, &closing, &w.Locale, &w.TimeZone,
		&w.PhoneRegion, &settings, &w.CreatedAt, &w.UpdatedAt); err != nil {
		return workspace.Workspace{}, err
	}
	w.Status, w.ClosingSince = workspace.Status(status), tv(closing)
	w.CreatedAt, w.UpdatedAt = w.CreatedAt.UTC(), w.UpdatedAt.UTC()
	if err := json.Unmarshal(settings, &w.Settings); err != nil {
		return workspace.Workspace{}, fmt.Errorf("settings: %w", err)
	}
	return w, nil
}

func workspaceArgs(w workspace.Workspace) ([]any, error) {
	settings, err := json.Marshal(w.Settings)
	if err != nil {
		return nil, err
	}
	return []any{w.ID, w.Name, w.OwnerID, w.AgencyID, w.Plan, string(w.Status), nt(w.ClosingSince), w.Locale, w.TimeZone,
		w.PhoneRegion, settings, w.CreatedAt.UTC(), w.UpdatedAt.UTC()}, nil
}

// CreateWorkspace implements workspace.Store.
func (s *Store) CreateWorkspace(ctx context.Context, w workspace.Workspace) error {
	args, err := workspaceArgs(w)
	if err != nil {
		return mapErr("create workspace", err)
	}
	_, err = s.db.Exec(ctx, `INSERT INTO workspace_workspaces (`+workspaceCols+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)`, args...)
	return mapErr("create workspace", err)
}

// Workspace implements workspace.Store.
func (s *Store) Workspace(ctx context.Context, id string) (workspace.Workspace, error) {
	w, err := scanWorkspace(s.db.QueryRow(ctx, `SELECT `+workspaceCols+` FROM workspace_workspaces WHERE id = $1`, id))
	return w, mapErr("workspace", err)
}

// UpdateWorkspace implements workspace.Store.
func (s *Store) UpdateWorkspace(ctx context.Context, w workspace.Workspace) error {
	args, err := workspaceArgs(w)
	if err != nil {
		return mapErr("update workspace", err)
	}
	tag, err := s.db.Exec(ctx, `UPDATE workspace_workspaces SET name=$2, owner_id=$3, agency_id=$4, plan=$5, status=$6,
		closing_since=$7, locale=$8, time_zone=$9, phone_region=$10, settings=$11, created_at=$12, updated_at=$13 WHERE id=$1`, args...)
	return affected(tag, err, "update workspace")
}

// AgencyWorkspaces implements workspace.Store.
func (s *Store) AgencyWorkspaces(ctx context.Context, agencyID string) ([]workspace.Workspace, error) {
	if agencyID == "" {
		return nil, nil
	}
	rows, err := s.db.Query(ctx, `SELECT `+workspaceCols+` FROM workspace_workspaces WHERE agency_id = $1 ORDER BY id`, agencyID)
	if err != nil {
		return nil, mapErr("agency workspaces", err)
	}
	out, err := collect(rows, scanWorkspace)
	return out, mapErr("agency workspaces", err)
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

const agencyCols = `id, name, owner_id, branding, created_at`

func scanAgency(row pgx.Row) (workspace.Agency, error) {
	var (
		a        workspace.Agency
		branding []byte
	)
	if err := row.Scan(&a.ID, &a.Name, &a.OwnerID, &branding, &a.CreatedAt); err != nil {
		return workspace.Agency{}, err
	}
	a.CreatedAt = a.CreatedAt.UTC()
	if err := json.Unmarshal(branding, &a.Branding); err != nil {
		return workspace.Agency{}, fmt.Errorf("branding: %w", err)
	}
	return a, nil
}

// CreateAgency implements workspace.Store.
func (s *Store) CreateAgency(ctx context.Context, a workspace.Agency) error {
	b, err := json.Marshal(a.Branding)
	if err != nil {
		return mapErr("create agency", err)
	}
	_, err = s.db.Exec(ctx, `INSERT INTO workspace_agencies (id, name, owner_id, branding, domain, created_at) VALUES ($1,$2,$3,$4,$5,$6)`,
		a.ID, a.Name, a.OwnerID, b, a.Branding.Domain, a.CreatedAt.UTC())
	return mapErr("create agency", err)
}

// Agency implements workspace.Store.
func (s *Store) Agency(ctx context.Context, id string) (workspace.Agency, error) {
	a, err := scanAgency(s.db.QueryRow(ctx, `SELECT `+agencyCols+` FROM workspace_agencies WHERE id = $1`, id))
	return a, mapErr("agency", err)
}

// AgencyByDomain implements workspace.Store.
func (s *Store) AgencyByDomain(ctx context.Context, domain string) (workspace.Agency, error) {
	if domain == "" {
		return workspace.Agency{}, workspace.ErrNotFound
	}
	a, err := scanAgency(s.db.QueryRow(ctx, `SELECT `+agencyCols+` FROM workspace_agencies WHERE domain = $1`, domain))
	return a, mapErr("agency by domain", err)
}

// UpdateAgency implements workspace.Store.
func (s *Store) UpdateAgency(ctx context.Context, a workspace.Agency) error {
	b, err := json.Marshal(a.Branding)
	if err != nil {
		return mapErr("update agency", err)
	}
	tag, err := s.db.Exec(ctx, `UPDATE workspace_agencies SET name=$2, owner_id=$3, branding=$4, domain=$5, created_at=$6 WHERE id=$1`,
		a.ID, a.Name, a.OwnerID, b, a.Branding.Domain, a.CreatedAt.UTC())
	return affected(tag, err, "update agency")
}

const userCols = `id, email, name, password_hash, super_admin, totp_enabled, recovery_codes, totp_last_step, disabled, created_at, updated_at`

func scanUser(row pgx.Row) (workspace.User, error) {
	var (
		u           workspace.User
		email, name string
	)
	if err := row.Scan(&u.ID, &email, &name, &u.PasswordHash, &u.SuperAdmin, &u.TOTPEnabled, &u.RecoveryCodes, &u.TOTPLastStep, &u.Disabled,
		&u.CreatedAt, &u.UpdatedAt); err != nil {
		return workspace.User{}, err
	}
	u.Email, u.Name = secret.NewPII(email), secret.NewPII(name)
	u.CreatedAt, u.UpdatedAt = u.CreatedAt.UTC(), u.UpdatedAt.UTC()
	if len(u.RecoveryCodes) == 0 {
		u.RecoveryCodes = nil
	}
	return u, nil
}

func codes(c []string) []string {
	if c == nil {
		return []string{}
	}
	return c
}

// CreateUser implements workspace.Store.
func (s *Store) CreateUser(ctx context.Context, u workspace.User) error {
	_, err := s.db.Exec(ctx, `INSERT INTO workspace_users (`+userCols+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)`,
		u.ID, u.Email.Reveal(), u.Name.Reveal(), u.PasswordHash, u.SuperAdmin, u.TOTPEnabled, codes(u.RecoveryCodes), u.TOTPLastStep, u.Disabled,
		u.CreatedAt.UTC(), u.UpdatedAt.UTC())
	return mapErr("create user", err)
}

// User implements workspace.Store.
func (s *Store) User(ctx context.Context, id string) (workspace.User, error) {
	u, err := scanUser(s.db.QueryRow(ctx, `SELECT `+userCols+` FROM workspace_users WHERE id = $1`, id))
	return u, mapErr("user", err)
}

// UserByEmail implements workspace.Store.
func (s *Store) UserByEmail(ctx context.Context, email string) (workspace.User, error) {
	u, err := scanUser(s.db.QueryRow(ctx, `SELECT `+userCols+` FROM workspace_users WHERE lower(email) = lower($1)`, email))
	return u, mapErr("user by email", err)
}

// UpdateUser implements workspace.Store.
func (s *Store) UpdateUser(ctx context.Context, u workspace.User) error {
	tag, err := s.db.Exec(ctx, `UPDATE workspace_users SET email=$2, name=$3, password_hash=$4, super_admin=$5, totp_enabled=$6,
		recovery_codes=$7, totp_last_step=$8, disabled=$9, created_at=$10, updated_at=$11 WHERE id=$1`,
		u.ID, u.Email.Reveal(), u.Name.Reveal(), u.PasswordHash, u.SuperAdmin, u.TOTPEnabled, codes(u.RecoveryCodes), u.TOTPLastStep, u.Disabled,
		u.CreatedAt.UTC(), u.UpdatedAt.UTC())
	return affected(tag, err, "update user")
}

// ConsumeRecoveryCode implements workspace.Store.
func (s *Store) ConsumeRecoveryCode(ctx context.Context, userID, hash string) error {
	tag, err := s.db.Exec(ctx, `UPDATE workspace_users SET recovery_codes = array_remove(recovery_codes, $2)
		WHERE id = $1 AND $2 = ANY (recovery_codes)`, userID, hash)
	return affected(tag, err, "consume recovery code")
}

// ClaimTOTPStep implements workspace.Store.
func (s *Store) ClaimTOTPStep(ctx context.Context, userID string, step int64) error {
	tag, err := s.db.Exec(ctx, `UPDATE workspace_users SET totp_last_step = $2 WHERE id = $1 AND totp_last_step < $2`, userID, step)
	if err != nil {
		return mapErr("claim totp step", err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	if _, err := s.User(ctx, userID); err != nil {
		return err
	}
	return workspace.ErrConflict
}

func scanMembership(row pgx.Row) (workspace.Membership, error) {
	var (
		m    workspace.Membership
		role string
	)
	if err := row.Scan(&m.WorkspaceID, &m.UserID, &role, &m.CreatedAt); err != nil {
		return workspace.Membership{}, err
	}
	m.Role, m.CreatedAt = workspace.Role(role), m.CreatedAt.UTC()
	return m, nil
}

// PutMembership implements workspace.Store.
func (s *Store) PutMembership(ctx context.Context, m workspace.Membership) error {
	_, err := s.db.Exec(ctx, `INSERT INTO workspace_memberships (workspace_id, user_id, role, created_at) VALUES ($1,$2,$3,$4)
		ON CONFLICT (workspace_id, user_id) DO UPDATE SET role = EXCLUDED.role, created_at = EXCLUDED.created_at`,
		m.WorkspaceID, m.UserID, string(m.Role), m.CreatedAt.UTC())
	return mapErr("put membership", err)
}

// Membership implements workspace.Store.
func (s *Store) Membership(ctx context.Context, workspaceID, userID string) (workspace.Membership, error) {
	m, err := scanMembership(s.db.QueryRow(ctx, `SELECT workspace_id, user_id, role, created_at FROM workspace_memberships
		WHERE workspace_id = $1 AND user_id = $2`, workspaceID, userID))
	return m, mapErr("membership", err)
}

// DeleteMembership implements workspace.Store.
func (s *Store) DeleteMembership(ctx context.Context, workspaceID, userID string) error {
	tag, err := s.db.Exec(ctx, `DELETE FROM workspace_memberships WHERE workspace_id = $1 AND user_id = $2`, workspaceID, userID)
	return affected(tag, err, "delete membership")
}

// Members implements workspace.Store.
func (s *Store) Members(ctx context.Context, workspaceID string) ([]workspace.Membership, error) {
	rows, err := s.db.Query(ctx, `SELECT workspace_id, user_id, role, created_at FROM workspace_memberships
		WHERE workspace_id = $1 ORDER BY user_id`, workspaceID)
	if err != nil {
		return nil, mapErr("members", err)
	}
	out, err := collect(rows, scanMembership)
	return out, mapErr("members", err)
}

// UserMemberships implements workspace.Store.
func (s *Store) UserMemberships(ctx context.Context, userID string) ([]workspace.Membership, error) {
	rows, err := s.db.Query(ctx, `SELECT workspace_id, user_id, role, created_at FROM workspace_memberships
		WHERE user_id = $1 ORDER BY workspace_id`, userID)
	if err != nil {
		return nil, mapErr("user memberships", err)
	}
	out, err := collect(rows, scanMembership)
	return out, mapErr("user memberships", err)
}

// CreateInvitation implements workspace.Store.
func (s *Store) CreateInvitation(ctx context.Context, inv workspace.Invitation) error {
	_, err := s.db.Exec(ctx, `INSERT INTO workspace_invitations (id, workspace_id, email, role, invited_by, expires_at, accepted_at, created_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`, inv.ID, inv.WorkspaceID, inv.Email.Reveal(), string(inv.Role), inv.InvitedBy,
		inv.ExpiresAt.UTC(), nt(inv.AcceptedAt), inv.CreatedAt.UTC())
	return mapErr("create invitation", err)
}

// Invitation implements workspace.Store.
func (s *Store) Invitation(ctx context.Context, id string) (workspace.Invitation, error) {
	var (
		inv             workspace.Invitation
		email, role     string
		accepted        *time.Time
		expires, create time.Time
	)
	err := s.db.QueryRow(ctx, `SELECT id, workspace_id, email, role, invited_by, expires_at, accepted_at, created_at
		FROM workspace_invitations WHERE id = $1`, id).Scan(&inv.ID, &inv.WorkspaceID, &email, &role, &inv.InvitedBy, &expires, &accepted, &create)
	if err != nil {
		return workspace.Invitation{}, mapErr("invitation", err)
	}
	inv.Email, inv.Role, inv.ExpiresAt, inv.AcceptedAt, inv.CreatedAt = secret.NewPII(email), workspace.Role(role), expires.UTC(), tv(accepted), create.UTC()
	return inv, nil
}

// AcceptInvitation implements workspace.Store.
func (s *Store) AcceptInvitation(ctx context.Context, id string, at time.Time) error {
	tag, err := s.db.Exec(ctx, `UPDATE workspace_invitations SET accepted_at = $2 WHERE id = $1 AND accepted_at IS NULL`, id, at.UTC())
	if err != nil {
		return mapErr("accept invitation", err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	if _, err := s.Invitation(ctx, id); err != nil {
		return err
	}
	return workspace.ErrConflict
}

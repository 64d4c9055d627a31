package pgstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/botsync/botsync/workspace"
)

const sessionCols = `id, user_id, workspace_id, created_at, last_seen_at, expires_at, ip, user_agent, second_factor, impersonator_id, parent_id`

func sessionArgs(x workspace.Session) []any {
	return []any{x.ID, x.UserID, x.WorkspaceID, x.CreatedAt.UTC(), x.LastSeenAt.UTC(), x.ExpiresAt.UTC(), x.IP, x.UserAgent,
		x.SecondFactor, x.ImpersonatorID, ns(x.ParentID)}
}

func scanSession(row pgx.Row) (workspace.Session, error) {
	var (
		x      workspace.Session
		parent *string
	)
	if err := row.Scan(&x.ID, &x.UserID, &x.WorkspaceID, &x.CreatedAt, &x.LastSeenAt, &x.ExpiresAt, &x.IP, &x.UserAgent,
		&x.SecondFactor, &x.ImpersonatorID, &parent); err != nil {
		return workspace.Session{}, err
	}
	x.ParentID = sv(parent)
	x.CreatedAt, x.LastSeenAt, x.ExpiresAt = x.CreatedAt.UTC(), x.LastSeenAt.UTC(), x.ExpiresAt.UTC()
	return x, nil
}

// CreateSession implements workspace.Store. A ParentID that does not exist
// gives ErrNotFound.
func (s *Store) CreateSession(ctx context.Context, x workspace.Session) error {
	_, err := s.db.Exec(ctx, `INSERT INTO workspace_sessions (`+sessionCols+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)`, sessionArgs(x)...)
	return mapErr("create session", err)
}

// Session implements workspace.Store.
func (s *Store) Session(ctx context.Context, id string) (workspace.Session, error) {
	x, err := scanSession(s.db.QueryRow(ctx, `SELECT `+sessionCols+` FROM workspace_sessions WHERE id = $1`, id))
	return x, mapErr("session", err)
}

// lookupSQL reads everything a request needs in one round trip.
const lookupSQL = `SELECT
	s.id, s.user_id, s.workspace_id, s.created_at, s.last_seen_at, s.expires_at, s.ip, s.user_agent, s.second_factor, s.impersonator_id, s.parent_id,
	u.id, u.email, u.name, u.password_hash, u.super_admin, u.totp_enabled, u.recovery_codes, u.totp_last_step, u.disabled, u.created_at, u.updated_at,
	p.id, p.user_id, p.workspace_id, p.created_at, p.last_seen_at, p.expires_at, p.ip, p.user_agent, p.second_factor, p.impersonator_id, p.parent_id,
	w.id, w.name, w.owner_id, w.agency_id, w.plan, w.status, w.closing_since, w.locale, w.time_zone, w.phone_region, w.settings, w.created_at, w.updated_at,
	m.role, am.role
FROM workspace_sessions s
JOIN workspace_users u ON u.id = s.user_id
LEFT JOIN workspace_sessions p ON p.id = s.parent_id
LEFT JOIN workspace_workspaces w ON w.id = s.workspace_id
LEFT JOIN workspace_memberships m ON m.workspace_id = w.id AND m.user_id = s.user_id
LEFT JOIN workspace_memberships am ON w.agency_id <> '' AND am.workspace_id = w.agency_id AND am.user_id = s.user_id
WHERE s.id = $1`

// nullable columns of a LEFT JOINed session or workspace.
type nullSession struct {
	id, userID, wsID, ip, ua, imp, parent *string
	created, seen, expires                *time.Time
	second                                *bool
}

type nullWorkspace struct {
	id, name, owner, agency, plan, status, locale, tz, region *string
	closing, created, updated                                 *time.Time
	settings                                                  []byte
}

// LookupSession implements workspace.Store.
func (s *Store) LookupSession(ctx context.Context, id string) (workspace.SessionView, error) {
	var (
		x           workspace.Session
		parentID    *string
		u           workspace.User
		email, name string
		p           nullSession
		w           nullWorkspace
		role, arole *string
	)
	err := s.db.QueryRow(ctx, lookupSQL, id).Scan(
		&x.ID, &x.UserID, &x.WorkspaceID, &x.CreatedAt, &x.LastSeenAt, &x.ExpiresAt, &x.IP, &x.UserAgent, &x.SecondFactor, &x.ImpersonatorID, &parentID,
		&u.ID, &email, &name, &u.PasswordHash, &u.SuperAdmin, &u.TOTPEnabled, &u.RecoveryCodes, &u.TOTPLastStep, &u.Disabled, &u.CreatedAt, &u.UpdatedAt,
		&p.id, &p.userID, &p.wsID, &p.created, &p.seen, &p.expires, &p.ip, &p.ua, &p.second, &p.imp, &p.parent,
		&w.id, &w.name, &w.owner, &w.agency, &w.plan, &w.status, &w.closing, &w.locale, &w.tz, &w.region, &w.settings, &w.created, &w.updated,
		&role, &arole)
	if err != nil {
		return workspace.SessionView{}, mapErr("lookup session", err)
	}
	x.ParentID = sv(parentID)
	x.CreatedAt, x.LastSeenAt, x.ExpiresAt = x.CreatedAt.UTC(), x.LastSeenAt.UTC(), x.ExpiresAt.UTC()
	u.Email, u.Name = secretPII(email), secretPII(name)
	u.CreatedAt, u.UpdatedAt = u.CreatedAt.UTC(), u.UpdatedAt.UTC()
	if len(u.RecoveryCodes) == 0 {
		u.RecoveryCodes = nil
	}
	v := workspace.SessionView{Session: x, User: u, Role: workspace.Role(sv(role)), AgencyRole: workspace.Role(sv(arole))}
	if p.id != nil {
		v.Parent = &workspace.Session{ID: *p.id, UserID: sv(p.userID), WorkspaceID: sv(p.wsID), CreatedAt: tv(p.created),
			LastSeenAt: tv(p.seen), ExpiresAt: tv(p.expires), IP: sv(p.ip), UserAgent: sv(p.ua), SecondFactor: p.second != nil && *p.second,
			ImpersonatorID: sv(p.imp), ParentID: sv(p.parent)}
	}
	if w.id != nil {
		ws := workspace.Workspace{ID: *w.id, Name: sv(w.name), OwnerID: sv(w.owner), AgencyID: sv(w.agency), Plan: sv(w.plan),
			Status: workspace.Status(sv(w.status)), ClosingSince: tv(w.closing), Locale: sv(w.locale), TimeZone: sv(w.tz),
			PhoneRegion: sv(w.region), CreatedAt: tv(w.created), UpdatedAt: tv(w.updated)}
		if err := json.Unmarshal(w.settings, &ws.Settings); err != nil {
			return workspace.SessionView{}, mapErr("lookup session", fmt.Errorf("settings: %w", err))
		}
		v.Workspace = &ws
	}
	return v, nil
}

// TouchSession implements workspace.Store.
func (s *Store) TouchSession(ctx context.Context, id string, at time.Time) error {
	tag, err := s.db.Exec(ctx, `UPDATE workspace_sessions SET last_seen_at = $2 WHERE id = $1`, id, at.UTC())
	return affected(tag, err, "touch session")
}

// RotateSession implements workspace.Store: one statement deletes the old
// session (its impersonations go by cascade) and inserts the new one only
// if the old one existed.
func (s *Store) RotateSession(ctx context.Context, oldID string, next workspace.Session) error {
	args := append([]any{oldID}, sessionArgs(next)...)
	tag, err := s.db.Exec(ctx, `WITH d AS (DELETE FROM workspace_sessions WHERE id = $1 RETURNING id)
		INSERT INTO workspace_sessions (`+sessionCols+`)
		SELECT $2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12 FROM d`, args...)
	return affected(tag, err, "rotate session")
}

// DeleteSession implements workspace.Store.
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	tag, err := s.db.Exec(ctx, `DELETE FROM workspace_sessions WHERE id = $1`, id)
	return affected(tag, err, "delete session")
}

// UserSessions implements workspace.Store.
func (s *Store) UserSessions(ctx context.Context, userID string) ([]workspace.Session, error) {
	rows, err := s.db.Query(ctx, `SELECT `+sessionCols+` FROM workspace_sessions WHERE user_id = $1 ORDER BY created_at, id`, userID)
	if err != nil {
		return nil, mapErr("user sessions", err)
	}
	out, err := collect(rows, scanSession)
	return out, mapErr("user sessions", err)
}

// DeleteUserSessions implements workspace.Store.
func (s *Store) DeleteUserSessions(ctx context.Context, userID, exceptID string) (int, error) {
	tag, err := s.db.Exec(ctx, `DELETE FROM workspace_sessions WHERE user_id = $1 AND id <> $2`, userID, exceptID)
	if err != nil {
		return 0, mapErr("delete user sessions", err)
	}
	return int(tag.RowsAffected()), nil
}

// DeleteExpiredSessions implements workspace.Store. Children deleted by
// cascade are counted too.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now, idleBefore time.Time) (int, error) {
	var n int
	err := s.db.QueryRow(ctx, `WITH RECURSIVE doomed AS (
			SELECT id FROM workspace_sessions WHERE expires_at <= $1 OR last_seen_at <= $2
			UNION SELECT c.id FROM workspace_sessions c JOIN doomed d ON c.parent_id = d.id
		), del AS (DELETE FROM workspace_sessions WHERE id IN (SELECT id FROM doomed) RETURNING 1)
		SELECT count(*) FROM del`, now.UTC(), idleBefore.UTC()).Scan(&n)
	if err != nil {
		return 0, mapErr("delete expired sessions", err)
	}
	return n, nil
}

// DeleteStaleLoginFailures implements workspace.Store.
func (s *Store) DeleteStaleLoginFailures(ctx context.Context, windowBefore, now time.Time) (int, error) {
	tag, err := s.db.Exec(ctx, `DELETE FROM workspace_login_failures
		WHERE (window_start IS NULL OR window_start < $1) AND (locked_until IS NULL OR locked_until <= $2)`, windowBefore.UTC(), now.UTC())
	if err != nil {
		return 0, mapErr("delete stale login failures", err)
	}
	return int(tag.RowsAffected()), nil
}

// AddLoginFailure implements workspace.Store, atomically.
func (s *Store) AddLoginFailure(ctx context.Context, key string, at time.Time, window time.Duration) (workspace.LoginFailures, error) {
	var (
		f       workspace.LoginFailures
		start   *time.Time
		lockedU *time.Time
	)
	err := s.db.QueryRow(ctx, `INSERT INTO workspace_login_failures AS f (key, count, window_start) VALUES ($1, 1, $2)
		ON CONFLICT (key) DO UPDATE SET
			count = CASE WHEN f.count = 0 OR f.window_start IS NULL OR $2 >= f.window_start + $3::bigint * interval '1 microsecond'
				THEN 1 ELSE f.count + 1 END,
			window_start = CASE WHEN f.count = 0 OR f.window_start IS NULL OR $2 >= f.window_start + $3::bigint * interval '1 microsecond'
				THEN $2 ELSE f.window_start END
		RETURNING key, count, window_start, locked_until`, key, at.UTC(), window.Microseconds()).Scan(&f.Key, &f.Count, &start, &lockedU)
	if err != nil {
		return workspace.LoginFailures{}, mapErr("add login failure", err)
	}
	f.WindowStart, f.LockedUntil = tv(start), tv(lockedU)
	return f, nil
}

// LoginFailures implements workspace.Store.
func (s *Store) LoginFailures(ctx context.Context, key string) (workspace.LoginFailures, error) {
	var (
		f       = workspace.LoginFailures{Key: key}
		start   *time.Time
		lockedU *time.Time
	)
	err := s.db.QueryRow(ctx, `SELECT count, window_start, locked_until FROM workspace_login_failures WHERE key = $1`, key).
		Scan(&f.Count, &start, &lockedU)
	if err != nil {
		if mapErr("", err) == workspace.ErrNotFound {
			return f, nil
		}
		return workspace.LoginFailures{}, mapErr("login failures", err)
	}
	f.WindowStart, f.LockedUntil = tv(start), tv(lockedU)
	return f, nil
}

// LockLogin implements workspace.Store.
func (s *Store) LockLogin(ctx context.Context, key string, until time.Time) error {
	_, err := s.db.Exec(ctx, `INSERT INTO workspace_login_failures (key, count, locked_until) VALUES ($1, 0, $2)
		ON CONFLICT (key) DO UPDATE SET locked_until = EXCLUDED.locked_until`, key, until.UTC())
	return mapErr("lock login", err)
}

// ClearLoginFailures implements workspace.Store.
func (s *Store) ClearLoginFailures(ctx context.Context, key string) error {
	_, err := s.db.Exec(ctx, `DELETE FROM workspace_login_failures WHERE key = $1`, key)
	return mapErr("clear login failures", err)
}

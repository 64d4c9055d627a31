package workspace

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/botsync/botsync/secret"
)

// CookieName is the session cookie's name.
const CookieName = "nexusdesk_session"

// touchEvery limits LastSeenAt writes to one a minute per session.
const touchEvery = time.Minute

// Session is a signed-in browser (or an impersonation). The token the
// browser holds is never stored: ID is its SHA-256 (hex).
type Session struct {
	ID          string
	UserID      string
	WorkspaceID string
	CreatedAt   time.Time
	LastSeenAt  time.Time
	// ExpiresAt is the absolute expiry; idle expiry is LastSeenAt plus the
	// service's idle timeout.
	ExpiresAt time.Time
	IP        string
	UserAgent string
	// SecondFactor is true when the sign-in passed TOTP (or a recovery
	// code). Sessions of users who must enrol carry false and may only
	// enrol ([ErrEnrollmentRequired] elsewhere).
	SecondFactor bool
	// ImpersonatorID is the super-admin acting through this session.
	ImpersonatorID string
	// ParentID is the admin session an impersonation hangs off; deleting
	// that session deletes this one.
	ParentID string
}

// Impersonation reports whether the session is an impersonation.
func (s Session) Impersonation() bool { return s.ImpersonatorID != "" }

// newToken returns a fresh random token with the given prefix and the
// hash under which it is stored.
func newToken(prefix string) (secret.Value, string) {
	var b [32]byte
	_, _ = rand.Read(b[:])
	tok := prefix + base64.RawURLEncoding.EncodeToString(b[:])
	return secret.New(tok), HashToken(tok)
}

// HashToken is the stored form of a session token or recovery code:
// SHA-256, hex. Tokens carry 256 random bits, so a fast hash suffices.
func HashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// SessionCookie returns the cookie that carries token: HttpOnly, Secure,
// SameSite=Lax, path /, expiring with the session.
func SessionCookie(token secret.Value, expires time.Time) *http.Cookie {
	return &http.Cookie{Name: CookieName, Value: token.Reveal(), Path: "/", Expires: expires,
		HttpOnly: true, Secure: true, SameSite: http.SameSiteLaxMode}
}

// ClearSessionCookie returns a cookie that deletes the session cookie.
func ClearSessionCookie() *http.Cookie {
	return &http.Cookie{Name: CookieName, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: true, SameSite: http.SameSiteLaxMode}
}

// SessionToken returns the session token from the request's cookie.
func SessionToken(r *http.Request) (secret.Value, bool) {
	c, err := r.Cookie(CookieName)
	if err != nil || c.Value == "" || len(c.Value) > 128 {
		return secret.Value{}, false
	}
	return secret.New(c.Value), true
}

func (s *Service) superNetAllowed(ip netip.Addr) bool {
	ip = ip.Unmap()
	for _, p := range s.cfg.superNets {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

func (s *Service) idleFor(w *Workspace) time.Duration {
	if w != nil && w.Settings.SessionIdle > 0 && w.Settings.SessionIdle < s.cfg.idle {
		return w.Settings.SessionIdle
	}
	return s.cfg.idle
}

func (s *Service) sessionLive(sess Session, w *Workspace, now time.Time) bool {
	return now.Before(sess.ExpiresAt) && now.Sub(sess.LastSeenAt) < s.idleFor(w)
}

// Authenticate resolves a session token to its principal: one store read
// (LookupSession) and, at most once a minute, a LastSeenAt write. Expired
// sessions (idle or absolute), impersonations whose admin session ended or
// expired, disabled users, and super-admins outside the allowed networks
// are refused; the first three with ErrUnauthenticated (and the session is
// deleted), the last with ErrNetworkNotAllowed.
func (s *Service) Authenticate(ctx context.Context, token secret.Value, ip netip.Addr) (*Principal, error) {
	raw := token.Reveal()
	if raw == "" || len(raw) > 128 || !strings.HasPrefix(raw, sessionPrefix) {
		return nil, wrap("authenticate", ErrUnauthenticated)
	}
	id := HashToken(raw)
	v, err := s.store.LookupSession(ctx, id)
	if isNotFound(err) {
		return nil, wrap("authenticate", ErrUnauthenticated)
	}
	if err != nil {
		return nil, wrap("authenticate", err)
	}
	now := s.now()
	sess := v.Session
	dead := !s.sessionLive(sess, v.Workspace, now) || v.User.Disabled
	if sess.ParentID != "" && (v.Parent == nil || !s.sessionLive(*v.Parent, nil, now)) {
		dead = true
	}
	if !dead && sess.ImpersonatorID != "" {
		// An impersonation needs its admin: the parent session must be the
		// impersonator's, and they must still be an enabled super-admin.
		// One more read, for impersonations only.
		if v.Parent == nil || v.Parent.UserID != sess.ImpersonatorID {
			dead = true
		} else if admin, err := s.store.User(ctx, sess.ImpersonatorID); err != nil || !admin.SuperAdmin || admin.Disabled {
			if err != nil && !isNotFound(err) {
				return nil, wrap("authenticate", err)
			}
			dead = true
		}
	}
	if dead {
		if err := s.store.DeleteSession(ctx, id); err != nil && !isNotFound(err) {
			return nil, wrap("authenticate", err)
		}
		return nil, wrap("authenticate", ErrUnauthenticated)
	}
	superNet := s.superNetAllowed(ip)
	if (v.User.SuperAdmin || sess.ImpersonatorID != "") && !superNet {
		return nil, wrap("authenticate", ErrNetworkNotAllowed)
	}
	if now.Sub(sess.LastSeenAt) >= touchEvery {
		if err := s.store.TouchSession(ctx, id, now); err != nil && !isNotFound(err) {
			return nil, wrap("authenticate", err)
		}
		sess.LastSeenAt = now
		if v.Parent != nil && now.Sub(v.Parent.LastSeenAt) >= touchEvery {
			if err := s.store.TouchSession(ctx, v.Parent.ID, now); err != nil && !isNotFound(err) {
				return nil, wrap("authenticate", err)
			}
		}
	}
	p := &Principal{User: v.User, Session: &sess, WorkspaceID: sess.WorkspaceID, Workspace: v.Workspace,
		Impersonator: sess.ImpersonatorID, superNet: superNet}
	switch {
	case v.Role != "":
		p.Role = v.Role
	case v.AgencyRole != "":
		p.Role = agencyRole(v.AgencyRole)
	}
	if v.Workspace == nil {
		p.WorkspaceID = ""
	}
	return p, nil
}

const sessionPrefix = "nds_"

// newSession creates and stores a session for u.
func (s *Service) newSession(u User, workspaceID, ip, userAgent string, secondFactor bool, now time.Time) (Session, secret.Value) {
	tok, id := newToken(sessionPrefix)
	if len(userAgent) > 256 {
		userAgent = userAgent[:256]
	}
	return Session{ID: id, UserID: u.ID, WorkspaceID: workspaceID, CreatedAt: now, LastSeenAt: now,
		ExpiresAt: now.Add(s.cfg.absolute), IP: ip, UserAgent: userAgent, SecondFactor: secondFactor}, tok
}

// rotate replaces the principal's session with a new id carrying the
// changes made by edit, and returns the new token: used on every privilege
// change (second factor passed, workspace switched) so a token seen before
// the change is worthless after it. Impersonations of the old session end.
func (s *Service) rotate(ctx context.Context, p *Principal, edit func(*Session)) (Session, secret.Value, error) {
	if p == nil || p.Session == nil {
		return Session{}, secret.Value{}, ErrUnauthenticated
	}
	next := *p.Session
	tok, id := newToken(sessionPrefix)
	next.ID = id
	next.LastSeenAt = s.now()
	edit(&next)
	if err := s.store.RotateSession(ctx, p.Session.ID, next); err != nil {
		if isNotFound(err) {
			return Session{}, secret.Value{}, ErrUnauthenticated
		}
		return Session{}, secret.Value{}, err
	}
	p.Session = &next
	return next, tok, nil
}

// SwitchWorkspace makes workspaceID the session's current workspace and
// rotates the session. The user must be a member, agency staff of the
// workspace's agency ("log in as client", audited in the client's trail),
// or a super-admin.
func (s *Service) SwitchWorkspace(ctx context.Context, p *Principal, workspaceID string) (Session, secret.Value, error) {
	if p == nil || p.Session == nil {
		return Session{}, secret.Value{}, wrap("switch workspace", ErrUnauthenticated)
	}
	if p.Impersonating() && workspaceID != p.WorkspaceID {
		return Session{}, secret.Value{}, wrap("switch workspace", fmt.Errorf("%w: impersonation is bound to its workspace", ErrForbidden))
	}
	w, err := s.store.Workspace(ctx, workspaceID)
	if err != nil {
		return Session{}, secret.Value{}, wrap("switch workspace", err)
	}
	action := "session.switch"
	if !p.SuperAdmin() {
		if _, err := s.store.Membership(ctx, workspaceID, p.User.ID); err != nil {
			if !isNotFound(err) {
				return Session{}, secret.Value{}, wrap("switch workspace", err)
			}
			role, err := s.roleIn(ctx, p.User.ID, w)
			if err != nil {
				return Session{}, secret.Value{}, wrap("switch workspace", err)
			}
			if role == "" {
				return Session{}, secret.Value{}, wrap("switch workspace", ErrForbidden)
			}
			action = "agency.switch_in"
		}
	}
	sess, tok, err := s.rotate(ctx, p, func(n *Session) { n.WorkspaceID = workspaceID })
	if err != nil {
		return Session{}, secret.Value{}, wrap("switch workspace", err)
	}
	if err := s.Audit(ctx, p, workspaceID, action, workspaceID); err != nil {
		return Session{}, secret.Value{}, err
	}
	p.WorkspaceID, p.Workspace = workspaceID, &w
	p.Role, _ = s.roleIn(ctx, p.User.ID, w)
	return sess, tok, nil
}

// Sessions lists the caller's own live sessions (for a "signed-in
// devices" page); expired ones are left out.
func (s *Service) Sessions(ctx context.Context, p *Principal) ([]Session, error) {
	if p == nil {
		return nil, wrap("sessions", ErrUnauthenticated)
	}
	ss, err := s.store.UserSessions(ctx, p.User.ID)
	if err != nil {
		return nil, wrap("sessions", err)
	}
	now := s.now()
	live := ss[:0]
	for _, x := range ss {
		if s.sessionLive(x, nil, now) {
			live = append(live, x)
		}
	}
	return live, nil
}

// RevokeSession ends one of the caller's sessions (super-admins: anyone's),
// and every impersonation hanging off it.
func (s *Service) RevokeSession(ctx context.Context, p *Principal, sessionID string) error {
	if p == nil {
		return wrap("revoke session", ErrUnauthenticated)
	}
	sess, err := s.store.Session(ctx, sessionID)
	if err != nil {
		return wrap("revoke session", err)
	}
	if sess.UserID != p.User.ID && !p.SuperAdmin() {
		return wrap("revoke session", ErrNotFound)
	}
	if err := s.store.DeleteSession(ctx, sessionID); err != nil {
		return wrap("revoke session", err)
	}
	return s.record(ctx, sess.WorkspaceID, p.User.ID, p.Impersonator, "session.revoke", sess.UserID)
}

// RevokeUserSessions signs a user out everywhere (all sessions and their
// impersonations); callers: the user (keeping their current session) or a
// super-admin.
func (s *Service) RevokeUserSessions(ctx context.Context, p *Principal, userID string) (int, error) {
	if p == nil {
		return 0, wrap("revoke user sessions", ErrUnauthenticated)
	}
	except := ""
	switch {
	case p.User.ID == userID && p.Session != nil && !p.Impersonating():
		except = p.Session.ID
	case p.SuperAdmin():
	default:
		return 0, wrap("revoke user sessions", ErrForbidden)
	}
	n, err := s.store.DeleteUserSessions(ctx, userID, except)
	if err != nil {
		return 0, wrap("revoke user sessions", err)
	}
	return n, s.record(ctx, PlatformScope, p.User.ID, "", "session.revoke_all", userID)
}

// Logout ends the principal's session (and, for an admin, every
// impersonation started from it).
func (s *Service) Logout(ctx context.Context, p *Principal) error {
	if p == nil || p.Session == nil {
		return wrap("logout", ErrUnauthenticated)
	}
	if err := s.store.DeleteSession(ctx, p.Session.ID); err != nil && !isNotFound(err) {
		return wrap("logout", err)
	}
	action := "session.logout"
	if p.Impersonating() {
		action = "impersonation.end"
	}
	return s.Audit(ctx, p, p.WorkspaceID, action, p.User.ID)
}

// SweepResult says what [Service.Sweep] deleted.
type SweepResult struct {
	Sessions      int
	LoginFailures int
}

// Sweep deletes expired sessions (idle or absolute, with their
// impersonations) and login-failure counters whose window has ended and
// that lock nothing. Run it every few minutes from one instance.
func (s *Service) Sweep(ctx context.Context) (SweepResult, error) {
	now := s.now()
	n, err := s.store.DeleteExpiredSessions(ctx, now, now.Add(-s.cfg.idle))
	if err != nil {
		return SweepResult{}, wrap("sweep sessions", err)
	}
	f, err := s.store.DeleteStaleLoginFailures(ctx, now.Add(-s.cfg.limits.Window), now)
	if err != nil {
		return SweepResult{Sessions: n}, wrap("sweep login failures", err)
	}
	return SweepResult{Sessions: n, LoginFailures: f}, nil
}

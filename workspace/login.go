package workspace

import (
	"context"
	"crypto/subtle"
	"fmt"
	"net/netip"
	"time"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/time/rate"

	"github.com/botsync/botsync/secret"
)

// LoginRequest is one sign-in attempt.
type LoginRequest struct {
	Email    string
	Password secret.Value
	// TOTPCode or RecoveryCode is required when the user enrolled in
	// two-factor sign-in; without one, Login answers
	// ErrSecondFactorRequired after checking the password.
	TOTPCode     secret.Value
	RecoveryCode secret.Value
	// IP is the client's address (for limits, super-admin networks, audit).
	IP        netip.Addr
	UserAgent string
	// WorkspaceID selects the session's workspace; empty picks the user's
	// first membership.
	WorkspaceID string
}

// LoginResult is a successful sign-in. Token goes into [SessionCookie]
// and is not kept anywhere.
type LoginResult struct {
	Token   secret.Value
	Session Session
	User    User
	// EnrollmentRequired is true when the user must enrol in two-factor
	// sign-in before the session can do anything else
	// ([Service.BeginTOTP], [Service.ConfirmTOTP]).
	EnrollmentRequired bool
}

func accountKey(email string) string { return "account:" + HashToken(email) }
func ipKey(ip netip.Addr) string     { return "ip:" + ip.Unmap().String() }

// allowIP applies this instance's token bucket for the address.
func (s *Service) allowIP(ip netip.Addr, now time.Time) bool {
	s.ipMu.Lock()
	defer s.ipMu.Unlock()
	ip = ip.Unmap()
	l, ok := s.ipLimiters[ip]
	if !ok {
		if len(s.ipLimiters) >= 100_000 {
			for k, v := range s.ipLimiters {
				if now.Sub(v.seen) > time.Hour {
					delete(s.ipLimiters, k)
				}
			}
		}
		l = &ipLimiter{lim: rate.NewLimiter(s.cfg.limits.IPRate, s.cfg.limits.IPBurst)}
		s.ipLimiters[ip] = l
	}
	l.seen = now
	return l.lim.AllowN(now, 1)
}

// ipMaxFailures: an address (maybe a whole office behind NAT) gets ten
// times an account's failures before it is locked.
func (s *Service) ipMaxFailures() int { return s.cfg.limits.MaxFailures * 10 }

// Login checks a password (and second factor) and opens a session. It
// applies, in order: this instance's per-address rate limit
// (ErrRateLimited), the storage-backed lockouts of the account and the
// address shared by every instance (ErrLocked), the password (bcrypt,
// constant time, also for unknown accounts), the super-admin networks
// (ErrNetworkNotAllowed) and the second factor. Failures count toward
// lockout; every outcome is audited without the e-mail address or secret.
func (s *Service) Login(ctx context.Context, req LoginRequest) (*LoginResult, error) {
	now := s.now()
	if !req.IP.IsValid() {
		return nil, wrap("login", fmt.Errorf("%w: ip: missing", ErrInvalid))
	}
	if !s.allowIP(req.IP, now) {
		_ = s.record(ctx, PlatformScope, "anonymous", "", "auth.login.rate_limited", req.IP.String())
		return nil, wrap("login", ErrRateLimited)
	}
	email, err := normEmail(req.Email)
	if err != nil {
		return nil, wrap("login", ErrUnauthenticated)
	}
	akey, ikey := accountKey(email), ipKey(req.IP)
	for _, k := range []string{akey, ikey} {
		f, err := s.store.LoginFailures(ctx, k)
		if err != nil {
			return nil, wrap("login", err)
		}
		if now.Before(f.LockedUntil) {
			return nil, wrap("login", ErrLocked)
		}
	}
	u, err := s.store.UserByEmail(ctx, email)
	if err != nil && !isNotFound(err) {
		return nil, wrap("login", err)
	}
	known := err == nil
	hash := s.dummyHash()
	if known && len(u.PasswordHash) > 0 {
		hash = u.PasswordHash
	}
	pwOK := bcrypt.CompareHashAndPassword(hash, []byte(req.Password.Reveal())) == nil
	if !known || !pwOK || u.Disabled {
		return nil, s.loginFailed(ctx, u.ID, akey, ikey, req.IP, now, "password")
	}
	if u.SuperAdmin && !s.superNetAllowed(req.IP) {
		_ = s.record(ctx, PlatformScope, u.ID, "", "auth.login.network_refused", req.IP.String())
		return nil, wrap("login", ErrNetworkNotAllowed)
	}
	secondFactor := false
	if u.TOTPEnabled {
		switch {
		case !req.TOTPCode.IsZero():
			ok, err := s.verifyTOTP(ctx, u, req.TOTPCode, now)
			if err != nil {
				return nil, wrap("login", err)
			}
			if !ok {
				return nil, s.loginFailed(ctx, u.ID, akey, ikey, req.IP, now, "totp")
			}
		case !req.RecoveryCode.IsZero():
			err := s.store.ConsumeRecoveryCode(ctx, u.ID, HashToken(normRecovery(req.RecoveryCode.Reveal())))
			if isNotFound(err) {
				return nil, s.loginFailed(ctx, u.ID, akey, ikey, req.IP, now, "recovery_code")
			}
			if err != nil {
				return nil, wrap("login", err)
			}
			_ = s.record(ctx, PlatformScope, u.ID, "", "auth.recovery_code.used", u.ID)
		default:
			return nil, wrap("login", ErrSecondFactorRequired)
		}
		secondFactor = true
	}
	for _, k := range []string{akey, ikey} {
		if err := s.store.ClearLoginFailures(ctx, k); err != nil {
			return nil, wrap("login", err)
		}
	}
	wsID, err := s.loginWorkspace(ctx, u, req.WorkspaceID)
	if err != nil {
		return nil, wrap("login", err)
	}
	sess, tok := s.newSession(u, wsID, req.IP.String(), req.UserAgent, secondFactor, now)
	if err := s.store.CreateSession(ctx, sess); err != nil {
		return nil, wrap("login", err)
	}
	if err := s.record(ctx, PlatformScope, u.ID, "", "auth.login", req.IP.String()); err != nil {
		return nil, err
	}
	res := &LoginResult{Token: tok, Session: sess, User: u}
	if !u.TOTPEnabled {
		need, err := s.requires2FA(ctx, u)
		if err != nil {
			return nil, wrap("login", err)
		}
		res.EnrollmentRequired = need
	}
	return res, nil
}

// requires2FA reports whether the user must enrol: super-admins, and
// owners and admins of any workspace or agency, or members of a workspace
// that requires it.
func (s *Service) requires2FA(ctx context.Context, u User) (bool, error) {
	if u.SuperAdmin {
		return true, nil
	}
	ms, err := s.store.UserMemberships(ctx, u.ID)
	if err != nil {
		return false, err
	}
	for _, m := range ms {
		if m.Role.rank() >= RoleAdmin.rank() {
			return true, nil
		}
		w, err := s.store.Workspace(ctx, m.WorkspaceID)
		if err == nil && w.Settings.Require2FA {
			return true, nil
		}
	}
	return false, nil
}

func (s *Service) loginWorkspace(ctx context.Context, u User, want string) (string, error) {
	ms, err := s.store.UserMemberships(ctx, u.ID)
	if err != nil {
		return "", err
	}
	for _, m := range ms {
		if want == "" || subtle.ConstantTimeCompare([]byte(m.WorkspaceID), []byte(want)) == 1 {
			if _, err := s.store.Workspace(ctx, m.WorkspaceID); err == nil {
				return m.WorkspaceID, nil
			}
		}
	}
	if want != "" && !u.SuperAdmin {
		return "", fmt.Errorf("%w: not a member of the requested workspace", ErrForbidden)
	}
	if want != "" {
		return want, nil
	}
	return "", nil
}

// loginFailed counts a failure against the account and the address,
// locks whichever reached its limit, audits, and returns the error the
// caller gets (ErrUnauthenticated, or ErrLocked once locked).
func (s *Service) loginFailed(ctx context.Context, userID, akey, ikey string, ip netip.Addr, now time.Time, what string) error {
	actor := userID
	if actor == "" {
		actor = "anonymous"
	}
	lim := s.cfg.limits
	locked := false
	for _, k := range []struct {
		key string
		max int
	}{{akey, lim.MaxFailures}, {ikey, s.ipMaxFailures()}} {
		f, err := s.store.AddLoginFailure(ctx, k.key, now, lim.Window)
		if err != nil {
			return wrap("login", err)
		}
		if f.Count >= k.max {
			if err := s.store.LockLogin(ctx, k.key, now.Add(lim.Lockout)); err != nil {
				return wrap("login", err)
			}
			locked = true
		}
	}
	if err := s.record(ctx, PlatformScope, actor, "", "auth.login.failed", what+" ip="+ip.String()); err != nil {
		return err
	}
	if locked {
		if err := s.record(ctx, PlatformScope, actor, "", "auth.lockout", "ip="+ip.String()); err != nil {
			return err
		}
		s.cfg.logger.WarnContext(ctx, "workspace: sign-in locked", "user", actor)
		return wrap("login", ErrLocked)
	}
	return wrap("login", ErrUnauthenticated)
}

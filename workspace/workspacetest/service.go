package workspacetest

import (
	"context"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/secret"
	"github.com/botsync/botsync/workspace"
)

var serviceTests = []struct {
	name string
	fn   func(*testing.T, workspace.Store)
}{
	{"ServiceSignUpAndLogin", testSignUpAndLogin},
	{"ServiceRolesAgainstActions", testRolesAgainstActions},
	{"ServiceInvitations", testInvitations},
	{"ServiceRemovalOnLiveSession", testRemovalOnLiveSession},
	{"ServiceSessionExpiryAndRevocation", testSessionExpiry},
	{"ServiceLockoutAcrossInstances", testLockout},
	{"ServiceTOTP", testTOTP},
	{"ServiceTOTPResetAndPasswordChange", testTOTPReset},
	{"ServiceImpersonation", testImpersonation},
	{"ServiceAPIKeys", testAPIKeys},
	{"ServiceKillSwitches", testKillSwitches},
	{"ServiceAgencies", testAgencies},
	{"ServiceWorkspaceLifecycle", testLifecycle},
	{"ServiceConnections", testConnections},
}

// member signs up email, adds them to w with role (directly in the store)
// and signs them in.
func (e *Env) member(t *testing.T, email string, w workspace.Workspace, role workspace.Role) (workspace.User, *workspace.Principal) {
	t.Helper()
	u, _ := e.SignUp(t, email, "")
	require.NoError(t, e.Store.PutMembership(context.Background(), workspace.Membership{WorkspaceID: w.ID, UserID: u.ID, Role: role, CreatedAt: e.Clock.Now()}))
	p, _ := e.Login(t, email, UserIP, "")
	return u, p
}

// owner signs up an owner with a workspace, enrols TOTP and returns a
// principal that passed the second factor.
func (e *Env) owner(t *testing.T, email, wsName string) (workspace.User, workspace.Workspace, *workspace.Principal, string) {
	t.Helper()
	u, w := e.SignUp(t, email, wsName)
	p, _ := e.Login(t, email, UserIP, "")
	sec, _, tok := e.Enroll(t, p)
	p, err := e.Svc.Authenticate(context.Background(), tok, UserIP)
	require.NoError(t, err)
	return u, w, p, sec
}

// superAdmin creates a super-admin with TOTP and signs them in from
// AdminIP.
func (e *Env) superAdmin(t *testing.T, email string) (*workspace.Principal, secret.Value, string) {
	t.Helper()
	ctx := context.Background()
	u, _ := e.SignUp(t, email, "")
	u, err := e.Store.User(ctx, u.ID)
	require.NoError(t, err)
	u.SuperAdmin = true
	require.NoError(t, e.Store.UpdateUser(ctx, u))
	res, err := e.Svc.Login(ctx, workspace.LoginRequest{Email: email, Password: Password, IP: AdminIP})
	require.NoError(t, err)
	require.True(t, res.EnrollmentRequired)
	p, err := e.Svc.Authenticate(ctx, res.Token, AdminIP)
	require.NoError(t, err)
	require.ErrorIs(t, e.Svc.Authorize(ctx, p, workspace.ActionPlatformImpersonate, "ws_x"), workspace.ErrEnrollmentRequired)
	sec, _, tok := e.Enroll(t, p)
	p, err = e.Svc.Authenticate(ctx, tok, AdminIP)
	require.NoError(t, err)
	return p, tok, sec
}

func testSignUpAndLogin(t *testing.T, s workspace.Store) {
	ctx := context.Background()
	e := NewEnv(t, s)
	u, w := e.SignUp(t, "Asha@Example.com", "Asha Sarees")
	assert.Equal(t, "asha@example.com", u.Email.Reveal())
	assert.Equal(t, workspace.StatusActive, w.Status)
	assert.Equal(t, "Asia/Kolkata", w.TimeZone)
	assert.Equal(t, "IN", w.PhoneRegion)
	stored, err := s.User(ctx, u.ID)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(stored.PasswordHash), "$2a$04$"), "bcrypt hash at the test cost")

	_, _, err = e.Svc.SignUp(ctx, workspace.SignUpRequest{Email: "asha@example.com", Name: "X", Password: Password})
	require.ErrorIs(t, err, workspace.ErrConflict)
	_, _, err = e.Svc.SignUp(ctx, workspace.SignUpRequest{Email: "b@example.com", Name: "Bina", Password: secret.New("password123")})
	require.ErrorIs(t, err, workspace.ErrWeakPassword)
	_, _, err = e.Svc.SignUp(ctx, workspace.SignUpRequest{Email: "not-an-email", Name: "Bina", Password: Password})
	require.ErrorIs(t, err, workspace.ErrInvalid)
	require.ErrorContains(t, err, "email")

	res, err := e.Svc.Login(ctx, workspace.LoginRequest{Email: "ASHA@example.com", Password: Password, IP: UserIP, UserAgent: "Firefox"})
	require.NoError(t, err)
	assert.True(t, res.EnrollmentRequired, "owners must enrol")
	assert.Equal(t, w.ID, res.Session.WorkspaceID)
	assert.Equal(t, workspace.HashToken(res.Token.Reveal()), res.Session.ID, "only the hash is stored")
	_, err = s.Session(ctx, res.Token.Reveal())
	require.ErrorIs(t, err, workspace.ErrNotFound)

	p, err := e.Svc.Authenticate(ctx, res.Token, UserIP)
	require.NoError(t, err)
	assert.Equal(t, workspace.RoleOwner, p.Role)
	assert.False(t, p.Impersonating())
	require.ErrorIs(t, e.Svc.Authorize(ctx, p, workspace.ActionWorkspaceView, w.ID), workspace.ErrEnrollmentRequired,
		"owners must enrol before doing anything")

	_, err = e.Svc.Login(ctx, workspace.LoginRequest{Email: "asha@example.com", Password: secret.New("wrong password!"), IP: UserIP})
	require.ErrorIs(t, err, workspace.ErrUnauthenticated)
	_, err = e.Svc.Login(ctx, workspace.LoginRequest{Email: "nobody@example.com", Password: Password, IP: UserIP})
	require.ErrorIs(t, err, workspace.ErrUnauthenticated)
	_, err = e.Svc.Authenticate(ctx, secret.New("nds_forged"), UserIP)
	require.ErrorIs(t, err, workspace.ErrUnauthenticated)
	assert.True(t, e.HasAudit(t, workspace.PlatformScope, "auth.login.failed", ""))
	for _, en := range e.AuditTrail(t, workspace.PlatformScope) {
		assert.NotContains(t, en.Target, "asha@example.com", "no e-mail addresses in the audit trail")
	}

	sessions, err := e.Svc.Sessions(ctx, p)
	require.NoError(t, err)
	require.Len(t, sessions, 1)
	assert.Equal(t, "Firefox", sessions[0].UserAgent)
	require.NoError(t, e.Svc.Logout(ctx, p))
	_, err = e.Svc.Authenticate(ctx, res.Token, UserIP)
	require.ErrorIs(t, err, workspace.ErrUnauthenticated)
}

func testRolesAgainstActions(t *testing.T, s workspace.Store) {
	ctx := context.Background()
	e := NewEnv(t, s)
	_, w := e.SignUp(t, "owner@example.com", "Shop")
	users := map[workspace.Role]workspace.User{}
	for _, r := range []workspace.Role{workspace.RoleOwner, workspace.RoleAdmin, workspace.RoleAgent, workspace.RoleViewer} {
		u, _ := e.SignUp(t, string(r)+"-x@example.com", "")
		require.NoError(t, s.PutMembership(ctx, workspace.Membership{WorkspaceID: w.ID, UserID: u.ID, Role: r, CreatedAt: t0}))
		users[r] = u
	}
	outsider, _ := e.SignUp(t, "outsider@example.com", "")
	super := users[workspace.RoleViewer]
	super.SuperAdmin = true
	for _, status := range []workspace.Status{workspace.StatusActive, workspace.StatusSuspended, workspace.StatusClosing, workspace.StatusClosed} {
		cur, err := s.Workspace(ctx, w.ID)
		require.NoError(t, err)
		cur.Status = status
		require.NoError(t, s.UpdateWorkspace(ctx, cur))
		for role, u := range users {
			for _, a := range workspace.Actions {
				got, err := e.Svc.Can(ctx, u, a, w.ID)
				require.NoError(t, err)
				assert.Equal(t, workspace.Allowed(role, a, status), got, "%s %s in %s workspace", role, a, status)
			}
		}
		for _, a := range workspace.Actions {
			got, err := e.Svc.Can(ctx, outsider, a, w.ID)
			require.NoError(t, err)
			assert.False(t, got, "outsider %s", a)
			got, err = e.Svc.Can(ctx, super, a, w.ID)
			require.NoError(t, err)
			assert.True(t, got, "super-admin %s", a)
		}
	}
	ok, err := e.Svc.Can(ctx, users[workspace.RoleOwner], workspace.ActionWorkspaceView, "ws_missing")
	require.NoError(t, err)
	assert.False(t, ok)
}

func testInvitations(t *testing.T, s workspace.Store) {
	ctx := context.Background()
	e := NewEnv(t, s)
	_, w, owner, _ := e.owner(t, "owner@example.com", "Shop")

	inv, tok, err := e.Svc.Invite(ctx, owner, w.ID, "New.Agent@Example.com", workspace.RoleAgent)
	require.NoError(t, err)
	assert.Equal(t, "new.agent@example.com", inv.Email.Reveal())
	assert.NotContains(t, tok.String(), inv.ID, "tokens redact")
	u, _ := e.SignUp(t, "new.agent@example.com", "")
	other, _ := e.SignUp(t, "someone.else@example.com", "")

	_, err = e.Svc.AcceptInvitation(ctx, tok, other.ID)
	require.ErrorIs(t, err, workspace.ErrForbidden, "sent to another address")
	tampered := secret.New(tok.Reveal()[:len(tok.Reveal())-2] + "AA")
	_, err = e.Svc.AcceptInvitation(ctx, tampered, u.ID)
	require.ErrorIs(t, err, workspace.ErrUnauthenticated)
	_, err = e.Svc.AcceptInvitation(ctx, secret.New("garbage"), u.ID)
	require.ErrorIs(t, err, workspace.ErrInvalid)

	m, err := e.Svc.AcceptInvitation(ctx, tok, u.ID)
	require.NoError(t, err)
	assert.Equal(t, workspace.RoleAgent, m.Role)
	_, err = e.Svc.AcceptInvitation(ctx, tok, u.ID)
	require.ErrorIs(t, err, workspace.ErrConflict, "single use")
	assert.True(t, e.HasAudit(t, w.ID, "members.join", ""))

	_, tok2, err := e.Svc.Invite(ctx, owner, w.ID, "late@example.com", workspace.RoleViewer)
	require.NoError(t, err)
	late, _ := e.SignUp(t, "late@example.com", "")
	e.Clock.Advance(workspace.DefaultInvitationTTL)
	_, err = e.Svc.AcceptInvitation(ctx, tok2, late.ID)
	require.ErrorIs(t, err, workspace.ErrExpired)

	// Agents cannot invite; admins cannot invite owners or admins.
	_, agent := e.member(t, "agent@example.com", w, workspace.RoleAgent)
	_, _, err = e.Svc.Invite(ctx, agent, w.ID, "x@example.com", workspace.RoleViewer)
	require.ErrorIs(t, err, workspace.ErrForbidden)
	_, adminP := e.member(t, "admin@example.com", w, workspace.RoleAdmin)
	sec, _, atok := e.Enroll(t, adminP)
	_ = sec
	adminP, err = e.Svc.Authenticate(ctx, atok, UserIP)
	require.NoError(t, err)
	_, _, err = e.Svc.Invite(ctx, adminP, w.ID, "x@example.com", workspace.RoleAdmin)
	require.ErrorIs(t, err, workspace.ErrForbidden)
	_, _, err = e.Svc.Invite(ctx, adminP, w.ID, "x@example.com", workspace.RoleViewer)
	require.NoError(t, err)
	_, _, err = e.Svc.Invite(ctx, adminP, w.ID, "x@example.com", workspace.Role("boss"))
	require.ErrorIs(t, err, workspace.ErrInvalid)
}

func testRemovalOnLiveSession(t *testing.T, s workspace.Store) {
	ctx := context.Background()
	e := NewEnv(t, s)
	_, w, owner, _ := e.owner(t, "owner@example.com", "Shop")
	agentUser, _ := e.SignUp(t, "agent@example.com", "")
	require.NoError(t, s.PutMembership(ctx, workspace.Membership{WorkspaceID: w.ID, UserID: agentUser.ID, Role: workspace.RoleAgent, CreatedAt: t0}))
	_, tok := e.Login(t, "agent@example.com", UserIP, "")

	p, err := e.Svc.Authenticate(ctx, tok, UserIP)
	require.NoError(t, err)
	require.NoError(t, e.Svc.Authorize(ctx, p, workspace.ActionConversationsReply, w.ID))

	require.NoError(t, e.Svc.SetRole(ctx, owner, w.ID, agentUser.ID, workspace.RoleViewer))
	p, err = e.Svc.Authenticate(ctx, tok, UserIP)
	require.NoError(t, err)
	require.ErrorIs(t, e.Svc.Authorize(ctx, p, workspace.ActionConversationsReply, w.ID), workspace.ErrForbidden, "demotion applies at once")

	require.NoError(t, e.Svc.RemoveMember(ctx, owner, w.ID, agentUser.ID))
	p, err = e.Svc.Authenticate(ctx, tok, UserIP)
	require.NoError(t, err)
	require.ErrorIs(t, e.Svc.Authorize(ctx, p, workspace.ActionConversationsView, w.ID), workspace.ErrForbidden, "removal applies at once")
	require.ErrorIs(t, e.Svc.RemoveMember(ctx, owner, w.ID, owner.User.ID), workspace.ErrForbidden, "the owner stays")
	assert.True(t, e.HasAudit(t, w.ID, "members.remove", ""))
}

func testSessionExpiry(t *testing.T, s workspace.Store) {
	ctx := context.Background()
	e := NewEnv(t, s, workspace.WithSessionTimeouts(30*time.Minute, 90*time.Minute))
	_, w := e.SignUp(t, "owner@example.com", "Shop")
	e.member(t, "agent@example.com", w, workspace.RoleAgent)
	_, tok := e.Login(t, "agent@example.com", UserIP, "")

	// Idle expiry: activity within 30 minutes keeps it alive...
	for i := 0; i < 3; i++ {
		e.Clock.Advance(29 * time.Minute)
		_, err := e.Svc.Authenticate(ctx, tok, UserIP)
		require.NoError(t, err, "step %d", i)
	}
	// ...until the absolute expiry.
	e.Clock.Advance(29 * time.Minute)
	_, err := e.Svc.Authenticate(ctx, tok, UserIP)
	require.ErrorIs(t, err, workspace.ErrUnauthenticated)

	_, tok = e.Login(t, "agent@example.com", UserIP, "")
	e.Clock.Advance(31 * time.Minute)
	_, err = e.Svc.Authenticate(ctx, tok, UserIP)
	require.ErrorIs(t, err, workspace.ErrUnauthenticated, "idle expiry")

	// Revocation: list and revoke one, then all others.
	p1, tok1 := e.Login(t, "agent@example.com", UserIP, "")
	_, tok2 := e.Login(t, "agent@example.com", UserIP, "")
	_, tok3 := e.Login(t, "agent@example.com", UserIP, "")
	list, err := e.Svc.Sessions(ctx, p1)
	require.NoError(t, err)
	require.Len(t, list, 3)
	require.NoError(t, e.Svc.RevokeSession(ctx, p1, workspace.HashToken(tok2.Reveal())))
	_, err = e.Svc.Authenticate(ctx, tok2, UserIP)
	require.ErrorIs(t, err, workspace.ErrUnauthenticated)
	n, err := e.Svc.RevokeUserSessions(ctx, p1, p1.User.ID)
	require.NoError(t, err)
	assert.Equal(t, 2, n, "tok3 and the expired session of the first sign-in")
	_, err = e.Svc.Authenticate(ctx, tok3, UserIP)
	require.ErrorIs(t, err, workspace.ErrUnauthenticated)
	_, err = e.Svc.Authenticate(ctx, tok1, UserIP)
	require.NoError(t, err, "the caller's own session stays")

	// The sweeper deletes what expired.
	e.Clock.Advance(31 * time.Minute)
	_, _ = e.Login(t, "agent@example.com", UserIP, "")
	res, err := e.Svc.Sweep(ctx)
	require.NoError(t, err)
	assert.Positive(t, res.Sessions)
	list, err = s.UserSessions(ctx, p1.User.ID)
	require.NoError(t, err)
	assert.Len(t, list, 1, "only the fresh session is left")
	p1, tok1 = e.Login(t, "agent@example.com", UserIP, "")

	// Disabled users lose their sessions.
	u, err := s.User(ctx, p1.User.ID)
	require.NoError(t, err)
	u.Disabled = true
	require.NoError(t, s.UpdateUser(ctx, u))
	_, err = e.Svc.Authenticate(ctx, tok1, UserIP)
	require.ErrorIs(t, err, workspace.ErrUnauthenticated)

	c := workspace.SessionCookie(tok1, e.Clock.Now())
	assert.Equal(t, "nexusdesk_session", c.Name)
	assert.True(t, c.HttpOnly && c.Secure)
	assert.Equal(t, "Lax", strings.TrimPrefix(c.String()[strings.Index(c.String(), "SameSite="):], "SameSite="))
}

func testLockout(t *testing.T, s workspace.Store) {
	ctx := context.Background()
	e := NewEnv(t, s)
	e2 := NewEnvWith(t, s, e.Clock, e.Audit, e.AuditStore, e.Vault) // a second instance
	e.SignUp(t, "agent@example.com", "")
	bad := workspace.LoginRequest{Email: "agent@example.com", Password: secret.New("not the password"), IP: UserIP}
	lim := workspace.DefaultLoginLimits
	for i := 0; i < lim.MaxFailures-1; i++ {
		svc := e.Svc
		if i%2 == 1 {
			svc = e2.Svc
		}
		_, err := svc.Login(ctx, bad)
		require.ErrorIs(t, err, workspace.ErrUnauthenticated, "attempt %d", i)
	}
	_, err := e2.Svc.Login(ctx, bad)
	require.ErrorIs(t, err, workspace.ErrLocked, "the fifth failure, counted across instances, locks")
	good := workspace.LoginRequest{Email: "agent@example.com", Password: Password, IP: netip.MustParseAddr("198.51.100.1")}
	_, err = e.Svc.Login(ctx, good)
	require.ErrorIs(t, err, workspace.ErrLocked, "locked even with the right password, from another address")
	assert.True(t, e.HasAudit(t, workspace.PlatformScope, "auth.lockout", ""))

	e.Clock.Advance(lim.Lockout)
	_, err = e2.Svc.Login(ctx, good)
	require.NoError(t, err, "unlocked after the lockout")

	// The per-address token bucket of one instance.
	for i := 0; i < lim.IPBurst; i++ {
		_, _ = e.Svc.Login(ctx, workspace.LoginRequest{Email: "x" + string(rune('a'+i)) + "@example.com", Password: Password, IP: netip.MustParseAddr("192.0.2.9")})
	}
	_, err = e.Svc.Login(ctx, workspace.LoginRequest{Email: "agent@example.com", Password: Password, IP: netip.MustParseAddr("192.0.2.9")})
	require.ErrorIs(t, err, workspace.ErrRateLimited)
	e.Clock.Advance(time.Minute)
	_, err = e.Svc.Login(ctx, workspace.LoginRequest{Email: "agent@example.com", Password: Password, IP: netip.MustParseAddr("192.0.2.9")})
	require.NoError(t, err, "the bucket refills with the clock")
}

func testTOTP(t *testing.T, s workspace.Store) {
	ctx := context.Background()
	e := NewEnv(t, s)
	_, w := e.SignUp(t, "owner@example.com", "Shop")
	p, oldTok := e.Login(t, "owner@example.com", UserIP, "")
	sec, codes, newTok := e.Enroll(t, p)
	require.Len(t, codes, workspace.RecoveryCodeCount)
	_, err := e.Svc.Authenticate(ctx, oldTok, UserIP)
	require.ErrorIs(t, err, workspace.ErrUnauthenticated, "enrolment rotates the session")
	p, err = e.Svc.Authenticate(ctx, newTok, UserIP)
	require.NoError(t, err)
	require.NoError(t, e.Svc.Authorize(ctx, p, workspace.ActionMembersInvite, w.ID))
	u, err := s.User(ctx, p.User.ID)
	require.NoError(t, err)
	for _, h := range u.RecoveryCodes {
		for _, c := range codes {
			assert.NotEqual(t, c.Reveal(), h, "recovery codes stored hashed")
		}
	}

	req := workspace.LoginRequest{Email: "owner@example.com", Password: Password, IP: UserIP}
	_, err = e.Svc.Login(ctx, req)
	require.ErrorIs(t, err, workspace.ErrSecondFactorRequired)

	e.Clock.Advance(time.Hour)
	code := e.Code(t, sec)
	e.Clock.Advance(30 * time.Second) // one step of skew is accepted
	req.TOTPCode = secret.New(code)
	res, err := e.Svc.Login(ctx, req)
	require.NoError(t, err)
	assert.True(t, res.Session.SecondFactor)

	_, err = e.Svc.Login(ctx, req)
	require.ErrorIs(t, err, workspace.ErrUnauthenticated, "a code is accepted once")
	req.TOTPCode = secret.New(e.Code(t, sec))
	e.Clock.Advance(2 * time.Minute) // five steps old: refused
	_, err = e.Svc.Login(ctx, req)
	require.ErrorIs(t, err, workspace.ErrUnauthenticated)

	req.TOTPCode = secret.Value{}
	req.RecoveryCode = secret.New(strings.ToUpper(codes[3].Reveal()))
	_, err = e.Svc.Login(ctx, req)
	require.NoError(t, err, "recovery codes ignore case")
	_, err = e.Svc.Login(ctx, req)
	require.ErrorIs(t, err, workspace.ErrUnauthenticated, "and work once")
	assert.True(t, e.HasAudit(t, workspace.PlatformScope, "auth.recovery_code.used", ""))

	fresh, err := e.Svc.RegenerateRecoveryCodes(ctx, p, secret.New(e.Code(t, sec)))
	require.NoError(t, err)
	req.RecoveryCode = codes[4]
	_, err = e.Svc.Login(ctx, req)
	require.ErrorIs(t, err, workspace.ErrUnauthenticated, "old codes replaced")
	req.RecoveryCode = fresh[0]
	_, err = e.Svc.Login(ctx, req)
	require.NoError(t, err)
}

func testImpersonation(t *testing.T, s workspace.Store) {
	ctx := context.Background()
	e := NewEnv(t, s)
	_, w := e.SignUp(t, "owner@example.com", "Shop")
	agent, _ := e.member(t, "agent@example.com", w, workspace.RoleAgent)
	admin, adminTok, _ := e.superAdmin(t, "root@example.com")

	_, err := e.Svc.Authenticate(ctx, adminTok, UserIP)
	require.ErrorIs(t, err, workspace.ErrNetworkNotAllowed, "super-admins only from allowed networks")
	_, err = e.Svc.Login(ctx, workspace.LoginRequest{Email: "root@example.com", Password: Password, IP: UserIP})
	require.ErrorIs(t, err, workspace.ErrNetworkNotAllowed)

	_, _, err = e.Svc.Impersonate(ctx, admin, agent.ID, w.ID, "")
	require.ErrorIs(t, err, workspace.ErrInvalid, "a reason is required")
	_, tok, err := e.Svc.Impersonate(ctx, admin, agent.ID, w.ID, "ticket 4411")
	require.NoError(t, err)
	p, err := e.Svc.Authenticate(ctx, tok, AdminIP)
	require.NoError(t, err)
	assert.True(t, p.Impersonating())
	assert.Equal(t, agent.ID, p.User.ID)
	assert.False(t, p.SuperAdmin(), "impersonation has the user's rights, not more")
	require.NoError(t, e.Svc.Authorize(ctx, p, workspace.ActionConversationsReply, w.ID))
	require.ErrorIs(t, e.Svc.Authorize(ctx, p, workspace.ActionMembersInvite, w.ID), workspace.ErrForbidden)
	require.NoError(t, e.Svc.Audit(ctx, p, w.ID, "conversation.reply", "conv_1"))
	_, err = e.Svc.Authenticate(ctx, tok, UserIP)
	require.ErrorIs(t, err, workspace.ErrNetworkNotAllowed)

	var found bool
	for _, en := range e.AuditTrail(t, w.ID) {
		if en.Action == "conversation.reply" {
			found = true
			assert.Equal(t, agent.ID, en.Actor)
			assert.Equal(t, admin.User.ID, en.Impersonator)
		}
	}
	assert.True(t, found, "the impersonated action is audited with both identities")
	assert.True(t, e.HasAudit(t, w.ID, "impersonation.start", admin.User.ID))

	// Ending the admin session ends the impersonation.
	require.NoError(t, e.Svc.Logout(ctx, admin))
	_, err = e.Svc.Authenticate(ctx, tok, AdminIP)
	require.ErrorIs(t, err, workspace.ErrUnauthenticated)

	// Impersonations are time-limited.
	admin2, _ := e.Login(t, "root@example.com", AdminIP, e.Code(t, mustSecret(t, e, admin.User.ID)))
	_, tok2, err := e.Svc.Impersonate(ctx, admin2, agent.ID, w.ID, "ticket 4412")
	require.NoError(t, err)
	for i := 0; i < 2; i++ {
		e.Clock.Advance(14 * time.Minute)
		_, err = e.Svc.Authenticate(ctx, tok2, AdminIP)
		require.NoError(t, err)
	}
	e.Clock.Advance(3 * time.Minute)
	_, err = e.Svc.Authenticate(ctx, tok2, AdminIP)
	require.ErrorIs(t, err, workspace.ErrUnauthenticated, "past the impersonation TTL")

	// An admin who loses super-admin rights loses their impersonations.
	_, tok3, err := e.Svc.Impersonate(ctx, admin2, agent.ID, w.ID, "ticket 4413")
	require.NoError(t, err)
	_, err = e.Svc.Authenticate(ctx, tok3, AdminIP)
	require.NoError(t, err)
	root, err := s.User(ctx, admin2.User.ID)
	require.NoError(t, err)
	root.SuperAdmin = false
	require.NoError(t, s.UpdateUser(ctx, root))
	_, err = e.Svc.Authenticate(ctx, tok3, AdminIP)
	require.ErrorIs(t, err, workspace.ErrUnauthenticated)
	root.SuperAdmin = true
	require.NoError(t, s.UpdateUser(ctx, root))

	// Non-super-admins cannot impersonate; super-admins cannot be impersonated.
	_, agentP := e.Login(t, "agent@example.com", UserIP, "")
	_ = agentP
	ap, _ := e.Login(t, "owner@example.com", UserIP, "")
	_, _, err = e.Svc.Impersonate(ctx, ap, agent.ID, w.ID, "curious")
	require.Error(t, err)
	_, _, err = e.Svc.Impersonate(ctx, admin2, admin2.User.ID, w.ID, "self")
	require.ErrorIs(t, err, workspace.ErrForbidden)
}

func mustSecret(t *testing.T, e *Env, userID string) string {
	t.Helper()
	v, err := e.Vault.Get(context.Background(), vaultRef(userID))
	require.NoError(t, err)
	return v.Reveal()
}

func testAPIKeys(t *testing.T, s workspace.Store) {
	ctx := context.Background()
	e := NewEnv(t, s)
	_, w, owner, _ := e.owner(t, "owner@example.com", "Shop")
	_, w2 := e.SignUp(t, "other@example.com", "Other")

	_, _, err := e.Svc.CreateAPIKey(ctx, owner, w.ID, "bad", []workspace.Action{workspace.ActionPlatformImpersonate}, time.Time{})
	require.ErrorIs(t, err, workspace.ErrInvalid)
	k, key, err := e.Svc.CreateAPIKey(ctx, owner, w.ID, "crm sync", []workspace.Action{workspace.ActionContactsView}, e.Clock.Now().Add(24*time.Hour))
	require.NoError(t, err)
	stored, err := s.APIKey(ctx, k.ID)
	require.NoError(t, err)
	assert.NotContains(t, key.Reveal(), stored.Hash)

	p, err := e.Svc.AuthenticateAPIKey(ctx, key)
	require.NoError(t, err)
	require.NoError(t, e.Svc.Authorize(ctx, p, workspace.ActionContactsView, w.ID))
	require.ErrorIs(t, e.Svc.Authorize(ctx, p, workspace.ActionContactsEdit, w.ID), workspace.ErrForbidden)
	require.ErrorIs(t, e.Svc.Authorize(ctx, p, workspace.ActionContactsView, w2.ID), workspace.ErrForbidden)

	wrong := secret.New(key.Reveal()[:len(key.Reveal())-1] + "x")
	_, err = e.Svc.AuthenticateAPIKey(ctx, wrong)
	require.ErrorIs(t, err, workspace.ErrUnauthenticated)
	e.Clock.Advance(25 * time.Hour)
	_, err = e.Svc.AuthenticateAPIKey(ctx, key)
	require.ErrorIs(t, err, workspace.ErrUnauthenticated, "expired")

	owner, _ = e.Login(t, "owner@example.com", UserIP, e.Code(t, mustSecret(t, e, owner.User.ID)))
	k2, key2, err := e.Svc.CreateAPIKey(ctx, owner, w.ID, "forever", []workspace.Action{workspace.ActionContactsView}, time.Time{})
	require.NoError(t, err)
	_, err = e.Svc.AuthenticateAPIKey(ctx, key2)
	require.NoError(t, err)
	require.NoError(t, e.Svc.RevokeAPIKey(ctx, owner, w.ID, k2.ID))
	_, err = e.Svc.AuthenticateAPIKey(ctx, key2)
	require.ErrorIs(t, err, workspace.ErrUnauthenticated, "revoked")
	keys, err := e.Svc.APIKeys(ctx, owner, w.ID)
	require.NoError(t, err)
	assert.Len(t, keys, 2)
}

func testKillSwitches(t *testing.T, s workspace.Store) {
	ctx := context.Background()
	e := NewEnv(t, s)
	_, w, owner, _ := e.owner(t, "owner@example.com", "Shop")
	_, w2 := e.SignUp(t, "other@example.com", "Other")
	admin, _, _ := e.superAdmin(t, "root@example.com")
	e2 := NewEnvWith(t, s, e.Clock, e.Audit, e.AuditStore, e.Vault)

	var processed []int
	gate := workspace.NewGate(e.Svc, workspace.PauseWebhooks, func(_ context.Context, _ string, ev int) error {
		processed = append(processed, ev)
		return nil
	})
	held, err := gate.Submit(ctx, w.ID, 1)
	require.NoError(t, err)
	assert.False(t, held)
	require.NoError(t, e.Svc.CheckSend(w.ID))

	require.ErrorIs(t, e.Svc.SetKillSwitch(ctx, owner, w.ID, workspace.PauseSends|workspace.PauseWebhooks, ""), workspace.ErrInvalid, "reason required")
	require.ErrorIs(t, e.Svc.SetKillSwitch(ctx, owner, workspace.GlobalScope, workspace.PauseSends, "x"), workspace.ErrForbidden)
	require.ErrorIs(t, e.Svc.SetKillSwitch(ctx, owner, w2.ID, workspace.PauseSends, "x"), workspace.ErrForbidden)
	require.NoError(t, e.Svc.SetKillSwitch(ctx, owner, w.ID, workspace.PauseSends|workspace.PauseWebhooks, "token leaked"))
	require.ErrorIs(t, e.Svc.CheckSend(w.ID), workspace.ErrPaused, "the send stops")
	require.NoError(t, e.Svc.CheckSend(w2.ID))
	assert.False(t, e.Svc.Paused(w.ID, workspace.PauseAI))
	assert.True(t, e.HasAudit(t, w.ID, "killswitch.set", ""))

	for i := 2; i <= 4; i++ {
		held, err := gate.Submit(ctx, w.ID, i)
		require.NoError(t, err)
		assert.True(t, held)
	}
	assert.Equal(t, 3, gate.Held(w.ID))
	n, err := gate.Resume(ctx, w.ID)
	require.NoError(t, err)
	assert.Zero(t, n, "still paused")

	// Another instance sees the change after loading.
	require.NoError(t, e2.Svc.CheckSend(w.ID))
	require.NoError(t, e2.Svc.LoadKillSwitches(ctx))
	require.ErrorIs(t, e2.Svc.CheckSend(w.ID), workspace.ErrPaused)

	require.NoError(t, e.Svc.SetKillSwitch(ctx, owner, w.ID, 0, "token rotated"))
	held, err = gate.Submit(ctx, w.ID, 5)
	require.NoError(t, err)
	assert.True(t, held, "held behind earlier events to keep order")
	n, err = gate.Resume(ctx, w.ID)
	require.NoError(t, err)
	assert.Equal(t, 4, n)
	assert.Equal(t, []int{1, 2, 3, 4, 5}, processed, "processed in order on resume")
	require.NoError(t, e.Svc.CheckSend(w.ID))

	require.NoError(t, e.Svc.SetKillSwitch(ctx, admin, workspace.GlobalScope, workspace.PauseAI|workspace.PauseSends, "provider outage"))
	require.ErrorIs(t, e.Svc.CheckSend(w2.ID), workspace.ErrPaused, "global")
	assert.True(t, e.Svc.Paused(w.ID, workspace.PauseAI))
	assert.True(t, e.HasAudit(t, workspace.PlatformScope, "killswitch.set", ""))
	ks, err := e.Svc.KillSwitches(ctx)
	require.NoError(t, err)
	require.Len(t, ks, 2)
	require.ErrorIs(t, e.Svc.SetKillSwitch(ctx, admin, w.ID, workspace.Pause(0x80), "x"), workspace.ErrInvalid)
}

func testTOTPReset(t *testing.T, s workspace.Store) {
	ctx := context.Background()
	e := NewEnv(t, s)
	_, _, owner, sec := e.owner(t, "owner@example.com", "Shop")
	_, err := e.Svc.BeginTOTP(ctx, owner)
	require.ErrorIs(t, err, workspace.ErrConflict, "a session cannot move the second factor")

	// Changing the password signs out every other session.
	_, other := e.Login(t, "owner@example.com", UserIP, e.Code(t, sec))
	next := secret.New("a brand new passphrase 7")
	require.ErrorIs(t, e.Svc.ChangePassword(ctx, owner, secret.New("wrong current"), next), workspace.ErrUnauthenticated)
	require.ErrorIs(t, e.Svc.ChangePassword(ctx, owner, Password, secret.New("short")), workspace.ErrWeakPassword)
	require.NoError(t, e.Svc.ChangePassword(ctx, owner, Password, next))
	_, err = e.Svc.Authenticate(ctx, other, UserIP)
	require.ErrorIs(t, err, workspace.ErrUnauthenticated)
	_, err = e.Svc.Authenticate(ctx, mustToken(t, e, owner), UserIP)
	require.NoError(t, err, "the current session stays")
	_, err = e.Svc.Login(ctx, workspace.LoginRequest{Email: "owner@example.com", Password: Password, IP: UserIP, TOTPCode: secret.New(e.Code(t, sec))})
	require.ErrorIs(t, err, workspace.ErrUnauthenticated, "the old password is gone")

	admin, _, _ := e.superAdmin(t, "root@example.com")
	require.ErrorIs(t, e.Svc.ResetTOTP(ctx, owner, owner.User.ID, "lost phone"), workspace.ErrForbidden)
	require.ErrorIs(t, e.Svc.ResetTOTP(ctx, admin, owner.User.ID, ""), workspace.ErrInvalid)
	require.NoError(t, e.Svc.ResetTOTP(ctx, admin, owner.User.ID, "lost phone, ticket 77"))
	res, err := e.Svc.Login(ctx, workspace.LoginRequest{Email: "owner@example.com", Password: next, IP: UserIP})
	require.NoError(t, err, "no code needed after the reset")
	assert.True(t, res.EnrollmentRequired, "but a new enrolment is")
	assert.True(t, e.HasAudit(t, workspace.PlatformScope, "auth.totp.reset", ""))
}

// mustToken returns the token of a session the environment created (the
// store keeps only hashes, so tokens cannot be recovered from it).
func mustToken(t *testing.T, e *Env, p *workspace.Principal) secret.Value {
	t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	tok, ok := e.tokens[p.Session.ID]
	require.True(t, ok, "session not created through Env.Login")
	return tok
}

package workspace

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"net/mail"
	"strings"

	"github.com/botsync/botsync/secret"
)

// Principal is an authenticated caller, as [Service.Authenticate] and
// [Service.AuthenticateAPIKey] return it. When a super-admin impersonates,
// User is the impersonated user, Impersonator the super-admin's id, and the
// principal has the user's permissions, never more.
type Principal struct {
	User User
	// Session is nil for API keys.
	Session *Session
	// APIKey is set when the caller used an API key.
	APIKey *APIKey
	// WorkspaceID is the current workspace ("" if none chosen yet).
	WorkspaceID string
	// Workspace is the current workspace as read with the session.
	Workspace *Workspace
	// Role is the effective role in the current workspace ("" if none).
	Role Role
	// Impersonator is the super-admin acting as User, if any.
	Impersonator string
	// superNet is true when the request came from a super-admin network.
	superNet bool
}

// SuperAdmin reports whether the caller has platform-wide rights: a
// super-admin user, signed in with a session (not an API key), not
// impersonating, from an allowed network.
func (p *Principal) SuperAdmin() bool {
	return p != nil && p.User.SuperAdmin && p.Impersonator == "" && p.APIKey == nil && p.superNet
}

// Impersonating reports whether a super-admin is acting as this user; the
// UI shows a banner whenever it is true.
func (p *Principal) Impersonating() bool { return p != nil && p.Impersonator != "" }

// effectiveRole maps an agency role to the role it gives in the agency's
// client workspaces: agency owners and admins act as admins.
func agencyRole(r Role) Role {
	if r == RoleOwner {
		return RoleAdmin
	}
	return r
}

// Can is the permission check every handler uses: whether user may perform
// action in workspace workspaceID, given the user's membership (or, in an
// agency's client workspace, agency membership) and the workspace's
// status. Memberships are read on every call, so a removed member loses
// access at once. Super-admins may do everything; [Service.Authenticate]
// only admits them from the allowed networks.
func (s *Service) Can(ctx context.Context, user User, action Action, workspaceID string) (bool, error) {
	if user.Disabled {
		return false, nil
	}
	if user.SuperAdmin {
		return Allowed(RoleSuperAdmin, action, StatusActive), nil
	}
	w, err := s.store.Workspace(ctx, workspaceID)
	if isNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, wrap("can", err)
	}
	role, err := s.roleIn(ctx, user.ID, w)
	if err != nil {
		return false, wrap("can", err)
	}
	return Allowed(role, action, w.Status), nil
}

func (s *Service) roleIn(ctx context.Context, userID string, w Workspace) (Role, error) {
	m, err := s.store.Membership(ctx, w.ID, userID)
	if err == nil {
		return m.Role, nil
	}
	if !isNotFound(err) {
		return "", err
	}
	if w.AgencyID == "" {
		return "", nil
	}
	m, err = s.store.Membership(ctx, w.AgencyID, userID)
	if isNotFound(err) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return agencyRole(m.Role), nil
}

// Authorize returns nil when p may perform action in workspaceID, else an
// error matching ErrUnauthenticated, ErrForbidden, ErrNetworkNotAllowed or
// ErrEnrollmentRequired. For the principal's current workspace it decides
// from what the session lookup read (no store access); API keys are
// limited to their workspace and actions. Owners, admins and super-admins
// must have passed two-factor sign-in; impersonations inherit the admin
// session's second factor.
func (s *Service) Authorize(ctx context.Context, p *Principal, action Action, workspaceID string) error {
	if p == nil {
		return ErrUnauthenticated
	}
	if p.APIKey != nil {
		// The key's actions were checked against its creator's rights when
		// it was issued; the workspace's status still applies.
		if workspaceID != p.APIKey.WorkspaceID || !p.APIKey.allows(action) || p.Workspace == nil ||
			!Allowed(RoleOwner, action, p.Workspace.Status) {
			return ErrForbidden
		}
		return nil
	}
	if p.User.SuperAdmin && p.Impersonator == "" {
		if !p.superNet {
			return ErrNetworkNotAllowed
		}
		if !secondFactorOK(p, RoleSuperAdmin) {
			return ErrEnrollmentRequired
		}
		return nil
	}
	var (
		role   Role
		status Status
	)
	if p.Workspace != nil && workspaceID == p.WorkspaceID {
		role, status = p.Role, p.Workspace.Status
	} else {
		w, err := s.store.Workspace(ctx, workspaceID)
		if isNotFound(err) {
			return ErrForbidden
		}
		if err != nil {
			return err
		}
		if role, err = s.roleIn(ctx, p.User.ID, w); err != nil {
			return err
		}
		status = w.Status
	}
	if !Allowed(role, action, status) {
		return ErrForbidden
	}
	if !secondFactorOK(p, role) {
		return ErrEnrollmentRequired
	}
	return nil
}

// secondFactorOK applies the two-factor policy: owners, admins and
// super-admins (and anyone who enrolled, or whose workspace requires it)
// need a session that passed TOTP.
func secondFactorOK(p *Principal, role Role) bool {
	if p.Impersonating() || p.Session == nil {
		return true
	}
	need := role.rank() >= RoleAdmin.rank() || p.User.TOTPEnabled ||
		(p.Workspace != nil && p.Workspace.Settings.Require2FA)
	return !need || (p.User.TOTPEnabled && p.Session.SecondFactor)
}

// Audit records an action taken by p in the workspace's audit trail, with
// both identities when a super-admin impersonates. Handlers call it for
// every change they make.
func (s *Service) Audit(ctx context.Context, p *Principal, workspaceID, action, target string) error {
	actor, imp := "system", ""
	if p != nil {
		actor, imp = p.User.ID, p.Impersonator
		if p.APIKey != nil {
			actor = "apikey:" + p.APIKey.ID
		}
	}
	return s.record(ctx, workspaceID, actor, imp, action, target)
}

// Members lists a workspace's members; needs [ActionMembersView].
func (s *Service) Members(ctx context.Context, p *Principal, workspaceID string) ([]Membership, error) {
	if err := s.Authorize(ctx, p, ActionMembersView, workspaceID); err != nil {
		return nil, wrap("members", err)
	}
	ms, err := s.store.Members(ctx, workspaceID)
	return ms, wrap("members", err)
}

// canGrant reports whether a principal with role r may hand out or take
// away role target: owners may grant anything, admins agents and viewers.
func canGrant(p *Principal, r, target Role) bool {
	if p.SuperAdmin() {
		return true
	}
	if r == RoleOwner {
		return true
	}
	return r == RoleAdmin && target.rank() < RoleAdmin.rank()
}

func (s *Service) callerRole(ctx context.Context, p *Principal, workspaceID string) (Role, error) {
	if p.SuperAdmin() {
		return RoleSuperAdmin, nil
	}
	if p.APIKey != nil {
		return RoleAdmin, nil
	}
	if p.Workspace != nil && p.WorkspaceID == workspaceID {
		return p.Role, nil
	}
	w, err := s.store.Workspace(ctx, workspaceID)
	if err != nil {
		return "", err
	}
	return s.roleIn(ctx, p.User.ID, w)
}

func normEmail(email string) (string, error) {
	e := strings.ToLower(strings.TrimSpace(email))
	a, err := mail.ParseAddress(e)
	if err != nil || a.Address != e || len(e) > 254 {
		return "", fmt.Errorf("%w: email: not a plain address", ErrInvalid)
	}
	return e, nil
}

// Invite invites email to the workspace with role and returns the
// invitation and its token (send it in the invitation link; it is not
// stored). Needs [ActionMembersInvite]; admins may invite agents and
// viewers, owners anyone.
func (s *Service) Invite(ctx context.Context, p *Principal, workspaceID, email string, role Role) (Invitation, secret.Value, error) {
	if !role.Valid() {
		return Invitation{}, secret.Value{}, wrap("invite", fmt.Errorf("%w: role %q", ErrInvalid, role))
	}
	e, err := normEmail(email)
	if err != nil {
		return Invitation{}, secret.Value{}, wrap("invite", err)
	}
	if err := s.Authorize(ctx, p, ActionMembersInvite, workspaceID); err != nil {
		return Invitation{}, secret.Value{}, wrap("invite", err)
	}
	r, err := s.callerRole(ctx, p, workspaceID)
	if err != nil {
		return Invitation{}, secret.Value{}, wrap("invite", err)
	}
	if !canGrant(p, r, role) {
		return Invitation{}, secret.Value{}, wrap("invite", fmt.Errorf("%w: %s cannot invite %s", ErrForbidden, r, role))
	}
	now := s.now()
	inv := Invitation{ID: newID("inv_"), WorkspaceID: workspaceID, Email: secret.NewPII(e), Role: role,
		InvitedBy: p.User.ID, ExpiresAt: now.Add(s.cfg.invitationTTL), CreatedAt: now}
	if err := s.store.CreateInvitation(ctx, inv); err != nil {
		return Invitation{}, secret.Value{}, wrap("invite", err)
	}
	if err := s.Audit(ctx, p, workspaceID, "members.invite", inv.ID+" role="+string(role)); err != nil {
		return Invitation{}, secret.Value{}, err
	}
	return inv, secret.New(inv.ID + "." + s.invitationMAC(inv)), nil
}

// invitationMAC signs the invitation's id, workspace, e-mail, role and
// expiry, so a token cannot be replayed against a changed invitation.
func (s *Service) invitationMAC(inv Invitation) string {
	m := hmac.New(sha256.New, s.signKey)
	var n [8]byte
	for _, f := range []string{"botsync-invitation-v1", inv.ID, inv.WorkspaceID, inv.Email.Reveal(), string(inv.Role)} {
		binary.BigEndian.PutUint64(n[:], uint64(len(f)))
		m.Write(n[:])
		m.Write([]byte(f))
	}
	binary.BigEndian.PutUint64(n[:], uint64(inv.ExpiresAt.Unix()))
	m.Write(n[:])
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// ParseInvitationToken splits a token into the invitation id and its
// signature without verifying it.
func ParseInvitationToken(token string) (id, mac string, err error) {
	id, mac, ok := strings.Cut(token, ".")
	if !ok || !strings.HasPrefix(id, "inv_") || len(id) > 64 || len(mac) != 43 || strings.ContainsAny(mac, ".=+/") {
		return "", "", fmt.Errorf("%w: invitation token: malformed", ErrInvalid)
	}
	if _, err := base64.RawURLEncoding.DecodeString(mac); err != nil {
		return "", "", fmt.Errorf("%w: invitation token: malformed", ErrInvalid)
	}
	return id, mac, nil
}

// AcceptInvitation verifies the token (signature compared in constant
// time, expiry, single use), checks that it was sent to the user's e-mail
// address and makes the user a member.
func (s *Service) AcceptInvitation(ctx context.Context, token secret.Value, userID string) (Membership, error) {
	id, mac, err := ParseInvitationToken(token.Reveal())
	if err != nil {
		return Membership{}, wrap("accept invitation", err)
	}
	inv, err := s.store.Invitation(ctx, id)
	if isNotFound(err) {
		return Membership{}, wrap("accept invitation", ErrUnauthenticated)
	}
	if err != nil {
		return Membership{}, wrap("accept invitation", err)
	}
	if !hmac.Equal([]byte(mac), []byte(s.invitationMAC(inv))) {
		return Membership{}, wrap("accept invitation", ErrUnauthenticated)
	}
	now := s.now()
	if !now.Before(inv.ExpiresAt) {
		return Membership{}, wrap("accept invitation", ErrExpired)
	}
	u, err := s.store.User(ctx, userID)
	if err != nil {
		return Membership{}, wrap("accept invitation: user", err)
	}
	if !strings.EqualFold(u.Email.Reveal(), inv.Email.Reveal()) {
		return Membership{}, wrap("accept invitation", fmt.Errorf("%w: invitation is for another address", ErrForbidden))
	}
	if err := s.store.AcceptInvitation(ctx, id, now); err != nil {
		return Membership{}, wrap("accept invitation", err)
	}
	m := Membership{WorkspaceID: inv.WorkspaceID, UserID: userID, Role: inv.Role, CreatedAt: now}
	if old, err := s.store.Membership(ctx, inv.WorkspaceID, userID); err == nil && old.Role.rank() >= m.Role.rank() {
		m = old
	} else if err := s.store.PutMembership(ctx, m); err != nil {
		return Membership{}, wrap("accept invitation", err)
	}
	return m, s.record(ctx, inv.WorkspaceID, userID, "", "members.join", inv.ID)
}

// SetRole changes a member's role; needs [ActionMembersRole] and the right
// to grant both the old and the new role. The owner's role cannot be
// changed. Roles are read on every request, so the change applies to live
// sessions at once.
func (s *Service) SetRole(ctx context.Context, p *Principal, workspaceID, userID string, role Role) error {
	if !role.Valid() || role == RoleOwner {
		return wrap("set role", fmt.Errorf("%w: role %q: want admin, agent or viewer", ErrInvalid, role))
	}
	if err := s.Authorize(ctx, p, ActionMembersRole, workspaceID); err != nil {
		return wrap("set role", err)
	}
	m, err := s.store.Membership(ctx, workspaceID, userID)
	if err != nil {
		return wrap("set role", err)
	}
	r, err := s.callerRole(ctx, p, workspaceID)
	if err != nil {
		return wrap("set role", err)
	}
	if m.Role == RoleOwner || !canGrant(p, r, m.Role) || !canGrant(p, r, role) {
		return wrap("set role", ErrForbidden)
	}
	m.Role = role
	if err := s.store.PutMembership(ctx, m); err != nil {
		return wrap("set role", err)
	}
	return s.Audit(ctx, p, workspaceID, "members.role", userID+" role="+string(role))
}

// RemoveMember removes a member; needs [ActionMembersRemove] and the right
// to grant the member's role. The owner cannot be removed. The member's
// live sessions lose access to the workspace with their next request.
func (s *Service) RemoveMember(ctx context.Context, p *Principal, workspaceID, userID string) error {
	if err := s.Authorize(ctx, p, ActionMembersRemove, workspaceID); err != nil {
		return wrap("remove member", err)
	}
	m, err := s.store.Membership(ctx, workspaceID, userID)
	if err != nil {
		return wrap("remove member", err)
	}
	r, err := s.callerRole(ctx, p, workspaceID)
	if err != nil {
		return wrap("remove member", err)
	}
	if m.Role == RoleOwner || !canGrant(p, r, m.Role) {
		return wrap("remove member", ErrForbidden)
	}
	if err := s.store.DeleteMembership(ctx, workspaceID, userID); err != nil {
		return wrap("remove member", err)
	}
	return s.Audit(ctx, p, workspaceID, "members.remove", userID)
}

package workspace

import (
	"context"
	"fmt"
	"strings"

	"github.com/botsync/botsync/secret"
)

// Impersonate lets a super-admin act as userID in workspaceID for support.
// The new session is bound to the admin's session (revoking or expiring
// it ends the impersonation), lasts at most the impersonation TTL, is
// marked ([Principal.Impersonating]) and every action through it is
// audited with both identities. The admin must be signed in with a second
// factor from an allowed network; super-admins cannot be impersonated.
// Reason is required and recorded.
func (s *Service) Impersonate(ctx context.Context, admin *Principal, userID, workspaceID, reason string) (Session, secret.Value, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" || len(reason) > 500 {
		return Session{}, secret.Value{}, wrap("impersonate", fmt.Errorf("%w: reason: want 1..500 characters", ErrInvalid))
	}
	if err := s.Authorize(ctx, admin, ActionPlatformImpersonate, workspaceID); err != nil {
		return Session{}, secret.Value{}, wrap("impersonate", err)
	}
	if admin.Session == nil {
		return Session{}, secret.Value{}, wrap("impersonate", ErrForbidden)
	}
	u, err := s.store.User(ctx, userID)
	if err != nil {
		return Session{}, secret.Value{}, wrap("impersonate", err)
	}
	if u.SuperAdmin || u.Disabled {
		return Session{}, secret.Value{}, wrap("impersonate", fmt.Errorf("%w: user cannot be impersonated", ErrForbidden))
	}
	w, err := s.store.Workspace(ctx, workspaceID)
	if err != nil {
		return Session{}, secret.Value{}, wrap("impersonate", err)
	}
	role, err := s.roleIn(ctx, userID, w)
	if err != nil {
		return Session{}, secret.Value{}, wrap("impersonate", err)
	}
	if role == "" {
		return Session{}, secret.Value{}, wrap("impersonate", fmt.Errorf("%w: user is not a member of the workspace", ErrForbidden))
	}
	now := s.now()
	sess, tok := s.newSession(u, workspaceID, admin.Session.IP, admin.Session.UserAgent, false, now)
	sess.ImpersonatorID, sess.ParentID = admin.User.ID, admin.Session.ID
	if end := now.Add(s.cfg.impersonationTTL); end.Before(admin.Session.ExpiresAt) {
		sess.ExpiresAt = end
	} else {
		sess.ExpiresAt = admin.Session.ExpiresAt
	}
	if err := s.store.CreateSession(ctx, sess); err != nil {
		return Session{}, secret.Value{}, wrap("impersonate", err)
	}
	if err := s.record(ctx, workspaceID, userID, admin.User.ID, "impersonation.start", reason); err != nil {
		return Session{}, secret.Value{}, err
	}
	if err := s.record(ctx, PlatformScope, admin.User.ID, "", "impersonation.start", userID+" workspace="+workspaceID); err != nil {
		return Session{}, secret.Value{}, err
	}
	return sess, tok, nil
}

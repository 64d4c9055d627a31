// Package memstore is an in-memory [workspace.Store] for tests and single
// instance development servers.
//
//	svc, err := workspace.New(memstore.New(), auditLog, signingKey)
//
// It is safe for concurrent use; it copies records in and out, so callers
// never share memory with it.
package memstore

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/botsync/botsync/workspace"
)

// Store is an in-memory workspace.Store. The zero value is not usable; call
// [New].
type Store struct {
	mu          sync.RWMutex
	workspaces  map[string]workspace.Workspace
	agencies    map[string]workspace.Agency
	users       map[string]workspace.User
	emails      map[string]string
	members     map[[2]string]workspace.Membership
	invitations map[string]workspace.Invitation
	sessions    map[string]workspace.Session
	failures    map[string]workspace.LoginFailures
	apiKeys     map[string]workspace.APIKey
	kill        map[string]workspace.KillSwitch
	conns       map[[2]string]workspace.Connection
	external    map[string][2]string
}

var _ workspace.Store = (*Store)(nil)

// New returns an empty store.
func New() *Store {
	return &Store{
		workspaces: map[string]workspace.Workspace{}, agencies: map[string]workspace.Agency{},
		users: map[string]workspace.User{}, emails: map[string]string{},
		members: map[[2]string]workspace.Membership{}, invitations: map[string]workspace.Invitation{},
		sessions: map[string]workspace.Session{}, failures: map[string]workspace.LoginFailures{},
		apiKeys: map[string]workspace.APIKey{}, kill: map[string]workspace.KillSwitch{},
		conns: map[[2]string]workspace.Connection{}, external: map[string][2]string{},
	}
}

func cloneUser(u workspace.User) workspace.User {
	u.PasswordHash = slices.Clone(u.PasswordHash)
	u.RecoveryCodes = slices.Clone(u.RecoveryCodes)
	return u
}

func cloneConn(c workspace.Connection) workspace.Connection {
	c.Health.Scopes = slices.Clone(c.Health.Scopes)
	c.Health.MissingScopes = slices.Clone(c.Health.MissingScopes)
	return c
}

// CreateWorkspace implements workspace.Store.
func (s *Store) CreateWorkspace(_ context.Context, w workspace.Workspace) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.workspaces[w.ID]; ok {
		return workspace.ErrConflict
	}
	s.workspaces[w.ID] = w
	return nil
}

// Workspace implements workspace.Store.
func (s *Store) Workspace(_ context.Context, id string) (workspace.Workspace, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	w, ok := s.workspaces[id]
	if !ok {
		return workspace.Workspace{}, workspace.ErrNotFound
	}
	return w, nil
}

// UpdateWorkspace implements workspace.Store.
func (s *Store) UpdateWorkspace(_ context.Context, w workspace.Workspace) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.workspaces[w.ID]; !ok {
		return workspace.ErrNotFound
	}
	s.workspaces[w.ID] = w
	return nil
}

// AgencyWorkspaces implements workspace.Store.
func (s *Store) AgencyWorkspaces(_ context.Context, agencyID string) ([]workspace.Workspace, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []workspace.Workspace
	for _, w := range s.workspaces {
		if w.AgencyID == agencyID && agencyID != "" {
			out = append(out, w)
		}
	}
	slices.SortFunc(out, func(a, b workspace.Workspace) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

func (s *Store) domainTaken(domain, exceptID string) bool {
	if domain == "" {
		return false
	}
	for _, a := range s.agencies {
		if a.ID != exceptID && a.Branding.Domain == domain {
			return true
		}
	}
	return false
}

// CreateAgency implements workspace.Store.
func (s *Store) CreateAgency(_ context.Context, a workspace.Agency) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.agencies[a.ID]; ok || s.domainTaken(a.Branding.Domain, "") {
		return workspace.ErrConflict
	}
	s.agencies[a.ID] = a
	return nil
}

// Agency implements workspace.Store.
func (s *Store) Agency(_ context.Context, id string) (workspace.Agency, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	a, ok := s.agencies[id]
	if !ok {
		return workspace.Agency{}, workspace.ErrNotFound
	}
	return a, nil
}

// AgencyByDomain implements workspace.Store.
func (s *Store) AgencyByDomain(_ context.Context, domain string) (workspace.Agency, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if domain == "" {
		return workspace.Agency{}, workspace.ErrNotFound
	}
	for _, a := range s.agencies {
		if a.Branding.Domain == domain {
			return a, nil
		}
	}
	return workspace.Agency{}, workspace.ErrNotFound
}

// UpdateAgency implements workspace.Store.
func (s *Store) UpdateAgency(_ context.Context, a workspace.Agency) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.agencies[a.ID]; !ok {
		return workspace.ErrNotFound
	}
	if s.domainTaken(a.Branding.Domain, a.ID) {
		return workspace.ErrConflict
	}
	s.agencies[a.ID] = a
	return nil
}

// CreateUser implements workspace.Store.
func (s *Store) CreateUser(_ context.Context, u workspace.User) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	email := strings.ToLower(u.Email.Reveal())
	if _, ok := s.users[u.ID]; ok {
		return workspace.ErrConflict
	}
	if _, ok := s.emails[email]; ok {
		return workspace.ErrConflict
	}
	s.users[u.ID] = cloneUser(u)
	s.emails[email] = u.ID
	return nil
}

// User implements workspace.Store.
func (s *Store) User(_ context.Context, id string) (workspace.User, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u, ok := s.users[id]
	if !ok {
		return workspace.User{}, workspace.ErrNotFound
	}
	return cloneUser(u), nil
}

// UserByEmail implements workspace.Store.
func (s *Store) UserByEmail(_ context.Context, email string) (workspace.User, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	id, ok := s.emails[strings.ToLower(email)]
	if !ok {
		return workspace.User{}, workspace.ErrNotFound
	}
	return cloneUser(s.users[id]), nil
}

// UpdateUser implements workspace.Store.
func (s *Store) UpdateUser(_ context.Context, u workspace.User) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.users[u.ID]
	if !ok {
		return workspace.ErrNotFound
	}
	oldEmail, newEmail := strings.ToLower(old.Email.Reveal()), strings.ToLower(u.Email.Reveal())
	if oldEmail != newEmail {
		if _, taken := s.emails[newEmail]; taken {
			return workspace.ErrConflict
		}
		delete(s.emails, oldEmail)
		s.emails[newEmail] = u.ID
	}
	s.users[u.ID] = cloneUser(u)
	return nil
}

// ConsumeRecoveryCode implements workspace.Store.
func (s *Store) ConsumeRecoveryCode(_ context.Context, userID, hash string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[userID]
	if !ok {
		return workspace.ErrNotFound
	}
	i := slices.Index(u.RecoveryCodes, hash)
	if i < 0 {
		return workspace.ErrNotFound
	}
	u.RecoveryCodes = slices.Delete(slices.Clone(u.RecoveryCodes), i, i+1)
	s.users[userID] = u
	return nil
}

// ClaimTOTPStep implements workspace.Store.
func (s *Store) ClaimTOTPStep(_ context.Context, userID string, step int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[userID]
	if !ok {
		return workspace.ErrNotFound
	}
	if u.TOTPLastStep >= step {
		return workspace.ErrConflict
	}
	u.TOTPLastStep = step
	s.users[userID] = u
	return nil
}

// PutMembership implements workspace.Store.
func (s *Store) PutMembership(_ context.Context, m workspace.Membership) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.members[[2]string{m.WorkspaceID, m.UserID}] = m
	return nil
}

// Membership implements workspace.Store.
func (s *Store) Membership(_ context.Context, workspaceID, userID string) (workspace.Membership, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	m, ok := s.members[[2]string{workspaceID, userID}]
	if !ok {
		return workspace.Membership{}, workspace.ErrNotFound
	}
	return m, nil
}

// DeleteMembership implements workspace.Store.
func (s *Store) DeleteMembership(_ context.Context, workspaceID, userID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := [2]string{workspaceID, userID}
	if _, ok := s.members[k]; !ok {
		return workspace.ErrNotFound
	}
	delete(s.members, k)
	return nil
}

// Members implements workspace.Store.
func (s *Store) Members(_ context.Context, workspaceID string) ([]workspace.Membership, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []workspace.Membership
	for k, m := range s.members {
		if k[0] == workspaceID {
			out = append(out, m)
		}
	}
	slices.SortFunc(out, func(a, b workspace.Membership) int { return cmp.Compare(a.UserID, b.UserID) })
	return out, nil
}

// UserMemberships implements workspace.Store.
func (s *Store) UserMemberships(_ context.Context, userID string) ([]workspace.Membership, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []workspace.Membership
	for k, m := range s.members {
		if k[1] == userID {
			out = append(out, m)
		}
	}
	slices.SortFunc(out, func(a, b workspace.Membership) int { return cmp.Compare(a.WorkspaceID, b.WorkspaceID) })
	return out, nil
}

// CreateInvitation implements workspace.Store.
func (s *Store) CreateInvitation(_ context.Context, inv workspace.Invitation) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.invitations[inv.ID]; ok {
		return workspace.ErrConflict
	}
	s.invitations[inv.ID] = inv
	return nil
}

// Invitation implements workspace.Store.
func (s *Store) Invitation(_ context.Context, id string) (workspace.Invitation, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	inv, ok := s.invitations[id]
	if !ok {
		return workspace.Invitation{}, workspace.ErrNotFound
	}
	return inv, nil
}

// AcceptInvitation implements workspace.Store.
func (s *Store) AcceptInvitation(_ context.Context, id string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	inv, ok := s.invitations[id]
	if !ok {
		return workspace.ErrNotFound
	}
	if !inv.AcceptedAt.IsZero() {
		return workspace.ErrConflict
	}
	inv.AcceptedAt = at
	s.invitations[id] = inv
	return nil
}

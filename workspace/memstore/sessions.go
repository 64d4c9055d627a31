package memstore

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/botsync/botsync/workspace"
)

// CreateSession implements workspace.Store.
func (s *Store) CreateSession(_ context.Context, sess workspace.Session) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.sessions[sess.ID]; ok {
		return workspace.ErrConflict
	}
	s.sessions[sess.ID] = sess
	return nil
}

// Session implements workspace.Store.
func (s *Store) Session(_ context.Context, id string) (workspace.Session, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	sess, ok := s.sessions[id]
	if !ok {
		return workspace.Session{}, workspace.ErrNotFound
	}
	return sess, nil
}

// LookupSession implements workspace.Store.
func (s *Store) LookupSession(_ context.Context, id string) (workspace.SessionView, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	sess, ok := s.sessions[id]
	if !ok {
		return workspace.SessionView{}, workspace.ErrNotFound
	}
	u, ok := s.users[sess.UserID]
	if !ok {
		return workspace.SessionView{}, workspace.ErrNotFound
	}
	v := workspace.SessionView{Session: sess, User: cloneUser(u)}
	if sess.ParentID != "" {
		if p, ok := s.sessions[sess.ParentID]; ok {
			v.Parent = &p
		}
	}
	if w, ok := s.workspaces[sess.WorkspaceID]; ok {
		v.Workspace = &w
		if m, ok := s.members[[2]string{w.ID, u.ID}]; ok {
			v.Role = m.Role
		}
		if w.AgencyID != "" {
			if m, ok := s.members[[2]string{w.AgencyID, u.ID}]; ok {
				v.AgencyRole = m.Role
			}
		}
	}
	return v, nil
}

// TouchSession implements workspace.Store.
func (s *Store) TouchSession(_ context.Context, id string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.sessions[id]
	if !ok {
		return workspace.ErrNotFound
	}
	sess.LastSeenAt = at
	s.sessions[id] = sess
	return nil
}

func (s *Store) deleteSessionLocked(id string) bool {
	if _, ok := s.sessions[id]; !ok {
		return false
	}
	delete(s.sessions, id)
	for cid, c := range s.sessions {
		if c.ParentID == id {
			delete(s.sessions, cid)
		}
	}
	return true
}

// RotateSession implements workspace.Store.
func (s *Store) RotateSession(_ context.Context, oldID string, next workspace.Session) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.sessions[oldID]; !ok {
		return workspace.ErrNotFound
	}
	if _, ok := s.sessions[next.ID]; ok {
		return workspace.ErrConflict
	}
	s.deleteSessionLocked(oldID)
	s.sessions[next.ID] = next
	return nil
}

// DeleteSession implements workspace.Store.
func (s *Store) DeleteSession(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.deleteSessionLocked(id) {
		return workspace.ErrNotFound
	}
	return nil
}

// UserSessions implements workspace.Store.
func (s *Store) UserSessions(_ context.Context, userID string) ([]workspace.Session, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []workspace.Session
	for _, sess := range s.sessions {
		if sess.UserID == userID {
			out = append(out, sess)
		}
	}
	slices.SortFunc(out, func(a, b workspace.Session) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// DeleteUserSessions implements workspace.Store.
func (s *Store) DeleteUserSessions(_ context.Context, userID, exceptID string) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []string
	for id, sess := range s.sessions {
		if sess.UserID == userID && id != exceptID {
			ids = append(ids, id)
		}
	}
	n := 0
	for _, id := range ids {
		if s.deleteSessionLocked(id) {
			n++
		}
	}
	return n, nil
}

// DeleteExpiredSessions implements workspace.Store.
func (s *Store) DeleteExpiredSessions(_ context.Context, now, idleBefore time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []string
	for id, sess := range s.sessions {
		if !sess.ExpiresAt.After(now) || !sess.LastSeenAt.After(idleBefore) {
			ids = append(ids, id)
		}
	}
	n := 0
	for _, id := range ids {
		if _, ok := s.sessions[id]; ok {
			before := len(s.sessions)
			s.deleteSessionLocked(id)
			n += before - len(s.sessions)
		}
	}
	return n, nil
}

// DeleteStaleLoginFailures implements workspace.Store.
func (s *Store) DeleteStaleLoginFailures(_ context.Context, windowBefore, now time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for k, f := range s.failures {
		if f.WindowStart.Before(windowBefore) && !f.LockedUntil.After(now) {
			delete(s.failures, k)
			n++
		}
	}
	return n, nil
}

// AddLoginFailure implements workspace.Store.
func (s *Store) AddLoginFailure(_ context.Context, key string, at time.Time, window time.Duration) (workspace.LoginFailures, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.failures[key]
	f.Key = key
	if f.Count == 0 || !at.Before(f.WindowStart.Add(window)) {
		f.Count, f.WindowStart = 0, at
	}
	f.Count++
	s.failures[key] = f
	return f, nil
}

// LoginFailures implements workspace.Store.
func (s *Store) LoginFailures(_ context.Context, key string) (workspace.LoginFailures, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	f := s.failures[key]
	f.Key = key
	return f, nil
}

// LockLogin implements workspace.Store.
func (s *Store) LockLogin(_ context.Context, key string, until time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.failures[key]
	f.Key, f.LockedUntil = key, until
	s.failures[key] = f
	return nil
}

// ClearLoginFailures implements workspace.Store.
func (s *Store) ClearLoginFailures(_ context.Context, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.failures, key)
	return nil
}

// CreateAPIKey implements workspace.Store.
func (s *Store) CreateAPIKey(_ context.Context, k workspace.APIKey) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.apiKeys[k.ID]; ok {
		return workspace.ErrConflict
	}
	k.Actions = slices.Clone(k.Actions)
	s.apiKeys[k.ID] = k
	return nil
}

// APIKey implements workspace.Store.
func (s *Store) APIKey(_ context.Context, id string) (workspace.APIKey, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	k, ok := s.apiKeys[id]
	if !ok {
		return workspace.APIKey{}, workspace.ErrNotFound
	}
	k.Actions = slices.Clone(k.Actions)
	return k, nil
}

// APIKeys implements workspace.Store.
func (s *Store) APIKeys(_ context.Context, workspaceID string) ([]workspace.APIKey, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []workspace.APIKey
	for _, k := range s.apiKeys {
		if k.WorkspaceID == workspaceID {
			k.Actions = slices.Clone(k.Actions)
			out = append(out, k)
		}
	}
	slices.SortFunc(out, func(a, b workspace.APIKey) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// RevokeAPIKey implements workspace.Store.
func (s *Store) RevokeAPIKey(_ context.Context, workspaceID, id string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.apiKeys[id]
	if !ok || k.WorkspaceID != workspaceID {
		return workspace.ErrNotFound
	}
	if k.RevokedAt.IsZero() {
		k.RevokedAt = at
	}
	s.apiKeys[id] = k
	return nil
}

// PutKillSwitch implements workspace.Store.
func (s *Store) PutKillSwitch(_ context.Context, k workspace.KillSwitch) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.kill[k.Scope] = k
	return nil
}

// KillSwitches implements workspace.Store.
func (s *Store) KillSwitches(_ context.Context) ([]workspace.KillSwitch, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]workspace.KillSwitch, 0, len(s.kill))
	for _, k := range s.kill {
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b workspace.KillSwitch) int { return cmp.Compare(a.Scope, b.Scope) })
	return out, nil
}

func extKey(kind workspace.ChannelKind, id string) string { return string(kind) + "/" + id }

// CreateConnection implements workspace.Store.
func (s *Store) CreateConnection(_ context.Context, c workspace.Connection) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := [2]string{c.WorkspaceID, c.ID}
	if _, ok := s.conns[k]; ok {
		return workspace.ErrConflict
	}
	for _, o := range s.conns {
		if o.ID == c.ID {
			return workspace.ErrConflict
		}
	}
	if _, ok := s.external[extKey(c.Kind, c.ExternalID)]; ok {
		return workspace.ErrConflict
	}
	s.conns[k] = cloneConn(c)
	s.external[extKey(c.Kind, c.ExternalID)] = k
	return nil
}

// Connection implements workspace.Store.
func (s *Store) Connection(_ context.Context, workspaceID, id string) (workspace.Connection, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	c, ok := s.conns[[2]string{workspaceID, id}]
	if !ok {
		return workspace.Connection{}, workspace.ErrNotFound
	}
	return cloneConn(c), nil
}

// ConnectionByExternal implements workspace.Store.
func (s *Store) ConnectionByExternal(_ context.Context, kind workspace.ChannelKind, externalID string) (workspace.Connection, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	k, ok := s.external[extKey(kind, externalID)]
	if !ok {
		return workspace.Connection{}, workspace.ErrNotFound
	}
	return cloneConn(s.conns[k]), nil
}

func (s *Store) connsWhere(keep func(workspace.Connection) bool) []workspace.Connection {
	var out []workspace.Connection
	for _, c := range s.conns {
		if keep(c) {
			out = append(out, cloneConn(c))
		}
	}
	slices.SortFunc(out, func(a, b workspace.Connection) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
	return out
}

// Connections implements workspace.Store.
func (s *Store) Connections(_ context.Context, workspaceID string) ([]workspace.Connection, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.connsWhere(func(c workspace.Connection) bool { return c.WorkspaceID == workspaceID }), nil
}

// ConnectionsByMetaUser implements workspace.Store.
func (s *Store) ConnectionsByMetaUser(_ context.Context, metaUserID string) ([]workspace.Connection, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if metaUserID == "" {
		return nil, nil
	}
	return s.connsWhere(func(c workspace.Connection) bool { return c.MetaUserID == metaUserID }), nil
}

// UpdateConnection implements workspace.Store.
func (s *Store) UpdateConnection(_ context.Context, c workspace.Connection) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := [2]string{c.WorkspaceID, c.ID}
	old, ok := s.conns[k]
	if !ok {
		return workspace.ErrNotFound
	}
	if old.Kind != c.Kind || old.ExternalID != c.ExternalID {
		if _, taken := s.external[extKey(c.Kind, c.ExternalID)]; taken {
			return workspace.ErrConflict
		}
		delete(s.external, extKey(old.Kind, old.ExternalID))
		s.external[extKey(c.Kind, c.ExternalID)] = k
	}
	if old.LastEventAt.After(c.LastEventAt) {
		c.LastEventAt = old.LastEventAt
	}
	s.conns[k] = cloneConn(c)
	return nil
}

// TouchConnection implements workspace.Store.
func (s *Store) TouchConnection(_ context.Context, workspaceID, id string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := [2]string{workspaceID, id}
	c, ok := s.conns[k]
	if !ok {
		return workspace.ErrNotFound
	}
	if at.After(c.LastEventAt) {
		c.LastEventAt = at
		s.conns[k] = c
	}
	return nil
}

// DeleteConnection implements workspace.Store.
func (s *Store) DeleteConnection(_ context.Context, workspaceID, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := [2]string{workspaceID, id}
	c, ok := s.conns[k]
	if !ok {
		return workspace.ErrNotFound
	}
	delete(s.conns, k)
	delete(s.external, extKey(c.Kind, c.ExternalID))
	return nil
}

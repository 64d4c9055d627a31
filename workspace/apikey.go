package workspace

import (
	"context"
	"crypto/subtle"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/botsync/botsync/secret"
)

// APIKey is a server-to-server credential scoped to one workspace and a
// list of actions. The key is shown once; Hash (SHA-256 of the secret
// part) is what is stored.
type APIKey struct {
	// ID is the public part of the key ("key_…"), also in the key itself.
	ID          string
	WorkspaceID string
	Name        string
	Hash        string
	Actions     []Action
	CreatedBy   string
	CreatedAt   time.Time
	// ExpiresAt is zero for keys that do not expire.
	ExpiresAt time.Time
	RevokedAt time.Time
}

func (k *APIKey) allows(a Action) bool { return slices.Contains(k.Actions, a) }

const apiKeyPrefix = "bsk_"

// CreateAPIKey issues a key for the workspace limited to actions, each of
// which the caller must be allowed (and none a platform action). Needs
// [ActionAPIKeysManage]. The returned secret is the whole key
// ("bsk_<id>_<secret>"): show it once.
func (s *Service) CreateAPIKey(ctx context.Context, p *Principal, workspaceID, name string, actions []Action, expiresAt time.Time) (APIKey, secret.Value, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 {
		return APIKey{}, secret.Value{}, wrap("create api key", fmt.Errorf("%w: name: want 1..100 characters", ErrInvalid))
	}
	if len(actions) == 0 {
		return APIKey{}, secret.Value{}, wrap("create api key", fmt.Errorf("%w: actions: empty", ErrInvalid))
	}
	if err := s.Authorize(ctx, p, ActionAPIKeysManage, workspaceID); err != nil {
		return APIKey{}, secret.Value{}, wrap("create api key", err)
	}
	for _, a := range actions {
		r, known := actionRules[a]
		if !known || r.min == RoleSuperAdmin {
			return APIKey{}, secret.Value{}, wrap("create api key", fmt.Errorf("%w: actions: %q not allowed for keys", ErrInvalid, a))
		}
		if err := s.Authorize(ctx, p, a, workspaceID); err != nil {
			return APIKey{}, secret.Value{}, wrap("create api key", fmt.Errorf("%w: action %q", err, a))
		}
	}
	now := s.now()
	if !expiresAt.IsZero() && !expiresAt.After(now) {
		return APIKey{}, secret.Value{}, wrap("create api key", fmt.Errorf("%w: expires at: in the past", ErrInvalid))
	}
	id := newID("key_")
	sec, hash := newToken("")
	k := APIKey{ID: id, WorkspaceID: workspaceID, Name: name, Hash: hash, Actions: slices.Clone(actions),
		CreatedBy: p.User.ID, CreatedAt: now, ExpiresAt: expiresAt.UTC()}
	if err := s.store.CreateAPIKey(ctx, k); err != nil {
		return APIKey{}, secret.Value{}, wrap("create api key", err)
	}
	if err := s.Audit(ctx, p, workspaceID, "apikey.create", id); err != nil {
		return APIKey{}, secret.Value{}, err
	}
	return k, secret.New(apiKeyPrefix + id + "_" + sec.Reveal()), nil
}

// ParseAPIKey splits a key ("bsk_key_<26 base32>_<43 base64url>") into
// its id and secret part.
func ParseAPIKey(key string) (id, sec string, err error) {
	rest, ok := strings.CutPrefix(key, apiKeyPrefix)
	const idLen = len("key_") + 26
	if !ok || len(rest) != idLen+1+43 || !strings.HasPrefix(rest, "key_") || rest[idLen] != '_' {
		return "", "", fmt.Errorf("%w: api key: malformed", ErrInvalid)
	}
	return rest[:idLen], rest[idLen+1:], nil
}

// AuthenticateAPIKey resolves an API key (from "Authorization: Bearer") to
// a principal limited to the key's workspace and actions. The secret is
// compared in constant time; revoked, expired, unknown and malformed keys
// all give ErrUnauthenticated.
func (s *Service) AuthenticateAPIKey(ctx context.Context, key secret.Value) (*Principal, error) {
	id, sec, err := ParseAPIKey(key.Reveal())
	if err != nil {
		return nil, wrap("authenticate api key", ErrUnauthenticated)
	}
	k, err := s.store.APIKey(ctx, id)
	if isNotFound(err) {
		return nil, wrap("authenticate api key", ErrUnauthenticated)
	}
	if err != nil {
		return nil, wrap("authenticate api key", err)
	}
	now := s.now()
	if subtle.ConstantTimeCompare([]byte(HashToken(sec)), []byte(k.Hash)) != 1 || !k.RevokedAt.IsZero() ||
		(!k.ExpiresAt.IsZero() && !now.Before(k.ExpiresAt)) {
		return nil, wrap("authenticate api key", ErrUnauthenticated)
	}
	w, err := s.store.Workspace(ctx, k.WorkspaceID)
	if err != nil {
		return nil, wrap("authenticate api key", err)
	}
	return &Principal{User: User{ID: "apikey:" + k.ID}, APIKey: &k, WorkspaceID: w.ID, Workspace: &w, Role: RoleAdmin}, nil
}

// APIKeys lists the workspace's keys (never their secrets); needs
// [ActionAPIKeysManage].
func (s *Service) APIKeys(ctx context.Context, p *Principal, workspaceID string) ([]APIKey, error) {
	if err := s.Authorize(ctx, p, ActionAPIKeysManage, workspaceID); err != nil {
		return nil, wrap("api keys", err)
	}
	ks, err := s.store.APIKeys(ctx, workspaceID)
	return ks, wrap("api keys", err)
}

// RevokeAPIKey revokes a key at once; needs [ActionAPIKeysManage].
func (s *Service) RevokeAPIKey(ctx context.Context, p *Principal, workspaceID, id string) error {
	if err := s.Authorize(ctx, p, ActionAPIKeysManage, workspaceID); err != nil {
		return wrap("revoke api key", err)
	}
	if err := s.store.RevokeAPIKey(ctx, workspaceID, id, s.now()); err != nil {
		return wrap("revoke api key", err)
	}
	return s.Audit(ctx, p, workspaceID, "apikey.revoke", id)
}

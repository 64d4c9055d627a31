package pgstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/botsync/botsync/secret"
	"github.com/botsync/botsync/workspace"
)

func secretPII(s string) secret.PII { return secret.NewPII(s) }

const apiKeyCols = `id, workspace_id, name, hash, actions, created_by, created_at, expires_at, revoked_at`

func scanAPIKey(row pgx.Row) (workspace.APIKey, error) {
	var (
		k                workspace.APIKey
		actions          []string
		expires, revoked *time.Time
	)
	if err := row.Scan(&k.ID, &k.WorkspaceID, &k.Name, &k.Hash, &actions, &k.CreatedBy, &k.CreatedAt, &expires, &revoked); err != nil {
		return workspace.APIKey{}, err
	}
	for _, a := range actions {
		k.Actions = append(k.Actions, workspace.Action(a))
	}
	k.CreatedAt, k.ExpiresAt, k.RevokedAt = k.CreatedAt.UTC(), tv(expires), tv(revoked)
	return k, nil
}

// CreateAPIKey implements workspace.Store.
func (s *Store) CreateAPIKey(ctx context.Context, k workspace.APIKey) error {
	actions := make([]string, len(k.Actions))
	for i, a := range k.Actions {
		actions[i] = string(a)
	}
	_, err := s.db.Exec(ctx, `INSERT INTO workspace_api_keys (`+apiKeyCols+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`,
		k.ID, k.WorkspaceID, k.Name, k.Hash, actions, k.CreatedBy, k.CreatedAt.UTC(), nt(k.ExpiresAt), nt(k.RevokedAt))
	return mapErr("create api key", err)
}

// APIKey implements workspace.Store.
func (s *Store) APIKey(ctx context.Context, id string) (workspace.APIKey, error) {
	k, err := scanAPIKey(s.db.QueryRow(ctx, `SELECT `+apiKeyCols+` FROM workspace_api_keys WHERE id = $1`, id))
	return k, mapErr("api key", err)
}

// APIKeys implements workspace.Store.
func (s *Store) APIKeys(ctx context.Context, workspaceID string) ([]workspace.APIKey, error) {
	rows, err := s.db.Query(ctx, `SELECT `+apiKeyCols+` FROM workspace_api_keys WHERE workspace_id = $1 ORDER BY created_at, id`, workspaceID)
	if err != nil {
		return nil, mapErr("api keys", err)
	}
	out, err := collect(rows, scanAPIKey)
	return out, mapErr("api keys", err)
}

// RevokeAPIKey implements workspace.Store.
func (s *Store) RevokeAPIKey(ctx context.Context, workspaceID, id string, at time.Time) error {
	tag, err := s.db.Exec(ctx, `UPDATE workspace_api_keys SET revoked_at = COALESCE(revoked_at, $3) WHERE workspace_id = $1 AND id = $2`,
		workspaceID, id, at.UTC())
	return affected(tag, err, "revoke api key")
}

// PutKillSwitch implements workspace.Store.
func (s *Store) PutKillSwitch(ctx context.Context, k workspace.KillSwitch) error {
	_, err := s.db.Exec(ctx, `INSERT INTO workspace_kill_switches (scope, paused, reason, actor, updated_at) VALUES ($1,$2,$3,$4,$5)
		ON CONFLICT (scope) DO UPDATE SET paused = EXCLUDED.paused, reason = EXCLUDED.reason, actor = EXCLUDED.actor, updated_at = EXCLUDED.updated_at`,
		k.Scope, int16(k.Paused), k.Reason, k.Actor, k.UpdatedAt.UTC())
	return mapErr("put kill switch", err)
}

// KillSwitches implements workspace.Store.
func (s *Store) KillSwitches(ctx context.Context) ([]workspace.KillSwitch, error) {
	rows, err := s.db.Query(ctx, `SELECT scope, paused, reason, actor, updated_at FROM workspace_kill_switches ORDER BY scope`)
	if err != nil {
		return nil, mapErr("kill switches", err)
	}
	out, err := collect(rows, func(row pgx.Row) (workspace.KillSwitch, error) {
		var (
			k      workspace.KillSwitch
			paused int16
		)
		if err := row.Scan(&k.Scope, &paused, &k.Reason, &k.Actor, &k.UpdatedAt); err != nil {
			return workspace.KillSwitch{}, err
		}
		k.Paused, k.UpdatedAt = workspace.Pause(paused), k.UpdatedAt.UTC()
		return k, nil
	})
	return out, mapErr("kill switches", err)
}

const connCols = `id, workspace_id, kind, external_id, waba_id, name, meta_user_id, token_issued_at, token_expires_at, health, last_event_at, created_at, updated_at`

func scanConn(row pgx.Row) (workspace.Connection, error) {
	var (
		c                        workspace.Connection
		kind                     string
		issued, expires, lastEvt *time.Time
		health                   []byte
	)
	if err := row.Scan(&c.ID, &c.WorkspaceID, &kind, &c.ExternalID, &c.WABAID, &c.Name, &c.MetaUserID, &issued, &expires, &health,
		&lastEvt, &c.CreatedAt, &c.UpdatedAt); err != nil {
		return workspace.Connection{}, err
	}
	c.Kind, c.TokenIssuedAt, c.TokenExpiresAt, c.LastEventAt = workspace.ChannelKind(kind), tv(issued), tv(expires), tv(lastEvt)
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	if err := json.Unmarshal(health, &c.Health); err != nil {
		return workspace.Connection{}, fmt.Errorf("health: %w", err)
	}
	c.Health.CheckedAt = c.Health.CheckedAt.UTC()
	if c.Health.CheckedAt.Equal(time.Time{}) {
		c.Health.CheckedAt = time.Time{}
	}
	return c, nil
}

func connArgs(c workspace.Connection) ([]any, error) {
	health, err := json.Marshal(c.Health)
	if err != nil {
		return nil, err
	}
	return []any{c.ID, c.WorkspaceID, string(c.Kind), c.ExternalID, c.WABAID, c.Name, c.MetaUserID, nt(c.TokenIssuedAt),
		nt(c.TokenExpiresAt), health, nt(c.LastEventAt), c.CreatedAt.UTC(), c.UpdatedAt.UTC()}, nil
}

// CreateConnection implements workspace.Store.
func (s *Store) CreateConnection(ctx context.Context, c workspace.Connection) error {
	args, err := connArgs(c)
	if err != nil {
		return mapErr("create connection", err)
	}
	_, err = s.db.Exec(ctx, `INSERT INTO workspace_connections (`+connCols+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)`, args...)
	return mapErr("create connection", err)
}

// Connection implements workspace.Store.
func (s *Store) Connection(ctx context.Context, workspaceID, id string) (workspace.Connection, error) {
	c, err := scanConn(s.db.QueryRow(ctx, `SELECT `+connCols+` FROM workspace_connections WHERE workspace_id = $1 AND id = $2`, workspaceID, id))
	return c, mapErr("connection", err)
}

// ConnectionByExternal implements workspace.Store.
func (s *Store) ConnectionByExternal(ctx context.Context, kind workspace.ChannelKind, externalID string) (workspace.Connection, error) {
	c, err := scanConn(s.db.QueryRow(ctx, `SELECT `+connCols+` FROM workspace_connections WHERE kind = $1 AND external_id = $2`,
		string(kind), externalID))
	return c, mapErr("connection by external id", err)
}

// Connections implements workspace.Store.
func (s *Store) Connections(ctx context.Context, workspaceID string) ([]workspace.Connection, error) {
	rows, err := s.db.Query(ctx, `SELECT `+connCols+` FROM workspace_connections WHERE workspace_id = $1 ORDER BY created_at, id`, workspaceID)
	if err != nil {
		return nil, mapErr("connections", err)
	}
	out, err := collect(rows, scanConn)
	return out, mapErr("connections", err)
}

// ConnectionsByMetaUser implements workspace.Store.
func (s *Store) ConnectionsByMetaUser(ctx context.Context, metaUserID string) ([]workspace.Connection, error) {
	if metaUserID == "" {
		return nil, nil
	}
	rows, err := s.db.Query(ctx, `SELECT `+connCols+` FROM workspace_connections WHERE meta_user_id = $1 ORDER BY created_at, id`, metaUserID)
	if err != nil {
		return nil, mapErr("connections by meta user", err)
	}
	out, err := collect(rows, scanConn)
	return out, mapErr("connections by meta user", err)
}

// UpdateConnection implements workspace.Store.
func (s *Store) UpdateConnection(ctx context.Context, c workspace.Connection) error {
	args, err := connArgs(c)
	if err != nil {
		return mapErr("update connection", err)
	}
	tag, err := s.db.Exec(ctx, `UPDATE workspace_connections SET kind=$3, external_id=$4, waba_id=$5, name=$6, meta_user_id=$7,
		token_issued_at=$8, token_expires_at=$9, health=$10,
		last_event_at=CASE WHEN last_event_at IS NULL OR $11::timestamptz > last_event_at THEN $11::timestamptz ELSE last_event_at END,
		created_at=$12, updated_at=$13
		WHERE id = $1 AND workspace_id = $2`, args...)
	return affected(tag, err, "update connection")
}

// TouchConnection implements workspace.Store.
func (s *Store) TouchConnection(ctx context.Context, workspaceID, id string, at time.Time) error {
	tag, err := s.db.Exec(ctx, `UPDATE workspace_connections
		SET last_event_at = CASE WHEN last_event_at IS NULL OR $3 > last_event_at THEN $3 ELSE last_event_at END
		WHERE workspace_id = $1 AND id = $2`, workspaceID, id, at.UTC())
	return affected(tag, err, "touch connection")
}

// DeleteConnection implements workspace.Store.
func (s *Store) DeleteConnection(ctx context.Context, workspaceID, id string) error {
	tag, err := s.db.Exec(ctx, `DELETE FROM workspace_connections WHERE workspace_id = $1 AND id = $2`, workspaceID, id)
	return affected(tag, err, "delete connection")
}

package workspace

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/botsync/botsync/meta"
	"github.com/botsync/botsync/secret"
	"github.com/botsync/botsync/vault"
)

// ChannelKind is the kind of a channel connection.
type ChannelKind string

// Channel kinds.
const (
	ChannelWhatsApp     ChannelKind = "whatsapp"
	ChannelInstagram    ChannelKind = "instagram"
	ChannelFacebookPage ChannelKind = "facebook_page"
)

// Valid reports whether k is a known kind.
func (k ChannelKind) Valid() bool {
	return k == ChannelWhatsApp || k == ChannelInstagram || k == ChannelFacebookPage
}

// RequiredScopes are the permissions a connection's token needs.
var RequiredScopes = map[ChannelKind][]string{
	ChannelWhatsApp:     {"whatsapp_business_messaging", "whatsapp_business_management"},
	ChannelInstagram:    {"instagram_business_basic", "instagram_business_manage_messages"},
	ChannelFacebookPage: {"pages_messaging", "pages_manage_metadata"},
}

// Connection links a WhatsApp number, Instagram account or Facebook Page
// to a workspace. Its access token lives only in the vault.
type Connection struct {
	ID          string
	WorkspaceID string
	Kind        ChannelKind
	// ExternalID is the phone-number id, Instagram account id or Page id:
	// what webhooks name. Unique per kind across the platform.
	ExternalID string
	// WABAID is the WhatsApp Business Account id (WhatsApp only).
	WABAID string
	Name   string
	// MetaUserID is the app-scoped id of the person who authorised the
	// connection; the deauthorize callback names it.
	MetaUserID     string
	TokenIssuedAt  time.Time
	TokenExpiresAt time.Time
	Health         Health
	LastEventAt    time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Health is a connection's last health check.
type Health struct {
	CheckedAt         time.Time `json:"checked_at"`
	TokenValid        bool      `json:"token_valid"`
	Scopes            []string  `json:"scopes,omitempty"`
	MissingScopes     []string  `json:"missing_scopes,omitempty"`
	WebhookSubscribed bool      `json:"webhook_subscribed"`
	// Problem describes what is wrong, without secrets ("" when healthy).
	Problem string `json:"problem,omitempty"`
}

// Healthy reports whether the last check found nothing wrong.
func (h Health) Healthy() bool {
	return !h.CheckedAt.IsZero() && h.TokenValid && len(h.MissingScopes) == 0 && h.WebhookSubscribed && h.Problem == ""
}

// TokenDebugger inspects a token; *meta.Client (with an app token)
// satisfies it.
type TokenDebugger interface {
	DebugToken(ctx context.Context, input secret.Value) (*meta.TokenInfo, error)
}

// SubscriptionChecker reports whether the app receives the connection's
// webhooks (subscribed_apps); nil skips the check and reports true.
type SubscriptionChecker func(ctx context.Context, c Connection, token secret.Value) (bool, error)

// InstagramRefresher trades a long-lived Instagram token for a fresh one;
// wrap (*meta.Client).RefreshInstagramToken of a client built with token.
type InstagramRefresher func(ctx context.Context, token secret.Value) (*meta.AccessToken, error)

// DisconnectHook is called after a connection is disconnected (stop its
// automations, close its queues).
type DisconnectHook func(ctx context.Context, c Connection)

// TokenRevoker revokes a token at Meta before it is deleted; errors are
// logged and do not stop the disconnect.
type TokenRevoker func(ctx context.Context, c Connection, token secret.Value) error

// WithDisconnectHook adds a hook run after every disconnect.
func WithDisconnectHook(h DisconnectHook) Option {
	return func(c *config) error {
		if h == nil {
			return fmt.Errorf("%w: disconnect hook: nil", ErrInvalid)
		}
		c.disconnectHooks = append(c.disconnectHooks, h)
		return nil
	}
}

// WithTokenRevoker revokes tokens at Meta on disconnect.
func WithTokenRevoker(r TokenRevoker) Option {
	return func(c *config) error { c.revoker = r; return nil }
}

var numericIDRE = regexp.MustCompile(`^[0-9]{1,32}$`)

func tokenRef(c Connection) vault.Ref {
	return vault.Ref{WorkspaceID: c.WorkspaceID, Kind: "channel_" + string(c.Kind), RecordID: c.ID, Field: "access_token"}
}

// ConnectRequest describes a channel to connect.
type ConnectRequest struct {
	Kind           ChannelKind
	ExternalID     string
	WABAID         string
	Name           string
	MetaUserID     string
	Token          secret.Value
	TokenIssuedAt  time.Time
	TokenExpiresAt time.Time
}

// Connect links a channel to the workspace (needs
// [ActionChannelsManage]) and keeps its token in the vault. ErrConflict
// when the number, account or Page is already connected anywhere.
func (s *Service) Connect(ctx context.Context, p *Principal, workspaceID string, req ConnectRequest) (Connection, error) {
	switch {
	case !req.Kind.Valid():
		return Connection{}, wrap("connect", fmt.Errorf("%w: kind %q", ErrInvalid, req.Kind))
	case !numericIDRE.MatchString(req.ExternalID):
		return Connection{}, wrap("connect", fmt.Errorf("%w: external id: want a numeric Meta id", ErrInvalid))
	case req.Kind == ChannelWhatsApp && !numericIDRE.MatchString(req.WABAID):
		return Connection{}, wrap("connect", fmt.Errorf("%w: waba id: want a numeric Meta id", ErrInvalid))
	case req.Kind != ChannelWhatsApp && req.WABAID != "":
		return Connection{}, wrap("connect", fmt.Errorf("%w: waba id: only for WhatsApp", ErrInvalid))
	case req.Token.IsZero():
		return Connection{}, wrap("connect", fmt.Errorf("%w: token: empty", ErrInvalid))
	case len(req.Name) > 200:
		return Connection{}, wrap("connect", fmt.Errorf("%w: name: longer than 200 characters", ErrInvalid))
	case s.cfg.secrets == nil:
		return Connection{}, wrap("connect", fmt.Errorf("%w: no secrets store configured (WithSecrets)", ErrInvalid))
	}
	if err := s.Authorize(ctx, p, ActionChannelsManage, workspaceID); err != nil {
		return Connection{}, wrap("connect", err)
	}
	now := s.now()
	c := Connection{ID: newID("conn_"), WorkspaceID: workspaceID, Kind: req.Kind, ExternalID: req.ExternalID,
		WABAID: req.WABAID, Name: strings.TrimSpace(req.Name), MetaUserID: req.MetaUserID,
		TokenIssuedAt: req.TokenIssuedAt.UTC(), TokenExpiresAt: req.TokenExpiresAt.UTC(), CreatedAt: now, UpdatedAt: now}
	if c.TokenIssuedAt.IsZero() {
		c.TokenIssuedAt = now
	}
	if _, err := s.store.ConnectionByExternal(ctx, c.Kind, c.ExternalID); err == nil {
		return Connection{}, wrap("connect", fmt.Errorf("%w: %s %s is already connected", ErrConflict, c.Kind, c.ExternalID))
	}
	var putOpts []vault.PutOption
	if !c.TokenExpiresAt.IsZero() {
		putOpts = append(putOpts, vault.ExpiresAt(c.TokenExpiresAt))
	}
	if _, err := s.cfg.secrets.Put(ctx, tokenRef(c), req.Token, putOpts...); err != nil {
		return Connection{}, wrap("connect: store token", err)
	}
	if err := s.store.CreateConnection(ctx, c); err != nil {
		_ = s.cfg.secrets.Delete(ctx, tokenRef(c))
		return Connection{}, wrap("connect", err)
	}
	return c, s.Audit(ctx, p, workspaceID, "channel.connect", string(c.Kind)+":"+c.ExternalID)
}

// Connections lists the workspace's connections; needs [ActionChannelsView].
func (s *Service) Connections(ctx context.Context, p *Principal, workspaceID string) ([]Connection, error) {
	if err := s.Authorize(ctx, p, ActionChannelsView, workspaceID); err != nil {
		return nil, wrap("connections", err)
	}
	cs, err := s.store.Connections(ctx, workspaceID)
	return cs, wrap("connections", err)
}

// Route is the registry the bot uses: the connection (and so the
// workspace) a webhook's phone-number id, Instagram account id or Page id
// belongs to. ErrNotFound for unknown ids.
func (s *Service) Route(ctx context.Context, kind ChannelKind, externalID string) (Connection, error) {
	c, err := s.store.ConnectionByExternal(ctx, kind, externalID)
	return c, wrap("route", err)
}

// Token returns a connection's access token for sending (from the vault).
func (s *Service) Token(ctx context.Context, workspaceID, connectionID string) (secret.Value, error) {
	if s.cfg.secrets == nil {
		return secret.Value{}, wrap("token", fmt.Errorf("%w: no secrets store configured (WithSecrets)", ErrInvalid))
	}
	c, err := s.store.Connection(ctx, workspaceID, connectionID)
	if err != nil {
		return secret.Value{}, wrap("token", err)
	}
	tok, err := s.cfg.secrets.Get(ctx, tokenRef(c))
	return tok, wrap("token", err)
}

// RecordEvent notes that a webhook event arrived for the connection at
// at. c is the connection [Service.Route] returned; the write is skipped
// when c already shows an event less than a minute older.
func (s *Service) RecordEvent(ctx context.Context, c Connection, at time.Time) error {
	if at.Sub(c.LastEventAt) < touchEvery {
		return nil
	}
	return wrap("record event", s.store.TouchConnection(ctx, c.WorkspaceID, c.ID, at.UTC()))
}

// CheckHealth inspects the connection's token with debug_token (validity,
// expiry, scopes) and, when sub is not nil, its webhook subscription, and
// stores the result.
func (s *Service) CheckHealth(ctx context.Context, workspaceID, connectionID string, dbg TokenDebugger, sub SubscriptionChecker) (Health, error) {
	if s.cfg.secrets == nil || dbg == nil {
		return Health{}, wrap("check health", fmt.Errorf("%w: needs a secrets store (WithSecrets) and a token debugger", ErrInvalid))
	}
	c, err := s.store.Connection(ctx, workspaceID, connectionID)
	if err != nil {
		return Health{}, wrap("check health", err)
	}
	h := Health{CheckedAt: s.now(), WebhookSubscribed: true}
	tok, err := s.cfg.secrets.Get(ctx, tokenRef(c))
	switch {
	case errors.Is(err, vault.ErrExpired) || errors.Is(err, vault.ErrNotFound):
		h.Problem = "token missing or expired: reconnect"
	case err != nil:
		return Health{}, wrap("check health", err)
	default:
		info, err := dbg.DebugToken(ctx, tok)
		if err != nil {
			return Health{}, wrap("check health: debug token", err)
		}
		h.TokenValid, h.Scopes = info.Valid, slices.Clone(info.Scopes)
		for _, sc := range RequiredScopes[c.Kind] {
			if !info.HasScope(sc) {
				h.MissingScopes = append(h.MissingScopes, sc)
			}
		}
		if !info.ExpiresAt.IsZero() {
			c.TokenExpiresAt = info.ExpiresAt.UTC()
		}
		if !info.Valid {
			h.Problem = "token invalid: reconnect"
		} else if len(h.MissingScopes) > 0 {
			h.Problem = "token lacks permissions: " + strings.Join(h.MissingScopes, ", ")
		}
		if sub != nil && info.Valid {
			ok, err := sub(ctx, c, tok)
			if err != nil {
				return Health{}, wrap("check health: subscription", err)
			}
			h.WebhookSubscribed = ok
			if !ok && h.Problem == "" {
				h.Problem = "app not subscribed to webhooks"
			}
		}
	}
	c.Health, c.UpdatedAt = h, s.now()
	if err := s.store.UpdateConnection(ctx, c); err != nil {
		return Health{}, wrap("check health", err)
	}
	return h, nil
}

// RefreshInstagramTokens refreshes the workspace's Instagram tokens that
// [meta.RefreshDue] says are due under [meta.InstagramRefreshPolicy], and
// returns how many it refreshed. Expired tokens cannot be refreshed: they
// are marked in the connection's health for the user to reconnect.
func (s *Service) RefreshInstagramTokens(ctx context.Context, workspaceID string, refresh InstagramRefresher) (int, error) {
	if s.cfg.secrets == nil || refresh == nil {
		return 0, wrap("refresh instagram tokens", fmt.Errorf("%w: needs a secrets store (WithSecrets) and a refresher", ErrInvalid))
	}
	cs, err := s.store.Connections(ctx, workspaceID)
	if err != nil {
		return 0, wrap("refresh instagram tokens", err)
	}
	n := 0
	now := s.now()
	for _, c := range cs {
		if c.Kind != ChannelInstagram {
			continue
		}
		due := meta.RefreshDue(c.TokenIssuedAt, c.TokenExpiresAt, now, meta.InstagramRefreshPolicy)
		if due.Expired {
			c.Health.Problem, c.Health.TokenValid, c.Health.CheckedAt = "token expired: reconnect", false, now
			if err := s.store.UpdateConnection(ctx, c); err != nil {
				return n, wrap("refresh instagram tokens", err)
			}
			continue
		}
		if !due.Due {
			continue
		}
		tok, err := s.cfg.secrets.Get(ctx, tokenRef(c))
		if err != nil {
			return n, wrap("refresh instagram tokens", err)
		}
		fresh, err := refresh(ctx, tok)
		if err != nil {
			return n, wrap("refresh instagram tokens", err)
		}
		var putOpts []vault.PutOption
		if !fresh.ExpiresAt.IsZero() {
			putOpts = append(putOpts, vault.ExpiresAt(fresh.ExpiresAt))
		}
		if _, err := s.cfg.secrets.Put(ctx, tokenRef(c), fresh.Token, putOpts...); err != nil {
			return n, wrap("refresh instagram tokens", err)
		}
		c.TokenIssuedAt, c.TokenExpiresAt, c.UpdatedAt = fresh.IssuedAt.UTC(), fresh.ExpiresAt.UTC(), now
		if c.TokenIssuedAt.IsZero() {
			c.TokenIssuedAt = now
		}
		if err := s.store.UpdateConnection(ctx, c); err != nil {
			return n, wrap("refresh instagram tokens", err)
		}
		if err := s.record(ctx, workspaceID, "system", "", "channel.token_refresh", c.ID); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// Disconnect removes a connection (needs [ActionChannelsManage]): the
// token is revoked at Meta when a [TokenRevoker] is configured, deleted
// from the vault, the connection deleted and the disconnect hooks run.
func (s *Service) Disconnect(ctx context.Context, p *Principal, workspaceID, connectionID, reason string) error {
	if err := s.Authorize(ctx, p, ActionChannelsManage, workspaceID); err != nil {
		return wrap("disconnect", err)
	}
	c, err := s.store.Connection(ctx, workspaceID, connectionID)
	if err != nil {
		return wrap("disconnect", err)
	}
	if err := s.disconnect(ctx, c); err != nil {
		return err
	}
	return s.Audit(ctx, p, workspaceID, "channel.disconnect", reasonTarget(string(c.Kind)+":"+c.ExternalID, reason))
}

func (s *Service) disconnect(ctx context.Context, c Connection) error {
	if s.cfg.secrets != nil {
		tok, err := s.cfg.secrets.Get(ctx, tokenRef(c))
		if err == nil && s.cfg.revoker != nil {
			if err := s.cfg.revoker(ctx, c, tok); err != nil {
				s.cfg.logger.WarnContext(ctx, "workspace: revoke token at Meta failed", "connection", c.ID, "err", err)
			}
		}
		if err := s.cfg.secrets.Delete(ctx, tokenRef(c)); err != nil && !isVaultNotFound(err) {
			return wrap("disconnect: delete token", err)
		}
	}
	if err := s.store.DeleteConnection(ctx, c.WorkspaceID, c.ID); err != nil && !isNotFound(err) {
		return wrap("disconnect", err)
	}
	for _, h := range s.cfg.disconnectHooks {
		h(ctx, c)
	}
	return nil
}

// Deauthorize disconnects every connection the Meta user authorised: the
// function to hand to meta.DeauthorizeHandler.
func (s *Service) Deauthorize(ctx context.Context, sr *meta.SignedRequest) error {
	if sr == nil || sr.UserID == "" {
		return wrap("deauthorize", fmt.Errorf("%w: signed request: no user id", ErrInvalid))
	}
	cs, err := s.store.ConnectionsByMetaUser(ctx, sr.UserID)
	if err != nil {
		return wrap("deauthorize", err)
	}
	for _, c := range cs {
		if err := s.disconnect(ctx, c); err != nil {
			return err
		}
		if err := s.record(ctx, c.WorkspaceID, "meta:deauthorize", "", "channel.disconnect", string(c.Kind)+":"+c.ExternalID); err != nil {
			return err
		}
	}
	return nil
}

var _ meta.DeauthorizeFunc = (*Service)(nil).Deauthorize

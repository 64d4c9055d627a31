package workspacetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/meta"
	"github.com/botsync/botsync/secret"
	"github.com/botsync/botsync/vault"
	"github.com/botsync/botsync/workspace"
)

func vaultRef(userID string) vault.Ref {
	return vault.Ref{WorkspaceID: workspace.PlatformScope, Kind: "user_totp", RecordID: userID, Field: "secret"}
}

// FakeDebugger answers debug_token from a table of tokens.
type FakeDebugger map[string]*meta.TokenInfo

// DebugToken implements workspace.TokenDebugger.
func (f FakeDebugger) DebugToken(_ context.Context, tok secret.Value) (*meta.TokenInfo, error) {
	info, ok := f[tok.Reveal()]
	if !ok {
		return &meta.TokenInfo{Valid: false, Error: &meta.TokenError{Code: 190, Message: "Invalid OAuth access token"}}, nil
	}
	return info, nil
}

func testConnections(t *testing.T, s workspace.Store) {
	ctx := context.Background()
	var stopped []string
	e := NewEnv(t, s, workspace.WithDisconnectHook(func(_ context.Context, c workspace.Connection) { stopped = append(stopped, c.ID) }))
	_, w, owner, _ := e.owner(t, "owner@example.com", "Shop")
	_, w2, owner2, _ := e.owner(t, "owner2@example.com", "Other")
	now := e.Clock.Now()

	_, err := e.Svc.Connect(ctx, owner, w.ID, workspace.ConnectRequest{Kind: workspace.ChannelWhatsApp, ExternalID: "1001", Token: secret.New("EAAG-wa")})
	require.ErrorIs(t, err, workspace.ErrInvalid)
	require.ErrorContains(t, err, "waba id")
	wa, err := e.Svc.Connect(ctx, owner, w.ID, workspace.ConnectRequest{Kind: workspace.ChannelWhatsApp, ExternalID: "1001", WABAID: "2001",
		Name: "Sales line", MetaUserID: "mu_1", Token: secret.New("EAAG-wa")})
	require.NoError(t, err)
	ig, err := e.Svc.Connect(ctx, owner, w.ID, workspace.ConnectRequest{Kind: workspace.ChannelInstagram, ExternalID: "17841400000000001",
		MetaUserID: "mu_1", Token: secret.New("IGAA-old"), TokenIssuedAt: now, TokenExpiresAt: now.Add(60 * 24 * time.Hour)})
	require.NoError(t, err)
	page, err := e.Svc.Connect(ctx, owner2, w2.ID, workspace.ConnectRequest{Kind: workspace.ChannelFacebookPage, ExternalID: "3001",
		MetaUserID: "mu_2", Token: secret.New("EAAG-page")})
	require.NoError(t, err)
	_, err = e.Svc.Connect(ctx, owner2, w2.ID, workspace.ConnectRequest{Kind: workspace.ChannelWhatsApp, ExternalID: "1001", WABAID: "2009", Token: secret.New("x")})
	require.ErrorIs(t, err, workspace.ErrConflict, "a number routes to one workspace")
	_, err = e.Svc.Connect(ctx, owner2, w.ID, workspace.ConnectRequest{Kind: workspace.ChannelFacebookPage, ExternalID: "3002", Token: secret.New("x")})
	require.ErrorIs(t, err, workspace.ErrForbidden)

	// The bot's registry.
	got, err := e.Svc.Route(ctx, workspace.ChannelWhatsApp, "1001")
	require.NoError(t, err)
	assert.Equal(t, w.ID, got.WorkspaceID)
	assert.Equal(t, wa.ID, got.ID)
	_, err = e.Svc.Route(ctx, workspace.ChannelInstagram, "1001")
	require.ErrorIs(t, err, workspace.ErrNotFound)

	// Tokens live in the vault only.
	tok, err := e.Svc.Token(ctx, w.ID, wa.ID)
	require.NoError(t, err)
	assert.Equal(t, "EAAG-wa", tok.Reveal())
	_, err = e.Svc.Token(ctx, w2.ID, wa.ID)
	require.ErrorIs(t, err, workspace.ErrNotFound, "scoped by workspace")

	// Health.
	dbg := FakeDebugger{
		"EAAG-wa":  {Valid: true, Scopes: []string{"whatsapp_business_messaging"}},
		"IGAA-old": {Valid: true, Scopes: []string{"instagram_business_basic", "instagram_business_manage_messages"}, ExpiresAt: now.Add(60 * 24 * time.Hour)},
	}
	h, err := e.Svc.CheckHealth(ctx, w.ID, wa.ID, dbg, func(context.Context, workspace.Connection, secret.Value) (bool, error) { return true, nil })
	require.NoError(t, err)
	assert.True(t, h.TokenValid)
	assert.Equal(t, []string{"whatsapp_business_management"}, h.MissingScopes)
	assert.False(t, h.Healthy())
	h, err = e.Svc.CheckHealth(ctx, w.ID, ig.ID, dbg, nil)
	require.NoError(t, err)
	assert.True(t, h.Healthy())
	h, err = e.Svc.CheckHealth(ctx, w2.ID, page.ID, dbg, nil)
	require.NoError(t, err)
	assert.False(t, h.TokenValid)
	assert.Equal(t, "token invalid: reconnect", h.Problem)
	list, err := e.Svc.Connections(ctx, owner, w.ID)
	require.NoError(t, err)
	require.Len(t, list, 2)
	assert.False(t, list[0].Health.CheckedAt.IsZero(), "health is stored")

	require.NoError(t, e.Svc.RecordEvent(ctx, got, now.Add(time.Hour)))
	got, err = e.Svc.Route(ctx, workspace.ChannelWhatsApp, "1001")
	require.NoError(t, err)
	requireTime(t, now.Add(time.Hour), got.LastEventAt, "last event")

	// Instagram refresh: not due yet, then due, then refreshed.
	var calls int
	refresh := func(_ context.Context, old secret.Value) (*meta.AccessToken, error) {
		calls++
		if old.Reveal() != "IGAA-old" {
			return nil, errors.New("unexpected token")
		}
		at := e.Clock.Now()
		return &meta.AccessToken{Token: secret.New("IGAA-new"), IssuedAt: at, ExpiresAt: at.Add(60 * 24 * time.Hour)}, nil
	}
	n, err := e.Svc.RefreshInstagramTokens(ctx, w.ID, refresh)
	require.NoError(t, err)
	assert.Zero(t, n)
	e.Clock.Advance(51 * 24 * time.Hour)
	n, err = e.Svc.RefreshInstagramTokens(ctx, w.ID, refresh)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	assert.Equal(t, 1, calls)
	tok, err = e.Svc.Token(ctx, w.ID, ig.ID)
	require.NoError(t, err)
	assert.Equal(t, "IGAA-new", tok.Reveal())
	igNow, err := s.Connection(ctx, w.ID, ig.ID)
	require.NoError(t, err)
	requireTime(t, e.Clock.Now().Add(60*24*time.Hour), igNow.TokenExpiresAt, "new expiry")

	// Disconnect deletes the token and runs the hooks.
	owner, _ = e.Login(t, "owner@example.com", UserIP, e.Code(t, mustSecret(t, e, owner.User.ID)))
	require.NoError(t, e.Svc.Disconnect(ctx, owner, w.ID, wa.ID, "number moved"))
	_, err = e.Vault.Get(ctx, vault.Ref{WorkspaceID: w.ID, Kind: "channel_whatsapp", RecordID: wa.ID, Field: "access_token"})
	require.ErrorIs(t, err, vault.ErrNotFound)
	_, err = e.Svc.Route(ctx, workspace.ChannelWhatsApp, "1001")
	require.ErrorIs(t, err, workspace.ErrNotFound)
	assert.Equal(t, []string{wa.ID}, stopped)
	assert.True(t, e.HasAudit(t, w.ID, "channel.disconnect", ""))

	// Meta's deauthorize callback disconnects what the person authorised.
	require.NoError(t, e.Svc.Deauthorize(ctx, &meta.SignedRequest{UserID: "mu_1"}))
	_, err = e.Svc.Route(ctx, workspace.ChannelInstagram, "17841400000000001")
	require.ErrorIs(t, err, workspace.ErrNotFound)
	_, err = e.Svc.Route(ctx, workspace.ChannelFacebookPage, "3001")
	require.NoError(t, err, "other people's connections stay")
	require.ErrorIs(t, e.Svc.Deauthorize(ctx, &meta.SignedRequest{}), workspace.ErrInvalid)
}

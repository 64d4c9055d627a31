package main

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/meta/metatest"
	"github.com/botsync/botsync/secret"
	"github.com/botsync/botsync/workspace"
)

// An Instagram token near the end of its 60 days is refreshed by the
// periodic work; the new token is sealed in the vault.
func TestInstagramTokenRefresh(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, func(c *Config) { c.Seed = false })
	ctx := context.Background()
	_, w, err := ta.ws.SignUp(ctx, workspace.SignUpRequest{Email: "ig@coaching.example", Name: "Ig Owner", Password: secret.New("a long enough passphrase 3"), Workspace: workspace.Workspace{Name: "IG shop"}})
	require.NoError(t, err)
	ta.known.add(w.ID)
	res, err := ta.ws.Login(ctx, workspace.LoginRequest{Email: "ig@coaching.example", Password: secret.New("a long enough passphrase 3"), IP: localhost})
	require.NoError(t, err)
	p, err := ta.ws.Authenticate(ctx, res.Token, localhost)
	require.NoError(t, err)
	p, _, err = ta.enrollTOTP(ctx, p)
	require.NoError(t, err)
	old := "ig-long-lived-old"
	issued, expires := time.Now().Add(-55*24*time.Hour), time.Now().Add(5*24*time.Hour)
	ta.sandbox.ig.IG.AddToken(metatest.Token{Value: old, IssuedAt: issued, ExpiresAt: expires})
	conn, err := ta.ws.Connect(ctx, p, w.ID, workspace.ConnectRequest{Kind: workspace.ChannelInstagram, ExternalID: "17841400000000099",
		Name: "shop", Token: secret.New(old), TokenIssuedAt: issued, TokenExpiresAt: expires})
	require.NoError(t, err)

	require.NoError(t, ta.refreshTokens(ctx))
	tok, err := ta.ws.Token(ctx, w.ID, conn.ID)
	require.NoError(t, err)
	require.NotEqual(t, old, tok.Reveal(), "a fresh token replaced the old one")
}

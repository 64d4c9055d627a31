package meta_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/meta"
	"github.com/botsync/botsync/meta/metatest"
	"github.com/botsync/botsync/secret"
)

var t0 = time.Date(2026, time.March, 1, 12, 0, 0, 0, time.UTC)

func TestExchangeToken(t *testing.T) {
	t.Parallel()
	now := t0
	clock := func() time.Time { return now }
	srv := metatest.NewServer(t, metatest.WithServerClock(clock))
	srv.AddToken(metatest.Token{Value: "short", UserID: "u1", Scopes: []string{"pages_messaging"}, ExpiresAt: now.Add(2 * time.Hour)})
	c := srv.Client("", meta.WithClock(clock))

	tok, err := c.ExchangeToken(t.Context(), srv.AppID(), srv.AppSecret(), secret.New("short"))
	require.NoError(t, err)
	assert.Equal(t, "bearer", tok.TokenType)
	assert.Equal(t, metatest.LongLivedTTL, tok.ExpiresIn)
	assert.Equal(t, now, tok.IssuedAt)
	assert.Equal(t, now.Add(metatest.LongLivedTTL), tok.ExpiresAt)
	assert.Equal(t, "[REDACTED]", fmt.Sprint(tok.Token))
	b, err := json.Marshal(tok)
	require.NoError(t, err)
	assert.NotContains(t, string(b), tok.Token.Reveal())

	r, _ := srv.LastRequest()
	assert.Equal(t, "/v24.0/oauth/access_token", r.Path)
	assert.Empty(t, r.Header.Get("Authorization"), "the exchange authenticates with the app secret, not a token")
	assert.Equal(t, "fb_exchange_token", r.Query.Get("grant_type"))
	assert.Equal(t, "short", r.Query.Get("fb_exchange_token"))

	info, ok := srv.LookupToken(tok.Token.Reveal())
	require.True(t, ok)
	assert.Equal(t, "u1", info.UserID, "the long-lived token belongs to the same user")

	_, err = c.ExchangeToken(t.Context(), srv.AppID(), secret.New("wrong-secret"), secret.New("short"))
	var me *meta.Error
	require.ErrorAs(t, err, &me)
	assert.Equal(t, 101, me.Code)
	assert.NotContains(t, err.Error(), "wrong-secret")

	now = now.Add(3 * time.Hour)
	_, err = c.ExchangeToken(t.Context(), srv.AppID(), srv.AppSecret(), secret.New("short"))
	require.ErrorIs(t, err, meta.ErrUnauthorized, "an expired short-lived token cannot be exchanged")
}

func TestTokenArgumentsAreValidated(t *testing.T) {
	t.Parallel()
	c, err := meta.NewClient(secret.Value{})
	require.NoError(t, err)
	ctx := t.Context()
	_, err = c.ExchangeToken(ctx, "", secretApp, secretTok)
	require.ErrorContains(t, err, "app id")
	_, err = c.ExchangeToken(ctx, "1", secret.Value{}, secretTok)
	require.ErrorContains(t, err, "app secret")
	_, err = c.ExchangeToken(ctx, "1", secretApp, secret.Value{})
	require.ErrorContains(t, err, "short-lived token")
	_, err = c.ExchangeInstagramToken(ctx, secret.Value{}, secretTok)
	require.ErrorContains(t, err, "app secret")
	_, err = c.ExchangeInstagramToken(ctx, secretApp, secret.Value{})
	require.ErrorContains(t, err, "short-lived token")
	_, err = c.RefreshInstagramToken(ctx)
	require.ErrorContains(t, err, "no token")
	_, err = c.DebugToken(ctx, secret.Value{})
	require.ErrorContains(t, err, "input token")
}

func TestDebugToken(t *testing.T) {
	t.Parallel()
	srv := metatest.NewServer(t)
	srv.AddToken(metatest.Token{
		Value: "user-tok", UserID: "u1", Scopes: []string{"whatsapp_business_messaging", "whatsapp_business_management"},
		GranularScopes: []meta.GranularScope{{Scope: "whatsapp_business_messaging", TargetIDs: []string{"WABA1"}}},
		IssuedAt:       t0, ExpiresAt: t0.Add(1000 * 24 * time.Hour), DataAccessExpiresAt: t0.Add(90 * 24 * time.Hour),
	})
	c := srv.Client(meta.AppToken(srv.AppID(), srv.AppSecret()).Reveal())

	info, err := c.DebugToken(t.Context(), secret.New("user-tok"))
	require.NoError(t, err)
	assert.Equal(t, &meta.TokenInfo{
		Valid: true, Type: "USER", AppID: srv.AppID(), Application: "metatest", UserID: "u1",
		Scopes:         []string{"whatsapp_business_messaging", "whatsapp_business_management"},
		GranularScopes: []meta.GranularScope{{Scope: "whatsapp_business_messaging", TargetIDs: []string{"WABA1"}}},
		IssuedAt:       t0, ExpiresAt: t0.Add(1000 * 24 * time.Hour), DataAccessExpiresAt: t0.Add(90 * 24 * time.Hour),
	}, info)
	assert.True(t, info.HasScope("whatsapp_business_management"))
	assert.False(t, info.HasScope("pages_messaging"))
	r, _ := srv.LastRequest()
	assert.Equal(t, "Bearer "+srv.AppID()+"|"+srv.AppSecret().Reveal(), r.Header.Get("Authorization"))
	assert.Equal(t, "user-tok", r.Query.Get("input_token"), "Meta wants the inspected token in the query")

	unknown, err := c.DebugToken(t.Context(), secret.New("garbage"))
	require.NoError(t, err, "an invalid token is an answer, not an error")
	assert.False(t, unknown.Valid)
	require.NotNil(t, unknown.Error)
	assert.Equal(t, 190, unknown.Error.Code)

	srv.RevokeToken("user-tok")
	revoked, err := c.DebugToken(t.Context(), secret.New("user-tok"))
	require.NoError(t, err)
	assert.False(t, revoked.Valid)
	assert.Equal(t, 460, revoked.Error.Subcode)

	_, err = srv.Client("user-tok").Get(t.Context(), "debug_token", nil, nil)
	require.ErrorIs(t, err, meta.ErrUnauthorized, "calls with a revoked token fail with 190")
}

func TestPageTokens(t *testing.T) {
	t.Parallel()
	srv := metatest.NewServer(t)
	addPages(srv, 30)
	c := srv.Client("user-token")
	var got []meta.PageToken
	for p, err := range c.PageTokens(t.Context()) {
		require.NoError(t, err)
		got = append(got, p)
	}
	require.Len(t, got, 30)
	assert.Len(t, srv.Requests(), 2, "default page size 25")
	assert.Equal(t, "100", got[0].ID)
	assert.Equal(t, "Page 0", got[0].Name)
	assert.Equal(t, []string{"MESSAGING"}, got[0].Tasks)
	assert.Equal(t, "PAGE-TOKEN-0", got[0].AccessToken.Reveal())
	assert.NotContains(t, fmt.Sprintf("%+v %#v", got[0], got[0]), "PAGE-TOKEN-0")
	r := srv.Requests()[0]
	assert.Equal(t, "id,name,category,access_token,tasks", r.Query.Get("fields"))

	// the Page token works for Page calls
	_, err := srv.Client(got[1].AccessToken.Reveal()).Get(t.Context(), "debug_token", nil, nil)
	var me *meta.Error
	require.ErrorAs(t, err, &me)
	assert.Equal(t, 100, me.Code, "authenticated; only the missing input_token is refused")
}

func TestInstagramTokens(t *testing.T) {
	t.Parallel()
	now := t0
	clock := func() time.Time { return now }
	srv := metatest.NewServer(t, metatest.WithServerClock(clock))
	ig := srv.Client("", meta.WithClock(clock), meta.WithVersion(""))

	long, err := ig.ExchangeInstagramToken(t.Context(), srv.AppSecret(), secret.New("IG-short"))
	require.NoError(t, err)
	assert.Equal(t, now.Add(60*24*time.Hour), long.ExpiresAt)
	r, _ := srv.LastRequest()
	assert.Equal(t, "/access_token", r.Path)
	assert.Equal(t, "ig_exchange_token", r.Query.Get("grant_type"))
	assert.Equal(t, "Bearer IG-short", r.Header.Get("Authorization"))
	assert.False(t, r.Query.Has("access_token"))

	_, err = ig.ExchangeInstagramToken(t.Context(), secret.New("bad"), secret.New("IG-short"))
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "bad")

	user := ig.WithToken(long.Token)
	_, err = user.RefreshInstagramToken(t.Context())
	var me *meta.Error
	require.ErrorAs(t, err, &me)
	assert.Contains(t, me.Message, "24 hours", "Meta refuses to refresh a token younger than a day")

	rd := meta.RefreshDue(long.IssuedAt, long.ExpiresAt, now, meta.InstagramRefreshPolicy)
	assert.False(t, rd.Due)
	assert.Equal(t, long.ExpiresAt.Add(-10*24*time.Hour), rd.At)

	now = rd.At
	require.True(t, meta.RefreshDue(long.IssuedAt, long.ExpiresAt, now, meta.InstagramRefreshPolicy).Due)
	fresh, err := user.RefreshInstagramToken(t.Context())
	require.NoError(t, err)
	assert.Equal(t, now.Add(60*24*time.Hour), fresh.ExpiresAt)
	assert.False(t, fresh.Token.Equal(long.Token))
	r, _ = srv.LastRequest()
	assert.Equal(t, "/refresh_access_token", r.Path)
	assert.Equal(t, "Bearer "+long.Token.Reveal(), r.Header.Get("Authorization"))

	now = now.Add(61 * 24 * time.Hour)
	_, err = ig.WithToken(fresh.Token).RefreshInstagramToken(t.Context())
	require.ErrorIs(t, err, meta.ErrUnauthorized, "an expired token cannot be refreshed")
}

func TestRefreshDue(t *testing.T) {
	t.Parallel()
	day := 24 * time.Hour
	issued := t0
	expires := t0.Add(60 * day)
	p := meta.InstagramRefreshPolicy
	tests := []struct {
		name    string
		issued  time.Time
		expires time.Time
		now     time.Time
		want    meta.Refresh
	}{
		{"fresh token", issued, expires, t0.Add(day), meta.Refresh{At: expires.Add(-10 * day)}},
		{"11 days left", issued, expires, expires.Add(-11 * day), meta.Refresh{At: expires.Add(-10 * day)}},
		{"exactly 10 days left", issued, expires, expires.Add(-10 * day), meta.Refresh{Due: true, At: expires.Add(-10 * day)}},
		{"one hour left", issued, expires, expires.Add(-time.Hour), meta.Refresh{Due: true, At: expires.Add(-10 * day)}},
		{"expired", issued, expires, expires, meta.Refresh{Expired: true, At: expires.Add(-10 * day)}},
		{"short token not yet a day old", issued, t0.Add(5 * day), t0.Add(time.Hour), meta.Refresh{At: t0.Add(day)}},
		{"short token a day old", issued, t0.Add(5 * day), t0.Add(day), meta.Refresh{Due: true, At: t0.Add(day)}},
		{"never expires", issued, time.Time{}, t0.Add(1000 * day), meta.Refresh{}},
		{"unknown issue time", time.Time{}, expires, expires.Add(-day), meta.Refresh{Due: true, At: expires.Add(-10 * day)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, meta.RefreshDue(tt.issued, tt.expires, tt.now, p))
		})
	}
}

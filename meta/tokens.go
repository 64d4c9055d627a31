package meta

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/url"
	"time"

	"github.com/botsync/botsync/secret"
)

// AccessToken is a token returned by an exchange or refresh.
type AccessToken struct {
	// Token is the access token.
	Token secret.Value
	// TokenType is Meta's token_type, usually "bearer".
	TokenType string
	// ExpiresIn is the lifetime Meta announced (0 when it sent none: the
	// token does not expire).
	ExpiresIn time.Duration
	// IssuedAt is the client's clock when the token was received.
	IssuedAt time.Time
	// ExpiresAt is IssuedAt+ExpiresIn, or zero when the token does not expire.
	ExpiresAt time.Time
}

type accessTokenWire struct {
	AccessToken secret.Value `json:"access_token"`
	TokenType   string       `json:"token_type"`
	ExpiresIn   int64        `json:"expires_in"`
}

func (w accessTokenWire) token(op string, now time.Time) (*AccessToken, error) {
	if w.AccessToken.IsZero() {
		return nil, fmt.Errorf("meta: %s: response has no access_token", op)
	}
	if w.ExpiresIn < 0 {
		return nil, fmt.Errorf("meta: %s: expires_in %d: negative", op, w.ExpiresIn)
	}
	t := &AccessToken{Token: w.AccessToken, TokenType: w.TokenType, IssuedAt: now,
		ExpiresIn: time.Duration(w.ExpiresIn) * time.Second}
	if w.ExpiresIn > 0 {
		t.ExpiresAt = now.Add(t.ExpiresIn)
	}
	return t, nil
}

// AppToken returns the app access token "{app-id}|{app-secret}" that Meta
// accepts for app-level calls such as [Client.DebugToken].
func AppToken(appID string, appSecret secret.Value) secret.Value {
	return secret.New(appID + "|" + appSecret.Reveal())
}

// ExchangeToken trades a short-lived Facebook user token for a long-lived one
// (about 60 days) with GET oauth/access_token?grant_type=fb_exchange_token.
// Meta requires the app secret and the short-lived token in the query; the
// client never logs query strings and its errors never contain them. The
// client's own token is not sent.
func (c *Client) ExchangeToken(ctx context.Context, appID string, appSecret, shortLived secret.Value) (*AccessToken, error) {
	const op = "exchange token"
	switch {
	case appID == "":
		return nil, errors.New("meta: exchange token: app id: empty")
	case appSecret.IsZero():
		return nil, errors.New("meta: exchange token: app secret: empty")
	case shortLived.IsZero():
		return nil, errors.New("meta: exchange token: short-lived token: empty")
	}
	q := url.Values{
		"grant_type":        {"fb_exchange_token"},
		"client_id":         {appID},
		"client_secret":     {appSecret.Reveal()},
		"fb_exchange_token": {shortLived.Reveal()},
	}
	var w accessTokenWire
	if _, err := c.Get(withoutAuth(ctx), "oauth/access_token", q, &w); err != nil {
		return nil, err
	}
	return w.token(op, c.cfg.now())
}

// ExchangeInstagramToken trades a short-lived Instagram Login token for a
// long-lived one (60 days) with GET /access_token?grant_type=ig_exchange_token
// on graph.instagram.com: use a client built with
// WithBaseURL(InstagramBaseURL). The short-lived token travels in the
// Authorization header, the app secret in the query.
func (c *Client) ExchangeInstagramToken(ctx context.Context, appSecret, shortLived secret.Value) (*AccessToken, error) {
	switch {
	case appSecret.IsZero():
		return nil, errors.New("meta: exchange instagram token: app secret: empty")
	case shortLived.IsZero():
		return nil, errors.New("meta: exchange instagram token: short-lived token: empty")
	}
	q := url.Values{"grant_type": {"ig_exchange_token"}, "client_secret": {appSecret.Reveal()}}
	var w accessTokenWire
	if _, err := c.WithToken(shortLived).Get(ctx, "/access_token", q, &w); err != nil {
		return nil, err
	}
	return w.token("exchange instagram token", c.cfg.now())
}

// RefreshInstagramToken refreshes the client's long-lived Instagram Login
// token (GET /refresh_access_token?grant_type=ig_refresh_token on
// graph.instagram.com). Meta refreshes only tokens at least 24 hours old and
// not expired; see [RefreshDue] for when to call it.
func (c *Client) RefreshInstagramToken(ctx context.Context) (*AccessToken, error) {
	if c.token.IsZero() {
		return nil, errors.New("meta: refresh instagram token: client has no token")
	}
	var w accessTokenWire
	if _, err := c.Get(ctx, "/refresh_access_token", url.Values{"grant_type": {"ig_refresh_token"}}, &w); err != nil {
		return nil, err
	}
	return w.token("refresh instagram token", c.cfg.now())
}

// TokenInfo is what debug_token says about a token.
type TokenInfo struct {
	// Valid is Meta's is_valid.
	Valid bool
	// Type is "USER", "PAGE", "APP" or "SYSTEM_USER".
	Type        string
	AppID       string
	Application string
	UserID      string
	ProfileID   string
	// Scopes are the granted permissions.
	Scopes []string
	// GranularScopes say which objects (Pages, WABAs, Instagram accounts) a
	// permission covers.
	GranularScopes []GranularScope
	// IssuedAt, ExpiresAt and DataAccessExpiresAt are zero when Meta sent 0
	// (ExpiresAt 0 means the token never expires).
	IssuedAt            time.Time
	ExpiresAt           time.Time
	DataAccessExpiresAt time.Time
	// Error is set when the token is invalid.
	Error *TokenError
}

// GranularScope is one permission and the object ids it covers.
type GranularScope struct {
	Scope     string   `json:"scope"`
	TargetIDs []string `json:"target_ids,omitempty"`
}

// TokenError explains why debug_token found a token invalid.
type TokenError struct {
	Code    int    `json:"code"`
	Subcode int    `json:"subcode"`
	Message string `json:"message"`
}

// HasScope reports whether the token was granted scope.
func (t *TokenInfo) HasScope(scope string) bool {
	for _, s := range t.Scopes {
		if s == scope {
			return true
		}
	}
	return false
}

type tokenInfoWire struct {
	Data struct {
		IsValid             bool            `json:"is_valid"`
		Type                string          `json:"type"`
		AppID               string          `json:"app_id"`
		Application         string          `json:"application"`
		UserID              string          `json:"user_id"`
		ProfileID           string          `json:"profile_id"`
		Scopes              []string        `json:"scopes"`
		GranularScopes      []GranularScope `json:"granular_scopes"`
		IssuedAt            int64           `json:"issued_at"`
		ExpiresAt           int64           `json:"expires_at"`
		DataAccessExpiresAt int64           `json:"data_access_expires_at"`
		Error               *TokenError     `json:"error"`
	} `json:"data"`
}

func unix(s int64) time.Time {
	if s <= 0 {
		return time.Time{}
	}
	return time.Unix(s, 0).UTC()
}

// DebugToken inspects input with GET debug_token (call it with an app token,
// see [AppToken], or with a token of the same app). Meta requires input in
// the query; it never appears in errors or logs. An invalid token is not an
// error: check [TokenInfo.Valid].
func (c *Client) DebugToken(ctx context.Context, input secret.Value) (*TokenInfo, error) {
	if input.IsZero() {
		return nil, errors.New("meta: debug token: input token: empty")
	}
	var w tokenInfoWire
	if _, err := c.Get(ctx, "debug_token", url.Values{"input_token": {input.Reveal()}}, &w); err != nil {
		return nil, err
	}
	d := w.Data
	return &TokenInfo{
		Valid: d.IsValid, Type: d.Type, AppID: d.AppID, Application: d.Application,
		UserID: d.UserID, ProfileID: d.ProfileID, Scopes: d.Scopes, GranularScopes: d.GranularScopes,
		IssuedAt: unix(d.IssuedAt), ExpiresAt: unix(d.ExpiresAt), DataAccessExpiresAt: unix(d.DataAccessExpiresAt),
		Error: d.Error,
	}, nil
}

// PageToken is a Facebook Page the user manages, with its Page access token.
type PageToken struct {
	ID          string       `json:"id"`
	Name        string       `json:"name"`
	Category    string       `json:"category,omitempty"`
	AccessToken secret.Value `json:"access_token"`
	// Tasks are the user's roles on the Page ("MANAGE", "MESSAGING"…).
	Tasks []string `json:"tasks,omitempty"`
}

// pageTokenFields are the fields PageTokens asks for.
const pageTokenFields = "id,name,category,access_token,tasks"

// PageTokens iterates over the Pages of the client's user token (GET
// me/accounts), following cursors. Page tokens obtained from a long-lived
// user token do not expire.
func (c *Client) PageTokens(ctx context.Context) iter.Seq2[PageToken, error] {
	return All[PageToken](ctx, c, "me/accounts", url.Values{"fields": {pageTokenFields}})
}

// RefreshPolicy says when a long-lived token should be refreshed.
type RefreshPolicy struct {
	// Before is how long before expiry refreshing becomes due.
	Before time.Duration
	// MinAge is how old a token must be before Meta refreshes it.
	MinAge time.Duration
}

// InstagramRefreshPolicy fits Instagram Login's 60-day tokens: refresh when
// fewer than 10 days are left, and never before the token is 24 hours old.
var InstagramRefreshPolicy = RefreshPolicy{Before: 10 * 24 * time.Hour, MinAge: 24 * time.Hour}

// Refresh is the verdict of [RefreshDue].
type Refresh struct {
	// Due is true when the token should be refreshed now.
	Due bool
	// At is when refreshing becomes due (the later of ExpiresAt-Before and
	// IssuedAt+MinAge).
	At time.Time
	// Expired is true when the token has expired: it cannot be refreshed
	// and the user must log in again.
	Expired bool
}

// RefreshDue says whether a token issued at issuedAt and expiring at
// expiresAt must be refreshed at now under p. A zero expiresAt (a token that
// never expires) is never due.
func RefreshDue(issuedAt, expiresAt, now time.Time, p RefreshPolicy) Refresh {
	if expiresAt.IsZero() {
		return Refresh{}
	}
	at := expiresAt.Add(-p.Before)
	if !issuedAt.IsZero() {
		at = later(at, issuedAt.Add(p.MinAge))
	}
	if !now.Before(expiresAt) {
		return Refresh{At: at, Expired: true}
	}
	return Refresh{Due: !now.Before(at), At: at}
}

// MarshalJSON keeps AccessToken printable without revealing the token.
func (t AccessToken) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Token     secret.Value `json:"access_token"`
		TokenType string       `json:"token_type,omitempty"`
		ExpiresAt time.Time    `json:"expires_at,omitzero"`
	}{t.Token, t.TokenType, t.ExpiresAt})
}

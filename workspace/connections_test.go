package workspace_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/meta"
	"github.com/botsync/botsync/meta/metatest"
	"github.com/botsync/botsync/secret"
	"github.com/botsync/botsync/workspace"
	"github.com/botsync/botsync/workspace/memstore"
	"github.com/botsync/botsync/workspace/workspacetest"
)

// The meta client is the production TokenDebugger.
var _ workspace.TokenDebugger = (*meta.Client)(nil)

// TestDeauthorizeCallback drives Meta's deauthorize callback over HTTP: a
// signed request naming the person disconnects their connections.
func TestDeauthorizeCallback(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var revoked []string
	e := workspacetest.NewEnv(t, memstore.New(), workspace.WithTokenRevoker(func(_ context.Context, c workspace.Connection, tok secret.Value) error {
		revoked = append(revoked, c.ExternalID+"="+tok.Reveal())
		return nil
	}))
	_, w := e.SignUp(t, "owner@example.com", "Shop")
	p, _ := e.Login(t, "owner@example.com", workspacetest.UserIP, "")
	_, _, tok := e.Enroll(t, p)
	p, err := e.Svc.Authenticate(ctx, tok, workspacetest.UserIP)
	require.NoError(t, err)
	_, err = e.Svc.Connect(ctx, p, w.ID, workspace.ConnectRequest{Kind: workspace.ChannelFacebookPage, ExternalID: "3001",
		MetaUserID: "1234567890", Token: secret.New("EAAG-page")})
	require.NoError(t, err)

	appSecret := []byte("app-secret-for-the-test")
	srv := httptest.NewServer(meta.DeauthorizeHandler(appSecret, e.Svc.Deauthorize))
	t.Cleanup(srv.Close)
	post := func(sr string) int {
		resp, err := http.PostForm(srv.URL, url.Values{"signed_request": {sr}})
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	forged := metatest.SignedRequest([]byte("not the secret"), map[string]any{"algorithm": "HMAC-SHA256", "issued_at": time.Now().Unix(), "user_id": "1234567890"})
	assert.Equal(t, http.StatusBadRequest, post(forged))
	_, err = e.Svc.Route(ctx, workspace.ChannelFacebookPage, "3001")
	require.NoError(t, err, "a forged callback changes nothing")

	good := metatest.SignedRequest(appSecret, map[string]any{"algorithm": "HMAC-SHA256", "issued_at": time.Now().Unix(), "user_id": "1234567890"})
	assert.Equal(t, http.StatusOK, post(good))
	_, err = e.Svc.Route(ctx, workspace.ChannelFacebookPage, "3001")
	require.ErrorIs(t, err, workspace.ErrNotFound)
	assert.True(t, e.HasAudit(t, w.ID, "channel.disconnect", ""))
	assert.Equal(t, []string{"3001=EAAG-page"}, revoked, "the token is revoked at Meta before it is deleted")
}

type pauser struct {
	mu     sync.Mutex
	paused bool
}

func (p *pauser) Paused(string, workspace.Pause) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.paused
}

func (p *pauser) set(v bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.paused = v
}

// TestGateConcurrent submits from several goroutines while the switch
// flips: every event is processed exactly once, and per workspace in the
// order each submitter sent them.
func TestGateConcurrent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var (
		mu   sync.Mutex
		seen = map[string][]int{}
	)
	pz := &pauser{}
	g := workspace.NewGate(pz, workspace.PauseWebhooks, func(_ context.Context, ws string, ev int) error {
		mu.Lock()
		defer mu.Unlock()
		seen[ws] = append(seen[ws], ev)
		return nil
	})
	var wg sync.WaitGroup
	for _, ws := range []string{"ws_a", "ws_b", "ws_c"} {
		wg.Go(func() {
			for i := range 200 {
				if i%50 == 0 {
					pz.set(i%100 == 0)
				}
				_, err := g.Submit(ctx, ws, i)
				assert.NoError(t, err)
			}
		})
	}
	wg.Wait()
	pz.set(false)
	for _, ws := range []string{"ws_a", "ws_b", "ws_c"} {
		_, err := g.Resume(ctx, ws)
		require.NoError(t, err)
		assert.Zero(t, g.Held(ws))
		require.Len(t, seen[ws], 200, ws)
		for i, ev := range seen[ws] {
			assert.Equal(t, i, ev, "%s in order", ws)
		}
	}
}

// TestGateResumeError keeps a failed event first in line.
func TestGateResumeError(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pz := &pauser{paused: true}
	fail := true
	var got []string
	g := workspace.NewGate(pz, workspace.PauseWebhooks, func(_ context.Context, _ string, ev string) error {
		if ev == "b" && fail {
			return assert.AnError
		}
		got = append(got, ev)
		return nil
	})
	for _, ev := range []string{"a", "b", "c"} {
		held, err := g.Submit(ctx, "ws", ev)
		require.NoError(t, err)
		require.True(t, held)
	}
	pz.set(false)
	n, err := g.Resume(ctx, "ws")
	require.ErrorIs(t, err, assert.AnError)
	assert.Equal(t, 1, n)
	assert.Equal(t, 2, g.Held("ws"))
	fail = false
	n, err = g.Resume(ctx, "ws")
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	assert.Equal(t, "a,b,c", strings.Join(got, ","))
}

func TestSessionCookieRoundTrip(t *testing.T) {
	t.Parallel()
	tok := secret.New("nds_example")
	rec := httptest.NewRecorder()
	http.SetCookie(rec, workspace.SessionCookie(tok, time.Date(2026, 3, 2, 21, 0, 0, 0, time.UTC)))
	h := rec.Header().Get("Set-Cookie")
	for _, want := range []string{"nexusdesk_session=nds_example", "Path=/", "HttpOnly", "Secure", "SameSite=Lax", "Expires="} {
		assert.Contains(t, h, want)
	}
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Cookie", "nexusdesk_session=nds_example")
	got, ok := workspace.SessionToken(r)
	require.True(t, ok)
	assert.True(t, got.Equal(tok))
	_, ok = workspace.SessionToken(httptest.NewRequest(http.MethodGet, "/", nil))
	assert.False(t, ok)
	assert.Contains(t, workspace.ClearSessionCookie().String(), "Max-Age=0")
}

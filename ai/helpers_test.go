package ai_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/ai"
	"github.com/botsync/botsync/ai/aitest"
	"github.com/botsync/botsync/secret"
)

const fakeURL = "http://aitest.local/v1"

// newProvider returns a provider talking to srv through the in-memory
// transport (usable inside synctest bubbles).
func newProvider(t testing.TB, srv *aitest.Server, name string, kind ai.Kind, opts ...ai.Option) *ai.Provider {
	t.Helper()
	opts = append([]ai.Option{ai.WithBaseURL(fakeURL), ai.WithTransport(srv.Transport())}, opts...)
	p, err := ai.NewProvider(name, kind, secret.New("sk-test-"+name), opts...)
	require.NoError(t, err)
	return p
}

func newRouter(t testing.TB, now func() time.Time, ps ...*ai.Provider) *ai.Router {
	t.Helper()
	var opts []ai.RouterOption
	if now != nil {
		opts = append(opts, ai.WithRouterClock(now))
	}
	r, err := ai.NewRouter(ps, opts...)
	require.NoError(t, err)
	return r
}

func decodeBody(t testing.TB, r aitest.Request) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(r.Body, &m))
	return m
}

func userMsg(s string) []ai.Message { return []ai.Message{{Role: ai.RoleUser, Content: s}} }

// fakeClock is a manually advanced clock.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func newClock() *fakeClock { return &fakeClock{t: time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)} }

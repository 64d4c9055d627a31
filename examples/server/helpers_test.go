package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
)

// testApp is an embedded sandbox app behind an httptest server.
type testApp struct {
	*App
	srv *httptest.Server
}

func newTestApp(t testing.TB, mut ...func(*Config)) *testApp {
	t.Helper()
	return newTestAppLog(t, slog.New(slog.DiscardHandler), mut...)
}

// newTestAppLog is newTestApp logging to log.
func newTestAppLog(t testing.TB, log *slog.Logger, mut ...func(*Config)) *testApp {
	t.Helper()
	cfg, err := LoadConfig(func(string) string { return "" })
	require.NoError(t, err)
	cfg.FastPasswords = true
	for _, m := range mut {
		m(&cfg)
	}
	app, err := NewApp(context.Background(), cfg, log)
	require.NoError(t, err)
	t.Cleanup(app.Close)
	if len(app.stores.pools) > 0 && app.hub.echoes { // realtime events travel through PostgreSQL
		ctx, cancel := context.WithCancel(context.Background())
		t.Cleanup(cancel)
		ready := make(chan struct{})
		go app.listen(ctx, app.stores.pools[0], ready)
		<-ready
	}
	srv := httptest.NewServer(app.Handler())
	t.Cleanup(srv.Close)
	return &testApp{App: app, srv: srv}
}

// drain processes every queued webhook.
func (ta *testApp) drain(t testing.TB) {
	t.Helper()
	_, err := ta.queue.RunOnce(context.Background())
	require.NoError(t, err)
}

// do sends a JSON request with optional headers and decodes the answer
// into out (when not nil); it returns the status.
func (ta *testApp) do(t *testing.T, method, path string, body any, out any, hdr ...string) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(t, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, ta.srv.URL+path, rd)
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := ta.srv.Client().Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	if out != nil && len(b) > 0 {
		require.NoError(t, json.Unmarshal(b, out), string(b))
	}
	return res.StatusCode
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

// seedForBench seeds the demo workspace into an app started without it.
func (ta *testApp) seedForBench(tb testing.TB) {
	tb.Helper()
	require.NoError(tb, ta.seed(context.Background()))
}

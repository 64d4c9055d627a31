package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoadConfig(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "meta_secret")
	require.NoError(t, os.WriteFile(file, []byte("s3cr3t-from-file\n"), 0o600))
	empty := filepath.Join(dir, "empty")
	require.NoError(t, os.WriteFile(empty, nil, 0o600))
	long := strings.Repeat("k", 32)

	c, err := LoadConfig(env(nil))
	require.NoError(t, err)
	require.True(t, c.Sandbox)
	require.True(t, c.Seed)
	require.Equal(t, "127.0.0.1:8080", c.Addr)

	c, err = LoadConfig(env(map[string]string{"META_APP_SECRET_FILE": file}))
	require.NoError(t, err)
	require.Equal(t, "s3cr3t-from-file", c.MetaAppSecret.Reveal())

	for name, tc := range map[string]struct {
		env   map[string]string
		field string
	}{
		"both value and file":        {map[string]string{"META_APP_SECRET": "x", "META_APP_SECRET_FILE": file}, "META_APP_SECRET"},
		"missing file":               {map[string]string{"OPENAI_API_KEY_FILE": filepath.Join(dir, "nope")}, "OPENAI_API_KEY_FILE"},
		"empty file":                 {map[string]string{"RAZORPAY_KEY_SECRET_FILE": empty}, "RAZORPAY_KEY_SECRET_FILE"},
		"database without secret":    {map[string]string{"DATABASE_URL": "postgres://x"}, "BOTSYNC_ENCRYPTION_SECRET"},
		"database without meta":      {map[string]string{"DATABASE_URL": "postgres://x", "BOTSYNC_ENCRYPTION_SECRET": long}, "META_APP_SECRET"},
		"database without verify":    {map[string]string{"DATABASE_URL": "postgres://x", "BOTSYNC_ENCRYPTION_SECRET": long, "META_APP_SECRET": "m"}, "META_VERIFY_TOKEN"},
		"razorpay id without secret": {map[string]string{"DATABASE_URL": "postgres://x", "BOTSYNC_ENCRYPTION_SECRET": long, "META_APP_SECRET": "m", "META_VERIFY_TOKEN": "v", "RAZORPAY_KEY_ID": "rzp"}, "RAZORPAY_KEY_SECRET"},
		"bad bool":                   {map[string]string{"BOTSYNC_SANDBOX": "maybe"}, "BOTSYNC_SANDBOX"},
		"bad networks":               {map[string]string{"ADMIN_NETWORKS": "everywhere"}, "ADMIN_NETWORKS"},
		"small body cap":             {map[string]string{"MAX_BODY_BYTES": "10"}, "MAX_BODY_BYTES"},
	} {
		_, err := LoadConfig(env(tc.env))
		require.Error(t, err, name)
		require.Contains(t, err.Error(), tc.field, name)
		for _, v := range tc.env {
			if len(v) > 3 && !strings.Contains(v, "/") {
				require.NotContains(t, err.Error(), v, "%s: no secret value in errors", name)
			}
		}
	}
	c, err = LoadConfig(env(map[string]string{"DATABASE_URL": "postgres://x", "BOTSYNC_ENCRYPTION_SECRET": long, "META_APP_SECRET": "m", "META_VERIFY_TOKEN": "v"}))
	require.NoError(t, err)
	require.False(t, c.Sandbox)
	require.False(t, c.Seed)
}

// TestRunServesAndShutsDown runs the real entry point: it prints the
// sandbox URL and a curl example, serves, and stops on cancel.
func TestRunServesAndShutsDown(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	var out bytes.Buffer
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, slog.New(slog.DiscardHandler), env(map[string]string{"ADDR": "127.0.0.1:0", "BOTSYNC_TEST_FAST_PASSWORDS": "1"}), pw, nil)
		pw.Close()
	}()
	buf := make([]byte, 4096)
	for !strings.Contains(out.String(), "/leads") {
		n, err := pr.Read(buf)
		require.NoError(t, err)
		out.Write(buf[:n])
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	s := out.String()
	url := regexp.MustCompile(`running at (http://\S+)`).FindStringSubmatch(s)
	require.Len(t, url, 2, s)
	require.Contains(t, s, "/sandbox")
	curl := regexp.MustCompile(`curl -H 'Authorization: Bearer (\S+)' (\S+)`).FindStringSubmatch(s)
	require.Len(t, curl, 3, s)
	req, err := http.NewRequest("GET", curl[2], nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+curl[1])
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode, "the printed curl example works")
	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(30 * time.Second):
		t.Fatal("no graceful shutdown")
	}
	require.Error(t, run(context.Background(), slog.New(slog.DiscardHandler), env(nil), io.Discard, []string{"bogus"}))
}

package main

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/privacy"
	"github.com/botsync/botsync/secret"
	"github.com/botsync/botsync/vault"
)

// Values sealed with version 1 move to version 2 once it is promoted and
// the rewrap task runs: in batches (more values than one batch), with the
// cursor cleared at the end, and still readable.
func TestRewrapTaskMovesValuesToActiveVersion(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		cfg  func(*Config)
	}{
		{"embedded", func(*Config) {}},
		{"postgres", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := tc.cfg
			if cfg == nil {
				cfg = postgresConfig(t)
			}
			ta := newTestApp(t, cfg, func(c *Config) { c.Seed = false })
			ctx := context.Background()
			const n = rewrapBatch + 17
			for i := range n {
				ref := vault.Ref{WorkspaceID: "ws_rewrap", Kind: "test", RecordID: fmt.Sprintf("r%03d", i), Field: "token"}
				_, err := ta.vault.Put(ctx, ref, secret.New(fmt.Sprintf("value-%d", i)))
				require.NoError(t, err)
			}
			counts, err := ta.vault.VersionCounts(ctx)
			require.NoError(t, err)
			require.Equal(t, map[uint32]int{1: n}, counts)

			kr := ta.vault.Keyring()
			v, err := kr.AddVersion()
			require.NoError(t, err)
			require.Equal(t, uint32(2), v)
			require.NoError(t, kr.Promote(2))

			require.NoError(t, ta.runTask(ctx, "rewrap"))
			counts, err = ta.vault.VersionCounts(ctx)
			require.NoError(t, err)
			require.Equal(t, map[uint32]int{2: n}, counts)
			cur, err := ta.stores.privacy.(privacy.CursorStore).SweepCursor(ctx, rewrapCursorSink, rewrapCursorKey)
			require.NoError(t, err)
			require.Empty(t, cur, "a finished run clears its cursor")

			got, err := ta.vault.Get(ctx, vault.Ref{WorkspaceID: "ws_rewrap", Kind: "test", RecordID: "r007", Field: "token"})
			require.NoError(t, err)
			require.Equal(t, "value-7", got.Reveal())
			require.NoError(t, ta.runTask(ctx, "rewrap"), "nothing left to move")
		})
	}
}

// A run cut short resumes from its saved cursor.
func TestRewrapTaskResumesFromSavedCursor(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, func(c *Config) { c.Seed = false })
	ctx := context.Background()
	for i := range 5 {
		_, err := ta.vault.Put(ctx, vault.Ref{WorkspaceID: "ws_rewrap", Kind: "test", RecordID: fmt.Sprintf("r%d", i), Field: "token"}, secret.New("v"))
		require.NoError(t, err)
	}
	kr := ta.vault.Keyring()
	_, err := kr.AddVersion()
	require.NoError(t, err)
	require.NoError(t, kr.Promote(2))
	// A previous run stopped after the first batch of two.
	res, err := ta.vault.Rewrap(ctx, vault.RewrapOptions{BatchSize: 2, MaxBatches: 1})
	require.NoError(t, err)
	require.False(t, res.Done)
	require.NoError(t, ta.stores.privacy.(privacy.CursorStore).SaveSweepCursor(ctx, rewrapCursorSink, rewrapCursorKey, res.Cursor))
	// The task finishes the other three from the saved cursor.
	require.NoError(t, ta.runTask(ctx, "rewrap"))
	counts, err := ta.vault.VersionCounts(ctx)
	require.NoError(t, err)
	require.Equal(t, map[uint32]int{2: 5}, counts)
}

func TestConfigEncryptionKeyVersion(t *testing.T) {
	t.Parallel()
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == "BOTSYNC_ENCRYPTION_KEY_VERSION" {
				return v
			}
			return ""
		}
	}
	c, err := LoadConfig(env(""))
	require.NoError(t, err)
	require.Equal(t, uint32(1), c.EncryptionKeyVersion)
	c, err = LoadConfig(env("3"))
	require.NoError(t, err)
	require.Equal(t, uint32(3), c.EncryptionKeyVersion)
	for _, bad := range []string{"0", "x", "-1", "1001"} {
		_, err = LoadConfig(env(bad))
		require.ErrorContains(t, err, "BOTSYNC_ENCRYPTION_KEY_VERSION", bad)
	}
}

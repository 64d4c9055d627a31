package main

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/privacy"
)

// Raw webhook payloads older than a year are swept; a legal hold on the
// category keeps them.
func TestRetentionSweepsOldPayloads(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, postgresConfig(t), func(c *Config) { c.Seed = false })
	ctx := context.Background()
	now := time.Now()
	st := ta.queue.Store()
	_, _, err := st.Put(ctx, "meta", "old", []byte("{}"), now.AddDate(-2, 0, 0))
	require.NoError(t, err)
	_, _, err = st.Put(ctx, "meta", "new", []byte("{}"), now.AddDate(0, -1, 0))
	require.NoError(t, err)

	h, err := ta.privacy.holds.Place(ctx, privacy.Hold{ID: "hold_test", WorkspaceID: "_platform", Category: privacy.CategoryWebhookPayloads, Reason: "audit", CreatedBy: "test"})
	require.NoError(t, err)
	n, err := ta.retention.sweep(ctx)
	require.NoError(t, err)
	require.Zero(t, n, "held")

	require.NoError(t, ta.privacy.holds.Release(ctx, "_platform", h.ID, "test"))
	n, err = ta.retention.sweep(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	_, inserted, err := st.Put(ctx, "meta", "new", []byte("{}"), now)
	require.NoError(t, err)
	require.False(t, inserted, "the recent payload is kept")
}

package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/crm"
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

// A lead inactive for more than three years is deleted, a held one
// survives, and audit entries older than a year are pruned (the chain
// still verifies from its checkpoint).
func TestRetentionSweepsInactiveLeadsAndOldAudit(t *testing.T) {
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
			retentionJourney(t, newTestApp(t, cfg, func(c *Config) { c.Sandbox, c.Seed = true, true }))
		})
	}
}

func retentionJourney(t *testing.T, ta *testApp) {
	ctx := context.Background()
	// A workspace of its own, so that its oldest audit entries are the
	// old ones.
	demo, err := ta.ws.Store().Workspace(ctx, ta.sandbox.demoWS)
	require.NoError(t, err)
	w := demo
	w.ID, w.Name = "ws_retention", "Retention"
	require.NoError(t, ta.ws.Store().CreateWorkspace(ctx, w))
	ws := w.ID
	ta.known.add(ws)

	ta.skew.Store(int64(-4 * 365 * 24 * time.Hour))
	for i := range 3 {
		_, err := ta.audit.Record(ctx, privacy.AuditEntry{WorkspaceID: ws, Actor: "system", Action: "test.old", Target: fmt.Sprint("n:", i)})
		require.NoError(t, err)
	}
	expired, _, err := ta.crm.FindOrCreate(ctx, ws, crm.Contact{Name: "Old", Identities: []crm.Identity{{Kind: crm.KindPhone, Value: "+919800000001"}}})
	require.NoError(t, err)
	held, _, err := ta.crm.FindOrCreate(ctx, ws, crm.Contact{Name: "Held", Identities: []crm.Identity{{Kind: crm.KindPhone, Value: "+919800000002"}}})
	require.NoError(t, err)
	ta.skew.Store(0)
	recent, _, err := ta.crm.FindOrCreate(ctx, ws, crm.Contact{Name: "New", Identities: []crm.Identity{{Kind: crm.KindPhone, Value: "+919800000003"}}})
	require.NoError(t, err)
	_, err = ta.privacy.holds.Place(ctx, privacy.Hold{ID: "hold_lead", WorkspaceID: ws, Subject: held.ID, Category: privacy.CategoryLeadConversation, Reason: "dispute", CreatedBy: "test"})
	require.NoError(t, err)
	before, err := ta.audit.Verify(ctx, ws, nil)
	require.NoError(t, err)

	n, err := ta.retention.sweep(ctx)
	require.NoError(t, err)
	require.Equal(t, 4, n, "one lead and three audit entries")

	_, err = ta.crm.Lead(ctx, ws, expired.ID)
	require.ErrorIs(t, err, crm.ErrNotFound, "the inactive lead is purged")
	_, err = ta.crm.Lead(ctx, ws, held.ID)
	require.NoError(t, err, "the held lead survives")
	_, err = ta.crm.Lead(ctx, ws, recent.ID)
	require.NoError(t, err, "the active lead stays")
	after, err := ta.audit.Verify(ctx, ws, nil)
	require.NoError(t, err)
	require.Equal(t, before-3, after, "the old audit entries are pruned")

	n, err = ta.retention.sweep(ctx)
	require.NoError(t, err)
	require.Zero(t, n, "a second sweep deletes nothing")
}

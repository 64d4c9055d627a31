package privacy_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/privacy"
	"github.com/botsync/botsync/privacy/memstore"
	"github.com/botsync/botsync/privacy/privacytest"
)

func TestSweeperClosedWorkspaces(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := memstore.New()
	now := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	leads := privacytest.NewMemorySink("crm", privacy.CategoryLeadConversation)
	for _, ws := range []string{"closed-long-ago", "closed-recently", "open"} {
		for n := range 3 {
			leads.Add(ws, privacytest.Person(ws, n), privacy.CategoryLeadConversation, now.AddDate(0, -2, 0), "lead")
		}
	}
	// A hold on one subject of the long-closed workspace keeps that lead.
	require.NoError(t, st.PutHold(ctx, privacy.Hold{ID: "h", WorkspaceID: "closed-long-ago", Subject: "subject-1", Reason: "court order"}))
	compiled, err := privacy.Compile(privacy.SeedPolicy, privacy.GDPRProfile)
	require.NoError(t, err)
	sw := &privacy.Sweeper{Policy: compiled, Sinks: []privacy.Sink{leads}, Holds: st, Cursors: st, Log: st, Batch: 2,
		Now: func() time.Time { return now },
		Closed: func(context.Context) ([]privacy.ClosedWorkspace, error) {
			return []privacy.ClosedWorkspace{
				{ID: "closed-recently", ClosedAt: now.AddDate(0, 0, -10)},
				{ID: "closed-long-ago", ClosedAt: now.AddDate(0, 0, -31)},
			}, nil
		}}
	recs, err := sw.Run(ctx, 0)
	require.NoError(t, err)
	require.Len(t, recs, 1, "only the workspace closed more than 30 days ago is swept")
	assert.Equal(t, "closed-long-ago", recs[0].WorkspaceID)
	assert.Equal(t, "leads-after-closure-30d", recs[0].Rule)
	assert.Equal(t, 2, recs[0].Deleted)
	assert.True(t, recs[0].Done)
	assert.Equal(t, 1, leads.Len("closed-long-ago"), "the held lead survives")
	assert.Equal(t, 3, leads.Len("closed-recently"))
	assert.Equal(t, 3, leads.Len("open"), "a closure rule never touches an open workspace")

	logged, err := st.RecentSweeps(ctx, 10)
	require.NoError(t, err)
	require.Len(t, logged, 1)
	assert.Equal(t, recs[0], logged[0], "the run's receipt is saved")

	again, err := sw.Run(ctx, 0)
	require.NoError(t, err)
	require.Len(t, again, 1)
	assert.Zero(t, again[0].Deleted, "idempotent")

	sw.Closed = func(context.Context) ([]privacy.ClosedWorkspace, error) { return nil, assert.AnError }
	_, err = sw.Run(ctx, 0)
	require.ErrorIs(t, err, assert.AnError)
}

type failingHolds struct{}

func (failingHolds) AllActiveHolds(context.Context) ([]privacy.Hold, error) {
	return nil, assert.AnError
}

func TestSweeperFailsClosedWithoutHolds(t *testing.T) {
	t.Parallel()
	st := memstore.New()
	compiled, err := privacy.Compile(privacy.SeedPolicy, privacy.GDPRProfile)
	require.NoError(t, err)
	logs := privacytest.NewMemorySink("logs", privacy.CategoryWebhookPayloads)
	logs.Add("ws", privacytest.Person("ws", 1), privacy.CategoryWebhookPayloads, time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), "old")
	sw := &privacy.Sweeper{Policy: compiled, Sinks: []privacy.Sink{logs}, Holds: failingHolds{}, Cursors: st}
	_, err = sw.Run(context.Background(), 0)
	require.ErrorIs(t, err, privacy.ErrHeld)
	assert.Equal(t, 1, logs.Len("ws"), "nothing is deleted when holds cannot be read")
}

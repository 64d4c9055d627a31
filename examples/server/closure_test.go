package main

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/ai/knowledge"
	"github.com/botsync/botsync/crm"
	"github.com/botsync/botsync/workspace"
)

func TestClosingWorkspaceClosesWhenItsClockEnds(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	ctx := context.Background()
	ws := ta.sandbox.demoWS
	owner, err := ta.ws.Store().Workspace(ctx, ws)
	require.NoError(t, err)
	w := owner
	w.Status, w.ClosingSince = workspace.StatusClosing, time.Now().Add(-31*24*time.Hour)
	require.NoError(t, ta.ws.Store().UpdateWorkspace(ctx, w))
	require.NoError(t, ta.closeExpired(ctx))
	got, err := ta.ws.Store().Workspace(ctx, ws)
	require.NoError(t, err)
	require.Equal(t, workspace.StatusClosed, got.Status)

	// The retention then deletes the closed workspace's leads and knowledge.
	page, err := ta.crm.Search(ctx, ws, crm.Query{})
	require.NoError(t, err)
	require.NotEmpty(t, page.Leads)
	n, err := ta.retention.sweep(ctx)
	require.NoError(t, err)
	require.Positive(t, n)
	page, err = ta.crm.Search(ctx, ws, crm.Query{})
	require.NoError(t, err)
	require.Empty(t, page.Leads, "the closed workspace's leads are deleted")
	res, err := ta.kb.Search(ctx, ws, "NEET fee", knowledge.SearchOptions{})
	require.NoError(t, err)
	require.Empty(t, res.Hits, "and its knowledge")

	// A workspace whose clock still runs stays closing.
	w = got
	w.Status, w.ClosingSince = workspace.StatusClosing, time.Now().Add(-time.Hour)
	require.NoError(t, ta.ws.Store().UpdateWorkspace(ctx, w))
	require.NoError(t, ta.closeExpired(ctx))
	got, err = ta.ws.Store().Workspace(ctx, ws)
	require.NoError(t, err)
	require.Equal(t, workspace.StatusClosing, got.Status)
}

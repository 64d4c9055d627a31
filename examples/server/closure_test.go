package main

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

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

	// A workspace whose clock still runs stays closing.
	w = got
	w.Status, w.ClosingSince = workspace.StatusClosing, time.Now().Add(-time.Hour)
	require.NoError(t, ta.ws.Store().UpdateWorkspace(ctx, w))
	require.NoError(t, ta.closeExpired(ctx))
	got, err = ta.ws.Store().Workspace(ctx, ws)
	require.NoError(t, err)
	require.Equal(t, workspace.StatusClosing, got.Status)
}

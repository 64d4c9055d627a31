package main

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/workspace"
)

// Two instances on one database: an event published by one reaches the
// SSE subscribers of the other, and a kill switch set on one is honoured
// by the other after its periodic refresh.
func TestTwoInstancesShareEventsAndKillSwitches(t *testing.T) {
	t.Parallel()
	set := postgresConfig(t)
	a := newTestApp(t, set, func(c *Config) { c.Seed = false })
	b := newTestApp(t, set, func(c *Config) { c.Seed = false })
	ctx := context.Background()
	evs, stop := b.hub.Subscribe("ws_shared")
	defer stop()
	a.hub.Publish(Event{Type: "lead.created", Workspace: "ws_shared", LeadID: "l1", At: time.Now()})
	select {
	case ev := <-evs:
		require.Equal(t, "l1", ev.LeadID)
	case <-time.After(10 * time.Second):
		t.Fatal("the event did not reach the other instance")
	}

	p, _ := a.superAdmin(t)
	require.NoError(t, a.ws.SetKillSwitch(ctx, p, workspace.GlobalScope, workspace.PauseSends, "drill"))
	require.NoError(t, b.ws.CheckSend("ws_any"), "not seen before the refresh")
	b.tick(ctx)
	require.ErrorIs(t, b.ws.CheckSend("ws_any"), workspace.ErrPaused)
}

package main

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/crm"
	"github.com/botsync/botsync/whatsapp/broadcast"
	"github.com/botsync/botsync/whatsapp/whatsapptest"
)

// On PostgreSQL a started campaign runs as a River job, and the periodic
// tasks run on River's leader.
func TestRiverRunsCampaignsAndPeriodicTasks(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, postgresConfig(t), func(c *Config) { c.Seed = false })
	ta.seedForBench(t)
	require.NotNil(t, ta.river)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	require.NoError(t, ta.river.Start(ctx))
	defer func() {
		stop, c := context.WithTimeout(context.Background(), 10*time.Second)
		defer c()
		require.NoError(t, ta.river.StopAndCancel(stop))
	}()

	api := "/api/v1/workspaces/" + ta.sandbox.demoWS
	key := []string{"Authorization", "Bearer " + ta.sandbox.demoKey.Reveal()}
	var leads Page[crm.Lead]
	require.Equal(t, http.StatusOK, ta.do(t, "GET", api+"/leads", nil, &leads, key...))
	for _, l := range leads.Items {
		require.Equal(t, http.StatusOK, ta.do(t, "PATCH", api+"/leads/"+l.ID, map[string]any{"consent": true}, nil, key...))
	}
	var camp broadcast.Campaign
	require.Equal(t, http.StatusCreated, ta.do(t, "POST", api+"/broadcasts", campaignBody{Name: "River run", PhoneNumberID: whatsapptest.PhoneNumberID, Rate: 50,
		Template: broadcast.TemplateSpec{Name: "batch_launch", Language: "en", Body: []broadcast.ParamSpec{{Field: "first_name", Fallback: "there"}, {Fallback: "JEE"}}}}, &camp, key...))
	require.Equal(t, http.StatusOK, ta.do(t, "POST", api+"/broadcasts/"+camp.ID+"/plan", map[string]any{}, nil, key...))
	require.Equal(t, http.StatusOK, ta.do(t, "POST", api+"/broadcasts/"+camp.ID+"/start", nil, nil, key...))
	// A real River worker picks the job up; poll the campaign's state.
	require.Eventually(t, func() bool {
		got, err := ta.broadcasts.Campaign(ctx, ta.sandbox.demoWS, camp.ID)
		return err == nil && got.State == broadcast.State("completed")
	}, 20*time.Second, 50*time.Millisecond)
	require.Len(t, ta.sandbox.wa.Sent(), 3)

	var n int
	require.Eventually(t, func() bool {
		return ta.stores.pools[0].QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'botsync_periodic' AND state = 'completed'`).Scan(&n) == nil && n >= len(tasks)
	}, 20*time.Second, 50*time.Millisecond, "every periodic task ran on start")
}

// Every task the server knows is scheduled.
func TestEveryTaskScheduled(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, func(c *Config) { c.Seed = false })
	names := map[string]bool{}
	for _, task := range tasks {
		names[task.name] = true
		require.NoError(t, ta.runTask(context.Background(), task.name), task.name)
	}
	for _, want := range []string{"due", "campaigns", "tokens", "health", "closures", "retention", "rewrap"} {
		require.True(t, names[want], want)
	}
	require.ErrorContains(t, ta.runTask(context.Background(), "nope"), "unknown periodic task")
}

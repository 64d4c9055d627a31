package main

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/workspace"
)

func TestChannelHealth(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	api := "/api/v1/workspaces/" + ta.sandbox.demoWS
	key := []string{"Authorization", "Bearer " + ta.sandbox.demoKey.Reveal()}
	var chans []ConnectionView
	require.Equal(t, http.StatusOK, ta.do(t, "GET", api+"/channels", nil, &chans, key...))
	require.Len(t, chans, 2)
	for _, c := range chans {
		var h workspace.Health
		require.Equal(t, http.StatusOK, ta.do(t, "POST", api+"/channels/"+c.ID+"/check", nil, &h, key...), c.Kind)
		require.True(t, h.TokenValid, c.Kind)
		require.Empty(t, h.MissingScopes, c.Kind)
		require.Empty(t, h.Problem, c.Kind)
	}
	// A revoked token shows up at the next periodic check.
	ta.sandbox.wa.RevokeToken("sandbox-wa-token")
	require.NoError(t, ta.checkAllHealth(t.Context()))
	require.Equal(t, http.StatusOK, ta.do(t, "GET", api+"/channels", nil, &chans, key...))
	for _, c := range chans {
		if c.Kind == "whatsapp" {
			require.False(t, c.Health.TokenValid)
			require.Contains(t, c.Health.Problem, "reconnect")
		}
	}
}

package privacy_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/privacy"
)

func TestStartPurge(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	type cur struct {
		W string `json:"w"`
		X string `json:"x"`
	}
	list := func(context.Context) ([]string, error) { return []string{"ws-c", "ws-a", "ws-b"}, nil }
	req := privacy.PurgeRequest{Category: privacy.CategoryKnowledge, Limit: 10, Cursor: `{"w":"ws-b","x":"7"}`}

	var c cur
	wss, done, err := privacy.StartPurge(ctx, "sink", req, privacy.CategoryKnowledge, list, &c)
	require.NoError(t, err)
	assert.False(t, done)
	assert.Equal(t, []string{"ws-a", "ws-b", "ws-c"}, wss)
	assert.Equal(t, cur{W: "ws-b", X: "7"}, c)

	one := req
	one.WorkspaceID = "ws-z"
	wss, _, err = privacy.StartPurge(ctx, "sink", one, privacy.CategoryKnowledge, nil, &c)
	require.NoError(t, err)
	assert.Equal(t, []string{"ws-z"}, wss)

	_, done, err = privacy.StartPurge(ctx, "sink", req, privacy.CategoryBilling, list, &c)
	require.NoError(t, err)
	assert.True(t, done, "a category the sink does not hold is done at once")

	for name, tc := range map[string]struct {
		req  privacy.PurgeRequest
		list func(context.Context) ([]string, error)
		want string
	}{
		"limit":      {privacy.PurgeRequest{Category: privacy.CategoryKnowledge}, list, "sink: purge limit must be positive"},
		"no list":    {privacy.PurgeRequest{Category: privacy.CategoryKnowledge, Limit: 1}, nil, "sink: purge needs WithWorkspaces"},
		"bad cursor": {privacy.PurgeRequest{Category: privacy.CategoryKnowledge, Limit: 1, Cursor: "{"}, list, "sink: purge: bad cursor"},
		"list fails": {privacy.PurgeRequest{Category: privacy.CategoryKnowledge, Limit: 1}, func(context.Context) ([]string, error) { return nil, errors.New("down") }, "sink: purge: workspaces: down"},
	} {
		_, _, err := privacy.StartPurge(ctx, "sink", tc.req, privacy.CategoryKnowledge, tc.list, &c)
		require.ErrorContains(t, err, tc.want, name)
	}
}

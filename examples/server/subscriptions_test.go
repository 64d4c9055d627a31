package main

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/billing"
)

func TestSubscriptionThroughTheAPI(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	api := "/api/v1/workspaces/" + ta.sandbox.demoWS
	key := []string{"Authorization", "Bearer " + ta.sandbox.demoKey.Reveal()}
	var e struct {
		Error APIError `json:"error"`
	}
	require.Equal(t, http.StatusBadRequest, ta.do(t, "POST", api+"/billing/subscriptions", map[string]string{"plan": "free"}, &e, key...))
	require.Equal(t, "plan", e.Error.Field)
	var sub map[string]string
	require.Equal(t, http.StatusCreated, ta.do(t, "POST", api+"/billing/subscriptions", map[string]string{"plan": "growth"}, &sub, key...))
	var co map[string]string
	require.Equal(t, http.StatusOK, ta.do(t, "POST", "/sandbox/subscribe", map[string]string{"subscription_id": sub["subscription_id"]}, &co))
	require.Equal(t, http.StatusOK, ta.do(t, "POST", api+"/billing/subscriptions/verify", co, nil, key...))
	co["signature"] = "forged"
	require.Equal(t, http.StatusBadRequest, ta.do(t, "POST", api+"/billing/subscriptions/verify", co, &e, key...))
	ta.drain(t)
	var subs []billing.SubscriptionState
	require.Equal(t, http.StatusOK, ta.do(t, "GET", api+"/billing/subscriptions", nil, &subs, key...))
	require.Len(t, subs, 1)
	require.Equal(t, billing.SubscriptionStatus("active"), subs[0].Status)
	var usage []struct {
		Limit     int64 `json:"limit"`
		Unlimited bool  `json:"unlimited"`
	}
	require.Equal(t, http.StatusOK, ta.do(t, "GET", api+"/billing/usage", nil, &usage, key...))
	require.EqualValues(t, 100_000, usage[0].Limit, "the subscription's plan applies")
	require.True(t, usage[1].Unlimited)
	require.Equal(t, http.StatusNoContent, ta.do(t, "DELETE", api+"/billing/subscriptions/"+subs[0].SubscriptionID, nil, nil, key...))
	require.Equal(t, http.StatusNotFound, ta.do(t, "DELETE", api+"/billing/subscriptions/sub_other", nil, &e, key...))
}

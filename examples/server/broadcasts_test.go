package main

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/crm"
	"github.com/botsync/botsync/whatsapp/broadcast"
	"github.com/botsync/botsync/whatsapp/whatsapptest"
)

func TestBroadcastThroughTheAPI(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	api := "/api/v1/workspaces/" + ta.sandbox.demoWS
	key := []string{"Authorization", "Bearer " + ta.sandbox.demoKey.Reveal()}
	var leads Page[crm.Lead]
	require.Equal(t, http.StatusOK, ta.do(t, "GET", api+"/leads", nil, &leads, key...))
	for i, l := range leads.Items {
		require.Equal(t, http.StatusOK, ta.do(t, "PATCH", api+"/leads/"+l.ID, map[string]any{"consent": i < 2}, nil, key...))
		require.Equal(t, http.StatusOK, ta.do(t, "POST", api+"/leads/"+l.ID+"/tags", map[string]any{"tags": []string{"april"}}, nil, key...))
	}
	var e struct {
		Error APIError `json:"error"`
	}
	require.Equal(t, http.StatusBadRequest, ta.do(t, "POST", api+"/broadcasts", campaignBody{Name: "x", PhoneNumberID: "999"}, &e, key...))
	require.Equal(t, "phone_number_id", e.Error.Field)
	var camp broadcast.Campaign
	require.Equal(t, http.StatusCreated, ta.do(t, "POST", api+"/broadcasts", campaignBody{Name: "April batch", PhoneNumberID: whatsapptest.PhoneNumberID, Rate: 50,
		Template: broadcast.TemplateSpec{Name: "batch_launch", Language: "en", Body: []broadcast.ParamSpec{{Field: "first_name", Fallback: "there"}, {Field: "interest", Fallback: "new"}}}}, &camp, key...))
	var plan broadcast.PlanResult
	require.Equal(t, http.StatusOK, ta.do(t, "POST", api+"/broadcasts/"+camp.ID+"/plan", map[string]any{"tags": []string{"april"}}, &plan, key...))
	require.Equal(t, 2, plan.Sendable)
	require.Equal(t, 1, plan.Skipped["no_marketing_consent"])
	require.Equal(t, http.StatusOK, ta.do(t, "POST", api+"/broadcasts/"+camp.ID+"/start", nil, nil, key...))
	ta.bgWG.Wait() // the run ends when the campaign completes
	var got struct {
		Campaign broadcast.Campaign `json:"campaign"`
		Report   broadcast.Report   `json:"report"`
	}
	require.Equal(t, http.StatusOK, ta.do(t, "GET", api+"/broadcasts/"+camp.ID, nil, &got, key...))
	require.Equal(t, broadcast.State("completed"), got.Campaign.State)
	require.Equal(t, 2, got.Report.Sent)
	require.Len(t, ta.sandbox.wa.Sent(), 2)

	// Delivery statuses arrive as webhooks and settle the recipients.
	body := ta.sandbox.wa.StatusWebhook(ta.sandbox.wa.Statuses(ta.sandbox.wa.Sent()[0], "sent", "delivered")...)
	res, err := ta.srv.Client().Do(ta.sandbox.wa.WebhookRequest(ta.srv.URL+"/webhooks/meta", body))
	require.NoError(t, err)
	res.Body.Close()
	ta.drain(t)
	require.Equal(t, http.StatusOK, ta.do(t, "GET", api+"/broadcasts/"+camp.ID, nil, &got, key...))
	require.Equal(t, 1, got.Report.Delivered)
	require.Equal(t, http.StatusConflict, ta.do(t, "POST", api+"/broadcasts/"+camp.ID+"/pause", map[string]string{}, &e, key...))
	var list []broadcast.Campaign
	require.Equal(t, http.StatusOK, ta.do(t, "GET", api+"/broadcasts?state=completed", nil, &list, key...))
	require.Len(t, list, 1)
}

// A campaign left running (the instance that sent it stopped) is picked
// up by the periodic resume.
func TestRunningCampaignResumes(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	ctx := t.Context()
	ws := ta.sandbox.demoWS
	c, err := ta.broadcasts.Create(ctx, broadcast.Campaign{WorkspaceID: ws, Name: "left running", PhoneNumberID: whatsapptest.PhoneNumberID, Rate: 50,
		Template: broadcast.TemplateSpec{Name: "batch_launch", Language: "en", Body: []broadcast.ParamSpec{{Fallback: "there"}, {Fallback: "JEE"}}}}, "user:test")
	require.NoError(t, err)
	_, err = ta.broadcasts.Plan(ctx, ws, c.ID, broadcast.List{{LeadID: "l1", Phone: "+919876500001", MarketingConsent: true}}, "user:test")
	require.NoError(t, err)
	_, err = ta.broadcasts.Start(ctx, ws, c.ID, "user:test")
	require.NoError(t, err)
	require.Empty(t, ta.sandbox.wa.Sent(), "nobody is sending it")
	ta.tick(ctx)
	ta.bgWG.Wait()
	got, err := ta.broadcasts.Campaign(ctx, ws, c.ID)
	require.NoError(t, err)
	require.Equal(t, broadcast.State("completed"), got.State)
	require.Len(t, ta.sandbox.wa.Sent(), 1)
}

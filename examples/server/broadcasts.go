package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"

	"github.com/botsync/botsync/crm"
	"github.com/botsync/botsync/meta"
	"github.com/botsync/botsync/whatsapp"
	"github.com/botsync/botsync/whatsapp/broadcast"
	"github.com/botsync/botsync/workspace"
)

// routingSender is the broadcast service's Sender: it sends from each
// campaign's phone number with that connection's client, and honours the
// send kill switch.
type routingSender struct {
	a  *App
	mu sync.Mutex
	wa map[string]*whatsapp.Client // phone number id → client
}

// Send implements broadcast.Sender.
func (s *routingSender) Send(ctx context.Context, phoneNumberID string, m whatsapp.Message) (res *whatsapp.SendResult, err error) {
	defer func() { s.a.metrics.send("broadcast", err) }()
	conn, err := s.a.ws.Route(ctx, workspace.ChannelWhatsApp, phoneNumberID)
	if err != nil {
		return nil, err
	}
	if err := s.a.ws.CheckSend(conn.WorkspaceID); err != nil {
		return nil, err
	}
	s.mu.Lock()
	c := s.wa[phoneNumberID]
	s.mu.Unlock()
	if c == nil {
		tok, err := s.a.ws.Token(ctx, conn.WorkspaceID, conn.ID)
		if err != nil {
			return nil, err
		}
		mc, err := s.a.clientFn(workspace.ChannelWhatsApp, tok)
		if err != nil {
			return nil, err
		}
		if c, err = whatsapp.NewClient(mc); err != nil {
			return nil, err
		}
		s.mu.Lock()
		s.wa[phoneNumberID] = c
		s.mu.Unlock()
	}
	return c.Messages.Send(ctx, phoneNumberID, m)
}

// runCampaign sends a running campaign in the background of this
// instance until it completes, pauses or the server stops. One run per
// campaign per instance; several instances may run the same campaign
// (recipients are leased).
func (a *App) runCampaign(ws, id string) {
	if a.river != nil {
		if err := a.enqueueCampaign(a.bgCtx, ws, id); err != nil {
			a.log.Error("queue campaign run", "workspace", ws, "campaign", id, "err", err)
		}
		return
	}
	a.runMu.Lock()
	if a.running[id] {
		a.runMu.Unlock()
		return
	}
	a.running[id] = true
	a.runMu.Unlock()
	a.bgWG.Add(1)
	go func() {
		defer a.bgWG.Done()
		defer func() {
			a.runMu.Lock()
			delete(a.running, id)
			a.runMu.Unlock()
		}()
		if err := a.broadcasts.Run(a.bgCtx, ws, id); err != nil && a.bgCtx.Err() == nil {
			a.log.Error("broadcast run", "workspace", ws, "campaign", id, "err", err)
		}
	}()
}

// resumeCampaigns starts scheduled campaigns that are due and runs the
// running campaigns this instance is not sending (after a restart).
func (a *App) resumeCampaigns(ctx context.Context) error {
	wss, err := a.known.list(ctx)
	if err != nil {
		return err
	}
	for _, ws := range wss {
		if _, err := a.broadcasts.StartDue(ctx, ws); err != nil {
			return err
		}
		cs, err := a.broadcasts.Store().Campaigns(ctx, ws, broadcast.State("running"))
		if err != nil {
			return err
		}
		for _, c := range cs {
			a.runCampaign(ws, c.ID)
		}
	}
	return nil
}

// observeBroadcasts applies WhatsApp status and quality webhooks to the
// campaigns of the workspaces owning the numbers.
func (a *App) observeBroadcasts(ctx context.Context, body []byte) error {
	env, err := meta.DecodeWebhook(body)
	if err != nil || env.Object != "whatsapp_business_account" {
		return nil
	}
	evs, err := whatsapp.Events(env)
	if err != nil {
		return nil
	}
	byWS := map[string][]whatsapp.Event{}
	for _, ev := range evs {
		if ev.Messages == nil || len(ev.Messages.Statuses) == 0 {
			continue
		}
		conn, err := a.ws.Route(ctx, workspace.ChannelWhatsApp, ev.Messages.Metadata.PhoneNumberID)
		if err != nil {
			continue
		}
		byWS[conn.WorkspaceID] = append(byWS[conn.WorkspaceID], ev)
	}
	for ws, evs := range byWS {
		if _, err := a.broadcasts.Observe(ctx, ws, evs); err != nil {
			return fmt.Errorf("broadcast observe: %w", err)
		}
	}
	return nil
}

func broadcastErr(err error) error {
	switch {
	case errors.Is(err, broadcast.ErrNotFound):
		return apiErr(http.StatusNotFound, "not_found", "not found")
	case errors.Is(err, broadcast.ErrState):
		return apiErr(http.StatusConflict, "bad_state", err.Error())
	case errors.Is(err, broadcast.ErrInvalid):
		return apiErr(http.StatusBadRequest, "invalid", err.Error())
	}
	return err
}

type campaignBody struct {
	Name          string                 `json:"name"`
	PhoneNumberID string                 `json:"phone_number_id"`
	Rate          int                    `json:"rate"`
	Template      broadcast.TemplateSpec `json:"template"`
}

func (a *App) broadcastRoutes() []route {
	send := workspace.ActionBroadcastsSend
	actor := func(c *call) broadcast.Actor { return broadcast.Actor("user:" + c.userID()) }
	return []route{
		{Method: "GET", Path: "/workspaces/{ws}/broadcasts", Tag: "broadcasts", Summary: "The workspace's campaigns (?state=running…)", Auth: authWorkspace, Action: workspace.ActionConversationsView, Response: []broadcast.Campaign{},
			Handle: func(c *call) error {
				var states []broadcast.State
				for _, s := range c.r.URL.Query()["state"] {
					states = append(states, broadcast.State(s))
				}
				cs, err := a.broadcasts.Store().Campaigns(c.r.Context(), c.ws, states...)
				if err != nil {
					return broadcastErr(err)
				}
				return c.json(http.StatusOK, nonNil(cs))
			}},
		{Method: "POST", Path: "/workspaces/{ws}/broadcasts", Tag: "broadcasts", Summary: "Create a template campaign from one of the workspace's numbers", Auth: authWorkspace, Action: send,
			Body: campaignBody{Rate: 20, Template: broadcast.TemplateSpec{Name: "batch_launch", Language: "en", Body: []broadcast.ParamSpec{{Field: "first_name", Fallback: "there"}}}}, Response: broadcast.Campaign{},
			Handle: func(c *call) error {
				var b campaignBody
				if err := c.decode(&b); err != nil {
					return err
				}
				conn, err := a.ws.Route(c.r.Context(), workspace.ChannelWhatsApp, b.PhoneNumberID)
				if err != nil || conn.WorkspaceID != c.ws {
					return fieldErr("phone_number_id", "not a number connected to this workspace")
				}
				camp, err := a.broadcasts.Create(c.r.Context(), broadcast.Campaign{WorkspaceID: c.ws, Name: b.Name, PhoneNumberID: b.PhoneNumberID, Rate: b.Rate, Template: b.Template}, actor(c))
				if err != nil {
					return broadcastErr(err)
				}
				return c.json(http.StatusCreated, camp)
			}},
		{Method: "GET", Path: "/workspaces/{ws}/broadcasts/{id}", Tag: "broadcasts", Summary: "A campaign with its counters and cost", Auth: authWorkspace, Action: workspace.ActionConversationsView, Response: map[string]any{"campaign": broadcast.Campaign{}, "report": broadcast.Report{}},
			Handle: func(c *call) error {
				camp, err := a.broadcasts.Campaign(c.r.Context(), c.ws, c.r.PathValue("id"))
				if err != nil {
					return broadcastErr(err)
				}
				rep, err := a.broadcasts.Report(c.r.Context(), c.ws, camp.ID)
				if err != nil {
					return broadcastErr(err)
				}
				return c.json(http.StatusOK, map[string]any{"campaign": camp, "report": rep})
			}},
		{Method: "POST", Path: "/workspaces/{ws}/broadcasts/{id}/plan", Tag: "broadcasts", Summary: "Freeze the audience: a CRM segment (stage, tags); opted-out and unconsented leads are skipped with a reason", Auth: authWorkspace, Action: send,
			Body: map[string]any{"stage": "qualified", "tags": []string{"neet"}}, Response: broadcast.PlanResult{},
			Handle: func(c *call) error {
				var b struct {
					Stage string   `json:"stage"`
					Tags  []string `json:"tags"`
				}
				if err := c.decode(&b); err != nil {
					return err
				}
				plan, err := a.broadcasts.Plan(c.r.Context(), c.ws, c.r.PathValue("id"), broadcast.Segment(a.crm, crm.Query{Stage: b.Stage, Tags: b.Tags}), actor(c))
				if err != nil {
					return broadcastErr(err)
				}
				return c.json(http.StatusOK, plan)
			}},
		{Method: "POST", Path: "/workspaces/{ws}/broadcasts/{id}/start", Tag: "broadcasts", Summary: "Start sending (throttled, resumable)", Auth: authWorkspace, Action: send, Response: broadcast.Campaign{},
			Handle: func(c *call) error {
				camp, err := a.broadcasts.Start(c.r.Context(), c.ws, c.r.PathValue("id"), actor(c))
				if err != nil {
					return broadcastErr(err)
				}
				a.runCampaign(c.ws, camp.ID)
				return c.json(http.StatusOK, camp)
			}},
		{Method: "POST", Path: "/workspaces/{ws}/broadcasts/{id}/pause", Tag: "broadcasts", Summary: "Pause a running campaign", Auth: authWorkspace, Action: send, Body: map[string]string{"reason": ""}, Response: broadcast.Campaign{},
			Handle: func(c *call) error {
				var b struct {
					Reason string `json:"reason"`
				}
				if err := c.decode(&b); err != nil {
					return err
				}
				camp, err := a.broadcasts.Pause(c.r.Context(), c.ws, c.r.PathValue("id"), actor(c), or(b.Reason, "paused by a user"))
				if err != nil {
					return broadcastErr(err)
				}
				return c.json(http.StatusOK, camp)
			}},
		{Method: "POST", Path: "/workspaces/{ws}/broadcasts/{id}/resume", Tag: "broadcasts", Summary: "Resume a paused campaign", Auth: authWorkspace, Action: send, Response: broadcast.Campaign{},
			Handle: func(c *call) error {
				camp, err := a.broadcasts.Resume(c.r.Context(), c.ws, c.r.PathValue("id"), actor(c), "resumed by a user")
				if err != nil {
					return broadcastErr(err)
				}
				a.runCampaign(c.ws, camp.ID)
				return c.json(http.StatusOK, camp)
			}},
	}
}

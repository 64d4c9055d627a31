package main

import (
	"net/http"
	"strconv"

	"github.com/botsync/botsync/ai/knowledge"
	"github.com/botsync/botsync/bot"
	"github.com/botsync/botsync/internal/intake"
	"github.com/botsync/botsync/workspace"
)

func botPaused(reason string) bot.AIState { return bot.AIState{Paused: true, Reason: reason} }

// sourceBody is a knowledge source to ingest.
type sourceBody struct {
	ID       string          `json:"id"`
	Title    string          `json:"title"`
	URL      string          `json:"url,omitempty"`
	Language string          `json:"language,omitempty"`
	Tags     []string        `json:"tags,omitempty"`
	Format   string          `json:"format"` // text, markdown, html, faq, csv
	Content  string          `json:"content,omitempty"`
	FAQ      []knowledge.FAQ `json:"faq,omitempty"`
}

// answerView is a knowledge answer.
type answerView struct {
	Decision  string               `json:"decision"` // answered, no_knowledge, needs_human
	Text      string               `json:"text,omitempty"`
	Reason    string               `json:"reason,omitempty"`
	Citations []knowledge.Citation `json:"citations"`
}

func decisionName(d knowledge.Decision) string {
	switch d {
	case knowledge.Answered:
		return "answered"
	case knowledge.NeedsHuman:
		return "needs_human"
	}
	return "no_knowledge"
}

func (a *App) knowledgeRoutes() []route {
	manage := workspace.ActionAutomationsManage
	return []route{
		{Method: "PUT", Path: "/workspaces/{ws}/knowledge/sources/{id}", Tag: "knowledge", Summary: "Ingest (or replace) a source; unchanged chunks are not embedded again", Auth: authWorkspace, Action: manage, Body: sourceBody{Format: "markdown"}, Response: knowledge.IngestStats{},
			Handle: func(c *call) error {
				var b sourceBody
				if err := c.decode(&b); err != nil {
					return err
				}
				f, err := knowledge.ParseFormat(or(b.Format, "text"))
				if err != nil {
					return fieldErr("format", "want text, markdown, html, faq or csv")
				}
				st, err := a.kb.Ingest(c.r.Context(), c.ws, knowledge.Source{ID: c.r.PathValue("id"), Title: b.Title, URL: b.URL,
					Language: b.Language, Tags: b.Tags, Format: f, Content: b.Content, FAQ: b.FAQ})
				if err != nil {
					return err
				}
				return c.json(http.StatusOK, st)
			}},
		{Method: "DELETE", Path: "/workspaces/{ws}/knowledge/sources/{id}", Tag: "knowledge", Summary: "Delete a source and its chunks", Auth: authWorkspace, Action: manage,
			Handle: func(c *call) error {
				if err := a.kb.Delete(c.r.Context(), c.ws, c.r.PathValue("id")); err != nil {
					return err
				}
				return noContent(c)
			}},
		{Method: "POST", Path: "/workspaces/{ws}/knowledge/ask", Tag: "knowledge", Summary: "Ask the knowledge base: an answer with citations, or no-knowledge / needs-human", Auth: authWorkspace, Action: workspace.ActionConversationsView, Body: map[string]string{"question": "What is the fee for NEET?"}, Response: answerView{},
			Handle: func(c *call) error {
				var b struct {
					Question string `json:"question"`
				}
				if err := c.decode(&b); err != nil {
					return err
				}
				if b.Question == "" {
					return fieldErr("question", "required")
				}
				ans, err := a.kb.Answer(c.r.Context(), c.ws, b.Question, nil)
				if err != nil {
					return err
				}
				return c.json(http.StatusOK, answerView{Decision: decisionName(ans.Decision), Text: ans.Text, Reason: ans.Reason, Citations: nonNil(ans.Citations)})
			}},
		{Method: "GET", Path: "/workspaces/{ws}/rules", Tag: "rules", Summary: "List automation rules in order", Auth: authWorkspace, Action: manage, Response: []bot.Rule{},
			Handle: func(c *call) error {
				rs, err := a.engine.Store().Rules(c.r.Context(), c.ws)
				if err != nil {
					return err
				}
				return c.json(http.StatusOK, nonNil(rs))
			}},
		{Method: "PUT", Path: "/workspaces/{ws}/rules/{id}", Tag: "rules", Summary: "Create or replace a rule (validated; errors name the field)", Auth: authWorkspace, Action: manage,
			Body: bot.Rule{Trigger: bot.Trigger{Type: bot.TriggerKeyword, Keywords: []string{"brochure"}}, Actions: []bot.Action{{Type: bot.ActSendText, Text: "Here it is"}}}, Response: bot.Rule{},
			Handle: func(c *call) error {
				var b bot.Rule
				if err := c.decode(&b); err != nil {
					return err
				}
				b.Workspace, b.ID = c.ws, c.r.PathValue("id")
				if err := a.engine.PutRule(c.r.Context(), b); err != nil {
					return err
				}
				return c.json(http.StatusOK, b)
			}},
		{Method: "DELETE", Path: "/workspaces/{ws}/rules/{id}", Tag: "rules", Summary: "Delete a rule", Auth: authWorkspace, Action: manage,
			Handle: func(c *call) error {
				if err := a.engine.Store().DeleteRule(c.r.Context(), c.ws, c.r.PathValue("id")); err != nil {
					return err
				}
				return noContent(c)
			}},
		{Method: "GET", Path: "/workspaces/{ws}/ai", Tag: "ai", Summary: "AI settings (on/off, channels, quiet period, handoff assignee, away message)", Auth: authWorkspace, Action: workspace.ActionWorkspaceView, Response: AISettings{},
			Handle: func(c *call) error {
				st, err := a.settings.AI(c.r.Context(), c.ws)
				if err != nil {
					return err
				}
				return c.json(http.StatusOK, st)
			}},
		{Method: "PUT", Path: "/workspaces/{ws}/ai", Tag: "ai", Summary: "Replace the AI settings", Auth: authWorkspace, Action: workspace.ActionAutomationsManage, Body: AISettings{Enabled: true, Channels: []bot.Channel{bot.WhatsApp}, QuietMinutes: 30}, Response: AISettings{},
			Handle: func(c *call) error {
				var b AISettings
				if err := c.decode(&b); err != nil {
					return err
				}
				if err := a.settings.SetAI(c.r.Context(), c.ws, b); err != nil {
					return err
				}
				st, err := a.settings.AI(c.r.Context(), c.ws)
				if err != nil {
					return err
				}
				return c.json(http.StatusOK, st)
			}},
	}
}

func (a *App) adminRoutes() []route {
	return []route{
		{Method: "GET", Path: "/admin/dead-letters", Tag: "admin", Summary: "Super-admin: webhook deliveries that failed every retry (?cursor, limit)", Auth: authUser, Response: Page[intake.Job]{},
			Handle: func(c *call) error {
				if !c.p.SuperAdmin() {
					return workspace.ErrForbidden
				}
				return a.listDead(c)
			}},
		{Method: "POST", Path: "/admin/dead-letters/{id}/replay", Tag: "admin", Summary: "Super-admin: queue a dead delivery again", Auth: authUser,
			Handle: func(c *call) error {
				if !c.p.SuperAdmin() {
					return workspace.ErrForbidden
				}
				id, err := strconv.ParseInt(c.r.PathValue("id"), 10, 64)
				if err != nil {
					return fieldErr("id", "want an integer")
				}
				if err := a.queue.Replay(c.r.Context(), id); err != nil {
					return err
				}
				return c.json(http.StatusAccepted, map[string]int64{"id": id})
			}},
		{Method: "GET", Path: "/admin/kill-switches", Tag: "admin", Summary: "Every kill switch (platform and workspaces)", Auth: authUser, Response: []workspace.KillSwitch{},
			Handle: func(c *call) error {
				if !c.p.SuperAdmin() {
					return workspace.ErrForbidden
				}
				ks, err := a.ws.KillSwitches(c.r.Context())
				if err != nil {
					return err
				}
				return c.json(http.StatusOK, nonNil(ks))
			}},
		{Method: "PUT", Path: "/workspaces/{ws}/kill-switch", Tag: "admin", Summary: "Pause sends, webhook processing and/or AI for the workspace (webhooks wait and run in order on resume)", Auth: authWorkspace, Action: workspace.ActionKillSwitchManage,
			Body: map[string]any{"sends": false, "webhooks": true, "ai": false, "reason": "incident"},
			Handle: func(c *call) error {
				var b struct {
					Sends    bool   `json:"sends"`
					Webhooks bool   `json:"webhooks"`
					AI       bool   `json:"ai"`
					Reason   string `json:"reason"`
					Global   bool   `json:"global"`
				}
				if err := c.decode(&b); err != nil {
					return err
				}
				var p workspace.Pause
				if b.Sends {
					p |= workspace.PauseSends
				}
				if b.Webhooks {
					p |= workspace.PauseWebhooks
				}
				if b.AI {
					p |= workspace.PauseAI
				}
				scope := c.ws
				if b.Global {
					scope = workspace.GlobalScope
				}
				if err := a.ws.SetKillSwitch(c.r.Context(), c.p, scope, p, b.Reason); err != nil {
					return err
				}
				a.queue.Wake()
				return noContent(c)
			}},
		{Method: "POST", Path: "/admin/impersonate", Tag: "admin", Summary: "Super-admin: act as a user in a workspace (bound to the admin session, audited)", Auth: authUser,
			Body: map[string]string{"user_id": "", "workspace_id": "", "reason": ""}, Response: sessionAnswer{},
			Handle: func(c *call) error {
				var b struct {
					UserID      string `json:"user_id"`
					WorkspaceID string `json:"workspace_id"`
					Reason      string `json:"reason"`
				}
				if err := c.decode(&b); err != nil {
					return err
				}
				s, tok, err := a.ws.Impersonate(c.r.Context(), c.p, b.UserID, b.WorkspaceID, b.Reason)
				if err != nil {
					return err
				}
				return c.json(http.StatusOK, sessionAnswer{Token: tok.Reveal(), Session: sessionView(s)})
			}},
	}
}

func (a *App) listDead(c *call) error {
	n, err := c.limit()
	if err != nil {
		return err
	}
	after := int64(0)
	if s := c.r.URL.Query().Get("cursor"); s != "" {
		if after, err = strconv.ParseInt(s, 10, 64); err != nil {
			return fieldErr("cursor", "invalid cursor")
		}
	}
	jobs, err := a.queue.Store().Dead(c.r.Context(), after, n+1)
	if err != nil {
		return err
	}
	next := ""
	if len(jobs) > n {
		jobs = jobs[:n]
		next = strconv.FormatInt(jobs[n-1].ID, 10)
	}
	return c.json(http.StatusOK, page(jobs, next))
}

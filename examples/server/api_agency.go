package main

import (
	"net/http"

	"github.com/botsync/botsync/secret"
	"github.com/botsync/botsync/workspace"
)

// AgencyView is an agency with its white label.
type AgencyView struct {
	ID       string             `json:"id"`
	Name     string             `json:"name"`
	Branding workspace.Branding `json:"branding"`
}

func agencyView(ag workspace.Agency) AgencyView {
	return AgencyView{ID: ag.ID, Name: ag.Name, Branding: ag.Branding}
}

// agencyRoutes are agencies (white label, client workspaces), workspace
// lifecycle and account-security routes.
func (a *App) agencyRoutes() []route {
	return []route{
		{Method: "POST", Path: "/agencies", Tag: "workspaces", Summary: "Create an agency owned by the caller", Auth: authUser, Body: map[string]string{"name": ""}, Response: AgencyView{},
			Handle: func(c *call) error {
				var b struct {
					Name string `json:"name"`
				}
				if err := c.decode(&b); err != nil {
					return err
				}
				ag, err := a.ws.CreateAgency(c.r.Context(), c.p.User.ID, workspace.Agency{Name: b.Name})
				if err != nil {
					return err
				}
				return c.json(http.StatusCreated, agencyView(ag))
			}},
		{Method: "PUT", Path: "/agencies/{agency}/branding", Tag: "workspaces", Summary: "Replace the agency's white label (name, logo, colours, custom domain)", Auth: authUser, Body: workspace.Branding{Name: "Acme Bots", Domain: "app.acme.example"}, Response: AgencyView{},
			Handle: func(c *call) error {
				var b workspace.Branding
				if err := c.decode(&b); err != nil {
					return err
				}
				ag, err := a.ws.SetBranding(c.r.Context(), c.p, c.r.PathValue("agency"), b)
				if err != nil {
					return err
				}
				return c.json(http.StatusOK, agencyView(ag))
			}},
		{Method: "GET", Path: "/agencies/{agency}/workspaces", Tag: "workspaces", Summary: "The agency's client workspaces (agency staff)", Auth: authUser, Response: []WorkspaceView{},
			Handle: func(c *call) error {
				ws, err := a.ws.AgencyClients(c.r.Context(), c.p, c.r.PathValue("agency"))
				if err != nil {
					return err
				}
				out := make([]WorkspaceView, 0, len(ws))
				for _, w := range ws {
					out = append(out, workspaceView(w))
				}
				return c.json(http.StatusOK, out)
			}},
		{Method: "GET", Path: "/branding", Tag: "workspaces", Summary: "The white label for this request's host (public; the dashboard reads it before sign-in)", Response: workspace.Branding{},
			Handle: func(c *call) error {
				b, _, ok, err := a.ws.BrandingForHost(c.r.Context(), c.r.Host)
				if err != nil {
					return err
				}
				if !ok {
					b = workspace.Branding{Name: "BotSync"}
				}
				return c.json(http.StatusOK, b)
			}},
		{Method: "PUT", Path: "/workspaces/{ws}/status", Tag: "workspaces", Summary: "Close a workspace (starts the deletion clock), cancel a closing, or suspend/reactivate (super-admins)", Auth: authUser,
			Body: map[string]string{"status": "closing", "reason": ""}, Response: WorkspaceView{},
			Handle: func(c *call) error {
				var b struct {
					Status string `json:"status"`
					Reason string `json:"reason"`
				}
				if err := c.decode(&b); err != nil {
					return err
				}
				w, err := a.ws.SetStatus(c.r.Context(), c.p, c.ws, workspace.Status(b.Status), b.Reason)
				if err != nil {
					return err
				}
				return c.json(http.StatusOK, workspaceView(w))
			}},
		{Method: "POST", Path: "/auth/recovery-codes", Tag: "auth", Summary: "Replace the caller's recovery codes (needs a current TOTP code)", Auth: authUser, Body: map[string]string{"code": "123456"}, Response: map[string][]string{"recovery_codes": {}},
			Handle: func(c *call) error {
				var b struct {
					Code string `json:"code"`
				}
				if err := c.decode(&b); err != nil {
					return err
				}
				codes, err := a.ws.RegenerateRecoveryCodes(c.r.Context(), c.p, secret.New(b.Code))
				if err != nil {
					return err
				}
				out := make([]string, 0, len(codes))
				for _, rc := range codes {
					out = append(out, rc.Reveal())
				}
				return c.json(http.StatusOK, map[string][]string{"recovery_codes": out})
			}},
		{Method: "DELETE", Path: "/users/{user}/sessions", Tag: "auth", Summary: "Sign a user out everywhere (the user themself, keeping this session, or a super-admin)", Auth: authUser, Response: map[string]int{"revoked": 0},
			Handle: func(c *call) error {
				n, err := a.ws.RevokeUserSessions(c.r.Context(), c.p, c.r.PathValue("user"))
				if err != nil {
					return err
				}
				return c.json(http.StatusOK, map[string]int{"revoked": n})
			}},
		{Method: "DELETE", Path: "/users/{user}/totp", Tag: "admin", Summary: "Super-admin: remove a user's second factor after verifying them (reason required)", Auth: authUser, Body: map[string]string{"reason": ""},
			Handle: func(c *call) error {
				var b struct {
					Reason string `json:"reason"`
				}
				if err := c.decode(&b); err != nil {
					return err
				}
				if err := a.ws.ResetTOTP(c.r.Context(), c.p, c.r.PathValue("user"), b.Reason); err != nil {
					return err
				}
				return noContent(c)
			}},
	}
}

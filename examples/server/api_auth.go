package main

import (
	"net/http"
	"time"

	"github.com/botsync/botsync/secret"
	"github.com/botsync/botsync/workspace"
)

// Views of workspace types: personal data is revealed only to the caller
// allowed to see it, and hashes never leave the server.

// UserView is a user as the API shows it.
type UserView struct {
	ID          string `json:"id"`
	Email       string `json:"email"`
	Name        string `json:"name"`
	TOTPEnabled bool   `json:"totp_enabled"`
	SuperAdmin  bool   `json:"super_admin"`
}

func userView(u workspace.User) UserView {
	return UserView{ID: u.ID, Email: u.Email.Reveal(), Name: u.Name.Reveal(), TOTPEnabled: u.TOTPEnabled, SuperAdmin: u.SuperAdmin}
}

// WorkspaceView is a workspace as the API shows it.
type WorkspaceView struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Plan        string `json:"plan"`
	Status      string `json:"status"`
	Locale      string `json:"locale"`
	TimeZone    string `json:"time_zone"`
	PhoneRegion string `json:"phone_region"`
	AgencyID    string `json:"agency_id,omitempty"`
}

func workspaceView(w workspace.Workspace) WorkspaceView {
	return WorkspaceView{ID: w.ID, Name: w.Name, Plan: w.Plan, Status: string(w.Status), Locale: w.Locale,
		TimeZone: w.TimeZone, PhoneRegion: w.PhoneRegion, AgencyID: w.AgencyID}
}

// SessionView is a signed-in session.
type SessionView struct {
	ID           string    `json:"id"`
	WorkspaceID  string    `json:"workspace_id"`
	CreatedAt    time.Time `json:"created_at"`
	LastSeenAt   time.Time `json:"last_seen_at"`
	ExpiresAt    time.Time `json:"expires_at"`
	SecondFactor bool      `json:"second_factor"`
}

func sessionView(s workspace.Session) SessionView {
	return SessionView{ID: s.ID, WorkspaceID: s.WorkspaceID, CreatedAt: s.CreatedAt, LastSeenAt: s.LastSeenAt, ExpiresAt: s.ExpiresAt, SecondFactor: s.SecondFactor}
}

// signUpBody is the sign-up request.
type signUpBody struct {
	Email     string `json:"email"`
	Name      string `json:"name"`
	Password  string `json:"password"`
	Workspace string `json:"workspace"`
}

type loginBody struct {
	Email        string `json:"email"`
	Password     string `json:"password"`
	TOTPCode     string `json:"totp_code,omitempty"`
	RecoveryCode string `json:"recovery_code,omitempty"`
	WorkspaceID  string `json:"workspace_id,omitempty"`
}

// sessionAnswer is what login and session-rotating calls return. Token is
// also set as the session cookie; API clients may keep it instead.
type sessionAnswer struct {
	Token              string         `json:"token"`
	Session            SessionView    `json:"session"`
	User               *UserView      `json:"user,omitempty"`
	EnrollmentRequired bool           `json:"enrollment_required"`
	RecoveryCodes      []string       `json:"recovery_codes,omitempty"`
	Workspace          *WorkspaceView `json:"workspace,omitempty"`
}

func (c *call) setSession(tok secret.Value, s workspace.Session) {
	http.SetCookie(c.w, workspace.SessionCookie(tok, s.ExpiresAt))
}

func (a *App) authRoutes() []route {
	return []route{
		{Method: "POST", Path: "/auth/signup", Tag: "auth", Summary: "Create a user and their first workspace", Body: signUpBody{}, Response: map[string]any{"user": UserView{}, "workspace": WorkspaceView{}},
			Handle: func(c *call) error {
				var b signUpBody
				if err := c.decode(&b); err != nil {
					return err
				}
				u, w, err := a.ws.SignUp(c.r.Context(), workspace.SignUpRequest{Email: b.Email, Name: b.Name, Password: secret.New(b.Password), Workspace: workspace.Workspace{Name: b.Workspace}})
				if err != nil {
					return err
				}
				if w.ID != "" {
					a.known.add(w.ID)
					if err := a.crm.SetStages(c.r.Context(), w.ID, defaultStages); err != nil {
						return err
					}
				}
				wv := workspaceView(w)
				return c.json(http.StatusCreated, map[string]any{"user": userView(u), "workspace": wv})
			}},
		{Method: "POST", Path: "/auth/login", Tag: "auth", Summary: "Sign in (password, then TOTP or a recovery code when enrolled)", Body: loginBody{}, Response: sessionAnswer{},
			Handle: func(c *call) error {
				var b loginBody
				if err := c.decode(&b); err != nil {
					return err
				}
				res, err := a.ws.Login(c.r.Context(), workspace.LoginRequest{Email: b.Email, Password: secret.New(b.Password),
					TOTPCode: secret.New(b.TOTPCode), RecoveryCode: secret.New(b.RecoveryCode), IP: remoteAddr(c.r),
					UserAgent: c.r.UserAgent(), WorkspaceID: b.WorkspaceID})
				if err != nil {
					return err
				}
				c.setSession(res.Token, res.Session)
				uv := userView(res.User)
				return c.json(http.StatusOK, sessionAnswer{Token: res.Token.Reveal(), Session: sessionView(res.Session), User: &uv, EnrollmentRequired: res.EnrollmentRequired})
			}},
		{Method: "POST", Path: "/auth/logout", Tag: "auth", Summary: "End the current session", Auth: authUser,
			Handle: func(c *call) error {
				if err := a.ws.Logout(c.r.Context(), c.p); err != nil {
					return err
				}
				http.SetCookie(c.w, workspace.ClearSessionCookie())
				c.w.WriteHeader(http.StatusNoContent)
				return nil
			}},
		{Method: "GET", Path: "/auth/me", Tag: "auth", Summary: "The signed-in user, workspace and role", Auth: authUser, Response: map[string]any{"user": UserView{}, "workspace_id": "", "role": ""},
			Handle: func(c *call) error {
				return c.json(http.StatusOK, map[string]any{"user": userView(c.p.User), "workspace_id": c.p.WorkspaceID, "role": c.p.Role, "impersonator": c.p.Impersonator})
			}},
		{Method: "GET", Path: "/auth/sessions", Tag: "auth", Summary: "The caller's live sessions", Auth: authUser, Response: []SessionView{},
			Handle: func(c *call) error {
				ss, err := a.ws.Sessions(c.r.Context(), c.p)
				if err != nil {
					return err
				}
				out := make([]SessionView, 0, len(ss))
				for _, s := range ss {
					out = append(out, sessionView(s))
				}
				return c.json(http.StatusOK, out)
			}},
		{Method: "DELETE", Path: "/auth/sessions/{id}", Tag: "auth", Summary: "Revoke one of the caller's sessions", Auth: authUser,
			Handle: func(c *call) error {
				if err := a.ws.RevokeSession(c.r.Context(), c.p, c.r.PathValue("id")); err != nil {
					return err
				}
				c.w.WriteHeader(http.StatusNoContent)
				return nil
			}},
		{Method: "POST", Path: "/auth/totp", Tag: "auth", Summary: "Begin two-factor enrolment (returns the otpauth URI)", Auth: authUser, Response: map[string]string{"otpauth_uri": ""},
			Handle: func(c *call) error {
				uri, err := a.ws.BeginTOTP(c.r.Context(), c.p)
				if err != nil {
					return err
				}
				return c.json(http.StatusOK, map[string]string{"otpauth_uri": uri.Reveal()})
			}},
		{Method: "POST", Path: "/auth/totp/confirm", Tag: "auth", Summary: "Confirm enrolment with a code; rotates the session and returns recovery codes", Auth: authUser, Body: map[string]string{"code": "123456"}, Response: sessionAnswer{},
			Handle: func(c *call) error {
				var b struct {
					Code string `json:"code"`
				}
				if err := c.decode(&b); err != nil {
					return err
				}
				codes, tok, err := a.ws.ConfirmTOTP(c.r.Context(), c.p, secret.New(b.Code))
				if err != nil {
					return err
				}
				p, err := a.ws.Authenticate(c.r.Context(), tok, remoteAddr(c.r))
				if err != nil {
					return err
				}
				c.setSession(tok, *p.Session)
				out := sessionAnswer{Token: tok.Reveal(), Session: sessionView(*p.Session)}
				for _, rc := range codes {
					out.RecoveryCodes = append(out.RecoveryCodes, rc.Reveal())
				}
				return c.json(http.StatusOK, out)
			}},
		{Method: "POST", Path: "/auth/password", Tag: "auth", Summary: "Change the caller's password", Auth: authUser, Body: map[string]string{"current": "", "new": ""},
			Handle: func(c *call) error {
				var b struct {
					Current string `json:"current"`
					New     string `json:"new"`
				}
				if err := c.decode(&b); err != nil {
					return err
				}
				if err := a.ws.ChangePassword(c.r.Context(), c.p, secret.New(b.Current), secret.New(b.New)); err != nil {
					return err
				}
				c.w.WriteHeader(http.StatusNoContent)
				return nil
			}},
		{Method: "POST", Path: "/auth/invitations/accept", Tag: "auth", Summary: "Accept an invitation as the signed-in user", Auth: authUser, Body: map[string]string{"token": ""},
			Handle: func(c *call) error {
				var b struct {
					Token string `json:"token"`
				}
				if err := c.decode(&b); err != nil {
					return err
				}
				m, err := a.ws.AcceptInvitation(c.r.Context(), secret.New(b.Token), c.p.User.ID)
				if err != nil {
					return err
				}
				return c.json(http.StatusOK, map[string]string{"workspace_id": m.WorkspaceID, "role": string(m.Role)})
			}},
	}
}

func (a *App) workspaceRoutes() []route {
	return []route{
		{Method: "POST", Path: "/workspaces", Tag: "workspaces", Summary: "Create a workspace owned by the caller", Auth: authUser, Body: map[string]string{"name": "", "agency_id": ""}, Response: WorkspaceView{},
			Handle: func(c *call) error {
				var b struct {
					Name     string `json:"name"`
					AgencyID string `json:"agency_id"`
				}
				if err := c.decode(&b); err != nil {
					return err
				}
				w, err := a.ws.CreateWorkspace(c.r.Context(), c.p.User.ID, workspace.Workspace{Name: b.Name, AgencyID: b.AgencyID})
				if err != nil {
					return err
				}
				a.known.add(w.ID)
				if err := a.crm.SetStages(c.r.Context(), w.ID, defaultStages); err != nil {
					return err
				}
				return c.json(http.StatusCreated, workspaceView(w))
			}},
		{Method: "POST", Path: "/workspaces/{ws}/switch", Tag: "workspaces", Summary: "Make {ws} the session's workspace (agency staff: log in as client)", Auth: authUser, Response: sessionAnswer{},
			Handle: func(c *call) error {
				s, tok, err := a.ws.SwitchWorkspace(c.r.Context(), c.p, c.ws)
				if err != nil {
					return err
				}
				c.setSession(tok, s)
				return c.json(http.StatusOK, sessionAnswer{Token: tok.Reveal(), Session: sessionView(s)})
			}},
		{Method: "PATCH", Path: "/workspaces/{ws}", Tag: "workspaces", Summary: "Update the workspace's profile", Auth: authWorkspace, Action: workspace.ActionWorkspaceSettings, Body: map[string]string{"name": "", "locale": "", "time_zone": "", "phone_region": ""}, Response: WorkspaceView{},
			Handle: func(c *call) error {
				var b struct {
					Name        string `json:"name"`
					Locale      string `json:"locale"`
					TimeZone    string `json:"time_zone"`
					PhoneRegion string `json:"phone_region"`
				}
				if err := c.decode(&b); err != nil {
					return err
				}
				w, err := a.ws.UpdateWorkspace(c.r.Context(), c.p, c.ws, workspace.WorkspaceProfile{Name: b.Name, Locale: b.Locale, TimeZone: b.TimeZone, PhoneRegion: b.PhoneRegion})
				if err != nil {
					return err
				}
				return c.json(http.StatusOK, workspaceView(w))
			}},
		{Method: "GET", Path: "/workspaces/{ws}/members", Tag: "members", Summary: "List members and roles", Auth: authWorkspace, Action: workspace.ActionMembersView, Response: []map[string]string{},
			Handle: func(c *call) error {
				ms, err := a.ws.Members(c.r.Context(), c.p, c.ws)
				if err != nil {
					return err
				}
				out := make([]map[string]any, 0, len(ms))
				for _, m := range ms {
					out = append(out, map[string]any{"user_id": m.UserID, "role": m.Role, "created_at": m.CreatedAt})
				}
				return c.json(http.StatusOK, out)
			}},
		{Method: "POST", Path: "/workspaces/{ws}/invitations", Tag: "members", Summary: "Invite someone by e-mail (returns the invitation token once)", Auth: authWorkspace, Action: workspace.ActionMembersInvite, Body: map[string]string{"email": "", "role": "agent"},
			Handle: func(c *call) error {
				var b struct {
					Email string `json:"email"`
					Role  string `json:"role"`
				}
				if err := c.decode(&b); err != nil {
					return err
				}
				role, err := workspace.ParseRole(b.Role)
				if err != nil {
					return fieldErr("role", "unknown role")
				}
				inv, tok, err := a.ws.Invite(c.r.Context(), c.p, c.ws, b.Email, role)
				if err != nil {
					return err
				}
				return c.json(http.StatusCreated, map[string]any{"id": inv.ID, "role": inv.Role, "expires_at": inv.ExpiresAt, "token": tok.Reveal()})
			}},
		{Method: "PUT", Path: "/workspaces/{ws}/members/{user}/role", Tag: "members", Summary: "Change a member's role", Auth: authWorkspace, Action: workspace.ActionMembersRole, Body: map[string]string{"role": "agent"},
			Handle: func(c *call) error {
				var b struct {
					Role string `json:"role"`
				}
				if err := c.decode(&b); err != nil {
					return err
				}
				role, err := workspace.ParseRole(b.Role)
				if err != nil {
					return fieldErr("role", "unknown role")
				}
				if err := a.ws.SetRole(c.r.Context(), c.p, c.ws, c.r.PathValue("user"), role); err != nil {
					return err
				}
				c.w.WriteHeader(http.StatusNoContent)
				return nil
			}},
		{Method: "DELETE", Path: "/workspaces/{ws}/members/{user}", Tag: "members", Summary: "Remove a member (their sessions stop working)", Auth: authWorkspace, Action: workspace.ActionMembersRemove,
			Handle: func(c *call) error {
				if err := a.ws.RemoveMember(c.r.Context(), c.p, c.ws, c.r.PathValue("user")); err != nil {
					return err
				}
				c.w.WriteHeader(http.StatusNoContent)
				return nil
			}},
		{Method: "GET", Path: "/workspaces/{ws}/api-keys", Tag: "auth", Summary: "List API keys", Auth: authWorkspace, Action: workspace.ActionAPIKeysManage, Response: []map[string]any{},
			Handle: func(c *call) error {
				ks, err := a.ws.APIKeys(c.r.Context(), c.p, c.ws)
				if err != nil {
					return err
				}
				out := make([]map[string]any, 0, len(ks))
				for _, k := range ks {
					out = append(out, map[string]any{"id": k.ID, "name": k.Name, "actions": k.Actions, "created_at": k.CreatedAt, "expires_at": k.ExpiresAt, "revoked": !k.RevokedAt.IsZero()})
				}
				return c.json(http.StatusOK, out)
			}},
		{Method: "POST", Path: "/workspaces/{ws}/api-keys", Tag: "auth", Summary: "Create an API key (shown once)", Auth: authWorkspace, Action: workspace.ActionAPIKeysManage, Body: map[string]any{"name": "", "actions": []string{"contacts.view"}},
			Handle: func(c *call) error {
				var b struct {
					Name    string             `json:"name"`
					Actions []workspace.Action `json:"actions"`
				}
				if err := c.decode(&b); err != nil {
					return err
				}
				k, sec, err := a.ws.CreateAPIKey(c.r.Context(), c.p, c.ws, b.Name, b.Actions, time.Time{})
				if err != nil {
					return err
				}
				return c.json(http.StatusCreated, map[string]any{"id": k.ID, "key": sec.Reveal(), "actions": k.Actions})
			}},
		{Method: "DELETE", Path: "/workspaces/{ws}/api-keys/{id}", Tag: "auth", Summary: "Revoke an API key", Auth: authWorkspace, Action: workspace.ActionAPIKeysManage,
			Handle: func(c *call) error {
				if err := a.ws.RevokeAPIKey(c.r.Context(), c.p, c.ws, c.r.PathValue("id")); err != nil {
					return err
				}
				c.w.WriteHeader(http.StatusNoContent)
				return nil
			}},
	}
}

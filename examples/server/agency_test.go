package main

import (
	"net/http"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/workspace"
)

func TestAgencyAndAccountRoutes(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, func(c *Config) { c.Seed = false })
	var su struct {
		User      UserView      `json:"user"`
		Workspace WorkspaceView `json:"workspace"`
	}
	require.Equal(t, http.StatusCreated, ta.do(t, "POST", "/api/v1/auth/signup", map[string]string{"email": "boss@agency.example", "name": "Agency Boss", "password": "a long enough passphrase 8"}, &su))
	var login sessionAnswer
	require.Equal(t, http.StatusOK, ta.do(t, "POST", "/api/v1/auth/login", map[string]string{"email": "boss@agency.example", "password": "a long enough passphrase 8"}, &login))
	h := []string{"Cookie", "nexusdesk_session=" + login.Token, csrfHeader, "1"}

	var ag AgencyView
	require.Equal(t, http.StatusCreated, ta.do(t, "POST", "/api/v1/agencies", map[string]string{"name": "Acme Bots"}, &ag, h...))
	// Agency owners must use a second factor before managing clients.
	var begin map[string]string
	require.Equal(t, http.StatusOK, ta.do(t, "POST", "/api/v1/auth/totp", nil, &begin, h...))
	key, err := otp.NewKeyFromURL(begin["otpauth_uri"])
	require.NoError(t, err)
	code, _ := totp.GenerateCode(key.Secret(), time.Now())
	var conf sessionAnswer
	require.Equal(t, http.StatusOK, ta.do(t, "POST", "/api/v1/auth/totp/confirm", map[string]string{"code": code}, &conf, h...))
	h = []string{"Cookie", "nexusdesk_session=" + conf.Token, csrfHeader, "1"}

	require.Equal(t, http.StatusOK, ta.do(t, "PUT", "/api/v1/agencies/"+ag.ID+"/branding", workspace.Branding{Name: "Acme Bots", Domain: "app.acme.example", PrimaryColor: "#123456"}, &ag, h...))
	require.Equal(t, "app.acme.example", ag.Branding.Domain)
	var ws WorkspaceView
	require.Equal(t, http.StatusCreated, ta.do(t, "POST", "/api/v1/workspaces", map[string]string{"name": "Client One", "agency_id": ag.ID}, &ws, h...))
	var clients []WorkspaceView
	require.Equal(t, http.StatusOK, ta.do(t, "GET", "/api/v1/agencies/"+ag.ID+"/workspaces", nil, &clients, h...))
	require.Len(t, clients, 1)
	require.Equal(t, "Client One", clients[0].Name)

	req := mustReq(t, "GET", ta.srv.URL+"/api/v1/branding")
	req.Host = "app.acme.example"
	res, err := ta.srv.Client().Do(req)
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	var b workspace.Branding
	require.Equal(t, http.StatusOK, ta.do(t, "GET", "/api/v1/branding", nil, &b))
	require.Equal(t, "BotSync", b.Name, "unknown hosts get the product's name")

	code, _ = totp.GenerateCode(key.Secret(), time.Now().Add(30*time.Second))
	var rc map[string][]string
	require.Equal(t, http.StatusOK, ta.do(t, "POST", "/api/v1/auth/recovery-codes", map[string]string{"code": code}, &rc, h...))
	require.Len(t, rc["recovery_codes"], 10)

	var closed WorkspaceView
	require.Equal(t, http.StatusOK, ta.do(t, "PUT", "/api/v1/workspaces/"+ws.ID+"/status", map[string]string{"status": "closing", "reason": "client left"}, &closed, h...))
	require.Equal(t, "closing", closed.Status)
	var e struct {
		Error APIError `json:"error"`
	}
	require.Equal(t, http.StatusForbidden, ta.do(t, "DELETE", "/api/v1/users/"+su.User.ID+"/totp", map[string]string{"reason": "x"}, &e, h...), "super-admins only")
	var rev map[string]int
	require.Equal(t, http.StatusOK, ta.do(t, "DELETE", "/api/v1/users/"+su.User.ID+"/sessions", nil, &rev, h...))
}

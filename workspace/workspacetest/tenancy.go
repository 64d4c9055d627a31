package workspacetest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/workspace"
)

func testAgencies(t *testing.T, s workspace.Store) {
	ctx := context.Background()
	e := NewEnv(t, s)
	agencyOwner, _ := e.SignUp(t, "boss@agency.example", "")
	ag, err := e.Svc.CreateAgency(ctx, agencyOwner.ID, workspace.Agency{Name: "Growth Co",
		Branding: workspace.Branding{Name: "GrowthDesk", Domain: "App.Growth.Example", PrimaryColor: "#0a7cff", LogoURL: "https://growth.example/logo.png", SupportEmail: "help@growth.example"}})
	require.NoError(t, err)
	assert.Equal(t, "app.growth.example", ag.Branding.Domain)
	_, err = e.Svc.CreateAgency(ctx, agencyOwner.ID, workspace.Agency{Name: "X", Branding: workspace.Branding{LogoURL: "http://insecure.example/x.png"}})
	require.ErrorIs(t, err, workspace.ErrInvalid)
	require.ErrorContains(t, err, "logo url")

	b, id, ok, err := e.Svc.BrandingForHost(ctx, "APP.growth.example:443")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, ag.ID, id)
	assert.Equal(t, "GrowthDesk", b.Name)
	_, _, ok, err = e.Svc.BrandingForHost(ctx, "unknown.example")
	require.NoError(t, err)
	assert.False(t, ok)
	_, _, ok, err = e.Svc.BrandingForHost(ctx, "bad host\x00")
	require.NoError(t, err)
	assert.False(t, ok)

	client, err := e.Svc.CreateWorkspace(ctx, agencyOwner.ID, workspace.Workspace{Name: "Client Shop", AgencyID: ag.ID})
	require.NoError(t, err)
	stranger, _ := e.SignUp(t, "stranger@example.com", "")
	_, err = e.Svc.CreateWorkspace(ctx, stranger.ID, workspace.Workspace{Name: "Sneaky", AgencyID: ag.ID})
	require.ErrorIs(t, err, workspace.ErrForbidden)

	staff, _ := e.SignUp(t, "staff@agency.example", "")
	require.NoError(t, s.PutMembership(ctx, workspace.Membership{WorkspaceID: ag.ID, UserID: staff.ID, Role: workspace.RoleAgent, CreatedAt: t0}))
	p, _ := e.Login(t, "staff@agency.example", UserIP, "")
	clients, err := e.Svc.AgencyClients(ctx, p, ag.ID)
	require.NoError(t, err)
	require.Len(t, clients, 1)
	assert.Equal(t, client.ID, clients[0].ID)
	sp, _ := e.Login(t, "stranger@example.com", UserIP, "")
	_, err = e.Svc.AgencyClients(ctx, sp, ag.ID)
	require.ErrorIs(t, err, workspace.ErrForbidden)

	oldID := p.Session.ID
	_, tok, err := e.Svc.SwitchWorkspace(ctx, p, client.ID)
	require.NoError(t, err)
	_, err = s.Session(ctx, oldID)
	require.ErrorIs(t, err, workspace.ErrNotFound, "switching rotates the session")
	p, err = e.Svc.Authenticate(ctx, tok, UserIP)
	require.NoError(t, err)
	assert.Equal(t, client.ID, p.WorkspaceID)
	assert.Equal(t, workspace.RoleAgent, p.Role)
	require.NoError(t, e.Svc.Authorize(ctx, p, workspace.ActionConversationsReply, client.ID))
	assert.True(t, e.HasAudit(t, client.ID, "agency.switch_in", ""), "log in as client is audited in the client's trail")
	_, _, err = e.Svc.SwitchWorkspace(ctx, sp, client.ID)
	require.ErrorIs(t, err, workspace.ErrForbidden)

	ap, _ := e.Login(t, "boss@agency.example", UserIP, "")
	_, err = e.Svc.SetBranding(ctx, p, ag.ID, workspace.Branding{Name: "Hijack"})
	require.ErrorIs(t, err, workspace.ErrForbidden, "agency agents cannot rebrand")
	ag2, err := e.Svc.SetBranding(ctx, ap, ag.ID, workspace.Branding{Name: "GrowthDesk 2", Domain: "desk.growth.example", AccentColor: "#ffcc00"})
	require.NoError(t, err)
	assert.Equal(t, "#ffcc00", ag2.Branding.AccentColor)
	_, err = e.Svc.SetBranding(ctx, ap, ag.ID, workspace.Branding{PrimaryColor: "red"})
	require.ErrorIs(t, err, workspace.ErrInvalid)
}

func testLifecycle(t *testing.T, s workspace.Store) {
	ctx := context.Background()
	e := NewEnv(t, s)
	_, w, owner, _ := e.owner(t, "owner@example.com", "Shop")
	admin, _, _ := e.superAdmin(t, "root@example.com")

	_, err := e.Svc.UpdateWorkspace(ctx, owner, w.ID, workspace.WorkspaceProfile{Name: "Shop 2", TimeZone: "Mars/Olympus"})
	require.ErrorIs(t, err, workspace.ErrInvalid)
	require.ErrorContains(t, err, "time zone")
	w2, err := e.Svc.UpdateWorkspace(ctx, owner, w.ID, workspace.WorkspaceProfile{Name: "Shop 2", Locale: "hi-IN", TimeZone: "Asia/Dubai", PhoneRegion: "AE", Settings: workspace.Settings{AIEnabled: true}})
	require.NoError(t, err)
	assert.Equal(t, "Asia/Dubai", w2.TimeZone)

	_, err = e.Svc.SetStatus(ctx, owner, w.ID, workspace.StatusSuspended, "")
	require.ErrorIs(t, err, workspace.ErrForbidden, "only super-admins suspend")
	_, err = e.Svc.SetStatus(ctx, admin, w.ID, workspace.StatusSuspended, "unpaid")
	require.NoError(t, err)
	owner, _ = e.Login(t, "owner@example.com", UserIP, e.Code(t, mustSecret(t, e, owner.User.ID)))
	require.NoError(t, e.Svc.Authorize(ctx, owner, workspace.ActionWorkspaceView, w.ID))
	require.ErrorIs(t, e.Svc.Authorize(ctx, owner, workspace.ActionWorkspaceSettings, w.ID), workspace.ErrForbidden)
	_, err = e.Svc.SetStatus(ctx, admin, w.ID, workspace.StatusActive, "paid")
	require.NoError(t, err)

	closing, err := e.Svc.SetStatus(ctx, owner, w.ID, workspace.StatusClosing, "moving on")
	require.NoError(t, err)
	clock, ok := workspace.ClosureClock(closing)
	require.True(t, ok)
	due, err := clock.Due(nil, e.Clock.Now())
	require.NoError(t, err)
	requireTime(t, e.Clock.Now().Add(30*24*time.Hour), due, "deletion due")
	_, err = e.Svc.SetStatus(ctx, nil, w.ID, workspace.StatusClosed, "sweeper")
	require.ErrorIs(t, err, workspace.ErrForbidden, "not before the clock runs out")
	e.Clock.Advance(30 * 24 * time.Hour)
	closed, err := e.Svc.SetStatus(ctx, nil, w.ID, workspace.StatusClosed, "sweeper")
	require.NoError(t, err)
	assert.Equal(t, workspace.StatusClosed, closed.Status)
	_, err = e.Svc.SetStatus(ctx, admin, w.ID, workspace.StatusActive, "")
	require.ErrorIs(t, err, workspace.ErrForbidden, "closed is final")
	assert.True(t, e.HasAudit(t, w.ID, "workspace.status.closing", ""))
}

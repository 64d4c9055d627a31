package workspacetest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/secret"
	"github.com/botsync/botsync/workspace"
)

// TestStore runs the conformance suite. newStore returns a fresh, empty
// store for each subtest; subtests run in parallel.
func TestStore(t *testing.T, newStore func(t *testing.T) workspace.Store) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(*testing.T, workspace.Store)
	}{
		{"StoreWorkspaces", testStoreWorkspaces},
		{"StoreAgencies", testStoreAgencies},
		{"StoreUsers", testStoreUsers},
		{"StoreMemberships", testStoreMemberships},
		{"StoreInvitations", testStoreInvitations},
		{"StoreSessions", testStoreSessions},
		{"StoreLoginFailures", testStoreLoginFailures},
		{"StoreSweep", testStoreSweep},
		{"StoreAPIKeys", testStoreAPIKeys},
		{"StoreKillSwitches", testStoreKillSwitches},
		{"StoreConnections", testStoreConnections},
	}
	tests = append(tests, serviceTests...)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, newStore(t))
		})
	}
}

var t0 = Start

func ws(id, agency string) workspace.Workspace {
	return workspace.Workspace{ID: id, Name: "Shop " + id, OwnerID: "u1", AgencyID: agency, Plan: "pro",
		Status: workspace.StatusActive, Locale: "en-IN", TimeZone: "Asia/Kolkata", PhoneRegion: "IN",
		Settings: workspace.Settings{AIEnabled: true, SessionIdle: 10 * time.Minute}, CreatedAt: t0, UpdatedAt: t0}
}

func user(id, email string) workspace.User {
	return workspace.User{ID: id, Email: secret.NewPII(email), Name: secret.NewPII("Name " + id),
		PasswordHash: []byte("$2a$04$hash"), RecoveryCodes: []string{"h1", "h2"}, CreatedAt: t0, UpdatedAt: t0}
}

func requireTime(t *testing.T, want, got time.Time, field string) {
	t.Helper()
	require.True(t, want.Equal(got), "%s: want %s, got %s", field, want, got)
}

func testStoreWorkspaces(t *testing.T, s workspace.Store) {
	ctx := context.Background()
	w := ws("ws_a", "")
	require.NoError(t, s.CreateWorkspace(ctx, w))
	require.ErrorIs(t, s.CreateWorkspace(ctx, w), workspace.ErrConflict)
	got, err := s.Workspace(ctx, "ws_a")
	require.NoError(t, err)
	assert.Equal(t, w.Name, got.Name)
	assert.Equal(t, w.Settings, got.Settings)
	assert.Equal(t, "Asia/Kolkata", got.TimeZone)
	requireTime(t, t0, got.CreatedAt, "created at")
	_, err = s.Workspace(ctx, "ws_missing")
	require.ErrorIs(t, err, workspace.ErrNotFound)

	got.Status, got.ClosingSince = workspace.StatusClosing, t0.Add(time.Hour)
	require.NoError(t, s.UpdateWorkspace(ctx, got))
	got2, err := s.Workspace(ctx, "ws_a")
	require.NoError(t, err)
	assert.Equal(t, workspace.StatusClosing, got2.Status)
	requireTime(t, t0.Add(time.Hour), got2.ClosingSince, "closing since")
	require.ErrorIs(t, s.UpdateWorkspace(ctx, ws("ws_missing", "")), workspace.ErrNotFound)

	require.NoError(t, s.CreateWorkspace(ctx, ws("ws_c2", "ag_1")))
	require.NoError(t, s.CreateWorkspace(ctx, ws("ws_c1", "ag_1")))
	list, err := s.AgencyWorkspaces(ctx, "ag_1")
	require.NoError(t, err)
	require.Len(t, list, 2)
	assert.Equal(t, "ws_c1", list[0].ID)
	assert.Equal(t, "ws_c2", list[1].ID)
	list, err = s.AgencyWorkspaces(ctx, "ag_2")
	require.NoError(t, err)
	assert.Empty(t, list)
}

func testStoreAgencies(t *testing.T, s workspace.Store) {
	ctx := context.Background()
	a := workspace.Agency{ID: "ag_1", Name: "Agency", OwnerID: "u1", CreatedAt: t0,
		Branding: workspace.Branding{Name: "Brand", Domain: "app.brand.example", PrimaryColor: "#112233"}}
	require.NoError(t, s.CreateAgency(ctx, a))
	require.ErrorIs(t, s.CreateAgency(ctx, a), workspace.ErrConflict)
	b := workspace.Agency{ID: "ag_2", Name: "Other", OwnerID: "u2", CreatedAt: t0, Branding: workspace.Branding{Domain: "app.brand.example"}}
	require.ErrorIs(t, s.CreateAgency(ctx, b), workspace.ErrConflict, "domain taken")
	b.Branding.Domain = ""
	require.NoError(t, s.CreateAgency(ctx, b))
	c := workspace.Agency{ID: "ag_3", Name: "Third", OwnerID: "u3", CreatedAt: t0}
	require.NoError(t, s.CreateAgency(ctx, c), "empty domains never conflict")

	got, err := s.AgencyByDomain(ctx, "app.brand.example")
	require.NoError(t, err)
	assert.Equal(t, "ag_1", got.ID)
	assert.Equal(t, "#112233", got.Branding.PrimaryColor)
	_, err = s.AgencyByDomain(ctx, "")
	require.ErrorIs(t, err, workspace.ErrNotFound)
	_, err = s.AgencyByDomain(ctx, "other.example")
	require.ErrorIs(t, err, workspace.ErrNotFound)

	b.Branding.Domain = "app.brand.example"
	require.ErrorIs(t, s.UpdateAgency(ctx, b), workspace.ErrConflict)
	a.Branding.Domain = "new.brand.example"
	require.NoError(t, s.UpdateAgency(ctx, a))
	b.Branding.Domain = "app.brand.example"
	require.NoError(t, s.UpdateAgency(ctx, b))
	got, err = s.Agency(ctx, "ag_2")
	require.NoError(t, err)
	assert.Equal(t, "app.brand.example", got.Branding.Domain)
	_, err = s.Agency(ctx, "ag_9")
	require.ErrorIs(t, err, workspace.ErrNotFound)
}

func testStoreUsers(t *testing.T, s workspace.Store) {
	ctx := context.Background()
	u := user("u1", "asha@example.com")
	require.NoError(t, s.CreateUser(ctx, u))
	require.ErrorIs(t, s.CreateUser(ctx, u), workspace.ErrConflict)
	require.ErrorIs(t, s.CreateUser(ctx, user("u2", "ASHA@example.com")), workspace.ErrConflict, "e-mail compares lower-case")

	got, err := s.UserByEmail(ctx, "Asha@Example.com")
	require.NoError(t, err)
	assert.Equal(t, "u1", got.ID)
	assert.Equal(t, u.PasswordHash, got.PasswordHash)
	assert.Equal(t, []string{"h1", "h2"}, got.RecoveryCodes)
	_, err = s.UserByEmail(ctx, "nobody@example.com")
	require.ErrorIs(t, err, workspace.ErrNotFound)

	got.TOTPEnabled, got.SuperAdmin, got.Disabled = true, true, true
	got.Email = secret.NewPII("asha@new.example")
	require.NoError(t, s.UpdateUser(ctx, got))
	got2, err := s.User(ctx, "u1")
	require.NoError(t, err)
	assert.True(t, got2.TOTPEnabled && got2.SuperAdmin && got2.Disabled)
	_, err = s.UserByEmail(ctx, "asha@example.com")
	require.ErrorIs(t, err, workspace.ErrNotFound, "old e-mail freed")
	require.NoError(t, s.CreateUser(ctx, user("u3", "asha@example.com")))
	require.ErrorIs(t, s.UpdateUser(ctx, user("u9", "x@example.com")), workspace.ErrNotFound)

	require.NoError(t, s.ConsumeRecoveryCode(ctx, "u1", "h1"))
	require.ErrorIs(t, s.ConsumeRecoveryCode(ctx, "u1", "h1"), workspace.ErrNotFound, "single use")
	require.ErrorIs(t, s.ConsumeRecoveryCode(ctx, "u3", "h9"), workspace.ErrNotFound)
	got3, err := s.User(ctx, "u1")
	require.NoError(t, err)
	assert.Equal(t, []string{"h2"}, got3.RecoveryCodes)

	require.NoError(t, s.ClaimTOTPStep(ctx, "u1", 100))
	require.ErrorIs(t, s.ClaimTOTPStep(ctx, "u1", 100), workspace.ErrConflict, "a step is claimed once")
	require.ErrorIs(t, s.ClaimTOTPStep(ctx, "u1", 99), workspace.ErrConflict, "and never an older one")
	require.NoError(t, s.ClaimTOTPStep(ctx, "u1", 101))
	require.ErrorIs(t, s.ClaimTOTPStep(ctx, "u9", 1), workspace.ErrNotFound)
	got3, err = s.User(ctx, "u1")
	require.NoError(t, err)
	assert.Equal(t, int64(101), got3.TOTPLastStep)
	assert.Equal(t, []string{"h2"}, got3.RecoveryCodes, "claiming leaves the rest alone")
}

func testStoreMemberships(t *testing.T, s workspace.Store) {
	ctx := context.Background()
	require.NoError(t, s.PutMembership(ctx, workspace.Membership{WorkspaceID: "ws_a", UserID: "u2", Role: workspace.RoleAgent, CreatedAt: t0}))
	require.NoError(t, s.PutMembership(ctx, workspace.Membership{WorkspaceID: "ws_a", UserID: "u1", Role: workspace.RoleOwner, CreatedAt: t0}))
	require.NoError(t, s.PutMembership(ctx, workspace.Membership{WorkspaceID: "ws_b", UserID: "u2", Role: workspace.RoleViewer, CreatedAt: t0}))
	require.NoError(t, s.PutMembership(ctx, workspace.Membership{WorkspaceID: "ws_a", UserID: "u2", Role: workspace.RoleAdmin, CreatedAt: t0}))

	m, err := s.Membership(ctx, "ws_a", "u2")
	require.NoError(t, err)
	assert.Equal(t, workspace.RoleAdmin, m.Role, "put replaces")
	_, err = s.Membership(ctx, "ws_b", "u1")
	require.ErrorIs(t, err, workspace.ErrNotFound)

	ms, err := s.Members(ctx, "ws_a")
	require.NoError(t, err)
	require.Len(t, ms, 2)
	assert.Equal(t, "u1", ms[0].UserID)
	ms, err = s.UserMemberships(ctx, "u2")
	require.NoError(t, err)
	require.Len(t, ms, 2)
	assert.Equal(t, "ws_a", ms[0].WorkspaceID)
	assert.Equal(t, "ws_b", ms[1].WorkspaceID)

	require.NoError(t, s.DeleteMembership(ctx, "ws_a", "u2"))
	require.ErrorIs(t, s.DeleteMembership(ctx, "ws_a", "u2"), workspace.ErrNotFound)
	_, err = s.Membership(ctx, "ws_a", "u2")
	require.ErrorIs(t, err, workspace.ErrNotFound)
}

func testStoreInvitations(t *testing.T, s workspace.Store) {
	ctx := context.Background()
	inv := workspace.Invitation{ID: "inv_1", WorkspaceID: "ws_a", Email: secret.NewPII("new@example.com"),
		Role: workspace.RoleAgent, InvitedBy: "u1", ExpiresAt: t0.Add(time.Hour), CreatedAt: t0}
	require.NoError(t, s.CreateInvitation(ctx, inv))
	require.ErrorIs(t, s.CreateInvitation(ctx, inv), workspace.ErrConflict)
	got, err := s.Invitation(ctx, "inv_1")
	require.NoError(t, err)
	assert.Equal(t, "new@example.com", got.Email.Reveal())
	assert.True(t, got.AcceptedAt.IsZero())
	require.NoError(t, s.AcceptInvitation(ctx, "inv_1", t0.Add(time.Minute)))
	require.ErrorIs(t, s.AcceptInvitation(ctx, "inv_1", t0.Add(2*time.Minute)), workspace.ErrConflict)
	require.ErrorIs(t, s.AcceptInvitation(ctx, "inv_9", t0), workspace.ErrNotFound)
	got, err = s.Invitation(ctx, "inv_1")
	require.NoError(t, err)
	requireTime(t, t0.Add(time.Minute), got.AcceptedAt, "accepted at")
}

func sess(id, user, wsID, parent string, created time.Time) workspace.Session {
	return workspace.Session{ID: id, UserID: user, WorkspaceID: wsID, CreatedAt: created, LastSeenAt: created,
		ExpiresAt: created.Add(12 * time.Hour), IP: "203.0.113.7", UserAgent: "test", ParentID: parent}
}

func testStoreSessions(t *testing.T, s workspace.Store) {
	ctx := context.Background()
	require.NoError(t, s.CreateUser(ctx, user("u1", "a@example.com")))
	require.NoError(t, s.CreateUser(ctx, user("u2", "b@example.com")))
	require.NoError(t, s.CreateWorkspace(ctx, ws("ws_a", "ag_1")))
	require.NoError(t, s.PutMembership(ctx, workspace.Membership{WorkspaceID: "ws_a", UserID: "u1", Role: workspace.RoleAgent, CreatedAt: t0}))
	require.NoError(t, s.PutMembership(ctx, workspace.Membership{WorkspaceID: "ag_1", UserID: "u1", Role: workspace.RoleAdmin, CreatedAt: t0}))

	admin := sess("s_admin", "u2", "", "", t0)
	admin.SecondFactor = true
	require.NoError(t, s.CreateSession(ctx, admin))
	require.ErrorIs(t, s.CreateSession(ctx, admin), workspace.ErrConflict)
	imp := sess("s_imp", "u1", "ws_a", "s_admin", t0.Add(time.Second))
	imp.ImpersonatorID = "u2"
	require.NoError(t, s.CreateSession(ctx, imp))
	require.NoError(t, s.CreateSession(ctx, sess("s_u1", "u1", "ws_a", "", t0.Add(2*time.Second))))

	v, err := s.LookupSession(ctx, "s_imp")
	require.NoError(t, err)
	assert.Equal(t, "u1", v.User.ID)
	assert.Equal(t, "u2", v.Session.ImpersonatorID)
	require.NotNil(t, v.Parent)
	assert.Equal(t, "s_admin", v.Parent.ID)
	assert.True(t, v.Parent.SecondFactor)
	require.NotNil(t, v.Workspace)
	assert.Equal(t, "ws_a", v.Workspace.ID)
	assert.Equal(t, workspace.RoleAgent, v.Role)
	assert.Equal(t, workspace.RoleAdmin, v.AgencyRole)
	requireTime(t, t0.Add(time.Second+12*time.Hour), v.Session.ExpiresAt, "expires at")

	v, err = s.LookupSession(ctx, "s_admin")
	require.NoError(t, err)
	assert.Nil(t, v.Parent)
	assert.Nil(t, v.Workspace)
	assert.Empty(t, v.Role)
	_, err = s.LookupSession(ctx, "s_none")
	require.ErrorIs(t, err, workspace.ErrNotFound)

	require.NoError(t, s.TouchSession(ctx, "s_u1", t0.Add(time.Hour)))
	got, err := s.Session(ctx, "s_u1")
	require.NoError(t, err)
	requireTime(t, t0.Add(time.Hour), got.LastSeenAt, "last seen")
	require.ErrorIs(t, s.TouchSession(ctx, "s_none", t0), workspace.ErrNotFound)

	list, err := s.UserSessions(ctx, "u1")
	require.NoError(t, err)
	require.Len(t, list, 2)
	assert.Equal(t, "s_imp", list[0].ID)

	// Rotating the admin session ends its impersonations.
	next := admin
	next.ID = "s_admin2"
	require.NoError(t, s.RotateSession(ctx, "s_admin", next))
	require.ErrorIs(t, s.RotateSession(ctx, "s_admin", next), workspace.ErrNotFound)
	_, err = s.Session(ctx, "s_admin")
	require.ErrorIs(t, err, workspace.ErrNotFound)
	_, err = s.Session(ctx, "s_imp")
	require.ErrorIs(t, err, workspace.ErrNotFound, "impersonation ended with its admin session")

	// Deleting a session deletes its children.
	imp2 := sess("s_imp2", "u1", "ws_a", "s_admin2", t0)
	require.NoError(t, s.CreateSession(ctx, imp2))
	require.NoError(t, s.DeleteSession(ctx, "s_admin2"))
	_, err = s.Session(ctx, "s_imp2")
	require.ErrorIs(t, err, workspace.ErrNotFound)
	require.ErrorIs(t, s.DeleteSession(ctx, "s_admin2"), workspace.ErrNotFound)

	require.NoError(t, s.CreateSession(ctx, sess("s_u1b", "u1", "ws_a", "", t0)))
	require.NoError(t, s.CreateSession(ctx, sess("s_u1c", "u1", "ws_a", "", t0)))
	n, err := s.DeleteUserSessions(ctx, "u1", "s_u1")
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	list, err = s.UserSessions(ctx, "u1")
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, "s_u1", list[0].ID)
}

func testStoreLoginFailures(t *testing.T, s workspace.Store) {
	ctx := context.Background()
	f, err := s.LoginFailures(ctx, "k")
	require.NoError(t, err)
	assert.Zero(t, f.Count)
	for i := 1; i <= 3; i++ {
		f, err = s.AddLoginFailure(ctx, "k", t0.Add(time.Duration(i)*time.Minute), 10*time.Minute)
		require.NoError(t, err)
		assert.Equal(t, i, f.Count)
	}
	requireTime(t, t0.Add(time.Minute), f.WindowStart, "window start")
	f, err = s.AddLoginFailure(ctx, "k", t0.Add(11*time.Minute), 10*time.Minute)
	require.NoError(t, err)
	assert.Equal(t, 1, f.Count, "new window")
	requireTime(t, t0.Add(11*time.Minute), f.WindowStart, "window start")

	require.NoError(t, s.LockLogin(ctx, "k", t0.Add(time.Hour)))
	f, err = s.LoginFailures(ctx, "k")
	require.NoError(t, err)
	requireTime(t, t0.Add(time.Hour), f.LockedUntil, "locked until")
	assert.Equal(t, 1, f.Count)
	require.NoError(t, s.LockLogin(ctx, "other", t0.Add(time.Hour)))
	f, err = s.LoginFailures(ctx, "other")
	require.NoError(t, err)
	requireTime(t, t0.Add(time.Hour), f.LockedUntil, "locked until without failures")

	require.NoError(t, s.ClearLoginFailures(ctx, "k"))
	require.NoError(t, s.ClearLoginFailures(ctx, "never"))
	f, err = s.LoginFailures(ctx, "k")
	require.NoError(t, err)
	assert.Zero(t, f.Count)
	assert.True(t, f.LockedUntil.IsZero())
}

func testStoreAPIKeys(t *testing.T, s workspace.Store) {
	ctx := context.Background()
	k := workspace.APIKey{ID: "key_1", WorkspaceID: "ws_a", Name: "crm sync", Hash: "abc",
		Actions: []workspace.Action{workspace.ActionContactsView, workspace.ActionContactsEdit}, CreatedBy: "u1", CreatedAt: t0}
	require.NoError(t, s.CreateAPIKey(ctx, k))
	require.ErrorIs(t, s.CreateAPIKey(ctx, k), workspace.ErrConflict)
	k2 := k
	k2.ID, k2.CreatedAt, k2.ExpiresAt = "key_2", t0.Add(time.Second), t0.Add(time.Hour)
	require.NoError(t, s.CreateAPIKey(ctx, k2))
	got, err := s.APIKey(ctx, "key_1")
	require.NoError(t, err)
	assert.Equal(t, k.Actions, got.Actions)
	assert.Equal(t, "abc", got.Hash)
	assert.True(t, got.ExpiresAt.IsZero())
	list, err := s.APIKeys(ctx, "ws_a")
	require.NoError(t, err)
	require.Len(t, list, 2)
	assert.Equal(t, "key_1", list[0].ID)
	requireTime(t, t0.Add(time.Hour), list[1].ExpiresAt, "expires at")
	list, err = s.APIKeys(ctx, "ws_b")
	require.NoError(t, err)
	assert.Empty(t, list)

	require.ErrorIs(t, s.RevokeAPIKey(ctx, "ws_b", "key_1", t0), workspace.ErrNotFound, "scoped by workspace")
	require.NoError(t, s.RevokeAPIKey(ctx, "ws_a", "key_1", t0.Add(time.Minute)))
	got, err = s.APIKey(ctx, "key_1")
	require.NoError(t, err)
	requireTime(t, t0.Add(time.Minute), got.RevokedAt, "revoked at")
	_, err = s.APIKey(ctx, "key_9")
	require.ErrorIs(t, err, workspace.ErrNotFound)
}

func testStoreKillSwitches(t *testing.T, s workspace.Store) {
	ctx := context.Background()
	ks, err := s.KillSwitches(ctx)
	require.NoError(t, err)
	assert.Empty(t, ks)
	require.NoError(t, s.PutKillSwitch(ctx, workspace.KillSwitch{Scope: "ws_a", Paused: workspace.PauseSends, Reason: "leak", Actor: "u1", UpdatedAt: t0}))
	require.NoError(t, s.PutKillSwitch(ctx, workspace.KillSwitch{Scope: workspace.GlobalScope, Paused: workspace.PauseAI, Reason: "model outage", Actor: "u9", UpdatedAt: t0}))
	require.NoError(t, s.PutKillSwitch(ctx, workspace.KillSwitch{Scope: "ws_a", Paused: workspace.PauseSends | workspace.PauseWebhooks, Reason: "leak 2", Actor: "u1", UpdatedAt: t0.Add(time.Minute)}))
	ks, err = s.KillSwitches(ctx)
	require.NoError(t, err)
	require.Len(t, ks, 2)
	assert.Equal(t, workspace.GlobalScope, ks[0].Scope)
	assert.Equal(t, workspace.PauseAI, ks[0].Paused)
	assert.Equal(t, workspace.PauseSends|workspace.PauseWebhooks, ks[1].Paused)
	assert.Equal(t, "leak 2", ks[1].Reason)
	requireTime(t, t0.Add(time.Minute), ks[1].UpdatedAt, "updated at")
}

func conn(id, wsID string, kind workspace.ChannelKind, ext, metaUser string, created time.Time) workspace.Connection {
	return workspace.Connection{ID: id, WorkspaceID: wsID, Kind: kind, ExternalID: ext, Name: "Main", MetaUserID: metaUser,
		TokenIssuedAt: created, TokenExpiresAt: created.Add(60 * 24 * time.Hour), CreatedAt: created, UpdatedAt: created}
}

func testStoreConnections(t *testing.T, s workspace.Store) {
	ctx := context.Background()
	wa := conn("conn_1", "ws_a", workspace.ChannelWhatsApp, "1001", "mu1", t0)
	wa.WABAID = "2001"
	require.NoError(t, s.CreateConnection(ctx, wa))
	require.ErrorIs(t, s.CreateConnection(ctx, wa), workspace.ErrConflict)
	require.ErrorIs(t, s.CreateConnection(ctx, conn("conn_2", "ws_b", workspace.ChannelWhatsApp, "1001", "", t0)), workspace.ErrConflict,
		"a number belongs to one workspace")
	require.NoError(t, s.CreateConnection(ctx, conn("conn_3", "ws_a", workspace.ChannelInstagram, "1001", "mu1", t0.Add(time.Second))),
		"ids are unique per kind")
	require.NoError(t, s.CreateConnection(ctx, conn("conn_4", "ws_b", workspace.ChannelFacebookPage, "3001", "mu2", t0)))

	got, err := s.ConnectionByExternal(ctx, workspace.ChannelWhatsApp, "1001")
	require.NoError(t, err)
	assert.Equal(t, "conn_1", got.ID)
	assert.Equal(t, "2001", got.WABAID)
	_, err = s.ConnectionByExternal(ctx, workspace.ChannelFacebookPage, "1001")
	require.ErrorIs(t, err, workspace.ErrNotFound)
	_, err = s.Connection(ctx, "ws_b", "conn_1")
	require.ErrorIs(t, err, workspace.ErrNotFound, "scoped by workspace")

	list, err := s.Connections(ctx, "ws_a")
	require.NoError(t, err)
	require.Len(t, list, 2)
	assert.Equal(t, "conn_1", list[0].ID)
	list, err = s.ConnectionsByMetaUser(ctx, "mu1")
	require.NoError(t, err)
	require.Len(t, list, 2)
	list, err = s.ConnectionsByMetaUser(ctx, "")
	require.NoError(t, err)
	assert.Empty(t, list)

	got.Health = workspace.Health{CheckedAt: t0.Add(time.Hour), TokenValid: true, Scopes: []string{"a", "b"},
		MissingScopes: []string{"c"}, WebhookSubscribed: true, Problem: "token lacks permissions: c"}
	got.LastEventAt = t0.Add(2 * time.Hour)
	require.NoError(t, s.UpdateConnection(ctx, got))
	got2, err := s.Connection(ctx, "ws_a", "conn_1")
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b"}, got2.Health.Scopes)
	assert.Equal(t, []string{"c"}, got2.Health.MissingScopes)
	assert.Equal(t, "token lacks permissions: c", got2.Health.Problem)
	requireTime(t, t0.Add(time.Hour), got2.Health.CheckedAt, "checked at")
	requireTime(t, t0.Add(2*time.Hour), got2.LastEventAt, "last event")
	require.ErrorIs(t, s.UpdateConnection(ctx, conn("conn_9", "ws_a", workspace.ChannelWhatsApp, "9", "", t0)), workspace.ErrNotFound)

	require.NoError(t, s.TouchConnection(ctx, "ws_a", "conn_1", t0.Add(3*time.Hour)))
	require.NoError(t, s.TouchConnection(ctx, "ws_a", "conn_1", t0.Add(time.Hour)), "older events do not move it back")
	require.ErrorIs(t, s.TouchConnection(ctx, "ws_b", "conn_1", t0), workspace.ErrNotFound)
	got2.Name = "Renamed"
	require.NoError(t, s.UpdateConnection(ctx, got2), "a stale copy")
	got3, err := s.Connection(ctx, "ws_a", "conn_1")
	require.NoError(t, err)
	assert.Equal(t, "Renamed", got3.Name)
	requireTime(t, t0.Add(3*time.Hour), got3.LastEventAt, "last event kept by a stale update")

	require.ErrorIs(t, s.DeleteConnection(ctx, "ws_b", "conn_1"), workspace.ErrNotFound)
	require.NoError(t, s.DeleteConnection(ctx, "ws_a", "conn_1"))
	require.ErrorIs(t, s.DeleteConnection(ctx, "ws_a", "conn_1"), workspace.ErrNotFound)
	require.NoError(t, s.CreateConnection(ctx, conn("conn_5", "ws_b", workspace.ChannelWhatsApp, "1001", "", t0)),
		"a disconnected number can be connected again")
}

func testStoreSweep(t *testing.T, s workspace.Store) {
	ctx := context.Background()
	require.NoError(t, s.CreateUser(ctx, user("u1", "a@example.com")))
	live := sess("s_live", "u1", "", "", t0)
	live.LastSeenAt = t0.Add(50 * time.Minute)
	require.NoError(t, s.CreateSession(ctx, live))
	require.NoError(t, s.CreateSession(ctx, sess("s_idle", "u1", "", "", t0)))                       // last seen t0
	require.NoError(t, s.CreateSession(ctx, sess("s_child", "u1", "", "s_idle", t0.Add(time.Hour)))) // goes with its parent
	old := sess("s_old", "u1", "", "", t0.Add(-13*time.Hour))
	old.LastSeenAt = t0.Add(55 * time.Minute)
	require.NoError(t, s.CreateSession(ctx, old)) // past its absolute expiry
	n, err := s.DeleteExpiredSessions(ctx, t0.Add(time.Hour), t0.Add(30*time.Minute))
	require.NoError(t, err)
	assert.Equal(t, 3, n)
	list, err := s.UserSessions(ctx, "u1")
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, "s_live", list[0].ID)

	_, err = s.AddLoginFailure(ctx, "old", t0, 15*time.Minute)
	require.NoError(t, err)
	_, err = s.AddLoginFailure(ctx, "old-locked", t0, 15*time.Minute)
	require.NoError(t, err)
	require.NoError(t, s.LockLogin(ctx, "old-locked", t0.Add(2*time.Hour)))
	_, err = s.AddLoginFailure(ctx, "recent", t0.Add(55*time.Minute), 15*time.Minute)
	require.NoError(t, err)
	n, err = s.DeleteStaleLoginFailures(ctx, t0.Add(45*time.Minute), t0.Add(time.Hour))
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	for key, want := range map[string]int{"old": 0, "old-locked": 1, "recent": 1} {
		f, err := s.LoginFailures(ctx, key)
		require.NoError(t, err)
		assert.Equal(t, want, f.Count, key)
	}
}

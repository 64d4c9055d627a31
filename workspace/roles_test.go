package workspace_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/botsync/botsync/workspace"
)

// TestAllowedMatrix spells out, independently of the implementation, which
// roles may do what in an active workspace (O owner, A admin, G agent,
// V viewer), and which actions stay open while a workspace is suspended or
// closing.
func TestAllowedMatrix(t *testing.T) {
	t.Parallel()
	matrix := []struct {
		action   workspace.Action
		roles    string
		readOnly bool // still allowed while suspended or closing
	}{
		{workspace.ActionWorkspaceView, "OAGV", true},
		{workspace.ActionWorkspaceSettings, "OA", false},
		{workspace.ActionWorkspaceClose, "O", false},
		{workspace.ActionMembersView, "OAGV", true},
		{workspace.ActionMembersInvite, "OA", false},
		{workspace.ActionMembersRemove, "OA", false},
		{workspace.ActionMembersRole, "OA", false},
		{workspace.ActionConversationsView, "OAGV", true},
		{workspace.ActionConversationsReply, "OAG", false},
		{workspace.ActionContactsView, "OAGV", true},
		{workspace.ActionContactsEdit, "OAG", false},
		{workspace.ActionContactsExport, "OA", true},
		{workspace.ActionBroadcastsSend, "OA", false},
		{workspace.ActionAutomationsManage, "OA", false},
		{workspace.ActionChannelsView, "OAGV", true},
		{workspace.ActionChannelsManage, "OA", false},
		{workspace.ActionBillingView, "OA", true},
		{workspace.ActionBillingManage, "O", true},
		{workspace.ActionAPIKeysManage, "OA", false},
		{workspace.ActionKillSwitchManage, "OA", true},
		{workspace.ActionAuditView, "OA", true},
		{workspace.ActionPlatformImpersonate, "", false},
		{workspace.ActionPlatformKillSwitch, "", false},
	}
	assert.Len(t, matrix, len(workspace.Actions), "every action is in the matrix")
	letters := map[workspace.Role]string{workspace.RoleOwner: "O", workspace.RoleAdmin: "A", workspace.RoleAgent: "G", workspace.RoleViewer: "V"}
	for _, row := range matrix {
		for role, l := range letters {
			want := strings.Contains(row.roles, l)
			assert.Equal(t, want, workspace.Allowed(role, row.action, workspace.StatusActive), "%s %s active", role, row.action)
			for _, st := range []workspace.Status{workspace.StatusSuspended, workspace.StatusClosing} {
				assert.Equal(t, want && row.readOnly, workspace.Allowed(role, row.action, st), "%s %s %s", role, row.action, st)
			}
			assert.False(t, workspace.Allowed(role, row.action, workspace.StatusClosed), "%s %s closed", role, row.action)
		}
		for _, st := range []workspace.Status{workspace.StatusActive, workspace.StatusSuspended, workspace.StatusClosing, workspace.StatusClosed} {
			assert.True(t, workspace.Allowed(workspace.RoleSuperAdmin, row.action, st), "super-admin %s %s", row.action, st)
			assert.False(t, workspace.Allowed("", row.action, st), "no role %s", row.action)
			assert.False(t, workspace.Allowed("janitor", row.action, st), "unknown role %s", row.action)
		}
	}
	assert.False(t, workspace.Allowed(workspace.RoleOwner, "rockets.launch", workspace.StatusActive), "unknown action")
	assert.False(t, workspace.Allowed(workspace.RoleOwner, workspace.ActionWorkspaceView, "frozen"), "unknown status")
}

func TestParseRole(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want workspace.Role
		ok   bool
	}{
		{"owner", workspace.RoleOwner, true},
		{"admin", workspace.RoleAdmin, true},
		{"agent", workspace.RoleAgent, true},
		{"viewer", workspace.RoleViewer, true},
		{"super_admin", "", false},
		{"Owner", "", false},
		{"", "", false},
	} {
		got, err := workspace.ParseRole(tc.in)
		if tc.ok {
			assert.NoError(t, err, tc.in)
			assert.Equal(t, tc.want, got)
		} else {
			assert.ErrorIs(t, err, workspace.ErrInvalid, tc.in)
		}
	}
}

func TestPauseString(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "none", workspace.Pause(0).String())
	assert.Equal(t, "sends|webhooks|ai", (workspace.PauseSends | workspace.PauseWebhooks | workspace.PauseAI).String())
	assert.Equal(t, "ai", workspace.PauseAI.String())
}

package workspace

import "fmt"

// Role is a member's role in a workspace (or an agency).
type Role string

// Roles, from most to least powerful. SuperAdmin is platform-wide and is
// never stored on a membership: it is a flag on the [User].
const (
	RoleOwner  Role = "owner"
	RoleAdmin  Role = "admin"
	RoleAgent  Role = "agent"
	RoleViewer Role = "viewer"
	// RoleSuperAdmin is the platform operator; see [User.SuperAdmin].
	RoleSuperAdmin Role = "super_admin"
)

// Valid reports whether r is one of the membership roles.
func (r Role) Valid() bool {
	switch r {
	case RoleOwner, RoleAdmin, RoleAgent, RoleViewer:
		return true
	}
	return false
}

// rank orders roles for "at least" comparisons.
func (r Role) rank() int {
	switch r {
	case RoleSuperAdmin:
		return 5
	case RoleOwner:
		return 4
	case RoleAdmin:
		return 3
	case RoleAgent:
		return 2
	case RoleViewer:
		return 1
	}
	return 0
}

// ParseRole parses a membership role.
func ParseRole(s string) (Role, error) {
	r := Role(s)
	if !r.Valid() {
		return "", fmt.Errorf("%w: role %q: want owner, admin, agent or viewer", ErrInvalid, s)
	}
	return r, nil
}

// Action is something a handler asks permission for.
type Action string

// Actions checked by [Service.Can] and [Allowed].
const (
	ActionWorkspaceView       Action = "workspace.view"
	ActionWorkspaceSettings   Action = "workspace.settings"
	ActionWorkspaceClose      Action = "workspace.close"
	ActionMembersView         Action = "members.view"
	ActionMembersInvite       Action = "members.invite"
	ActionMembersRemove       Action = "members.remove"
	ActionMembersRole         Action = "members.role"
	ActionConversationsView   Action = "conversations.view"
	ActionConversationsReply  Action = "conversations.reply"
	ActionContactsView        Action = "contacts.view"
	ActionContactsEdit        Action = "contacts.edit"
	ActionContactsExport      Action = "contacts.export"
	ActionBroadcastsSend      Action = "broadcasts.send"
	ActionAutomationsManage   Action = "automations.manage"
	ActionChannelsView        Action = "channels.view"
	ActionChannelsManage      Action = "channels.manage"
	ActionBillingView         Action = "billing.view"
	ActionBillingManage       Action = "billing.manage"
	ActionAPIKeysManage       Action = "apikeys.manage"
	ActionKillSwitchManage    Action = "killswitch.manage"
	ActionAuditView           Action = "audit.view"
	ActionPlatformImpersonate Action = "platform.impersonate"
	ActionPlatformKillSwitch  Action = "platform.killswitch"
)

// Actions lists every action, for tests and admin screens.
var Actions = []Action{
	ActionWorkspaceView, ActionWorkspaceSettings, ActionWorkspaceClose,
	ActionMembersView, ActionMembersInvite, ActionMembersRemove, ActionMembersRole,
	ActionConversationsView, ActionConversationsReply,
	ActionContactsView, ActionContactsEdit, ActionContactsExport,
	ActionBroadcastsSend, ActionAutomationsManage,
	ActionChannelsView, ActionChannelsManage,
	ActionBillingView, ActionBillingManage,
	ActionAPIKeysManage, ActionKillSwitchManage, ActionAuditView,
	ActionPlatformImpersonate, ActionPlatformKillSwitch,
}

type actionRule struct {
	min   Role // least role allowed
	write bool // denied while the workspace is not active
}

var actionRules = map[Action]actionRule{
	ActionWorkspaceView:       {RoleViewer, false},
	ActionWorkspaceSettings:   {RoleAdmin, true},
	ActionWorkspaceClose:      {RoleOwner, true},
	ActionMembersView:         {RoleViewer, false},
	ActionMembersInvite:       {RoleAdmin, true},
	ActionMembersRemove:       {RoleAdmin, true},
	ActionMembersRole:         {RoleAdmin, true},
	ActionConversationsView:   {RoleViewer, false},
	ActionConversationsReply:  {RoleAgent, true},
	ActionContactsView:        {RoleViewer, false},
	ActionContactsEdit:        {RoleAgent, true},
	ActionContactsExport:      {RoleAdmin, false},
	ActionBroadcastsSend:      {RoleAdmin, true},
	ActionAutomationsManage:   {RoleAdmin, true},
	ActionChannelsView:        {RoleViewer, false},
	ActionChannelsManage:      {RoleAdmin, true},
	ActionBillingView:         {RoleAdmin, false},
	ActionBillingManage:       {RoleOwner, false},
	ActionAPIKeysManage:       {RoleAdmin, true},
	ActionKillSwitchManage:    {RoleAdmin, false},
	ActionAuditView:           {RoleAdmin, false},
	ActionPlatformImpersonate: {RoleSuperAdmin, false},
	ActionPlatformKillSwitch:  {RoleSuperAdmin, false},
}

// Allowed is the permission matrix: whether role may perform action in a
// workspace with the given status. Owners may do everything in their
// workspace but platform actions; admins everything but closing the
// workspace and managing billing; agents reply to conversations and edit
// contacts; viewers only read. Writes are refused while a workspace is
// suspended, closing or closed (the owner can still pay to lift a
// suspension, and admins can export while closing); a closed workspace
// admits only super-admins. Unknown actions and roles are refused.
func Allowed(role Role, action Action, status Status) bool {
	rule, ok := actionRules[action]
	if !ok || role.rank() == 0 {
		return false
	}
	if role == RoleSuperAdmin {
		return true
	}
	if role.rank() < rule.min.rank() {
		return false
	}
	switch status {
	case StatusActive:
		return true
	case StatusClosed:
		return false
	case StatusSuspended, StatusClosing:
		return !rule.write
	}
	return false
}

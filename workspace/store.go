package workspace

import (
	"context"
	"time"
)

// Store persists the package's records. Implementations (workspace/memstore,
// workspace/pgstore) are safe for concurrent use, pass the conformance
// suite in workspace/workspacetest, and return [ErrNotFound] and
// [ErrConflict] rather than driver errors. Every method that reads
// workspace data is scoped by a workspace id or by a globally unique key.
type Store interface {
	// CreateWorkspace inserts w; ErrConflict if the id exists.
	CreateWorkspace(ctx context.Context, w Workspace) error
	Workspace(ctx context.Context, id string) (Workspace, error)
	// UpdateWorkspace overwrites the workspace with w.ID.
	UpdateWorkspace(ctx context.Context, w Workspace) error
	// AgencyWorkspaces lists the agency's client workspaces by id.
	AgencyWorkspaces(ctx context.Context, agencyID string) ([]Workspace, error)

	// CreateAgency inserts a; ErrConflict if the id or a non-empty
	// Branding.Domain is taken.
	CreateAgency(ctx context.Context, a Agency) error
	Agency(ctx context.Context, id string) (Agency, error)
	// AgencyByDomain finds the agency whose Branding.Domain is domain
	// (lower-case, without port).
	AgencyByDomain(ctx context.Context, domain string) (Agency, error)
	// UpdateAgency overwrites the agency; ErrConflict on a taken domain.
	UpdateAgency(ctx context.Context, a Agency) error

	// CreateUser inserts u; ErrConflict if the id or e-mail is taken
	// (e-mails compare lower-case).
	CreateUser(ctx context.Context, u User) error
	User(ctx context.Context, id string) (User, error)
	UserByEmail(ctx context.Context, email string) (User, error)
	// UpdateUser overwrites the user with u.ID.
	UpdateUser(ctx context.Context, u User) error
	// ConsumeRecoveryCode removes hash from the user's recovery codes
	// atomically; ErrNotFound if it is not there (used or never issued).
	ConsumeRecoveryCode(ctx context.Context, userID, hash string) error
	// ClaimTOTPStep raises the user's TOTPLastStep to step atomically;
	// ErrConflict if it is already at step or later (a replayed code),
	// ErrNotFound if there is no such user.
	ClaimTOTPStep(ctx context.Context, userID string, step int64) error

	// PutMembership inserts or replaces the membership.
	PutMembership(ctx context.Context, m Membership) error
	Membership(ctx context.Context, workspaceID, userID string) (Membership, error)
	DeleteMembership(ctx context.Context, workspaceID, userID string) error
	// Members lists a workspace's memberships by user id.
	Members(ctx context.Context, workspaceID string) ([]Membership, error)
	// UserMemberships lists a user's memberships by workspace id.
	UserMemberships(ctx context.Context, userID string) ([]Membership, error)

	CreateInvitation(ctx context.Context, inv Invitation) error
	Invitation(ctx context.Context, id string) (Invitation, error)
	// AcceptInvitation sets AcceptedAt once; ErrConflict if already set.
	AcceptInvitation(ctx context.Context, id string, at time.Time) error

	// CreateSession inserts s; ErrConflict if s.ID exists.
	CreateSession(ctx context.Context, s Session) error
	Session(ctx context.Context, id string) (Session, error)
	// LookupSession returns the session with everything a request needs
	// to authorise in one read (one round trip on PostgreSQL).
	LookupSession(ctx context.Context, id string) (SessionView, error)
	// TouchSession sets LastSeenAt.
	TouchSession(ctx context.Context, id string, at time.Time) error
	// RotateSession atomically deletes oldID (and the sessions whose
	// ParentID is oldID) and inserts next; ErrNotFound if oldID is gone.
	RotateSession(ctx context.Context, oldID string, next Session) error
	// DeleteSession deletes the session and every session whose ParentID
	// is id (impersonations end with their admin session).
	DeleteSession(ctx context.Context, id string) error
	// UserSessions lists a user's sessions by creation time.
	UserSessions(ctx context.Context, userID string) ([]Session, error)
	// DeleteUserSessions deletes the user's sessions except exceptID (and
	// their children) and returns how many were deleted.
	DeleteUserSessions(ctx context.Context, userID, exceptID string) (int, error)

	// DeleteExpiredSessions deletes sessions whose ExpiresAt is not after
	// now or whose LastSeenAt is not after idleBefore (and their children),
	// and returns how many it deleted.
	DeleteExpiredSessions(ctx context.Context, now, idleBefore time.Time) (int, error)

	// AddLoginFailure counts a failed sign-in under key: it starts a new
	// window at at when the current one (of length window) has ended.
	AddLoginFailure(ctx context.Context, key string, at time.Time, window time.Duration) (LoginFailures, error)
	// LoginFailures returns the counter, zero if none.
	LoginFailures(ctx context.Context, key string) (LoginFailures, error)
	// LockLogin sets LockedUntil on the counter.
	LockLogin(ctx context.Context, key string, until time.Time) error
	ClearLoginFailures(ctx context.Context, key string) error
	// DeleteStaleLoginFailures deletes counters whose window started before
	// windowBefore and that are not locked at now.
	DeleteStaleLoginFailures(ctx context.Context, windowBefore, now time.Time) (int, error)

	// CreateAPIKey inserts k; ErrConflict if k.ID exists.
	CreateAPIKey(ctx context.Context, k APIKey) error
	APIKey(ctx context.Context, id string) (APIKey, error)
	// APIKeys lists a workspace's keys by creation time.
	APIKeys(ctx context.Context, workspaceID string) ([]APIKey, error)
	// RevokeAPIKey sets RevokedAt on the workspace's key.
	RevokeAPIKey(ctx context.Context, workspaceID, id string, at time.Time) error

	// PutKillSwitch inserts or replaces the switch for k.Scope.
	PutKillSwitch(ctx context.Context, k KillSwitch) error
	KillSwitches(ctx context.Context) ([]KillSwitch, error)

	// CreateConnection inserts c; ErrConflict if c.ID exists or another
	// connection has the same Kind and ExternalID.
	CreateConnection(ctx context.Context, c Connection) error
	Connection(ctx context.Context, workspaceID, id string) (Connection, error)
	// ConnectionByExternal finds the connection for a phone-number id,
	// Instagram account id or Page id.
	ConnectionByExternal(ctx context.Context, kind ChannelKind, externalID string) (Connection, error)
	// Connections lists a workspace's connections by creation time.
	Connections(ctx context.Context, workspaceID string) ([]Connection, error)
	// ConnectionsByMetaUser lists connections authorised by a Meta user.
	ConnectionsByMetaUser(ctx context.Context, metaUserID string) ([]Connection, error)
	// UpdateConnection overwrites the connection (matched by workspace and
	// id), except that LastEventAt never moves backwards.
	UpdateConnection(ctx context.Context, c Connection) error
	// TouchConnection raises LastEventAt to at (never lowers it).
	TouchConnection(ctx context.Context, workspaceID, id string, at time.Time) error
	DeleteConnection(ctx context.Context, workspaceID, id string) error
}

// SessionView is a session with the records a request checks: its user,
// the admin session it hangs off (impersonation), its current workspace,
// the user's role there and, for agency staff, their agency role.
type SessionView struct {
	Session Session
	User    User
	// Parent is the originating admin session of an impersonation, nil if
	// none or if it no longer exists.
	Parent *Session
	// Workspace is the session's current workspace, nil if none.
	Workspace *Workspace
	// Role is the user's membership role in Workspace ("" if none).
	Role Role
	// AgencyRole is the user's role in Workspace's agency ("" if none).
	AgencyRole Role
}

// LoginFailures is a storage-backed failed sign-in counter, shared by every
// server instance.
type LoginFailures struct {
	Key         string
	Count       int
	WindowStart time.Time
	LockedUntil time.Time
}

package workspace

import (
	"time"

	"github.com/botsync/botsync/secret"
)

// Status is a workspace's lifecycle state.
type Status string

// Workspace statuses. Closing starts the 30-day deletion clock
// ([Workspace.ClosingSince], [ClosureGrace]); closed workspaces are kept
// only until the privacy sweeper deletes their data.
const (
	StatusActive    Status = "active"
	StatusSuspended Status = "suspended"
	StatusClosing   Status = "closing"
	StatusClosed    Status = "closed"
)

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	switch s {
	case StatusActive, StatusSuspended, StatusClosing, StatusClosed:
		return true
	}
	return false
}

// Workspace is a tenant: one business, with its members, channels and data.
type Workspace struct {
	ID      string
	Name    string
	OwnerID string
	// AgencyID is the agency that runs this workspace for a client, if any.
	AgencyID string
	Plan     string
	Status   Status
	// ClosingSince is when the owner asked to close the workspace: the
	// start of the deletion clock. Zero unless Status is closing or closed.
	ClosingSince time.Time
	// Locale is a BCP 47 tag such as "en-IN".
	Locale string
	// TimeZone is an IANA name such as "Asia/Kolkata".
	TimeZone string
	// PhoneRegion is the default ISO 3166 region for phone numbers ("IN").
	PhoneRegion string
	Settings    Settings
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Settings are a workspace's preferences.
type Settings struct {
	// BusinessHours is free-form, e.g. "Mon-Sat 09:00-18:00".
	BusinessHours string `json:"business_hours,omitempty"`
	// AIEnabled lets the bot answer with AI in this workspace.
	AIEnabled bool `json:"ai_enabled"`
	// Require2FA makes two-factor sign-in mandatory for every member.
	Require2FA bool `json:"require_2fa"`
	// SessionIdle overrides the idle session timeout (0: the service's).
	SessionIdle time.Duration `json:"session_idle,omitempty"`
}

// Agency runs many client workspaces under its own brand.
type Agency struct {
	ID        string
	Name      string
	OwnerID   string
	Branding  Branding
	CreatedAt time.Time
}

// Branding is an agency's white label.
type Branding struct {
	// Name replaces the product name.
	Name         string `json:"name"`
	LogoURL      string `json:"logo_url,omitempty"`
	PrimaryColor string `json:"primary_color,omitempty"`
	AccentColor  string `json:"accent_color,omitempty"`
	SupportEmail string `json:"support_email,omitempty"`
	// Domain is the custom host ("app.agency.example") that selects this
	// branding; unique across agencies, stored lower-case.
	Domain string `json:"domain,omitempty"`
}

// User is a person who signs in. Email is unique (stored lower-case).
type User struct {
	ID    string
	Email secret.PII
	Name  secret.PII
	// PasswordHash is the bcrypt hash; empty for users who never set one.
	PasswordHash []byte
	// SuperAdmin grants platform-wide access (from allowed networks only).
	SuperAdmin bool
	// TOTPEnabled is true once a second factor was enrolled and confirmed.
	// The TOTP secret itself lives in the vault.
	TOTPEnabled bool
	// RecoveryCodes are SHA-256 hashes (hex) of unused recovery codes.
	RecoveryCodes []string
	// TOTPLastStep is the last accepted TOTP time step (Unix time / 30):
	// a code is accepted once, never replayed within its window.
	TOTPLastStep int64
	// Disabled users cannot sign in; their sessions stop working.
	Disabled  bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Membership gives a user a role in a workspace. Agency staff have
// memberships whose WorkspaceID is the agency's id: they reach the agency's
// client workspaces through [Service.SwitchInto].
type Membership struct {
	WorkspaceID string
	UserID      string
	Role        Role
	CreatedAt   time.Time
}

// Invitation is a pending invitation to join a workspace.
type Invitation struct {
	ID          string
	WorkspaceID string
	Email       secret.PII
	Role        Role
	InvitedBy   string
	ExpiresAt   time.Time
	// AcceptedAt is set once; an accepted invitation cannot be reused.
	AcceptedAt time.Time
	CreatedAt  time.Time
}

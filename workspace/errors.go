package workspace

import "errors"

// Errors returned by the service and stores, matched with errors.Is.
// Error strings never contain passwords, tokens, codes or e-mail addresses.
var (
	// ErrNotFound: no such workspace, user, session, key or connection.
	ErrNotFound = errors.New("workspace: not found")
	// ErrConflict: a unique value (e-mail, domain, external id) is taken, or
	// a compare-and-swap lost.
	ErrConflict = errors.New("workspace: conflict")
	// ErrInvalid: bad input; the message names the field.
	ErrInvalid = errors.New("workspace: invalid input")
	// ErrForbidden: authenticated but not allowed.
	ErrForbidden = errors.New("workspace: forbidden")
	// ErrUnauthenticated: wrong credentials, or an unknown, expired or
	// revoked session or API key. Deliberately not more specific.
	ErrUnauthenticated = errors.New("workspace: unauthenticated")
	// ErrLocked: too many failed sign-ins; retry later.
	ErrLocked = errors.New("workspace: account temporarily locked")
	// ErrRateLimited: too many attempts from one address.
	ErrRateLimited = errors.New("workspace: too many attempts")
	// ErrWeakPassword: the password fails the length or breach checks.
	ErrWeakPassword = errors.New("workspace: weak password")
	// ErrSecondFactorRequired: the password was right; a TOTP or recovery
	// code must follow (see [Service.Login]).
	ErrSecondFactorRequired = errors.New("workspace: second factor required")
	// ErrEnrollmentRequired: the role needs two-factor sign-in and the user
	// has not enrolled yet.
	ErrEnrollmentRequired = errors.New("workspace: two-factor enrolment required")
	// ErrExpired: an invitation or impersonation expired.
	ErrExpired = errors.New("workspace: expired")
	// ErrNetworkNotAllowed: super-admin access from outside the allowed ranges.
	ErrNetworkNotAllowed = errors.New("workspace: network not allowed")
	// ErrPaused: a kill switch forbids the operation.
	ErrPaused = errors.New("workspace: paused by kill switch")
)

// Package workspacetest is the conformance suite every [workspace.Store]
// passes, and an environment for tests of code that uses the workspace
// service.
//
//	func TestStore(t *testing.T) {
//		workspacetest.TestStore(t, func(t *testing.T) workspace.Store { return memstore.New() })
//	}
//
// The suite checks the store contract directly (uniqueness, cascades,
// atomic counters, workspace scoping) and then runs the [workspace.Service]
// on the store: sign-up and sign-in, every role against every action,
// invitations, removal on live sessions, session expiry and rotation,
// lockout shared between instances, TOTP and recovery codes,
// impersonation bound to the admin session, API keys, kill switches,
// agencies and branding, and channel connections with tokens in the vault.
package workspacetest

import (
	"context"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/privacy"
	privacymem "github.com/botsync/botsync/privacy/memstore"
	"github.com/botsync/botsync/secret"
	"github.com/botsync/botsync/vault"
	vaultmem "github.com/botsync/botsync/vault/memstore"
	"github.com/botsync/botsync/vault/vaulttest"
	"github.com/botsync/botsync/workspace"
)

// Start is the fake clock's starting time in every environment.
var Start = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// SigningKey is a fixed invitation signing key for tests.
var SigningKey = []byte("workspacetest-signing-key-32-bytes-long")

// AdminNet is the super-admin network of test environments; AdminIP is in
// it, UserIP is not.
var (
	AdminNet = netip.MustParsePrefix("10.20.0.0/16")
	AdminIP  = netip.MustParseAddr("10.20.1.5")
	UserIP   = netip.MustParseAddr("203.0.113.7")
)

// Password is a password that passes the policy.
var Password = secret.New("correct horse battery staple 42")

// Env is a service on a store with a fake clock, an in-memory audit trail
// and an in-memory vault.
type Env struct {
	Svc        *workspace.Service
	Store      workspace.Store
	Clock      *vaulttest.Clock
	Audit      *privacy.AuditLog
	AuditStore privacy.AuditStore
	Vault      *vault.Vault

	mu     sync.Mutex
	tokens map[string]secret.Value // session id → token, for sessions made by Login and Enroll
}

func (e *Env) remember(tok secret.Value) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.tokens[workspace.HashToken(tok.Reveal())] = tok
}

// NewEnv builds an environment over store. The bcrypt cost is lowered
// with workspace.WithInsecureBcryptCostForTests(4) so tests stay fast;
// opts are applied after the defaults.
func NewEnv(t testing.TB, store workspace.Store, opts ...workspace.Option) *Env {
	t.Helper()
	clock := vaulttest.NewClock(Start)
	as := privacymem.New()
	audit := privacy.NewAuditLog(as, clock.Now)
	v, err := vault.New(vaulttest.Keyring(t), vaultmem.New(), vault.WithClock(clock.Now))
	require.NoError(t, err)
	return NewEnvWith(t, store, clock, audit, as, v, opts...)
}

// NewEnvWith builds an environment sharing a clock, audit trail and vault
// with another one: a second server instance.
func NewEnvWith(t testing.TB, store workspace.Store, clock *vaulttest.Clock, audit *privacy.AuditLog, as privacy.AuditStore, v *vault.Vault, opts ...workspace.Option) *Env {
	t.Helper()
	all := append([]workspace.Option{
		workspace.WithClock(clock.Now), workspace.WithSecrets(v), workspace.WithInsecureBcryptCostForTests(4),
		workspace.WithSuperAdminNetworks(AdminNet),
	}, opts...)
	svc, err := workspace.New(store, audit, SigningKey, all...)
	require.NoError(t, err)
	return &Env{Svc: svc, Store: store, Clock: clock, Audit: audit, AuditStore: as, Vault: v, tokens: map[string]secret.Value{}}
}

// SignUp creates a user with [Password] and, when wsName is not empty, a
// workspace they own.
func (e *Env) SignUp(t testing.TB, email, wsName string) (workspace.User, workspace.Workspace) {
	t.Helper()
	u, w, err := e.Svc.SignUp(context.Background(), workspace.SignUpRequest{Email: email, Name: "Test Person",
		Password: Password, Workspace: workspace.Workspace{Name: wsName}})
	require.NoError(t, err)
	return u, w
}

// Login signs in with [Password] from ip (and a TOTP code when the user
// enrolled and code is not empty) and authenticates the new session.
func (e *Env) Login(t testing.TB, email string, ip netip.Addr, code string) (*workspace.Principal, secret.Value) {
	t.Helper()
	ctx := context.Background()
	req := workspace.LoginRequest{Email: email, Password: Password, IP: ip}
	if code != "" {
		req.TOTPCode = secret.New(code)
	}
	res, err := e.Svc.Login(ctx, req)
	require.NoError(t, err)
	p, err := e.Svc.Authenticate(ctx, res.Token, ip)
	require.NoError(t, err)
	e.remember(res.Token)
	return p, res.Token
}

// Enroll enrols the principal in TOTP and returns the secret (from the
// provisioning URI), the recovery codes and the rotated session token.
func (e *Env) Enroll(t testing.TB, p *workspace.Principal) (string, []secret.Value, secret.Value) {
	t.Helper()
	ctx := context.Background()
	uri, err := e.Svc.BeginTOTP(ctx, p)
	require.NoError(t, err)
	key, err := otp.NewKeyFromURL(uri.Reveal())
	require.NoError(t, err)
	codes, tok, err := e.Svc.ConfirmTOTP(ctx, p, secret.New(e.Code(t, key.Secret())))
	require.NoError(t, err)
	e.remember(tok)
	return key.Secret(), codes, tok
}

// Code advances the clock by one TOTP step (codes are accepted once, so
// every call must give a fresh one) and returns the code for sec.
func (e *Env) Code(t testing.TB, sec string) string {
	t.Helper()
	e.Clock.Advance(30 * time.Second)
	c, err := totp.GenerateCodeCustom(sec, e.Clock.Now(), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	require.NoError(t, err)
	return c
}

// AuditTrail returns the workspace's audit entries in order.
func (e *Env) AuditTrail(t testing.TB, workspaceID string) []privacy.AuditEntry {
	t.Helper()
	es, err := e.AuditStore.ListAudit(context.Background(), workspaceID, 0, 10000)
	require.NoError(t, err)
	return es
}

// HasAudit reports whether the workspace's trail has an entry with action
// (and, when impersonator is not empty, that impersonator).
func (e *Env) HasAudit(t testing.TB, workspaceID, action, impersonator string) bool {
	t.Helper()
	for _, en := range e.AuditTrail(t, workspaceID) {
		if en.Action == action && (impersonator == "" || en.Impersonator == impersonator) {
			return true
		}
	}
	return false
}

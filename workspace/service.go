package workspace

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/botsync/botsync/privacy"
	"github.com/botsync/botsync/secret"
	"github.com/botsync/botsync/vault"
)

// Auditor records audit entries; *privacy.AuditLog satisfies it.
type Auditor interface {
	Record(ctx context.Context, e privacy.AuditEntry) (privacy.AuditEntry, error)
}

// Secrets stores secrets by reference; *vault.Vault satisfies it. TOTP
// secrets and channel tokens live only there.
type Secrets interface {
	Put(ctx context.Context, ref vault.Ref, value secret.Value, opts ...vault.PutOption) (vault.Metadata, error)
	Get(ctx context.Context, ref vault.Ref) (secret.Value, error)
	Delete(ctx context.Context, ref vault.Ref) error
}

// PlatformScope is the audit-trail workspace id for events that belong to
// no workspace (sign-ins, super-admin actions, global kill switches).
const PlatformScope = "_platform"

// MinBcryptCost is the least bcrypt cost [WithBcryptCost] accepts.
const MinBcryptCost = 12

// Defaults of the service's options.
const (
	DefaultIdleTimeout      = 30 * time.Minute
	DefaultAbsoluteTimeout  = 12 * time.Hour
	DefaultImpersonationTTL = 30 * time.Minute
	DefaultInvitationTTL    = 7 * 24 * time.Hour
	DefaultMinPasswordLen   = 10
	// ClosureGrace is how long a closing workspace is kept before deletion.
	ClosureGrace = 30 * 24 * time.Hour
)

// LoginLimits configure sign-in throttling.
type LoginLimits struct {
	// MaxFailures per account (and per address) within Window lock it for
	// Lockout.
	MaxFailures int
	Window      time.Duration
	Lockout     time.Duration
	// IPRate and IPBurst bound attempts per address in this instance
	// (golang.org/x/time/rate), before any storage is touched.
	IPRate  rate.Limit
	IPBurst int
}

// DefaultLoginLimits: 5 failures in 15 minutes lock for 15 minutes; an
// address gets 10 attempts at once and one more every 6 seconds.
var DefaultLoginLimits = LoginLimits{MaxFailures: 5, Window: 15 * time.Minute, Lockout: 15 * time.Minute,
	IPRate: rate.Every(6 * time.Second), IPBurst: 10}

// Option configures a [Service].
type Option func(*config) error

type config struct {
	now              func() time.Time
	logger           *slog.Logger
	secrets          Secrets
	bcryptCost       int
	idle, absolute   time.Duration
	impersonationTTL time.Duration
	invitationTTL    time.Duration
	minPasswordLen   int
	superNets        []netip.Prefix
	limits           LoginLimits
	issuer           string
	disconnectHooks  []DisconnectHook
	revoker          TokenRevoker
}

// WithClock sets the clock (default time.Now).
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return fmt.Errorf("%w: clock: nil", ErrInvalid)
		}
		c.now = now
		return nil
	}
}

// WithLogger logs service events (never secrets). Default: silent.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error { c.logger = l; return nil }
}

// WithSecrets sets where TOTP secrets and channel tokens are kept (a
// *vault.Vault). Two-factor enrolment and channel connections need it.
func WithSecrets(s Secrets) Option {
	return func(c *config) error { c.secrets = s; return nil }
}

// WithBcryptCost sets the bcrypt cost; at least [MinBcryptCost] (default 12).
func WithBcryptCost(cost int) Option {
	return func(c *config) error {
		if cost < MinBcryptCost || cost > 31 {
			return fmt.Errorf("%w: bcrypt cost %d: want %d..31", ErrInvalid, cost, MinBcryptCost)
		}
		c.bcryptCost = cost
		return nil
	}
}

// WithInsecureBcryptCostForTests lowers the bcrypt cost below the minimum
// so tests run fast. Never use it outside tests.
func WithInsecureBcryptCostForTests(cost int) Option {
	return func(c *config) error {
		if cost < 4 || cost > 31 {
			return fmt.Errorf("%w: bcrypt cost %d: want 4..31", ErrInvalid, cost)
		}
		c.bcryptCost = cost
		return nil
	}
}

// WithSessionTimeouts sets the idle and absolute session lifetimes.
func WithSessionTimeouts(idle, absolute time.Duration) Option {
	return func(c *config) error {
		if idle <= 0 || absolute <= 0 || idle > absolute {
			return fmt.Errorf("%w: session timeouts: want 0 < idle <= absolute", ErrInvalid)
		}
		c.idle, c.absolute = idle, absolute
		return nil
	}
}

// WithImpersonationTTL bounds impersonation sessions (default 30 minutes).
func WithImpersonationTTL(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("%w: impersonation ttl: must be positive", ErrInvalid)
		}
		c.impersonationTTL = d
		return nil
	}
}

// WithInvitationTTL sets how long invitations stay valid (default 7 days).
func WithInvitationTTL(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("%w: invitation ttl: must be positive", ErrInvalid)
		}
		c.invitationTTL = d
		return nil
	}
}

// WithMinPasswordLength sets the minimum password length (default 10, at
// least 8).
func WithMinPasswordLength(n int) Option {
	return func(c *config) error {
		if n < 8 || n > 128 {
			return fmt.Errorf("%w: min password length %d: want 8..128", ErrInvalid, n)
		}
		c.minPasswordLen = n
		return nil
	}
}

// WithSuperAdminNetworks lists the address ranges super-admins may sign in
// and act from. With none, super-admin access is refused everywhere.
func WithSuperAdminNetworks(prefixes ...netip.Prefix) Option {
	return func(c *config) error {
		for i, p := range prefixes {
			if !p.IsValid() {
				return fmt.Errorf("%w: super-admin network %d: invalid prefix", ErrInvalid, i)
			}
		}
		c.superNets = append([]netip.Prefix(nil), prefixes...)
		return nil
	}
}

// WithLoginLimits sets sign-in throttling (default [DefaultLoginLimits]).
func WithLoginLimits(l LoginLimits) Option {
	return func(c *config) error {
		if l.MaxFailures <= 0 || l.Window <= 0 || l.Lockout <= 0 || l.IPBurst <= 0 {
			return fmt.Errorf("%w: login limits: max failures, window, lockout and ip burst must be positive", ErrInvalid)
		}
		c.limits = l
		return nil
	}
}

// WithTOTPIssuer names the issuer shown in authenticator apps (default
// "NexusDesk").
func WithTOTPIssuer(issuer string) Option {
	return func(c *config) error {
		if issuer == "" {
			return fmt.Errorf("%w: totp issuer: empty", ErrInvalid)
		}
		c.issuer = issuer
		return nil
	}
}

// Service is the workspace API: tenancy, members and roles, sign-in,
// sessions, API keys, impersonation and channel connections. It is safe
// for concurrent use.
type Service struct {
	store   Store
	audit   Auditor
	signKey []byte
	cfg     config

	ipMu       sync.Mutex
	ipLimiters map[netip.Addr]*ipLimiter

	dummyOnce sync.Once
	dummy     []byte

	kill killSwitches
}

type ipLimiter struct {
	lim  *rate.Limiter
	seen time.Time
}

// New returns a service over store that records to audit (a
// *privacy.AuditLog) and signs invitation tokens with signingKey (32 or
// more random bytes, the same on every instance).
func New(store Store, audit Auditor, signingKey []byte, opts ...Option) (*Service, error) {
	if store == nil {
		return nil, fmt.Errorf("%w: store: nil", ErrInvalid)
	}
	if audit == nil {
		return nil, fmt.Errorf("%w: audit: nil", ErrInvalid)
	}
	if len(signingKey) < 32 {
		return nil, fmt.Errorf("%w: signing key: want at least 32 bytes, got %d", ErrInvalid, len(signingKey))
	}
	cfg := config{
		now: time.Now, logger: slog.New(slog.DiscardHandler), bcryptCost: MinBcryptCost,
		idle: DefaultIdleTimeout, absolute: DefaultAbsoluteTimeout,
		impersonationTTL: DefaultImpersonationTTL, invitationTTL: DefaultInvitationTTL,
		minPasswordLen: DefaultMinPasswordLen, limits: DefaultLoginLimits, issuer: "NexusDesk",
	}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, fmt.Errorf("workspace: new: %w", err)
		}
	}
	if cfg.logger == nil {
		cfg.logger = slog.New(slog.DiscardHandler)
	}
	return &Service{store: store, audit: audit, signKey: append([]byte(nil), signingKey...), cfg: cfg,
		ipLimiters: map[netip.Addr]*ipLimiter{}}, nil
}

// Store returns the service's store.
func (s *Service) Store() Store { return s.store }

func (s *Service) now() time.Time { return s.cfg.now().UTC() }

// record appends to the audit trail; failures are returned, since an
// action that cannot be audited must not proceed silently.
func (s *Service) record(ctx context.Context, ws, actor, impersonator, action, target string) error {
	if ws == "" {
		ws = PlatformScope
	}
	if actor == "" {
		actor = "system"
	}
	_, err := s.audit.Record(ctx, privacy.AuditEntry{WorkspaceID: ws, Actor: actor, Impersonator: impersonator,
		Action: action, Target: target})
	if err != nil {
		return fmt.Errorf("workspace: audit %s: %w", action, err)
	}
	return nil
}

var idEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// newID returns prefix + 16 random bytes in lower-case base32.
func newID(prefix string) string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return prefix + lower(idEncoding.EncodeToString(b[:]))
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("workspace: %s: %w", op, err)
}

func isNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

func errorsIs(err, target error) bool { return errors.Is(err, target) }

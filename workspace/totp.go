package workspace

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/botsync/botsync/secret"
	"github.com/botsync/botsync/vault"
)

// TOTP parameters: RFC 6238 defaults that every authenticator app
// supports, with one step (30 s) of skew either way.
var totpOpts = totp.ValidateOpts{Period: 30, Skew: 1, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// RecoveryCodeCount is how many recovery codes an enrolment issues.
const RecoveryCodeCount = 10

func totpRef(userID, field string) vault.Ref {
	return vault.Ref{WorkspaceID: PlatformScope, Kind: "user_totp", RecordID: userID, Field: field}
}

// BeginTOTP starts two-factor enrolment for the signed-in user: it keeps a
// new TOTP secret (in the vault, pending) and returns the otpauth://
// provisioning URI to show as a QR code. The URI contains the secret.
// Users already enrolled get ErrConflict.
func (s *Service) BeginTOTP(ctx context.Context, p *Principal) (secret.Value, error) {
	if s.cfg.secrets == nil {
		return secret.Value{}, wrap("begin totp", fmt.Errorf("%w: no secrets store configured (WithSecrets)", ErrInvalid))
	}
	if p == nil || p.Session == nil || p.Impersonating() {
		return secret.Value{}, wrap("begin totp", ErrForbidden)
	}
	if p.User.TOTPEnabled {
		// A stolen session must not be able to move the second factor to
		// another device; a super-admin resets it ([Service.ResetTOTP]).
		return secret.Value{}, wrap("begin totp", fmt.Errorf("%w: already enrolled", ErrConflict))
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: s.cfg.issuer, AccountName: p.User.Email.Reveal(),
		Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1, Rand: rand.Reader})
	if err != nil {
		return secret.Value{}, wrap("begin totp", err)
	}
	if _, err := s.cfg.secrets.Put(ctx, totpRef(p.User.ID, "pending"), secret.New(key.Secret())); err != nil {
		return secret.Value{}, wrap("begin totp", err)
	}
	return secret.New(key.URL()), nil
}

// ConfirmTOTP finishes enrolment with a code from the authenticator app:
// the pending secret becomes active, the user gets RecoveryCodeCount
// one-time recovery codes (returned once, stored as SHA-256 hashes), and
// the session is rotated and marked as having passed the second factor.
// The returned token replaces the old one.
func (s *Service) ConfirmTOTP(ctx context.Context, p *Principal, code secret.Value) (codes []secret.Value, token secret.Value, err error) {
	if s.cfg.secrets == nil {
		return nil, secret.Value{}, wrap("confirm totp", fmt.Errorf("%w: no secrets store configured (WithSecrets)", ErrInvalid))
	}
	if p == nil || p.Session == nil || p.Impersonating() {
		return nil, secret.Value{}, wrap("confirm totp", ErrForbidden)
	}
	pending, err := s.cfg.secrets.Get(ctx, totpRef(p.User.ID, "pending"))
	if err != nil {
		return nil, secret.Value{}, wrap("confirm totp: no enrolment started", err)
	}
	step, ok := matchTOTP(pending.Reveal(), code.Reveal(), s.now())
	if !ok {
		return nil, secret.Value{}, wrap("confirm totp", ErrUnauthenticated)
	}
	if _, err := s.cfg.secrets.Put(ctx, totpRef(p.User.ID, "secret"), pending); err != nil {
		return nil, secret.Value{}, wrap("confirm totp", err)
	}
	if err := s.cfg.secrets.Delete(ctx, totpRef(p.User.ID, "pending")); err != nil && !isVaultNotFound(err) {
		return nil, secret.Value{}, wrap("confirm totp", err)
	}
	u, err := s.store.User(ctx, p.User.ID)
	if err != nil {
		return nil, secret.Value{}, wrap("confirm totp", err)
	}
	codes, hashes := newRecoveryCodes()
	u.TOTPEnabled, u.RecoveryCodes, u.TOTPLastStep, u.UpdatedAt = true, hashes, step, s.now()
	if err := s.store.UpdateUser(ctx, u); err != nil {
		return nil, secret.Value{}, wrap("confirm totp", err)
	}
	p.User = u
	_, tok, err := s.rotate(ctx, p, func(n *Session) { n.SecondFactor = true })
	if err != nil {
		return nil, secret.Value{}, wrap("confirm totp", err)
	}
	return codes, tok, s.record(ctx, PlatformScope, u.ID, "", "auth.totp.enrolled", u.ID)
}

// RegenerateRecoveryCodes replaces the user's recovery codes (the old ones
// stop working) after checking a current TOTP code.
func (s *Service) RegenerateRecoveryCodes(ctx context.Context, p *Principal, code secret.Value) ([]secret.Value, error) {
	if p == nil || p.Session == nil || p.Impersonating() || !p.User.TOTPEnabled {
		return nil, wrap("regenerate recovery codes", ErrForbidden)
	}
	u, err := s.store.User(ctx, p.User.ID)
	if err != nil {
		return nil, wrap("regenerate recovery codes", err)
	}
	ok, err := s.verifyTOTP(ctx, u, code, s.now())
	if err != nil {
		return nil, wrap("regenerate recovery codes", err)
	}
	if !ok {
		return nil, wrap("regenerate recovery codes", ErrUnauthenticated)
	}
	codes, hashes := newRecoveryCodes()
	u.RecoveryCodes, u.UpdatedAt = hashes, s.now()
	if err := s.store.UpdateUser(ctx, u); err != nil {
		return nil, wrap("regenerate recovery codes", err)
	}
	return codes, s.record(ctx, PlatformScope, u.ID, "", "auth.recovery_codes.regenerated", u.ID)
}

func (s *Service) verifyTOTP(ctx context.Context, u User, code secret.Value, now time.Time) (bool, error) {
	if s.cfg.secrets == nil {
		return false, fmt.Errorf("%w: no secrets store configured (WithSecrets)", ErrInvalid)
	}
	sec, err := s.cfg.secrets.Get(ctx, totpRef(u.ID, "secret"))
	if err != nil {
		return false, fmt.Errorf("totp secret: %w", err)
	}
	step, ok := matchTOTP(sec.Reveal(), code.Reveal(), now)
	if !ok {
		return false, nil
	}
	err = s.store.ClaimTOTPStep(ctx, u.ID, step)
	if errorsIs(err, ErrConflict) {
		return false, nil // replayed
	}
	if err != nil {
		return false, err
	}
	return true, nil
}

// matchTOTP compares code, in constant time, with the codes of the steps
// around now (one step of skew either way) and returns the matching step.
func matchTOTP(sec, code string, now time.Time) (int64, bool) {
	c := strings.TrimSpace(code)
	if len(c) != 6 {
		return 0, false
	}
	var (
		step  int64
		found bool
	)
	for k := -int64(totpOpts.Skew); k <= int64(totpOpts.Skew); k++ {
		t := now.Add(time.Duration(k) * 30 * time.Second)
		want, err := totp.GenerateCodeCustom(sec, t, totpOpts)
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(c)) == 1 && !found {
			step, found = t.Unix()/30, true
		}
	}
	return step, found
}

const recoveryAlphabet = "abcdefghjkmnpqrstuvwxyz023456789" // 32 symbols: x&31 is unbiased

// newRecoveryCodes returns codes like "k7mqx-3vh9p" (50 random bits each)
// and their hashes.
func newRecoveryCodes() ([]secret.Value, []string) {
	codes := make([]secret.Value, RecoveryCodeCount)
	hashes := make([]string, RecoveryCodeCount)
	for i := range codes {
		var b [10]byte
		_, _ = rand.Read(b[:])
		c := make([]byte, 0, 11)
		for j, x := range b {
			if j == 5 {
				c = append(c, '-')
			}
			c = append(c, recoveryAlphabet[x&31])
		}
		codes[i] = secret.New(string(c))
		hashes[i] = HashToken(normRecovery(string(c)))
	}
	return codes, hashes
}

// normRecovery ignores case, spaces and dashes in a typed recovery code.
func normRecovery(c string) string {
	c = strings.ToLower(c)
	return strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' {
			return -1
		}
		return r
	}, c)
}

func isVaultNotFound(err error) bool { return err != nil && errorsIs(err, vault.ErrNotFound) }

// ResetTOTP removes a user's second factor (a lost phone, after the
// support team verified the person): super-admins only, reason required.
// The user's sessions end and, for roles that need it, the next sign-in
// asks for a new enrolment.
func (s *Service) ResetTOTP(ctx context.Context, admin *Principal, userID, reason string) error {
	reason = strings.TrimSpace(reason)
	if reason == "" || len(reason) > 500 {
		return wrap("reset totp", fmt.Errorf("%w: reason: want 1..500 characters", ErrInvalid))
	}
	if !admin.SuperAdmin() {
		return wrap("reset totp", ErrForbidden)
	}
	if err := s.Authorize(ctx, admin, ActionPlatformImpersonate, PlatformScope); err != nil {
		return wrap("reset totp", err)
	}
	u, err := s.store.User(ctx, userID)
	if err != nil {
		return wrap("reset totp", err)
	}
	u.TOTPEnabled, u.RecoveryCodes, u.UpdatedAt = false, nil, s.now()
	if err := s.store.UpdateUser(ctx, u); err != nil {
		return wrap("reset totp", err)
	}
	if s.cfg.secrets != nil {
		for _, f := range []string{"secret", "pending"} {
			if err := s.cfg.secrets.Delete(ctx, totpRef(userID, f)); err != nil && !isVaultNotFound(err) {
				return wrap("reset totp", err)
			}
		}
	}
	if _, err := s.store.DeleteUserSessions(ctx, userID, ""); err != nil {
		return wrap("reset totp", err)
	}
	return s.record(ctx, PlatformScope, admin.User.ID, "", "auth.totp.reset", userID+" reason="+reason)
}

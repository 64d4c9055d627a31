package workspace

import (
	"bufio"
	"context"
	_ "embed"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"

	"github.com/botsync/botsync/secret"
)

//go:embed common_passwords.txt
var commonPasswordsText string

var commonPasswords = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(commonPasswordsText))
	for sc.Scan() {
		if w := strings.TrimSpace(sc.Text()); w != "" && !strings.HasPrefix(w, "#") {
			m[strings.ToLower(w)] = true
		}
	}
	return m
})

// maxPasswordBytes is bcrypt's input limit: longer passwords would be
// silently truncated, so they are refused.
const maxPasswordBytes = 72

// CheckPassword applies the password policy: at least minLen characters,
// at most 72 bytes, not a common or breached password (an embedded list,
// also after stripping trailing digits and symbols), not built from the
// e-mail address or name, not one repeated character or a keyboard or
// number run. The error wraps [ErrWeakPassword] and says why, never echoing
// the password.
func CheckPassword(password secret.Value, minLen int, email, name string) error {
	pw := password.Reveal()
	lowerPW := strings.ToLower(pw)
	switch {
	case !utf8.ValidString(pw):
		return fmt.Errorf("%w: password: not valid UTF-8", ErrWeakPassword)
	case utf8.RuneCountInString(pw) < minLen:
		return fmt.Errorf("%w: password: shorter than %d characters", ErrWeakPassword, minLen)
	case len(pw) > maxPasswordBytes:
		return fmt.Errorf("%w: password: longer than %d bytes", ErrWeakPassword, maxPasswordBytes)
	case commonPasswords()[lowerPW] || commonPasswords()[strings.TrimRight(lowerPW, "0123456789!@#$%^&*.?_-")]:
		return fmt.Errorf("%w: password: appears in breached-password lists", ErrWeakPassword)
	case strings.Count(pw, string([]rune(pw)[0])) == utf8.RuneCountInString(pw):
		return fmt.Errorf("%w: password: one repeated character", ErrWeakPassword)
	case isRun(lowerPW):
		return fmt.Errorf("%w: password: a keyboard or number sequence", ErrWeakPassword)
	}
	for _, part := range personalParts(email, name) {
		if strings.Contains(lowerPW, part) {
			return fmt.Errorf("%w: password: contains the e-mail address or name", ErrWeakPassword)
		}
	}
	return nil
}

// personalParts returns the pieces of the e-mail and name (4 characters or
// more) a password must not contain.
func personalParts(email, name string) []string {
	var parts []string
	local, domain, _ := strings.Cut(strings.ToLower(email), "@")
	for _, p := range append(strings.FieldsFunc(local, func(r rune) bool { return r == '.' || r == '_' || r == '-' || r == '+' }), local, strings.Split(domain, ".")[0]) {
		if len(p) >= 4 {
			parts = append(parts, p)
		}
	}
	for _, p := range strings.Fields(strings.ToLower(name)) {
		if len(p) >= 4 {
			parts = append(parts, p)
		}
	}
	return parts
}

var runs = []string{"0123456789", "abcdefghijklmnopqrstuvwxyz", "qwertyuiop", "asdfghjkl", "zxcvbnm", "1qaz2wsx3edc"}

// isRun reports whether pw is a stretch of a keyboard or number run,
// forwards or backwards.
func isRun(pw string) bool {
	for _, r := range runs {
		rev := reverse(r)
		for _, seq := range []string{r + r, rev + rev} {
			if strings.Contains(seq, pw) {
				return true
			}
		}
	}
	return false
}

func reverse(s string) string {
	b := []byte(s)
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return string(b)
}

// hashPassword hashes with the configured bcrypt cost.
func (s *Service) hashPassword(pw secret.Value) ([]byte, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(pw.Reveal()), s.cfg.bcryptCost)
	if err != nil {
		return nil, fmt.Errorf("%w: password: cannot hash", ErrInvalid)
	}
	return h, nil
}

// dummyHash is compared against when the account does not exist, so that
// sign-in takes as long for unknown e-mail addresses as for known ones.
func (s *Service) dummyHash() []byte {
	s.dummyOnce.Do(func() {
		s.dummy, _ = bcrypt.GenerateFromPassword([]byte("botsync-no-such-user"), s.cfg.bcryptCost)
	})
	return s.dummy
}

// SignUpRequest creates a user and, when Workspace.Name is set, their
// first workspace.
type SignUpRequest struct {
	Email    string
	Name     string
	Password secret.Value
	// Workspace, if named, is created with the new user as owner.
	Workspace Workspace
}

// SignUp creates a user with a checked, bcrypt-hashed password, and their
// workspace if one is named. The e-mail must be unused (ErrConflict).
func (s *Service) SignUp(ctx context.Context, req SignUpRequest) (User, Workspace, error) {
	email, err := normEmail(req.Email)
	if err != nil {
		return User{}, Workspace{}, wrap("sign up", err)
	}
	name := strings.TrimSpace(req.Name)
	if name == "" || len(name) > 200 {
		return User{}, Workspace{}, wrap("sign up", fmt.Errorf("%w: name: want 1..200 characters", ErrInvalid))
	}
	if err := CheckPassword(req.Password, s.cfg.minPasswordLen, email, name); err != nil {
		return User{}, Workspace{}, wrap("sign up", err)
	}
	if req.Workspace.Name != "" {
		probe := req.Workspace
		probe.OwnerID = "probe"
		if err := validateWorkspace(&probe); err != nil {
			return User{}, Workspace{}, wrap("sign up: workspace", err)
		}
	}
	hash, err := s.hashPassword(req.Password)
	if err != nil {
		return User{}, Workspace{}, wrap("sign up", err)
	}
	now := s.now()
	u := User{ID: newID("usr_"), Email: secret.NewPII(email), Name: secret.NewPII(name), PasswordHash: hash,
		CreatedAt: now, UpdatedAt: now}
	if err := s.store.CreateUser(ctx, u); err != nil {
		return User{}, Workspace{}, wrap("sign up", err)
	}
	if err := s.record(ctx, PlatformScope, u.ID, "", "user.signup", u.ID); err != nil {
		return User{}, Workspace{}, err
	}
	if req.Workspace.Name == "" {
		return u, Workspace{}, nil
	}
	w, err := s.CreateWorkspace(ctx, u.ID, req.Workspace)
	return u, w, err
}

// ChangePassword sets a new password after checking the current one, and
// signs the user out everywhere else.
func (s *Service) ChangePassword(ctx context.Context, p *Principal, current, next secret.Value) error {
	if p == nil || p.Session == nil || p.Impersonating() {
		return wrap("change password", ErrForbidden)
	}
	u, err := s.store.User(ctx, p.User.ID)
	if err != nil {
		return wrap("change password", err)
	}
	if bcrypt.CompareHashAndPassword(u.PasswordHash, []byte(current.Reveal())) != nil {
		return wrap("change password", ErrUnauthenticated)
	}
	if err := CheckPassword(next, s.cfg.minPasswordLen, u.Email.Reveal(), u.Name.Reveal()); err != nil {
		return wrap("change password", err)
	}
	if u.PasswordHash, err = s.hashPassword(next); err != nil {
		return wrap("change password", err)
	}
	u.UpdatedAt = s.now()
	if err := s.store.UpdateUser(ctx, u); err != nil {
		return wrap("change password", err)
	}
	if _, err := s.store.DeleteUserSessions(ctx, u.ID, p.Session.ID); err != nil {
		return wrap("change password", err)
	}
	return s.record(ctx, PlatformScope, u.ID, "", "user.password", u.ID)
}

// PromoteSuperAdmin makes a user a super-admin. It is for the operator's
// bootstrap tooling (a command run on the server), not for handlers;
// by names who ran it in the audit trail.
func (s *Service) PromoteSuperAdmin(ctx context.Context, userID, by string) error {
	if by == "" {
		return wrap("promote super-admin", fmt.Errorf("%w: by: empty", ErrInvalid))
	}
	u, err := s.store.User(ctx, userID)
	if err != nil {
		return wrap("promote super-admin", err)
	}
	u.SuperAdmin, u.UpdatedAt = true, s.now()
	if err := s.store.UpdateUser(ctx, u); err != nil {
		return wrap("promote super-admin", err)
	}
	if _, err := s.store.DeleteUserSessions(ctx, userID, ""); err != nil {
		return wrap("promote super-admin", err)
	}
	return s.record(ctx, PlatformScope, "operator:"+by, "", "user.promote_super_admin", userID)
}

package workspace

import (
	"context"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/botsync/botsync/privacy"
)

// ClosureRule is the privacy rule of the deletion clock that starts when a
// workspace enters closing.
var ClosureRule = privacy.Rule{Name: "workspace.closure", Period: privacy.Period{N: 30, Unit: privacy.Days},
	Source: "BotSync closure policy: data deleted 30 days after closing"}

// ClosureClock returns the running deletion clock of a closing or closed
// workspace; ok is false for other statuses.
func ClosureClock(w Workspace) (d privacy.Deadline, ok bool) {
	if (w.Status != StatusClosing && w.Status != StatusClosed) || w.ClosingSince.IsZero() {
		return privacy.Deadline{}, false
	}
	return privacy.Start(ClosureRule, w.ID, w.ClosingSince), true
}

var (
	regionRE = regexp.MustCompile(`^[A-Z]{2}$`)
	localeRE = regexp.MustCompile(`^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$`)
	colorRE  = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)
	domainRE = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)
)

func validateWorkspace(w *Workspace) error {
	w.Name = strings.TrimSpace(w.Name)
	switch {
	case w.Name == "" || len(w.Name) > 200:
		return fmt.Errorf("%w: name: want 1..200 characters", ErrInvalid)
	case w.OwnerID == "":
		return fmt.Errorf("%w: owner id: empty", ErrInvalid)
	}
	if w.Locale == "" {
		w.Locale = "en-IN"
	}
	if !localeRE.MatchString(w.Locale) {
		return fmt.Errorf("%w: locale %q: want a BCP 47 tag", ErrInvalid, w.Locale)
	}
	if w.TimeZone == "" {
		w.TimeZone = "Asia/Kolkata"
	}
	if _, err := time.LoadLocation(w.TimeZone); err != nil || w.TimeZone == "Local" {
		return fmt.Errorf("%w: time zone %q: unknown", ErrInvalid, w.TimeZone)
	}
	if w.PhoneRegion == "" {
		w.PhoneRegion = "IN"
	}
	if !regionRE.MatchString(w.PhoneRegion) {
		return fmt.Errorf("%w: phone region %q: want two upper-case letters", ErrInvalid, w.PhoneRegion)
	}
	if w.Plan == "" {
		w.Plan = "free"
	}
	if w.Settings.SessionIdle < 0 {
		return fmt.Errorf("%w: settings.session idle: negative", ErrInvalid)
	}
	return nil
}

// CreateWorkspace creates a workspace owned by ownerID, with an owner
// membership. When w.AgencyID is set the owner must be an owner or admin
// of that agency. Empty locale, time zone, phone region and plan default to
// en-IN, Asia/Kolkata, IN and free.
func (s *Service) CreateWorkspace(ctx context.Context, ownerID string, w Workspace) (Workspace, error) {
	w.OwnerID = ownerID
	if err := validateWorkspace(&w); err != nil {
		return Workspace{}, wrap("create workspace", err)
	}
	if _, err := s.store.User(ctx, ownerID); err != nil {
		return Workspace{}, wrap("create workspace: owner", err)
	}
	if w.AgencyID != "" {
		m, err := s.store.Membership(ctx, w.AgencyID, ownerID)
		if err != nil || m.Role.rank() < RoleAdmin.rank() {
			return Workspace{}, wrap("create workspace", fmt.Errorf("%w: owner is not an agency admin", ErrForbidden))
		}
	}
	now := s.now()
	w.ID = newID("ws_")
	w.Status, w.ClosingSince, w.CreatedAt, w.UpdatedAt = StatusActive, time.Time{}, now, now
	if err := s.store.CreateWorkspace(ctx, w); err != nil {
		return Workspace{}, wrap("create workspace", err)
	}
	if err := s.store.PutMembership(ctx, Membership{WorkspaceID: w.ID, UserID: ownerID, Role: RoleOwner, CreatedAt: now}); err != nil {
		return Workspace{}, wrap("create workspace: membership", err)
	}
	return w, s.record(ctx, w.ID, ownerID, "", "workspace.create", w.ID)
}

// WorkspaceProfile is what [Service.UpdateWorkspace] may change.
type WorkspaceProfile struct {
	Name, Locale, TimeZone, PhoneRegion string
	Settings                            Settings
}

// UpdateWorkspace changes the workspace's profile and settings; it needs
// [ActionWorkspaceSettings].
func (s *Service) UpdateWorkspace(ctx context.Context, p *Principal, workspaceID string, prof WorkspaceProfile) (Workspace, error) {
	if err := s.Authorize(ctx, p, ActionWorkspaceSettings, workspaceID); err != nil {
		return Workspace{}, wrap("update workspace", err)
	}
	w, err := s.store.Workspace(ctx, workspaceID)
	if err != nil {
		return Workspace{}, wrap("update workspace", err)
	}
	w.Name, w.Locale, w.TimeZone, w.PhoneRegion, w.Settings = prof.Name, prof.Locale, prof.TimeZone, prof.PhoneRegion, prof.Settings
	if err := validateWorkspace(&w); err != nil {
		return Workspace{}, wrap("update workspace", err)
	}
	w.UpdatedAt = s.now()
	if err := s.store.UpdateWorkspace(ctx, w); err != nil {
		return Workspace{}, wrap("update workspace", err)
	}
	return w, s.Audit(ctx, p, workspaceID, "workspace.update", workspaceID)
}

// SetStatus moves a workspace through its lifecycle:
//
//   - closing: the owner asks to close (needs [ActionWorkspaceClose]); the
//     deletion clock starts now ([ClosureClock]).
//   - active: a super-admin lifts a suspension, or the owner cancels a
//     closing before the clock ends.
//   - suspended: super-admins only.
//   - closed: when the clock has run out (the privacy sweeper calls this
//     as "system" with a nil principal), or by a super-admin.
//
// Each change is audited with the reason.
func (s *Service) SetStatus(ctx context.Context, p *Principal, workspaceID string, to Status, reason string) (Workspace, error) {
	if !to.Valid() {
		return Workspace{}, wrap("set status", fmt.Errorf("%w: status %q", ErrInvalid, to))
	}
	w, err := s.store.Workspace(ctx, workspaceID)
	if err != nil {
		return Workspace{}, wrap("set status", err)
	}
	now := s.now()
	super := p != nil && p.SuperAdmin()
	owner := p != nil && p.User.ID == w.OwnerID && p.Impersonator == ""
	switch {
	case w.Status == to:
		return w, nil
	case w.Status == StatusClosed:
		return Workspace{}, wrap("set status", fmt.Errorf("%w: workspace is closed", ErrForbidden))
	case to == StatusClosing && (owner || super):
		w.ClosingSince = now
	case to == StatusActive && (super || (owner && w.Status == StatusClosing)):
		w.ClosingSince = time.Time{}
	case to == StatusSuspended && super:
	case to == StatusClosed && (super || (p == nil && w.Status == StatusClosing)):
		if !super {
			clock, _ := ClosureClock(w)
			due, err := clock.Due(nil, now)
			if err != nil {
				return Workspace{}, wrap("set status", err)
			}
			if now.Before(due) {
				return Workspace{}, wrap("set status", fmt.Errorf("%w: closure clock runs until %s", ErrForbidden, due.Format(time.RFC3339)))
			}
		}
	default:
		return Workspace{}, wrap("set status", fmt.Errorf("%w: %s to %s", ErrForbidden, w.Status, to))
	}
	w.Status, w.UpdatedAt = to, now
	if err := s.store.UpdateWorkspace(ctx, w); err != nil {
		return Workspace{}, wrap("set status", err)
	}
	return w, s.Audit(ctx, p, workspaceID, "workspace.status."+string(to), reasonTarget(workspaceID, reason))
}

func reasonTarget(target, reason string) string {
	if reason == "" {
		return target
	}
	return target + " reason=" + reason
}

// CreateAgency creates an agency owned by ownerID (who becomes its owner
// member).
func (s *Service) CreateAgency(ctx context.Context, ownerID string, a Agency) (Agency, error) {
	a.Name = strings.TrimSpace(a.Name)
	if a.Name == "" || len(a.Name) > 200 {
		return Agency{}, wrap("create agency", fmt.Errorf("%w: name: want 1..200 characters", ErrInvalid))
	}
	if err := validateBranding(&a.Branding); err != nil {
		return Agency{}, wrap("create agency", err)
	}
	if _, err := s.store.User(ctx, ownerID); err != nil {
		return Agency{}, wrap("create agency: owner", err)
	}
	a.ID, a.OwnerID, a.CreatedAt = newID("ag_"), ownerID, s.now()
	if err := s.store.CreateAgency(ctx, a); err != nil {
		return Agency{}, wrap("create agency", err)
	}
	if err := s.store.PutMembership(ctx, Membership{WorkspaceID: a.ID, UserID: ownerID, Role: RoleOwner, CreatedAt: a.CreatedAt}); err != nil {
		return Agency{}, wrap("create agency: membership", err)
	}
	return a, s.record(ctx, a.ID, ownerID, "", "agency.create", a.ID)
}

// SetBranding replaces an agency's white label; agency owners and admins
// only.
func (s *Service) SetBranding(ctx context.Context, p *Principal, agencyID string, b Branding) (Agency, error) {
	a, err := s.store.Agency(ctx, agencyID)
	if err != nil {
		return Agency{}, wrap("set branding", err)
	}
	if err := s.agencyAdmin(ctx, p, agencyID); err != nil {
		return Agency{}, wrap("set branding", err)
	}
	if err := validateBranding(&b); err != nil {
		return Agency{}, wrap("set branding", err)
	}
	a.Branding = b
	if err := s.store.UpdateAgency(ctx, a); err != nil {
		return Agency{}, wrap("set branding", err)
	}
	return a, s.Audit(ctx, p, agencyID, "agency.branding", agencyID)
}

func (s *Service) agencyAdmin(ctx context.Context, p *Principal, agencyID string) error {
	if p == nil {
		return ErrUnauthenticated
	}
	if p.SuperAdmin() {
		return nil
	}
	m, err := s.store.Membership(ctx, agencyID, p.User.ID)
	if err != nil || m.Role.rank() < RoleAdmin.rank() {
		return ErrForbidden
	}
	return nil
}

func validateBranding(b *Branding) error {
	b.Domain = strings.ToLower(strings.TrimSpace(b.Domain))
	if b.Domain != "" && (!domainRE.MatchString(b.Domain) || len(b.Domain) > 253) {
		return fmt.Errorf("%w: branding.domain: want a host name", ErrInvalid)
	}
	if b.LogoURL != "" {
		u, err := url.Parse(b.LogoURL)
		if err != nil || u.Scheme != "https" || u.Host == "" {
			return fmt.Errorf("%w: branding.logo url: want an https URL", ErrInvalid)
		}
	}
	for _, c := range []struct{ name, v string }{{"primary color", b.PrimaryColor}, {"accent color", b.AccentColor}} {
		if c.v != "" && !colorRE.MatchString(c.v) {
			return fmt.Errorf("%w: branding.%s: want #rrggbb", ErrInvalid, c.name)
		}
	}
	if b.SupportEmail != "" {
		if _, err := mail.ParseAddress(b.SupportEmail); err != nil {
			return fmt.Errorf("%w: branding.support email: not an address", ErrInvalid)
		}
	}
	if len(b.Name) > 200 {
		return fmt.Errorf("%w: branding.name: longer than 200 characters", ErrInvalid)
	}
	return nil
}

// BrandingForHost resolves the white label for a request's Host header
// ("app.agency.example:443"); ok is false when no agency claims the host,
// and the caller shows its own brand.
func (s *Service) BrandingForHost(ctx context.Context, host string) (b Branding, agencyID string, ok bool, err error) {
	h := strings.ToLower(strings.TrimSpace(host))
	if hp, _, splitErr := net.SplitHostPort(h); splitErr == nil {
		h = hp
	}
	h = strings.TrimSuffix(h, ".")
	if h == "" || !domainRE.MatchString(h) {
		return Branding{}, "", false, nil
	}
	a, err := s.store.AgencyByDomain(ctx, h)
	if isNotFound(err) {
		return Branding{}, "", false, nil
	}
	if err != nil {
		return Branding{}, "", false, wrap("branding for host", err)
	}
	return a.Branding, a.ID, true, nil
}

// AgencyClients lists the agency's client workspaces for its staff (any
// agency role) and super-admins: the agency's cross-client overview.
func (s *Service) AgencyClients(ctx context.Context, p *Principal, agencyID string) ([]Workspace, error) {
	if p == nil {
		return nil, wrap("agency clients", ErrUnauthenticated)
	}
	if !p.SuperAdmin() {
		if _, err := s.store.Membership(ctx, agencyID, p.User.ID); err != nil {
			return nil, wrap("agency clients", ErrForbidden)
		}
	}
	ws, err := s.store.AgencyWorkspaces(ctx, agencyID)
	return ws, wrap("agency clients", err)
}

package crm

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"
)

// Service is the CRM: validation, normalisation and activity logging on top
// of a Store. It is safe for concurrent use; its zero value is not usable,
// call New.
type Service struct {
	store  Store
	clock  func() time.Time
	region func(workspaceID string) string
	logger *slog.Logger
	cal    func(workspaceID string) Calendar
}

type config struct {
	clock  func() time.Time
	region func(string) string
	logger *slog.Logger
	cal    func(string) Calendar
}

// Option configures a Service.
type Option func(*config) error

// WithClock sets the clock used for timestamps (default time.Now).
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return errors.New("crm: WithClock: nil clock")
		}
		c.clock = now
		return nil
	}
}

// WithDefaultRegion sets the region (ISO 3166 alpha-2, e.g. "IN") used to
// read phone numbers written without a country code, for every workspace.
func WithDefaultRegion(region string) Option {
	return func(c *config) error {
		if _, err := NormalizePhone("+14155552671", region); err != nil {
			return fmt.Errorf("crm: WithDefaultRegion: %w", err)
		}
		c.region = func(string) string { return region }
		return nil
	}
}

// WithRegionFunc sets a per-workspace default region.
func WithRegionFunc(f func(workspaceID string) string) Option {
	return func(c *config) error {
		if f == nil {
			return errors.New("crm: WithRegionFunc: nil func")
		}
		c.region = f
		return nil
	}
}

// WithLogger sets a logger for background notes (never personal data). The
// default is silent.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return errors.New("crm: WithLogger: nil logger")
		}
		c.logger = l
		return nil
	}
}

// WithCalendar sets the calendar bookings are created in (default: bookings
// are stored without an external calendar).
func WithCalendar(cal Calendar) Option {
	return func(c *config) error {
		if cal == nil {
			return errors.New("crm: WithCalendar: nil calendar")
		}
		c.cal = func(string) Calendar { return cal }
		return nil
	}
}

// WithCalendarFunc sets a per-workspace calendar; f may return nil for a
// workspace without one.
func WithCalendarFunc(f func(workspaceID string) Calendar) Option {
	return func(c *config) error {
		if f == nil {
			return errors.New("crm: WithCalendarFunc: nil func")
		}
		c.cal = f
		return nil
	}
}

// New returns a Service over store.
func New(store Store, opts ...Option) (*Service, error) {
	if store == nil {
		return nil, errors.New("crm: New: nil store")
	}
	cfg := config{
		clock:  time.Now,
		region: func(string) string { return "" },
		logger: slog.New(slog.DiscardHandler),
		cal:    func(string) Calendar { return nil },
	}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	return &Service{store: store, clock: cfg.clock, region: cfg.region, logger: cfg.logger, cal: cfg.cal}, nil
}

// Store returns the service's store.
func (s *Service) Store() Store { return s.store }

func (s *Service) now() time.Time { return storeTime(s.clock()) }

// storeTime is t as every store keeps it: UTC, microsecond precision.
func storeTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// newID returns a time-ordered random id (12 hex digits of milliseconds, 16
// random hex digits).
func (s *Service) newID() string { return NewID(s.clock()) }

// NewID returns a time-ordered unique id for a record created at t.
func NewID(t time.Time) string {
	var b [14]byte
	ms := uint64(t.UnixMilli())
	for i := 5; i >= 0; i-- {
		b[i] = byte(ms)
		ms >>= 8
	}
	_, _ = rand.Read(b[6:])
	return hex.EncodeToString(b[:])
}

// required returns a validation error naming the first empty field of the
// name, value pairs.
func required(kv ...string) error {
	for i := 0; i+1 < len(kv); i += 2 {
		if strings.TrimSpace(kv[i+1]) == "" {
			return invalid(kv[i], "required")
		}
	}
	return nil
}

func trimSpace(s string) string { return strings.TrimSpace(s) }

// truncate cuts s to at most n bytes on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// Contact describes a person as a channel reports them: the identities a
// webhook carries and what else it knows.
type Contact struct {
	Identities []Identity
	Name       string // profile name: names a new lead, or a found lead that has no name yet
	Source     Source // used only when a lead is created
	Actor      Actor
}

// FindOrCreate returns the lead owning any of c's identities, attaching the
// ones it lacks, or creates it (in the pipeline's first stage, with a created
// activity). Identities are normalised first (a wa_id also yields its phone
// number, so a WhatsApp contact finds the lead imported by phone). On
// PostgreSQL this is one round trip, and concurrent calls for one new contact
// create one lead.
func (s *Service) FindOrCreate(ctx context.Context, workspaceID string, c Contact) (_ *Lead, created bool, _ error) {
	if err := required("workspace_id", workspaceID); err != nil {
		return nil, false, fmt.Errorf("crm: find or create: %w", err)
	}
	ids, err := normalizeIdentities(c.Identities, s.region(workspaceID))
	if err != nil {
		return nil, false, fmt.Errorf("crm: find or create: %w", err)
	}
	now := s.now()
	lead := &Lead{
		ID: s.newID(), WorkspaceID: workspaceID, Name: truncate(trimSpace(c.Name), maxProfileField), Source: c.Source,
		CreatedAt: now, UpdatedAt: now, LastActivityAt: now,
	}
	act := Activity{ID: s.newID(), LeadID: lead.ID, Type: ActivityCreated, Actor: c.Actor.orSystem(), At: now, Text: c.Source.Channel}
	l, created, err := s.store.FindOrCreateLead(ctx, workspaceID, ids, lead, act)
	if err != nil {
		return nil, false, fmt.Errorf("crm: find or create: %w", err)
	}
	return l, created, nil
}

// Lead returns a lead with its identities. A merged lead is returned as is;
// its MergedInto names the survivor.
func (s *Service) Lead(ctx context.Context, workspaceID, id string) (*Lead, error) {
	l, err := s.store.Lead(ctx, workspaceID, id)
	if err != nil {
		return nil, fmt.Errorf("crm: lead: %w", err)
	}
	return l, nil
}

// Resolve returns the lead id refers to, following the merge pointer to the
// survivor when id was merged into another lead.
func (s *Service) Resolve(ctx context.Context, workspaceID, id string) (*Lead, error) {
	for range 8 {
		l, err := s.store.Lead(ctx, workspaceID, id)
		if err != nil {
			return nil, fmt.Errorf("crm: resolve: %w", err)
		}
		if l.MergedInto == "" {
			return l, nil
		}
		id = l.MergedInto
	}
	return nil, fmt.Errorf("crm: resolve: %w", ErrMerged)
}

// LeadByIdentity returns the lead owning an identity (normalised first).
func (s *Service) LeadByIdentity(ctx context.Context, workspaceID string, id Identity) (*Lead, error) {
	n, err := NormalizeIdentity(id, s.region(workspaceID))
	if err != nil {
		return nil, fmt.Errorf("crm: lead by identity: %w", err)
	}
	l, err := s.store.LeadByIdentity(ctx, workspaceID, n)
	if err != nil {
		return nil, fmt.Errorf("crm: lead by identity: %w", err)
	}
	return l, nil
}

// AddIdentity attaches an identity to a lead; ErrConflict if another lead
// owns it.
func (s *Service) AddIdentity(ctx context.Context, workspaceID, leadID string, id Identity) error {
	n, err := NormalizeIdentity(id, s.region(workspaceID))
	if err != nil {
		return fmt.Errorf("crm: add identity: %w", err)
	}
	if err := s.store.AddIdentity(ctx, workspaceID, leadID, n); err != nil {
		return fmt.Errorf("crm: add identity: %w", err)
	}
	return nil
}

// RemoveIdentity detaches an identity from a lead.
func (s *Service) RemoveIdentity(ctx context.Context, workspaceID, leadID string, id Identity) error {
	n, err := NormalizeIdentity(id, s.region(workspaceID))
	if err != nil {
		return fmt.Errorf("crm: remove identity: %w", err)
	}
	if err := s.store.RemoveIdentity(ctx, workspaceID, leadID, n); err != nil {
		return fmt.Errorf("crm: remove identity: %w", err)
	}
	return nil
}

// Delete erases a lead and everything attached to it, including leads merged
// into it (privacy erasure). The calendar events of its open bookings are
// cancelled first.
func (s *Service) Delete(ctx context.Context, workspaceID, id string) error {
	if cal := s.cal(workspaceID); cal != nil {
		bookings, err := s.store.Bookings(ctx, workspaceID, id)
		if err != nil {
			return fmt.Errorf("crm: delete lead: %w", err)
		}
		for _, b := range bookings {
			if b.CalendarID == "" || b.Status == BookingCancelled || b.Status == BookingCompleted {
				continue
			}
			if err := cal.Cancel(ctx, b.CalendarID); err != nil && !errors.Is(err, ErrNotFound) {
				return fmt.Errorf("crm: delete lead: cancel calendar event: %w", err)
			}
		}
	}
	if err := s.store.DeleteLead(ctx, workspaceID, id); err != nil {
		return fmt.Errorf("crm: delete lead: %w", err)
	}
	return nil
}

// Activities returns a lead's timeline, oldest first.
func (s *Service) Activities(ctx context.Context, workspaceID, leadID string) ([]Activity, error) {
	a, err := s.store.Activities(ctx, workspaceID, leadID)
	if err != nil {
		return nil, fmt.Errorf("crm: activities: %w", err)
	}
	return a, nil
}

// RecordActivity appends an activity (an AI action, a message summary…) to a
// lead's timeline, filling in its id and time. Activities with a DedupKey are
// stored once; recorded reports whether this call stored it.
func (s *Service) RecordActivity(ctx context.Context, workspaceID string, a Activity) (recorded bool, _ error) {
	if err := required("lead_id", a.LeadID, "type", string(a.Type)); err != nil {
		return false, fmt.Errorf("crm: record activity: %w", err)
	}
	if a.ID == "" {
		a.ID = s.newID()
	}
	if a.At.IsZero() {
		a.At = s.now()
	}
	a.At = storeTime(a.At)
	if a.Actor.Kind == "" {
		a.Actor.Kind = ActorSystem
	}
	n, err := s.store.AddActivities(ctx, workspaceID, []Activity{a})
	if err != nil {
		return false, fmt.Errorf("crm: record activity: %w", err)
	}
	return n == 1, nil
}

// LeadExport is everything the CRM holds about one lead, for a data-subject
// access request.
type LeadExport struct {
	Lead          *Lead           `json:"lead"`
	MergedLeads   []*Lead         `json:"merged_leads,omitempty"` // profiles of leads merged into Lead
	Activities    []Activity      `json:"activities"`
	Conversations []*Conversation `json:"conversations"`
	Messages      []*Message      `json:"messages"`
	Bookings      []*Booking      `json:"bookings"`
}

// Export returns a lead with everything attached to it.
func (s *Service) Export(ctx context.Context, workspaceID, id string) (*LeadExport, error) {
	l, err := s.store.Lead(ctx, workspaceID, id)
	if err != nil {
		return nil, fmt.Errorf("crm: export: %w", err)
	}
	out := &LeadExport{Lead: l}
	if out.MergedLeads, err = s.store.MergedLeads(ctx, workspaceID, id); err != nil {
		return nil, fmt.Errorf("crm: export: %w", err)
	}
	if out.Activities, err = s.store.Activities(ctx, workspaceID, id); err != nil {
		return nil, fmt.Errorf("crm: export: %w", err)
	}
	if out.Conversations, err = s.store.Conversations(ctx, workspaceID, id); err != nil {
		return nil, fmt.Errorf("crm: export: %w", err)
	}
	for _, c := range out.Conversations {
		ms, err := s.store.Messages(ctx, workspaceID, c.ID)
		if err != nil {
			return nil, fmt.Errorf("crm: export: %w", err)
		}
		out.Messages = append(out.Messages, ms...)
	}
	if out.Bookings, err = s.store.Bookings(ctx, workspaceID, id); err != nil {
		return nil, fmt.Errorf("crm: export: %w", err)
	}
	return out, nil
}

package privacy

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"
)

// Grievance is a complaint from a data principal (DPDP Act 2023, s. 13) with
// its two clocks: acknowledge within 7 business days and resolve within 30
// days of receipt. It holds no personal data beyond the subject's internal
// id; the complaint's text belongs in the ticketing system Reference points
// to.
type Grievance struct {
	ID          string
	WorkspaceID string
	// Subject is the internal id of the person complaining, if known.
	Subject string
	// Channel is how it arrived ("email", "whatsapp", "web form").
	Channel string
	// Reference points to the complaint's text elsewhere (a ticket id).
	Reference      string
	ReceivedAt     time.Time
	AcknowledgedAt time.Time
	ResolvedAt     time.Time
	// Resolution summarises the outcome for the record.
	Resolution string
	// Acknowledge and Resolve are the running clocks.
	Acknowledge Deadline
	Resolve     Deadline
}

// Open reports whether the grievance is not yet resolved.
func (g Grievance) Open() bool { return g.ResolvedAt.IsZero() }

// Incident is a personal-data breach or cyber incident with the clocks that
// start when the platform became aware of it: CERT-In 6 hours, DPDP
// intimation "without delay" (tracked at 24 hours) and detailed report 72
// hours, GDPR 72 hours.
type Incident struct {
	ID          string
	WorkspaceID string
	// Title is a short description without personal data.
	Title       string
	BecameAware time.Time
	ClosedAt    time.Time
	// Clocks are the breach clocks, one per rule in [BreachRules] unless the
	// incident was reported with its own rules.
	Clocks []Deadline
}

// Open reports whether the incident is not yet closed.
func (i Incident) Open() bool { return i.ClosedAt.IsZero() }

// GrievanceStore persists grievances; safe for concurrent use.
type GrievanceStore interface {
	// PutGrievance inserts or replaces a grievance.
	PutGrievance(ctx context.Context, g Grievance) error
	// GetGrievance returns a grievance or ErrNotFound.
	GetGrievance(ctx context.Context, workspaceID, id string) (Grievance, error)
	// OpenGrievances returns the workspace's unresolved grievances, oldest
	// first.
	OpenGrievances(ctx context.Context, workspaceID string) ([]Grievance, error)
}

// IncidentStore persists breach incidents; safe for concurrent use.
type IncidentStore interface {
	// PutIncident inserts or replaces an incident.
	PutIncident(ctx context.Context, i Incident) error
	// GetIncident returns an incident or ErrNotFound.
	GetIncident(ctx context.Context, workspaceID, id string) (Incident, error)
	// OpenIncidents returns the workspace's open incidents, oldest first.
	OpenIncidents(ctx context.Context, workspaceID string) ([]Incident, error)
}

// Cases files grievances and breach incidents, keeps their clocks, audits
// every change and answers the due, overdue and escalation queries across a
// workspace. Its zero value is not usable: set Grievances, Incidents and
// Calendar (Audit and Now are optional).
type Cases struct {
	Grievances GrievanceStore
	Incidents  IncidentStore
	// Requests, when set, adds the response clocks of open data-subject
	// requests to the queries.
	Requests RequestStore
	Audit    *AuditLog
	// Calendar counts business days (default: India's, for the current
	// year and the next).
	Calendar *Calendar
	Now      func() time.Time
}

func (c *Cases) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Cases) cal() *Calendar {
	if c.Calendar != nil {
		return c.Calendar
	}
	return IndiaCalendar(c.now())
}

func (c *Cases) record(ctx context.Context, ws, actor, action, target string) error {
	if c.Audit == nil {
		return nil
	}
	if actor == "" {
		actor = "system"
	}
	_, err := c.Audit.Record(ctx, AuditEntry{WorkspaceID: ws, Actor: actor, Action: action, Target: target})
	return err
}

// FileGrievance records a grievance received at g.ReceivedAt (default now)
// and starts its acknowledge and resolve clocks.
func (c *Cases) FileGrievance(ctx context.Context, g Grievance) (Grievance, error) {
	switch {
	case g.ID == "":
		return Grievance{}, errors.New("privacy: grievance id is required")
	case g.WorkspaceID == "":
		return Grievance{}, errors.New("privacy: grievance workspace is required")
	}
	if g.ReceivedAt.IsZero() {
		g.ReceivedAt = c.now()
	}
	g.AcknowledgedAt, g.ResolvedAt = time.Time{}, time.Time{}
	g.Acknowledge = Start(GrievanceAcknowledge, "grievance:"+g.ID, g.ReceivedAt)
	g.Resolve = Start(GrievanceResolve, "grievance:"+g.ID, g.ReceivedAt)
	if err := c.Grievances.PutGrievance(ctx, g); err != nil {
		return Grievance{}, fmt.Errorf("privacy: file grievance: %w", err)
	}
	return g, c.record(ctx, g.WorkspaceID, "", "grievance.filed", "grievance:"+g.ID)
}

// AcknowledgeGrievance stops the acknowledge clock at now. Acknowledging
// twice keeps the first time.
func (c *Cases) AcknowledgeGrievance(ctx context.Context, workspaceID, id, by string) (Grievance, error) {
	g, err := c.Grievances.GetGrievance(ctx, workspaceID, id)
	if err != nil {
		return Grievance{}, fmt.Errorf("privacy: acknowledge grievance: %w", err)
	}
	if !g.AcknowledgedAt.IsZero() {
		return g, nil
	}
	now := c.now()
	g.AcknowledgedAt = now
	g.Acknowledge.MarkMet(now)
	if err := c.Grievances.PutGrievance(ctx, g); err != nil {
		return Grievance{}, fmt.Errorf("privacy: acknowledge grievance: %w", err)
	}
	return g, c.record(ctx, workspaceID, by, "grievance.acknowledged", "grievance:"+id)
}

// ResolveGrievance closes a grievance at now with a resolution; it also
// acknowledges it if that had not happened.
func (c *Cases) ResolveGrievance(ctx context.Context, workspaceID, id, by, resolution string) (Grievance, error) {
	if resolution == "" {
		return Grievance{}, errors.New("privacy: grievance resolution is required")
	}
	g, err := c.Grievances.GetGrievance(ctx, workspaceID, id)
	if err != nil {
		return Grievance{}, fmt.Errorf("privacy: resolve grievance: %w", err)
	}
	if !g.Open() {
		return g, ErrBadState
	}
	now := c.now()
	if g.AcknowledgedAt.IsZero() {
		g.AcknowledgedAt = now
		g.Acknowledge.MarkMet(now)
	}
	g.ResolvedAt, g.Resolution = now, resolution
	g.Resolve.MarkMet(now)
	if err := c.Grievances.PutGrievance(ctx, g); err != nil {
		return Grievance{}, fmt.Errorf("privacy: resolve grievance: %w", err)
	}
	return g, c.record(ctx, workspaceID, by, "grievance.resolved", "grievance:"+id)
}

// ReportIncident records an incident and starts its breach clocks from
// i.BecameAware (required). Clocks already set on i are kept, so a
// deployment may track a different set of rules.
func (c *Cases) ReportIncident(ctx context.Context, i Incident) (Incident, error) {
	switch {
	case i.ID == "":
		return Incident{}, errors.New("privacy: incident id is required")
	case i.WorkspaceID == "":
		return Incident{}, errors.New("privacy: incident workspace is required")
	case i.BecameAware.IsZero():
		return Incident{}, errors.New("privacy: incident became_aware is required")
	case i.BecameAware.After(c.now()):
		return Incident{}, errors.New("privacy: incident became_aware is in the future")
	}
	if len(i.Clocks) == 0 {
		i.Clocks = StartBreachClocks("incident:"+i.ID, i.BecameAware)
	}
	i.ClosedAt = time.Time{}
	if err := c.Incidents.PutIncident(ctx, i); err != nil {
		return Incident{}, fmt.Errorf("privacy: report incident: %w", err)
	}
	return i, c.record(ctx, i.WorkspaceID, "", "incident.reported", "incident:"+i.ID)
}

// ErrUnknownClock is returned when an incident has no clock of that rule.
var ErrUnknownClock = errors.New("privacy: no such clock")

// MarkNotified records that the notice a clock demands (rule name, such as
// BreachCERTIn.Name) was given at now.
func (c *Cases) MarkNotified(ctx context.Context, workspaceID, id, rule, by string) (Incident, error) {
	i, err := c.Incidents.GetIncident(ctx, workspaceID, id)
	if err != nil {
		return Incident{}, fmt.Errorf("privacy: mark notified: %w", err)
	}
	found := false
	for k := range i.Clocks {
		if i.Clocks[k].Rule.Name == rule {
			found = true
			if i.Clocks[k].Met.IsZero() {
				i.Clocks[k].MarkMet(c.now())
			}
		}
	}
	if !found {
		return Incident{}, fmt.Errorf("%w: %q", ErrUnknownClock, rule)
	}
	if err := c.Incidents.PutIncident(ctx, i); err != nil {
		return Incident{}, fmt.Errorf("privacy: mark notified: %w", err)
	}
	return i, c.record(ctx, workspaceID, by, "incident.notified:"+rule, "incident:"+id)
}

// CloseIncident closes an incident at now. Clocks not yet met stay as they
// are in the record (a closed incident leaves the queries).
func (c *Cases) CloseIncident(ctx context.Context, workspaceID, id, by string) (Incident, error) {
	i, err := c.Incidents.GetIncident(ctx, workspaceID, id)
	if err != nil {
		return Incident{}, fmt.Errorf("privacy: close incident: %w", err)
	}
	if !i.Open() {
		return i, nil
	}
	i.ClosedAt = c.now()
	if err := c.Incidents.PutIncident(ctx, i); err != nil {
		return Incident{}, fmt.Errorf("privacy: close incident: %w", err)
	}
	return i, c.record(ctx, workspaceID, by, "incident.closed", "incident:"+id)
}

// Clocks returns every running clock of the workspace's open grievances,
// incidents and (with Requests) data-subject requests; clocks already met
// are left out.
func (c *Cases) Clocks(ctx context.Context, workspaceID string) ([]Deadline, error) {
	gs, err := c.Grievances.OpenGrievances(ctx, workspaceID)
	if err != nil {
		return nil, fmt.Errorf("privacy: clocks: %w", err)
	}
	is, err := c.Incidents.OpenIncidents(ctx, workspaceID)
	if err != nil {
		return nil, fmt.Errorf("privacy: clocks: %w", err)
	}
	var out []Deadline
	for _, g := range gs {
		for _, d := range []Deadline{g.Acknowledge, g.Resolve} {
			if d.Met.IsZero() {
				out = append(out, d)
			}
		}
	}
	for _, i := range is {
		for _, d := range i.Clocks {
			if d.Met.IsZero() {
				out = append(out, d)
			}
		}
	}
	if c.Requests != nil {
		rs, err := c.Requests.OpenRequests(ctx, workspaceID)
		if err != nil {
			return nil, fmt.Errorf("privacy: clocks: %w", err)
		}
		for _, r := range rs {
			if r.Deadline.Rule.Name != "" && r.Deadline.Met.IsZero() {
				out = append(out, r.Deadline)
			}
		}
	}
	return out, nil
}

// Review returns the workspace's running clocks by due time with their
// state at now ("due soon" within warn).
func (c *Cases) Review(ctx context.Context, workspaceID string, warn time.Duration) ([]Status, error) {
	ds, err := c.Clocks(ctx, workspaceID)
	if err != nil {
		return nil, err
	}
	return Review(ds, c.cal(), c.now(), warn)
}

// Due returns the running clocks due before now+within and not yet overdue.
func (c *Cases) Due(ctx context.Context, workspaceID string, within time.Duration) ([]Status, error) {
	return c.filter(ctx, workspaceID, within, func(s Status) bool { return s.State == StateDueSoon })
}

// Overdue returns the running clocks past their due time.
func (c *Cases) Overdue(ctx context.Context, workspaceID string) ([]Status, error) {
	return c.filter(ctx, workspaceID, 0, func(s Status) bool { return s.State == StateOverdue })
}

// Escalations returns what needs a human now: clocks overdue or due within
// warn, most urgent first.
func (c *Cases) Escalations(ctx context.Context, workspaceID string, warn time.Duration) ([]Status, error) {
	return c.filter(ctx, workspaceID, warn, func(s Status) bool { return s.State == StateOverdue || s.State == StateDueSoon })
}

func (c *Cases) filter(ctx context.Context, ws string, warn time.Duration, keep func(Status) bool) ([]Status, error) {
	all, err := c.Review(ctx, ws, warn)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, s := range all {
		if keep(s) {
			out = append(out, s)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Due.Before(out[j].Due) })
	return out, nil
}

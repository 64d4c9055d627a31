package privacy

import (
	"errors"
	"fmt"
	"sort"
	"time"
)

// Unit is the unit of a legal period.
type Unit int

// Units of a [Period].
const (
	Hours Unit = iota + 1
	Days
	BusinessDays
	Months
)

func (u Unit) String() string {
	switch u {
	case Hours:
		return "hours"
	case Days:
		return "days"
	case BusinessDays:
		return "business days"
	case Months:
		return "months"
	}
	return fmt.Sprintf("Unit(%d)", int(u))
}

// Period is a legal time limit such as "7 business days" or "one month".
type Period struct {
	N    int
	Unit Unit
}

func (p Period) String() string { return fmt.Sprintf("%d %s", p.N, p.Unit) }

// ErrInvalidPeriod is returned for a period with a non-positive length or an
// unknown unit.
var ErrInvalidPeriod = errors.New("privacy: invalid period")

// Add returns the moment the period starting at start ends, on calendar cal:
//   - Hours: start plus N hours.
//   - Days: the same local time N calendar days later.
//   - BusinessDays: the end (midnight) of the Nth business day after the day
//     of start; weekends and holidays do not count.
//   - Months: the same local time and day of the month N months later, or
//     the last day of that month when it is shorter (31 January + 1 month =
//     28 or 29 February), as Regulation 1182/71 reads "one month" for the
//     GDPR.
func (p Period) Add(start time.Time, cal *Calendar) (time.Time, error) {
	if p.N <= 0 {
		return time.Time{}, fmt.Errorf("%w: length must be positive, got %d", ErrInvalidPeriod, p.N)
	}
	if cal == nil {
		cal = NewCalendar(time.UTC, nil)
	}
	t := start.In(cal.loc)
	switch p.Unit {
	case Hours:
		return start.Add(time.Duration(p.N) * time.Hour), nil
	case Days:
		return t.AddDate(0, 0, p.N), nil
	case BusinessDays:
		y, m, d := t.Date()
		day := time.Date(y, m, d, 0, 0, 0, 0, cal.loc)
		for n := 0; n < p.N; {
			day = day.AddDate(0, 0, 1)
			if cal.IsBusinessDay(DateOf(day, cal.loc)) {
				n++
			}
		}
		return day.AddDate(0, 0, 1), nil
	case Months:
		return addMonths(t, p.N), nil
	}
	return time.Time{}, fmt.Errorf("%w: unknown unit %d", ErrInvalidPeriod, int(p.Unit))
}

// addMonths adds n calendar months, clamping to the month's last day.
func addMonths(t time.Time, n int) time.Time {
	y, m, d := t.Date()
	total := int(m) - 1 + n
	ty, tm := y+total/12, time.Month(total%12+1)
	last := time.Date(ty, tm+1, 0, 0, 0, 0, 0, t.Location()).Day()
	if d > last {
		d = last
	}
	h, mi, s := t.Clock()
	return time.Date(ty, tm, d, h, mi, s, t.Nanosecond(), t.Location())
}

// Legal clocks the engine knows, each with its source.
var (
	// GrievanceAcknowledge: acknowledge a grievance within 7 business days
	// (the seed policy's promise).
	GrievanceAcknowledge = Rule{Name: "grievance.acknowledge", Period: Period{7, BusinessDays}, Source: "BotSync grievance policy"}
	// GrievanceResolve: resolve a grievance within 30 days.
	GrievanceResolve = Rule{Name: "grievance.resolve", Period: Period{30, Days}, Source: "BotSync grievance policy (DPDP Rules 2025 allow at most 90 days)"}
	// RequestResponseDPDP: answer a data principal's request within 30 days.
	RequestResponseDPDP = Rule{Name: "request.response.dpdp", Period: Period{30, Days}, Source: "BotSync policy under DPDP Act 2023, ss. 11-14"}
	// RequestResponseGDPR: answer within one month of receipt, extendable by
	// two further months; the person must be told of the extension within
	// the first month.
	RequestResponseGDPR = Rule{Name: "request.response.gdpr", Period: Period{1, Months}, Extension: Period{2, Months}, Source: "GDPR Art. 12(3)"}
	// BreachCERTIn: report a cyber incident to CERT-In within 6 hours of
	// noticing it.
	BreachCERTIn = Rule{Name: "breach.cert-in", Period: Period{6, Hours}, Source: "CERT-In Directions of 28 April 2022, direction (ii)"}
	// BreachDPDPIntimation: tell the Board "without delay"; BotSync tracks it
	// at 24 hours as an escalation target.
	BreachDPDPIntimation = Rule{Name: "breach.dpdp.intimation", Period: Period{24, Hours}, Source: "DPDP Rules 2025, rule 7(1) (without delay)"}
	// BreachDPDPReport: the detailed report to the Board within 72 hours.
	BreachDPDPReport = Rule{Name: "breach.dpdp.report", Period: Period{72, Hours}, Source: "DPDP Rules 2025, rule 7(2)"}
	// BreachGDPR: notify the supervisory authority within 72 hours.
	BreachGDPR = Rule{Name: "breach.gdpr", Period: Period{72, Hours}, Source: "GDPR Art. 33(1)"}
)

// BreachRules are the clocks that start when the platform becomes aware of a
// personal-data breach.
var BreachRules = []Rule{BreachCERTIn, BreachDPDPIntimation, BreachDPDPReport, BreachGDPR}

// Rule is a named legal time limit.
type Rule struct {
	Name   string
	Period Period
	// Extension, when set, is how much longer the deadline may be extended.
	Extension Period
	// Source cites the law or policy.
	Source string
}

// Pause is an interval during which a clock stops, such as while a request
// awaits the person's verification. End is zero while the pause runs.
type Pause struct {
	Start, End time.Time
}

// Deadline is one running clock: a rule applied to a start time, with its
// pauses and any extension. The zero value is not useful; build one with
// [Start]. Deadline is a value; callers store it.
type Deadline struct {
	Rule     Rule
	Subject  string // what the clock is for, e.g. a request or incident id
	Started  time.Time
	Pauses   []Pause
	Extended bool
	// ExtensionNotified is when the person was told of the extension.
	ExtensionNotified time.Time
	Met               time.Time
}

// Start starts a clock for rule at t.
func Start(rule Rule, subject string, t time.Time) Deadline {
	return Deadline{Rule: rule, Subject: subject, Started: t}
}

// ErrExtensionNotAllowed is returned when a deadline cannot be extended: the
// rule has no extension, it was already extended, or the first period is
// over (the GDPR requires telling the person within the first month).
var ErrExtensionNotAllowed = errors.New("privacy: extension not allowed")

// ErrAlreadyPaused / ErrNotPaused report pause misuse.
var (
	ErrAlreadyPaused = errors.New("privacy: clock already paused")
	ErrNotPaused     = errors.New("privacy: clock not paused")
)

// Pause stops the clock at t.
func (d *Deadline) Pause(t time.Time) error {
	if n := len(d.Pauses); n > 0 && d.Pauses[n-1].End.IsZero() {
		return ErrAlreadyPaused
	}
	d.Pauses = append(d.Pauses, Pause{Start: t})
	return nil
}

// Resume restarts the clock at t.
func (d *Deadline) Resume(t time.Time) error {
	n := len(d.Pauses)
	if n == 0 || !d.Pauses[n-1].End.IsZero() {
		return ErrNotPaused
	}
	if t.Before(d.Pauses[n-1].Start) {
		return fmt.Errorf("privacy: resume before pause")
	}
	d.Pauses[n-1].End = t
	return nil
}

// Extend applies the rule's extension, telling the person at t; it must
// happen before the first period ends.
func (d *Deadline) Extend(t time.Time, cal *Calendar) error {
	if d.Rule.Extension.N == 0 || d.Extended {
		return ErrExtensionNotAllowed
	}
	first, err := d.due(cal, false, t)
	if err != nil {
		return err
	}
	if !t.Before(first) {
		return fmt.Errorf("%w: the first period ended at %s", ErrExtensionNotAllowed, first.Format(time.RFC3339))
	}
	d.Extended, d.ExtensionNotified = true, t
	return nil
}

// MarkMet records that the obligation was fulfilled at t.
func (d *Deadline) MarkMet(t time.Time) { d.Met = t }

// Due returns when the clock runs out as of now: the period (plus the
// extension if taken) from the start, moved later by the time spent paused.
// A pause still running counts up to now.
func (d Deadline) Due(cal *Calendar, now time.Time) (time.Time, error) {
	return d.due(cal, d.Extended, now)
}

func (d Deadline) due(cal *Calendar, extended bool, now time.Time) (time.Time, error) {
	due, err := d.Rule.Period.Add(d.Started, cal)
	if err != nil {
		return time.Time{}, err
	}
	if extended {
		if due, err = d.Rule.Extension.Add(due, cal); err != nil {
			return time.Time{}, err
		}
	}
	var paused time.Duration
	for _, p := range d.Pauses {
		end := p.End
		if end.IsZero() {
			end = now
		}
		if end.After(p.Start) {
			paused += end.Sub(p.Start)
		}
	}
	return due.Add(paused), nil
}

// State is where a deadline stands.
type State int

// States of a deadline.
const (
	StateRunning State = iota + 1
	StateDueSoon
	StateOverdue
	StatePaused
	StateMet
	StateMetLate
)

func (s State) String() string {
	return [...]string{"", "running", "due soon", "overdue", "paused", "met", "met late"}[s]
}

// State reports the deadline's state at now; "due soon" means within warn of
// the due time.
func (d Deadline) State(cal *Calendar, now time.Time, warn time.Duration) (State, error) {
	due, err := d.Due(cal, now)
	if err != nil {
		return 0, err
	}
	switch {
	case !d.Met.IsZero() && d.Met.After(due):
		return StateMetLate, nil
	case !d.Met.IsZero():
		return StateMet, nil
	case len(d.Pauses) > 0 && d.Pauses[len(d.Pauses)-1].End.IsZero():
		return StatePaused, nil
	case now.After(due):
		return StateOverdue, nil
	case !now.Before(due.Add(-warn)):
		return StateDueSoon, nil
	}
	return StateRunning, nil
}

// Status is a deadline with its due time and state.
type Status struct {
	Deadline Deadline
	Due      time.Time
	State    State
}

// Review sorts deadlines by due time and classifies them at now: the
// due, overdue and escalation queries are filters over its result.
func Review(ds []Deadline, cal *Calendar, now time.Time, warn time.Duration) ([]Status, error) {
	out := make([]Status, 0, len(ds))
	for _, d := range ds {
		due, err := d.Due(cal, now)
		if err != nil {
			return nil, fmt.Errorf("privacy: deadline %s: %w", d.Rule.Name, err)
		}
		st, _ := d.State(cal, now, warn)
		out = append(out, Status{Deadline: d, Due: due, State: st})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Due.Before(out[j].Due) })
	return out, nil
}

// Escalations returns the deadlines that are overdue or due soon.
func Escalations(ds []Deadline, cal *Calendar, now time.Time, warn time.Duration) ([]Status, error) {
	all, err := Review(ds, cal, now, warn)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, s := range all {
		if s.State == StateOverdue || s.State == StateDueSoon {
			out = append(out, s)
		}
	}
	return out, nil
}

// StartBreachClocks starts every breach clock from the moment the platform
// became aware of the breach.
func StartBreachClocks(incident string, becameAware time.Time) []Deadline {
	out := make([]Deadline, len(BreachRules))
	for i, r := range BreachRules {
		out[i] = Start(r, incident, becameAware)
	}
	return out
}

package broadcast

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/botsync/botsync/whatsapp"
)

// State is a campaign's lifecycle state: draft → scheduled → running ⇄
// paused → completed | cancelled.
type State string

// Campaign states.
const (
	StateDraft     State = "draft"
	StateScheduled State = "scheduled"
	StateRunning   State = "running"
	StatePaused    State = "paused"
	StateCompleted State = "completed"
	StateCancelled State = "cancelled"
)

// Terminal reports whether no transition leaves s.
func (s State) Terminal() bool { return s == StateCompleted || s == StateCancelled }

// allowed lists the legal transitions.
var allowed = map[State][]State{
	StateDraft:     {StateScheduled, StateRunning, StateCancelled},
	StateScheduled: {StateRunning, StateDraft, StateCancelled},
	StateRunning:   {StatePaused, StateCompleted, StateCancelled},
	StatePaused:    {StateRunning, StateCancelled},
}

// CanTransition reports whether a campaign may move from one state to the
// other.
func CanTransition(from, to State) bool {
	for _, s := range allowed[from] {
		if s == to {
			return true
		}
	}
	return false
}

// Actor names who made a change: "user:<id>", "system", "api:<key id>".
type Actor string

// System is the actor of automatic transitions (schedules, auto-pause,
// completion).
const System Actor = "system"

// Transition is one state change of a campaign, with who made it and why.
type Transition struct {
	From   State     `json:"from"`
	To     State     `json:"to"`
	Actor  Actor     `json:"actor"`
	Reason string    `json:"reason,omitempty"`
	At     time.Time `json:"at"`
}

// PauseReason says why a campaign paused.
type PauseReason string

// Pause reasons. The automatic ones (all but PauseManual) are set by the
// service; see [Service.Observe] and the run loop.
const (
	PauseManual          PauseReason = "manual"
	PauseQuality         PauseReason = "quality"          // number quality RED or FLAGGED
	PauseTemplate        PauseReason = "template"         // template PAUSED or DISABLED
	PauseSpamLimit       PauseReason = "spam_rate_limit"  // error 131048
	PauseFailureRate     PauseReason = "failure_rate"     // failures over the sliding window
	PauseNumberHalted    PauseReason = "number_halted"    // 368, 131031… (whatsapp.ActionHaltNumber)
	PauseReconnect       PauseReason = "reconnect"        // token invalid (whatsapp.ActionReconnect)
	PauseTemplateInvalid PauseReason = "template_invalid" // the template no longer matches its parameters
)

// Pause describes why and until when a campaign is paused.
type Pause struct {
	Reason PauseReason `json:"reason"`
	Detail string      `json:"detail,omitempty"`
	At     time.Time   `json:"at"`
	// Auto is set for pauses the service made; only those resume by
	// themselves when their condition clears.
	Auto bool `json:"auto"`
	// ResumeAt, when set, is when an automatic pause clears by itself (the
	// 131048 cooldown).
	ResumeAt time.Time `json:"resume_at,omitzero"`
}

// ParamSpec renders one template parameter per recipient: the lead field
// named Field (see [Member.Fields]), else Fallback; a spec with no Field is
// the constant Fallback. Name is the parameter name of templates with named
// parameters ({{first_name}}).
type ParamSpec struct {
	Field    string `json:"field,omitempty"`
	Fallback string `json:"fallback,omitempty"`
	Name     string `json:"name,omitempty"`
}

// ButtonSpec fills one dynamic button: SubType "url" (suffix),
// "quick_reply" (payload) or "copy_code", at Index.
type ButtonSpec struct {
	SubType string    `json:"sub_type"`
	Index   int       `json:"index"`
	Param   ParamSpec `json:"param"`
}

// TemplateSpec is the template a campaign sends and how its parameters are
// filled from each recipient.
type TemplateSpec struct {
	Name     string            `json:"name"`
	Language string            `json:"language"`
	Category whatsapp.Category `json:"category,omitempty"`
	// HeaderText fills a text header variable.
	HeaderText *ParamSpec `json:"header_text,omitempty"`
	// HeaderMedia is a media header shared by every recipient ("image",
	// "video" or "document" with a media id or link).
	HeaderMedia *whatsapp.TemplateHeader `json:"header_media,omitempty"`
	Body        []ParamSpec              `json:"body,omitempty"`
	Buttons     []ButtonSpec             `json:"buttons,omitempty"`
}

// QuietHours keeps sends out of a daily window in the recipient's local
// time. Start and End are minutes after midnight; a window may wrap midnight
// (Start 21:00, End 09:00). TimeZone is used for recipients without one.
type QuietHours struct {
	Start    int    `json:"start"`
	End      int    `json:"end"`
	TimeZone string `json:"time_zone"`
}

// Campaign is a template broadcast from one business phone number.
type Campaign struct {
	ID            string `json:"id"`
	WorkspaceID   string `json:"workspace_id"`
	Name          string `json:"name"`
	PhoneNumberID string `json:"phone_number_id"`
	// DisplayPhoneNumber, when set, matches phone_number_quality_update
	// webhooks (which name the number by its display number).
	DisplayPhoneNumber string       `json:"display_phone_number,omitempty"`
	Template           TemplateSpec `json:"template"`
	// Rate is the campaign's messages per second (1..1000; default 80).
	Rate int `json:"rate"`
	// StartAt is when a scheduled campaign starts.
	StartAt    time.Time   `json:"start_at,omitzero"`
	QuietHours *QuietHours `json:"quiet_hours,omitempty"`

	State   State        `json:"state"`
	Pause   *Pause       `json:"pause,omitempty"`
	History []Transition `json:"history,omitempty"`

	// PlannedAt is set once the audience is frozen.
	PlannedAt time.Time `json:"planned_at,omitzero"`
	// Planned is how many recipients were planned (skipped included).
	Planned int `json:"planned"`
	// Estimate is the estimated cost of the sendable recipients.
	Estimate Money `json:"estimate"`

	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	CompletedAt time.Time `json:"completed_at,omitzero"`
}

// Money is an amount in micro-units of Currency (1 USD = 1,000,000).
type Money struct {
	Currency string `json:"currency,omitempty"`
	Micros   int64  `json:"micros"`
}

// Clone returns a deep copy.
func (c *Campaign) Clone() *Campaign {
	if c == nil {
		return nil
	}
	o := *c
	o.History = append([]Transition(nil), c.History...)
	if c.Pause != nil {
		p := *c.Pause
		o.Pause = &p
	}
	if c.QuietHours != nil {
		q := *c.QuietHours
		o.QuietHours = &q
	}
	o.Template.Body = append([]ParamSpec(nil), c.Template.Body...)
	o.Template.Buttons = append([]ButtonSpec(nil), c.Template.Buttons...)
	if c.Template.HeaderText != nil {
		h := *c.Template.HeaderText
		o.Template.HeaderText = &h
	}
	if c.Template.HeaderMedia != nil {
		h := *c.Template.HeaderMedia
		o.Template.HeaderMedia = &h
	}
	return &o
}

// transition moves c to state to, recording who and why.
func (c *Campaign) transition(to State, actor Actor, reason string, at time.Time) error {
	if !CanTransition(c.State, to) {
		return fmt.Errorf("%w: %s → %s", ErrState, c.State, to)
	}
	c.History = append(c.History, Transition{From: c.State, To: to, Actor: actor, Reason: reason, At: at})
	c.State = to
	c.UpdatedAt = at
	if to != StatePaused {
		c.Pause = nil
	}
	if to == StateCompleted {
		c.CompletedAt = at
	}
	return nil
}

// Validate checks the campaign's fields, naming the first bad one.
func (c *Campaign) Validate() error {
	switch {
	case strings.TrimSpace(c.WorkspaceID) == "":
		return invalid("workspace_id", "required")
	case strings.TrimSpace(c.Name) == "" || len(c.Name) > 200:
		return invalid("name", "required, at most 200 bytes")
	case !numericID(c.PhoneNumberID):
		return invalid("phone_number_id", "must be a numeric Graph id")
	case strings.TrimSpace(c.Template.Name) == "":
		return invalid("template.name", "required")
	case strings.TrimSpace(c.Template.Language) == "":
		return invalid("template.language", "required")
	case c.Template.HeaderText != nil && c.Template.HeaderMedia != nil:
		return invalid("template.header_media", "a template has one header: set HeaderText or HeaderMedia")
	case c.Rate < 0 || c.Rate > whatsapp.MaxThroughput:
		return invalid("rate", fmt.Sprintf("must be within 1..%d messages per second", whatsapp.MaxThroughput))
	}
	for i, b := range c.Template.Buttons {
		switch b.SubType {
		case "url", "quick_reply", "copy_code":
		default:
			return invalid(fmt.Sprintf("template.buttons[%d].sub_type", i), "must be url, quick_reply or copy_code")
		}
		if b.Index < 0 || b.Index > 9 {
			return invalid(fmt.Sprintf("template.buttons[%d].index", i), "must be within 0..9")
		}
	}
	if q := c.QuietHours; q != nil {
		if q.Start < 0 || q.Start >= 24*60 || q.End < 0 || q.End >= 24*60 || q.Start == q.End {
			return invalid("quiet_hours", "start and end must be distinct minutes within 0..1439")
		}
		if _, err := time.LoadLocation(q.TimeZone); err != nil || q.TimeZone == "" {
			return invalid("quiet_hours.time_zone", "not a known IANA time zone")
		}
	}
	return nil
}

func numericID(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Errors of the package, matched with errors.Is.
var (
	// ErrNotFound: no such campaign (in this workspace).
	ErrNotFound = errors.New("broadcast: not found")
	// ErrExists: a campaign (or recipient) with this id exists.
	ErrExists = errors.New("broadcast: already exists")
	// ErrState: the campaign's state does not allow the operation.
	ErrState = errors.New("broadcast: not allowed in the campaign's state")
	// ErrLeaseLost: the recipient is no longer leased by this worker.
	ErrLeaseLost = errors.New("broadcast: recipient lease lost")
	// ErrInvalid is matched by every [*ValidationError].
	ErrInvalid = errors.New("broadcast: invalid input")
)

// ValidationError is bad input, naming the field. It never carries phone
// numbers or parameter values.
type ValidationError struct {
	Field  string
	Reason string
}

// Error implements error.
func (e *ValidationError) Error() string { return "broadcast: " + e.Field + ": " + e.Reason }

// Is matches [ErrInvalid].
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

func invalid(field, reason string) error { return &ValidationError{Field: field, Reason: reason} }

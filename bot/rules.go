package bot

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/botsync/botsync/instagram"
)

// TriggerType is what starts a rule.
type TriggerType string

// The triggers.
const (
	TriggerMessage        TriggerType = "message_received"
	TriggerKeyword        TriggerType = "keyword"         // keyword in a direct message
	TriggerComment        TriggerType = "comment"         // comment on any media, or Trigger.MediaID
	TriggerNewLead        TriggerType = "new_lead"        // first message of a new lead
	TriggerStageChanged   TriggerType = "stage_changed"   // to Trigger.Stage, or any
	TriggerTagAdded       TriggerType = "tag_added"       // Trigger.Tag, or any
	TriggerNoReply        TriggerType = "no_reply"        // the lead is silent for Trigger.After
	TriggerBookingCreated TriggerType = "booking_created" // a booking was made
)

// Trigger selects the events a rule runs on.
type Trigger struct {
	Type TriggerType `json:"type"`
	// Keywords and Mode (any, contains_any, contains_all, exact; default
	// contains_any) match the text of TriggerKeyword and TriggerComment.
	Keywords []string `json:"keywords,omitempty"`
	Mode     string   `json:"mode,omitempty"`
	// MediaID limits TriggerComment to one post or reel.
	MediaID string `json:"media_id,omitempty"`
	// Stage and Tag narrow TriggerStageChanged and TriggerTagAdded.
	Stage string `json:"stage,omitempty"`
	Tag   string `json:"tag,omitempty"`
	// After is TriggerNoReply's silence.
	After Duration `json:"after,omitempty"`
}

// ConditionType is a test on the lead, the conversation or the time.
type ConditionType string

// The conditions.
const (
	CondChannel       ConditionType = "channel"        // Values: channels
	CondStage         ConditionType = "stage"          // Values: stages (any of)
	CondHasTag        ConditionType = "has_tag"        // Values: tags (all of)
	CondNotTag        ConditionType = "not_tag"        // Values: tags (none of)
	CondField         ConditionType = "custom_field"   // Field equals one of Values
	CondBusinessHours ConditionType = "business_hours" // Negate for outside hours
	CondText          ConditionType = "text"           // Values as keywords, Mode as in Trigger
	CondScore         ConditionType = "score"          // Min ≤ score ≤ Max
)

// Condition is one test; all of a rule's conditions must hold.
type Condition struct {
	Type   ConditionType `json:"type"`
	Values []string      `json:"values,omitempty"`
	Field  string        `json:"field,omitempty"`
	Mode   string        `json:"mode,omitempty"`
	Min    *int          `json:"min,omitempty"`
	Max    *int          `json:"max,omitempty"`
	Negate bool          `json:"negate,omitempty"`
}

// ActionType is what a rule does.
type ActionType string

// The actions.
const (
	ActSendText     ActionType = "send_text"     // Text, QuickReplies optional
	ActSendTemplate ActionType = "send_template" // Template
	ActSendMedia    ActionType = "send_media"    // Media
	ActAIReply      ActionType = "ai_reply"      // answer with knowledge / AI
	ActCommentReply ActionType = "comment_reply" // Text (private), PublicText (optional)
	ActAddTag       ActionType = "add_tag"       // Values
	ActRemoveTag    ActionType = "remove_tag"    // Values
	ActMoveStage    ActionType = "move_stage"    // Value
	ActAssign       ActionType = "assign"        // Value: user id
	ActHandoff      ActionType = "handoff"       // Text: reason
	ActNote         ActionType = "note"          // Text
	ActScoreLead    ActionType = "score_lead"    // AI lead scoring
	ActFollowUp     ActionType = "follow_up"     // Sequence
	ActWebhook      ActionType = "webhook"       // Webhook
	ActBook         ActionType = "book"          // Booking
)

// Action is one step of a rule.
type Action struct {
	Type         ActionType   `json:"type"`
	Text         string       `json:"text,omitempty"`
	PublicText   string       `json:"public_text,omitempty"`
	Value        string       `json:"value,omitempty"`
	Values       []string     `json:"values,omitempty"`
	QuickReplies []QuickReply `json:"quick_replies,omitempty"`
	Template     *Template    `json:"template,omitempty"`
	Media        *Media       `json:"media,omitempty"`
	Sequence     *Sequence    `json:"sequence,omitempty"`
	Webhook      *Webhook     `json:"webhook,omitempty"`
	Booking      *BookSlot    `json:"booking,omitempty"`
}

// Sequence is a follow-up sequence: steps sent one after another, each
// Delay after the previous (the first after the trigger).
type Sequence struct {
	Steps []Step `json:"steps"`
	// StopOnReply ends the sequence when the lead writes; StopOnStage
	// when the lead's stage changes.
	StopOnReply bool `json:"stop_on_reply"`
	StopOnStage bool `json:"stop_on_stage"`
	// Quiet delays steps that fall in these daily hours (workspace time
	// zone) to the end of the quiet period.
	Quiet *QuietHours `json:"quiet,omitempty"`
}

// Step is one message of a sequence.
type Step struct {
	Delay    Duration  `json:"delay"`
	Text     string    `json:"text,omitempty"`
	Template *Template `json:"template,omitempty"`
}

// QuietHours is a daily period, in minutes after midnight; Start > End
// wraps midnight (22:00–08:00).
type QuietHours struct {
	Start int `json:"start"`
	End   int `json:"end"`
}

// Webhook is an outgoing HTTP call: the event as JSON, POSTed with an
// X-Botsync-Signature: sha256=<hex HMAC of the body> header.
type Webhook struct {
	URL string `json:"url"`
	// Secret keys the HMAC; stored with the rule.
	Secret string `json:"secret"`
	// Attempts is the number of tries (default 3).
	Attempts int `json:"attempts,omitempty"`
}

// BookSlot books a slot Offset after the trigger, rounded up to the hour,
// lasting Length.
type BookSlot struct {
	Offset  Duration `json:"offset"`
	Length  Duration `json:"length"`
	Notes   string   `json:"notes,omitempty"`
	Confirm bool     `json:"confirm,omitempty"`
}

// Rule is a workspace automation: a trigger, conditions and actions.
type Rule struct {
	Workspace string `json:"workspace"`
	ID        string `json:"id"`
	Name      string `json:"name,omitempty"`
	// Position orders rules (ascending).
	Position int `json:"position"`
	// Disabled rules do not run; the engine disables a rule after
	// repeated failures and says why in DisabledReason.
	Disabled       bool        `json:"disabled"`
	DisabledReason string      `json:"disabled_reason,omitempty"`
	Failures       int         `json:"failures"`
	Trigger        Trigger     `json:"trigger"`
	Conditions     []Condition `json:"conditions,omitempty"`
	Actions        []Action    `json:"actions"`
	// StopProcessing skips later rules when this one ran.
	StopProcessing bool `json:"stop_processing,omitempty"`
}

// Duration is a time.Duration that reads and writes JSON as "24h".
type Duration time.Duration

// MarshalJSON writes d as a Go duration string.
func (d Duration) MarshalJSON() ([]byte, error) {
	return []byte(`"` + time.Duration(d).String() + `"`), nil
}

// UnmarshalJSON reads a Go duration string.
func (d *Duration) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("bot: duration: %w", err)
	}
	*d = Duration(v)
	return nil
}

// ValidationError names the invalid field of a rule or setting.
type ValidationError struct {
	Field  string
	Reason string
}

func (e *ValidationError) Error() string { return "bot: invalid " + e.Field + ": " + e.Reason }

// Is matches ErrInvalid.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

func invalid(field, format string, args ...any) error {
	return &ValidationError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// ParseMode reads a matcher mode name; "" is contains_any.
func ParseMode(s string) (instagram.MatchMode, error) {
	switch s {
	case "", "contains_any":
		return instagram.MatchContainsAny, nil
	case "contains_all":
		return instagram.MatchContainsAll, nil
	case "exact":
		return instagram.MatchExact, nil
	case "any":
		return instagram.MatchAny, nil
	}
	return 0, fmt.Errorf("unknown mode %q (want any, contains_any, contains_all or exact)", s)
}

// Validate checks a rule and returns a *ValidationError naming the first
// bad field.
func (r *Rule) Validate() error {
	if r.Workspace == "" {
		return invalid("workspace", "required")
	}
	if r.ID == "" {
		return invalid("id", "required")
	}
	if len(r.ID) > 128 {
		return invalid("id", "longer than 128 bytes")
	}
	if err := r.Trigger.validate(); err != nil {
		return err
	}
	for i := range r.Conditions {
		if err := r.Conditions[i].validate(fmt.Sprintf("conditions[%d]", i)); err != nil {
			return err
		}
	}
	if len(r.Actions) == 0 {
		return invalid("actions", "at least one action is required")
	}
	for i := range r.Actions {
		if err := r.Actions[i].validate(fmt.Sprintf("actions[%d]", i), r.Trigger.Type); err != nil {
			return err
		}
	}
	return nil
}

func (t *Trigger) validate() error {
	switch t.Type {
	case TriggerMessage, TriggerNewLead, TriggerStageChanged, TriggerTagAdded, TriggerBookingCreated:
	case TriggerKeyword:
		if len(t.Keywords) == 0 {
			return invalid("trigger.keywords", "required for a keyword trigger")
		}
	case TriggerComment:
	case TriggerNoReply:
		if t.After <= 0 {
			return invalid("trigger.after", "must be positive for a no_reply trigger")
		}
	case "":
		return invalid("trigger.type", "required")
	default:
		return invalid("trigger.type", "unknown trigger %q", t.Type)
	}
	if len(t.Keywords) > 0 || t.Mode != "" {
		if _, err := newMatcher(t.Mode, t.Keywords); err != nil {
			return invalid("trigger.keywords", "%v", err)
		}
	}
	return nil
}

func newMatcher(mode string, keywords []string) (*instagram.Matcher, error) {
	m, err := ParseMode(mode)
	if err != nil {
		return nil, err
	}
	return instagram.NewMatcher(m, keywords...)
}

func (c *Condition) validate(field string) error {
	switch c.Type {
	case CondChannel:
		if len(c.Values) == 0 {
			return invalid(field+".values", "at least one channel is required")
		}
		for _, v := range c.Values {
			if !Channel(v).Valid() {
				return invalid(field+".values", "unknown channel %q", v)
			}
		}
	case CondStage, CondHasTag, CondNotTag:
		if len(c.Values) == 0 {
			return invalid(field+".values", "required")
		}
	case CondField:
		if c.Field == "" {
			return invalid(field+".field", "required")
		}
	case CondBusinessHours:
	case CondText:
		if _, err := newMatcher(c.Mode, c.Values); err != nil {
			return invalid(field+".values", "%v", err)
		}
	case CondScore:
		if c.Min == nil && c.Max == nil {
			return invalid(field+".min", "min or max is required")
		}
		if c.Min != nil && c.Max != nil && *c.Min > *c.Max {
			return invalid(field+".min", "greater than max")
		}
	case "":
		return invalid(field+".type", "required")
	default:
		return invalid(field+".type", "unknown condition %q", c.Type)
	}
	return nil
}

func (a *Action) validate(field string, trig TriggerType) error {
	switch a.Type {
	case ActSendText:
		if strings.TrimSpace(a.Text) == "" {
			return invalid(field+".text", "required")
		}
		for i, q := range a.QuickReplies {
			if q.Title == "" || q.Payload == "" {
				return invalid(fmt.Sprintf("%s.quick_replies[%d]", field, i), "title and payload are required")
			}
		}
		if len(a.QuickReplies) > 13 {
			return invalid(field+".quick_replies", "at most 13")
		}
	case ActSendTemplate:
		if a.Template == nil || a.Template.Name == "" || a.Template.Language == "" {
			return invalid(field+".template", "name and language are required")
		}
	case ActSendMedia:
		if a.Media == nil {
			return invalid(field+".media", "required")
		}
		switch a.Media.Type {
		case "image", "video", "audio", "document":
		default:
			return invalid(field+".media.type", "want image, video, audio or document")
		}
		if u, err := url.Parse(a.Media.URL); err != nil || u.Scheme != "https" || u.Host == "" {
			return invalid(field+".media.url", "an https URL is required")
		}
	case ActCommentReply:
		if trig != TriggerComment {
			return invalid(field+".type", "comment_reply needs a comment trigger")
		}
		if strings.TrimSpace(a.Text) == "" {
			return invalid(field+".text", "the private reply is required")
		}
	case ActAddTag, ActRemoveTag:
		if len(a.Values) == 0 {
			return invalid(field+".values", "at least one tag is required")
		}
	case ActMoveStage, ActAssign:
		if a.Value == "" {
			return invalid(field+".value", "required")
		}
	case ActNote:
		if strings.TrimSpace(a.Text) == "" {
			return invalid(field+".text", "required")
		}
	case ActAIReply, ActHandoff, ActScoreLead:
	case ActFollowUp:
		if a.Sequence == nil || len(a.Sequence.Steps) == 0 {
			return invalid(field+".sequence.steps", "at least one step is required")
		}
		for i, s := range a.Sequence.Steps {
			f := fmt.Sprintf("%s.sequence.steps[%d]", field, i)
			if s.Delay <= 0 {
				return invalid(f+".delay", "must be positive")
			}
			if (s.Text == "") == (s.Template == nil) {
				return invalid(f+".text", "exactly one of text and template is required")
			}
		}
		if q := a.Sequence.Quiet; q != nil && (q.Start < 0 || q.Start >= 1440 || q.End < 0 || q.End >= 1440) {
			return invalid(field+".sequence.quiet", "minutes must be in [0, 1440)")
		}
	case ActWebhook:
		if a.Webhook == nil {
			return invalid(field+".webhook", "required")
		}
		u, err := url.Parse(a.Webhook.URL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return invalid(field+".webhook.url", "an http(s) URL is required")
		}
		if len(a.Webhook.Secret) < 16 {
			return invalid(field+".webhook.secret", "at least 16 bytes")
		}
		if a.Webhook.Attempts < 0 || a.Webhook.Attempts > 10 {
			return invalid(field+".webhook.attempts", "must be 0–10")
		}
	case ActBook:
		if a.Booking == nil || a.Booking.Length <= 0 || a.Booking.Offset < 0 {
			return invalid(field+".booking", "a positive length and a non-negative offset are required")
		}
	case "":
		return invalid(field+".type", "required")
	default:
		return invalid(field+".type", "unknown action %q", a.Type)
	}
	return nil
}

// Clone returns a deep copy of r (stores hand out copies).
func (r Rule) Clone() Rule {
	r.Trigger.Keywords = slices.Clone(r.Trigger.Keywords)
	r.Conditions = slices.Clone(r.Conditions)
	for i := range r.Conditions {
		c := &r.Conditions[i]
		c.Values = slices.Clone(c.Values)
		c.Min, c.Max = clonePtr(c.Min), clonePtr(c.Max)
	}
	r.Actions = slices.Clone(r.Actions)
	for i := range r.Actions {
		a := &r.Actions[i]
		a.Values = slices.Clone(a.Values)
		a.QuickReplies = slices.Clone(a.QuickReplies)
		a.Template = a.Template.clone()
		a.Media, a.Webhook, a.Booking = clonePtr(a.Media), clonePtr(a.Webhook), clonePtr(a.Booking)
		a.Sequence = a.Sequence.Clone()
	}
	return r
}

// Clone returns a deep copy of s (nil for nil).
func (s *Sequence) Clone() *Sequence {
	if s == nil {
		return nil
	}
	c := *s
	c.Steps = slices.Clone(s.Steps)
	for i := range c.Steps {
		c.Steps[i].Template = c.Steps[i].Template.clone()
	}
	c.Quiet = clonePtr(s.Quiet)
	return &c
}

func (t *Template) clone() *Template {
	if t == nil {
		return nil
	}
	c := *t
	c.Params = slices.Clone(t.Params)
	return &c
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	c := *p
	return &c
}

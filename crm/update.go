package crm

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// LeadUpdate changes a lead's profile; nil fields are left alone. Custom sets
// custom fields (an empty value clears one).
type LeadUpdate struct {
	Name, City, Interest, Budget, Timeline, ExamStatus, CallbackPhone *string

	Stage           *string
	Assignee        *string
	Source          *Source
	Score           *int
	ScoreReasons    []string // replaces the reasons when Score is set
	Consent         *bool
	MarketingOptOut *bool
	Custom          map[string]string
}

func (u LeadUpdate) profileChanged() bool {
	return u.Name != nil || u.City != nil || u.Interest != nil || u.Budget != nil || u.Timeline != nil ||
		u.ExamStatus != nil || u.CallbackPhone != nil || u.Source != nil || u.Score != nil ||
		u.Consent != nil || u.MarketingOptOut != nil || len(u.Custom) > 0
}

// maxProfileField bounds the free-text profile fields.
const maxProfileField = 1000

// Update validates and applies u: the stage must be in the pipeline, custom
// fields must be defined and well typed, the callback phone must parse.
// Stage and assignee changes are logged as their own activities, the rest as
// one "updated" activity.
func (s *Service) Update(ctx context.Context, workspaceID, id string, u LeadUpdate, actor Actor) (*Lead, error) {
	stages, defs, err := s.settings(ctx, workspaceID)
	if err != nil {
		return nil, fmt.Errorf("crm: update lead: %w", err)
	}
	var callback string
	if u.CallbackPhone != nil && trimSpace(*u.CallbackPhone) != "" {
		if callback, err = NormalizePhone(*u.CallbackPhone, s.region(workspaceID)); err != nil {
			return nil, fmt.Errorf("crm: update lead: %w", invalid("callback_phone", "not a valid phone number"))
		}
	}
	for field, v := range map[string]*string{"name": u.Name, "city": u.City, "interest": u.Interest,
		"budget": u.Budget, "timeline": u.Timeline, "exam_status": u.ExamStatus, "assignee": u.Assignee} {
		if v != nil && len(*v) > maxProfileField {
			return nil, fmt.Errorf("crm: update lead: %w", invalid(field, fmt.Sprintf("longer than %d bytes", maxProfileField)))
		}
	}
	if len(u.ScoreReasons) > 20 {
		return nil, fmt.Errorf("crm: update lead: %w", invalid("score_reasons", "more than 20 reasons"))
	}
	if u.Stage != nil && *u.Stage != "" && !hasStage(stages, *u.Stage) {
		return nil, fmt.Errorf("crm: update lead: %w", invalid("stage", "not in the pipeline"))
	}
	custom, err := validateCustom(defs, u.Custom)
	if err != nil {
		return nil, fmt.Errorf("crm: update lead: %w", err)
	}
	now := s.now()
	l, err := s.store.UpdateLead(ctx, workspaceID, id, func(l *Lead) ([]Activity, error) {
		var acts []Activity
		set := func(dst *string, v *string) {
			if v != nil {
				*dst = trimSpace(*v)
			}
		}
		set(&l.Name, u.Name)
		set(&l.City, u.City)
		set(&l.Interest, u.Interest)
		set(&l.Budget, u.Budget)
		set(&l.Timeline, u.Timeline)
		set(&l.ExamStatus, u.ExamStatus)
		if u.CallbackPhone != nil {
			l.CallbackPhone = callback
		}
		if u.Source != nil {
			l.Source = *u.Source
		}
		if u.Score != nil {
			l.Score, l.ScoreReasons = *u.Score, slices.Clone(u.ScoreReasons)
		}
		if u.Consent != nil {
			l.Consent = *u.Consent
		}
		if u.MarketingOptOut != nil {
			l.MarketingOptOut = *u.MarketingOptOut
		}
		for k, v := range custom {
			if l.Custom == nil {
				l.Custom = map[string]string{}
			}
			if v == "" {
				delete(l.Custom, k)
			} else {
				l.Custom[k] = v
			}
		}
		if err := checkRequired(defs, l.Custom); err != nil {
			return nil, err
		}
		if u.profileChanged() {
			acts = append(acts, Activity{ID: s.newID(), LeadID: l.ID, Type: ActivityUpdated, Actor: actor.orSystem(), At: now})
		}
		if u.Stage != nil && *u.Stage != l.Stage {
			acts = append(acts, Activity{ID: s.newID(), LeadID: l.ID, Type: ActivityStageChange, Actor: actor.orSystem(), At: now, FromStage: l.Stage, ToStage: *u.Stage})
			l.Stage = *u.Stage
		}
		if u.Assignee != nil && *u.Assignee != l.Assignee {
			acts = append(acts, Activity{ID: s.newID(), LeadID: l.ID, Type: ActivityAssign, Actor: actor.orSystem(), At: now, RefID: *u.Assignee})
			l.Assignee = *u.Assignee
		}
		l.UpdatedAt = now
		return acts, nil
	})
	if err != nil {
		return nil, fmt.Errorf("crm: update lead: %w", err)
	}
	return l, nil
}

// MoveStage moves a lead to a pipeline stage and logs the change.
func (s *Service) MoveStage(ctx context.Context, workspaceID, id, stage string, actor Actor) (*Lead, error) {
	stages, err := s.store.Stages(ctx, workspaceID)
	if err != nil {
		return nil, fmt.Errorf("crm: move stage: %w", err)
	}
	if !hasStage(stages, stage) {
		return nil, fmt.Errorf("crm: move stage: %w", invalid("stage", "not in the pipeline"))
	}
	now := s.now()
	l, err := s.store.UpdateLead(ctx, workspaceID, id, func(l *Lead) ([]Activity, error) {
		if l.Stage == stage {
			return nil, nil
		}
		a := Activity{ID: s.newID(), LeadID: l.ID, Type: ActivityStageChange, Actor: actor.orSystem(), At: now, FromStage: l.Stage, ToStage: stage}
		l.Stage, l.UpdatedAt = stage, now
		return []Activity{a}, nil
	})
	if err != nil {
		return nil, fmt.Errorf("crm: move stage: %w", err)
	}
	return l, nil
}

// Tag adds tags to a lead, logging one activity per new tag.
func (s *Service) Tag(ctx context.Context, workspaceID, id string, actor Actor, tags ...string) (*Lead, error) {
	return s.tag(ctx, workspaceID, id, actor, tags, true)
}

// Untag removes tags from a lead, logging one activity per removed tag.
func (s *Service) Untag(ctx context.Context, workspaceID, id string, actor Actor, tags ...string) (*Lead, error) {
	return s.tag(ctx, workspaceID, id, actor, tags, false)
}

func (s *Service) tag(ctx context.Context, workspaceID, id string, actor Actor, tags []string, add bool) (*Lead, error) {
	op := "tag"
	if !add {
		op = "untag"
	}
	tags, err := normalizeTags(tags)
	if err != nil || len(tags) == 0 {
		if err == nil {
			err = invalid("tags", "empty")
		}
		return nil, fmt.Errorf("crm: %s: %w", op, err)
	}
	now := s.now()
	l, err := s.store.UpdateLead(ctx, workspaceID, id, func(l *Lead) ([]Activity, error) {
		var acts []Activity
		for _, t := range tags {
			has := l.HasTag(t)
			switch {
			case add && !has:
				l.Tags = append(l.Tags, t)
				acts = append(acts, Activity{ID: s.newID(), LeadID: l.ID, Type: ActivityTag, Actor: actor.orSystem(), At: now, Tag: t})
			case !add && has:
				l.Tags = slices.DeleteFunc(l.Tags, func(x string) bool { return x == t })
				acts = append(acts, Activity{ID: s.newID(), LeadID: l.ID, Type: ActivityUntag, Actor: actor.orSystem(), At: now, Tag: t})
			}
		}
		slices.Sort(l.Tags)
		if len(acts) > 0 {
			l.UpdatedAt = now
		}
		return acts, nil
	})
	if err != nil {
		return nil, fmt.Errorf("crm: %s: %w", op, err)
	}
	return l, nil
}

// Note appends a note to a lead's timeline.
func (s *Service) Note(ctx context.Context, workspaceID, id, text string, actor Actor) (*Activity, error) {
	text = trimSpace(text)
	if text == "" {
		return nil, fmt.Errorf("crm: note: %w", invalid("text", "empty"))
	}
	if len(text) > 10_000 {
		return nil, fmt.Errorf("crm: note: %w", invalid("text", "longer than 10000 bytes"))
	}
	a := Activity{ID: s.newID(), LeadID: id, Type: ActivityNote, Actor: actor.orSystem(), At: s.now(), Text: text}
	if _, err := s.store.AddActivities(ctx, workspaceID, []Activity{a}); err != nil {
		return nil, fmt.Errorf("crm: note: %w", err)
	}
	return &a, nil
}

// Assign sets a lead's owner ("" to unassign) and logs it.
func (s *Service) Assign(ctx context.Context, workspaceID, id, userID string, actor Actor) (*Lead, error) {
	return s.Update(ctx, workspaceID, id, LeadUpdate{Assignee: &userID}, actor)
}

// SetStages replaces the workspace's ordered pipeline. Keys must be unique
// identifiers (lower-case letters, digits, _ and -).
func (s *Service) SetStages(ctx context.Context, workspaceID string, stages []Stage) error {
	seen := map[string]bool{}
	for i, st := range stages {
		if !keyPattern.MatchString(st.Key) {
			return fmt.Errorf("crm: set stages: %w", invalid(fmt.Sprintf("stages[%d].key", i), "must be 1-64 lower-case letters, digits, _ or -"))
		}
		if seen[st.Key] {
			return fmt.Errorf("crm: set stages: %w: stages[%d].key repeats an earlier key", ErrConflict, i)
		}
		seen[st.Key] = true
		if trimSpace(st.Name) == "" {
			stages[i].Name = st.Key
		}
	}
	if err := s.store.SetStages(ctx, workspaceID, stages); err != nil {
		return fmt.Errorf("crm: set stages: %w", err)
	}
	return nil
}

// Stages returns the workspace's pipeline in order.
func (s *Service) Stages(ctx context.Context, workspaceID string) ([]Stage, error) {
	st, err := s.store.Stages(ctx, workspaceID)
	if err != nil {
		return nil, fmt.Errorf("crm: stages: %w", err)
	}
	return st, nil
}

var keyPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// DefineField creates or replaces a custom field definition.
func (s *Service) DefineField(ctx context.Context, workspaceID string, def FieldDef) error {
	if !keyPattern.MatchString(def.Key) || strings.Contains(def.Key, "-") {
		return fmt.Errorf("crm: define field: %w", invalid("key", "must be 1-64 lower-case letters, digits or _"))
	}
	switch def.Type {
	case FieldText, FieldNumber, FieldDate, FieldBoolean:
		def.Options = nil
	case FieldEnum:
		if len(def.Options) == 0 {
			return fmt.Errorf("crm: define field: %w", invalid("options", "an enum needs at least one option"))
		}
		for i, o := range def.Options {
			if trimSpace(o) == "" || slices.Contains(def.Options[:i], o) {
				return fmt.Errorf("crm: define field: %w", invalid(fmt.Sprintf("options[%d]", i), "empty or repeated"))
			}
		}
	default:
		return fmt.Errorf("crm: define field: %w", invalid("type", "must be text, number, date, enum or boolean"))
	}
	if def.Label == "" {
		def.Label = def.Key
	}
	if err := s.store.PutField(ctx, workspaceID, def); err != nil {
		return fmt.Errorf("crm: define field: %w", err)
	}
	return nil
}

// DeleteField removes a custom field definition (values already stored on
// leads are kept).
func (s *Service) DeleteField(ctx context.Context, workspaceID, key string) error {
	if err := s.store.DeleteField(ctx, workspaceID, key); err != nil {
		return fmt.Errorf("crm: delete field: %w", err)
	}
	return nil
}

// Fields returns the workspace's custom field definitions ordered by key.
func (s *Service) Fields(ctx context.Context, workspaceID string) ([]FieldDef, error) {
	f, err := s.store.Fields(ctx, workspaceID)
	if err != nil {
		return nil, fmt.Errorf("crm: fields: %w", err)
	}
	return f, nil
}

func (s *Service) settings(ctx context.Context, workspaceID string) ([]Stage, []FieldDef, error) {
	stages, err := s.store.Stages(ctx, workspaceID)
	if err != nil {
		return nil, nil, err
	}
	defs, err := s.store.Fields(ctx, workspaceID)
	if err != nil {
		return nil, nil, err
	}
	return stages, defs, nil
}

func hasStage(stages []Stage, key string) bool {
	return slices.ContainsFunc(stages, func(s Stage) bool { return s.Key == key })
}

// validateCustom checks values against their definitions and returns them in
// canonical form. Empty values (clearing a field) pass through.
func validateCustom(defs []FieldDef, values map[string]string) (map[string]string, error) {
	if len(values) == 0 {
		return nil, nil
	}
	out := make(map[string]string, len(values))
	for k, v := range values {
		i := slices.IndexFunc(defs, func(d FieldDef) bool { return d.Key == k })
		if i < 0 {
			return nil, invalid("custom."+safeKey(k), "no such custom field")
		}
		c, err := CanonicalValue(defs[i], v)
		if err != nil {
			return nil, err
		}
		out[k] = c
	}
	return out, nil
}

// checkRequired reports the first required field without a value.
func checkRequired(defs []FieldDef, values map[string]string) error {
	for _, d := range defs {
		if d.Required && values[d.Key] == "" {
			return invalid("custom."+d.Key, "required")
		}
	}
	return nil
}

// safeKey makes a caller-supplied key safe to put in an error message.
func safeKey(k string) string {
	if keyPattern.MatchString(k) {
		return k
	}
	return "(invalid key)"
}

// CanonicalValue checks v against def and returns its canonical form ("" stays
// ""): numbers as the shortest decimal, dates as YYYY-MM-DD (RFC 3339
// timestamps accepted), booleans as true/false (also yes/no, 1/0), enums as
// the matching option (case-insensitive).
func CanonicalValue(def FieldDef, v string) (string, error) {
	v = trimSpace(v)
	field := "custom." + def.Key
	if v == "" {
		return "", nil
	}
	switch def.Type {
	case FieldText:
		if len(v) > 2000 {
			return "", invalid(field, "longer than 2000 bytes")
		}
		return v, nil
	case FieldNumber:
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f != f || f > 1e15 || f < -1e15 {
			return "", invalid(field, "not a number")
		}
		return strconv.FormatFloat(f, 'f', -1, 64), nil
	case FieldDate:
		if t, err := time.Parse(time.DateOnly, v); err == nil {
			return t.Format(time.DateOnly), nil
		}
		if t, err := time.Parse(time.RFC3339, v); err == nil {
			return t.UTC().Format(time.DateOnly), nil
		}
		return "", invalid(field, "not a date (YYYY-MM-DD)")
	case FieldBoolean:
		switch strings.ToLower(v) {
		case "true", "yes", "1", "y":
			return "true", nil
		case "false", "no", "0", "n":
			return "false", nil
		}
		return "", invalid(field, "not a boolean")
	case FieldEnum:
		for _, o := range def.Options {
			if strings.EqualFold(o, v) {
				return o, nil
			}
		}
		return "", invalid(field, "not one of the options")
	}
	return "", invalid(field, "unknown field type")
}

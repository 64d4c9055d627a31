package crm

import (
	"slices"
	"time"
)

// Lead is a person a workspace talks to: one contact with several channel
// identities, a profile, a pipeline stage, tags, custom fields and a score.
// Name, profile fields and identities are personal data: the package never
// logs them or puts them in errors.
type Lead struct {
	ID          string     `json:"id"`
	WorkspaceID string     `json:"workspace_id"`
	Identities  []Identity `json:"identities"`

	Name          string `json:"name,omitempty"`
	City          string `json:"city,omitempty"`
	Interest      string `json:"interest,omitempty"` // course or product of interest
	Budget        string `json:"budget,omitempty"`
	Timeline      string `json:"timeline,omitempty"`
	ExamStatus    string `json:"exam_status,omitempty"` // exam status or score, as the business writes it
	CallbackPhone string `json:"callback_phone,omitempty"`

	Stage    string            `json:"stage,omitempty"` // a Stage.Key of the workspace's pipeline
	Tags     []string          `json:"tags,omitempty"`  // sorted, unique
	Custom   map[string]string `json:"custom,omitempty"`
	Assignee string            `json:"assignee,omitempty"` // user id of the owner
	Source   Source            `json:"source"`

	Score        int      `json:"score"`
	ScoreReasons []string `json:"score_reasons,omitempty"`

	Consent         bool `json:"consent"`           // consented to be contacted
	MarketingOptOut bool `json:"marketing_opt_out"` // opted out of marketing messages

	MergedInto string `json:"merged_into,omitempty"` // survivor's id once merged

	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
	LastActivityAt time.Time `json:"last_activity_at"`
}

// Source records where a lead came from.
type Source struct {
	Channel  string `json:"channel,omitempty"`  // whatsapp, instagram, messenger, import, call, web…
	Campaign string `json:"campaign,omitempty"` // campaign or broadcast id
	AdID     string `json:"ad_id,omitempty"`    // click-to-message ad referral id
}

// Phone returns the lead's first phone identity in E.164 form, or "".
func (l *Lead) Phone() string { return l.identity(KindPhone) }

// Email returns the lead's first email identity, or "".
func (l *Lead) Email() string { return l.identity(KindEmail) }

func (l *Lead) identity(k IdentityKind) string {
	for _, id := range l.Identities {
		if id.Kind == k {
			return id.Value
		}
	}
	return ""
}

// HasTag reports whether the lead carries tag.
func (l *Lead) HasTag(tag string) bool { return slices.Contains(l.Tags, tag) }

// Clone returns a deep copy.
func (l *Lead) Clone() *Lead {
	if l == nil {
		return nil
	}
	c := *l
	c.Identities = slices.Clone(l.Identities)
	c.Tags = slices.Clone(l.Tags)
	c.ScoreReasons = slices.Clone(l.ScoreReasons)
	if l.Custom != nil {
		c.Custom = make(map[string]string, len(l.Custom))
		for k, v := range l.Custom {
			c.Custom[k] = v
		}
	}
	return &c
}

// SortIdentities orders identities by kind then value, the order stores
// return them in.
func SortIdentities(ids []Identity) {
	slices.SortFunc(ids, func(a, b Identity) int {
		if a.Kind != b.Kind {
			if a.Kind < b.Kind {
				return -1
			}
			return 1
		}
		switch {
		case a.Value < b.Value:
			return -1
		case a.Value > b.Value:
			return 1
		}
		return 0
	})
}

// normalizeTags trims, drops empties and duplicates, and sorts.
func normalizeTags(tags []string) ([]string, error) {
	out := make([]string, 0, len(tags))
	for _, t := range tags {
		t = trimSpace(t)
		if t == "" {
			continue
		}
		if len(t) > 64 {
			return nil, invalid("tags", "a tag is longer than 64 characters")
		}
		out = append(out, t)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// Stage is one step of a workspace's ordered sales pipeline.
type Stage struct {
	Key  string `json:"key"`  // stable identifier stored on leads, e.g. "qualified"
	Name string `json:"name"` // display name
}

// FieldType is the type of a custom field.
type FieldType string

// The custom field types. Values are stored in a canonical string form:
// numbers as strconv.FormatFloat(v, 'f', -1, 64), dates as YYYY-MM-DD,
// booleans as "true"/"false", enums as one of the options.
const (
	FieldText    FieldType = "text"
	FieldNumber  FieldType = "number"
	FieldDate    FieldType = "date"
	FieldEnum    FieldType = "enum"
	FieldBoolean FieldType = "boolean"
)

// FieldDef defines a custom field of a workspace.
type FieldDef struct {
	Key      string    `json:"key"` // lower-case letters, digits and _, e.g. "exam_score"
	Label    string    `json:"label"`
	Type     FieldType `json:"type"`
	Options  []string  `json:"options,omitempty"` // allowed values of an enum
	Required bool      `json:"required,omitempty"`
}

package crm

import "time"

// ActivityType is the kind of an activity.
type ActivityType string

// The activity types.
const (
	ActivityCreated     ActivityType = "created"
	ActivityUpdated     ActivityType = "updated"
	ActivityStageChange ActivityType = "stage_change"
	ActivityTag         ActivityType = "tag"
	ActivityUntag       ActivityType = "untag"
	ActivityNote        ActivityType = "note"
	ActivityAssign      ActivityType = "assign"
	ActivityMessage     ActivityType = "message"
	ActivityCall        ActivityType = "call"
	ActivityBooking     ActivityType = "booking"
	ActivityAIAction    ActivityType = "ai_action"
	ActivityMerge       ActivityType = "merge"
	ActivityImport      ActivityType = "import"
)

// ActorKind says who performed an activity.
type ActorKind string

// The actor kinds.
const (
	ActorUser       ActorKind = "user"
	ActorAutomation ActorKind = "automation"
	ActorAI         ActorKind = "ai"
	ActorSystem     ActorKind = "system"
	ActorLead       ActorKind = "lead" // the lead themself (an inbound message)
)

// Actor is who performed an activity. The zero Actor is the system.
type Actor struct {
	Kind ActorKind `json:"kind"`
	ID   string    `json:"id,omitempty"` // user id, rule id, model name…
}

// User returns a user actor.
func User(id string) Actor { return Actor{Kind: ActorUser, ID: id} }

// Activity is one append-only entry of a lead's timeline.
type Activity struct {
	ID     string       `json:"id"`
	LeadID string       `json:"lead_id"`
	Type   ActivityType `json:"type"`
	Actor  Actor        `json:"actor"`
	At     time.Time    `json:"at"`

	Text      string       `json:"text,omitempty"`       // note text or a short summary
	FromStage string       `json:"from_stage,omitempty"` // stage_change
	ToStage   string       `json:"to_stage,omitempty"`   // stage_change
	Tag       string       `json:"tag,omitempty"`        // tag, untag
	RefID     string       `json:"ref_id,omitempty"`     // message, booking or merged lead id; assignee
	Call      *CallDetails `json:"call,omitempty"`       // call

	// DedupKey, when set, makes the activity idempotent: a second activity
	// with the same key in the workspace is not stored.
	DedupKey string `json:"dedup_key,omitempty"`
}

// CallDetails describes a phone call recorded from a device's call log. The
// device's contact name and the raw number are deliberately absent.
type CallDetails struct {
	Direction  CallDirection `json:"direction"`
	Type       CallType      `json:"type"`
	Duration   time.Duration `json:"duration"`
	DeviceID   string        `json:"device_id"`
	SyncSource string        `json:"sync_source,omitempty"` // e.g. "android"
	UserID     string        `json:"user_id,omitempty"`     // the member whose phone it was
}

// orSystem returns a, or the system actor when a has no kind.
func (a Actor) orSystem() Actor {
	if a.Kind == "" {
		a.Kind = ActorSystem
	}
	return a
}

package crm

import (
	"context"
	"time"
)

// Store persists a CRM. Implementations (crm/memstore, crm/pgstore) are safe
// for concurrent use, scope every read and write by workspace id (a record of
// another workspace is ErrNotFound), and return the package's sentinel errors,
// never driver errors such as pgx.ErrNoRows. crmtest.TestStore checks all of
// this.
//
// The Store does no validation or normalisation: that is the Service's job.
// Ids are assigned by the caller.
type Store interface {
	// FindOrCreateLead returns the lead owning any of ids (identities are
	// normalised and non-empty) and attaches those of ids it lacks that no
	// other lead owns; when no lead owns any of them it creates lead (whose
	// Identities are ignored) with all of ids. created reports which. Two
	// concurrent calls with the same new identities create one lead. A new
	// lead without a Stage is placed in the pipeline's first stage, if any.
	// A found lead without a name takes lead.Name.
	FindOrCreateLead(ctx context.Context, workspaceID string, ids []Identity, lead *Lead, created Activity) (_ *Lead, wasCreated bool, _ error)
	// Lead returns a lead with its identities, merged leads included.
	Lead(ctx context.Context, workspaceID, id string) (*Lead, error)
	// MergedLeads returns the leads merged into id (their MergedInto is id),
	// ordered by id; ErrNotFound if id does not exist.
	MergedLeads(ctx context.Context, workspaceID, id string) ([]*Lead, error)
	// LeadByIdentity returns the lead that owns id.
	LeadByIdentity(ctx context.Context, workspaceID string, id Identity) (*Lead, error)
	// UpdateLead loads the lead, calls fn with a copy, and when fn succeeds
	// saves the copy's mutable fields (not ids, identities, MergedInto or
	// CreatedAt) and appends the activities fn returns, atomically. A merged
	// lead is ErrMerged.
	UpdateLead(ctx context.Context, workspaceID, id string, fn func(*Lead) ([]Activity, error)) (*Lead, error)
	// AddIdentity attaches id to a lead: ErrConflict if another lead owns it,
	// a no-op if this lead does.
	AddIdentity(ctx context.Context, workspaceID, leadID string, id Identity) error
	// RemoveIdentity detaches id from the lead.
	RemoveIdentity(ctx context.Context, workspaceID, leadID string, id Identity) error
	// DeleteLead erases the lead, the leads merged into it, and everything
	// attached to them (identities, activities, conversations, messages,
	// bookings).
	DeleteLead(ctx context.Context, workspaceID, id string) error
	// MergeLeads moves the loser's identities, conversations, messages,
	// activities and bookings to the winner, lets fn update the winner's
	// profile, sets the loser's MergedInto, and appends fn's activity to the
	// winner, atomically.
	MergeLeads(ctx context.Context, workspaceID, winnerID, loserID string, fn func(winner, loser *Lead) (Activity, error)) (*Lead, error)
	// ImportLeads creates leads with their identities and activities all or
	// nothing: ErrConflict (and nothing written) if any identity exists.
	ImportLeads(ctx context.Context, workspaceID string, leads []*Lead, activities []Activity) error

	// SearchLeads returns one page of the unmerged leads matching q, ordered
	// by id, after q.Cursor.
	SearchLeads(ctx context.Context, workspaceID string, q Query) (*LeadPage, error)
	// CountByStage counts the unmerged leads per stage key ("" for none).
	CountByStage(ctx context.Context, workspaceID string) (map[string]int, error)

	// SetStages replaces the workspace's pipeline.
	SetStages(ctx context.Context, workspaceID string, stages []Stage) error
	// Stages returns the pipeline in order (empty if none).
	Stages(ctx context.Context, workspaceID string) ([]Stage, error)
	// PutField creates or replaces a custom field definition.
	PutField(ctx context.Context, workspaceID string, def FieldDef) error
	// DeleteField removes a custom field definition.
	DeleteField(ctx context.Context, workspaceID, key string) error
	// Fields returns the custom field definitions ordered by key.
	Fields(ctx context.Context, workspaceID string) ([]FieldDef, error)

	// AddActivities appends activities to their leads (ErrNotFound if one
	// lead is missing, nothing written), skipping those whose DedupKey is
	// already stored, and moves each lead's LastActivityAt forward. It
	// returns how many were stored.
	AddActivities(ctx context.Context, workspaceID string, acts []Activity) (int, error)
	// Activities returns a lead's activities, oldest first.
	Activities(ctx context.Context, workspaceID, leadID string) ([]Activity, error)
	// LeadsByPhone returns the unmerged lead id owning each of the given E.164
	// numbers; numbers no lead owns are absent.
	LeadsByPhone(ctx context.Context, workspaceID string, phones []string) (map[string]string, error)

	// Conversation finds or creates the conversation of a lead on a channel
	// account (conv supplies the id and fields of a new one).
	OpenConversation(ctx context.Context, workspaceID string, conv *Conversation) (*Conversation, error)
	// Conversation returns one conversation.
	Conversation(ctx context.Context, workspaceID, id string) (*Conversation, error)
	// Conversations returns a lead's conversations ordered by id.
	Conversations(ctx context.Context, workspaceID, leadID string) ([]*Conversation, error)
	// Inbox returns one page of the workspace's conversations matching q,
	// most recent message first (then id descending), after q.Cursor.
	Inbox(ctx context.Context, workspaceID string, q InboxQuery) (*ConversationPage, error)
	// UpdateConversation applies fn to a copy and saves its status, assignee,
	// handoff and unread fields.
	UpdateConversation(ctx context.Context, workspaceID, id string, fn func(*Conversation) error) (*Conversation, error)
	// InsertMessage stores m unless a message with the same ProviderID exists
	// on the same channel account, in which case it returns the stored one and
	// false. A new message appends act to the conversation's lead (moving its
	// last activity) and moves the conversation's last message time; a new
	// inbound message also bumps its unread count and last inbound time.
	InsertMessage(ctx context.Context, workspaceID string, m *Message, act Activity) (*Message, bool, error)
	// UpdateMessageStatus moves a message's delivery status forward (never
	// back) and returns the stored message.
	UpdateMessageStatus(ctx context.Context, workspaceID, channelAccount, providerID string, status MessageStatus, errText string, at time.Time) (*Message, error)
	// Messages returns a conversation's messages, oldest first.
	Messages(ctx context.Context, workspaceID, conversationID string) ([]*Message, error)

	// CreateBooking stores a new booking.
	CreateBooking(ctx context.Context, workspaceID string, b *Booking) error
	// UpdateBooking applies fn to a copy and saves it.
	UpdateBooking(ctx context.Context, workspaceID, id string, fn func(*Booking) error) (*Booking, error)
	// Booking returns one booking.
	Booking(ctx context.Context, workspaceID, id string) (*Booking, error)
	// Bookings returns a lead's bookings ordered by start.
	Bookings(ctx context.Context, workspaceID, leadID string) ([]*Booking, error)
}

// Query selects leads. The zero Query selects every unmerged lead.
type Query struct {
	Stage        string            // stage key
	Tags         []string          // leads carrying all of these tags
	Custom       map[string]string // custom field key → canonical value (equality)
	Channel      string            // Source.Channel
	Campaign     string            // Source.Campaign
	AdID         string            // Source.AdID
	MinScore     *int              // score ≥
	MaxScore     *int              // score ≤
	ActiveAfter  time.Time         // LastActivityAt ≥
	ActiveBefore time.Time         // LastActivityAt <
	Assignee     string
	Text         string // case-insensitive substring of the name, a phone number or an email
	Cursor       string // LeadPage.Next of the previous page
	Limit        int    // page size; 0 means 50, capped at 1000
}

// LeadPage is one page of a search. Next is empty on the last page.
type LeadPage struct {
	Leads []*Lead
	Next  string
}

// PageLimit returns q.Limit with its default and cap applied.
func (q Query) PageLimit() int {
	switch {
	case q.Limit <= 0:
		return 50
	case q.Limit > 1000:
		return 1000
	}
	return q.Limit
}

package broadcast

import (
	"context"
	"time"
)

// Store persists campaigns, their frozen recipients and the workspace's
// marketing suppression list. Every method is scoped by workspace id; no
// call crosses workspaces. Implementations (memstore, pgstore) must be safe
// for concurrent use, return [ErrNotFound] / [ErrExists] / [ErrLeaseLost]
// (never driver errors for those cases), and pass
// broadcasttest.TestStore.
type Store interface {
	// CreateCampaign stores a new campaign ([ErrExists] if its id is
	// taken in the workspace).
	CreateCampaign(ctx context.Context, c *Campaign) error
	// Campaign returns a copy of the campaign.
	Campaign(ctx context.Context, workspaceID, id string) (*Campaign, error)
	// Campaigns returns the workspace's campaigns in creation order,
	// optionally only those in the given states.
	Campaigns(ctx context.Context, workspaceID string, states ...State) ([]*Campaign, error)
	// UpdateCampaign applies fn to the campaign atomically: concurrent
	// updates of one campaign are serialised, and an error from fn leaves
	// it unchanged (and is returned).
	UpdateCampaign(ctx context.Context, workspaceID, id string, fn func(*Campaign) error) (*Campaign, error)

	// AddRecipients inserts planned recipients in bulk ([ErrExists] if a
	// (campaign, seq) is taken; nothing is inserted then).
	AddRecipients(ctx context.Context, workspaceID, campaignID string, rs []Recipient) error
	// DeleteRecipients removes every recipient of the campaign (used to
	// redo an interrupted plan).
	DeleteRecipients(ctx context.Context, workspaceID, campaignID string) error
	// Recipient returns one recipient.
	Recipient(ctx context.Context, workspaceID, campaignID string, seq int64) (Recipient, error)
	// Recipients returns up to limit recipients with Seq > after, in Seq
	// order, optionally only those with the given status ("" for all).
	Recipients(ctx context.Context, workspaceID, campaignID string, status RecipientStatus, after int64, limit int) ([]Recipient, error)
	// Claim leases up to n sendable recipients to owner until leaseUntil:
	// pending ones with NotBefore <= now, and claimed ones whose lease
	// expired before now, in Seq order. Claimed rows become
	// StatusClaimed; concurrent claims never return the same row.
	Claim(ctx context.Context, workspaceID, campaignID, owner string, n int, now, leaseUntil time.Time) ([]Recipient, error)
	// UpdateRecipient applies fn to the recipient atomically (serialised
	// per row); an error from fn leaves it unchanged and is returned.
	UpdateRecipient(ctx context.Context, workspaceID, campaignID string, seq int64, fn func(*Recipient) error) (Recipient, error)
	// StartSends records send intents in one step: each recipient among
	// seqs that owner holds claimed becomes StatusSending with IntentAt
	// now and one more attempt, its lease kept. It returns the seqs it
	// started; the others lost their lease (or do not exist).
	StartSends(ctx context.Context, workspaceID, campaignID, owner string, seqs []int64, now time.Time) ([]int64, error)
	// Accept records the API's acceptance of sends in one step: the
	// message id (unless a status webhook recorded one first),
	// StatusSending becomes StatusAccepted (a status a webhook already
	// advanced is kept), and the lease is cleared. Unknown seqs are
	// ignored.
	Accept(ctx context.Context, workspaceID, campaignID string, accepted []Accepted, now time.Time) error
	// Counts aggregates the campaign's recipients.
	Counts(ctx context.Context, workspaceID, campaignID string) (Counts, error)

	// Suppress records an opt-out of marketing messages for a contact key
	// (wa_id digits or BSUID); suppressing again keeps the first record.
	Suppress(ctx context.Context, s Suppression) error
	// Unsuppress removes a contact's opt-out (they resumed marketing).
	Unsuppress(ctx context.Context, workspaceID, contact string) error
	// Suppressed returns the suppression records of the given contacts
	// that have one.
	Suppressed(ctx context.Context, workspaceID string, contacts []string) (map[string]Suppression, error)
}

// Accepted is a send the API accepted.
type Accepted struct {
	Seq       int64
	MessageID string
}

// Suppression is a contact's opt-out of marketing messages.
type Suppression struct {
	WorkspaceID string `json:"workspace_id"`
	// Contact is the wa_id digits or BSUID.
	Contact string `json:"contact"`
	// Source is "stop_keyword", "error_131050", "user_preferences" or
	// "manual".
	Source string    `json:"source"`
	At     time.Time `json:"at"`
}

// Sources of suppressions.
const (
	SourceStopKeyword     = "stop_keyword"
	SourceError131050     = "error_131050"
	SourceUserPreferences = "user_preferences"
	SourceManual          = "manual"
)

// Counts aggregates a campaign's recipients by status.
type Counts struct {
	// Planned is every recipient row, skipped ones included.
	Planned int `json:"planned"`
	// ByStatus counts rows per status.
	ByStatus map[RecipientStatus]int `json:"by_status"`
	// Skipped counts skipped rows per reason.
	Skipped map[SkipReason]int `json:"skipped"`
	// FailedByCode counts failed rows per error code (0: no API code, such
	// as outcome_unknown).
	FailedByCode map[int]int `json:"failed_by_code"`
	// BillableByCountry counts rows whose status webhooks said billable,
	// per recipient country, and pricing category ("marketing"…), as
	// "IN/marketing".
	BillableByCountry map[string]int `json:"billable_by_country"`
	// NextAt is the earliest NotBefore of the pending rows (zero if none
	// is waiting).
	NextAt time.Time `json:"next_at,omitzero"`
}

// Open is how many rows still need a worker: pending and claimed.
func (c Counts) Open() int { return c.ByStatus[StatusPending] + c.ByStatus[StatusClaimed] }

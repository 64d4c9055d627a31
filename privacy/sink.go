package privacy

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// Identifiers name a data subject inside one workspace: everything needed to
// find their records in every store. They are saved with the request before
// anything is deleted, so a retry after a partial failure still finds all.
type Identifiers struct {
	WorkspaceID string `json:"workspace_id"`
	// SubjectIDs are internal ids (lead ids, user ids).
	SubjectIDs []string `json:"subject_ids,omitempty"`
	// Phones are E.164 numbers.
	Phones []string `json:"phones,omitempty"`
	Emails []string `json:"emails,omitempty"`
	// ChannelIDs are platform-scoped ids (wa_id, BSUID, IGSID, PSID).
	ChannelIDs []string `json:"channel_ids,omitempty"`
}

// Empty reports whether no identifier is set.
func (id Identifiers) Empty() bool {
	return len(id.SubjectIDs)+len(id.Phones)+len(id.Emails)+len(id.ChannelIDs) == 0
}

// Strategy is how a sink erases a category.
type Strategy string

// Erasure strategies.
const (
	StrategyDelete Strategy = "delete"
	// StrategyMask keeps the record but replaces personal fields.
	StrategyMask Strategy = "mask"
	// StrategyCryptoShred destroys the subject's data key (see package vault).
	StrategyCryptoShred Strategy = "crypto_shred"
)

// ExportRecord is one record a sink holds about a subject, in a
// machine-readable form.
type ExportRecord struct {
	Sink     string          `json:"sink"`
	Category Category        `json:"category"`
	Kind     string          `json:"kind"`
	ID       string          `json:"id"`
	Created  time.Time       `json:"created"`
	Data     json.RawMessage `json:"data"`
}

// Receipt is what a sink reports after acting on a request or a purge.
type Receipt struct {
	Sink     string    `json:"sink"`
	Category Category  `json:"category"`
	Action   string    `json:"action"` // "export", "erase", "restrict", "purge", "held"
	Strategy Strategy  `json:"strategy,omitempty"`
	Count    int       `json:"count"`
	At       time.Time `json:"at"`
	Note     string    `json:"note,omitempty"`
}

// PurgeRequest asks a sink to delete one category's records older than
// Cutoff, at most Limit of them, continuing after Cursor; rows covered by
// Holds must survive. When WorkspaceID is set, only that workspace's records
// are purged (a closed workspace's data); otherwise every workspace's.
type PurgeRequest struct {
	Category    Category
	WorkspaceID string
	Cutoff      time.Time
	Limit       int
	Cursor      string
	Holds       []Hold
}

// InScope reports whether a record of workspace ws is in the request's
// workspace scope.
func (p PurgeRequest) InScope(ws string) bool { return p.WorkspaceID == "" || p.WorkspaceID == ws }

// Held reports whether a record of the workspace and subject created at t is
// covered by one of the request's holds.
func (p PurgeRequest) Held(workspaceID, subject string, t time.Time) bool {
	for _, h := range p.Holds {
		if h.Covers(Scope{WorkspaceID: workspaceID, Subject: subject, Category: p.Category, DataTime: t}) {
			return true
		}
	}
	return false
}

// PurgeResult is one batch of a purge.
type PurgeResult struct {
	Deleted int
	// Cursor resumes the purge; empty when Done.
	Cursor string
	Done   bool
}

// Sink is how the engine reaches data it does not own (the CRM, the
// knowledge base, the vault, an integrator's own store). Implementations
// must be idempotent: erasing twice erases nothing more and succeeds; they
// must never touch another workspace. privacytest.TestSink checks a sink.
type Sink interface {
	// Name identifies the sink in receipts.
	Name() string
	// Categories lists what the sink holds.
	Categories() []Category
	// Export returns every record the sink holds about the subject.
	Export(ctx context.Context, id Identifiers) ([]ExportRecord, error)
	// Erase erases or de-identifies the subject's records of category with
	// the strategy and returns a receipt with the count.
	Erase(ctx context.Context, id Identifiers, category Category, strategy Strategy) (Receipt, error)
	// Purge deletes one batch of expired records of a category.
	Purge(ctx context.Context, req PurgeRequest) (PurgeResult, error)
}

// StartPurge does what every sink that walks workspaces does before its
// first batch: it rejects a non-positive limit, reports done when the sink
// (named name in errors) does not hold req.Category, decodes the request's
// JSON cursor into cur, and returns the workspaces to visit in order — the
// request's own, or every workspace list returns, sorted.
func StartPurge[C any](ctx context.Context, name string, req PurgeRequest, category Category, list func(context.Context) ([]string, error), cur *C) (workspaces []string, done bool, err error) {
	if req.Limit <= 0 {
		return nil, false, fmt.Errorf("%s: purge limit must be positive", name)
	}
	if req.Category != category {
		return nil, true, nil
	}
	if list == nil && req.WorkspaceID == "" {
		return nil, false, fmt.Errorf("%s: purge needs WithWorkspaces", name)
	}
	if req.Cursor != "" {
		if err := json.Unmarshal([]byte(req.Cursor), cur); err != nil {
			return nil, false, fmt.Errorf("%s: purge: bad cursor: %w", name, err)
		}
	}
	if req.WorkspaceID != "" {
		return []string{req.WorkspaceID}, false, nil
	}
	all, err := list(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("%s: purge: workspaces: %w", name, err)
	}
	return slices.Sorted(slices.Values(all)), false, nil
}

package privacy

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Hold is a legal hold: while active, data in its scope must not be
// destroyed by any path (sweeper, erasure, workspace closure, Meta callback).
// Empty Subject or Category means "all"; a zero From or To leaves that end
// of the time range open.
type Hold struct {
	ID          string
	WorkspaceID string
	Subject     string
	Category    Category
	From, To    time.Time
	Reason      string
	CreatedBy   string
	CreatedAt   time.Time
	ReleasedAt  time.Time
	ReleasedBy  string
}

// Scope is what a destructive operation is about to touch.
type Scope struct {
	WorkspaceID string
	Subject     string // empty: every subject
	Category    Category
	// DataTime is when the data was created; zero when the operation spans
	// all times (then any hold in the category applies).
	DataTime time.Time
}

// Covers reports whether an active hold covers the scope.
func (h Hold) Covers(s Scope) bool {
	if !h.ReleasedAt.IsZero() || h.WorkspaceID != s.WorkspaceID {
		return false
	}
	if h.Category != "" && h.Category != s.Category {
		return false
	}
	if h.Subject != "" && s.Subject != "" && h.Subject != s.Subject {
		return false
	}
	if !s.DataTime.IsZero() {
		if !h.From.IsZero() && s.DataTime.Before(h.From) {
			return false
		}
		if !h.To.IsZero() && s.DataTime.After(h.To) {
			return false
		}
	}
	return true
}

// ErrHeld is returned when a legal hold forbids a destructive operation.
var ErrHeld = errors.New("privacy: legal hold in effect")

// ErrHoldsUnavailable is wrapped (with ErrHeld) when the holds could not be
// read: the operation must stop, and may be retried later.
var ErrHoldsUnavailable = errors.New("privacy: legal holds unavailable")

// HoldStore persists holds; safe for concurrent use.
type HoldStore interface {
	PutHold(ctx context.Context, h Hold) error
	// ActiveHolds returns the workspace's unreleased holds.
	ActiveHolds(ctx context.Context, workspaceID string) ([]Hold, error)
	GetHold(ctx context.Context, workspaceID, id string) (Hold, error)
}

// Holds places, releases and checks legal holds, auditing each change.
type Holds struct {
	store HoldStore
	audit *AuditLog
	now   func() time.Time
}

// NewHolds returns a hold manager. audit may be nil only in tests.
func NewHolds(store HoldStore, audit *AuditLog, now func() time.Time) *Holds {
	if now == nil {
		now = time.Now
	}
	return &Holds{store: store, audit: audit, now: now}
}

// Place records a hold and audits it.
func (h *Holds) Place(ctx context.Context, hold Hold) (Hold, error) {
	switch {
	case hold.ID == "":
		return Hold{}, errors.New("privacy: hold id is required")
	case hold.WorkspaceID == "":
		return Hold{}, errors.New("privacy: hold workspace is required")
	case hold.Reason == "":
		return Hold{}, errors.New("privacy: hold reason is required")
	case !hold.From.IsZero() && !hold.To.IsZero() && hold.To.Before(hold.From):
		return Hold{}, errors.New("privacy: hold to must not be before from")
	}
	hold.CreatedAt, hold.ReleasedAt = h.now(), time.Time{}
	if err := h.store.PutHold(ctx, hold); err != nil {
		return Hold{}, fmt.Errorf("privacy: place hold: %w", err)
	}
	if err := h.record(ctx, hold.WorkspaceID, hold.CreatedBy, "hold.placed", hold.ID); err != nil {
		return Hold{}, err
	}
	return hold, nil
}

// Release ends a hold and audits it.
func (h *Holds) Release(ctx context.Context, workspaceID, id, by string) error {
	hold, err := h.store.GetHold(ctx, workspaceID, id)
	if err != nil {
		return fmt.Errorf("privacy: release hold: %w", err)
	}
	if !hold.ReleasedAt.IsZero() {
		return nil
	}
	hold.ReleasedAt, hold.ReleasedBy = h.now(), by
	if err := h.store.PutHold(ctx, hold); err != nil {
		return fmt.Errorf("privacy: release hold: %w", err)
	}
	return h.record(ctx, workspaceID, by, "hold.released", id)
}

func (h *Holds) record(ctx context.Context, ws, actor, action, target string) error {
	if h.audit == nil {
		return nil
	}
	if actor == "" {
		actor = "system"
	}
	_, err := h.audit.Record(ctx, AuditEntry{WorkspaceID: ws, Actor: actor, Action: action, Target: target})
	return err
}

// Check returns an error wrapping [ErrHeld] (naming the hold) when an active
// hold covers scope. It fails closed: if the holds cannot be read, the error
// also wraps ErrHeld, so a destructive path that checks errors stops.
func (h *Holds) Check(ctx context.Context, s Scope) error {
	holds, err := h.store.ActiveHolds(ctx, s.WorkspaceID)
	if err != nil {
		return fmt.Errorf("%w: %w (%w)", ErrHeld, ErrHoldsUnavailable, err)
	}
	for _, hold := range holds {
		if hold.Covers(s) {
			return fmt.Errorf("%w: hold %s covers %s", ErrHeld, hold.ID, s.Category)
		}
	}
	return nil
}

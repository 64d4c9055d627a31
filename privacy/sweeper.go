package privacy

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"
)

// CursorStore remembers where a sweep stopped, so a crash resumes it.
type CursorStore interface {
	// SweepCursor returns the saved cursor of (sink, category), "" if none.
	SweepCursor(ctx context.Context, sink string, category Category) (string, error)
	SaveSweepCursor(ctx context.Context, sink string, category Category, cursor string) error
}

// AllHolds lists every active hold of every workspace.
type AllHolds interface {
	AllActiveHolds(ctx context.Context) ([]Hold, error)
}

// SweepLog keeps the receipt of every sweep run; safe for concurrent use.
type SweepLog interface {
	AddSweepReceipt(ctx context.Context, r SweepReceipt) error
	// RecentSweeps returns up to limit receipts, newest first.
	RecentSweeps(ctx context.Context, limit int) ([]SweepReceipt, error)
}

// ClosedWorkspace is a workspace that was closed at ClosedAt: its data
// falls under the rules triggered by workspace closure.
type ClosedWorkspace struct {
	ID       string
	ClosedAt time.Time
}

// Sweeper runs the retention policy over the sinks in bounded batches.
//
// Rules triggered by creation or last activity purge every workspace's
// records older than the rule's window (each sink dates its records the way
// the trigger means: the CRM by last activity, a log table by creation).
// Rules triggered by workspace closure purge all of a closed workspace's
// records once the window since closure has passed (Closed lists the
// workspaces). Rules triggered by a hold's release are not swept: such data
// outlives its rule only because of the hold, and the rule's own trigger
// applies again once the hold is gone. Holds are read once per run and
// passed to every batch; if they cannot be read, nothing is deleted.
type Sweeper struct {
	Policy  *Compiled
	Sinks   []Sink
	Holds   AllHolds
	Cursors CursorStore
	// Closed lists closed workspaces (optional; without it closure rules
	// are not swept).
	Closed func(ctx context.Context) ([]ClosedWorkspace, error)
	// Log, when set, keeps a receipt of every (sink, category, workspace)
	// run.
	Log SweepLog
	// Batch is the most rows one statement deletes (default 1000).
	Batch int
	Now   func() time.Time
}

// SweepReceipt records one run over one (sink, category), and one workspace
// for a closure sweep.
type SweepReceipt struct {
	Sink     string
	Category Category
	// Rule names the retention rule applied.
	Rule string
	// WorkspaceID is set for a closed workspace's sweep; empty when the run
	// covered every workspace.
	WorkspaceID string
	Cutoff      time.Time
	Deleted     int
	Batches     int
	Done        bool
	StartedAt   time.Time
	FinishedAt  time.Time
}

// Run sweeps every rule of the policy (see [Sweeper]) for at most
// maxBatches batches per (sink, category, workspace) (0: until done). It is
// idempotent: a second run right after deletes nothing. Receipts are
// returned and, with Log, saved.
func (s *Sweeper) Run(ctx context.Context, maxBatches int) ([]SweepReceipt, error) {
	if s.Policy == nil {
		return nil, errors.New("privacy: sweeper needs a compiled policy")
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	holds, err := s.Holds.AllActiveHolds(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w: %w: sweeper (%w)", ErrHeld, ErrHoldsUnavailable, err)
	}
	var closed []ClosedWorkspace
	if s.Closed != nil {
		if closed, err = s.Closed(ctx); err != nil {
			return nil, fmt.Errorf("privacy: sweeper: closed workspaces: %w", err)
		}
		sort.Slice(closed, func(i, j int) bool { return closed[i].ID < closed[j].ID })
	}
	var out []SweepReceipt
	for _, sink := range s.Sinks {
		for _, cat := range sink.Categories() {
			rule, ok := s.Policy.Rules[cat]
			if !ok {
				continue
			}
			switch rule.Trigger {
			case TriggerCreated, TriggerLastActivity:
				rec := SweepReceipt{Sink: sink.Name(), Category: cat, Rule: rule.Name, Cutoff: rule.Max.Cutoff(now())}
				if err := s.sweep(ctx, sink, sink.Name(), &rec, holds, maxBatches, now); err != nil {
					return out, err
				}
				out = append(out, rec)
			case TriggerWorkspaceClosed:
				for _, ws := range closed {
					// The window runs from closure: purge everything once
					// it has passed.
					if ws.ID == "" || rule.Max.Cutoff(now()).Before(ws.ClosedAt) {
						continue
					}
					rec := SweepReceipt{Sink: sink.Name(), Category: cat, Rule: rule.Name, WorkspaceID: ws.ID, Cutoff: now()}
					if err := s.sweep(ctx, sink, sink.Name()+"@"+ws.ID, &rec, holds, maxBatches, now); err != nil {
						return out, err
					}
					out = append(out, rec)
				}
			}
		}
	}
	return out, nil
}

// sweep runs the batches of one receipt; cursorKey names its saved cursor.
func (s *Sweeper) sweep(ctx context.Context, sink Sink, cursorKey string, rec *SweepReceipt, holds []Hold, maxBatches int, now func() time.Time) error {
	batch := s.Batch
	if batch <= 0 {
		batch = 1000
	}
	rec.StartedAt = now()
	cursor, err := s.Cursors.SweepCursor(ctx, cursorKey, rec.Category)
	if err != nil {
		return fmt.Errorf("privacy: sweep %s/%s: %w", sink.Name(), rec.Category, err)
	}
	for maxBatches == 0 || rec.Batches < maxBatches {
		if err := ctx.Err(); err != nil {
			return err
		}
		res, err := sink.Purge(ctx, PurgeRequest{Category: rec.Category, WorkspaceID: rec.WorkspaceID, Cutoff: rec.Cutoff,
			Limit: batch, Cursor: cursor, Holds: holds})
		if err != nil {
			return fmt.Errorf("privacy: sweep %s/%s: %w", sink.Name(), rec.Category, err)
		}
		rec.Batches++
		rec.Deleted += res.Deleted
		cursor = res.Cursor
		if res.Done {
			cursor = ""
		}
		if err := s.Cursors.SaveSweepCursor(ctx, cursorKey, rec.Category, cursor); err != nil {
			return fmt.Errorf("privacy: sweep %s/%s: %w", sink.Name(), rec.Category, err)
		}
		if res.Done {
			rec.Done = true
			break
		}
	}
	rec.FinishedAt = now()
	if s.Log != nil {
		if err := s.Log.AddSweepReceipt(ctx, *rec); err != nil {
			return fmt.Errorf("privacy: sweep %s/%s: save receipt: %w", sink.Name(), rec.Category, err)
		}
	}
	return nil
}

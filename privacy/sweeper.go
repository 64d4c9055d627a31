package privacy

import (
	"context"
	"errors"
	"fmt"
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

// Sweeper runs the retention policy over the sinks in bounded batches.
type Sweeper struct {
	Policy  *Compiled
	Sinks   []Sink
	Holds   AllHolds
	Cursors CursorStore
	// Batch is the most rows one statement deletes (default 1000).
	Batch int
	Now   func() time.Time
}

// SweepReceipt records one run over one (sink, category).
type SweepReceipt struct {
	Sink     string
	Category Category
	Cutoff   time.Time
	Deleted  int
	Batches  int
	Done     bool
}

// Run sweeps every category whose rule is triggered by creation, for at most
// maxBatches batches per (sink, category) (0: until done). It is idempotent:
// a second run right after deletes nothing. Holds are read once per run and
// passed to every batch; if they cannot be read, nothing is deleted.
func (s *Sweeper) Run(ctx context.Context, maxBatches int) ([]SweepReceipt, error) {
	if s.Policy == nil {
		return nil, errors.New("privacy: sweeper needs a compiled policy")
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	batch := s.Batch
	if batch <= 0 {
		batch = 1000
	}
	holds, err := s.Holds.AllActiveHolds(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w: sweeper cannot read holds (%w)", ErrHeld, err)
	}
	var out []SweepReceipt
	for _, sink := range s.Sinks {
		for _, cat := range sink.Categories() {
			rule, ok := s.Policy.Rules[cat]
			if !ok || rule.Trigger != TriggerCreated {
				continue
			}
			rec := SweepReceipt{Sink: sink.Name(), Category: cat, Cutoff: rule.Max.Cutoff(now())}
			cursor, err := s.Cursors.SweepCursor(ctx, sink.Name(), cat)
			if err != nil {
				return out, fmt.Errorf("privacy: sweep %s/%s: %w", sink.Name(), cat, err)
			}
			for maxBatches == 0 || rec.Batches < maxBatches {
				if err := ctx.Err(); err != nil {
					return out, err
				}
				res, err := sink.Purge(ctx, PurgeRequest{Category: cat, Cutoff: rec.Cutoff, Limit: batch, Cursor: cursor, Holds: holds})
				if err != nil {
					return out, fmt.Errorf("privacy: sweep %s/%s: %w", sink.Name(), cat, err)
				}
				rec.Batches++
				rec.Deleted += res.Deleted
				cursor = res.Cursor
				if res.Done {
					cursor = ""
				}
				if err := s.Cursors.SaveSweepCursor(ctx, sink.Name(), cat, cursor); err != nil {
					return out, fmt.Errorf("privacy: sweep %s/%s: %w", sink.Name(), cat, err)
				}
				if res.Done {
					rec.Done = true
					break
				}
			}
			out = append(out, rec)
		}
	}
	return out, nil
}

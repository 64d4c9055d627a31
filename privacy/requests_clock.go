package privacy

import (
	"context"
	"fmt"
	"time"
)

func pauseClock(d *Deadline, t time.Time) {
	if d.Rule.Name == "" || !d.Met.IsZero() {
		return
	}
	_ = d.Pause(t) // already paused: a reissued code keeps the running pause
}

func resumeClock(d *Deadline, t time.Time) {
	if d.Rule.Name == "" {
		return
	}
	_ = d.Resume(t) // not paused: nothing to resume
}

// Extend takes the response rule's extension for a request (the GDPR's two
// further months), recording that the person was told now; it must happen
// within the first period ([ErrExtensionNotAllowed] otherwise) and is
// audited.
func (q *Requests) Extend(ctx context.Context, workspaceID, id string, cal *Calendar) (Request, error) {
	r, err := q.Store.GetRequest(ctx, workspaceID, id)
	if err != nil {
		return Request{}, fmt.Errorf("privacy: extend request: %w", err)
	}
	if r.State == StateCompleted || r.State == StateRejected {
		return r, ErrBadState
	}
	if err := r.Deadline.Extend(q.now(), cal); err != nil {
		return r, fmt.Errorf("privacy: extend request: %w", err)
	}
	r.UpdatedAt = q.now()
	if err := q.put(ctx, &r); err != nil {
		return r, fmt.Errorf("privacy: extend request: %w", err)
	}
	return r, q.audit(ctx, r, "request.extended")
}

// put stores r if nobody changed it since it was read, and advances its
// version.
func (q *Requests) put(ctx context.Context, r *Request) error {
	if err := q.Store.PutRequest(ctx, *r); err != nil {
		return err
	}
	r.Version++
	return nil
}

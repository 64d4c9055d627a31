package intake

import (
	"context"
	"slices"
	"sync"
	"time"
)

// MemStore is an in-memory Store, safe for concurrent use. It is the
// embedded default: jobs do not survive a restart.
type MemStore struct {
	mu    sync.Mutex
	next  int64
	jobs  map[int64]*memJob
	byKey map[string]int64
}

type memJob struct {
	Job
	leaseUntil time.Time
}

// NewMemStore returns an empty store.
func NewMemStore() *MemStore {
	return &MemStore{jobs: map[int64]*memJob{}, byKey: map[string]int64{}}
}

// Put implements Store.
func (s *MemStore) Put(_ context.Context, kind, key string, body []byte, at time.Time) (int64, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := kind + "\x00" + key
	if id, ok := s.byKey[k]; ok {
		return id, false, nil
	}
	s.next++
	s.jobs[s.next] = &memJob{Job: Job{ID: s.next, Kind: kind, Key: key, Body: slices.Clone(body), State: StateQueued, ReceivedAt: at, NextAt: at}}
	s.byKey[k] = s.next
	return s.next, true, nil
}

// Claim implements Store.
func (s *MemStore) Claim(_ context.Context, now time.Time, lease time.Duration, limit int) ([]Job, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var due []*memJob
	for _, j := range s.jobs {
		if j.State == StateQueued && !j.NextAt.After(now) && !j.leaseUntil.After(now) {
			due = append(due, j)
		}
	}
	slices.SortFunc(due, func(a, b *memJob) int { return int(a.ID - b.ID) })
	if len(due) > limit {
		due = due[:limit]
	}
	out := make([]Job, 0, len(due))
	for _, j := range due {
		j.leaseUntil = now.Add(lease)
		out = append(out, j.Job)
	}
	return out, nil
}

func (s *MemStore) job(id int64) (*memJob, error) {
	j, ok := s.jobs[id]
	if !ok {
		return nil, ErrNotFound
	}
	return j, nil
}

// Done implements Store.
func (s *MemStore) Done(_ context.Context, id int64, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	j, err := s.job(id)
	if err != nil {
		return err
	}
	j.State, j.DoneAt, j.leaseUntil = StateDone, at, time.Time{}
	j.Attempts++
	return nil
}

// Retry implements Store.
func (s *MemStore) Retry(_ context.Context, id int64, next time.Time, errText string, wait bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	j, err := s.job(id)
	if err != nil {
		return err
	}
	if !wait {
		j.Attempts++
	}
	j.NextAt, j.LastError, j.leaseUntil = next, errText, time.Time{}
	return nil
}

// Bury implements Store.
func (s *MemStore) Bury(_ context.Context, id int64, errText string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	j, err := s.job(id)
	if err != nil {
		return err
	}
	j.Attempts++
	j.State, j.LastError, j.leaseUntil = StateDead, errText, time.Time{}
	return nil
}

// Dead implements Store.
func (s *MemStore) Dead(_ context.Context, after int64, limit int) ([]Job, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Job
	for _, j := range s.jobs {
		if j.State == StateDead && j.ID > after {
			out = append(out, j.Job)
		}
	}
	slices.SortFunc(out, func(a, b Job) int { return int(a.ID - b.ID) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// Replay implements Store.
func (s *MemStore) Replay(_ context.Context, id int64, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	j, err := s.job(id)
	if err != nil || j.State != StateDead {
		return ErrNotFound
	}
	j.State, j.Attempts, j.NextAt = StateQueued, 0, now
	return nil
}

// Stats implements Store.
func (s *MemStore) Stats(_ context.Context) (map[string]int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]int{StateQueued: 0, StateDone: 0, StateDead: 0}
	for _, j := range s.jobs {
		out[j.State]++
	}
	return out, nil
}

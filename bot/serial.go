package bot

import (
	"context"
	"hash/maphash"
	"sync"
)

// Serializer feeds an Engine from a queue with per-conversation order and
// parallelism across conversations: events of one conversation go to the
// same worker, in submission order.
type Serializer struct {
	handle func(context.Context, Event) error
	onErr  func(Event, error)
	queues []chan Event
	seed   maphash.Seed
	wg     sync.WaitGroup
}

// NewSerializer starts workers goroutines calling handle (usually
// Engine.Handle); onErr, if not nil, receives failures. Stop with Close.
func NewSerializer(ctx context.Context, workers int, handle func(context.Context, Event) error, onErr func(Event, error)) *Serializer {
	if workers < 1 {
		workers = 1
	}
	s := &Serializer{handle: handle, onErr: onErr, seed: maphash.MakeSeed()}
	for range workers {
		q := make(chan Event, 64)
		s.queues = append(s.queues, q)
		s.wg.Go(func() {
			for ev := range q {
				if err := s.handle(ctx, ev); err != nil && s.onErr != nil {
					s.onErr(ev, err)
				}
			}
		})
	}
	return s
}

// Submit queues ev behind earlier events of its conversation; it blocks
// while that worker's queue is full.
func (s *Serializer) Submit(ev Event) {
	h := maphash.String(s.seed, ev.conversationKey())
	s.queues[h%uint64(len(s.queues))] <- ev
}

// Close stops accepting events, finishes the queued ones and waits.
func (s *Serializer) Close() {
	for _, q := range s.queues {
		close(q)
	}
	s.wg.Wait()
}

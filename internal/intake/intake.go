// Package intake is the server's durable webhook inbox: a verified webhook
// body is stored with its dedup key and queued for processing in one step,
// acknowledged, and then processed by workers with retries, backoff and a
// dead-letter list that can be replayed.
//
//	q := intake.New(memstore.New(), process, intake.WithWorkers(4))
//	id, inserted, err := q.Accept(ctx, "meta", key, body) // before answering 200
//	go q.Run(ctx)                                         // workers
//
// Store implementations: [MemStore] (in memory, the embedded default) and
// the PostgreSQL store in package intake/pgintake. A Processor returning an
// error wrapping [ErrWait] (a kill switch is on) puts the job back without
// counting an attempt, so waiting events run, in order, on resume.
package intake

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"sync"
	"time"
)

// Job states.
const (
	StateQueued = "queued"
	StateDone   = "done"
	StateDead   = "dead"
)

// Errors of the package.
var (
	// ErrNotFound: no such job (or it is not dead, for Replay).
	ErrNotFound = errors.New("intake: not found")
	// ErrWait: the processor cannot run the job now (a kill switch is on);
	// the job waits without counting an attempt.
	ErrWait = errors.New("intake: wait")
	// ErrPermanent marks a failure that retrying cannot fix; the job goes
	// straight to the dead-letter list.
	ErrPermanent = errors.New("intake: permanent failure")
)

// Job is one stored webhook delivery.
type Job struct {
	ID         int64     `json:"id"`
	Kind       string    `json:"kind"` // meta, razorpay
	Key        string    `json:"key"`  // dedup key, unique per kind
	Body       []byte    `json:"-"`
	State      string    `json:"state"`
	Attempts   int       `json:"attempts"`
	LastError  string    `json:"last_error,omitempty"`
	ReceivedAt time.Time `json:"received_at"`
	NextAt     time.Time `json:"next_at"`
	DoneAt     time.Time `json:"done_at,omitzero"`
}

// Store persists jobs. Implementations are safe for concurrent use.
type Store interface {
	// Put stores a job unless (kind, key) exists; inserted reports which.
	Put(ctx context.Context, kind, key string, body []byte, at time.Time) (id int64, inserted bool, err error)
	// Claim leases up to limit queued jobs due at now, oldest id first; a
	// leased job is not claimed again before now+lease.
	Claim(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]Job, error)
	// Done marks a job processed.
	Done(ctx context.Context, id int64, at time.Time) error
	// Retry puts a job back for next; attempt counts one more try unless
	// wait is true.
	Retry(ctx context.Context, id int64, next time.Time, errText string, wait bool) error
	// Bury moves a job to the dead-letter list.
	Bury(ctx context.Context, id int64, errText string) error
	// Dead lists dead jobs with id > after, oldest first.
	Dead(ctx context.Context, after int64, limit int) ([]Job, error)
	// Replay queues a dead job again with its attempts reset.
	Replay(ctx context.Context, id int64, now time.Time) error
	// Stats counts jobs by state.
	Stats(ctx context.Context) (map[string]int, error)
}

// Processor handles one job. An error wrapping ErrWait postpones it; one
// wrapping ErrPermanent buries it; any other error retries with backoff.
type Processor func(ctx context.Context, j Job) error

// Queue accepts and processes jobs.
type Queue struct {
	store   Store
	process Processor
	cfg     config
	wake    chan struct{}
}

type config struct {
	workers     int
	maxAttempts int
	lease       time.Duration
	poll        time.Duration
	wait        time.Duration
	backoff     func(attempt int) time.Duration
	now         func() time.Time
	log         *slog.Logger
	observe     func(kind, outcome string, d time.Duration)
	shard       func(Job) string
}

// Option configures a Queue.
type Option func(*config) error

// WithWorkers sets how many jobs run at once (default 4).
func WithWorkers(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return fmt.Errorf("intake: workers: must be at least 1")
		}
		c.workers = n
		return nil
	}
}

// WithMaxAttempts sets after how many failed attempts a job is dead
// (default 8).
func WithMaxAttempts(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return fmt.Errorf("intake: max attempts: must be at least 1")
		}
		c.maxAttempts = n
		return nil
	}
}

// WithBackoff sets the wait before attempt n+1 after n failures (default
// 1s, 2s, 4s… capped at 10 minutes).
func WithBackoff(f func(attempt int) time.Duration) Option {
	return func(c *config) error {
		if f == nil {
			return fmt.Errorf("intake: backoff: nil")
		}
		c.backoff = f
		return nil
	}
}

// WithLease sets how long a claimed job is left to its worker (default one
// minute); a job whose worker died is claimed again after it. Keep it well
// above the longest processing time.
func WithLease(d time.Duration) Option {
	return func(c *config) error {
		if d < time.Second {
			return fmt.Errorf("intake: lease: must be at least a second")
		}
		c.lease = d
		return nil
	}
}

// WithPoll sets how often idle workers look for due jobs (default 200ms)
// and how long a job waiting on a kill switch sleeps (default 1s).
func WithPoll(poll, wait time.Duration) Option {
	return func(c *config) error {
		if poll <= 0 || wait <= 0 {
			return fmt.Errorf("intake: poll: must be positive")
		}
		c.poll, c.wait = poll, wait
		return nil
	}
}

// WithClock sets the clock (default time.Now).
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return fmt.Errorf("intake: clock: nil")
		}
		c.now = now
		return nil
	}
}

// WithLogger logs failures (job ids and errors, never bodies).
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return fmt.Errorf("intake: logger: nil")
		}
		c.log = l
		return nil
	}
}

// WithObserver is called after every processing attempt with the job's
// kind, the outcome (done, retry, wait, dead) and the duration; metrics
// hook in here.
func WithObserver(f func(kind, outcome string, d time.Duration)) Option {
	return func(c *config) error {
		c.observe = f
		return nil
	}
}

// WithShard keeps order within shards: Run gives jobs with the same shard
// key to the same worker, in id order (the server shards by conversation,
// so one customer's messages are answered in the order they were sent).
func WithShard(f func(Job) string) Option {
	return func(c *config) error {
		c.shard = f
		return nil
	}
}

// DefaultBackoff doubles from one second, capped at ten minutes.
func DefaultBackoff(attempt int) time.Duration {
	if attempt > 10 {
		return 10 * time.Minute
	}
	return min(time.Second<<max(attempt-1, 0), 10*time.Minute)
}

// New returns a queue over store that runs process.
func New(store Store, process Processor, opts ...Option) (*Queue, error) {
	if store == nil || process == nil {
		return nil, fmt.Errorf("intake: store and processor are required")
	}
	c := config{workers: 4, maxAttempts: 8, lease: time.Minute, poll: 200 * time.Millisecond, wait: time.Second,
		backoff: DefaultBackoff, now: time.Now, log: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		if err := o(&c); err != nil {
			return nil, err
		}
	}
	return &Queue{store: store, process: process, cfg: c, wake: make(chan struct{}, 1)}, nil
}

// Store returns the queue's store.
func (q *Queue) Store() Store { return q.store }

// Accept stores a delivery and wakes a worker. It returns once the job is
// durable; a duplicate (kind, key) is not stored again.
func (q *Queue) Accept(ctx context.Context, kind, key string, body []byte) (int64, bool, error) {
	if kind == "" || key == "" {
		return 0, false, fmt.Errorf("intake: accept: kind and key are required")
	}
	id, ins, err := q.store.Put(ctx, kind, key, body, q.cfg.now())
	if err != nil {
		return 0, false, fmt.Errorf("intake: accept: %w", err)
	}
	q.Wake()
	return id, ins, nil
}

// Wake makes an idle worker look for jobs now.
func (q *Queue) Wake() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// Replay queues a dead job again.
func (q *Queue) Replay(ctx context.Context, id int64) error {
	if err := q.store.Replay(ctx, id, q.cfg.now()); err != nil {
		return fmt.Errorf("intake: replay: %w", err)
	}
	q.Wake()
	return nil
}

// RunOnce claims and processes due jobs until none is due; it returns how
// many it processed. Tests and the in-process runner use it.
func (q *Queue) RunOnce(ctx context.Context) (int, error) {
	n := 0
	for {
		jobs, err := q.store.Claim(ctx, q.cfg.now(), q.cfg.lease, q.cfg.workers)
		if err != nil {
			return n, fmt.Errorf("intake: claim: %w", err)
		}
		if len(jobs) == 0 {
			return n, nil
		}
		for _, j := range jobs {
			q.handle(ctx, j)
			n++
		}
	}
}

// Run processes jobs until ctx ends, with the configured number of
// workers. Jobs are claimed in id order; each worker runs one at a time.
func (q *Queue) Run(ctx context.Context) error {
	queues := make([]chan Job, q.cfg.workers)
	done := make(chan struct{})
	var busy sync.WaitGroup
	for i := range queues {
		queues[i] = make(chan Job, 2*q.cfg.workers)
		go func() {
			defer func() { done <- struct{}{} }()
			for j := range queues[i] {
				q.handle(context.WithoutCancel(ctx), j)
				busy.Done()
			}
		}()
	}
	defer func() {
		for _, c := range queues {
			close(c)
		}
		for range q.cfg.workers {
			<-done
		}
	}()
	next := 0
	t := time.NewTicker(q.cfg.poll)
	defer t.Stop()
	for {
		claimed, err := q.store.Claim(ctx, q.cfg.now(), q.cfg.lease, q.cfg.workers)
		if err != nil && ctx.Err() == nil {
			q.cfg.log.Error("intake: claim", "err", err)
		}
		for _, j := range claimed {
			w := next % len(queues)
			next++
			if q.cfg.shard != nil {
				h := fnv.New32a()
				_, _ = h.Write([]byte(q.cfg.shard(j)))
				w = int(h.Sum32() % uint32(len(queues)))
			}
			busy.Add(1)
			select {
			case queues[w] <- j:
			case <-ctx.Done():
				busy.Done()
				return nil
			}
		}
		if len(claimed) > 0 {
			// Let this batch finish before claiming again, so a job is
			// never claimed while an earlier one of its shard still runs.
			busy.Wait()
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-q.wake:
		case <-t.C:
		}
	}
}

func (q *Queue) handle(ctx context.Context, j Job) {
	start := q.cfg.now()
	err := q.process(ctx, j)
	outcome := "done"
	now := q.cfg.now()
	var serr error
	switch {
	case err == nil:
		serr = q.store.Done(ctx, j.ID, now)
	case errors.Is(err, ErrWait):
		outcome = "wait"
		serr = q.store.Retry(ctx, j.ID, now.Add(q.cfg.wait), err.Error(), true)
	case errors.Is(err, ErrPermanent) || j.Attempts+1 >= q.cfg.maxAttempts:
		outcome = "dead"
		q.cfg.log.Warn("intake: job dead", "job", j.ID, "kind", j.Kind, "attempts", j.Attempts+1, "err", err)
		serr = q.store.Bury(ctx, j.ID, err.Error())
	default:
		outcome = "retry"
		q.cfg.log.Info("intake: job failed, will retry", "job", j.ID, "kind", j.Kind, "attempts", j.Attempts+1, "err", err)
		serr = q.store.Retry(ctx, j.ID, now.Add(q.cfg.backoff(j.Attempts+1)), err.Error(), false)
	}
	if serr != nil {
		q.cfg.log.Error("intake: record outcome", "job", j.ID, "err", serr)
	}
	if q.cfg.observe != nil {
		q.cfg.observe(j.Kind, outcome, now.Sub(start))
	}
}

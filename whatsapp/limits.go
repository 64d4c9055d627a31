package whatsapp

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Throughput levels of a business phone number, in messages per second.
const (
	DefaultThroughput     = 80
	MaxThroughput         = 1000
	CoexistenceThroughput = 20
)

// Default pacing per (number, recipient) pair: about one message every 6
// seconds, with a burst of 3 (Meta's pair rate limit, error 131056).
const (
	DefaultPairInterval = 6 * time.Second
	DefaultPairBurst    = 3
)

// ErrLimitWait means a send could not wait for its rate-limit slot (the
// context ends first, or a shared backend failed).
var ErrLimitWait = errors.New("whatsapp: rate limit wait")

// LimitBackend grants rate-limit slots. The default keeps token buckets
// (golang.org/x/time/rate) in process; implement it over Redis or
// PostgreSQL to share limits across instances. Reserve takes one token from
// the bucket named key (limit tokens per second, burst capacity) and
// returns how long the caller must wait before using it. It must be safe for
// concurrent use.
type LimitBackend interface {
	Reserve(ctx context.Context, key string, limit rate.Limit, burst int) (time.Duration, error)
}

// Limiter paces sends: a token bucket per business phone number (its
// throughput) and one per (number, recipient) pair. Give it to the client
// with [WithLimiter]. It is safe for concurrent use.
type Limiter struct {
	backend   LimitBackend
	now       func() time.Time
	def       int
	pairEvery time.Duration
	pairBurst int

	mu  sync.RWMutex
	mps map[string]int
}

// LimiterOption configures a [Limiter].
type LimiterOption func(*Limiter) error

// WithDefaultThroughput sets the messages per second of numbers without
// their own setting (default 80).
func WithDefaultThroughput(mps int) LimiterOption {
	return func(l *Limiter) error {
		if err := checkMPS(mps); err != nil {
			return err
		}
		l.def = mps
		return nil
	}
}

// WithPairPacing sets the per-pair pacing: one message per interval with a
// burst (defaults 6 s and 3).
func WithPairPacing(interval time.Duration, burst int) LimiterOption {
	return func(l *Limiter) error {
		if interval <= 0 || burst < 1 {
			return errors.New("whatsapp: pair pacing: want a positive interval and burst >= 1")
		}
		l.pairEvery, l.pairBurst = interval, burst
		return nil
	}
}

// WithLimitBackend shares the buckets through b instead of process memory.
func WithLimitBackend(b LimitBackend) LimiterOption {
	return func(l *Limiter) error {
		if b == nil {
			return errors.New("whatsapp: limit backend: nil")
		}
		l.backend = b
		return nil
	}
}

// WithLimiterClock sets the clock of the in-process buckets (default
// time.Now). Waits use timers, so tests run under testing/synctest.
func WithLimiterClock(now func() time.Time) LimiterOption {
	return func(l *Limiter) error {
		if now == nil {
			return errors.New("whatsapp: limiter clock: nil")
		}
		l.now = now
		return nil
	}
}

func checkMPS(mps int) error {
	if mps < 1 || mps > MaxThroughput {
		return fmt.Errorf("whatsapp: throughput %d: must be within 1..%d messages per second", mps, MaxThroughput)
	}
	return nil
}

// NewLimiter returns a limiter with the defaults (80 mps per number, one
// message per 6 s per pair with a burst of 3, in-process buckets).
func NewLimiter(opts ...LimiterOption) (*Limiter, error) {
	l := &Limiter{def: DefaultThroughput, pairEvery: DefaultPairInterval, pairBurst: DefaultPairBurst, now: time.Now, mps: map[string]int{}}
	for _, o := range opts {
		if err := o(l); err != nil {
			return nil, err
		}
	}
	if l.backend == nil {
		l.backend = NewMemoryLimitBackend(l.now)
	}
	return l, nil
}

// SetThroughput sets a number's messages per second (1..1000), e.g. after
// Meta raised its throughput level.
func (l *Limiter) SetThroughput(phoneNumberID string, mps int) error {
	if err := checkMPS(mps); err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.mps[phoneNumberID] = mps
	return nil
}

// SetCoexistence limits a number that also runs the WhatsApp Business app
// (coexistence) to 20 messages per second.
func (l *Limiter) SetCoexistence(phoneNumberID string) {
	_ = l.SetThroughput(phoneNumberID, CoexistenceThroughput)
}

// Configure sets a number's throughput from what the API reports about it
// (see [PhoneNumber.MessagesPerSecond]), e.g. after
// [PhoneNumbersService.Get].
func (l *Limiter) Configure(p PhoneNumber) error {
	if p.ID == "" {
		return errors.New("whatsapp: limiter: phone number without id")
	}
	return l.SetThroughput(p.ID, p.MessagesPerSecond())
}

// Throughput returns the number's messages per second.
func (l *Limiter) Throughput(phoneNumberID string) int {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if v, ok := l.mps[phoneNumberID]; ok {
		return v
	}
	return l.def
}

// Wait blocks until a message to the recipient may leave the number: first
// the pair's pacing, then the number's throughput. It fails with
// [ErrLimitWait] when ctx ends first (or would end before the slot).
func (l *Limiter) Wait(ctx context.Context, phoneNumberID string, to Recipient) error {
	if err := l.wait(ctx, "pair:"+phoneNumberID+":"+to.Key(), rate.Every(l.pairEvery), l.pairBurst); err != nil {
		return err
	}
	mps := l.Throughput(phoneNumberID)
	return l.wait(ctx, "number:"+phoneNumberID, rate.Limit(mps), mps)
}

func (l *Limiter) wait(ctx context.Context, key string, lim rate.Limit, burst int) error {
	d, err := l.backend.Reserve(ctx, key, lim, burst)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrLimitWait, err)
	}
	if d <= 0 {
		return nil
	}
	if dl, ok := ctx.Deadline(); ok && dl.Sub(l.now()) < d {
		return fmt.Errorf("%w: the slot is %v away, past the context deadline", ErrLimitWait, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("%w: %w", ErrLimitWait, ctx.Err())
	}
}

// MemoryLimitBackend is the in-process [LimitBackend]: one
// golang.org/x/time/rate bucket per key, idle buckets swept. Safe for
// concurrent use.
type MemoryLimitBackend struct {
	now func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
	ops     int
}

type bucket struct {
	lim  *rate.Limiter
	last time.Time
}

// NewMemoryLimitBackend returns an in-process backend on clock now (nil:
// time.Now).
func NewMemoryLimitBackend(now func() time.Time) *MemoryLimitBackend {
	if now == nil {
		now = time.Now
	}
	return &MemoryLimitBackend{now: now, buckets: map[string]*bucket{}}
}

// Reserve implements [LimitBackend]. A reservation is never cancelled, so
// the slot counts even if the caller gives up waiting.
func (b *MemoryLimitBackend) Reserve(_ context.Context, key string, lim rate.Limit, burst int) (time.Duration, error) {
	now := b.now()
	b.mu.Lock()
	defer b.mu.Unlock()
	bk := b.buckets[key]
	if bk == nil {
		bk = &bucket{lim: rate.NewLimiter(lim, burst)}
		b.buckets[key] = bk
	} else if bk.lim.Limit() != lim || bk.lim.Burst() != burst {
		bk.lim.SetLimitAt(now, lim)
		bk.lim.SetBurstAt(now, burst)
	}
	bk.last = now
	r := bk.lim.ReserveN(now, 1)
	if !r.OK() {
		return 0, errors.New("burst too small")
	}
	b.ops++
	if b.ops%4096 == 0 {
		b.sweepLocked(now)
	}
	return r.DelayFrom(now), nil
}

// sweepLocked drops buckets idle long enough to be full again.
func (b *MemoryLimitBackend) sweepLocked(now time.Time) {
	for k, bk := range b.buckets {
		full := time.Duration(float64(bk.lim.Burst()) / float64(bk.lim.Limit()) * float64(time.Second))
		if now.Sub(bk.last) > full+time.Second {
			delete(b.buckets, k)
		}
	}
}

// Len returns how many buckets are held.
func (b *MemoryLimitBackend) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.buckets)
}

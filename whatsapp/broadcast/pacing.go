package broadcast

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/botsync/botsync/whatsapp"
)

// Messaging-limit tiers: unique business-initiated recipients per rolling
// 24 hours.
var tiers = map[string]int{
	"TIER_50": 50, "TIER_250": 250, "TIER_1K": 1000, "TIER_2K": 2000, "TIER_10K": 10000,
	"TIER_100K": 100000, "TIER_UNLIMITED": 0,
}

// TierBudget budgets sends against each phone number's messaging-limit
// tier: at most N unique recipients per rolling 24 hours. A recipient
// already messaged within the window does not count again. It is safe for
// concurrent use and keeps its window in memory; share one per process.
type TierBudget struct {
	now func() time.Time

	mu     sync.Mutex
	limits map[string]int
	nums   map[string]*window24
}

type window24 struct {
	seen  map[string]time.Time
	queue []contactAt // in time order
}

type contactAt struct {
	contact string
	at      time.Time
}

// NewTierBudget returns an empty budget (every number unlimited) on clock
// now (nil: time.Now).
func NewTierBudget(now func() time.Time) *TierBudget {
	if now == nil {
		now = time.Now
	}
	return &TierBudget{now: now, limits: map[string]int{}, nums: map[string]*window24{}}
}

// SetLimit sets a number's unique recipients per 24 hours (0: unlimited).
func (b *TierBudget) SetLimit(phoneNumberID string, perDay int) error {
	if perDay < 0 {
		return invalid("messaging_limit", "must not be negative")
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.limits[phoneNumberID] = perDay
	return nil
}

// TierLimit returns the unique recipients per 24 hours of a messaging
// limit tier as the API reports it (messaging_limit_tier: "TIER_250",
// "TIER_1K", "TIER_10K", "TIER_100K"; 0 for "TIER_UNLIMITED"), and false for
// an unknown tier.
func TierLimit(tier string) (int, bool) {
	n, ok := tiers[strings.ToUpper(strings.TrimSpace(tier))]
	return n, ok
}

// SetTier sets a number's limit from its tier (see [TierLimit]). Phone
// number ids are unique across Meta, so the in-memory budget keys by number
// alone; workspaceID is accepted for the [Budget] contract.
func (b *TierBudget) SetTier(_ context.Context, _ string, phoneNumberID, tier string) error {
	n, ok := TierLimit(tier)
	if !ok {
		return invalid("messaging_limit_tier", "unknown tier")
	}
	return b.SetLimit(phoneNumberID, n)
}

// Admit implements [Budget]: it reserves room for one message from the
// number to contact. When the tier is used up it returns false and when
// the oldest recipient leaves the window. It never fails.
func (b *TierBudget) Admit(_ context.Context, _ string, phoneNumberID, contact string) (bool, time.Time, error) {
	now := b.now()
	b.mu.Lock()
	defer b.mu.Unlock()
	limit := b.limits[phoneNumberID]
	if limit == 0 {
		return true, time.Time{}, nil
	}
	w := b.nums[phoneNumberID]
	if w == nil {
		w = &window24{seen: map[string]time.Time{}}
		b.nums[phoneNumberID] = w
	}
	cut := now.Add(-24 * time.Hour)
	i := 0
	for ; i < len(w.queue) && !w.queue[i].at.After(cut); i++ {
		if w.seen[w.queue[i].contact].Equal(w.queue[i].at) {
			delete(w.seen, w.queue[i].contact)
		}
	}
	w.queue = w.queue[i:]
	if _, ok := w.seen[contact]; ok {
		w.seen[contact] = now
		w.queue = append(w.queue, contactAt{contact, now})
		return true, time.Time{}, nil
	}
	if len(w.seen) >= limit {
		for _, e := range w.queue {
			if w.seen[e.contact].Equal(e.at) {
				return false, e.at.Add(24 * time.Hour), nil
			}
		}
		return false, now.Add(time.Minute), nil
	}
	w.seen[contact] = now
	w.queue = append(w.queue, contactAt{contact, now})
	return true, time.Time{}, nil
}

// Used returns how many unique recipients the number messaged in the last
// 24 hours.
func (b *TierBudget) Used(phoneNumberID string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	w := b.nums[phoneNumberID]
	if w == nil {
		return 0
	}
	cut := b.now().Add(-24 * time.Hour)
	n := 0
	for _, at := range w.seen {
		if at.After(cut) {
			n++
		}
	}
	return n
}

// slots paces one campaign in this process. The schedule is a token
// bucket of burst 1 in integer nanoseconds (GCRA): one slot every 1/rate.
// The departure gate keeps a log of the last rate send calls and holds a
// send while the one rate sends back left less than a second (plus 0.5%,
// for the jitter between the gate and the request reaching the API) ago:
// no one-second window ever holds more than the rate, and workers that
// woke late may catch up within that bound.
type slots struct {
	mu       sync.Mutex
	rate     int
	interval time.Duration
	next     time.Time
	log      []time.Time // ring of the last departures
	head     int
}

// gateWindow is the departure gate's window.
const gateWindow = time.Second * 1005 / 1000

// bucket returns the campaign's pacing in this process.
func (s *Service) bucket(workspaceID, campaignID string, mps int) *slots {
	k := workspaceID + "\x00" + campaignID
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.buckets[k]
	if b == nil {
		b = &slots{}
		s.buckets[k] = b
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.rate != mps {
		b.rate, b.log, b.head = mps, make([]time.Time, 0, mps), 0
		// round up: never faster than mps
		b.interval = (time.Second + time.Duration(mps) - 1) / time.Duration(mps)
	}
	return b
}

// reserve returns the time of the next free slot and takes it.
func (b *slots) reserve(now time.Time) time.Time {
	b.mu.Lock()
	defer b.mu.Unlock()
	at := b.next
	if at.Before(now) {
		at = now
	}
	b.next = at.Add(b.interval)
	return at
}

// depart returns how long to wait before departing now, and records the
// departure when that is zero.
func (b *slots) depart(now time.Time) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.log) < b.rate {
		b.log = append(b.log, now)
		return 0
	}
	if d := b.log[b.head].Add(gateWindow).Sub(now); d > 0 {
		return d
	}
	b.log[b.head] = now
	b.head = (b.head + 1) % len(b.log)
	return 0
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// waitSlot waits for the campaign's next scheduled slot, from the shared
// schedule when there is one. A slot given up (ctx ended) is not returned:
// pacing errs on the slow side.
func (s *Service) waitSlot(ctx context.Context, c *Campaign, b *slots) error {
	if s.shared != nil {
		d, err := s.shared.Reserve(ctx, "broadcast:"+c.WorkspaceID+":"+c.ID, rate.Limit(c.Rate), 1)
		if err != nil {
			return fmt.Errorf("%w: %w", whatsapp.ErrLimitWait, err)
		}
		if d <= 0 {
			return nil
		}
		return sleep(ctx, d)
	}
	d := b.reserve(s.now()).Sub(s.now())
	if d <= 0 {
		return nil
	}
	return sleep(ctx, d)
}

// waitDeparture holds a send until one interval after the previous one.
func (s *Service) waitDeparture(ctx context.Context, b *slots) error {
	for {
		d := b.depart(s.now())
		if d <= 0 {
			return nil
		}
		if err := sleep(ctx, d); err != nil {
			return err
		}
	}
}

// quietUntil returns when the quiet hours covering now end in the
// recipient's zone (the campaign's when the recipient has none), or zero
// when sending is allowed.
func (q *QuietHours) quietUntil(now time.Time, tz string) (time.Time, error) {
	if q == nil {
		return time.Time{}, nil
	}
	if tz == "" {
		tz = q.TimeZone
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		loc, err = time.LoadLocation(q.TimeZone)
		if err != nil {
			return time.Time{}, fmt.Errorf("broadcast: quiet hours time zone: %w", err)
		}
	}
	local := now.In(loc)
	mins := local.Hour()*60 + local.Minute()
	in := false
	if q.Start < q.End {
		in = mins >= q.Start && mins < q.End
	} else {
		in = mins >= q.Start || mins < q.End
	}
	if !in {
		return time.Time{}, nil
	}
	day := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, loc)
	end := day.Add(time.Duration(q.End) * time.Minute)
	if !end.After(local) {
		end = day.AddDate(0, 0, 1).Add(time.Duration(q.End) * time.Minute)
	}
	return end, nil
}

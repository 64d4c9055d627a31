package whatsapp

import (
	"context"
	"sync"
	"time"
)

// State is the delivery state of a sent message. States only move forward:
// Accepted < Sent < Delivered < Read; Failed is terminal.
type State int

// Delivery states.
const (
	// StateAccepted: the API accepted the message; no status yet.
	StateAccepted State = iota
	// StateSent: WhatsApp sent the message.
	StateSent
	// StateDelivered: the message reached the user's device.
	StateDelivered
	// StateRead: the user read the message (when read receipts are on).
	StateRead
	// StateFailed: the message could not be delivered; see Delivery.Errors.
	StateFailed
)

var stateNames = [...]string{"accepted", "sent", "delivered", "read", "failed"}

// String returns the state's name.
func (s State) String() string {
	if s < 0 || int(s) >= len(stateNames) {
		return "unknown"
	}
	return stateNames[s]
}

// ParseState returns the state of a webhook status string, and false for
// statuses that are not delivery states (played, deleted, warning…).
func ParseState(status string) (State, bool) {
	switch status {
	case "sent":
		return StateSent, true
	case "delivered":
		return StateDelivered, true
	case "read":
		return StateRead, true
	case "failed":
		return StateFailed, true
	}
	return 0, false
}

// Delivery is what is known about one sent message.
type Delivery struct {
	MessageID     string
	PhoneNumberID string
	// Recipient is the contact key (wa_id or BSUID).
	Recipient    string
	CallbackData string
	State        State
	AcceptedAt   time.Time
	SentAt       time.Time
	DeliveredAt  time.Time
	ReadAt       time.Time
	FailedAt     time.Time
	// DeliveredAfterFailure is set when a delivered (or read) status came
	// after the message had failed: the state stays Failed, the times are
	// recorded.
	DeliveredAfterFailure bool
	Errors                []ErrorDetail
	Pricing               *Pricing
	Conversation          *Conversation
}

// Outcome says what [StatusTracker.Apply] did with a status.
type Outcome int

// Outcomes of applying a status.
const (
	// OutcomeAdvanced: the state moved forward.
	OutcomeAdvanced Outcome = iota
	// OutcomeRecorded: the state did not move, but new facts (a time,
	// pricing, errors, a delivery after failure) were recorded.
	OutcomeRecorded
	// OutcomeDuplicate: nothing new; ignored.
	OutcomeDuplicate
	// OutcomeBuffered: the message is not tracked yet (its send has not
	// returned); the status is kept until [StatusTracker.Track].
	OutcomeBuffered
	// OutcomeIgnored: not a delivery status (played, deleted…).
	OutcomeIgnored
)

var outcomeNames = [...]string{"advanced", "recorded", "duplicate", "buffered", "ignored"}

// String returns the outcome's name.
func (o Outcome) String() string {
	if o < 0 || int(o) >= len(outcomeNames) {
		return "unknown"
	}
	return outcomeNames[o]
}

// Update is the result of applying one status.
type Update struct {
	Outcome Outcome
	// From and To are the states before and after.
	From, To State
	// Delivery is a copy of the message's record after the update (zero for
	// buffered and ignored statuses).
	Delivery Delivery
}

// StatusStore keeps the delivery state of sent messages and applies status
// webhooks to it with [Advance]'s rules. [StatusTracker] keeps it in memory;
// whatsapp/pgstore keeps it in PostgreSQL for several server instances.
// Implementations must be safe for concurrent use and apply the statuses of
// one message atomically.
type StatusStore interface {
	// Track registers a message the API accepted and applies the statuses
	// buffered for it, returning their updates in arrival order. Tracking an
	// id twice keeps the first record and returns no updates.
	Track(ctx context.Context, messageID, phoneNumberID, recipient, callbackData string) ([]Update, error)
	// Apply applies one status; a status for an untracked message is
	// buffered (OutcomeBuffered) until Track.
	Apply(ctx context.Context, s Status) (Update, error)
	// Get returns the message's record, and false when it is not tracked.
	Get(ctx context.Context, messageID string) (Delivery, bool, error)
}

// ApplyStatuses applies every status of the events to store, in order.
func ApplyStatuses(ctx context.Context, store StatusStore, events []Event) ([]Update, error) {
	var out []Update
	for _, ev := range events {
		if ev.Messages == nil {
			continue
		}
		for _, s := range ev.Messages.Statuses {
			u, err := store.Apply(ctx, s)
			if err != nil {
				return out, err
			}
			out = append(out, u)
		}
	}
	return out, nil
}

// StatusTracker is a monotonic state machine per message id: statuses that
// arrive out of order or twice never move a message backwards, "read"
// implies "delivered", "failed" is terminal (a later delivery is still
// recorded), and a status that arrives before the send returned is buffered
// until [StatusTracker.Track]. Errors and pricing are kept. It is safe for
// concurrent use; records live in memory until [StatusTracker.Forget] or
// [StatusTracker.Prune].
type StatusTracker struct {
	now       func() time.Time
	bufferTTL time.Duration

	mu      sync.Mutex
	msgs    map[string]*Delivery
	pending map[string]*pendingStatuses
}

type pendingStatuses struct {
	since    time.Time
	statuses []Status
}

// NewStatusTracker returns a tracker with clock now (nil: time.Now) that
// keeps early statuses for bufferTTL (0: one hour).
func NewStatusTracker(now func() time.Time, bufferTTL time.Duration) *StatusTracker {
	if now == nil {
		now = time.Now
	}
	if bufferTTL <= 0 {
		bufferTTL = time.Hour
	}
	return &StatusTracker{now: now, bufferTTL: bufferTTL, msgs: map[string]*Delivery{}, pending: map[string]*pendingStatuses{}}
}

var _ StatusStore = (*StatusTracker)(nil)

// Track implements [StatusStore]; it never fails.
func (t *StatusTracker) Track(_ context.Context, messageID, phoneNumberID, recipient, callbackData string) ([]Update, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.msgs[messageID]; ok {
		return nil, nil
	}
	d := &Delivery{MessageID: messageID, PhoneNumberID: phoneNumberID, Recipient: recipient, CallbackData: callbackData, AcceptedAt: t.now()}
	t.msgs[messageID] = d
	p := t.pending[messageID]
	delete(t.pending, messageID)
	if p == nil {
		return nil, nil
	}
	out := make([]Update, 0, len(p.statuses))
	for _, s := range p.statuses {
		out = append(out, Advance(d, s))
	}
	return out, nil
}

// Apply implements [StatusStore]; it never fails.
func (t *StatusTracker) Apply(_ context.Context, s Status) (Update, error) {
	st, ok := ParseState(s.Status)
	if !ok {
		return Update{Outcome: OutcomeIgnored}, nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	d, ok := t.msgs[s.ID]
	if !ok {
		p := t.pending[s.ID]
		if p == nil {
			p = &pendingStatuses{since: t.now()}
			t.pending[s.ID] = p
		}
		for _, q := range p.statuses {
			if q.Status == s.Status && q.Timestamp.Equal(s.Timestamp.Time) {
				return Update{Outcome: OutcomeDuplicate, From: st, To: st}, nil
			}
		}
		p.statuses = append(p.statuses, s)
		return Update{Outcome: OutcomeBuffered, From: st, To: st}, nil
	}
	return Advance(d, s), nil
}

// ApplyEvents applies every status of the events and returns the updates.
func (t *StatusTracker) ApplyEvents(ctx context.Context, events []Event) ([]Update, error) {
	return ApplyStatuses(ctx, t, events)
}

// setEarliest records v unless an earlier time is known: an implied time (a
// read implies delivered at the read time) gives way to the real, earlier
// one when it arrives late.
func setEarliest(dst *time.Time, v time.Time) bool {
	if !v.IsZero() && (dst.IsZero() || v.Before(*dst)) {
		*dst = v
		return true
	}
	return false
}

// Advance applies status s to the record d in place and reports what
// changed; it is the state machine every [StatusStore] uses. States only
// move forward (sent < delivered < read); read implies delivered; failed is
// terminal, but a later delivered or read is recorded
// (DeliveredAfterFailure); a failure after delivery does not regress the
// state; duplicates change nothing; statuses that are not delivery states
// are ignored. Times keep the earliest report, pricing the latest,
// conversation, callback data and errors the first.
func Advance(d *Delivery, s Status) Update {
	st, ok := ParseState(s.Status)
	if !ok {
		return Update{Outcome: OutcomeIgnored, From: d.State, To: d.State}
	}
	from := d.State
	ts := s.Timestamp.Time
	changed := false
	if s.Pricing != nil && (d.Pricing == nil || *d.Pricing != *s.Pricing) {
		p := *s.Pricing
		d.Pricing, changed = &p, true
	}
	if s.Conversation != nil && d.Conversation == nil {
		c := *s.Conversation
		d.Conversation, changed = &c, true
	}
	if d.CallbackData == "" && s.CallbackData != "" {
		d.CallbackData, changed = s.CallbackData, true
	}
	switch st {
	case StateSent:
		changed = setEarliest(&d.SentAt, ts) || changed
	case StateDelivered:
		changed = setEarliest(&d.DeliveredAt, ts) || changed
		changed = setEarliest(&d.SentAt, ts) || changed
	case StateRead:
		changed = setEarliest(&d.ReadAt, ts) || changed
		changed = setEarliest(&d.DeliveredAt, ts) || changed
		changed = setEarliest(&d.SentAt, ts) || changed
	case StateFailed:
		if d.State < StateDelivered || d.State == StateFailed {
			changed = setEarliest(&d.FailedAt, ts) || changed
			if len(d.Errors) == 0 && len(s.Errors) > 0 {
				d.Errors, changed = append([]ErrorDetail(nil), s.Errors...), true
			}
		}
	}
	switch {
	case d.State == StateFailed && (st == StateDelivered || st == StateRead):
		if !d.DeliveredAfterFailure {
			d.DeliveredAfterFailure, changed = true, true
		}
	case st == StateFailed && d.State < StateDelivered:
		d.State = StateFailed
	case st != StateFailed && d.State != StateFailed && st > d.State:
		d.State = st
	}
	out := Update{From: from, To: d.State, Delivery: d.copy()}
	switch {
	case d.State != from:
		out.Outcome = OutcomeAdvanced
	case changed:
		out.Outcome = OutcomeRecorded
	default:
		out.Outcome = OutcomeDuplicate
	}
	return out
}

func (d *Delivery) copy() Delivery {
	c := *d
	c.Errors = append([]ErrorDetail(nil), d.Errors...)
	if d.Pricing != nil {
		p := *d.Pricing
		c.Pricing = &p
	}
	if d.Conversation != nil {
		v := *d.Conversation
		c.Conversation = &v
	}
	return c
}

// Get implements [StatusStore]; it returns a copy and never fails.
func (t *StatusTracker) Get(_ context.Context, messageID string) (Delivery, bool, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	d, ok := t.msgs[messageID]
	if !ok {
		return Delivery{}, false, nil
	}
	return d.copy(), true, nil
}

// Forget drops a message's record and buffered statuses.
func (t *StatusTracker) Forget(messageID string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.msgs, messageID)
	delete(t.pending, messageID)
}

// Prune drops buffered statuses older than the buffer TTL and records
// accepted before olderThan, returning how many entries went.
func (t *StatusTracker) Prune(olderThan time.Time) int {
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for id, p := range t.pending {
		if now.Sub(p.since) >= t.bufferTTL {
			delete(t.pending, id)
			n++
		}
	}
	for id, d := range t.msgs {
		if d.AcceptedAt.Before(olderThan) {
			delete(t.msgs, id)
			n++
		}
	}
	return n
}

// Buffered returns how many message ids have buffered statuses.
func (t *StatusTracker) Buffered() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.pending)
}

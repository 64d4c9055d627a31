package whatsapp

import (
	"context"
	"errors"
	"sync"
	"time"
)

// ServiceWindow is how long after a user's last message a business may
// send free-form messages: 24 hours.
const ServiceWindow = 24 * time.Hour

// ErrOutsideWindow means a free-form message was not sent because the
// customer-service window is closed (or was never opened); see
// [*OutsideWindowError] for when it closed. Send an approved template.
var ErrOutsideWindow = errors.New("whatsapp: outside the customer-service window")

// OutsideWindowError is returned instead of calling the API (which would
// answer 131047). It matches [ErrOutsideWindow] with errors.Is.
type OutsideWindowError struct {
	// ClosedAt is when the window closed; zero when the contact never wrote.
	ClosedAt time.Time
}

// Error implements error.
func (e *OutsideWindowError) Error() string {
	if e.ClosedAt.IsZero() {
		return "whatsapp: outside the customer-service window: no inbound message from the contact"
	}
	return "whatsapp: outside the customer-service window: closed at " + e.ClosedAt.UTC().Format(time.RFC3339)
}

// Is matches [ErrOutsideWindow].
func (e *OutsideWindowError) Is(target error) bool { return target == ErrOutsideWindow }

// WindowStore keeps the time of the last inbound message per (business
// phone number id, contact key). Implementations must be safe for
// concurrent use and keep the latest time when several are recorded.
type WindowStore interface {
	// LastInbound returns the last inbound time, and false if none is known.
	LastInbound(ctx context.Context, phoneNumberID, contact string) (time.Time, bool, error)
	// RecordInbound records an inbound message at t, keeping the later time.
	RecordInbound(ctx context.Context, phoneNumberID, contact string, t time.Time) error
}

// MemoryWindowStore is an in-memory [WindowStore], safe for concurrent use.
// The zero value is ready to use.
type MemoryWindowStore struct {
	mu sync.Mutex
	m  map[[2]string]time.Time
}

// LastInbound implements [WindowStore].
func (s *MemoryWindowStore) LastInbound(_ context.Context, phoneNumberID, contact string) (time.Time, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.m[[2]string{phoneNumberID, contact}]
	return t, ok, nil
}

// RecordInbound implements [WindowStore].
func (s *MemoryWindowStore) RecordInbound(_ context.Context, phoneNumberID, contact string, t time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[[2]string]time.Time{}
	}
	k := [2]string{phoneNumberID, contact}
	if t.After(s.m[k]) {
		s.m[k] = t
	}
	return nil
}

// Prune forgets windows that closed before cutoff and returns how many.
func (s *MemoryWindowStore) Prune(cutoff time.Time) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for k, t := range s.m {
		if t.Add(ServiceWindow).Before(cutoff) {
			delete(s.m, k)
			n++
		}
	}
	return n
}

// Window tracks customer-service windows. Give it to the client with
// [WithWindow] and free-form sends to a contact whose window is closed fail
// locally with [ErrOutsideWindow]. Feed it inbound messages with
// [Window.Observe]. A Window is safe for concurrent use.
type Window struct {
	store WindowStore
	now   func() time.Time
}

// NewWindow returns a tracker on store with clock now (nil: time.Now).
func NewWindow(store WindowStore, now func() time.Time) *Window {
	if store == nil {
		store = &MemoryWindowStore{}
	}
	if now == nil {
		now = time.Now
	}
	return &Window{store: store, now: now}
}

// Record notes an inbound message from contact (a wa_id or BSUID) to the
// business number at t.
func (w *Window) Record(ctx context.Context, phoneNumberID, contact string, t time.Time) error {
	if phoneNumberID == "" || contact == "" {
		return errors.New("whatsapp: window: phone number id and contact are required")
	}
	return w.store.RecordInbound(ctx, phoneNumberID, contact, t)
}

// Observe records every inbound message of the events under both the
// sender's wa_id and BSUID, so sends to either find the window. Statuses,
// other changes and system notifications (which the user did not send) are
// ignored.
func (w *Window) Observe(ctx context.Context, events []Event) error {
	for _, ev := range events {
		if ev.Messages == nil {
			continue
		}
		for _, m := range ev.Messages.Messages {
			if m.Type == "system" || m.PhoneNumberID == "" {
				continue
			}
			t := m.Timestamp.Time
			if t.IsZero() {
				t = w.now()
			}
			for _, k := range [...]string{m.From, m.FromUserID, m.Profile.WaID, m.Profile.UserID} {
				if k == "" {
					continue
				}
				if err := w.store.RecordInbound(ctx, m.PhoneNumberID, k, t); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// ClosesAt returns when the window with the contact closes (or closed), and
// false if the contact never wrote.
func (w *Window) ClosesAt(ctx context.Context, phoneNumberID string, to Recipient) (time.Time, bool, error) {
	last, ok, err := w.store.LastInbound(ctx, phoneNumberID, to.Key())
	if err != nil || !ok {
		return time.Time{}, false, err
	}
	return last.Add(ServiceWindow), true, nil
}

// Check returns nil when the window with the contact is open now, an
// [*OutsideWindowError] when it is not, or the store's error.
func (w *Window) Check(ctx context.Context, phoneNumberID string, to Recipient) error {
	closes, ok, err := w.ClosesAt(ctx, phoneNumberID, to)
	if err != nil {
		return err
	}
	if !ok {
		return &OutsideWindowError{}
	}
	if !w.now().Before(closes) {
		return &OutsideWindowError{ClosedAt: closes}
	}
	return nil
}

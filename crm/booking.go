package crm

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"
)

// BookingStatus is the state of a booking.
type BookingStatus string

// The booking statuses.
const (
	BookingProposed  BookingStatus = "proposed"
	BookingConfirmed BookingStatus = "confirmed"
	BookingCancelled BookingStatus = "cancelled"
	BookingCompleted BookingStatus = "completed"
)

// Booking is an appointment with a lead (a demo, a counselling call, a
// visit).
type Booking struct {
	ID         string        `json:"id"`
	LeadID     string        `json:"lead_id"`
	Start      time.Time     `json:"start"`
	End        time.Time     `json:"end"`
	Status     BookingStatus `json:"status"`
	Notes      string        `json:"notes,omitempty"`
	CalendarID string        `json:"calendar_id,omitempty"` // external calendar event id
	CreatedAt  time.Time     `json:"created_at"`
	UpdatedAt  time.Time     `json:"updated_at"`
}

// Interval is a half-open time range [Start, End).
type Interval struct {
	Start, End time.Time
}

// Overlaps reports whether two intervals share any instant.
func (i Interval) Overlaps(o Interval) bool { return i.Start.Before(o.End) && o.Start.Before(i.End) }

// ErrSlotTaken is returned when a booking's slot overlaps a busy interval of
// the calendar.
var ErrSlotTaken = errors.New("crm: slot is not free")

// Calendar is the external calendar bookings are mirrored to (Google
// Calendar, Cal.com…). Implementations are safe for concurrent use.
type Calendar interface {
	// FreeBusy returns the busy intervals overlapping [from, to).
	FreeBusy(ctx context.Context, from, to time.Time) ([]Interval, error)
	// Create books a slot and returns the calendar's event id; ErrSlotTaken
	// if it is busy.
	Create(ctx context.Context, slot Interval, title string) (eventID string, _ error)
	// Cancel frees the event's slot; ErrNotFound if it does not exist.
	Cancel(ctx context.Context, eventID string) error
}

// MemCalendar is an in-memory Calendar for tests and the embedded server.
// The zero value is an empty calendar, safe for concurrent use.
type MemCalendar struct {
	mu     sync.Mutex
	next   int
	events map[string]Interval
}

// FreeBusy implements Calendar.
func (c *MemCalendar) FreeBusy(_ context.Context, from, to time.Time) ([]Interval, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []Interval
	for _, iv := range c.events {
		if iv.Overlaps(Interval{from, to}) {
			out = append(out, iv)
		}
	}
	slices.SortFunc(out, func(a, b Interval) int { return a.Start.Compare(b.Start) })
	return out, nil
}

// Create implements Calendar.
func (c *MemCalendar) Create(_ context.Context, slot Interval, _ string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, iv := range c.events {
		if iv.Overlaps(slot) {
			return "", ErrSlotTaken
		}
	}
	if c.events == nil {
		c.events = map[string]Interval{}
	}
	c.next++
	id := "evt_" + strconv.Itoa(c.next)
	c.events[id] = slot
	return id, nil
}

// Cancel implements Calendar.
func (c *MemCalendar) Cancel(_ context.Context, eventID string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.events[eventID]; !ok {
		return ErrNotFound
	}
	delete(c.events, eventID)
	return nil
}

// Book proposes (or, with confirm, confirms) a booking for a lead. With a
// Calendar configured the slot must be free and is reserved there first.
// A booking activity is logged.
func (s *Service) Book(ctx context.Context, workspaceID, leadID string, slot Interval, notes string, confirm bool, actor Actor) (*Booking, error) {
	if slot.Start.IsZero() || !slot.End.After(slot.Start) {
		return nil, fmt.Errorf("crm: book: %w", invalid("slot", "end must be after start"))
	}
	if _, err := s.store.Lead(ctx, workspaceID, leadID); err != nil {
		return nil, fmt.Errorf("crm: book: %w", err)
	}
	now := s.now()
	b := &Booking{
		ID: s.newID(), LeadID: leadID, Start: storeTime(slot.Start), End: storeTime(slot.End),
		Status: BookingProposed, Notes: trimSpace(notes), CreatedAt: now, UpdatedAt: now,
	}
	if confirm {
		b.Status = BookingConfirmed
	}
	cal := s.cal(workspaceID)
	if cal != nil {
		id, err := cal.Create(ctx, slot, "booking "+b.ID)
		if err != nil {
			return nil, fmt.Errorf("crm: book: %w", err)
		}
		b.CalendarID = id
	}
	if err := s.store.CreateBooking(ctx, workspaceID, b); err != nil {
		if cal != nil {
			if cerr := cal.Cancel(ctx, b.CalendarID); cerr != nil {
				s.logger.WarnContext(ctx, "crm: release calendar slot after failed booking", "booking_id", b.ID, "error", cerr)
			}
		}
		return nil, fmt.Errorf("crm: book: %w", err)
	}
	act := Activity{ID: s.newID(), LeadID: leadID, Type: ActivityBooking, Actor: actor.orSystem(), At: now, RefID: b.ID, Text: string(b.Status)}
	if _, err := s.store.AddActivities(ctx, workspaceID, []Activity{act}); err != nil {
		return nil, fmt.Errorf("crm: book: %w", err)
	}
	return b, nil
}

// SetBookingStatus moves a booking to status (confirmed, cancelled or
// completed), cancelling its calendar event when cancelled, and logs it.
// A cancelled or completed booking cannot change again.
func (s *Service) SetBookingStatus(ctx context.Context, workspaceID, id string, status BookingStatus, actor Actor) (*Booking, error) {
	switch status {
	case BookingConfirmed, BookingCancelled, BookingCompleted:
	default:
		return nil, fmt.Errorf("crm: booking status: %w", invalid("status", "must be confirmed, cancelled or completed"))
	}
	now := s.now()
	var calendarID string
	b, err := s.store.UpdateBooking(ctx, workspaceID, id, func(b *Booking) error {
		if b.Status == BookingCancelled || b.Status == BookingCompleted {
			return invalid("status", "booking is already "+string(b.Status))
		}
		b.Status, b.UpdatedAt = status, now
		calendarID = b.CalendarID
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("crm: booking status: %w", err)
	}
	if cal := s.cal(workspaceID); status == BookingCancelled && cal != nil && calendarID != "" {
		if err := cal.Cancel(ctx, calendarID); err != nil && !errors.Is(err, ErrNotFound) {
			return nil, fmt.Errorf("crm: booking status: cancel calendar event: %w", err)
		}
	}
	act := Activity{ID: s.newID(), LeadID: b.LeadID, Type: ActivityBooking, Actor: actor.orSystem(), At: now, RefID: b.ID, Text: string(status)}
	if _, err := s.store.AddActivities(ctx, workspaceID, []Activity{act}); err != nil {
		return nil, fmt.Errorf("crm: booking status: %w", err)
	}
	return b, nil
}

// Reschedule moves a proposed or confirmed booking to a new slot: the new
// slot is reserved in the calendar first (ErrSlotTaken if busy), then the
// booking is updated and the old event cancelled. It is logged as a booking
// activity.
func (s *Service) Reschedule(ctx context.Context, workspaceID, id string, slot Interval, actor Actor) (*Booking, error) {
	if slot.Start.IsZero() || !slot.End.After(slot.Start) {
		return nil, fmt.Errorf("crm: reschedule: %w", invalid("slot", "end must be after start"))
	}
	old, err := s.store.Booking(ctx, workspaceID, id)
	if err != nil {
		return nil, fmt.Errorf("crm: reschedule: %w", err)
	}
	if old.Status == BookingCancelled || old.Status == BookingCompleted {
		return nil, fmt.Errorf("crm: reschedule: %w", invalid("status", "booking is already "+string(old.Status)))
	}
	cal := s.cal(workspaceID)
	var eventID string
	if cal != nil {
		if eventID, err = cal.Create(ctx, slot, "booking "+id); err != nil {
			return nil, fmt.Errorf("crm: reschedule: %w", err)
		}
	}
	now := s.now()
	var oldEvent string
	b, err := s.store.UpdateBooking(ctx, workspaceID, id, func(b *Booking) error {
		if b.Status == BookingCancelled || b.Status == BookingCompleted {
			return invalid("status", "booking is already "+string(b.Status))
		}
		oldEvent = b.CalendarID
		b.Start, b.End, b.UpdatedAt = storeTime(slot.Start), storeTime(slot.End), now
		if cal != nil {
			b.CalendarID = eventID
		}
		return nil
	})
	if err != nil {
		if cal != nil {
			if cerr := cal.Cancel(ctx, eventID); cerr != nil {
				s.logger.WarnContext(ctx, "crm: release calendar slot after failed reschedule", "booking_id", id, "error", cerr)
			}
		}
		return nil, fmt.Errorf("crm: reschedule: %w", err)
	}
	if cal != nil && oldEvent != "" {
		if err := cal.Cancel(ctx, oldEvent); err != nil && !errors.Is(err, ErrNotFound) {
			s.logger.WarnContext(ctx, "crm: cancel the rescheduled booking's old event", "booking_id", id, "error", err)
		}
	}
	act := Activity{ID: s.newID(), LeadID: b.LeadID, Type: ActivityBooking, Actor: actor.orSystem(), At: now, RefID: b.ID, Text: "rescheduled"}
	if _, err := s.store.AddActivities(ctx, workspaceID, []Activity{act}); err != nil {
		return nil, fmt.Errorf("crm: reschedule: %w", err)
	}
	return b, nil
}

// Bookings returns a lead's bookings ordered by start.
func (s *Service) Bookings(ctx context.Context, workspaceID, leadID string) ([]*Booking, error) {
	b, err := s.store.Bookings(ctx, workspaceID, leadID)
	if err != nil {
		return nil, fmt.Errorf("crm: bookings: %w", err)
	}
	return b, nil
}

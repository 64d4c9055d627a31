package privacy

import (
	"fmt"
	"sort"
	"time"
)

// Date is a civil date, independent of time zone.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the civil date of t in loc.
func DateOf(t time.Time, loc *time.Location) Date {
	y, m, d := t.In(loc).Date()
	return Date{y, m, d}
}

// String formats the date as YYYY-MM-DD.
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

// Calendar knows which days are business days: not a weekend day and not a
// holiday. It is immutable once built and safe for concurrent use.
type Calendar struct {
	loc      *time.Location
	weekend  [7]bool
	holidays map[Date]string
}

// NewCalendar returns a calendar in loc with Saturday and Sunday as the
// weekend and the given holidays (date → name).
func NewCalendar(loc *time.Location, holidays map[Date]string) *Calendar {
	if loc == nil {
		loc = time.UTC
	}
	c := &Calendar{loc: loc, holidays: make(map[Date]string, len(holidays))}
	c.weekend[time.Saturday], c.weekend[time.Sunday] = true, true
	for d, n := range holidays {
		c.holidays[d] = n
	}
	return c
}

// WithHolidays returns a copy of c with more holidays.
func (c *Calendar) WithHolidays(h map[Date]string) *Calendar {
	all := make(map[Date]string, len(c.holidays)+len(h))
	for d, n := range c.holidays {
		all[d] = n
	}
	for d, n := range h {
		all[d] = n
	}
	out := NewCalendar(c.loc, all)
	out.weekend = c.weekend
	return out
}

// Location is the calendar's time zone.
func (c *Calendar) Location() *time.Location { return c.loc }

// Holidays lists the calendar's holidays in date order.
func (c *Calendar) Holidays() []Date {
	out := make([]Date, 0, len(c.holidays))
	for d := range c.holidays {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].before(out[j]) })
	return out
}

func (d Date) before(o Date) bool {
	if d.Year != o.Year {
		return d.Year < o.Year
	}
	if d.Month != o.Month {
		return d.Month < o.Month
	}
	return d.Day < o.Day
}

// IsBusinessDay reports whether d is neither a weekend day nor a holiday.
func (c *Calendar) IsBusinessDay(d Date) bool {
	t := time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, c.loc)
	if c.weekend[t.Weekday()] {
		return false
	}
	_, holiday := c.holidays[d]
	return !holiday
}

// IndiaNationalHolidays returns India's three national holidays — Republic
// Day (26 January), Independence Day (15 August) and Gandhi Jayanti
// (2 October) — for the given years. Gazetted and state holidays vary by
// year and state: add them with [Calendar.WithHolidays].
func IndiaNationalHolidays(years ...int) map[Date]string {
	h := map[Date]string{}
	for _, y := range years {
		h[Date{y, time.January, 26}] = "Republic Day"
		h[Date{y, time.August, 15}] = "Independence Day"
		h[Date{y, time.October, 2}] = "Gandhi Jayanti"
	}
	return h
}

// IndiaCalendar returns a calendar in Asia/Kolkata with India's national
// holidays for the year of now and the next year.
func IndiaCalendar(now time.Time) *Calendar {
	loc := indiaLocation()
	y := now.In(loc).Year()
	return NewCalendar(loc, IndiaNationalHolidays(y, y+1))
}

func indiaLocation() *time.Location {
	if loc, err := time.LoadLocation("Asia/Kolkata"); err == nil {
		return loc
	}
	return time.FixedZone("IST", 5*3600+1800)
}

package bot

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// Settings are a workspace's engine settings.
type Settings struct {
	// AIChannels lists the channels on which inbound messages get AI
	// replies (none: AI replies only through ai_reply actions).
	AIChannels []Channel
	// Hours are the business hours; nil means always open.
	Hours *BusinessHours
	// AwayMessage is sent outside business hours, once per conversation
	// per day, when the AI does not answer.
	AwayMessage string
	// QuietPeriod is how long AI stays paused after a human reply
	// (default 30 minutes).
	QuietPeriod time.Duration
	// Reengagement is the WhatsApp template sent when a reply falls
	// outside the customer-service window; nil records the reason instead.
	Reengagement *Template
	// HandoffAssignee, when set, is assigned conversations handed off.
	HandoffAssignee string
	// ScoreOnMessage scores the lead on inbound messages, at most once per
	// ScoreEvery (default 1 hour) per lead.
	ScoreOnMessage bool
	ScoreEvery     time.Duration
	// TimeZone is an IANA zone for business and quiet hours (default UTC).
	TimeZone string
}

func (s *Settings) aiOn(c Channel) bool { return slices.Contains(s.AIChannels, c) }

func (s *Settings) location() *time.Location {
	if s.TimeZone == "" {
		return time.UTC
	}
	if l, err := time.LoadLocation(s.TimeZone); err == nil {
		return l
	}
	return time.UTC
}

func (s *Settings) quiet() time.Duration {
	if s.QuietPeriod <= 0 {
		return 30 * time.Minute
	}
	return s.QuietPeriod
}

func (s *Settings) scoreEvery() time.Duration {
	if s.ScoreEvery <= 0 {
		return time.Hour
	}
	return s.ScoreEvery
}

// Validate checks the settings; the error names the field.
func (s *Settings) Validate() error {
	for i, c := range s.AIChannels {
		if !c.Valid() {
			return invalid(fmt.Sprintf("ai_channels[%d]", i), "unknown channel %q", c)
		}
	}
	if s.TimeZone != "" {
		if _, err := time.LoadLocation(s.TimeZone); err != nil {
			return invalid("time_zone", "unknown zone")
		}
	}
	if s.Hours != nil {
		for d, spans := range s.Hours.Days {
			for i, sp := range spans {
				if sp.Start < 0 || sp.End > 1440 || sp.Start >= sp.End {
					return invalid(fmt.Sprintf("hours.days[%d][%d]", d, i), "want 0 ≤ start < end ≤ 1440")
				}
			}
		}
	}
	if t := s.Reengagement; t != nil && (t.Name == "" || t.Language == "") {
		return invalid("reengagement", "name and language are required")
	}
	return nil
}

// BusinessHours are open spans per weekday (index time.Sunday…Saturday),
// in minutes after midnight in the workspace's time zone.
type BusinessHours struct {
	Days [7][]Span
}

// Span is an open period [Start, End) in minutes after midnight.
type Span struct{ Start, End int }

// Open reports whether t (already in the workspace's zone) is in hours.
func (h *BusinessHours) Open(t time.Time) bool {
	if h == nil {
		return true
	}
	m := t.Hour()*60 + t.Minute()
	for _, sp := range h.Days[t.Weekday()] {
		if m >= sp.Start && m < sp.End {
			return true
		}
	}
	return false
}

// SettingsSource gives a workspace's settings.
type SettingsSource interface {
	Settings(ctx context.Context, workspace string) (Settings, error)
}

// StaticSettings is a fixed SettingsSource; missing workspaces get the
// zero Settings.
type StaticSettings map[string]Settings

// Settings implements SettingsSource.
func (s StaticSettings) Settings(_ context.Context, ws string) (Settings, error) { return s[ws], nil }

// inQuiet reports whether t falls in q and, if so, when the period ends.
func inQuiet(q *QuietHours, t time.Time) (time.Time, bool) {
	if q == nil || q.Start == q.End {
		return time.Time{}, false
	}
	m := t.Hour()*60 + t.Minute()
	var in bool
	if q.Start < q.End {
		in = m >= q.Start && m < q.End
	} else {
		in = m >= q.Start || m < q.End
	}
	if !in {
		return time.Time{}, false
	}
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())
	end := day.Add(time.Duration(q.End) * time.Minute)
	if !end.After(t) {
		end = end.AddDate(0, 0, 1)
	}
	return end, true
}

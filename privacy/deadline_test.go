package privacy_test

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/privacy"
)

var ist = time.FixedZone("IST", 5*3600+1800)

func at(y int, m time.Month, d, h, mi int) time.Time { return time.Date(y, m, d, h, mi, 0, 0, ist) }

func TestPeriodAdd(t *testing.T) {
	t.Parallel()
	cal := privacy.NewCalendar(ist, privacy.IndiaNationalHolidays(2026, 2027, 2028))
	tests := []struct {
		name  string
		p     privacy.Period
		start time.Time
		want  time.Time
	}{
		{"6 hours across midnight", privacy.Period{6, privacy.Hours}, at(2026, 3, 1, 21, 30), at(2026, 3, 2, 3, 30)},
		{"72 hours", privacy.Period{72, privacy.Hours}, at(2026, 12, 30, 10, 0), at(2027, 1, 2, 10, 0)},
		{"30 days across a month end", privacy.Period{30, privacy.Days}, at(2026, 1, 15, 9, 0), at(2026, 2, 14, 9, 0)},
		{"one month from 31 January (non-leap)", privacy.Period{1, privacy.Months}, at(2026, 1, 31, 9, 0), at(2026, 2, 28, 9, 0)},
		{"one month from 31 January (leap)", privacy.Period{1, privacy.Months}, at(2028, 1, 31, 9, 0), at(2028, 2, 29, 9, 0)},
		{"one month from 29 February", privacy.Period{1, privacy.Months}, at(2028, 2, 29, 9, 0), at(2028, 3, 29, 9, 0)},
		{"three months from 30 November", privacy.Period{3, privacy.Months}, at(2026, 11, 30, 9, 0), at(2027, 2, 28, 9, 0)},
		{"one month across the year", privacy.Period{1, privacy.Months}, at(2026, 12, 15, 9, 0), at(2027, 1, 15, 9, 0)},
		// Friday 2026-01-23: business days Mon 26 is Republic Day, so
		// 27 (1), 28 (2), 29 (3), 30 (4), Feb 2 (5), 3 (6), 4 (7) → end of 4 Feb.
		{"7 business days over Republic Day", privacy.Period{7, privacy.BusinessDays}, at(2026, 1, 23, 16, 0), at(2026, 2, 5, 0, 0)},
		// Thursday 2026-10-01: Oct 2 Gandhi Jayanti (Fri), weekend → Oct 5 (1) … Oct 13 (7).
		{"7 business days over Gandhi Jayanti", privacy.Period{7, privacy.BusinessDays}, at(2026, 10, 1, 10, 0), at(2026, 10, 14, 0, 0)},
		{"1 business day from Saturday", privacy.Period{1, privacy.BusinessDays}, at(2026, 3, 7, 10, 0), at(2026, 3, 10, 0, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := tt.p.Add(tt.start, cal)
			require.NoError(t, err)
			assert.True(t, tt.want.Equal(got), "got %s want %s", got, tt.want)
		})
	}
	_, err := privacy.Period{0, privacy.Days}.Add(at(2026, 1, 1, 0, 0), cal)
	require.ErrorIs(t, err, privacy.ErrInvalidPeriod)
	_, err = privacy.Period{1, privacy.Unit(99)}.Add(at(2026, 1, 1, 0, 0), cal)
	require.ErrorIs(t, err, privacy.ErrInvalidPeriod)
}

func TestCalendar(t *testing.T) {
	t.Parallel()
	cal := privacy.IndiaCalendar(at(2026, 11, 27, 10, 0))
	assert.False(t, cal.IsBusinessDay(privacy.Date{2027, time.January, 26}))
	assert.False(t, cal.IsBusinessDay(privacy.Date{2026, time.November, 28}), "Saturday")
	assert.True(t, cal.IsBusinessDay(privacy.Date{2026, time.November, 27}))
	assert.Len(t, cal.Holidays(), 6)
	more := cal.WithHolidays(map[privacy.Date]string{{2026, time.November, 27}: "Office closed"})
	assert.False(t, more.IsBusinessDay(privacy.Date{2026, time.November, 27}))
	assert.True(t, cal.IsBusinessDay(privacy.Date{2026, time.November, 27}), "original unchanged")
	assert.Equal(t, "2026-11-27", privacy.DateOf(at(2026, 11, 27, 10, 0), ist).String())
}

// The GDPR clock, paused while the request awaits verification, extended
// within the first month, with the fake clock of synctest.
func TestDeadlineLifecycleSynctest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cal := privacy.NewCalendar(time.UTC, nil)
		start := time.Now().UTC() // synctest epoch: 2000-01-01 UTC
		d := privacy.Start(privacy.RequestResponseGDPR, "req-1", start)
		due, err := d.Due(cal, time.Now())
		require.NoError(t, err)
		assert.True(t, start.AddDate(0, 1, 0).Equal(due))

		require.NoError(t, d.Pause(time.Now()))
		require.ErrorIs(t, d.Pause(time.Now()), privacy.ErrAlreadyPaused)
		time.Sleep(48 * time.Hour) // awaiting verification
		st, _ := d.State(cal, time.Now(), 24*time.Hour)
		assert.Equal(t, privacy.StatePaused, st)
		require.NoError(t, d.Resume(time.Now()))
		require.ErrorIs(t, d.Resume(time.Now()), privacy.ErrNotPaused)
		due, _ = d.Due(cal, time.Now())
		assert.True(t, start.AddDate(0, 1, 0).Add(48*time.Hour).Equal(due))

		time.Sleep(20 * 24 * time.Hour)
		require.NoError(t, d.Extend(time.Now(), cal))
		require.ErrorIs(t, d.Extend(time.Now(), cal), privacy.ErrExtensionNotAllowed)
		due, _ = d.Due(cal, time.Now())
		assert.True(t, start.AddDate(0, 3, 0).Add(48*time.Hour).Equal(due))

		time.Sleep(80 * 24 * time.Hour)
		st, _ = d.State(cal, time.Now(), 24*time.Hour)
		assert.Equal(t, privacy.StateOverdue, st)
		d.MarkMet(time.Now())
		st, _ = d.State(cal, time.Now(), 24*time.Hour)
		assert.Equal(t, privacy.StateMetLate, st)
	})
}

func TestExtensionOnlyInFirstPeriod(t *testing.T) {
	t.Parallel()
	cal := privacy.NewCalendar(time.UTC, nil)
	start := time.Date(2026, 1, 31, 12, 0, 0, 0, time.UTC)
	d := privacy.Start(privacy.RequestResponseGDPR, "r", start)
	require.ErrorIs(t, d.Extend(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), cal), privacy.ErrExtensionNotAllowed)
	g := privacy.Start(privacy.GrievanceResolve, "g", start)
	require.ErrorIs(t, g.Extend(start, cal), privacy.ErrExtensionNotAllowed)
}

func TestBreachClocksAndEscalations(t *testing.T) {
	t.Parallel()
	cal := privacy.IndiaCalendar(at(2026, 11, 27, 0, 0))
	aware := at(2026, 11, 27, 9, 0)
	clocks := privacy.StartBreachClocks("inc-9", aware)
	require.Len(t, clocks, 4)
	clocks[0].MarkMet(at(2026, 11, 27, 14, 0)) // CERT-In reported after 5 h

	now := at(2026, 11, 28, 8, 30) // 23.5 h after
	sts, err := privacy.Review(clocks, cal, now, time.Hour)
	require.NoError(t, err)
	byName := map[string]privacy.State{}
	for _, s := range sts {
		byName[s.Deadline.Rule.Name] = s.State
	}
	assert.Equal(t, privacy.StateMet, byName["breach.cert-in"])
	assert.Equal(t, privacy.StateDueSoon, byName["breach.dpdp.intimation"])
	assert.Equal(t, privacy.StateRunning, byName["breach.gdpr"])
	for i := 1; i < len(sts); i++ {
		assert.False(t, sts[i].Due.Before(sts[i-1].Due), "sorted by due")
	}
	esc, err := privacy.Escalations(clocks, cal, at(2026, 11, 30, 10, 0), time.Hour)
	require.NoError(t, err)
	require.Len(t, esc, 3, "everything but the met CERT-In clock is overdue")
	for _, s := range esc {
		assert.Equal(t, privacy.StateOverdue, s.State)
	}
	assert.Equal(t, "7 business days", privacy.GrievanceAcknowledge.Period.String())
}

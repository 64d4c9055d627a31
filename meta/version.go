package meta

import (
	"log/slog"
	"time"
)

// DefaultVersion is the Graph API version a Client uses unless
// [WithVersion] says otherwise.
const DefaultVersion = "v24.0"

// sunsetWarning is how long before a version's sunset NewClient warns.
const sunsetWarning = 90 * 24 * time.Hour

// versionSunsets lists when Graph API versions stop working. Meta keeps a
// version for two years after its successor's release; dates are from
// Meta's Graph API changelog. Versions without a known sunset are absent.
var versionSunsets = map[string]time.Time{
	"v16.0": date(2025, time.May, 14),
	"v17.0": date(2025, time.September, 12),
	"v18.0": date(2026, time.January, 26),
	"v19.0": date(2026, time.May, 21),
	"v20.0": date(2026, time.September, 24),
	"v21.0": date(2027, time.January, 21),
	"v22.0": date(2027, time.May, 29),
	"v23.0": date(2027, time.October, 8),
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// VersionSunset returns the date a Graph API version stops working, and
// false when it is not known (current versions have no announced date).
func VersionSunset(version string) (time.Time, bool) {
	t, ok := versionSunsets[version]
	return t, ok
}

// warnVersion logs when version is past or within 90 days of its sunset.
func warnVersion(l *slog.Logger, version string, now time.Time) {
	sunset, ok := VersionSunset(version)
	if !ok {
		return
	}
	switch left := sunset.Sub(now); {
	case left <= 0:
		l.Warn("meta: Graph API version has reached its sunset; Meta now serves the next version",
			"version", version, "sunset", sunset.Format(time.DateOnly))
	case left <= sunsetWarning:
		l.Warn("meta: Graph API version sunsets soon; upgrade",
			"version", version, "sunset", sunset.Format(time.DateOnly), "days_left", int(left.Hours()/24))
	}
}

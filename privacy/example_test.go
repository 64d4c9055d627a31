package privacy_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/botsync/botsync/privacy"
)

func ExampleCompile() {
	_, err := privacy.Compile(privacy.SeedPolicy, privacy.GDPRProfile)
	fmt.Println("GDPR:", err)
	_, err = privacy.Compile(privacy.SeedPolicy, privacy.IndiaProfile)
	fmt.Println("India conflicts:", errors.Is(err, privacy.ErrFloorConflict))
	// Output:
	// GDPR: <nil>
	// India conflicts: true
}

func ExampleDeadline() {
	ist := time.FixedZone("IST", 5*3600+1800)
	cal := privacy.NewCalendar(ist, privacy.IndiaNationalHolidays(2026))
	received := time.Date(2026, 1, 23, 16, 0, 0, 0, ist) // a Friday
	ack := privacy.Start(privacy.GrievanceAcknowledge, "grievance-17", received)
	due, _ := ack.Due(cal, received)
	fmt.Println(due.Format("Mon 2 Jan 2006 15:04"))
	// Output: Thu 5 Feb 2026 00:00
}

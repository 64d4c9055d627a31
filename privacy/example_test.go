package privacy_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/botsync/botsync/privacy"
	"github.com/botsync/botsync/privacy/memstore"
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

func ExampleWriteCSV() {
	recs := []privacy.ExportRecord{{Sink: "crm", Category: privacy.CategoryLeadConversation, Kind: "lead", ID: "lead-7",
		Data: []byte(`{"name":"=HYPERLINK(\"http://x\")","phone":"+919812345678"}`)}}
	_ = privacy.WriteCSV(os.Stdout, recs)
	// Output:
	// sink,category,kind,id,created,field,value
	// crm,lead_conversation,lead,lead-7,,name,"'=HYPERLINK(""http://x"")"
	// crm,lead_conversation,lead,lead-7,,phone,'+919812345678
}

func ExampleCases() {
	ctx := context.Background()
	st := memstore.New()
	aware := time.Date(2026, 3, 1, 22, 0, 0, 0, time.UTC)
	now := aware.Add(5 * time.Hour)
	cases := &privacy.Cases{Grievances: st, Incidents: st, Calendar: privacy.NewCalendar(time.UTC, nil), Now: func() time.Time { return now }}
	_, _ = cases.ReportIncident(ctx, privacy.Incident{ID: "inc-1", WorkspaceID: "ws", Title: "exposed log bucket", BecameAware: aware})
	esc, _ := cases.Escalations(ctx, "ws", 2*time.Hour)
	for _, s := range esc {
		fmt.Println(s.Deadline.Rule.Name, s.State, s.Due.Format(time.RFC3339))
	}
	// Output: breach.cert-in due soon 2026-03-02T04:00:00Z
}

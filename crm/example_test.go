package crm_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/botsync/botsync/crm"
	"github.com/botsync/botsync/crm/memstore"
)

// A WhatsApp webhook carries the sender's wa_id and profile name. The first
// message creates the lead; later messages (and a lead imported earlier by
// phone number, even written without Brazil's ninth digit) find the same one.
func ExampleService_FindOrCreate() {
	ctx := context.Background()
	svc, _ := crm.New(memstore.New(), crm.WithDefaultRegion("BR"))
	_ = svc.SetStages(ctx, "ws1", []crm.Stage{{Key: "new"}, {Key: "qualified"}, {Key: "won"}})

	// Imported from a spreadsheet last week, written the old way.
	_, _ = svc.ImportCSV(ctx, "ws1", strings.NewReader("name,phone\nMaria,(11) 8765-4321\n"), crm.User("admin"))

	// The webhook contact: {"wa_id": "5511987654321", "profile": {"name": "Maria S"}}.
	lead, created, err := svc.FindOrCreate(ctx, "ws1", crm.Contact{
		Identities: []crm.Identity{crm.WAID("5511987654321")},
		Name:       "Maria S",
		Source:     crm.Source{Channel: "whatsapp"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("created:", created)
	fmt.Println("name:", lead.Name, "stage:", lead.Stage)
	fmt.Println("phone:", lead.Phone())

	conv, _ := svc.OpenConversation(ctx, "ws1", lead.ID, "whatsapp", "phone-number-id-1")
	_, inserted, _ := svc.RecordMessage(ctx, "ws1", crm.Message{ConversationID: conv.ID, ProviderID: "wamid.X", Direction: crm.Inbound, Text: "Oi!"})
	_, again, _ := svc.RecordMessage(ctx, "ws1", crm.Message{ConversationID: conv.ID, ProviderID: "wamid.X", Direction: crm.Inbound, Text: "Oi!"})
	fmt.Println("message stored:", inserted, "redelivery stored:", again)
	// Output:
	// created: false
	// name: Maria stage: new
	// phone: +5511987654321
	// message stored: true redelivery stored: false
}

// The Android app uploads the device's call log. Calls with known leads are
// recorded on their timelines; calls with anyone else leave no trace, and
// syncing the same log again records nothing twice.
func ExampleService_MatchCalls() {
	ctx := context.Background()
	svc, _ := crm.New(memstore.New(), crm.WithDefaultRegion("IN"))
	lead, _, _ := svc.FindOrCreate(ctx, "ws1", crm.Contact{Identities: []crm.Identity{crm.Phone("+91 98765 43210")}})

	at := time.Date(2026, 3, 1, 10, 30, 0, 0, time.UTC)
	log := []crm.CallRecord{
		{DeviceID: "pixel-7", Number: "098765 43210", At: at, Direction: crm.CallIncoming, Type: crm.CallAnswered, Duration: 3 * time.Minute, SyncSource: "android", UserID: "agent-1", ContactName: "Ravi"},
		{DeviceID: "pixel-7", Number: "+91 99999 00000", At: at.Add(time.Hour), Direction: crm.CallOutgoing, Type: crm.CallMissed, UserID: "agent-1", ContactName: "Mom"},
	}
	res, _ := svc.MatchCalls(ctx, "ws1", log)
	fmt.Printf("matched %d, recorded %d, unmatched %d\n", res.Matched, res.Recorded, res.Unmatched)
	res, _ = svc.MatchCalls(ctx, "ws1", log)
	fmt.Printf("resync: recorded %d, duplicates %d\n", res.Recorded, res.Duplicates)

	acts, _ := svc.Activities(ctx, "ws1", lead.ID)
	for _, a := range acts {
		if a.Type == crm.ActivityCall {
			fmt.Println(a.Type, a.Call.Direction, a.Call.Type, a.Call.Duration)
		}
	}
	// Output:
	// matched 1, recorded 1, unmatched 1
	// resync: recorded 0, duplicates 1
	// call incoming answered 3m0s
}

func ExampleNormalizePhone() {
	for _, raw := range []string{"098765 43210", "+52 1 55 1234 5678", "+55 11 8765-4321"} {
		e164, _ := crm.NormalizePhone(raw, "IN")
		fmt.Println(e164)
	}
	_, err := crm.NormalizePhone("12", "IN")
	fmt.Println(err)
	// Output:
	// +919876543210
	// +525512345678
	// +5511987654321
	// crm: invalid phone: not a valid phone number
}

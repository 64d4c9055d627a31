package crmtest

import (
	"fmt"
	"time"

	"github.com/botsync/botsync/crm"
)

// SyntheticPhone returns the i-th synthetic Indian mobile number in E.164.
func SyntheticPhone(i int) string { return fmt.Sprintf("+9190%08d", i) }

// SyntheticLeads returns n deterministic leads for benchmarks and load
// tests, ready for Store.ImportLeads: each has one phone identity
// (SyntheticPhone(i)), a stage among new/qualified/won, a score 0-99, the tag
// "hot" on every 7th lead and "vip" on every 13th, a channel, a custom
// "course" value and a last activity spread over the 30 days before at.
func SyntheticLeads(workspaceID string, n int, at time.Time) []*crm.Lead {
	stages := []string{"new", "qualified", "won"}
	channels := []string{"whatsapp", "instagram", "messenger"}
	courses := []string{"MBA", "BBA", "BCA"}
	out := make([]*crm.Lead, n)
	for i := range n {
		var tags []string
		if i%7 == 0 {
			tags = append(tags, "hot")
		}
		if i%13 == 0 {
			tags = append(tags, "vip")
		}
		created := at.Add(-time.Duration(i%(30*24)) * time.Hour)
		out[i] = &crm.Lead{
			ID:          crm.NewID(at) + fmt.Sprintf("%08x", i),
			WorkspaceID: workspaceID,
			Identities:  []crm.Identity{{Kind: crm.KindPhone, Value: SyntheticPhone(i)}},
			Name:        fmt.Sprintf("Lead %d", i),
			Stage:       stages[i%3],
			Tags:        tags,
			Custom:      map[string]string{"course": courses[i%3]},
			Source:      crm.Source{Channel: channels[i%3]},
			Score:       i % 100,
			CreatedAt:   created, UpdatedAt: created, LastActivityAt: created,
		}
	}
	return out
}

// SyntheticCalls returns n call records from one device starting at start:
// every other call is with one of the first leads SyntheticLeads made (as
// the device writes it, without the country code), the rest with numbers
// no lead has.
func SyntheticCalls(n, leads int, start time.Time) []crm.CallRecord {
	out := make([]crm.CallRecord, n)
	for i := range n {
		num := fmt.Sprintf("0 80%08d", i) // unknown
		if i%2 == 0 {
			num = "0" + SyntheticPhone(i % leads)[3:]
		}
		out[i] = crm.CallRecord{
			DeviceID: "bench-device", Number: num, At: start.Add(time.Duration(i) * time.Second),
			Direction: crm.CallOutgoing, Type: crm.CallAnswered, Duration: time.Duration(i%600) * time.Second,
			SyncSource: "android", UserID: "agent-1", ContactName: "ignored",
		}
	}
	return out
}

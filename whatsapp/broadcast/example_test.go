package broadcast_test

import (
	"context"
	"fmt"

	"github.com/botsync/botsync/whatsapp"
	"github.com/botsync/botsync/whatsapp/broadcast"
	"github.com/botsync/botsync/whatsapp/broadcast/broadcasttest"
	"github.com/botsync/botsync/whatsapp/broadcast/memstore"
)

// Plan a campaign from an explicit audience and run it against the fake
// Cloud API sender (in production: client.Messages of a whatsapp.Client),
// then apply the status webhooks and read the counters.
func Example() {
	ctx := context.Background()
	fake := broadcasttest.NewSender(nil)
	card := whatsapp.RateCard{Currency: "INR", Rates: map[string]map[whatsapp.Category]int64{"IN": {whatsapp.CategoryMarketing: 780_000}}}
	svc, err := broadcast.New(memstore.New(), fake, broadcast.WithRateCard(card))
	if err != nil {
		panic(err)
	}
	c, err := svc.Create(ctx, broadcast.Campaign{
		WorkspaceID: "ws1", Name: "NEET crash course", PhoneNumberID: "106540352242922", Rate: 80,
		Template: broadcast.TemplateSpec{Name: "batch_launch", Language: "en", Category: whatsapp.CategoryMarketing,
			Body: []broadcast.ParamSpec{{Field: "first_name", Fallback: "there"}, {Field: "batch", Fallback: "June"}}},
	}, "user:admin")
	if err != nil {
		panic(err)
	}
	plan, err := svc.Plan(ctx, "ws1", c.ID, broadcast.List{
		{LeadID: "l1", Phone: "+91 98765 43210", MarketingConsent: true, Fields: map[string]string{"first_name": "Asha"}},
		{LeadID: "l2", Phone: "+919876543211", MarketingConsent: true},
		{LeadID: "l3", Phone: "+919876543212", MarketingConsent: false},
		{LeadID: "l4", Phone: "+91 98765 43210", MarketingConsent: true},
	}, "user:admin")
	if err != nil {
		panic(err)
	}
	fmt.Println("planned:", plan.Planned, "sendable:", plan.Sendable, "skipped:", plan.Skipped)
	fmt.Printf("estimate: %.2f %s\n", float64(plan.Estimate.Micros)/1e6, plan.Estimate.Currency)

	if _, err := svc.Start(ctx, "ws1", c.ID, "user:admin"); err != nil {
		panic(err)
	}
	if err := svc.Run(ctx, "ws1", c.ID, broadcast.WithWorkers(1)); err != nil {
		panic(err)
	}
	for _, s := range fake.Sent() {
		t := s.Template
		fmt.Println("sent", t.Name, "with", t.Body[0].Text, t.Body[1].Text)
	}
	// The webhook worker applies statuses as they arrive.
	if _, err := svc.Observe(ctx, "ws1", fake.Statuses(0, "sent", "delivered", "read")); err != nil {
		panic(err)
	}
	rep, err := svc.Report(ctx, "ws1", c.ID)
	if err != nil {
		panic(err)
	}
	got, _ := svc.Campaign(ctx, "ws1", c.ID)
	fmt.Println("state:", got.State, "sent:", rep.Sent, "read:", rep.Read)
	fmt.Printf("cost: %.2f %s\n", float64(rep.Actual.Micros)/1e6, rep.Actual.Currency)
	// Output:
	// planned: 4 sendable: 2 skipped: map[duplicate:1 no_marketing_consent:1]
	// estimate: 1.56 INR
	// sent batch_launch with Asha June
	// sent batch_launch with there June
	// state: completed sent: 2 read: 2
	// cost: 1.56 INR
}

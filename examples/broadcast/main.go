// Command broadcast plans and runs a WhatsApp template campaign against
// the in-process fake Cloud API: audience frozen with skip reasons,
// throttled sending, status webhooks applied, report with cost.
//
//	go run ./examples/broadcast
package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/botsync/botsync/internal/fakerun"
	"github.com/botsync/botsync/whatsapp"
	"github.com/botsync/botsync/whatsapp/broadcast"
	"github.com/botsync/botsync/whatsapp/broadcast/memstore"
	"github.com/botsync/botsync/whatsapp/whatsapptest"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "broadcast:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer) error {
	tb := fakerun.New(nil)
	defer tb.Close()
	fake := whatsapptest.New(tb)
	fake.AddTemplate(whatsapp.TemplateDefinition{Name: "batch_launch", Language: "en", Category: whatsapp.CategoryMarketing,
		Components: []whatsapp.TemplateComponent{{Type: "BODY", Text: "Hi {{1}}, the {{2}} batch opens on Monday!"}}})
	wa := fake.WhatsApp("fake-token")
	card := whatsapp.RateCard{Currency: "INR", Rates: map[string]map[whatsapp.Category]int64{"IN": {whatsapp.CategoryMarketing: 780_000}}}
	svc, err := broadcast.New(memstore.New(), wa.Messages, broadcast.WithRateCard(card))
	if err != nil {
		return err
	}
	const ws, by = "ws_demo", "user:demo"
	c, err := svc.Create(ctx, broadcast.Campaign{WorkspaceID: ws, Name: "June NEET batch", PhoneNumberID: whatsapptest.PhoneNumberID, Rate: 20,
		Template: broadcast.TemplateSpec{Name: "batch_launch", Language: "en", Category: whatsapp.CategoryMarketing,
			Body: []broadcast.ParamSpec{{Field: "first_name", Fallback: "there"}, {Field: "batch", Fallback: "NEET"}}}}, by)
	if err != nil {
		return err
	}
	plan, err := svc.Plan(ctx, ws, c.ID, broadcast.List{
		{LeadID: "l1", Phone: "+919876543210", MarketingConsent: true, Fields: map[string]string{"first_name": "Asha"}},
		{LeadID: "l2", Phone: "+919876543211", MarketingConsent: true},
		{LeadID: "l3", Phone: "+919876543212", MarketingConsent: false},
		{LeadID: "l4", Phone: "+919876543213", MarketingConsent: true, OptedOut: true},
	}, by)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "sendable:", plan.Sendable, "skipped:", plan.Skipped)
	if _, err := svc.Start(ctx, ws, c.ID, by); err != nil {
		return err
	}
	if err := svc.Run(ctx, ws, c.ID); err != nil {
		return err
	}
	// Status webhooks settle each recipient.
	var statuses []whatsapp.Status
	for _, m := range fake.Sent() {
		statuses = append(statuses, fake.Statuses(m, "sent", "delivered")...)
	}
	events, err := whatsapp.Decode(fake.StatusWebhook(statuses...))
	if err != nil {
		return err
	}
	if _, err := svc.Observe(ctx, ws, events); err != nil {
		return err
	}
	rep, err := svc.Report(ctx, ws, c.ID)
	if err != nil {
		return err
	}
	got, err := svc.Campaign(ctx, ws, c.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "state: %s sent: %d delivered: %d cost: %.2f %s\n", got.State, rep.Sent, rep.Delivered, float64(rep.Actual.Micros)/1e6, rep.Actual.Currency)
	return nil
}

package bot_test

import (
	"context"
	"fmt"
	"time"

	"github.com/botsync/botsync/ai"
	"github.com/botsync/botsync/ai/aitest"
	"github.com/botsync/botsync/bot"
	"github.com/botsync/botsync/bot/memstore"
	"github.com/botsync/botsync/crm"
	crmmem "github.com/botsync/botsync/crm/memstore"
	"github.com/botsync/botsync/secret"
)

// printSender prints what the engine sends (a whatsapp or instagram client
// goes here: bot.NewWhatsAppSender, bot.NewInstagramSender).
type printSender struct{ n int }

func (p *printSender) Send(_ context.Context, _ bot.Recipient, m bot.Outbound) (string, error) {
	p.n++
	fmt.Printf("send [%s]: %s\n", m.Label, m.Text)
	return fmt.Sprintf("wamid.%d", p.n), nil
}

// An engine with a keyword rule and AI replies for everything else.
func Example() {
	ctx := context.Background()
	fake := aitest.New() // stands in for OpenAI
	fake.Script("gpt-4o-mini", aitest.JSON(map[string]any{
		"decision": "send", "text": "Classes run 7am to 9am, Monday to Saturday.", "reason": "", "citations": []string{},
	}))
	p, _ := ai.NewProvider("openai", ai.OpenAI, secret.New("sk-…"),
		ai.WithBaseURL("http://fake/v1"), ai.WithTransport(fake.Transport()))
	router, _ := ai.NewRouter([]*ai.Provider{p})
	gw, _ := ai.NewGateway(router, ai.StaticConfig{"ws_1": {Chain: []ai.Link{{Provider: "openai", Model: "gpt-4o-mini"}}}})

	leads, _ := crm.New(crmmem.New(), crm.WithDefaultRegion("IN"))
	registry := bot.Registry{}
	registry.Add(bot.Account{Workspace: "ws_1", Channel: bot.WhatsApp, ID: "1065403522", Sender: &printSender{}})
	eng, err := bot.New(registry, leads, memstore.New(), bot.WithReplier(gw),
		bot.WithSettings(bot.StaticSettings{"ws_1": {AIChannels: []bot.Channel{bot.WhatsApp}}}))
	if err != nil {
		fmt.Println(err)
		return
	}
	err = eng.PutRule(ctx, bot.Rule{Workspace: "ws_1", ID: "brochure",
		Trigger: bot.Trigger{Type: bot.TriggerKeyword, Keywords: []string{"brochure"}},
		Actions: []bot.Action{
			{Type: bot.ActSendText, Text: "Here is our brochure: https://example.com/b.pdf"},
			{Type: bot.ActAddTag, Values: []string{"brochure"}},
		}})
	if err != nil {
		fmt.Println(err)
		return
	}
	for i, text := range []string{"Please send the Brochure", "What are the class timings?"} {
		ev := bot.Event{Kind: bot.EventMessage, Channel: bot.WhatsApp, Account: "1065403522",
			From: "919876543210", MessageID: fmt.Sprintf("wamid.in%d", i), Type: "text", Text: text, Time: time.Now()}
		if err := eng.Handle(ctx, ev); err != nil {
			fmt.Println(err)
		}
		_ = eng.Handle(ctx, ev) // a redelivery changes nothing
	}
	// Output:
	// send [brochure]: Here is our brochure: https://example.com/b.pdf
	// send [ai]: Classes run 7am to 9am, Monday to Saturday.
}

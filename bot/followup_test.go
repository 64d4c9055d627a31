package bot_test

import (
	"context"
	"encoding/json"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/bot"
	"github.com/botsync/botsync/bot/memstore"
	"github.com/botsync/botsync/crm"
	crmmem "github.com/botsync/botsync/crm/memstore"
	"github.com/botsync/botsync/whatsapp"
	"github.com/botsync/botsync/whatsapp/whatsapptest"
)

// A follow-up fires 24 hours later through the real WhatsApp client; the
// window has closed by then, so the step is a template. A second sequence
// stops because the lead replied.
func TestScenarioFollowUpAfter24h(t *testing.T) {
	wa := whatsapptest.New(t)
	wa.AddTemplate(whatsapp.TemplateDefinition{Name: "still_interested", Language: "en", Status: "APPROVED", Category: "UTILITY",
		Components: []whatsapp.TemplateComponent{{Type: "BODY", Text: "Hi! Still interested in the JEE batch?"}}})
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		window := whatsapp.NewWindow(nil, time.Now)
		client, err := whatsapp.NewClient(wa.SynctestClient("token"), whatsapp.WithWindow(window))
		require.NoError(t, err)
		svc, err := crm.New(crmmem.New())
		require.NoError(t, err)
		reg := bot.Registry{}
		reg.Add(bot.Account{Workspace: ws, Channel: bot.WhatsApp, ID: whatsapptest.PhoneNumberID,
			Sender: bot.NewWhatsAppSender(client.Messages, window, whatsapptest.PhoneNumberID)})
		eng, err := bot.New(reg, svc, memstore.New())
		require.NoError(t, err)
		require.NoError(t, eng.PutRule(ctx, bot.Rule{Workspace: ws, ID: "brochure",
			Trigger: bot.Trigger{Type: bot.TriggerKeyword, Keywords: []string{"brochure"}},
			Actions: []bot.Action{
				{Type: bot.ActSendText, Text: "Here is our brochure."},
				{Type: bot.ActFollowUp, Sequence: &bot.Sequence{StopOnReply: true, Steps: []bot.Step{
					{Delay: bot.Duration(24 * time.Hour), Template: &bot.Template{Name: "still_interested", Language: "en"}},
					{Delay: bot.Duration(48 * time.Hour), Text: "Last call!"},
				}}},
			}}))
		inbound := func(from, id, text string) {
			ev := bot.Event{Kind: bot.EventMessage, Channel: bot.WhatsApp, Account: whatsapptest.PhoneNumberID,
				From: from, MessageID: id, Type: "text", Text: text, Time: time.Now()}
			require.NoError(t, eng.Handle(ctx, ev))
			require.NoError(t, eng.Handle(ctx, ev))
		}
		inbound("919876543210", "wamid.a1", "Send the brochure please")
		inbound("919812345678", "wamid.b1", "brochure?")
		require.Len(t, wa.Sent(), 2)

		time.Sleep(23 * time.Hour)
		n, err := eng.RunDue(ctx, time.Now())
		require.NoError(t, err)
		assert.Zero(t, n, "nothing due before 24h")
		inbound("919812345678", "wamid.b2", "thanks, I'll think about it") // b replies: its sequence stops

		time.Sleep(time.Hour)
		n, err = eng.RunDue(ctx, time.Now())
		require.NoError(t, err)
		assert.Equal(t, 2, n)
		sent := wa.Sent()
		require.Len(t, sent, 3, "a's template; b's sequence stopped on reply")
		assert.Equal(t, "template", sent[2].Type)
		assert.Equal(t, "+919876543210", sent[2].To)

		time.Sleep(48 * time.Hour)
		n, err = eng.RunDue(ctx, time.Now())
		require.NoError(t, err)
		assert.Equal(t, 1, n)
		assert.Len(t, wa.Sent(), 3, "the text step is outside the window and no re-engagement template is set")
		n, _ = eng.RunDue(ctx, time.Now())
		assert.Zero(t, n, "sequence finished")
	})
}

func TestFollowUpQuietHoursAndStage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t, bot.Settings{TimeZone: "Asia/Kolkata"})
	require.NoError(t, h.eng.PutRule(ctx, bot.Rule{Workspace: ws, ID: "fu",
		Trigger: bot.Trigger{Type: bot.TriggerMessage},
		Actions: []bot.Action{{Type: bot.ActFollowUp, Sequence: &bot.Sequence{StopOnStage: true,
			Quiet: &bot.QuietHours{Start: 21 * 60, End: 9 * 60},
			Steps: []bot.Step{{Delay: bot.Duration(12 * time.Hour), Text: "ping"}, {Delay: bot.Duration(time.Hour), Text: "pong"}}}}}}))
	// 10:00 UTC = 15:30 IST; +12h = 03:30 IST, inside quiet hours.
	require.NoError(t, h.eng.Handle(ctx, h.inbound("wamid.1", "hello")))
	h.advance(12 * time.Hour)
	n, err := h.eng.RunDue(ctx, h.clock())
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	assert.Empty(t, h.sender.sent(), "held until quiet hours end")
	h.advance(5*time.Hour + 30*time.Minute) // 09:00 IST
	_, err = h.eng.RunDue(ctx, h.clock())
	require.NoError(t, err)
	require.Len(t, h.sender.sent(), 1)
	assert.Equal(t, "ping", h.sender.sent()[0].M.Text)

	lead := h.conversation(t).LeadID
	_, err = h.crm.MoveStage(ctx, ws, lead, "won", crm.User("u1"))
	require.NoError(t, err)
	h.advance(time.Hour)
	_, err = h.eng.RunDue(ctx, h.clock())
	require.NoError(t, err)
	assert.Len(t, h.sender.sent(), 1, "stage changed: sequence stopped")
}

func TestNoReplyTrigger(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t, bot.Settings{})
	require.NoError(t, h.eng.PutRule(ctx, bot.Rule{Workspace: ws, ID: "nudge",
		Trigger: bot.Trigger{Type: bot.TriggerNoReply, After: bot.Duration(2 * time.Hour)},
		Actions: []bot.Action{{Type: bot.ActSendText, Text: "Are you still there?"}}}))
	require.NoError(t, h.eng.Handle(ctx, h.inbound("wamid.1", "hi")))
	h.advance(time.Hour)
	require.NoError(t, h.eng.Handle(ctx, h.inbound("wamid.2", "one more thing")))
	h.advance(90 * time.Minute)
	n, err := h.eng.RunDue(ctx, h.clock())
	require.NoError(t, err)
	assert.Zero(t, n, "re-armed by the second message")
	h.advance(time.Hour)
	n, err = h.eng.RunDue(ctx, h.clock())
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	require.Len(t, h.sender.sent(), 1)
	assert.Equal(t, "Are you still there?", h.sender.sent()[0].M.Text)
}

func TestDurationJSON(t *testing.T) {
	t.Parallel()
	var s bot.Step
	require.NoError(t, json.Unmarshal([]byte(`{"delay":"24h","text":"x"}`), &s))
	assert.Equal(t, bot.Duration(24*time.Hour), s.Delay)
	b, err := json.Marshal(s)
	require.NoError(t, err)
	assert.JSONEq(t, `{"delay":"24h0m0s","text":"x"}`, string(b))
	assert.Error(t, json.Unmarshal([]byte(`{"delay":"soon"}`), &s))
}

// The follow-up scenario on both stores with a manual clock (the
// PostgreSQL store cannot run inside a synctest bubble): the engine's due
// items survive in the store, and a second engine (another instance) runs
// them.
func TestScenarioFollowUpStores(t *testing.T) {
	t.Parallel()
	for _, st := range allStores {
		t.Run(st.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			clk := &clock{now: time.Now().UTC().Truncate(time.Second)}
			crmStore, botStore := st.new(t)
			wa := whatsapptest.New(t, whatsapptest.WithClock(clk.Now))
			window := whatsapp.NewWindow(nil, clk.Now)
			client := wa.WhatsApp("token", whatsapp.WithWindow(window))
			svc, err := crm.New(crmStore, crm.WithClock(clk.Now))
			require.NoError(t, err)
			reg := bot.Registry{}
			reg.Add(bot.Account{Workspace: ws, Channel: bot.WhatsApp, ID: whatsapptest.PhoneNumberID,
				Sender: bot.NewWhatsAppSender(client.Messages, window, whatsapptest.PhoneNumberID)})
			tpl := &bot.Template{Name: "still_interested", Language: "en"}
			settings := bot.WithSettings(bot.StaticSettings{ws: {Reengagement: tpl}})
			eng, err := bot.New(reg, svc, botStore, bot.WithClock(clk.Now), settings)
			require.NoError(t, err)
			require.NoError(t, eng.PutRule(ctx, bot.Rule{Workspace: ws, ID: "fu",
				Trigger: bot.Trigger{Type: bot.TriggerKeyword, Keywords: []string{"brochure"}},
				Actions: []bot.Action{{Type: bot.ActFollowUp, Sequence: &bot.Sequence{StopOnReply: true,
					Steps: []bot.Step{{Delay: bot.Duration(24 * time.Hour), Text: "Did you read the brochure?"}}}}}}))
			deliver(t, eng, wa.InboundText("919876543210", "", "Asha", "brochure please"))
			assert.Empty(t, wa.Sent())

			other, err := bot.New(reg, svc, botStore, bot.WithClock(clk.Now), settings)
			require.NoError(t, err)
			clk.Add(24 * time.Hour)
			n, err := other.RunDue(ctx, clk.Now())
			require.NoError(t, err)
			assert.Equal(t, 1, n)
			sent := wa.Sent()
			require.Len(t, sent, 1)
			assert.Equal(t, "template", sent[0].Type, "window closed at 24h: the re-engagement template")
			n, err = eng.RunDue(ctx, clk.Now().Add(time.Hour))
			require.NoError(t, err)
			assert.Zero(t, n)
		})
	}
}

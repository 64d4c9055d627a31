// Package bot is the conversation engine: it turns decoded Meta webhook
// events (WhatsApp, Instagram, Messenger, comments) into CRM leads,
// conversations and messages, runs the workspace's rules, answers with AI
// grounded in the knowledge base or hands the conversation to a human, and
// schedules follow-ups.
//
//	registry := bot.Registry{}
//	registry.Add(bot.Account{Workspace: "ws_1", Channel: bot.WhatsApp, ID: phoneNumberID,
//		Sender: bot.NewWhatsAppSender(wa.Messages, window, phoneNumberID)})
//	eng, err := bot.New(registry, crmService, memstore.New(),
//		bot.WithAnswerer(knowledgeBase), bot.WithPublisher(hub),
//		bot.WithSettings(bot.StaticSettings{"ws_1": {AIChannels: []bot.Channel{bot.WhatsApp}}}))
//	err = eng.PutRule(ctx, bot.Rule{Workspace: "ws_1", ID: "fees",
//		Trigger: bot.Trigger{Type: bot.TriggerKeyword, Keywords: []string{"brochure"}},
//		Actions: []bot.Action{{Type: bot.ActSendMedia, Media: &bot.Media{Type: "document", URL: brochureURL}}}})
//	events, _ := whatsapp.Decode(verifiedBody)
//	for _, we := range events {
//		for _, ev := range bot.FromWhatsApp(we) {
//			err = eng.Handle(ctx, ev) // idempotent: redelivery changes nothing
//		}
//	}
//	n, err := eng.RunDue(ctx, time.Now()) // from the server's background runner
//
// # Inbound
//
// Handle finds the workspace through a ChannelRegistry, upserts the lead by
// its channel identity, the conversation and the message (idempotent on the
// provider's message id), applies delivery statuses, and publishes typed
// Updates. Events of one conversation are handled one at a time; a
// Serializer keeps their order when feeding the engine from a queue.
// Echoes of the engine's own sends are recognised and ignored; echoes of a
// human's replies from Meta's apps are recorded and pause the AI.
//
// # Rules
//
// A Rule has a trigger, conditions (all must hold) and actions, and is
// validated with a *ValidationError naming the field. Rules run in Position
// order; StopProcessing ends the run. Actions taken by rules or the AI never
// trigger rules (loop guard). A rule failing WithMaxFailures times in a row
// is disabled and reported (UpdateRuleDisabled). Comment replies go through
// the instagram package's HandleComment with a store-backed
// once-per-comment claim (CommentClaims), so two rules or two instances never
// reply twice.
//
// # AI and handoff
//
// With AI on for a channel (Settings.AIChannels), an inbound message no rule
// answered is answered from the knowledge base (WithAnswerer) or the AI
// gateway (WithReplier); NoKnowledge and NeedsHuman hand the conversation off
// (flag, optional assignment, note with the reason, UpdateHandoff) and pause
// the AI. A human reply pauses the AI for Settings.QuietPeriod; GiveBack
// resumes it. Outside business hours without AI, the away message is sent
// once a day per conversation. Every send goes through the channel client's
// policy; outside the WhatsApp window the engine sends
// Settings.Reengagement or records why it could not (UpdateSendBlocked).
//
// # Follow-ups and scoring
//
// follow_up actions and no_reply triggers become Due items in the Store;
// RunDue executes those due, honouring stop-on-reply, stop-on-stage and
// quiet hours. Lead scoring (WithScorer) is rate-limited per lead.
//
// # Stores
//
// Store is implemented by bot/memstore and bot/pgstore; bot/bottest is their
// conformance suite. An Engine is safe for concurrent use; its zero value
// is not usable, build it with New.
package bot

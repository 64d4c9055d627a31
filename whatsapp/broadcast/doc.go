// Package broadcast runs WhatsApp template campaigns that never send
// anyone twice, keep to Meta's limits, respect opt-outs and pause
// themselves when the number's health drops.
//
// A [Campaign] sends one template from one business phone number. Planning
// ([Service.Plan]) freezes its audience — a CRM segment ([Segment]) or an
// explicit [List] — into durable [Recipient] rows with each recipient's
// rendered parameters; members without marketing consent, opted out (CRM
// flag, STOP keywords, error 131050, user_preferences webhooks), duplicated
// or with invalid numbers are kept as skipped rows with a reason. States
// move draft → scheduled → running ⇄ paused → completed | cancelled, each
// transition recorded with who and why.
//
// [Service.Run] sends a running campaign. Workers claim recipients with
// leases (several pools and server instances share a campaign), record
// the send intent before each call, and never re-send a recipient whose
// answer was lost: status webhooks ([Service.Observe]) settle it through
// biz_opaque_callback_data, or [Service.Reconcile] fails it with a reason.
// Throughput is the campaign's rate (a schedule of one slot per 1/rate and
// a departure gate: no one-second window holds more), the number's pacer
// (throughput and per-recipient pair pacing on golang.org/x/time/rate, a
// *whatsapp.Limiter) and the
// messaging-limit tier ([TierBudget]: unique recipients per rolling 24 h).
// Errors go through the whatsapp classifier: back off, retry later,
// suppress the contact, or fail terminally. The two writes of every send
// (intent, acceptance) are group-committed, so a PostgreSQL store keeps up
// with 1,000 messages a second. Campaigns pause themselves on
// quality RED or FLAGGED, a paused or disabled template, error 131048, or a
// failure rate over a sliding window, and resume by hand or when the
// condition clears.
//
//	svc, _ := broadcast.New(memstore.New(), wa.Messages, broadcast.WithRateCard(card))
//	c, _ := svc.Create(ctx, broadcast.Campaign{WorkspaceID: ws, Name: "June batch",
//		PhoneNumberID: phoneID, Rate: 80, Template: broadcast.TemplateSpec{
//			Name: "batch_launch", Language: "en",
//			Body: []broadcast.ParamSpec{{Field: "first_name", Fallback: "there"}}}}, "user:42")
//	plan, _ := svc.Plan(ctx, ws, c.ID, broadcast.Segment(crmService, crm.Query{Tags: []string{"neet"}}), "user:42")
//	_, _ = svc.Start(ctx, ws, c.ID, "user:42")
//	err := svc.Run(ctx, ws, c.ID) // returns when completed, paused or cancelled
//	// webhook worker: svc.Observe(ctx, ws, events)
//	// periodically: svc.Sweep (schedules, cooldowns), svc.Reconcile (lost answers),
//	// svc.ApplyPhoneNumber(ctx, ws, number) after wa.PhoneNumbers.Get (quality, tier)
//
// Stores: memstore (in memory) and pgstore (PostgreSQL, claims with FOR
// UPDATE SKIP LOCKED) both pass broadcasttest.TestStore. The Service and
// the stores are safe for concurrent use. Errors match [ErrNotFound],
// [ErrState], [ErrInvalid]…; they never carry phone numbers or parameter
// values.
package broadcast

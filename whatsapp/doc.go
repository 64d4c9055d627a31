// Package whatsapp is a client for the WhatsApp Cloud API built on package
// meta, with typed webhook events and the delivery policy Meta enforces:
// error → action classification, the customer-service window, throughput
// and pair pacing, monotonic status tracking and cost estimates.
//
// # Sending
//
//	api, _ := meta.NewClient(secret.New(token))
//	wa, _ := whatsapp.NewClient(api, whatsapp.WithWindow(window), whatsapp.WithLimiter(limiter))
//	res, err := wa.Messages.Send(ctx, phoneNumberID, whatsapp.Message{
//		To:      whatsapp.Phone("+919876543210"), // or whatsapp.BSUID("IN.1349…")
//		Content: whatsapp.Text{Body: "Your class starts at 7"},
//	})
//	switch whatsapp.ActionOf(err) {
//	case whatsapp.ActionNone: // res.MessageID is the wamid
//	case whatsapp.ActionNeedsTemplate: // window closed: send a template
//	case whatsapp.ActionRetrySoon, whatsapp.ActionRetryRecipientLater: // back off
//	case whatsapp.ActionHaltNumber: // stop the number, alert a human
//	}
//
// Every message type is a [Content]: [Text], [Image], [Audio], [Video],
// [Document], [Sticker], [Location], [Contacts], [ReplyButtons], [List],
// [CTAURL], [Flow], [Template] and [Reaction]. Messages are validated before
// any request: a [*ValidationError] names the offending field and never
// quotes bodies or phone numbers. Marketing templates are posted to
// /marketing_messages, everything else to /messages; a [Catalog] fed by
// template listings and template_category_update webhooks knows which is
// which and rejects parameters a template does not have.
//
// # Webhooks
//
// After meta's handler verified a delivery, [Decode] types it:
//
//	events, err := whatsapp.Decode(body)
//	for _, ev := range events {
//		switch {
//		case ev.Messages != nil:
//			window.Observe(ctx, events)     // keep the 24h window
//			whatsapp.ApplyStatuses(ctx, tracker, events) // statuses only move forward
//		case ev.TemplateCategory != nil:
//			catalog.Apply(ev)
//		}
//	}
//
// Unknown fields and message types are surfaced (Event.Raw,
// InboundMessage.Raw), never an error.
//
// # Policy state across instances
//
// [Window], [StatusTracker] and [Limiter] keep their state behind small
// interfaces ([WindowStore], [StatusStore], [LimitBackend]) with in-memory
// defaults; whatsapp/pgstore implements all three on PostgreSQL so several
// server instances share windows, delivery states and rate buckets.
// whatsapp/whatsapptest is a fake Cloud API for tests, with conformance
// suites for the stores.
//
// # Concurrency and errors
//
// Client, Catalog, Window, Limiter, StatusTracker and Classifier are safe for
// concurrent use. API failures are *meta.Error (errors.As) wrapped with the
// operation; sends wrap them in a [*SendError] whose Action is also
// matched by sentinels such as [ErrNeedsTemplate] and [ErrHaltNumber].
package whatsapp

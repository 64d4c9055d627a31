// Package crm keeps a workspace's leads: people with several channel
// identities (E.164 phone, WhatsApp wa_id and BSUID, Instagram-scoped id,
// Page-scoped id, email), a profile, an ordered sales pipeline, tags, typed
// custom fields, a score, an append-only activity timeline, conversations
// with idempotent messages, bookings, dedup/merge, call-log matching and CSV
// import/export. Everything is partitioned by workspace id.
//
//	svc, err := crm.New(memstore.New(), crm.WithDefaultRegion("IN"))
//	// A webhook arrives: find the sender's lead or create it.
//	lead, created, err := svc.FindOrCreate(ctx, workspaceID, crm.Contact{
//		Identities: []crm.Identity{crm.WAID(msg.From)},
//		Name:       profileName,
//		Source:     crm.Source{Channel: "whatsapp"},
//	})
//	conv, err := svc.OpenConversation(ctx, workspaceID, lead.ID, "whatsapp", phoneNumberID)
//	_, inserted, err := svc.RecordMessage(ctx, workspaceID, crm.Message{
//		ConversationID: conv.ID, ProviderID: msg.ID, Direction: crm.Inbound, Text: msg.Text,
//	})
//	_, err = svc.MoveStage(ctx, workspaceID, lead.ID, "qualified", crm.User(agentID))
//
// # Identities and phone numbers
//
// Identities are normalised before they are stored or looked up
// ([NormalizeIdentity]): phone numbers become E.164 with the workspace's
// default region ([WithDefaultRegion], [WithRegionFunc]), folding the known
// national variants (Brazil's ninth digit, Mexico's +52 1) so every variant
// finds one lead; a wa_id also yields its phone identity, so a WhatsApp
// contact finds the lead imported from a spreadsheet. Each identity belongs to
// at most one lead per workspace.
//
// # Stores
//
// A [Store] persists the CRM: crm/memstore (in memory) and crm/pgstore
// (PostgreSQL) pass the same conformance suite, crm/crmtest. On PostgreSQL,
// [Service.FindOrCreate] is one statement and concurrent webhooks for one new
// contact create one lead; [Service.RecordMessage] is idempotent on the
// provider message id per channel account.
//
// # Errors
//
// Errors wrap the operation and match the sentinels [ErrNotFound],
// [ErrConflict], [ErrInvalid] (every [*ValidationError], which names the
// field) and [ErrMerged]; CSV imports that are rejected return an
// [*ImportError] listing each bad row, and write nothing. Errors and logs
// never contain phone numbers, email addresses or names.
//
// # Concurrency
//
// A [Service] and the stores are safe for concurrent use. Read-modify-write
// operations (update, tag, stage, merge) run atomically in the store.
package crm

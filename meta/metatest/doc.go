// Package metatest is a fake Meta Graph API for tests: an httptest server the
// real clients talk to (token endpoints, usage headers, scripted errors,
// request recording), a builder for signed webhook deliveries that look
// exactly like Meta's, and a corpus of real payload shapes from Meta's
// documentation.
//
//	srv := metatest.NewServer(t)
//	c := srv.Client("test-token")
//	...
//	body := metatest.Fixture("whatsapp/text_message.json")
//	req := metatest.NewWebhookRequest(handlerURL, []byte("app-secret"), body)
//
// Fixture names are listed by [Fixtures]; they cover WhatsApp inbound
// messages of every common type, statuses (sent, delivered, read, failed with
// errors and pricing), template and quality updates; Instagram messages,
// echoes, reactions, postbacks, reads, story replies, comments, live comments
// and mentions; Messenger messages, postbacks and reads.
package metatest

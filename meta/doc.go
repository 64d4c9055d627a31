// Package meta is the Graph API core shared by BotSync's WhatsApp, Instagram
// and Messenger packages: a [Client] with Graph-aware retries and a rate
// governor fed by Meta's usage headers, typed [*Error]s classified for
// [errors.Is], cursor paging, token helpers, and webhooks that are secure by
// default.
//
// # Calling the Graph API
//
//	c, err := meta.NewClient(secret.New(token), meta.WithAppSecret(secret.New(appSecret)))
//	if err != nil { ... }
//	var me struct{ ID, Name string }
//	_, err = c.Get(ctx, "me", nil, &me)
//	switch {
//	case errors.Is(err, meta.ErrUnauthorized): // token expired or revoked: reconnect
//	case errors.Is(err, meta.ErrRateLimited):  // the governor already slowed down; try later
//	}
//
// The token travels only in the Authorization header; appsecret_proof is added
// to every call when an app secret is configured; neither ever appears in an
// error string.
//
// # Receiving webhooks
//
// [NewWebhookHandler] answers Meta's verification handshake, caps the body,
// checks X-Hub-Signature-256 on the raw bytes before anything parses them, and
// answers 200 only after your [WebhookSink] durably accepted the verified body
// (5xx otherwise, so Meta retries):
//
//	h, err := meta.NewWebhookHandler(
//		meta.WebhookSinkFunc(func(ctx context.Context, d meta.Delivery) error {
//			return queue.Store(ctx, d.Body) // store first, process later
//		}),
//		meta.WithAppSecrets(secret.New(fbAppSecret), secret.New(igAppSecret)),
//		meta.WithVerifyToken(secret.New(verifyToken)),
//	)
//	mux.Handle("/webhooks/meta", h)
//
// A worker later decodes the stored body with [DecodeWebhook], which types the
// envelope for page, instagram and whatsapp_business_account objects, keeps
// every entry's raw JSON and gives each event a stable dedup key.
//
// Signed requests (the data-deletion and deauthorize callbacks) are checked by
// [ParseSignedRequest]; [DataDeletionHandler] and [DeauthorizeHandler] serve
// the two callbacks.
package meta

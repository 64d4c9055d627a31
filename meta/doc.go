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
// # Slowing down before Meta throttles
//
// Every response's X-App-Usage, X-Business-Use-Case-Usage and X-Ad-Account-Usage
// headers are parsed into [Usage] (on [Response]). Give clients a shared
// [Governor] and it delays callers in proportion as usage nears 100%, blocks a
// key until estimated_time_to_regain_access has passed, and enforces static
// budgets ([GovernorBudget]) as token buckets:
//
//	gov, _ := meta.NewGovernor(meta.GovernorBudget(phoneNumberID, meta.BudgetWhatsAppThroughput))
//	c, _ := meta.NewClient(tok, meta.WithGovernor(gov))
//
// # Paging and tokens
//
// [List] returns one page with its cursors; [All] iterates every item as an
// iter.Seq2[T, error]. Paging links are stripped of any token Meta embeds in
// them. [Client.ExchangeToken], [Client.DebugToken], [Client.PageTokens],
// the Instagram exchange and refresh calls and [RefreshDue] cover the token life
// cycle.
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

// Package instagram speaks Meta's three messaging stacks behind one client
// shape: the Instagram API with Instagram Login (graph.instagram.com, an
// Instagram user token, /{ig-user-id}/messages), the Instagram API with
// Facebook Login (graph.facebook.com, the Page token, /{page-id}/messages)
// and the Messenger Platform's Page Send API. The stack is configuration;
// the methods are the same.
//
//	mc, _ := meta.NewClient(secret.New(igToken), meta.WithBaseURL(meta.InstagramBaseURL))
//	c, err := instagram.NewClient(mc, instagram.InstagramLogin, igUserID,
//		instagram.WithClaims(sharedClaims), // one private reply per comment, across servers
//	)
//	res, err := c.SendText(ctx, instagram.Thread{UserID: igsid, LastUserMessage: lastInbound}, "Hi!")
//	switch {
//	case errors.Is(err, instagram.ErrOutsideWindow):   // no call was made: 24h window closed
//	case errors.Is(err, instagram.ErrBudgetExhausted): // requeue: local send budget used up
//	case errors.Is(err, meta.ErrRateLimited):          // Meta throttled the account
//	}
//
// # Policy before every send
//
// Sends check Meta's rules locally and return errors instead of spending
// calls: the 24-hour standard window from the user's last message;
// HUMAN_AGENT up to 7 days when enabled with [WithHumanAgent]; private
// replies at most 7 days after the comment, live comments only during the
// broadcast, and exactly one per comment through an atomic [Claims]
// implementation; and per-account send budgets ([Budgets], on
// golang.org/x/time/rate). Limits of the Send API (text length, 13 quick
// replies, 10 carousel cards, 3 buttons…) are validated with a
// [*FieldError] naming the field. Every message carries metadata stamped
// "botsync:v1:<label>" ([Stamp]), so its echo is recognised ([Event.OwnEcho],
// [Client.IsOwn]).
//
// # Webhooks
//
// [ParseWebhook] types a verified body (see meta's webhook handler) into
// [Event]s: messages with attachments, quick-reply payloads, reply-to,
// story mentions and replies, shared posts and reels and ad referrals;
// echoes, edits, unsends, reactions, postbacks, reads, opt-ins and
// referrals; comments, live comments and mentions. Unknown events come back
// as [KindUnknown] with their raw JSON, never as errors.
//
// # Comment-to-DM
//
// A [Matcher] decides whether a comment triggers a [Rule]
// (case-, width- and diacritic-insensitive, emoji-safe, any script);
// [Client.HandleComment] skips the account's own comments, sends the private
// reply under the claim, posts the public reply, and returns an [Outcome]
// with a [SkipReason] when it did nothing.
//
// Package instagramtest is a fake of both hosts for tests.
package instagram

package instagram

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/botsync/botsync/meta"
)

// Rule is one comment-to-DM automation: when a comment matches, answer it
// publicly (optional) and send the commenter one private reply.
type Rule struct {
	// ID names the rule; it becomes the label of the private reply's
	// metadata stamp unless PrivateReply.Label is set.
	ID string
	// Match selects comments; nil matches every comment.
	Match *Matcher
	// IncludeReplies also triggers on replies to other comments (comments
	// with a parent); by default only top-level comments trigger.
	IncludeReplies bool
	// PublicReply, when not empty, is posted as a public reply to the
	// comment after the private reply went out.
	PublicReply string
	// PrivateReply is the direct message sent to the commenter.
	PrivateReply Message
}

// SkipReason says why a comment got no private reply.
type SkipReason string

// Skip reasons.
const (
	// SkipOwnComment: the account itself wrote the comment (including the
	// public replies this package posts).
	SkipOwnComment SkipReason = "own_comment"
	// SkipNoMatch: the comment did not match the rule (or is a reply and the
	// rule only takes top-level comments).
	SkipNoMatch SkipReason = "no_match"
	// SkipOutsideWindow: the comment is older than 7 days, or a live
	// broadcast ended.
	SkipOutsideWindow SkipReason = "window"
	// SkipAlreadyReplied: the comment already has its private reply (from
	// this or another rule, process or server).
	SkipAlreadyReplied SkipReason = "already_replied"
	// SkipRateLimited: the local private-reply budget is used up or Meta
	// throttled the call; the comment may be tried again later.
	SkipRateLimited SkipReason = "rate_limited"
)

// Outcome is the result of [Client.HandleComment].
type Outcome struct {
	CommentID string
	// Replied reports that the private reply was sent; Skip is then "".
	Replied bool
	Skip    SkipReason
	// PrivateReply is Meta's answer to the private reply.
	PrivateReply *SendResult
	// PublicReplyID is the id of the public reply, when one was posted.
	PublicReplyID string
	// PublicReplyErr is why the public reply failed; the private reply
	// still counts as sent.
	PublicReplyErr error
}

// CommentOptions carries what HandleComment cannot know from the event.
type CommentOptions struct {
	// BroadcastEnded reports that the live broadcast of a live comment has
	// ended.
	BroadcastEnded bool
}

// IsOwn reports whether the account itself produced the event: an echo
// stamped by this SDK (see [Stamp]), a messaging event sent by the account,
// or a comment written by the account (its id, the webhook entry's id, or
// an id given with [WithOwnIDs]).
func (c *Client) IsOwn(ev *Event) bool {
	if ev.OwnEcho() {
		return true
	}
	switch ev.Kind {
	case KindComment, KindLiveComment:
		return ev.Comment != nil && c.isOwnID(ev.Comment.From.ID, ev.AccountID)
	}
	return ev.SenderID != "" && c.isOwnID(ev.SenderID, ev.AccountID)
}

func (c *Client) isOwnID(id, entryID string) bool {
	return id != "" && (id == c.accountID || id == entryID || slices.Contains(c.ownIDs, id))
}

// HandleComment runs rule on a comment event: it skips the account's own
// comments, comments that do not match, and comments outside the
// private-reply window; then sends the private reply under the
// once-per-comment claim (see [Client.PrivateReply]) and, if the rule has
// one, the public reply. The Outcome says what happened and, when nothing
// was sent, why. The error is non-nil only for bad input and for Graph
// failures of the private reply other than throttling.
func (c *Client) HandleComment(ctx context.Context, ev *Event, rule Rule, opt CommentOptions) (Outcome, error) {
	if ev == nil || ev.Comment == nil || (ev.Kind != KindComment && ev.Kind != KindLiveComment) {
		return Outcome{}, invalid("event", "not a comment event")
	}
	cm := ev.Comment
	out := Outcome{CommentID: cm.ID}
	switch {
	case c.IsOwn(ev):
		out.Skip = SkipOwnComment
		return out, nil
	case cm.ParentID != "" && !rule.IncludeReplies:
		out.Skip = SkipNoMatch
		return out, nil
	case rule.Match != nil && !rule.Match.Match(cm.Text):
		out.Skip = SkipNoMatch
		return out, nil
	}
	msg := rule.PrivateReply
	if msg.Label == "" && rule.ID != "" {
		msg.Label = rule.ID
	}
	res, err := c.PrivateReply(ctx, cm.Ref(opt.BroadcastEnded), msg)
	switch {
	case err == nil:
	case errors.Is(err, ErrOutsideWindow):
		out.Skip = SkipOutsideWindow
		return out, nil
	case errors.Is(err, ErrPrivateReplyUsed):
		out.Skip = SkipAlreadyReplied
		return out, nil
	case errors.Is(err, ErrBudgetExhausted), errors.Is(err, meta.ErrRateLimited):
		out.Skip = SkipRateLimited
		return out, nil
	default:
		return out, fmt.Errorf("instagram: handle comment: %w", err)
	}
	out.Replied, out.PrivateReply = true, res
	if rule.PublicReply != "" {
		out.PublicReplyID, out.PublicReplyErr = c.PublicReply(ctx, cm.ID, rule.PublicReply)
	}
	return out, nil
}

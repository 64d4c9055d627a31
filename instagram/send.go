package instagram

import (
	"context"
	"errors"
	"fmt"

	"github.com/botsync/botsync/meta"
)

// codeAlreadyReplied is Meta's error code for a second private reply to
// one comment ("Activity already replied to").
const codeAlreadyReplied = 10900

// SendResult is Meta's answer to a send.
type SendResult struct {
	// RecipientID is the user's id (IGSID or PSID); for a private reply, the
	// id of the commenter.
	RecipientID string `json:"recipient_id"`
	// MessageID is the mid of the sent message ("" for sender actions).
	MessageID string `json:"message_id"`
}

// SenderAction is a typing indicator or read receipt.
type SenderAction string

// Sender actions.
const (
	TypingOn  SenderAction = "typing_on"
	TypingOff SenderAction = "typing_off"
	MarkSeen  SenderAction = "mark_seen"

	actionReact   SenderAction = "react"
	actionUnreact SenderAction = "unreact"
)

// Send sends m to the thread's user after checking the messaging window (see
// [Client.CheckWindow]), the message's limits and the send budget. The
// message's metadata is stamped with [Stamp]. Local failures ([ErrInvalid],
// [ErrOutsideWindow], [ErrHumanAgentDisabled], [ErrBudgetExhausted]) make no
// call; Graph failures are [*meta.Error]s.
func (c *Client) Send(ctx context.Context, t Thread, m Message) (*SendResult, error) {
	if err := validToken("recipient.id", t.UserID); err != nil {
		return nil, err
	}
	if err := m.validate(c.stack); err != nil {
		return nil, err
	}
	if err := c.CheckWindow(t, m.Tag); err != nil {
		return nil, err
	}
	if err := c.budgets.take(m.kind(), c.now()); err != nil {
		return nil, err
	}
	body := wireSend{Recipient: wireRecipient{ID: t.UserID}, Message: m.wire(c.stamp(m.Label))}
	c.messagingType(&body, m.Tag)
	if m.ReplyTo != "" {
		body.ReplyTo = &wireReplyTo{MID: m.ReplyTo}
	}
	return c.post(ctx, "send message", body)
}

// SendText sends a plain text message; see [Client.Send].
func (c *Client) SendText(ctx context.Context, t Thread, text string) (*SendResult, error) {
	return c.Send(ctx, t, Message{Text: text})
}

// SenderAction shows or hides the typing indicator, or marks the user's
// messages as seen. It needs an open standard window.
func (c *Client) SenderAction(ctx context.Context, t Thread, a SenderAction) error {
	switch a {
	case TypingOn, TypingOff, MarkSeen:
	default:
		return invalid("sender_action", "unknown (typing_on, typing_off, mark_seen)")
	}
	return c.action(ctx, t, a, nil)
}

// React reacts to the user's message mid with reaction (Instagram uses
// "love"; an emoji is accepted too). It needs an open standard window.
func (c *Client) React(ctx context.Context, t Thread, mid, reaction string) error {
	if err := validToken("payload.message_id", mid); err != nil {
		return err
	}
	if reaction == "" || len(reaction) > 64 {
		return invalid("payload.reaction", "required, at most 64 bytes")
	}
	return c.action(ctx, t, actionReact, &wireReaction{MessageID: mid, Reaction: reaction})
}

// Unreact removes the account's reaction from the message mid.
func (c *Client) Unreact(ctx context.Context, t Thread, mid string) error {
	if err := validToken("payload.message_id", mid); err != nil {
		return err
	}
	return c.action(ctx, t, actionUnreact, &wireReaction{MessageID: mid})
}

func (c *Client) action(ctx context.Context, t Thread, a SenderAction, p *wireReaction) error {
	if err := validToken("recipient.id", t.UserID); err != nil {
		return err
	}
	if err := c.CheckWindow(t, ""); err != nil {
		return err
	}
	if err := c.budgets.take(budgetText, c.now()); err != nil {
		return err
	}
	_, err := c.post(ctx, "sender action", wireSend{Recipient: wireRecipient{ID: t.UserID}, SenderAction: a, Payload: p})
	return err
}

// PrivateReply sends m as the one private reply to a comment (recipient
// comment_id): it checks the private-reply window (see
// [Client.CheckPrivateReplyWindow]), takes the comment's claim (or fails
// with [ErrPrivateReplyUsed]), and spends the private-reply budget. When
// Meta rejects the reply (a 4xx answer) the claim is released so the reply
// may be tried again; when the outcome is unknown (a transport failure or a
// 5xx answer) the claim stays taken, so a comment is never answered twice.
func (c *Client) PrivateReply(ctx context.Context, ref CommentRef, m Message) (*SendResult, error) {
	if ctx == nil {
		return nil, errors.New("instagram: private reply: nil context")
	}
	if err := m.validate(c.stack); err != nil {
		return nil, err
	}
	switch {
	case m.Tag != "":
		return nil, invalid("tag", "private replies are not tagged")
	case m.ReplyTo != "":
		return nil, invalid("reply_to", "private replies answer a comment, not a message")
	}
	if err := c.CheckPrivateReplyWindow(ref); err != nil {
		return nil, err
	}
	ok, err := c.claims.Claim(ctx, ref.ID)
	if err != nil {
		return nil, fmt.Errorf("instagram: private reply: claim: %w", err)
	}
	if !ok {
		return nil, ErrPrivateReplyUsed
	}
	release := func() {
		// The claim's release is best effort; a stuck claim errs on the side
		// of never replying twice.
		_ = c.claims.Release(context.WithoutCancel(ctx), ref.ID)
	}
	if err := c.budgets.take(budgetPrivate, c.now()); err != nil {
		release()
		return nil, err
	}
	body := wireSend{Recipient: wireRecipient{CommentID: ref.ID}, Message: m.wire(c.stamp(m.Label))}
	c.messagingType(&body, "")
	res, err := c.post(ctx, "private reply", body)
	if err != nil {
		var me *meta.Error
		if errors.As(err, &me) {
			if me.Code == codeAlreadyReplied {
				// Meta already has a private reply for this comment (sent
				// outside this claim store): keep the claim.
				return nil, fmt.Errorf("%w: %w", ErrPrivateReplyUsed, err)
			}
			if me.HTTPStatus < 500 {
				// A 4xx answer proves Meta rejected the reply; a 5xx leaves
				// the outcome unknown, so the claim stays.
				release()
			}
		}
		return nil, err
	}
	return res, nil
}

func (c *Client) stamp(label string) string {
	if label == "" {
		label = c.label
	}
	return Stamp(label)
}

// messagingType fills messaging_type: Messenger requires it on every send;
// Instagram only with a tag.
func (c *Client) messagingType(b *wireSend, tag Tag) {
	switch {
	case tag != "":
		b.MessagingType, b.Tag = "MESSAGE_TAG", tag
	case c.stack == Messenger:
		b.MessagingType = "RESPONSE"
	}
}

func (c *Client) post(ctx context.Context, op string, body wireSend) (*SendResult, error) {
	var res SendResult
	if _, err := c.mc.Post(c.keyed(ctx), c.accountID+"/messages", body, &res); err != nil {
		return nil, fmt.Errorf("instagram: %s: %w", op, err)
	}
	return &res, nil
}

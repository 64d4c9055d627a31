package instagram

import (
	"context"
	"fmt"
)

// HandoverEvent is a change of thread control between apps (the handover
// protocol): Action is "pass_thread_control", "take_thread_control" or
// "request_thread_control".
type HandoverEvent struct {
	Action string
	// NewOwnerAppID is the app that now controls the thread (pass).
	NewOwnerAppID string
	// PreviousOwnerAppID is the app that lost control (take).
	PreviousOwnerAppID string
	// RequestedOwnerAppID is the app asking for control (request).
	RequestedOwnerAppID string
	Metadata            string
}

// PassThreadControl hands the thread with userID to the app targetAppID
// (e.g. Meta's Page Inbox, 263902037430900) with optional metadata. The
// handover protocol exists for Pages (Messenger) and Instagram with
// Facebook Login.
func (c *Client) PassThreadControl(ctx context.Context, userID, targetAppID, metadata string) error {
	if err := validID("target_app_id", targetAppID); err != nil {
		return err
	}
	return c.handover(ctx, "pass_thread_control", userID, targetAppID, metadata)
}

// TakeThreadControl takes the thread with userID back (the primary
// receiver only).
func (c *Client) TakeThreadControl(ctx context.Context, userID, metadata string) error {
	return c.handover(ctx, "take_thread_control", userID, "", metadata)
}

// RequestThreadControl asks the app controlling the thread to pass it.
func (c *Client) RequestThreadControl(ctx context.Context, userID, metadata string) error {
	return c.handover(ctx, "request_thread_control", userID, "", metadata)
}

func (c *Client) handover(ctx context.Context, action, userID, targetAppID, metadata string) error {
	if c.stack == InstagramLogin {
		return fmt.Errorf("%w: the handover protocol needs a Page (Messenger or Facebook Login)", ErrUnsupported)
	}
	if err := validToken("recipient.id", userID); err != nil {
		return err
	}
	if len(metadata) > MaxMetadata {
		return invalid("metadata", fmt.Sprintf("longer than %d characters", MaxMetadata))
	}
	body := struct {
		Recipient   wireRecipient `json:"recipient"`
		TargetAppID string        `json:"target_app_id,omitempty"`
		Metadata    string        `json:"metadata,omitempty"`
	}{wireRecipient{ID: userID}, targetAppID, metadata}
	var out struct {
		Success bool `json:"success"`
	}
	if _, err := c.mc.Post(c.keyed(ctx), c.accountID+"/"+action, body, &out); err != nil {
		return fmt.Errorf("instagram: %s: %w", action, err)
	}
	if !out.Success {
		return fmt.Errorf("instagram: %s: Meta did not confirm", action)
	}
	return nil
}

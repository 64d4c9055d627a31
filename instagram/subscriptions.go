package instagram

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/botsync/botsync/meta"
)

// Webhook fields an Instagram account can subscribe to (both logins).
var InstagramFields = []string{
	"comments", "live_comments", "mentions", "messages", "message_edit", "message_reactions",
	"messaging_handover", "messaging_optins", "messaging_postbacks", "messaging_referral",
	"messaging_seen", "standby", "story_insights",
}

// Webhook fields a Page can subscribe to for Messenger.
var PageFields = []string{
	"feed", "mention", "message_deliveries", "message_echoes", "message_edits", "message_reactions",
	"message_reads", "messages", "messaging_account_linking", "messaging_handovers", "messaging_optins",
	"messaging_policy_enforcement", "messaging_postbacks", "messaging_referrals", "standby",
}

// SubscribedApp is an app subscribed to the account's webhooks.
type SubscribedApp struct {
	ID               string   `json:"id"`
	Name             string   `json:"name"`
	SubscribedFields []string `json:"subscribed_fields"`
}

func (c *Client) knownFields() []string {
	if c.stack == InstagramLogin {
		return InstagramFields
	}
	if c.stack == FacebookLogin {
		// Instagram messaging over Facebook Login is delivered through the
		// Page subscription.
		return append(slices.Clone(PageFields), InstagramFields...)
	}
	return PageFields
}

// Subscribe subscribes the app to the account's webhook fields
// (/{account}/subscribed_apps). Unknown fields are rejected locally, naming
// the field.
func (c *Client) Subscribe(ctx context.Context, fields ...string) error {
	if len(fields) == 0 {
		return invalid("subscribed_fields", "at least one field")
	}
	known := c.knownFields()
	for i, f := range fields {
		if !slices.Contains(known, f) {
			return invalid(fmt.Sprintf("subscribed_fields[%d]", i), fmt.Sprintf("unknown field for %s", c.stack))
		}
	}
	var out struct {
		Success bool `json:"success"`
	}
	q := url.Values{"subscribed_fields": {strings.Join(fields, ",")}}
	if _, err := c.mc.Post(meta.WithIdempotent(c.keyed(ctx)), c.accountID+"/subscribed_apps", q, &out); err != nil {
		return fmt.Errorf("instagram: subscribe: %w", err)
	}
	if !out.Success {
		return fmt.Errorf("instagram: subscribe: Meta did not confirm the subscription")
	}
	return nil
}

// SubscribedApps lists the apps subscribed to the account and their fields.
func (c *Client) SubscribedApps(ctx context.Context) ([]SubscribedApp, error) {
	var out struct {
		Data []SubscribedApp `json:"data"`
	}
	if _, err := c.mc.Get(c.keyed(ctx), c.accountID+"/subscribed_apps", nil, &out); err != nil {
		return nil, fmt.Errorf("instagram: subscribed apps: %w", err)
	}
	return out.Data, nil
}

// Unsubscribe removes the app's subscription to the account.
func (c *Client) Unsubscribe(ctx context.Context) error {
	if _, err := c.mc.Delete(c.keyed(ctx), c.accountID+"/subscribed_apps", nil); err != nil {
		return fmt.Errorf("instagram: unsubscribe: %w", err)
	}
	return nil
}

package instagram

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	"github.com/botsync/botsync/meta"
	"github.com/botsync/botsync/secret"
)

// Profile is a user's profile as the account may see it: on Instagram the
// Instagram-scoped profile (name, username, picture, follower count, follow
// relations), on Messenger the Page-scoped one (first and last name,
// picture). Names are PII and redact when printed or logged.
type Profile struct {
	ID                   string     `json:"id"`
	Name                 secret.PII `json:"name"`
	Username             secret.PII `json:"username"`
	FirstName            secret.PII `json:"first_name"`
	LastName             secret.PII `json:"last_name"`
	ProfilePic           string     `json:"profile_pic"`
	FollowerCount        int        `json:"follower_count"`
	IsUserFollowBusiness bool       `json:"is_user_follow_business"`
	IsBusinessFollowUser bool       `json:"is_business_follow_user"`
	IsVerifiedUser       bool       `json:"is_verified_user"`
}

// Profile fields the client asks for.
const (
	InstagramProfileFields = "name,username,profile_pic,follower_count,is_user_follow_business,is_business_follow_user,is_verified_user"
	MessengerProfileFields = "first_name,last_name,profile_pic"
)

// Profile returns the profile of the user userID (IGSID or PSID). A user
// who has not messaged the account yet has not consented: the error then
// matches [ErrNoConsent] (and wraps the [*meta.Error]).
func (c *Client) Profile(ctx context.Context, userID string) (*Profile, error) {
	if err := validID("user id", userID); err != nil {
		return nil, err
	}
	fields := InstagramProfileFields
	if c.stack == Messenger {
		fields = MessengerProfileFields
	}
	var p Profile
	if _, err := c.mc.Get(c.keyed(ctx), userID, url.Values{"fields": {fields}}, &p); err != nil {
		var me *meta.Error
		if errors.As(err, &me) && isNoConsent(me) {
			return nil, fmt.Errorf("instagram: profile: %w: %w", ErrNoConsent, err)
		}
		return nil, fmt.Errorf("instagram: profile: %w", err)
	}
	return &p, nil
}

// isNoConsent recognises Meta's "User consent is required to access user
// profile" (code 230; subcode 2534014 on Instagram).
func isNoConsent(e *meta.Error) bool {
	return e.Code == 230 || e.Subcode == 2534014
}

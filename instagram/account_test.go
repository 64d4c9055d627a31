package instagram_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/instagram"
	"github.com/botsync/botsync/instagram/instagramtest"
	"github.com/botsync/botsync/meta"
)

func TestProfile(t *testing.T) {
	t.Parallel()
	f := instagramtest.New(t)
	f.AddProfile(igUser, map[string]any{"id": igUser, "name": "Asha Verma", "username": "aspirant_2027", "profile_pic": "https://cdn.example.com/p.jpg",
		"follower_count": 312, "is_user_follow_business": true, "is_business_follow_user": false, "is_verified_user": false})
	c := f.Client(t, instagram.InstagramLogin, igAccount)
	p, err := c.Profile(t.Context(), igUser)
	require.NoError(t, err)
	assert.Equal(t, "Asha Verma", p.Name.Reveal())
	assert.Equal(t, "aspirant_2027", p.Username.Reveal())
	assert.Equal(t, 312, p.FollowerCount)
	assert.True(t, p.IsUserFollowBusiness)
	assert.Equal(t, "https://cdn.example.com/p.jpg", p.ProfilePic)
	assert.NotContains(t, fmt.Sprintf("%v %+v", p, *p), "Asha", "names redact when printed")
	r := lastRequest(t, f.IG)
	assert.Equal(t, instagram.InstagramProfileFields, r.Query.Get("fields"))

	_, err = c.Profile(t.Context(), "999999")
	require.ErrorIs(t, err, instagram.ErrNoConsent)
	var me *meta.Error
	require.ErrorAs(t, err, &me)
	assert.Equal(t, instagramtest.CodeNoConsent, me.Code)

	_, err = c.Profile(t.Context(), "")
	require.ErrorIs(t, err, instagram.ErrInvalid)
}

func TestProfileMessenger(t *testing.T) {
	t.Parallel()
	f := instagramtest.New(t)
	f.AddProfile(psid, map[string]any{"id": psid, "first_name": "Rohan", "last_name": "Iyer", "profile_pic": "https://cdn.example.com/r.jpg"})
	c := f.Client(t, instagram.Messenger, pageID)
	p, err := c.Profile(t.Context(), psid)
	require.NoError(t, err)
	assert.Equal(t, "Rohan", p.FirstName.Reveal())
	assert.Equal(t, "Iyer", p.LastName.Reveal())
	assert.Equal(t, instagram.MessengerProfileFields, lastRequest(t, f.FB).Query.Get("fields"))
}

func TestConversationSettings(t *testing.T) {
	t.Parallel()
	settings := instagram.ConversationSettings{
		IceBreakers: []instagram.IceBreakers{
			{Locale: "default", Questions: []instagram.IceBreaker{{Question: "What are the fees?", Payload: "FEES"}, {Question: "When does the batch start?", Payload: "START"}}},
			{Locale: "hi_IN", Questions: []instagram.IceBreaker{{Question: "फीस कितनी है?", Payload: "FEES"}}},
		},
		PersistentMenu: []instagram.PersistentMenu{{Locale: "default", Items: []instagram.MenuItem{
			{Type: instagram.ButtonPostback, Title: "Talk to a counsellor", Payload: "HANDOFF"},
			{Type: instagram.ButtonURL, Title: "Website", URL: "https://example.com"},
		}}},
	}
	for _, stack := range []instagram.Stack{instagram.InstagramLogin, instagram.FacebookLogin, instagram.Messenger} {
		t.Run(stack.String(), func(t *testing.T) {
			t.Parallel()
			f := instagramtest.New(t)
			c := f.Client(t, stack, accountFor(stack))
			s := settings
			if stack == instagram.Messenger {
				s.GetStarted = &instagram.GetStarted{Payload: "GET_STARTED"}
			}
			require.NoError(t, c.SetConversationSettings(t.Context(), s))
			golden(t, stack.String()+"/conversation_settings", lastRequest(t, f.Server(stack)))
			got, err := c.ConversationSettings(t.Context())
			require.NoError(t, err)
			assert.Equal(t, s, *got)
			require.NoError(t, c.DeleteConversationSettings(t.Context(), instagram.FieldIceBreakers))
			got, err = c.ConversationSettings(t.Context())
			require.NoError(t, err)
			assert.Empty(t, got.IceBreakers)
			assert.Len(t, got.PersistentMenu, 1)
		})
	}
}

func TestConversationSettingsValidation(t *testing.T) {
	t.Parallel()
	five := make([]instagram.IceBreaker, 5)
	for i := range five {
		five[i] = instagram.IceBreaker{Question: "Q?", Payload: "P"}
	}
	tests := []struct {
		name  string
		stack instagram.Stack
		s     instagram.ConversationSettings
		field string
	}{
		{"empty", instagram.InstagramLogin, instagram.ConversationSettings{}, "settings"},
		{"five ice breakers", instagram.InstagramLogin, instagram.ConversationSettings{IceBreakers: []instagram.IceBreakers{{Locale: "default", Questions: five}}}, "ice_breakers[0].call_to_actions"},
		{"no locale", instagram.InstagramLogin, instagram.ConversationSettings{IceBreakers: []instagram.IceBreakers{{Questions: five[:1]}}}, "ice_breakers[0].locale"},
		{"duplicate locale", instagram.InstagramLogin, instagram.ConversationSettings{IceBreakers: []instagram.IceBreakers{{Locale: "default", Questions: five[:1]}, {Locale: "default", Questions: five[:1]}}}, "ice_breakers[1].locale"},
		{"long question", instagram.InstagramLogin, instagram.ConversationSettings{IceBreakers: []instagram.IceBreakers{{Locale: "default", Questions: []instagram.IceBreaker{{Question: strings.Repeat("q", 81), Payload: "p"}}}}}, "ice_breakers[0].call_to_actions[0].question"},
		{"menu item type", instagram.Messenger, instagram.ConversationSettings{PersistentMenu: []instagram.PersistentMenu{{Locale: "default", Items: []instagram.MenuItem{{Type: instagram.ButtonCall, Title: "Call"}}}}}, "persistent_menu[0].call_to_actions[0].type"},
		{"get started payload", instagram.Messenger, instagram.ConversationSettings{GetStarted: &instagram.GetStarted{}}, "get_started.payload"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := instagramtest.New(t)
			c := f.Client(t, tt.stack, accountFor(tt.stack))
			err := c.SetConversationSettings(t.Context(), tt.s)
			var fe *instagram.FieldError
			require.ErrorAs(t, err, &fe)
			assert.Equal(t, tt.field, fe.Field)
			assert.Empty(t, f.Server(tt.stack).Requests())
		})
	}
	f := instagramtest.New(t)
	c := f.Client(t, instagram.InstagramLogin, igAccount)
	require.ErrorIs(t, c.SetConversationSettings(t.Context(), instagram.ConversationSettings{GetStarted: &instagram.GetStarted{Payload: "GO"}}), instagram.ErrUnsupported)
	require.ErrorIs(t, c.DeleteConversationSettings(t.Context(), instagram.FieldGetStarted), instagram.ErrUnsupported)
	require.ErrorIs(t, c.DeleteConversationSettings(t.Context()), instagram.ErrInvalid)
	require.ErrorIs(t, c.DeleteConversationSettings(t.Context(), "greeting"), instagram.ErrInvalid)
}

func TestSubscriptions(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		stack  instagram.Stack
		fields []string
	}{
		{instagram.InstagramLogin, []string{"comments", "live_comments", "mentions", "messages", "messaging_postbacks"}},
		{instagram.FacebookLogin, []string{"messages", "comments"}},
		{instagram.Messenger, []string{"messages", "messaging_postbacks", "message_reads", "feed"}},
	} {
		t.Run(tc.stack.String(), func(t *testing.T) {
			t.Parallel()
			f := instagramtest.New(t)
			c := f.Client(t, tc.stack, accountFor(tc.stack))
			require.NoError(t, c.Subscribe(t.Context(), tc.fields...))
			golden(t, tc.stack.String()+"/subscribe", lastRequest(t, f.Server(tc.stack)))
			apps, err := c.SubscribedApps(t.Context())
			require.NoError(t, err)
			require.Len(t, apps, 1)
			assert.Equal(t, tc.fields, apps[0].SubscribedFields)
			require.NoError(t, c.Unsubscribe(t.Context()))
			apps, err = c.SubscribedApps(t.Context())
			require.NoError(t, err)
			assert.Empty(t, apps)
		})
	}
	f := instagramtest.New(t)
	c := f.Client(t, instagram.InstagramLogin, igAccount)
	var fe *instagram.FieldError
	require.ErrorAs(t, c.Subscribe(t.Context(), "messages", "feed"), &fe)
	assert.Equal(t, "subscribed_fields[1]", fe.Field)
	require.ErrorIs(t, c.Subscribe(t.Context()), instagram.ErrInvalid)
}

func TestInsights(t *testing.T) {
	t.Parallel()
	f := instagramtest.New(t)
	f.AddInsights(igAccount, []map[string]any{
		{"name": "reach", "period": "day", "title": "Reach", "id": igAccount + "/insights/reach/day",
			"values": []map[string]any{{"value": 120, "end_time": "2026-05-31T07:00:00+0000"}, {"value": 340, "end_time": "2026-06-01T07:00:00+0000"}}},
		{"name": "online_followers", "period": "lifetime", "values": []map[string]any{{"value": map[string]int{"0": 12, "1": 9}, "end_time": "2026-06-01T07:00:00+0000"}}},
		{"name": "accounts_engaged", "period": "day", "total_value": map[string]any{"value": 88}},
	})
	f.AddInsights(mediaID, []map[string]any{{"name": "views", "period": "lifetime", "values": []map[string]any{{"value": 15200}}}})
	c := f.Client(t, instagram.InstagramLogin, igAccount)
	ins, err := c.AccountInsights(t.Context(), instagram.InsightsQuery{
		Metrics: []string{"reach", "online_followers", "accounts_engaged"},
		Since:   time.Date(2026, 5, 30, 0, 0, 0, 0, time.UTC), Until: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC),
	})
	require.NoError(t, err)
	require.Len(t, ins, 3)
	assert.Equal(t, int64(340), ins[0].Values[1].Value)
	assert.Equal(t, time.Date(2026, 6, 1, 7, 0, 0, 0, time.UTC), ins[0].Values[1].EndTime)
	assert.JSONEq(t, `{"0":12,"1":9}`, string(ins[1].Values[0].Raw))
	require.NotNil(t, ins[2].Total)
	assert.Equal(t, int64(88), ins[2].Total.Value)
	golden(t, "instagram_login/account_insights", lastRequest(t, f.IG))

	media, err := c.MediaInsights(t.Context(), mediaID, "views")
	require.NoError(t, err)
	assert.Equal(t, int64(15200), media[0].Values[0].Value)

	var fe *instagram.FieldError
	_, err = c.AccountInsights(t.Context(), instagram.InsightsQuery{})
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, "metric", fe.Field)
	_, err = c.AccountInsights(t.Context(), instagram.InsightsQuery{Metrics: []string{"reach"}, Period: "hour"})
	require.ErrorIs(t, err, instagram.ErrInvalid)
	_, err = c.AccountInsights(t.Context(), instagram.InsightsQuery{Metrics: []string{"reach&x=1"}})
	require.ErrorIs(t, err, instagram.ErrInvalid)
	_, err = c.AccountInsights(t.Context(), instagram.InsightsQuery{Metrics: []string{"reach"}, Since: time.Unix(10, 0), Until: time.Unix(5, 0)})
	require.ErrorIs(t, err, instagram.ErrInvalid)
	_, err = c.MediaInsights(t.Context(), mediaID)
	require.ErrorIs(t, err, instagram.ErrInvalid)
}

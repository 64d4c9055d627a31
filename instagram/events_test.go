package instagram_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/instagram"
	"github.com/botsync/botsync/meta"
	"github.com/botsync/botsync/meta/metatest"
)

func parseOne(t *testing.T, body []byte) instagram.Event {
	t.Helper()
	evs, err := instagram.ParseWebhook(body)
	require.NoError(t, err)
	require.Len(t, evs, 1)
	return evs[0]
}

func TestParseWebhookFixtures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		fixture string
		kind    instagram.Kind
		check   func(t *testing.T, ev instagram.Event)
	}{
		{"instagram/message.json", instagram.KindMessage, func(t *testing.T, ev instagram.Event) {
			assert.Equal(t, igUser, ev.SenderID)
			assert.Equal(t, igAccount, ev.RecipientID)
			assert.Equal(t, igAccount, ev.AccountID)
			assert.Equal(t, meta.ObjectInstagram, ev.Object)
			assert.Equal(t, "What are the fees for the NEET batch?", ev.Message.Text)
			assert.Equal(t, time.UnixMilli(1750091700000).UTC(), ev.Time)
			assert.True(t, strings.HasPrefix(ev.DedupKey, "mid:"))
		}},
		{"instagram/message_attachment.json", instagram.KindMessage, func(t *testing.T, ev instagram.Event) {
			require.Len(t, ev.Message.Attachments, 1)
			assert.Equal(t, "image", ev.Message.Attachments[0].Type)
			assert.Contains(t, ev.Message.Attachments[0].URL, "lookaside.fbsbx.com")
		}},
		{"instagram/echo.json", instagram.KindEcho, func(t *testing.T, ev instagram.Event) {
			assert.True(t, ev.Message.IsEcho)
			assert.Equal(t, "botsync:v1:rule-17", ev.Message.Metadata)
			assert.True(t, ev.OwnEcho())
		}},
		{"instagram/quick_reply.json", instagram.KindMessage, func(t *testing.T, ev instagram.Event) {
			assert.Equal(t, "BATCH_MORNING", ev.Message.QuickReplyPayload)
		}},
		{"instagram/reaction.json", instagram.KindReaction, func(t *testing.T, ev instagram.Event) {
			assert.Equal(t, "react", ev.Reaction.Action)
			assert.Equal(t, "love", ev.Reaction.Reaction)
			assert.Equal(t, "\u2764\ufe0f", ev.Reaction.Emoji)
			assert.NotEmpty(t, ev.Reaction.MID)
		}},
		{"instagram/postback.json", instagram.KindPostback, func(t *testing.T, ev instagram.Event) {
			assert.Equal(t, "HANDOFF", ev.Postback.Payload)
			assert.Equal(t, "Talk to a counsellor", ev.Postback.Title)
		}},
		{"instagram/read.json", instagram.KindRead, func(t *testing.T, ev instagram.Event) {
			assert.NotEmpty(t, ev.Read.MID)
		}},
		{"instagram/story_reply.json", instagram.KindMessage, func(t *testing.T, ev instagram.Event) {
			require.NotNil(t, ev.Message.ReplyTo)
			assert.Equal(t, "18012345678901234", ev.Message.ReplyTo.StoryID)
			assert.Contains(t, ev.Message.ReplyTo.StoryURL, "asset_id=18012345678901234")
		}},
		{"instagram/story_mention.json", instagram.KindMessage, func(t *testing.T, ev instagram.Event) {
			u, ok := ev.Message.StoryMention()
			assert.True(t, ok)
			assert.Contains(t, u, "asset_id=18023456789012345")
		}},
		{"instagram/message_edit.json", instagram.KindEdit, func(t *testing.T, ev instagram.Event) {
			assert.Equal(t, 1, ev.Edit.NumEdit)
			assert.Equal(t, "What are the fees for the JEE batch?", ev.Edit.Text)
		}},
		{"instagram/unsend.json", instagram.KindUnsend, func(t *testing.T, ev instagram.Event) {
			assert.True(t, ev.Message.IsDeleted)
			assert.NotEmpty(t, ev.Message.MID)
		}},
		{"instagram/comment.json", instagram.KindComment, func(t *testing.T, ev instagram.Event) {
			c := ev.Comment
			assert.Equal(t, "17865799348012345", c.ID)
			assert.Equal(t, "Fees kitni hai? 🙏", c.Text)
			assert.Equal(t, instagram.User{ID: "1263543048474829", Username: "aspirant_2027"}, c.From)
			assert.Equal(t, "18068133556012345", c.MediaID)
			assert.Equal(t, "REELS", c.MediaProductType)
			assert.False(t, c.Live)
			assert.Equal(t, time.Unix(1750091800, 0).UTC(), c.Time)
			assert.Equal(t, "comment:17865799348012345", ev.DedupKey)
		}},
		{"instagram/comment_reply.json", instagram.KindComment, func(t *testing.T, ev instagram.Event) {
			assert.Equal(t, "17865799348012345", ev.Comment.ParentID)
		}},
		{"instagram/live_comment.json", instagram.KindLiveComment, func(t *testing.T, ev instagram.Event) {
			assert.True(t, ev.Comment.Live)
			ref := ev.Comment.Ref(true)
			assert.True(t, ref.Live)
			assert.True(t, ref.BroadcastEnded)
		}},
		{"instagram/mention.json", instagram.KindMention, func(t *testing.T, ev instagram.Event) {
			assert.Equal(t, instagram.Mention{MediaID: "18068133556054321", CommentID: "17865799348054321"}, *ev.Mention)
		}},
		{"messenger/message.json", instagram.KindMessage, func(t *testing.T, ev instagram.Event) {
			assert.Equal(t, meta.ObjectPage, ev.Object)
			assert.Equal(t, psid, ev.SenderID)
			assert.Equal(t, "Do you deliver to Pune?", ev.Message.Text)
		}},
		{"messenger/message_attachment.json", instagram.KindMessage, func(t *testing.T, ev instagram.Event) {
			require.Len(t, ev.Message.Attachments, 1)
		}},
		{"messenger/postback.json", instagram.KindPostback, func(t *testing.T, ev instagram.Event) {
			require.NotNil(t, ev.Postback.Referral)
			assert.Equal(t, "winter-sale", ev.Postback.Referral.Ref)
			assert.Equal(t, "SHORTLINK", ev.Postback.Referral.Source)
		}},
		{"messenger/read.json", instagram.KindRead, func(t *testing.T, ev instagram.Event) {
			assert.Equal(t, time.UnixMilli(1750091950000).UTC(), ev.Read.Watermark)
		}},
		{"messenger/standby.json", instagram.KindMessage, func(t *testing.T, ev instagram.Event) {
			assert.True(t, ev.Standby)
			assert.Equal(t, "standby", ev.Field)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			t.Parallel()
			ev := parseOne(t, metatest.Fixture(tt.fixture))
			assert.Equal(t, tt.kind, ev.Kind)
			assert.NotEmpty(t, ev.Raw)
			assert.NotEmpty(t, ev.DedupKey)
			tt.check(t, ev)
		})
	}
}

func TestEveryFixtureParses(t *testing.T) {
	t.Parallel()
	for _, name := range metatest.Fixtures() {
		if !strings.HasPrefix(name, "instagram/") && !strings.HasPrefix(name, "messenger/") {
			continue
		}
		evs, err := instagram.ParseWebhook(metatest.Fixture(name))
		require.NoError(t, err, name)
		for _, ev := range evs {
			assert.NotEqual(t, instagram.KindUnknown, ev.Kind, name)
		}
	}
}

func webhook(object, entryID string, messaging, changes string) []byte {
	e := fmt.Sprintf(`{"id":%q,"time":1750091800`, entryID)
	if messaging != "" {
		e += `,"messaging":[` + messaging + `]`
	}
	if changes != "" {
		e += `,"changes":[` + changes + `]`
	}
	return []byte(fmt.Sprintf(`{"object":%q,"entry":[%s}]}`, object, e))
}

func TestParseWebhookShapes(t *testing.T) {
	t.Parallel()
	const route = `"sender":{"id":"1263543048474829"},"recipient":{"id":"17841405822304914"},"timestamp":1750091700000`
	tests := []struct {
		name  string
		body  []byte
		kind  instagram.Kind
		check func(t *testing.T, ev instagram.Event)
	}{
		{"ad referral message", webhook("instagram", igAccount, `{`+route+`,"message":{"mid":"m1","text":"Interested","referral":{"ref":"","ad_id":"120210000000000001","source":"ADS","type":"OPEN_THREAD","ads_context_data":{"ad_title":"NEET crash course","photo_url":"https://cdn.example.com/ad.jpg","post_id":"18000000000000001"}}}}`, ""),
			instagram.KindMessage, func(t *testing.T, ev instagram.Event) {
				r := ev.Message.Referral
				require.NotNil(t, r)
				assert.Equal(t, "120210000000000001", r.AdID)
				assert.Equal(t, "ADS", r.Source)
				assert.Equal(t, "NEET crash course", r.AdTitle)
				assert.Equal(t, "18000000000000001", r.PostID)
			}},
		{"shared reel", webhook("instagram", igAccount, `{`+route+`,"message":{"mid":"m2","attachments":[{"type":"ig_reel","payload":{"url":"https://lookaside.example/reel","title":"Day 1","reel_video_id":18099999999999999}}]}}`, ""),
			instagram.KindMessage, func(t *testing.T, ev instagram.Event) {
				a, ok := ev.Message.Shared()
				require.True(t, ok)
				assert.Equal(t, "ig_reel", a.Type)
				assert.Equal(t, "18099999999999999", a.ReelVideoID, "numeric ids are read as strings")
				assert.Equal(t, "Day 1", a.Title)
			}},
		{"shared post", webhook("instagram", igAccount, `{`+route+`,"message":{"mid":"m3","attachments":[{"type":"share","payload":{"url":"https://lookaside.example/post"}}]}}`, ""),
			instagram.KindMessage, func(t *testing.T, ev instagram.Event) {
				a, ok := ev.Message.Shared()
				require.True(t, ok)
				assert.Equal(t, "https://lookaside.example/post", a.URL)
			}},
		{"reply to message", webhook("instagram", igAccount, `{`+route+`,"message":{"mid":"m4","text":"this one","reply_to":{"mid":"m0"}}}`, ""),
			instagram.KindMessage, func(t *testing.T, ev instagram.Event) { assert.Equal(t, "m0", ev.Message.ReplyTo.MID) }},
		{"echo from a human", webhook("instagram", igAccount, `{`+route+`,"message":{"mid":"m5","text":"typed in app","is_echo":true,"app_id":1217981644879628}}`, ""),
			instagram.KindEcho, func(t *testing.T, ev instagram.Event) {
				assert.False(t, ev.OwnEcho())
				assert.Equal(t, "1217981644879628", ev.Message.AppID)
			}},
		{"optin", webhook("page", pageID, `{`+route+`,"optin":{"type":"notification_messages","payload":"DEALS","notification_messages_token":"tok123"}}`, ""),
			instagram.KindOptin, func(t *testing.T, ev instagram.Event) {
				assert.Equal(t, "DEALS", ev.Optin.Payload)
				assert.Equal(t, "tok123", ev.Optin.Token)
			}},
		{"referral", webhook("page", pageID, `{`+route+`,"referral":{"ref":"qr-stall-4","source":"SHORTLINK","type":"OPEN_THREAD"}}`, ""),
			instagram.KindReferral, func(t *testing.T, ev instagram.Event) { assert.Equal(t, "qr-stall-4", ev.Referral.Ref) }},
		{"unreact", webhook("instagram", igAccount, `{`+route+`,"reaction":{"mid":"m1","action":"unreact"}}`, ""),
			instagram.KindReaction, func(t *testing.T, ev instagram.Event) { assert.Equal(t, "unreact", ev.Reaction.Action) }},
		{"ad comment", webhook("instagram", igAccount, "", `{"field":"comments","value":{"id":"c9","text":"link?","from":{"id":"u1","username":"x"},"media":{"id":"m1","media_product_type":"AD"},"ad_id":"120210000000000002","ad_title":"Diwali sale"}}`),
			instagram.KindComment, func(t *testing.T, ev instagram.Event) {
				assert.Equal(t, "120210000000000002", ev.Comment.AdID)
				assert.Equal(t, "Diwali sale", ev.Comment.AdTitle)
			}},
		{"page feed comment", webhook("page", pageID, "", `{"field":"feed","value":{"from":{"id":"6783451234567890","name":"Rohan Iyer"},"item":"comment","comment_id":"107656651234567_1122334455","post_id":"107656651234567_998877","parent_id":"107656651234567_998877","verb":"add","created_time":1750091790,"message":"Price?"}}`),
			instagram.KindComment, func(t *testing.T, ev instagram.Event) {
				c := ev.Comment
				assert.Equal(t, "107656651234567_1122334455", c.ID)
				assert.Equal(t, "107656651234567_998877", c.MediaID)
				assert.Empty(t, c.ParentID, "a top-level comment's parent is the post")
				assert.Equal(t, "Price?", c.Text)
				assert.Equal(t, psid, c.From.ID)
				assert.Equal(t, time.Unix(1750091790, 0).UTC(), c.Time)
			}},
		{"page feed reply comment", webhook("page", pageID, "", `{"field":"feed","value":{"item":"comment","comment_id":"p_2","post_id":"p_1","parent_id":"p_c1","verb":"add","message":"me too"}}`),
			instagram.KindComment, func(t *testing.T, ev instagram.Event) { assert.Equal(t, "p_c1", ev.Comment.ParentID) }},
		{"page feed like", webhook("page", pageID, "", `{"field":"feed","value":{"item":"reaction","verb":"add","post_id":"p_1"}}`),
			instagram.KindUnknown, func(t *testing.T, ev instagram.Event) { assert.Nil(t, ev.Comment) }},
		{"pass thread control", webhook("page", pageID, `{`+route+`,"pass_thread_control":{"new_owner_app_id":"263902037430900","metadata":"needs a human"}}`, ""),
			instagram.KindHandover, func(t *testing.T, ev instagram.Event) {
				assert.Equal(t, instagram.HandoverEvent{Action: "pass_thread_control", NewOwnerAppID: "263902037430900", Metadata: "needs a human"}, *ev.Handover)
			}},
		{"take thread control", webhook("page", pageID, `{`+route+`,"take_thread_control":{"previous_owner_app_id":123456789,"metadata":"bot resumes"}}`, ""),
			instagram.KindHandover, func(t *testing.T, ev instagram.Event) {
				assert.Equal(t, "123456789", ev.Handover.PreviousOwnerAppID)
			}},
		{"unknown messaging", webhook("instagram", igAccount, `{`+route+`,"message_request":{"x":1}}`, ""),
			instagram.KindUnknown, func(t *testing.T, ev instagram.Event) { assert.Contains(t, string(ev.Raw), "message_request") }},
		{"unknown field", webhook("instagram", igAccount, "", `{"field":"story_insights","value":{"media_id":"1","reach":4}}`),
			instagram.KindUnknown, func(t *testing.T, ev instagram.Event) { assert.Equal(t, "story_insights", ev.Field) }},
		{"comment of the wrong shape", webhook("instagram", igAccount, "", `{"field":"comments","value":{"id":["not","an","id"]}}`),
			instagram.KindUnknown, func(t *testing.T, ev instagram.Event) { assert.Nil(t, ev.Comment) }},
		{"message of the wrong shape", webhook("instagram", igAccount, `{`+route+`,"message":"just a string"}`, ""),
			instagram.KindUnknown, func(t *testing.T, ev instagram.Event) { assert.Nil(t, ev.Message) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ev := parseOne(t, tt.body)
			assert.Equal(t, tt.kind, ev.Kind)
			tt.check(t, ev)
		})
	}
}

func TestParseWebhookMalformed(t *testing.T) {
	t.Parallel()
	for _, body := range []string{"", "[]", `{"object":"instagram"}`, `{"entry":[]}`, "{"} {
		_, err := instagram.ParseWebhook([]byte(body))
		require.ErrorIs(t, err, meta.ErrMalformedWebhook, body)
	}
	evs, err := instagram.ParseWebhook([]byte(`{"object":"instagram","entry":[]}`))
	require.NoError(t, err)
	assert.Empty(t, evs)
}

func TestParseWebhookBatch(t *testing.T) {
	t.Parallel()
	body := metatest.Batch(metatest.Fixture("instagram/message.json"), metatest.Fixture("instagram/comment.json"), metatest.Fixture("instagram/echo.json"))
	evs, err := instagram.ParseWebhook(body)
	require.NoError(t, err)
	kinds := make([]instagram.Kind, 0, len(evs))
	for _, ev := range evs {
		kinds = append(kinds, ev.Kind)
	}
	assert.Equal(t, []instagram.Kind{instagram.KindMessage, instagram.KindComment, instagram.KindEcho}, kinds)
}

func FuzzParseWebhook(f *testing.F) {
	for _, name := range metatest.Fixtures() {
		f.Add(metatest.Fixture(name))
	}
	f.Add([]byte(`{"object":"instagram","entry":[{"id":1,"changes":[{"field":"comments","value":{"id":7,"from":null}}]}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		evs, err := instagram.ParseWebhook(body)
		if err != nil {
			require.ErrorIs(t, err, meta.ErrMalformedWebhook)
			return
		}
		for _, ev := range evs {
			set := 0
			for _, p := range []bool{ev.Message != nil, ev.Edit != nil, ev.Reaction != nil, ev.Postback != nil, ev.Read != nil,
				ev.Optin != nil, ev.Referral != nil, ev.Handover != nil, ev.Comment != nil, ev.Mention != nil} {
				if p {
					set++
				}
			}
			if ev.Kind == instagram.KindUnknown {
				require.Zero(t, set)
			} else {
				require.Equal(t, 1, set, "kind %s", ev.Kind)
			}
			require.True(t, json.Valid(ev.Raw) || len(ev.Raw) == 0)
		}
	})
}

func BenchmarkParseWebhook100Comments(b *testing.B) {
	var changes []string
	for i := range 100 {
		changes = append(changes, fmt.Sprintf(`{"field":"comments","value":{"from":{"id":"12635430484%05d","username":"user_%d"},"media":{"id":"18068133556012345","media_product_type":"REELS"},"id":"178657993480%05d","text":"Fees kitni hai? price please 🙏 %d"}}`, i, i, i, i))
	}
	body := webhook("instagram", igAccount, "", strings.Join(changes, ","))
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		evs, err := instagram.ParseWebhook(body)
		if err != nil || len(evs) != 100 || evs[99].Kind != instagram.KindComment {
			b.Fatalf("parse: %v, %d events", err, len(evs))
		}
	}
}

package instagram_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/instagram"
	"github.com/botsync/botsync/instagram/instagramtest"
	"github.com/botsync/botsync/meta"
	"github.com/botsync/botsync/meta/metatest"
)

const (
	igAccount = "17841405822304914"
	pageID    = "107656651234567"
	igUser    = "1263543048474829"
	psid      = "6783451234567890"
)

var t0 = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

func fixedClock() func() time.Time { return func() time.Time { return t0 } }

func accountFor(stack instagram.Stack) string {
	if stack == instagram.InstagramLogin {
		return igAccount
	}
	return pageID
}

func lastRequest(t *testing.T, s *metatest.Server) metatest.RecordedRequest {
	t.Helper()
	r, ok := s.LastRequest()
	require.True(t, ok, "no request reached the fake")
	return r
}

func TestSendGolden(t *testing.T) {
	t.Parallel()
	open := instagram.Thread{UserID: igUser, LastUserMessage: t0.Add(-time.Hour)}
	tests := []struct {
		name  string
		stack instagram.Stack
		send  func(context.Context, *instagram.Client) error
	}{
		{"instagram_login/text", instagram.InstagramLogin, func(ctx context.Context, c *instagram.Client) error {
			_, err := c.SendText(ctx, open, "Hi! The NEET batch fee is Rs 85,000.")
			return err
		}},
		{"facebook_login/text", instagram.FacebookLogin, func(ctx context.Context, c *instagram.Client) error {
			_, err := c.SendText(ctx, open, "नमस्ते! फीस ₹85,000 है।")
			return err
		}},
		{"messenger/text", instagram.Messenger, func(ctx context.Context, c *instagram.Client) error {
			_, err := c.SendText(ctx, instagram.Thread{UserID: psid, LastUserMessage: t0.Add(-time.Hour)}, "Yes, we deliver to Pune.")
			return err
		}},
		{"instagram_login/image_url", instagram.InstagramLogin, func(ctx context.Context, c *instagram.Client) error {
			_, err := c.Send(ctx, open, instagram.Message{Media: &instagram.Media{Type: instagram.MediaImage, URL: "https://cdn.example.com/brochure.jpg", Reusable: true}})
			return err
		}},
		{"instagram_login/video_id", instagram.InstagramLogin, func(ctx context.Context, c *instagram.Client) error {
			_, err := c.Send(ctx, open, instagram.Message{Media: &instagram.Media{Type: instagram.MediaVideo, AttachmentID: "1857777774821032"}})
			return err
		}},
		{"messenger/audio_and_file", instagram.Messenger, func(ctx context.Context, c *instagram.Client) error {
			th := instagram.Thread{UserID: psid, LastUserMessage: t0.Add(-time.Hour)}
			if _, err := c.Send(ctx, th, instagram.Message{Media: &instagram.Media{Type: instagram.MediaAudio, URL: "https://cdn.example.com/a.mp3"}}); err != nil {
				return err
			}
			_, err := c.Send(ctx, th, instagram.Message{Media: &instagram.Media{Type: instagram.MediaFile, URL: "https://cdn.example.com/syllabus.pdf"}})
			return err
		}},
		{"instagram_login/quick_replies", instagram.InstagramLogin, func(ctx context.Context, c *instagram.Client) error {
			_, err := c.Send(ctx, open, instagram.Message{Text: "Which batch suits you?", QuickReplies: []instagram.QuickReply{
				{Title: "Morning", Payload: "BATCH_MORNING"},
				{Type: instagram.QuickReplyText, Title: "Evening", Payload: "BATCH_EVENING", ImageURL: "https://cdn.example.com/moon.png"},
				{Type: instagram.QuickReplyPhone},
				{Type: instagram.QuickReplyEmail},
			}})
			return err
		}},
		{"instagram_login/generic", instagram.InstagramLogin, func(ctx context.Context, c *instagram.Client) error {
			_, err := c.Send(ctx, open, instagram.Message{Generic: []instagram.Element{
				{Title: "NEET 2027", Subtitle: "12 months, Rs 85,000", ImageURL: "https://cdn.example.com/neet.jpg", DefaultURL: "https://example.com/neet",
					Buttons: []instagram.Button{{Type: instagram.ButtonURL, Title: "Details", URL: "https://example.com/neet"}, {Type: instagram.ButtonPostback, Title: "Enrol", Payload: "ENROL_NEET"}}},
				{Title: "JEE 2027", Buttons: []instagram.Button{{Type: instagram.ButtonPostback, Title: "Enrol", Payload: "ENROL_JEE"}}},
			}, Label: "rule-17"})
			return err
		}},
		{"messenger/buttons", instagram.Messenger, func(ctx context.Context, c *instagram.Client) error {
			_, err := c.Send(ctx, instagram.Thread{UserID: psid, LastUserMessage: t0.Add(-time.Hour)}, instagram.Message{Buttons: &instagram.ButtonTemplate{
				Text: "How can we help?", Buttons: []instagram.Button{
					{Type: instagram.ButtonPostback, Title: "Talk to a counsellor", Payload: "HANDOFF"},
					{Type: instagram.ButtonCall, Title: "Call us", Payload: "+919876543210"},
				}}})
			return err
		}},
		{"instagram_login/reply_to", instagram.InstagramLogin, func(ctx context.Context, c *instagram.Client) error {
			_, err := c.Send(ctx, open, instagram.Message{Text: "Yes, still open.", ReplyTo: "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDA1ODIyMzA0OTE0OnN0b3J5"})
			return err
		}},
		{"facebook_login/human_agent", instagram.FacebookLogin, func(ctx context.Context, c *instagram.Client) error {
			_, err := c.Send(ctx, instagram.Thread{UserID: igUser, LastUserMessage: t0.Add(-3 * 24 * time.Hour)}, instagram.Message{Text: "Sorry for the delay, a counsellor here.", Tag: instagram.TagHumanAgent})
			return err
		}},
		{"instagram_login/react", instagram.InstagramLogin, func(ctx context.Context, c *instagram.Client) error {
			return c.React(ctx, open, "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDA1ODIyMzA0OTE0OmVjaG8", "love")
		}},
		{"instagram_login/unreact", instagram.InstagramLogin, func(ctx context.Context, c *instagram.Client) error {
			return c.Unreact(ctx, open, "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDA1ODIyMzA0OTE0OmVjaG8")
		}},
		{"instagram_login/typing_on", instagram.InstagramLogin, func(ctx context.Context, c *instagram.Client) error {
			return c.SenderAction(ctx, open, instagram.TypingOn)
		}},
		{"messenger/mark_seen", instagram.Messenger, func(ctx context.Context, c *instagram.Client) error {
			return c.SenderAction(ctx, instagram.Thread{UserID: psid, LastUserMessage: t0.Add(-time.Hour)}, instagram.MarkSeen)
		}},
		{"instagram_login/private_reply", instagram.InstagramLogin, func(ctx context.Context, c *instagram.Client) error {
			_, err := c.PrivateReply(ctx, instagram.CommentRef{ID: "17865799348012345", CreatedAt: t0.Add(-time.Minute)}, instagram.Message{Text: "Fees are Rs 85,000. Want the brochure?", Label: "rule-17"})
			return err
		}},
		{"messenger/private_reply", instagram.Messenger, func(ctx context.Context, c *instagram.Client) error {
			_, err := c.PrivateReply(ctx, instagram.CommentRef{ID: "107656651234567_1122334455", CreatedAt: t0.Add(-time.Minute)}, instagram.Message{Text: "Sent you the price list!"})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := instagramtest.New(t)
			c := f.Client(t, tt.stack, accountFor(tt.stack), instagram.WithClock(fixedClock()), instagram.WithHumanAgent(true))
			require.NoError(t, tt.send(t.Context(), c))
			golden(t, tt.name, lastRequest(t, f.Server(tt.stack)))
		})
	}
}

func TestSendResultAndStamp(t *testing.T) {
	t.Parallel()
	f := instagramtest.New(t)
	c := f.Client(t, instagram.InstagramLogin, igAccount, instagram.WithClock(fixedClock()), instagram.WithLabel("ai-reply"))
	res, err := c.SendText(t.Context(), instagram.Thread{UserID: igUser, LastUserMessage: t0.Add(-time.Hour)}, "hello")
	require.NoError(t, err)
	assert.Equal(t, igUser, res.RecipientID)
	assert.NotEmpty(t, res.MessageID)
	sent := f.Sent()
	require.Len(t, sent, 1)
	assert.Equal(t, instagramtest.HostInstagram, sent[0].Host)
	assert.Equal(t, "botsync:v1:ai-reply", sent[0].Message.Metadata)
	label, ok := instagram.ParseStamp(sent[0].Message.Metadata)
	assert.True(t, ok)
	assert.Equal(t, "ai-reply", label)
	assert.Empty(t, f.FB.Requests(), "Instagram Login must not call graph.facebook.com")
}

func TestSendValidation(t *testing.T) {
	t.Parallel()
	qr := func(n int) []instagram.QuickReply {
		out := make([]instagram.QuickReply, n)
		for i := range out {
			out[i] = instagram.QuickReply{Title: "Option", Payload: "P"}
		}
		return out
	}
	elems := func(n int) []instagram.Element {
		out := make([]instagram.Element, n)
		for i := range out {
			out[i] = instagram.Element{Title: "Card"}
		}
		return out
	}
	tests := []struct {
		name  string
		stack instagram.Stack
		msg   instagram.Message
		field string
	}{
		{"empty", instagram.InstagramLogin, instagram.Message{}, "message"},
		{"two contents", instagram.InstagramLogin, instagram.Message{Text: "a", Media: &instagram.Media{Type: instagram.MediaImage, URL: "https://x.example/a.jpg"}}, "message"},
		{"blank text", instagram.InstagramLogin, instagram.Message{Text: "   "}, "message.text"},
		{"instagram text bytes", instagram.InstagramLogin, instagram.Message{Text: strings.Repeat("है", 200)}, "message.text"},
		{"messenger text chars", instagram.Messenger, instagram.Message{Text: strings.Repeat("a", 2001)}, "message.text"},
		{"invalid utf8", instagram.InstagramLogin, instagram.Message{Text: "a\xffb"}, "message.text"},
		{"14 quick replies", instagram.InstagramLogin, instagram.Message{Text: "pick", QuickReplies: qr(14)}, "message.quick_replies"},
		{"quick reply title", instagram.InstagramLogin, instagram.Message{Text: "pick", QuickReplies: []instagram.QuickReply{{Title: strings.Repeat("x", 21), Payload: "p"}}}, "message.quick_replies[0].title"},
		{"quick reply payload", instagram.InstagramLogin, instagram.Message{Text: "pick", QuickReplies: []instagram.QuickReply{{Title: "x"}}}, "message.quick_replies[0].payload"},
		{"phone quick reply with title", instagram.InstagramLogin, instagram.Message{Text: "pick", QuickReplies: []instagram.QuickReply{{Type: instagram.QuickReplyPhone, Title: "x"}}}, "message.quick_replies[0]"},
		{"unknown quick reply", instagram.InstagramLogin, instagram.Message{Text: "pick", QuickReplies: []instagram.QuickReply{{Type: "location"}}}, "message.quick_replies[0].content_type"},
		{"11 elements", instagram.InstagramLogin, instagram.Message{Generic: elems(11)}, "message.attachment.payload.elements"},
		{"element title", instagram.InstagramLogin, instagram.Message{Generic: []instagram.Element{{Title: strings.Repeat("t", 81)}}}, "message.attachment.payload.elements[0].title"},
		{"four buttons", instagram.InstagramLogin, instagram.Message{Buttons: &instagram.ButtonTemplate{Text: "x", Buttons: []instagram.Button{
			{Type: instagram.ButtonPostback, Title: "a", Payload: "a"}, {Type: instagram.ButtonPostback, Title: "b", Payload: "b"},
			{Type: instagram.ButtonPostback, Title: "c", Payload: "c"}, {Type: instagram.ButtonPostback, Title: "d", Payload: "d"}}}}, "message.attachment.payload.buttons"},
		{"no buttons", instagram.InstagramLogin, instagram.Message{Buttons: &instagram.ButtonTemplate{Text: "x"}}, "message.attachment.payload.buttons"},
		{"call button on instagram", instagram.InstagramLogin, instagram.Message{Buttons: &instagram.ButtonTemplate{Text: "x", Buttons: []instagram.Button{{Type: instagram.ButtonCall, Title: "Call", Payload: "+919876543210"}}}}, "message.attachment.payload.buttons[0].type"},
		{"web_url without url", instagram.InstagramLogin, instagram.Message{Buttons: &instagram.ButtonTemplate{Text: "x", Buttons: []instagram.Button{{Type: instagram.ButtonURL, Title: "Go"}}}}, "message.attachment.payload.buttons[0].url"},
		{"media type", instagram.InstagramLogin, instagram.Message{Media: &instagram.Media{Type: "gif", URL: "https://x.example/a.gif"}}, "message.attachment.type"},
		{"media url and id", instagram.InstagramLogin, instagram.Message{Media: &instagram.Media{Type: instagram.MediaImage, URL: "https://x.example/a.jpg", AttachmentID: "1"}}, "message.attachment.payload"},
		{"media relative url", instagram.InstagramLogin, instagram.Message{Media: &instagram.Media{Type: instagram.MediaImage, URL: "/a.jpg"}}, "message.attachment.payload.url"},
		{"quick replies with template", instagram.InstagramLogin, instagram.Message{Generic: elems(1), QuickReplies: qr(1)}, "message.quick_replies"},
		{"bad reply_to", instagram.InstagramLogin, instagram.Message{Text: "x", ReplyTo: "a b"}, "reply_to.mid"},
		{"unknown tag", instagram.InstagramLogin, instagram.Message{Text: "x", Tag: "ACCOUNT_UPDATE"}, "tag"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := instagramtest.New(t)
			c := f.Client(t, tt.stack, accountFor(tt.stack), instagram.WithClock(fixedClock()))
			_, err := c.Send(t.Context(), instagram.Thread{UserID: igUser, LastUserMessage: t0.Add(-time.Hour)}, tt.msg)
			require.ErrorIs(t, err, instagram.ErrInvalid)
			var fe *instagram.FieldError
			require.True(t, errors.As(err, &fe))
			assert.Equal(t, tt.field, fe.Field)
			assert.Empty(t, f.Server(tt.stack).Requests(), "a local error must not spend a call")
		})
	}
}

func TestSendErrorsNeverLeakContent(t *testing.T) {
	t.Parallel()
	f := instagramtest.New(t)
	c := f.Client(t, instagram.InstagramLogin, igAccount, instagram.WithClock(fixedClock()))
	secretText := strings.Repeat("my phone is 9876543210 ", 60)
	_, err := c.SendText(t.Context(), instagram.Thread{UserID: igUser, LastUserMessage: t0.Add(-time.Hour)}, secretText)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "9876543210")
}

func TestSendGraphError(t *testing.T) {
	t.Parallel()
	f := instagramtest.New(t)
	f.IG.Fail(metatest.Match("POST", igAccount+"/messages"), metatest.Failure{Code: 190, Subcode: 463, Message: "Session has expired"})
	c := f.Client(t, instagram.InstagramLogin, igAccount, instagram.WithClock(fixedClock()))
	_, err := c.SendText(t.Context(), instagram.Thread{UserID: igUser, LastUserMessage: t0.Add(-time.Hour)}, "hello")
	require.ErrorIs(t, err, meta.ErrUnauthorized)
	assert.Contains(t, err.Error(), "instagram: send message")
	assert.NotContains(t, err.Error(), instagramtest.DefaultToken)
}

func TestNewClientChecks(t *testing.T) {
	t.Parallel()
	fb, err := meta.NewClient(testToken())
	require.NoError(t, err)
	_, err = instagram.NewClient(fb, instagram.InstagramLogin, igAccount)
	require.ErrorContains(t, err, "graph.instagram.com")
	ig, err := meta.NewClient(testToken(), meta.WithBaseURL(meta.InstagramBaseURL))
	require.NoError(t, err)
	_, err = instagram.NewClient(ig, instagram.Messenger, pageID)
	require.ErrorContains(t, err, "graph.facebook.com")
	_, err = instagram.NewClient(ig, instagram.InstagramLogin, igAccount)
	require.NoError(t, err)
	_, err = instagram.NewClient(ig, instagram.InstagramLogin, "../me")
	require.ErrorIs(t, err, instagram.ErrInvalid)
	_, err = instagram.NewClient(ig, instagram.Stack(9), igAccount)
	require.ErrorContains(t, err, "stack")
	_, err = instagram.NewClient(nil, instagram.InstagramLogin, igAccount)
	require.Error(t, err)
	_, err = instagram.NewClient(ig, instagram.InstagramLogin, igAccount, instagram.WithLabel(""))
	require.ErrorIs(t, err, instagram.ErrInvalid)
}

func TestNilContextIsAnError(t *testing.T) {
	t.Parallel()
	f := instagramtest.New(t)
	c := f.Client(t, instagram.InstagramLogin, igAccount, instagram.WithClock(fixedClock()))
	var nilCtx context.Context
	th := instagram.Thread{UserID: igUser, LastUserMessage: t0}
	_, err := c.SendText(nilCtx, th, "hi")
	require.Error(t, err)
	_, err = c.PrivateReply(nilCtx, instagram.CommentRef{ID: "c1", CreatedAt: t0}, instagram.Message{Text: "hi"})
	require.Error(t, err)
	_, err = c.Profile(nilCtx, igUser)
	require.Error(t, err)
	_, err = instagram.NewMemoryClaims().Claim(nilCtx, "c1")
	require.Error(t, err)
}

func TestUploadAttachment(t *testing.T) {
	t.Parallel()
	f := instagramtest.New(t)
	c := f.Client(t, instagram.Messenger, pageID, instagram.WithClock(fixedClock()))
	id, err := c.UploadAttachment(t.Context(), instagram.Media{Type: instagram.MediaFile, URL: "https://cdn.example.com/price-list.pdf"})
	require.NoError(t, err)
	require.NotEmpty(t, id)
	golden(t, "messenger/upload_attachment", lastRequest(t, f.FB))
	_, err = c.Send(t.Context(), instagram.Thread{UserID: psid, LastUserMessage: t0}, instagram.Message{Media: &instagram.Media{Type: instagram.MediaFile, AttachmentID: id}})
	require.NoError(t, err)

	_, err = c.UploadAttachment(t.Context(), instagram.Media{Type: instagram.MediaFile, AttachmentID: "1"})
	require.ErrorIs(t, err, instagram.ErrInvalid)
	ig := f.Client(t, instagram.InstagramLogin, igAccount)
	_, err = ig.UploadAttachment(t.Context(), instagram.Media{Type: instagram.MediaImage, URL: "https://cdn.example.com/a.jpg"})
	require.ErrorIs(t, err, instagram.ErrUnsupported)
}

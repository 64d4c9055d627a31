package instagram_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/botsync/botsync/instagram"
	"github.com/botsync/botsync/instagram/instagramtest"
	"github.com/botsync/botsync/meta/metatest"
)

func commentEvent(t *testing.T, fixture string) *instagram.Event {
	t.Helper()
	ev := parseOne(t, metatest.Fixture(fixture))
	return &ev
}

func feesRule(t *testing.T) instagram.Rule {
	t.Helper()
	m, err := instagram.NewMatcher(instagram.MatchContainsAny, "fees", "price", "फीस")
	require.NoError(t, err)
	return instagram.Rule{ID: "rule-17", Match: m, PublicReply: "Sent you a DM 📩", PrivateReply: instagram.Message{Text: "Hi! The NEET batch fee is Rs 85,000."}}
}

func TestHandleComment(t *testing.T) {
	t.Parallel()
	commentTime := time.Unix(1750091800, 0).UTC()
	tests := []struct {
		name    string
		fixture string
		edit    func(ev *instagram.Event)
		rule    func(r *instagram.Rule)
		opt     instagram.CommentOptions
		now     time.Time
		skip    instagram.SkipReason
	}{
		{name: "match replies", fixture: "instagram/comment.json", now: commentTime.Add(time.Minute)},
		{name: "own comment by account id", fixture: "instagram/comment.json", now: commentTime,
			edit: func(ev *instagram.Event) { ev.Comment.From.ID = igAccount }, skip: instagram.SkipOwnComment},
		{name: "own comment by entry id", fixture: "instagram/comment.json", now: commentTime,
			edit: func(ev *instagram.Event) { ev.AccountID = "999"; ev.Comment.From.ID = "999" }, skip: instagram.SkipOwnComment},
		{name: "no match", fixture: "instagram/comment.json", now: commentTime,
			edit: func(ev *instagram.Event) { ev.Comment.Text = "nice reel" }, skip: instagram.SkipNoMatch},
		{name: "reply comment skipped by default", fixture: "instagram/comment_reply.json", now: commentTime,
			rule: func(r *instagram.Rule) { r.Match = nil }, skip: instagram.SkipNoMatch},
		{name: "reply comment when included", fixture: "instagram/comment_reply.json", now: commentTime,
			rule: func(r *instagram.Rule) { r.Match = nil; r.IncludeReplies = true }},
		{name: "older than 7 days", fixture: "instagram/comment.json", now: commentTime.Add(7 * 24 * time.Hour), skip: instagram.SkipOutsideWindow},
		{name: "live during broadcast", fixture: "instagram/live_comment.json", now: commentTime.Add(time.Minute)},
		{name: "live after broadcast", fixture: "instagram/live_comment.json", now: commentTime.Add(time.Minute),
			opt: instagram.CommentOptions{BroadcastEnded: true}, skip: instagram.SkipOutsideWindow},
		{name: "hindi comment", fixture: "instagram/comment.json", now: commentTime,
			edit: func(ev *instagram.Event) {
				ev.Comment.Text = "कोर्स की फीस कितनी है?"
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := instagramtest.New(t)
			now := tt.now
			c := f.Client(t, instagram.InstagramLogin, igAccount, instagram.WithClock(func() time.Time { return now }))
			ev := commentEvent(t, tt.fixture)
			if tt.edit != nil {
				tt.edit(ev)
			}
			rule := feesRule(t)
			if tt.rule != nil {
				tt.rule(&rule)
			}
			out, err := c.HandleComment(t.Context(), ev, rule, tt.opt)
			require.NoError(t, err)
			assert.Equal(t, ev.Comment.ID, out.CommentID)
			assert.Equal(t, tt.skip, out.Skip)
			if tt.skip != "" {
				assert.False(t, out.Replied)
				assert.Empty(t, f.IG.Requests(), "a skipped comment costs no call")
				return
			}
			require.True(t, out.Replied)
			require.NoError(t, out.PublicReplyErr)
			assert.NotEmpty(t, out.PublicReplyID)
			sent := f.Sent()
			require.Len(t, sent, 1)
			assert.Equal(t, ev.Comment.ID, sent[0].CommentID)
			assert.Equal(t, "botsync:v1:rule-17", sent[0].Message.Metadata)
			require.Len(t, f.PublicReplies(), 1)
			assert.Equal(t, ev.Comment.ID, f.PublicReplies()[0].CommentID)
		})
	}
}

func TestHandleCommentAlreadyRepliedAcrossRules(t *testing.T) {
	t.Parallel()
	f := instagramtest.New(t)
	now := time.Unix(1750091800, 0).UTC()
	claims := instagram.NewMemoryClaims()
	c := f.Client(t, instagram.InstagramLogin, igAccount, instagram.WithClock(func() time.Time { return now }), instagram.WithClaims(claims))
	ev := commentEvent(t, "instagram/comment.json")
	first := feesRule(t)
	second := instagram.Rule{ID: "catch-all", PublicReply: "Thanks!", PrivateReply: instagram.Message{Text: "Thanks for commenting"}}

	out, err := c.HandleComment(t.Context(), ev, first, instagram.CommentOptions{})
	require.NoError(t, err)
	require.True(t, out.Replied)
	out, err = c.HandleComment(t.Context(), ev, second, instagram.CommentOptions{})
	require.NoError(t, err)
	assert.Equal(t, instagram.SkipAlreadyReplied, out.Skip)
	assert.Len(t, f.Sent(), 1)
	assert.Len(t, f.PublicReplies(), 1, "the second rule posts no public reply either")
}

func TestHandleCommentConcurrentRules(t *testing.T) {
	t.Parallel()
	f := instagramtest.New(t)
	now := time.Unix(1750091800, 0).UTC()
	claims := instagram.NewMemoryClaims()
	ev := commentEvent(t, "instagram/comment.json")
	var wg sync.WaitGroup
	outs := make([]instagram.Outcome, 8)
	for i := range outs {
		c := f.Client(t, instagram.InstagramLogin, igAccount, instagram.WithClock(func() time.Time { return now }), instagram.WithClaims(claims))
		rule := instagram.Rule{ID: fmt.Sprintf("rule-%d", i), PrivateReply: instagram.Message{Text: "hello"}}
		wg.Go(func() {
			var err error
			outs[i], err = c.HandleComment(t.Context(), ev, rule, instagram.CommentOptions{})
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	replied := 0
	for _, o := range outs {
		if o.Replied {
			replied++
		} else {
			assert.Equal(t, instagram.SkipAlreadyReplied, o.Skip)
		}
	}
	assert.Equal(t, 1, replied)
	assert.Len(t, f.Sent(), 1)
}

func TestHandleCommentRateLimited(t *testing.T) {
	t.Parallel()
	now := time.Unix(1750091800, 0).UTC()
	b, err := instagram.NewBudgets(instagram.BudgetConfig{Text: rate.Inf, Media: rate.Inf, PrivateReplies: rate.Every(time.Hour), PrivateRepliesBurst: 1})
	require.NoError(t, err)
	f := instagramtest.New(t)
	c := f.Client(t, instagram.InstagramLogin, igAccount, instagram.WithClock(func() time.Time { return now }), instagram.WithBudgets(b))
	rule := instagram.Rule{ID: "r", PrivateReply: instagram.Message{Text: "hi"}}
	ev1 := commentEvent(t, "instagram/comment.json")
	ev2 := commentEvent(t, "instagram/comment.json")
	ev2.Comment.ID = "17865799348099999"
	out, err := c.HandleComment(t.Context(), ev1, rule, instagram.CommentOptions{})
	require.NoError(t, err)
	require.True(t, out.Replied)
	out, err = c.HandleComment(t.Context(), ev2, rule, instagram.CommentOptions{})
	require.NoError(t, err)
	assert.Equal(t, instagram.SkipRateLimited, out.Skip)

	// Meta's own throttling is a rate-limit skip too, and frees the claim.
	f2 := instagramtest.New(t)
	c2 := f2.Client(t, instagram.InstagramLogin, igAccount, instagram.WithClock(func() time.Time { return now }))
	f2.IG.Fail(metatest.Match("POST", igAccount+"/messages"), metatest.Failure{Code: 613, Message: "Calls within one hour exceeded"})
	out, err = c2.HandleComment(t.Context(), ev1, rule, instagram.CommentOptions{})
	require.NoError(t, err)
	assert.Equal(t, instagram.SkipRateLimited, out.Skip)
	f2.IG.ClearFailures()
	out, err = c2.HandleComment(t.Context(), ev1, rule, instagram.CommentOptions{})
	require.NoError(t, err)
	assert.True(t, out.Replied)
}

func TestHandleCommentErrors(t *testing.T) {
	t.Parallel()
	now := time.Unix(1750091800, 0).UTC()
	f := instagramtest.New(t)
	c := f.Client(t, instagram.InstagramLogin, igAccount, instagram.WithClock(func() time.Time { return now }))
	msg := parseOne(t, metatest.Fixture("instagram/message.json"))
	_, err := c.HandleComment(t.Context(), &msg, instagram.Rule{PrivateReply: instagram.Message{Text: "x"}}, instagram.CommentOptions{})
	require.ErrorIs(t, err, instagram.ErrInvalid)
	_, err = c.HandleComment(t.Context(), nil, instagram.Rule{}, instagram.CommentOptions{})
	require.ErrorIs(t, err, instagram.ErrInvalid)

	f.IG.Fail(metatest.Match("POST", igAccount+"/messages"), metatest.Failure{Code: 100, Message: "bad"})
	_, err = c.HandleComment(t.Context(), commentEvent(t, "instagram/comment.json"), instagram.Rule{PrivateReply: instagram.Message{Text: "x"}}, instagram.CommentOptions{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "handle comment")

	// A failed public reply leaves the private reply counted.
	f2 := instagramtest.New(t)
	f2.IG.Fail(metatest.Match("POST", "17865799348012345/replies"), metatest.Failure{Code: 100, Message: "bad"})
	c2 := f2.Client(t, instagram.InstagramLogin, igAccount, instagram.WithClock(func() time.Time { return now }))
	out, err := c2.HandleComment(t.Context(), commentEvent(t, "instagram/comment.json"), instagram.Rule{PublicReply: "hi", PrivateReply: instagram.Message{Text: "x"}}, instagram.CommentOptions{})
	require.NoError(t, err)
	assert.True(t, out.Replied)
	require.Error(t, out.PublicReplyErr)
}

func TestIsOwn(t *testing.T) {
	t.Parallel()
	f := instagramtest.New(t)
	c := f.Client(t, instagram.FacebookLogin, pageID, instagram.WithOwnIDs(igAccount))
	echo := parseOne(t, metatest.Fixture("instagram/echo.json"))
	assert.True(t, c.IsOwn(&echo), "stamped echo")
	human := echo
	m := *echo.Message
	m.Metadata = ""
	human.Message = &m
	assert.True(t, c.IsOwn(&human), "echo sent by the account's id")
	msg := parseOne(t, metatest.Fixture("instagram/message.json"))
	assert.False(t, c.IsOwn(&msg))
	cm := parseOne(t, metatest.Fixture("instagram/comment.json"))
	assert.False(t, c.IsOwn(&cm))
	cm.Comment.From.ID = igAccount
	assert.True(t, c.IsOwn(&cm), "comment by the Instagram id of a Facebook Login account")
	_, err := instagram.NewClient(c.Meta(), instagram.FacebookLogin, pageID, instagram.WithOwnIDs("bad id"))
	require.ErrorIs(t, err, instagram.ErrInvalid)
}

func TestHandleCommentMessengerPage(t *testing.T) {
	t.Parallel()
	f := instagramtest.New(t)
	now := time.Unix(1750091800, 0).UTC()
	c := f.Client(t, instagram.Messenger, pageID, instagram.WithClock(func() time.Time { return now }))
	ev := parseOne(t, webhook("page", pageID, "", `{"field":"feed","value":{"from":{"id":"6783451234567890","name":"Rohan"},"item":"comment","comment_id":"107656651234567_1122334455","post_id":"107656651234567_998877","parent_id":"107656651234567_998877","verb":"add","created_time":1750091790,"message":"PRICE please"}}`))
	out, err := c.HandleComment(t.Context(), &ev, feesRule(t), instagram.CommentOptions{})
	require.NoError(t, err)
	require.True(t, out.Replied)
	require.Len(t, f.Sent(), 1)
	assert.Equal(t, instagramtest.HostFacebook, f.Sent()[0].Host)
	assert.Equal(t, "107656651234567_1122334455", f.Sent()[0].CommentID)
	reqs := f.FB.Requests()
	assert.Equal(t, "/v24.0/107656651234567_1122334455/comments", reqs[len(reqs)-1].Path, "Page comments are answered on the comments edge")

	// The Page's own comment (its public reply coming back) is skipped.
	own := parseOne(t, webhook("page", pageID, "", `{"field":"feed","value":{"from":{"id":"107656651234567","name":"Coaching"},"item":"comment","comment_id":"107656651234567_5","post_id":"107656651234567_998877","parent_id":"107656651234567_1122334455","verb":"add","message":"Sent you a DM 📩 price"}}`))
	out, err = c.HandleComment(t.Context(), &own, instagram.Rule{IncludeReplies: true, PrivateReply: instagram.Message{Text: "x"}}, instagram.CommentOptions{})
	require.NoError(t, err)
	assert.Equal(t, instagram.SkipOwnComment, out.Skip)
}

package instagram_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/botsync/botsync/instagram"
	"github.com/botsync/botsync/instagram/instagramtest"
	"github.com/botsync/botsync/meta"
	"github.com/botsync/botsync/meta/metatest"
)

func TestWindow(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		sinceLast  time.Duration // 0: user never messaged
		tag        instagram.Tag
		humanAgent bool
		want       error
	}{
		{"fresh", time.Minute, "", false, nil},
		{"just inside 24h", 24*time.Hour - time.Second, "", false, nil},
		{"exactly 24h", 24 * time.Hour, "", false, instagram.ErrOutsideWindow},
		{"never messaged", 0, "", false, instagram.ErrOutsideWindow},
		{"human agent disabled", 2 * time.Hour, instagram.TagHumanAgent, false, instagram.ErrHumanAgentDisabled},
		{"human agent day 3", 3 * 24 * time.Hour, instagram.TagHumanAgent, true, nil},
		{"human agent inside 24h", time.Hour, instagram.TagHumanAgent, true, nil},
		{"human agent after 7 days", 7 * 24 * time.Hour, instagram.TagHumanAgent, true, instagram.ErrOutsideWindow},
		{"human agent never messaged", 0, instagram.TagHumanAgent, true, instagram.ErrOutsideWindow},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := instagramtest.New(t)
			c := f.Client(t, instagram.InstagramLogin, igAccount, instagram.WithClock(fixedClock()), instagram.WithHumanAgent(tt.humanAgent))
			th := instagram.Thread{UserID: igUser}
			if tt.sinceLast > 0 {
				th.LastUserMessage = t0.Add(-tt.sinceLast)
			}
			_, err := c.Send(t.Context(), th, instagram.Message{Text: "hello", Tag: tt.tag})
			if tt.want == nil {
				require.NoError(t, err)
				assert.Len(t, f.Sent(), 1)
				return
			}
			require.ErrorIs(t, err, tt.want)
			assert.Empty(t, f.IG.Requests(), "a policy error must not spend a call")
			// Sender actions follow the standard window too.
			if tt.tag == "" {
				require.ErrorIs(t, c.SenderAction(t.Context(), th, instagram.TypingOn), tt.want)
			}
		})
	}
}

func TestWindowMovesWithClock(t *testing.T) {
	t.Parallel()
	clk := newClock(t0)
	f := instagramtest.New(t)
	c := f.Client(t, instagram.Messenger, pageID, instagram.WithClock(clk.Now))
	th := instagram.Thread{UserID: psid, LastUserMessage: t0}
	require.NoError(t, c.SenderAction(t.Context(), th, instagram.TypingOn))
	clk.Advance(23 * time.Hour)
	_, err := c.SendText(t.Context(), th, "still open")
	require.NoError(t, err)
	clk.Advance(time.Hour)
	_, err = c.SendText(t.Context(), th, "closed now")
	require.ErrorIs(t, err, instagram.ErrOutsideWindow)
	assert.Len(t, f.Sent(), 2)
}

func TestPrivateReplyWindow(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		ref  instagram.CommentRef
		want error
	}{
		{"fresh", instagram.CommentRef{ID: "c1", CreatedAt: t0.Add(-time.Hour)}, nil},
		{"day 6", instagram.CommentRef{ID: "c2", CreatedAt: t0.Add(-6 * 24 * time.Hour)}, nil},
		{"day 7", instagram.CommentRef{ID: "c3", CreatedAt: t0.Add(-7 * 24 * time.Hour)}, instagram.ErrOutsideWindow},
		{"live during broadcast", instagram.CommentRef{ID: "c4", CreatedAt: t0.Add(-time.Minute), Live: true}, nil},
		{"live after broadcast", instagram.CommentRef{ID: "c5", CreatedAt: t0.Add(-time.Minute), Live: true, BroadcastEnded: true}, instagram.ErrOutsideWindow},
		{"no time", instagram.CommentRef{ID: "c6"}, instagram.ErrInvalid},
		{"no id", instagram.CommentRef{CreatedAt: t0}, instagram.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := instagramtest.New(t)
			c := f.Client(t, instagram.InstagramLogin, igAccount, instagram.WithClock(fixedClock()))
			_, err := c.PrivateReply(t.Context(), tt.ref, instagram.Message{Text: "details sent"})
			if tt.want == nil {
				require.NoError(t, err)
				require.Len(t, f.Sent(), 1)
				assert.Equal(t, tt.ref.ID, f.Sent()[0].CommentID)
				return
			}
			require.ErrorIs(t, err, tt.want)
			assert.Empty(t, f.IG.Requests())
		})
	}
}

func TestPrivateReplyOncePerComment(t *testing.T) {
	t.Parallel()
	f := instagramtest.New(t)
	claims := instagram.NewMemoryClaims()
	c := f.Client(t, instagram.InstagramLogin, igAccount, instagram.WithClock(fixedClock()), instagram.WithClaims(claims))
	ref := instagram.CommentRef{ID: "17865799348012345", CreatedAt: t0.Add(-time.Hour)}
	_, err := c.PrivateReply(t.Context(), ref, instagram.Message{Text: "hi"})
	require.NoError(t, err)
	_, err = c.PrivateReply(t.Context(), ref, instagram.Message{Text: "hi again"})
	require.ErrorIs(t, err, instagram.ErrPrivateReplyUsed)
	// A second client sharing the claims (another automation) is refused too.
	c2 := f.Client(t, instagram.InstagramLogin, igAccount, instagram.WithClock(fixedClock()), instagram.WithClaims(claims))
	_, err = c2.PrivateReply(t.Context(), ref, instagram.Message{Text: "from another rule"})
	require.ErrorIs(t, err, instagram.ErrPrivateReplyUsed)
	assert.Len(t, f.Sent(), 1)
	assert.Len(t, f.IG.Requests(), 1)
}

func TestPrivateReplyRace(t *testing.T) {
	t.Parallel()
	f := instagramtest.New(t)
	claims := instagram.NewMemoryClaims()
	ref := instagram.CommentRef{ID: "17865799348012345", CreatedAt: t0.Add(-time.Hour)}
	// Two automations (two clients, as on two server instances sharing one
	// claim store) race for the same comment, many times over.
	const attempts = 16
	var wg sync.WaitGroup
	errs := make([]error, attempts)
	start := make(chan struct{})
	for i := range attempts {
		c := f.Client(t, instagram.InstagramLogin, igAccount, instagram.WithClock(fixedClock()), instagram.WithClaims(claims))
		wg.Go(func() {
			<-start
			_, errs[i] = c.PrivateReply(context.Background(), ref, instagram.Message{Text: "details"})
		})
	}
	close(start)
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else {
			require.ErrorIs(t, err, instagram.ErrPrivateReplyUsed)
		}
	}
	assert.Equal(t, 1, ok)
	assert.Len(t, f.Sent(), 1, "exactly one private reply reaches Meta")
	assert.Len(t, f.IG.Requests(), 1)
}

func TestPrivateReplyReleasesClaimOnGraphError(t *testing.T) {
	t.Parallel()
	f := instagramtest.New(t)
	f.IG.Fail(metatest.Match("POST", igAccount+"/messages"), metatest.Failure{Code: 100, Message: "Invalid parameter", Times: 1})
	c := f.Client(t, instagram.InstagramLogin, igAccount, instagram.WithClock(fixedClock()))
	ref := instagram.CommentRef{ID: "17865799348012345", CreatedAt: t0.Add(-time.Hour)}
	_, err := c.PrivateReply(t.Context(), ref, instagram.Message{Text: "hi"})
	require.Error(t, err)
	require.NotErrorIs(t, err, instagram.ErrPrivateReplyUsed)
	_, err = c.PrivateReply(t.Context(), ref, instagram.Message{Text: "hi"})
	require.NoError(t, err, "Meta rejected the first attempt, so the claim was released")
}

func TestPrivateReplyKeepsClaimWhenOutcomeUnknown(t *testing.T) {
	t.Parallel()
	f := instagramtest.New(t)
	f.IG.Fail(metatest.Match("POST", igAccount+"/messages"), metatest.Failure{DropConnection: true})
	c := f.Client(t, instagram.InstagramLogin, igAccount, instagram.WithClock(fixedClock()))
	ref := instagram.CommentRef{ID: "17865799348012345", CreatedAt: t0.Add(-time.Hour)}
	_, err := c.PrivateReply(t.Context(), ref, instagram.Message{Text: "hi"})
	require.Error(t, err)
	f.IG.ClearFailures()
	_, err = c.PrivateReply(t.Context(), ref, instagram.Message{Text: "hi"})
	require.ErrorIs(t, err, instagram.ErrPrivateReplyUsed, "Meta may have delivered the first attempt")
}

func TestPrivateReplyRefusesTagAndReplyTo(t *testing.T) {
	t.Parallel()
	f := instagramtest.New(t)
	c := f.Client(t, instagram.InstagramLogin, igAccount, instagram.WithClock(fixedClock()), instagram.WithHumanAgent(true))
	ref := instagram.CommentRef{ID: "1", CreatedAt: t0}
	_, err := c.PrivateReply(t.Context(), ref, instagram.Message{Text: "x", Tag: instagram.TagHumanAgent})
	require.ErrorIs(t, err, instagram.ErrInvalid)
	_, err = c.PrivateReply(t.Context(), ref, instagram.Message{Text: "x", ReplyTo: "mid1"})
	require.ErrorIs(t, err, instagram.ErrInvalid)
	assert.Empty(t, f.IG.Requests())
}

func TestBudgets(t *testing.T) {
	t.Parallel()
	clk := newClock(t0)
	b, err := instagram.NewBudgets(instagram.BudgetConfig{
		Text: 2, TextBurst: 2, Media: 1, MediaBurst: 1, PrivateReplies: rate.Every(time.Hour / 750), PrivateRepliesBurst: 1,
	})
	require.NoError(t, err)
	f := instagramtest.New(t)
	c := f.Client(t, instagram.InstagramLogin, igAccount, instagram.WithClock(clk.Now), instagram.WithBudgets(b))
	th := instagram.Thread{UserID: igUser, LastUserMessage: t0}
	img := instagram.Message{Media: &instagram.Media{Type: instagram.MediaImage, URL: "https://cdn.example.com/a.jpg"}}

	_, err = c.SendText(t.Context(), th, "one")
	require.NoError(t, err)
	require.NoError(t, c.SenderAction(t.Context(), th, instagram.TypingOn))
	_, err = c.SendText(t.Context(), th, "three")
	require.ErrorIs(t, err, instagram.ErrBudgetExhausted)
	_, err = c.Send(t.Context(), th, img)
	require.NoError(t, err, "media has its own budget")
	_, err = c.Send(t.Context(), th, img)
	require.ErrorIs(t, err, instagram.ErrBudgetExhausted)

	_, err = c.PrivateReply(t.Context(), instagram.CommentRef{ID: "c1", CreatedAt: t0}, instagram.Message{Text: "hi"})
	require.NoError(t, err)
	_, err = c.PrivateReply(t.Context(), instagram.CommentRef{ID: "c2", CreatedAt: t0}, instagram.Message{Text: "hi"})
	require.ErrorIs(t, err, instagram.ErrBudgetExhausted)

	clk.Advance(time.Second)
	_, err = c.SendText(t.Context(), th, "after a second")
	require.NoError(t, err)
	_, err = c.Send(t.Context(), th, img)
	require.NoError(t, err)
	clk.Advance(time.Hour / 750)
	_, err = c.PrivateReply(t.Context(), instagram.CommentRef{ID: "c2", CreatedAt: t0}, instagram.Message{Text: "hi"})
	require.NoError(t, err, "the rate-limited reply released its claim and may go now")
	assert.Len(t, f.Sent(), 7)
}

func TestNewBudgetsValidation(t *testing.T) {
	t.Parallel()
	_, err := instagram.NewBudgets(instagram.BudgetConfig{Text: 0, TextBurst: 1, Media: 1, MediaBurst: 1, PrivateReplies: 1, PrivateRepliesBurst: 1})
	var fe *instagram.FieldError
	require.True(t, errors.As(err, &fe))
	assert.Equal(t, "budgets.text", fe.Field)
	_, err = instagram.NewBudgets(instagram.BudgetConfig{Text: rate.Inf, Media: 1, MediaBurst: 0, PrivateReplies: 1, PrivateRepliesBurst: 1})
	require.True(t, errors.As(err, &fe))
	assert.Equal(t, "budgets.media_burst", fe.Field)
	_, err = instagram.NewBudgets(instagram.DefaultBudgetConfig)
	require.NoError(t, err)
}

func TestMemoryClaims(t *testing.T) {
	t.Parallel()
	var m instagram.MemoryClaims // zero value works
	ok, err := m.Claim(t.Context(), "c1")
	require.NoError(t, err)
	assert.True(t, ok)
	ok, err = m.Claim(t.Context(), "c1")
	require.NoError(t, err)
	assert.False(t, ok)
	require.NoError(t, m.Release(t.Context(), "c1"))
	ok, err = m.Claim(t.Context(), "c1")
	require.NoError(t, err)
	assert.True(t, ok)
	_, err = m.Claim(t.Context(), "")
	require.Error(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err = m.Claim(ctx, "c2")
	require.ErrorIs(t, err, context.Canceled)
}

func TestPrivateReplyAlreadyRepliedAtMeta(t *testing.T) {
	t.Parallel()
	f := instagramtest.New(t)
	ref := instagram.CommentRef{ID: "17865799348012345", CreatedAt: t0.Add(-time.Hour)}
	// Another system (separate claim store) already answered the comment.
	other := f.Client(t, instagram.InstagramLogin, igAccount, instagram.WithClock(fixedClock()))
	_, err := other.PrivateReply(t.Context(), ref, instagram.Message{Text: "from elsewhere"})
	require.NoError(t, err)

	claims := instagram.NewMemoryClaims()
	c := f.Client(t, instagram.InstagramLogin, igAccount, instagram.WithClock(fixedClock()), instagram.WithClaims(claims))
	_, err = c.PrivateReply(t.Context(), ref, instagram.Message{Text: "hi"})
	require.ErrorIs(t, err, instagram.ErrPrivateReplyUsed)
	var me *meta.Error
	require.ErrorAs(t, err, &me)
	assert.Equal(t, instagramtest.CodePrivateReplyUsed, me.Code)
	ok, err := claims.Claim(t.Context(), ref.ID)
	require.NoError(t, err)
	assert.False(t, ok, "the claim stays taken")
}

func TestPrivateReplyKeepsClaimOn5xx(t *testing.T) {
	t.Parallel()
	f := instagramtest.New(t)
	f.IG.Fail(metatest.Match("POST", igAccount+"/messages"), metatest.Failure{Status: 500, Code: 1, Message: "An unknown error occurred"})
	c := f.Client(t, instagram.InstagramLogin, igAccount, instagram.WithClock(fixedClock()))
	ref := instagram.CommentRef{ID: "17865799348012345", CreatedAt: t0.Add(-time.Hour)}
	_, err := c.PrivateReply(t.Context(), ref, instagram.Message{Text: "hi"})
	require.ErrorIs(t, err, meta.ErrTransient)
	f.IG.ClearFailures()
	_, err = c.PrivateReply(t.Context(), ref, instagram.Message{Text: "hi"})
	require.ErrorIs(t, err, instagram.ErrPrivateReplyUsed, "Meta may have processed the 5xx attempt")
}

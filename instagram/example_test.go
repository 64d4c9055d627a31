package instagram_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/botsync/botsync/instagram"
	"github.com/botsync/botsync/instagram/instagramtest"
	"github.com/botsync/botsync/meta/metatest"
)

// exampleTB lets examples use the fake outside a test function: it runs
// cleanups when closed and panics on Fatalf.
type exampleTB struct {
	testing.TB
	cleanups []func()
}

func (e *exampleTB) Helper()          {}
func (e *exampleTB) Cleanup(f func()) { e.cleanups = append(e.cleanups, f) }
func (e *exampleTB) Fatalf(format string, args ...any) {
	panic(fmt.Sprintf(format, args...))
}

func (e *exampleTB) close() {
	for i := len(e.cleanups) - 1; i >= 0; i-- {
		e.cleanups[i]()
	}
}

// Reply to a direct message: parse the webhook, check it is a message from
// the user (not our own echo), and answer inside the 24-hour window.
func Example_replyToDM() {
	tb := &exampleTB{}
	defer tb.close()
	f := instagramtest.New(tb)
	c := f.Client(tb, instagram.InstagramLogin, "17841405822304914",
		instagram.WithClock(func() time.Time { return time.UnixMilli(1750091760000) }))

	events, err := instagram.ParseWebhook(metatest.Fixture("instagram/message.json"))
	if err != nil {
		panic(err)
	}
	for _, ev := range events {
		if ev.Kind != instagram.KindMessage || c.IsOwn(&ev) {
			continue
		}
		thread := instagram.Thread{UserID: ev.SenderID, LastUserMessage: ev.Time}
		_ = c.SenderAction(context.Background(), thread, instagram.TypingOn)
		res, err := c.Send(context.Background(), thread, instagram.Message{
			Text:    "The NEET batch fee is Rs 85,000. Which batch suits you?",
			ReplyTo: ev.Message.MID,
			QuickReplies: []instagram.QuickReply{
				{Title: "Morning", Payload: "BATCH_MORNING"},
				{Title: "Evening", Payload: "BATCH_EVENING"},
			},
		})
		if err != nil {
			panic(err)
		}
		fmt.Println("replied to", res.RecipientID)
	}
	fmt.Println("metadata:", f.Sent()[1].Message.Metadata)
	// Output:
	// replied to 1263543048474829
	// metadata: botsync:v1:send
}

// Private-reply to a comment: a keyword rule answers the commenter in DM
// once, however many rules or servers see the same comment.
func Example_privateReplyToComment() {
	tb := &exampleTB{}
	defer tb.close()
	f := instagramtest.New(tb)
	claims := instagram.NewMemoryClaims() // share one store between all rules and servers
	c := f.Client(tb, instagram.InstagramLogin, "17841405822304914",
		instagram.WithClaims(claims),
		instagram.WithClock(func() time.Time { return time.Unix(1750091860, 0) }))

	match, err := instagram.NewMatcher(instagram.MatchContainsAny, "fees", "price", "फीस")
	if err != nil {
		panic(err)
	}
	rule := instagram.Rule{
		ID:           "neet-fees",
		Match:        match,
		PublicReply:  "Sent you the details in DM 📩",
		PrivateReply: instagram.Message{Text: "Hi! The NEET batch fee is Rs 85,000."},
	}
	events, err := instagram.ParseWebhook(metatest.Fixture("instagram/comment.json"))
	if err != nil {
		panic(err)
	}
	for _, ev := range events {
		if ev.Kind != instagram.KindComment {
			continue
		}
		for range 2 { // a redelivered webhook gets no second reply
			out, err := c.HandleComment(context.Background(), &ev, rule, instagram.CommentOptions{})
			if err != nil {
				panic(err)
			}
			fmt.Printf("replied=%v skip=%q\n", out.Replied, out.Skip)
		}
	}
	fmt.Println("private replies sent:", len(f.Sent()))
	// Output:
	// replied=true skip=""
	// replied=false skip="already_replied"
	// private replies sent: 1
}

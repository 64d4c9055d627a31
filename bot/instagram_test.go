package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/ai/aitest"
	"github.com/botsync/botsync/bot"
	"github.com/botsync/botsync/bot/memstore"
	"github.com/botsync/botsync/crm"
	crmmem "github.com/botsync/botsync/crm/memstore"
	"github.com/botsync/botsync/instagram"
	"github.com/botsync/botsync/instagram/instagramtest"
	"github.com/botsync/botsync/meta/metatest"
)

func handleIG(t *testing.T, eng *bot.Engine, body []byte) {
	t.Helper()
	evs, err := instagram.ParseWebhook(body)
	require.NoError(t, err)
	for range 2 {
		for _, ie := range evs {
			if ev, ok := bot.FromInstagram(ie); ok {
				require.NoError(t, eng.Handle(context.Background(), ev))
			}
		}
	}
}

// Instagram DMs through the real client: the AI answers, our own echo is
// ignored, a human's reply from the Instagram app (an unstamped echo)
// pauses the AI, and a comment on another media does not trigger a
// media-specific rule.
func TestScenarioInstagramDM(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clk := &clock{now: time.UnixMilli(1750091700000).UTC().Add(time.Minute)}
	f := instagramtest.New(t)
	store := memstore.New()
	igc := f.Client(t, instagram.InstagramLogin, igAccount, instagram.WithClock(clk.Now),
		instagram.WithClaims(bot.CommentClaims(store, ws)))
	svc, err := crm.New(crmmem.New(), crm.WithClock(clk.Now))
	require.NoError(t, err)
	reg := bot.Registry{}
	reg.Add(bot.Account{Workspace: ws, Channel: bot.Instagram, ID: igAccount, Sender: bot.NewInstagramSender(igc), Comments: igc})
	fake := aitest.New()
	fake.Always("gpt-4o-mini", aitest.JSON(map[string]any{"decision": "send", "text": "The NEET batch fee is Rs 85,000.", "reason": "", "citations": []string{}}))
	pub := &recPub{}
	eng, err := bot.New(reg, svc, store, bot.WithReplier(newGateway(t, fake)), bot.WithClock(clk.Now), bot.WithPublisher(pub),
		bot.WithSettings(bot.StaticSettings{ws: {AIChannels: []bot.Channel{bot.Instagram}}}))
	require.NoError(t, err)
	require.NoError(t, eng.PutRule(ctx, bot.Rule{Workspace: ws, ID: "other-reel",
		Trigger: bot.Trigger{Type: bot.TriggerComment, MediaID: "999"},
		Actions: []bot.Action{{Type: bot.ActCommentReply, Text: "hi"}}}))

	msg := metatest.Fixture("instagram/message.json")
	handleIG(t, eng, msg)
	sent := f.Sent()
	require.Len(t, sent, 1)
	assert.Equal(t, "1263543048474829", sent[0].RecipientID)
	require.NotNil(t, sent[0].Message)
	assert.Equal(t, "The NEET batch fee is Rs 85,000.", sent[0].Message.Text)
	assert.Len(t, fake.Requests(), 1)

	handleIG(t, eng, metatest.Fixture("instagram/echo.json")) // stamped: ours
	lead, err := svc.LeadByIdentity(ctx, ws, crm.Identity{Kind: crm.KindIGSID, Value: "1263543048474829"})
	require.NoError(t, err)
	convs, err := svc.Conversations(ctx, ws, lead.ID)
	require.NoError(t, err)
	require.Len(t, convs, 1)
	msgs, err := svc.Messages(ctx, ws, convs[0].ID)
	require.NoError(t, err)
	assert.Len(t, msgs, 2, "own echo not recorded")

	human := strings.Replace(string(metatest.Fixture("instagram/echo.json")), `, "metadata": "botsync:v1:rule-17"`, "", 1)
	human = strings.Replace(human, "OmVjaG8", "Omh1bWFu", 1)
	handleIG(t, eng, []byte(human))
	msgs, _ = svc.Messages(ctx, ws, convs[0].ID)
	assert.Len(t, msgs, 3, "human reply recorded")
	require.Len(t, pub.of(bot.UpdateAIPaused), 1)

	next := strings.Replace(string(msg), "NEET batch?", "NEET batch timings?", 1)
	next = strings.Replace(next, `"mid": "aWdf`, `"mid": "bWdf`, 1)
	clk.Add(time.Minute)
	handleIG(t, eng, []byte(next))
	assert.Len(t, f.Sent(), 1, "AI paused")
	assert.Len(t, fake.Requests(), 1)

	handleIG(t, eng, metatest.Fixture("instagram/comment.json"))
	assert.Empty(t, f.PublicReplies(), "rule is for another media")
}

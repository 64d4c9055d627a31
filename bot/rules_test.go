package bot_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/ai"
	"github.com/botsync/botsync/ai/aitest"
	"github.com/botsync/botsync/bot"
	"github.com/botsync/botsync/crm"
)

func TestRuleValidation(t *testing.T) {
	t.Parallel()
	ok := func() bot.Rule { return keywordRule("r", 0, "fees", "hi") }
	one := 1
	zero := 0
	for _, tc := range []struct {
		name  string
		edit  func(r *bot.Rule)
		field string
	}{
		{"workspace", func(r *bot.Rule) { r.Workspace = "" }, "workspace"},
		{"id", func(r *bot.Rule) { r.ID = "" }, "id"},
		{"trigger type", func(r *bot.Rule) { r.Trigger.Type = "" }, "trigger.type"},
		{"unknown trigger", func(r *bot.Rule) { r.Trigger.Type = "sms" }, "trigger.type"},
		{"keywords", func(r *bot.Rule) { r.Trigger.Keywords = nil }, "trigger.keywords"},
		{"mode", func(r *bot.Rule) { r.Trigger.Mode = "fuzzy" }, "trigger.keywords"},
		{"no reply after", func(r *bot.Rule) { r.Trigger = bot.Trigger{Type: bot.TriggerNoReply} }, "trigger.after"},
		{"no actions", func(r *bot.Rule) { r.Actions = nil }, "actions"},
		{"empty text", func(r *bot.Rule) { r.Actions[0].Text = " " }, "actions[0].text"},
		{"unknown action", func(r *bot.Rule) { r.Actions[0].Type = "dance" }, "actions[0].type"},
		{"channel", func(r *bot.Rule) { r.Conditions = []bot.Condition{{Type: bot.CondChannel, Values: []string{"sms"}}} }, "conditions[0].values"},
		{"score", func(r *bot.Rule) { r.Conditions = []bot.Condition{{Type: bot.CondScore, Min: &one, Max: &zero}} }, "conditions[0].min"},
		{"score bounds", func(r *bot.Rule) { r.Conditions = []bot.Condition{{Type: bot.CondScore}} }, "conditions[0].min"},
		{"field", func(r *bot.Rule) { r.Conditions = []bot.Condition{{Type: bot.CondField}} }, "conditions[0].field"},
		{"template", func(r *bot.Rule) {
			r.Actions[0] = bot.Action{Type: bot.ActSendTemplate, Template: &bot.Template{Name: "x"}}
		}, "actions[0].template"},
		{"media url", func(r *bot.Rule) {
			r.Actions[0] = bot.Action{Type: bot.ActSendMedia, Media: &bot.Media{Type: "image", URL: "http://x"}}
		}, "actions[0].media.url"},
		{"comment reply needs comment", func(r *bot.Rule) { r.Actions[0] = bot.Action{Type: bot.ActCommentReply, Text: "x"} }, "actions[0].type"},
		{"tags", func(r *bot.Rule) { r.Actions[0] = bot.Action{Type: bot.ActAddTag} }, "actions[0].values"},
		{"stage", func(r *bot.Rule) { r.Actions[0] = bot.Action{Type: bot.ActMoveStage} }, "actions[0].value"},
		{"sequence", func(r *bot.Rule) { r.Actions[0] = bot.Action{Type: bot.ActFollowUp, Sequence: &bot.Sequence{}} }, "actions[0].sequence.steps"},
		{"step", func(r *bot.Rule) {
			r.Actions[0] = bot.Action{Type: bot.ActFollowUp, Sequence: &bot.Sequence{Steps: []bot.Step{{Delay: bot.Duration(time.Hour)}}}}
		}, "actions[0].sequence.steps[0].text"},
		{"webhook url", func(r *bot.Rule) {
			r.Actions[0] = bot.Action{Type: bot.ActWebhook, Webhook: &bot.Webhook{URL: "ftp://x", Secret: "0123456789abcdef"}}
		}, "actions[0].webhook.url"},
		{"webhook secret", func(r *bot.Rule) {
			r.Actions[0] = bot.Action{Type: bot.ActWebhook, Webhook: &bot.Webhook{URL: "https://x.example", Secret: "short"}}
		}, "actions[0].webhook.secret"},
		{"booking", func(r *bot.Rule) { r.Actions[0] = bot.Action{Type: bot.ActBook, Booking: &bot.BookSlot{}} }, "actions[0].booking"},
		{"quick replies", func(r *bot.Rule) { r.Actions[0].QuickReplies = []bot.QuickReply{{Title: "Yes"}} }, "actions[0].quick_replies[0]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := ok()
			tc.edit(&r)
			err := r.Validate()
			require.ErrorIs(t, err, bot.ErrInvalid)
			var ve *bot.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, tc.field, ve.Field)
		})
	}
	r := ok()
	assert.NoError(t, r.Validate())
}

func TestSettingsValidation(t *testing.T) {
	t.Parallel()
	s := bot.Settings{AIChannels: []bot.Channel{"fax"}}
	assert.ErrorContains(t, s.Validate(), "ai_channels[0]")
	s = bot.Settings{TimeZone: "Mars/Olympus"}
	assert.ErrorContains(t, s.Validate(), "time_zone")
	h := &bot.BusinessHours{}
	h.Days[1] = []bot.Span{{Start: 600, End: 500}}
	s = bot.Settings{Hours: h}
	assert.ErrorContains(t, s.Validate(), "hours.days[1][0]")
	s = bot.Settings{AIChannels: []bot.Channel{bot.WhatsApp}, TimeZone: "Asia/Kolkata"}
	assert.NoError(t, s.Validate())
}

func TestOutgoingWebhookSignedWithRetries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const key = "0123456789abcdef-secret"
	var calls atomic.Int32
	var mu sync.Mutex
	var got []byte
	var sig string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) < 3 {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got, sig = b, r.Header.Get(bot.SignatureHeader)
		mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	h := newHarness(t, bot.Settings{}, bot.WithHTTPClient(srv.Client()), bot.WithWebhookBackoff(func(int) time.Duration { return 0 }))
	require.NoError(t, h.eng.PutRule(ctx, bot.Rule{Workspace: ws, ID: "hook", Trigger: bot.Trigger{Type: bot.TriggerNewLead},
		Actions: []bot.Action{{Type: bot.ActWebhook, Webhook: &bot.Webhook{URL: srv.URL, Secret: key}}}}))
	require.NoError(t, h.eng.Handle(ctx, h.inbound("wamid.1", "hi")))
	assert.Equal(t, int32(3), calls.Load())
	mu.Lock()
	defer mu.Unlock()
	assert.True(t, bot.VerifySignature([]byte(key), got, sig))
	assert.False(t, bot.VerifySignature([]byte("other"), got, sig))
	var p bot.WebhookPayload
	require.NoError(t, json.Unmarshal(got, &p))
	assert.Equal(t, "hook", p.RuleID)
	assert.Equal(t, "wamid.1", p.MessageID)
	assert.NotContains(t, string(got), "919876543210", "no phone numbers in the payload")

	// Success after retries is not a rule failure.
	rs, err := h.store.Rules(ctx, ws)
	require.NoError(t, err)
	assert.Zero(t, rs[0].Failures)
}

func TestLeadTriggersAndActions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t, bot.Settings{HandoffAssignee: "agent_9"})
	rules := []bot.Rule{
		{Workspace: ws, ID: "1-new", Position: 1, Trigger: bot.Trigger{Type: bot.TriggerNewLead},
			Actions: []bot.Action{{Type: bot.ActNote, Text: "new lead"}, {Type: bot.ActAssign, Value: "agent_1"}}},
		{Workspace: ws, ID: "2-vip", Position: 2, Trigger: bot.Trigger{Type: bot.TriggerTagAdded, Tag: "vip"},
			Actions: []bot.Action{{Type: bot.ActSendText, Text: "Welcome, VIP", QuickReplies: []bot.QuickReply{{Title: "Book", Payload: "book"}}},
				{Type: bot.ActBook, Booking: &bot.BookSlot{Offset: bot.Duration(24 * time.Hour), Length: bot.Duration(30 * time.Minute), Notes: "demo"}}}},
		{Workspace: ws, ID: "3-booked", Position: 3, Trigger: bot.Trigger{Type: bot.TriggerBookingCreated},
			Actions: []bot.Action{{Type: bot.ActSendMedia, Media: &bot.Media{Type: "document", URL: "https://example.com/b.pdf"}}, {Type: bot.ActHandoff, Text: "booked"}}},
		{Workspace: ws, ID: "4-never", Position: 4, Trigger: bot.Trigger{Type: bot.TriggerTagAdded, Tag: "other"},
			Actions: []bot.Action{{Type: bot.ActSendText, Text: "never"}}},
	}
	for _, r := range rules {
		require.NoError(t, h.eng.PutRule(ctx, r))
	}
	require.NoError(t, h.eng.Handle(ctx, h.inbound("wamid.1", "hi")))
	conv := h.conversation(t)
	assert.Equal(t, "agent_1", conv.Assignee)
	require.Len(t, h.pub.of(bot.UpdateConversationAssigned), 1)

	lead, err := h.crm.Tag(ctx, ws, conv.LeadID, crm.User("u1"), "vip")
	require.NoError(t, err)
	require.NoError(t, h.eng.Notify(ctx, bot.LeadEvent{Workspace: ws, LeadID: lead.ID, Type: bot.TriggerTagAdded, Tag: "vip", Actor: crm.User("u1")}))
	out := h.sender.sent()
	require.Len(t, out, 1)
	assert.Equal(t, "book", out[0].M.QuickReplies[0].Payload)
	bookings, err := h.crm.Bookings(ctx, ws, lead.ID)
	require.NoError(t, err)
	require.Len(t, bookings, 1)
	assert.True(t, h.clock().Add(24*time.Hour).Equal(bookings[0].Start))

	require.NoError(t, h.eng.Notify(ctx, bot.LeadEvent{Workspace: ws, LeadID: lead.ID, Type: bot.TriggerBookingCreated, Actor: crm.User("u1")}))
	require.Len(t, h.sender.sent(), 2)
	assert.Equal(t, "document", h.sender.sent()[1].M.Media.Type)
	require.Len(t, h.pub.of(bot.UpdateHandoff), 1)
	conv = h.conversation(t)
	assert.True(t, conv.Handoff)
	assert.Equal(t, "agent_9", conv.Assignee)

	require.NoError(t, h.eng.GiveBack(ctx, ws, conv.ID))
	assert.False(t, h.conversation(t).Handoff)
	st, err := h.store.AIState(ctx, ws, conv.ID)
	require.NoError(t, err)
	assert.False(t, st.Paused)

	assert.ErrorIs(t, h.eng.Notify(ctx, bot.LeadEvent{Workspace: ws, LeadID: lead.ID, Type: "sms"}), bot.ErrInvalid)
}

func TestConditions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	lo, hi := 10, 50
	hours := &bot.BusinessHours{}
	hours.Days[time.Monday] = []bot.Span{{Start: 9 * 60, End: 18 * 60}}
	for _, tc := range []struct {
		name string
		cond bot.Condition
		want bool
	}{
		{"channel", bot.Condition{Type: bot.CondChannel, Values: []string{"whatsapp"}}, true},
		{"other channel", bot.Condition{Type: bot.CondChannel, Values: []string{"instagram"}}, false},
		{"stage", bot.Condition{Type: bot.CondStage, Values: []string{"won"}}, false},
		{"not tag", bot.Condition{Type: bot.CondNotTag, Values: []string{"spam"}}, true},
		{"has tag", bot.Condition{Type: bot.CondHasTag, Values: []string{"spam"}}, false},
		{"field", bot.Condition{Type: bot.CondField, Field: "course"}, false},
		{"business hours", bot.Condition{Type: bot.CondBusinessHours}, true},
		{"outside hours", bot.Condition{Type: bot.CondBusinessHours, Negate: true}, false},
		{"text exact", bot.Condition{Type: bot.CondText, Mode: "exact", Values: []string{"price list"}}, true},
		{"text all", bot.Condition{Type: bot.CondText, Mode: "contains_all", Values: []string{"price", "hostel"}}, false},
		{"score range", bot.Condition{Type: bot.CondScore, Min: &lo, Max: &hi}, false},
		{"score max", bot.Condition{Type: bot.CondScore, Max: &hi}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, bot.Settings{Hours: hours})
			require.NoError(t, h.eng.PutRule(ctx, bot.Rule{Workspace: ws, ID: "r", Trigger: bot.Trigger{Type: bot.TriggerMessage},
				Conditions: []bot.Condition{tc.cond}, Actions: []bot.Action{{Type: bot.ActSendText, Text: "ok"}}}))
			require.NoError(t, h.eng.Handle(ctx, h.inbound("wamid.1", "Price List")))
			assert.Equal(t, tc.want, len(h.sender.sent()) == 1)
		})
	}
}

func TestScoringRateLimited(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fake := aitest.New()
	fake.Always("gpt-4o-mini", aitest.JSON(map[string]any{"score": 72, "reasons": []string{"asked for fees"}, "fields": []string{"conversation"}}))
	gw := newGateway(t, fake)
	h := newHarness(t, bot.Settings{ScoreOnMessage: true, ScoreEvery: time.Hour}, bot.WithScorer(gw))
	require.NoError(t, h.eng.Handle(ctx, h.inbound("wamid.1", "what are the fees?")))
	require.NoError(t, h.eng.Handle(ctx, h.inbound("wamid.2", "and the timings?")))
	lead, err := h.crm.Lead(ctx, ws, h.conversation(t).LeadID)
	require.NoError(t, err)
	assert.Equal(t, 72, lead.Score)
	assert.Equal(t, []string{"asked for fees"}, lead.ScoreReasons)
	assert.Len(t, fake.Requests(), 1, "rate-limited per lead")
	h.advance(time.Hour)
	require.NoError(t, h.eng.Handle(ctx, h.inbound("wamid.3", "ok")))
	assert.Len(t, fake.Requests(), 2)
}

func TestAIReplyThroughGateway(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fake := aitest.New()
	fake.Script("gpt-4o-mini",
		aitest.JSON(map[string]any{"decision": "send", "text": "We open at 9.", "reason": "", "citations": []string{}}),
		aitest.JSON(map[string]any{"decision": "needs_human", "text": "", "reason": "refund request", "citations": []string{}}))
	gw := newGateway(t, fake)
	h := newHarness(t, bot.Settings{}, bot.WithReplier(gw))
	require.NoError(t, h.eng.PutRule(ctx, bot.Rule{Workspace: ws, ID: "ai", Trigger: bot.Trigger{Type: bot.TriggerMessage},
		Actions: []bot.Action{{Type: bot.ActAIReply}}}))
	require.NoError(t, h.eng.Handle(ctx, h.inbound("wamid.1", "When do you open?")))
	require.Len(t, h.sender.sent(), 1)
	assert.Equal(t, "We open at 9.", h.sender.sent()[0].M.Text)
	assert.Equal(t, crm.ActorAI, outbound(h.messages(t))[0].Author.Kind)
	require.NoError(t, h.eng.Handle(ctx, h.inbound("wamid.2", "I want a refund")))
	assert.Len(t, h.sender.sent(), 1)
	hs := h.pub.of(bot.UpdateHandoff)
	require.Len(t, hs, 1)
	assert.Contains(t, hs[0].Reason, "refund request")
	_ = ai.DecisionSend
}

func TestSerializerKeepsOrder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var mu sync.Mutex
	got := map[string][]string{}
	s := bot.NewSerializer(ctx, 4, func(_ context.Context, ev bot.Event) error {
		mu.Lock()
		got[ev.From] = append(got[ev.From], ev.MessageID)
		mu.Unlock()
		return nil
	}, nil)
	want := map[string][]string{}
	for i := range 200 {
		from := string(rune('a' + i%7))
		id := from + string(rune('0'+i/7%10)) + string(rune('0'+i/70))
		want[from] = append(want[from], id)
		s.Submit(bot.Event{Channel: bot.WhatsApp, Account: phone, From: from, MessageID: id})
	}
	s.Close()
	assert.Equal(t, want, got)
}

func TestConcurrentConversations(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t, bot.Settings{})
	require.NoError(t, h.eng.PutRule(ctx, keywordRule("r", 0, "hi", "hello")))
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 5 {
				ev := h.inbound("wamid."+string(rune('a'+i))+string(rune('0'+j)), "hi")
				ev.From = "9198765432" + string(rune('0'+i)) + "0"
				assert.NoError(t, h.eng.Handle(ctx, ev))
				assert.NoError(t, h.eng.Handle(ctx, ev))
			}
		})
	}
	wg.Wait()
	assert.Len(t, h.sender.sent(), 40)
}

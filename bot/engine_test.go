package bot_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/ai/knowledge"
	"github.com/botsync/botsync/bot"
	"github.com/botsync/botsync/bot/memstore"
	"github.com/botsync/botsync/crm"
	crmmem "github.com/botsync/botsync/crm/memstore"
	"github.com/botsync/botsync/instagram"
	"github.com/botsync/botsync/meta/metatest"
)

const (
	ws    = "ws_1"
	phone = "106540352242922"
)

type sent struct {
	To bot.Recipient
	M  bot.Outbound
}

// recSender records sends; closed makes free-form sends fail as outside
// the window.
type recSender struct {
	mu     sync.Mutex
	n      int
	out    []sent
	closed bool
	fail   error
}

func (s *recSender) Send(_ context.Context, to bot.Recipient, m bot.Outbound) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return "", s.fail
	}
	if s.closed && m.Template == nil {
		return "", fmt.Errorf("closed: %w", bot.ErrOutsideWindow)
	}
	s.n++
	s.out = append(s.out, sent{to, m})
	return fmt.Sprintf("wamid.out%d", s.n), nil
}

func (s *recSender) sent() []sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]sent(nil), s.out...)
}

type recPub struct {
	mu sync.Mutex
	us []bot.Update
}

func (p *recPub) Publish(_ context.Context, u bot.Update) {
	p.mu.Lock()
	p.us = append(p.us, u)
	p.mu.Unlock()
}

func (p *recPub) of(t bot.UpdateType) []bot.Update {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []bot.Update
	for _, u := range p.us {
		if u.Type == t {
			out = append(out, u)
		}
	}
	return out
}

type answerFunc func(ctx context.Context, ws, q string, conv []knowledge.Turn) (knowledge.Answer, error)

func (f answerFunc) Answer(ctx context.Context, ws, q string, conv []knowledge.Turn) (knowledge.Answer, error) {
	return f(ctx, ws, q, conv)
}

type harness struct {
	eng    *bot.Engine
	crm    *crm.Service
	store  bot.Store
	sender *recSender
	pub    *recPub
	now    time.Time
	mu     sync.Mutex
}

func (h *harness) clock() time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.now
}

func (h *harness) advance(d time.Duration) {
	h.mu.Lock()
	h.now = h.now.Add(d)
	h.mu.Unlock()
}

func newHarness(t testing.TB, st bot.Settings, opts ...bot.Option) *harness {
	t.Helper()
	return newHarnessWith(t, st, crmmem.New(), memstore.New(), opts...)
}

func newHarnessWith(t testing.TB, st bot.Settings, crmStore crm.Store, botStore bot.Store, opts ...bot.Option) *harness {
	t.Helper()
	h := &harness{store: botStore, sender: &recSender{}, pub: &recPub{},
		now: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)} // a Monday
	svc, err := crm.New(crmStore, crm.WithDefaultRegion("IN"), crm.WithClock(h.clock))
	require.NoError(t, err)
	h.crm = svc
	require.NoError(t, svc.SetStages(context.Background(), ws, []crm.Stage{{Key: "new", Name: "New"}, {Key: "interested", Name: "Interested"}, {Key: "won", Name: "Won"}}))
	reg := bot.Registry{}
	reg.Add(bot.Account{Workspace: ws, Channel: bot.WhatsApp, ID: phone, Sender: h.sender})
	opts = append([]bot.Option{bot.WithClock(h.clock), bot.WithPublisher(h.pub), bot.WithSettings(bot.StaticSettings{ws: st})}, opts...)
	h.eng, err = bot.New(reg, svc, h.store, opts...)
	require.NoError(t, err)
	return h
}

func (h *harness) inbound(id, text string) bot.Event {
	return bot.Event{Kind: bot.EventMessage, Channel: bot.WhatsApp, Account: phone, DedupKey: "wa:" + id,
		From: "919876543210", Name: "Asha", MessageID: id, Type: "text", Text: text, Time: h.clock()}
}

func (h *harness) conversation(t *testing.T) *crm.Conversation {
	t.Helper()
	lead, err := h.crm.LeadByIdentity(context.Background(), ws, crm.WAID("919876543210"))
	require.NoError(t, err)
	convs, err := h.crm.Conversations(context.Background(), ws, lead.ID)
	require.NoError(t, err)
	require.Len(t, convs, 1)
	return convs[0]
}

func (h *harness) messages(t *testing.T) []*crm.Message {
	t.Helper()
	ms, err := h.crm.Messages(context.Background(), ws, h.conversation(t).ID)
	require.NoError(t, err)
	return ms
}

func keywordRule(id string, pos int, kw, reply string) bot.Rule {
	return bot.Rule{Workspace: ws, ID: id, Position: pos,
		Trigger: bot.Trigger{Type: bot.TriggerKeyword, Keywords: []string{kw}},
		Actions: []bot.Action{{Type: bot.ActSendText, Text: reply}}}
}

func TestInboundIdempotent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t, bot.Settings{})
	require.NoError(t, h.eng.PutRule(ctx, keywordRule("fees", 0, "fees", "Fees are ₹1,80,000")))
	ev := h.inbound("wamid.1", "What are the fees?")
	for range 3 {
		require.NoError(t, h.eng.Handle(ctx, ev))
	}
	ms := h.messages(t)
	require.Len(t, ms, 2, "one inbound, one reply")
	out := outbound(ms)
	require.Len(t, out, 1)
	assert.Equal(t, crm.ActorAutomation, out[0].Author.Kind)
	assert.Len(t, h.sender.sent(), 1)
	assert.Equal(t, "919876543210", h.sender.sent()[0].To.ID)
	assert.Len(t, h.pub.of(bot.UpdateLeadCreated), 1)
	assert.Len(t, h.pub.of(bot.UpdateMessageCreated), 2)

	// Statuses apply to the outbound message and only move forward.
	st := bot.Event{Kind: bot.EventStatus, Channel: bot.WhatsApp, Account: phone, MessageID: out[0].ProviderID, Status: crm.MessageRead}
	require.NoError(t, h.eng.Handle(ctx, st))
	st.Status = crm.MessageDelivered
	require.NoError(t, h.eng.Handle(ctx, st))
	assert.Equal(t, crm.MessageRead, outbound(h.messages(t))[0].Status)
	assert.Len(t, h.pub.of(bot.UpdateMessageStatus), 1)
	st.MessageID = "wamid.unknown"
	assert.NoError(t, h.eng.Handle(ctx, st), "statuses of messages sent elsewhere are ignored")
}

func TestHandleErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t, bot.Settings{})
	ev := h.inbound("wamid.1", "hi")
	ev.Account = "999"
	assert.ErrorIs(t, h.eng.Handle(ctx, ev), bot.ErrUnknownAccount)
	ev = h.inbound("wamid.1", "hi")
	ev.Channel = "sms"
	assert.ErrorIs(t, h.eng.Handle(ctx, ev), bot.ErrInvalid)
	ev = h.inbound("wamid.1", "hi")
	ev.From = ""
	assert.ErrorContains(t, h.eng.Handle(ctx, ev), "event.from")
}

func TestRuleOrderAndStop(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t, bot.Settings{})
	first := keywordRule("a", 1, "fees", "first")
	first.StopProcessing = true
	require.NoError(t, h.eng.PutRule(ctx, keywordRule("b", 2, "fees", "second")))
	require.NoError(t, h.eng.PutRule(ctx, first))
	tag := bot.Rule{Workspace: ws, ID: "tag", Position: 0, Trigger: bot.Trigger{Type: bot.TriggerMessage},
		Conditions: []bot.Condition{{Type: bot.CondChannel, Values: []string{"whatsapp"}}, {Type: bot.CondText, Values: []string{"fees"}}},
		Actions:    []bot.Action{{Type: bot.ActAddTag, Values: []string{"fees"}}, {Type: bot.ActMoveStage, Value: "interested"}}}
	require.NoError(t, h.eng.PutRule(ctx, tag))
	require.NoError(t, h.eng.Handle(ctx, h.inbound("wamid.1", "FEES please")))
	out := h.sender.sent()
	require.Len(t, out, 1)
	assert.Equal(t, "first", out[0].M.Text)
	assert.Equal(t, "a", out[0].M.Label)
	lead, err := h.crm.LeadByIdentity(ctx, ws, crm.WAID("919876543210"))
	require.NoError(t, err)
	assert.True(t, lead.HasTag("fees"))
	assert.Equal(t, "interested", lead.Stage)

	// Loop guard: stage changes by automations do not trigger rules.
	require.NoError(t, h.eng.PutRule(ctx, bot.Rule{Workspace: ws, ID: "on-stage", Trigger: bot.Trigger{Type: bot.TriggerStageChanged, Stage: "interested"},
		Actions: []bot.Action{{Type: bot.ActSendText, Text: "welcome to interested"}}}))
	require.NoError(t, h.eng.Notify(ctx, bot.LeadEvent{Workspace: ws, LeadID: lead.ID, Type: bot.TriggerStageChanged, Stage: "interested", Actor: crm.Actor{Kind: crm.ActorAutomation, ID: "tag"}}))
	assert.Len(t, h.sender.sent(), 1)
	require.NoError(t, h.eng.Notify(ctx, bot.LeadEvent{Workspace: ws, LeadID: lead.ID, Type: bot.TriggerStageChanged, Stage: "interested", Actor: crm.User("u1")}))
	assert.Len(t, h.sender.sent(), 2, "a person's change triggers")
}

func TestOwnEchoIgnoredHumanEchoPauses(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t, bot.Settings{QuietPeriod: time.Hour})
	require.NoError(t, h.eng.PutRule(ctx, bot.Rule{Workspace: ws, ID: "any", Trigger: bot.Trigger{Type: bot.TriggerMessage}, Actions: []bot.Action{{Type: bot.ActSendText, Text: "x"}}}))
	require.NoError(t, h.eng.Handle(ctx, h.inbound("wamid.1", "hi")))
	echo := h.inbound("mid.own", "x")
	echo.Kind, echo.Own = bot.EventEcho, true
	require.NoError(t, h.eng.Handle(ctx, echo))
	assert.Len(t, h.messages(t), 2, "own echo not recorded again")
	echo = h.inbound("mid.human", "let me check")
	echo.Kind = bot.EventEcho
	require.NoError(t, h.eng.Handle(ctx, echo))
	assert.Len(t, h.messages(t), 3)
	assert.Len(t, h.sender.sent(), 1, "echoes never trigger rules")
	st, err := h.store.AIState(ctx, ws, h.conversation(t).ID)
	require.NoError(t, err)
	assert.True(t, st.Paused)
	assert.Len(t, h.pub.of(bot.UpdateAIPaused), 1)
}

func TestRuleDisabledAfterFailures(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t, bot.Settings{}, bot.WithMaxFailures(2))
	h.sender.fail = fmt.Errorf("graph down")
	require.NoError(t, h.eng.PutRule(ctx, keywordRule("r", 0, "hi", "hello")))
	require.NoError(t, h.eng.Handle(ctx, h.inbound("wamid.1", "hi")))
	require.NoError(t, h.eng.Handle(ctx, h.inbound("wamid.2", "hi")))
	rs, err := h.store.Rules(ctx, ws)
	require.NoError(t, err)
	assert.True(t, rs[0].Disabled)
	assert.Contains(t, rs[0].DisabledReason, "graph down")
	require.Len(t, h.pub.of(bot.UpdateRuleDisabled), 1)
	h.sender.fail = nil
	require.NoError(t, h.eng.Handle(ctx, h.inbound("wamid.3", "hi")))
	assert.Empty(t, h.sender.sent(), "disabled rule does not run")
}

func TestOutsideWindow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tpl := &bot.Template{Name: "reengage", Language: "en"}
	for _, tc := range []struct {
		name     string
		st       bot.Settings
		template bool
	}{
		{"re-engagement template", bot.Settings{Reengagement: tpl}, true},
		{"reason recorded", bot.Settings{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, tc.st)
			h.sender.closed = true
			require.NoError(t, h.eng.PutRule(ctx, keywordRule("r", 0, "hi", "hello")))
			require.NoError(t, h.eng.Handle(ctx, h.inbound("wamid.1", "hi")))
			if tc.template {
				require.Len(t, h.sender.sent(), 1)
				assert.Equal(t, "reengage", h.sender.sent()[0].M.Template.Name)
				assert.Empty(t, h.pub.of(bot.UpdateSendBlocked))
			} else {
				assert.Empty(t, h.sender.sent())
				require.Len(t, h.pub.of(bot.UpdateSendBlocked), 1)
				acts, err := h.crm.Activities(ctx, ws, h.conversation(t).LeadID)
				require.NoError(t, err)
				var noted bool
				for _, a := range acts {
					noted = noted || a.Type == crm.ActivityNote
				}
				assert.True(t, noted, "reason noted on the lead")
			}
		})
	}
}

func TestAwayMessage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	hours := &bot.BusinessHours{}
	hours.Days[time.Monday] = []bot.Span{{Start: 9 * 60, End: 10 * 60}}
	h := newHarness(t, bot.Settings{Hours: hours, AwayMessage: "We're closed, back at 9", TimeZone: "UTC"})
	h.advance(2 * time.Hour) // Monday 12:00, closed
	require.NoError(t, h.eng.Handle(ctx, h.inbound("wamid.1", "hi")))
	require.NoError(t, h.eng.Handle(ctx, h.inbound("wamid.2", "anyone?")))
	require.Len(t, h.sender.sent(), 1, "once per conversation per day")
	assert.Equal(t, "We're closed, back at 9", h.sender.sent()[0].M.Text)
}

func outbound(ms []*crm.Message) []*crm.Message {
	var out []*crm.Message
	for _, m := range ms {
		if m.Direction == crm.Outbound {
			out = append(out, m)
		}
	}
	return out
}

func TestStandbyRecordedNotAnswered(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t, bot.Settings{})
	reg := bot.Registry{}
	reg.Add(bot.Account{Workspace: ws, Channel: bot.Messenger, ID: "107656651234567", Sender: h.sender})
	eng, err := bot.New(reg, h.crm, h.store, bot.WithClock(h.clock))
	require.NoError(t, err)
	require.NoError(t, eng.PutRule(ctx, bot.Rule{Workspace: ws, ID: "any", Trigger: bot.Trigger{Type: bot.TriggerMessage},
		Actions: []bot.Action{{Type: bot.ActSendText, Text: "hi"}}}))
	ies, err := instagram.ParseWebhook(metatest.Fixture("messenger/standby.json"))
	require.NoError(t, err)
	require.Len(t, ies, 1)
	ev, ok := bot.FromInstagram(ies[0])
	require.True(t, ok)
	assert.Equal(t, bot.Messenger, ev.Channel)
	assert.True(t, ev.Standby)
	require.NoError(t, eng.Handle(ctx, ev))
	assert.Empty(t, h.sender.sent())
	lead, err := h.crm.LeadByIdentity(ctx, ws, crm.Identity{Kind: crm.KindPSID, Value: "6783451234567890"})
	require.NoError(t, err)
	convs, err := h.crm.Conversations(ctx, ws, lead.ID)
	require.NoError(t, err)
	msgs, err := h.crm.Messages(ctx, ws, convs[0].ID)
	require.NoError(t, err)
	assert.Len(t, msgs, 1)
}

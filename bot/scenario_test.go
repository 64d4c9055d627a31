package bot_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/ai"
	"github.com/botsync/botsync/ai/aitest"
	"github.com/botsync/botsync/ai/knowledge"
	"github.com/botsync/botsync/ai/knowledge/knowledgetest"
	kmem "github.com/botsync/botsync/ai/knowledge/memstore"
	"github.com/botsync/botsync/bot"
	"github.com/botsync/botsync/bot/memstore"
	botpg "github.com/botsync/botsync/bot/pgstore"
	"github.com/botsync/botsync/crm"
	crmmem "github.com/botsync/botsync/crm/memstore"
	crmpg "github.com/botsync/botsync/crm/pgstore"
	"github.com/botsync/botsync/instagram"
	"github.com/botsync/botsync/instagram/instagramtest"
	"github.com/botsync/botsync/internal/pgtest"
	"github.com/botsync/botsync/meta/metatest"
	"github.com/botsync/botsync/secret"
	"github.com/botsync/botsync/whatsapp"
	"github.com/botsync/botsync/whatsapp/whatsapptest"
)

// stores builds the CRM and engine stores of a scenario.
type stores struct {
	name string
	new  func(t *testing.T) (crm.Store, bot.Store)
}

var allStores = []stores{
	{"memory", func(*testing.T) (crm.Store, bot.Store) { return crmmem.New(), memstore.New() }},
	{"postgres", func(t *testing.T) (crm.Store, bot.Store) {
		pool := pgtest.Postgres(t)
		ctx := context.Background()
		require.NoError(t, crmpg.Migrate(ctx, pool))
		require.NoError(t, botpg.Migrate(ctx, pool))
		return crmpg.New(pool), botpg.New(pool)
	}},
}

// gatewayModel adapts the AI gateway to knowledge.Model (the five lines
// docs/pending/ai.md describes).
type gatewayModel struct{ gw *ai.Gateway }

func (m gatewayModel) CompleteJSON(ctx context.Context, ws string, r knowledge.ModelRequest) ([]byte, error) {
	msgs := make([]ai.Message, len(r.Messages))
	for i, t := range r.Messages {
		msgs[i] = ai.Message{Role: ai.Role(t.Role), Content: t.Text}
	}
	c, err := m.gw.CompleteJSON(ctx, ws, ai.JSONRequest{Task: "knowledge_answer", System: r.System,
		Messages: msgs, SchemaName: r.SchemaName, Schema: r.Schema})
	if err != nil {
		return nil, err
	}
	return c.JSON, nil
}

func newGateway(t *testing.T, fake *aitest.Server) *ai.Gateway {
	t.Helper()
	p, err := ai.NewProvider("openai", ai.OpenAI, secret.New("sk-test"),
		ai.WithBaseURL("http://fake/v1"), ai.WithTransport(fake.Transport()))
	require.NoError(t, err)
	router, err := ai.NewRouter([]*ai.Provider{p})
	require.NoError(t, err)
	gw, err := ai.NewGateway(router, ai.StaticConfig{ws: {Chain: []ai.Link{{Provider: "openai", Model: "gpt-4o-mini"}}}},
		ai.WithEmbedding(ai.EmbeddingConfig{Provider: "openai", Model: "text-embedding-3-small", Dimensions: 64}))
	require.NoError(t, err)
	return gw
}

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// deliver decodes a WhatsApp webhook body and handles it twice, as Meta
// may redeliver.
func deliver(t *testing.T, eng *bot.Engine, body []byte) {
	t.Helper()
	evs, err := whatsapp.Decode(body)
	require.NoError(t, err)
	for range 2 {
		for _, we := range evs {
			for _, ev := range bot.FromWhatsApp(we) {
				require.NoError(t, eng.Handle(context.Background(), ev))
			}
		}
	}
}

func TestScenarioWhatsAppKnowledgeHandoffPause(t *testing.T) {
	t.Parallel()
	for _, st := range allStores {
		t.Run(st.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			clk := &clock{now: time.Now().UTC().Truncate(time.Second)}
			crmStore, botStore := st.new(t)

			wa := whatsapptest.New(t, whatsapptest.WithClock(clk.Now))
			window := whatsapp.NewWindow(nil, clk.Now)
			client := wa.WhatsApp("token", whatsapp.WithWindow(window))

			fake := aitest.New()
			gw := newGateway(t, fake)
			kb, err := knowledge.New(kmem.New(), gw, knowledge.WithModel(gatewayModel{gw}), knowledge.WithClock(clk.Now))
			require.NoError(t, err)
			_, err = kb.Ingest(ctx, ws, knowledge.Source{ID: "fees", Title: "Fee structure", Format: knowledge.FormatMarkdown,
				Content: "# Fees\n\nThe JEE two-year batch fees are ₹1,80,000, payable in three instalments."})
			require.NoError(t, err)
			res, err := kb.Search(ctx, ws, "JEE batch fees", knowledge.SearchOptions{})
			require.NoError(t, err)
			require.NotEmpty(t, res.Hits)
			chunk := res.Hits[0].Chunk.ID
			answer := "The JEE two-year batch fees are ₹1,80,000, payable in three instalments."
			fake.Script("gpt-4o-mini", aitest.Text(string(knowledgetest.Reply(answer, knowledge.ModelCitation{ChunkID: chunk, Quote: "₹1,80,000"}))))

			svc, err := crm.New(crmStore, crm.WithDefaultRegion("IN"), crm.WithClock(clk.Now))
			require.NoError(t, err)
			reg := bot.Registry{}
			reg.Add(bot.Account{Workspace: ws, Channel: bot.WhatsApp, ID: whatsapptest.PhoneNumberID,
				Sender: bot.NewWhatsAppSender(client.Messages, window, whatsapptest.PhoneNumberID)})
			pub := &recPub{}
			eng, err := bot.New(reg, svc, botStore, bot.WithAnswerer(kb), bot.WithPublisher(pub), bot.WithClock(clk.Now),
				bot.WithSettings(bot.StaticSettings{ws: {AIChannels: []bot.Channel{bot.WhatsApp}, QuietPeriod: time.Hour, HandoffAssignee: "agent_1"}}))
			require.NoError(t, err)

			// 1. A lead asks about fees: a knowledge answer with its citation.
			deliver(t, eng, wa.InboundText("919876543210", "", "Asha", "What are the JEE batch fees?"))
			sent := wa.Sent()
			require.Len(t, sent, 1, "one answer even though the webhook came twice")
			assert.Contains(t, string(sent[0].Body), "1,80,000")
			var cited []knowledge.Citation
			created := pub.of(bot.UpdateMessageCreated)
			require.Len(t, created, 2, "the inbound message and the answer, once each")
			for _, u := range created {
				cited = append(cited, u.Citations...)
			}
			require.Len(t, cited, 1)
			assert.Equal(t, "fees", cited[0].SourceID)

			// Statuses of the answer move it forward, once.
			deliver(t, eng, wa.StatusWebhook(wa.Statuses(sent[0], "delivered", "read")...))
			lead, err := svc.LeadByIdentity(ctx, ws, crm.WAID("919876543210"))
			require.NoError(t, err)
			convs, err := svc.Conversations(ctx, ws, lead.ID)
			require.NoError(t, err)
			conv := convs[0]
			msgs, err := svc.Messages(ctx, ws, conv.ID)
			require.NoError(t, err)
			require.Len(t, msgs, 2)
			assert.Equal(t, crm.MessageRead, outbound(msgs)[0].Status)

			// 2. Something the knowledge base does not know: handoff.
			clk.Add(time.Minute)
			deliver(t, eng, wa.InboundText("919876543210", "", "Asha", "Can my pet parrot stay in the hostel room?"))
			assert.Len(t, wa.Sent(), 1, "no guess sent")
			require.Len(t, pub.of(bot.UpdateHandoff), 1)
			conv, err = svc.Conversation(ctx, ws, conv.ID)
			require.NoError(t, err)
			assert.True(t, conv.Handoff)
			assert.Equal(t, "agent_1", conv.Assignee)

			// 3. The agent replies: the AI stays paused.
			_, err = eng.SendAgentMessage(ctx, ws, conv.ID, "agent_1", "Let me check with the warden.")
			require.NoError(t, err)
			require.Len(t, wa.Sent(), 2)
			clk.Add(10 * time.Minute)
			deliver(t, eng, wa.InboundText("919876543210", "", "Asha", "And the JEE batch fees again?"))
			assert.Len(t, wa.Sent(), 2, "AI paused after a human reply")

			// After the quiet period the AI answers again.
			clk.Add(time.Hour)
			fake.Script("gpt-4o-mini", aitest.Text(string(knowledgetest.Reply(answer, knowledge.ModelCitation{ChunkID: chunk}))))
			deliver(t, eng, wa.InboundText("919876543210", "", "Asha", "What are the JEE batch fees?"))
			require.Len(t, wa.Sent(), 3)
			assert.Len(t, pub.of(bot.UpdateAIResumed), 1)

			msgs, err = svc.Messages(ctx, ws, conv.ID)
			require.NoError(t, err)
			assert.Len(t, msgs, 7, "4 inbound, 3 outbound: redelivery stored nothing twice")
		})
	}
}

const igAccount = "17841405822304914"

func TestScenarioCommentToDMOnce(t *testing.T) {
	t.Parallel()
	for _, st := range allStores {
		t.Run(st.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			body := metatest.Fixture("instagram/comment.json")
			commentAt := time.Unix(1750091800, 0).UTC()
			clk := &clock{now: commentAt.Add(time.Minute)}
			crmStore, botStore := st.new(t)
			svc, err := crm.New(crmStore, crm.WithClock(clk.Now))
			require.NoError(t, err)

			f := instagramtest.New(t)
			// Two engine instances share the stores, as two servers would.
			var engines []*bot.Engine
			for range 2 {
				igc := f.Client(t, instagram.InstagramLogin, igAccount,
					instagram.WithClaims(bot.CommentClaims(botStore, ws)), instagram.WithClock(clk.Now))
				reg := bot.Registry{}
				reg.Add(bot.Account{Workspace: ws, Channel: bot.Instagram, ID: igAccount,
					Sender: bot.NewInstagramSender(igc), Comments: igc})
				eng, err := bot.New(reg, svc, botStore, bot.WithClock(clk.Now))
				require.NoError(t, err)
				engines = append(engines, eng)
			}
			for i, kw := range []string{"fees", "kitni"} {
				require.NoError(t, engines[0].PutRule(ctx, bot.Rule{Workspace: ws, ID: "c" + kw, Position: i,
					Trigger: bot.Trigger{Type: bot.TriggerComment, Keywords: []string{kw}},
					Actions: []bot.Action{{Type: bot.ActCommentReply, Text: "Sent you the fee details in DM!", PublicText: "Check your DMs 📩"},
						{Type: bot.ActAddTag, Values: []string{"comment-lead"}}}}))
			}

			evs, err := instagram.ParseWebhook(body)
			require.NoError(t, err)
			var wg sync.WaitGroup
			for _, eng := range engines {
				for range 2 { // delivered twice to each instance
					wg.Go(func() {
						for _, ie := range evs {
							ev, ok := bot.FromInstagram(ie)
							require.True(t, ok)
							assert.NoError(t, eng.Handle(ctx, ev))
						}
					})
				}
			}
			wg.Wait()

			var private int
			for _, s := range f.Sent() {
				if s.CommentID != "" {
					private++
				}
			}
			assert.Equal(t, 1, private, "one private reply")
			assert.Len(t, f.PublicReplies(), 1, "one public reply")
			lead, err := svc.LeadByIdentity(ctx, ws, crm.Identity{Kind: crm.KindIGSID, Value: "1263543048474829"})
			require.NoError(t, err)
			assert.True(t, lead.HasTag("comment-lead"))
		})
	}
}

func TestRedeliveryOfFixturesChangesNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t, bot.Settings{})
	reg := bot.Registry{}
	sender := &recSender{}
	var handled int
	for _, name := range metatest.Fixtures() {
		body := metatest.Fixture(name)
		var evs []bot.Event
		switch {
		case strings.HasPrefix(name, "whatsapp/"):
			wes, err := whatsapp.Decode(body)
			require.NoError(t, err, name)
			for _, we := range wes {
				evs = append(evs, bot.FromWhatsApp(we)...)
			}
		default:
			ies, err := instagram.ParseWebhook(body)
			require.NoError(t, err, name)
			for _, ie := range ies {
				if ev, ok := bot.FromInstagram(ie); ok {
					evs = append(evs, ev)
				}
			}
		}
		for _, ev := range evs {
			if _, err := reg.Account(ctx, ev.Channel, ev.Account); err != nil {
				reg.Add(bot.Account{Workspace: ws, Channel: ev.Channel, ID: ev.Account, Sender: sender})
			}
		}
		_ = body
		for range 2 {
			for _, ev := range evs {
				eng, err := bot.New(reg, h.crm, h.store, bot.WithClock(h.clock))
				require.NoError(t, err)
				require.NoError(t, eng.Handle(ctx, ev), name)
				handled++
			}
		}
	}
	assert.Greater(t, handled, 20)
	leads, err := h.crm.Search(ctx, ws, crm.Query{})
	require.NoError(t, err)
	var total int
	for _, l := range leads.Leads {
		convs, err := h.crm.Conversations(ctx, ws, l.ID)
		require.NoError(t, err)
		for _, c := range convs {
			ms, err := h.crm.Messages(ctx, ws, c.ID)
			require.NoError(t, err)
			seen := map[string]bool{}
			for _, m := range ms {
				assert.False(t, seen[m.ProviderID], "message stored twice")
				seen[m.ProviderID] = true
			}
			total += len(ms)
		}
	}
	assert.Positive(t, total)
}

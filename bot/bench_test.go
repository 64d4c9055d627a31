package bot_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/botsync/botsync/bot"
	botpg "github.com/botsync/botsync/bot/pgstore"
	crmpg "github.com/botsync/botsync/crm/pgstore"
	"github.com/botsync/botsync/internal/pgtest"
)

// BenchmarkHandleInboundText: an inbound WhatsApp text through Handle with
// memory stores and a no-AI rule set (a keyword rule that does not match,
// a tagging rule and a no-reply rule), one new lead per 10 messages.
func BenchmarkHandleInboundText(b *testing.B) {
	benchHandle(b, newHarness(b, bot.Settings{}))
}

// BenchmarkHandleInboundTextPostgres is the same on crm/pgstore and
// bot/pgstore (skipped without BOTSYNC_TEST_POSTGRES_URL).
func BenchmarkHandleInboundTextPostgres(b *testing.B) {
	pool := pgtest.Postgres(b)
	ctx := context.Background()
	if err := crmpg.Migrate(ctx, pool); err != nil {
		b.Fatal(err)
	}
	if err := botpg.Migrate(ctx, pool); err != nil {
		b.Fatal(err)
	}
	benchHandle(b, newHarnessWith(b, bot.Settings{}, crmpg.New(pool), botpg.New(pool)))
}

func benchHandle(b *testing.B, h *harness) {
	ctx := context.Background()
	for _, r := range []bot.Rule{
		keywordRule("kw", 0, "brochure", "Here it is"),
		{Workspace: ws, ID: "tag", Position: 1, Trigger: bot.Trigger{Type: bot.TriggerMessage},
			Conditions: []bot.Condition{{Type: bot.CondText, Values: []string{"fees"}}},
			Actions:    []bot.Action{{Type: bot.ActAddTag, Values: []string{"fees"}}}},
		{Workspace: ws, ID: "nr", Position: 2, Trigger: bot.Trigger{Type: bot.TriggerNoReply, After: bot.Duration(3600e9)},
			Actions: []bot.Action{{Type: bot.ActSendText, Text: "still there?"}}},
	} {
		if err := h.eng.PutRule(ctx, r); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		ev := h.inbound(fmt.Sprintf("wamid.%d", i), "hello, what are the timings?")
		ev.From = fmt.Sprintf("9198%08d", i/10)
		if err := h.eng.Handle(ctx, ev); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

package broadcast_test

import (
	"context"
	"testing"

	"github.com/botsync/botsync/whatsapp/broadcast"
	"github.com/botsync/botsync/whatsapp/broadcast/broadcasttest"
	"github.com/botsync/botsync/whatsapp/broadcast/memstore"
)

// BenchmarkCampaign10kAt1000 sends 10,000 recipients at a configured 1,000
// messages per second through the fake (real time: about 10 s per op).
func BenchmarkCampaign10kAt1000(b *testing.B) {
	broadcasttest.BenchmarkCampaign(b, func(*testing.B) broadcast.Store { return memstore.New() }, 10_000, 1000)
}

// BenchmarkCampaign800At80 sends 800 recipients at 80 per second (10 s).
func BenchmarkCampaign800At80(b *testing.B) {
	broadcasttest.BenchmarkCampaign(b, func(*testing.B) broadcast.Store { return memstore.New() }, 800, 80)
}

// BenchmarkPlan100k freezes an audience of 100,000 members.
func BenchmarkPlan100k(b *testing.B) {
	ctx := context.Background()
	aud := broadcasttest.Members(100_000)
	for b.Loop() {
		svc, err := broadcast.New(memstore.New(), broadcasttest.NewSender(nil))
		if err != nil {
			b.Fatal(err)
		}
		c, err := svc.Create(ctx, *broadcasttest.NewCampaign("ws1", ""), "user:bench")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := svc.Plan(ctx, "ws1", c.ID, aud, "user:bench"); err != nil {
			b.Fatal(err)
		}
	}
}

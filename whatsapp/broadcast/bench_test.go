package broadcast_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/botsync/botsync/whatsapp"
	"github.com/botsync/botsync/whatsapp/broadcast"
	"github.com/botsync/botsync/whatsapp/broadcast/broadcasttest"
	"github.com/botsync/botsync/whatsapp/broadcast/memstore"
	"github.com/botsync/botsync/whatsapp/whatsapptest"
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

// timedSender records when each send call leaves.
type timedSender struct {
	broadcast.Sender
	mu    sync.Mutex
	times []time.Time
}

func (t *timedSender) Send(ctx context.Context, phoneNumberID string, m whatsapp.Message) (*whatsapp.SendResult, error) {
	now := time.Now()
	res, err := t.Sender.Send(ctx, phoneNumberID, m)
	if err == nil {
		t.mu.Lock()
		t.times = append(t.times, now)
		t.mu.Unlock()
	}
	return res, err
}

// BenchmarkCampaignCloudAPI10kAt1000 sends 10,000 recipients at 1,000/s
// through the real whatsapp client over HTTP to the fake Cloud API
// (whatsapptest), timing each call as it leaves.
func BenchmarkCampaignCloudAPI10kAt1000(b *testing.B) {
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		fake := whatsapptest.New(b)
		sender := &timedSender{Sender: fake.WhatsApp("tok").Messages}
		svc, err := broadcast.New(memstore.New(), sender)
		if err != nil {
			b.Fatal(err)
		}
		c := broadcasttest.NewCampaign("ws1", "")
		c.PhoneNumberID, c.Rate = whatsapptest.PhoneNumberID, 1000
		b.StartTimer()
		created, err := svc.Create(ctx, *c, "user:bench")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := svc.Plan(ctx, "ws1", created.ID, broadcasttest.Members(10_000), "user:bench"); err != nil {
			b.Fatal(err)
		}
		if _, err := svc.Start(ctx, "ws1", created.ID, "user:bench"); err != nil {
			b.Fatal(err)
		}
		if err := svc.Run(ctx, "ws1", created.ID, broadcast.WithWorkers(32)); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if n := len(fake.Sent()); n != 10_000 {
			b.Fatalf("the fake accepted %d of 10000", n)
		}
		achieved, most := broadcasttest.RateStats(sender.times)
		b.ReportMetric(achieved, "msgs/s")
		b.ReportMetric(float64(most), "max/1s")
		b.StartTimer()
	}
}

package broadcasttest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/botsync/botsync/whatsapp/broadcast"
)

// BenchmarkCampaign plans a campaign of n recipients on stores made by
// newStore and runs it at rate messages per second through the fake
// sender, in real time. It reports the achieved rate ("msgs/s"), the most
// sends in any one-second window ("max/1s") and the planning time
// ("plan-ms").
func BenchmarkCampaign(b *testing.B, newStore func(b *testing.B) broadcast.Store, n, rate int) {
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		store := newStore(b)
		fake := NewSender(nil)
		fake.SetLatency(5*time.Millisecond, nil)
		svc, err := broadcast.New(store, fake)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		c := StartCampaign(b, svc, "ws-bench", n, rate)
		plan := time.Since(start)
		if err := svc.Run(ctx, c.WorkspaceID, c.ID, broadcast.WithWorkers(32)); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		sent := fake.Sent()
		if len(sent) != n {
			b.Fatalf("sent %d of %d", len(sent), n)
		}
		times := make([]time.Time, len(sent))
		for i, s := range sent {
			times[i] = s.At
		}
		achieved, most := RateStats(times)
		b.ReportMetric(achieved, "msgs/s")
		b.ReportMetric(float64(most), "max/1s")
		b.ReportMetric(float64(plan.Milliseconds()), "plan-ms")
		b.StartTimer()
	}
}

// RateStats returns the achieved rate (messages per second between the
// first and the last send) and the most sends in any half-open one-second
// window.
func RateStats(times []time.Time) (float64, int) {
	if len(times) < 2 {
		return 0, len(times)
	}
	times = slices.Clone(times)
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	most, j := 0, 0
	for i := range times {
		for times[j].Add(time.Second).Compare(times[i]) <= 0 {
			j++
		}
		most = max(most, i-j+1)
	}
	return float64(len(times)-1) / times[len(times)-1].Sub(times[0]).Seconds(), most
}

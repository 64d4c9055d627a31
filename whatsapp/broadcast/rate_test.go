package broadcast_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/whatsapp/broadcast"
	"github.com/botsync/botsync/whatsapp/broadcast/broadcasttest"
	"github.com/botsync/botsync/whatsapp/broadcast/memstore"
)

func TestRate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		rate, n int
		latency time.Duration
	}{
		{"1000 per second", 1000, 2000, 0},
		{"1000 per second with 40ms latency", 1000, 1500, 40 * time.Millisecond},
		{"80 per second", 80, 200, 0},
		{"80 per second with 300ms latency", 80, 200, 300 * time.Millisecond},
		{"7 per second", 7, 30, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				fake := broadcasttest.NewSender(nil)
				if tc.latency > 0 {
					fake.SetLatency(tc.latency, nil)
				}
				svc, err := broadcast.New(memstore.New(), fake)
				require.NoError(t, err)
				c := broadcasttest.StartCampaign(t, svc, "ws1", tc.n, tc.rate)
				require.NoError(t, svc.Run(context.Background(), "ws1", c.ID, broadcast.WithWorkers(64)))
				sent := fake.Sent()
				require.Len(t, sent, tc.n)
				times := make([]time.Time, len(sent))
				for i, s := range sent {
					times[i] = s.At
				}
				achieved, most := broadcasttest.RateStats(times)
				assert.InEpsilon(t, float64(tc.rate), achieved, 0.05, "achieved %.1f/s", achieved)
				assert.LessOrEqual(t, most, tc.rate, "no one-second window above the limit")
				got, err := svc.Campaign(context.Background(), "ws1", c.ID)
				require.NoError(t, err)
				assert.Equal(t, broadcast.StateCompleted, got.State)
			})
		})
	}
}

package broadcasttest_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/whatsapp"
	"github.com/botsync/botsync/whatsapp/broadcast/broadcasttest"
)

func TestSender(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		f := broadcasttest.NewSender(nil)
		f.SetLatency(time.Second, nil)
		f.FailRecipient("919800000002", broadcasttest.APIError(131050))
		tpl := whatsapp.Template{Name: "t", Language: "en"}
		res, err := f.Send(ctx, "1", whatsapp.Message{To: whatsapp.Phone("+919800000001"), Content: tpl, CallbackData: "bc1:c:1"})
		require.NoError(t, err)
		assert.NotEmpty(t, res.MessageID)
		_, err = f.Send(ctx, "1", whatsapp.Message{To: whatsapp.Phone("+919800000002"), Content: tpl})
		assert.Equal(t, whatsapp.ActionSuppressRecipient, whatsapp.ActionOf(err))
		_, err = f.Send(ctx, "1", whatsapp.Message{To: whatsapp.Phone("+919800000003"), Content: whatsapp.Text{Body: "hi"}})
		assert.Equal(t, whatsapp.ActionTerminal, whatsapp.ActionOf(err))

		// answers lost in flight: every other one was accepted anyway
		for i := range 4 {
			cctx, cancel := context.WithTimeout(ctx, time.Millisecond)
			_, err := f.Send(cctx, "1", whatsapp.Message{To: whatsapp.Phone("+91980000001" + string(rune('0'+i))), Content: tpl})
			cancel()
			assert.Equal(t, whatsapp.ActionUncertain, whatsapp.ActionOf(err))
		}
		sent := f.Sent()
		require.Len(t, sent, 3)
		assert.False(t, sent[0].Lost)
		assert.True(t, sent[1].Lost)
		assert.Equal(t, "919800000010", sent[1].To)
		assert.Equal(t, "919800000012", sent[2].To)

		ev := f.Statuses(0, "delivered", "failed")
		require.Len(t, ev, 1)
		sts := ev[0].Messages.Statuses
		require.Len(t, sts, 6)
		assert.Equal(t, "bc1:c:1", sts[0].CallbackData)
		assert.Equal(t, 131026, sts[1].Errors[0].Code)
		select {
		case <-f.Reached(3):
		default:
			t.Fatal("Reached(3) not closed")
		}
	})
}

func TestRateStats(t *testing.T) {
	t.Parallel()
	t0 := time.Unix(0, 0)
	var ts []time.Time
	for i := range 11 {
		ts = append(ts, t0.Add(time.Duration(i)*100*time.Millisecond))
	}
	rate, most := broadcasttest.RateStats(ts)
	assert.InDelta(t, 10, rate, 0.001)
	assert.Equal(t, 10, most, "half-open windows")
	_, most = broadcasttest.RateStats(ts[:1])
	assert.Equal(t, 1, most)
}

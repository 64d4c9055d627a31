package broadcast_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/whatsapp"
	"github.com/botsync/botsync/whatsapp/broadcast"
	"github.com/botsync/botsync/whatsapp/broadcast/broadcasttest"
)

// runAsync runs the campaign in the background and returns a channel with
// Run's result.
func runAsync(svc *broadcast.Service, c *broadcast.Campaign) <-chan error {
	done := make(chan error, 1)
	go func() { done <- svc.Run(context.Background(), c.WorkspaceID, c.ID) }()
	return done
}

func assertPaused(t *testing.T, svc *broadcast.Service, c *broadcast.Campaign, reason broadcast.PauseReason) *broadcast.Campaign {
	t.Helper()
	got, err := svc.Campaign(context.Background(), c.WorkspaceID, c.ID)
	require.NoError(t, err)
	require.Equal(t, broadcast.StatePaused, got.State)
	require.NotNil(t, got.Pause)
	assert.Equal(t, reason, got.Pause.Reason)
	assert.True(t, got.Pause.Auto)
	last := got.History[len(got.History)-1]
	assert.Equal(t, broadcast.System, last.Actor)
	assert.Contains(t, last.Reason, string(reason))
	return got
}

// finish resumes nothing itself: it runs the (running) campaign to the end
// and checks that every recipient was sent exactly once.
func finish(t *testing.T, svc *broadcast.Service, fake *broadcasttest.Sender, c *broadcast.Campaign, n int) {
	t.Helper()
	require.NoError(t, svc.Run(context.Background(), c.WorkspaceID, c.ID))
	got, err := svc.Campaign(context.Background(), c.WorkspaceID, c.ID)
	require.NoError(t, err)
	assert.Equal(t, broadcast.StateCompleted, got.State)
	for to, k := range fake.Counts() {
		assert.Equal(t, 1, k, "…%s", to[len(to)-2:])
	}
	assert.Len(t, fake.Counts(), n)
}

func TestAutoPauseOnQuality(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		svc, fake, _ := newService(t)
		c := broadcasttest.StartCampaign(t, svc, "ws1", 100, 10)
		done := runAsync(svc, c)
		time.Sleep(3 * time.Second)
		ids, err := svc.SetQuality(ctx, "ws1", c.PhoneNumberID, "RED")
		require.NoError(t, err)
		assert.Equal(t, []string{c.ID}, ids)
		require.NoError(t, <-done, "the pool stops")
		assertPaused(t, svc, c, broadcast.PauseQuality)
		sent := len(fake.Sent())
		assert.InDelta(t, 40, sent, 15, "the pool stopped within a second or so")

		ids, err = svc.SetQuality(ctx, "ws1", c.PhoneNumberID, "YELLOW")
		require.NoError(t, err)
		assert.Equal(t, []string{c.ID}, ids, "resumes when the condition clears")
		finish(t, svc, fake, c, 100)
		_, err = svc.SetQuality(ctx, "ws1", c.PhoneNumberID, "PURPLE")
		require.ErrorIs(t, err, broadcast.ErrInvalid)
	})
}

func TestAutoPauseOnFlaggedWebhook(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		svc, fake, _ := newService(t)
		spec := *broadcasttest.NewCampaign("ws1", "")
		spec.DisplayPhoneNumber = "+1 555 078 3881"
		spec.Rate = 10
		c, err := svc.Create(ctx, spec, "user:1")
		require.NoError(t, err)
		_, err = svc.Plan(ctx, "ws1", c.ID, broadcasttest.Members(40), "user:1")
		require.NoError(t, err)
		_, err = svc.Start(ctx, "ws1", c.ID, "user:1")
		require.NoError(t, err)
		done := runAsync(svc, c)
		time.Sleep(time.Second)
		obs, err := svc.Observe(ctx, "ws1", []whatsapp.Event{{PhoneNumberQuality: &whatsapp.PhoneNumberQualityUpdate{DisplayPhoneNumber: "15550783881", Event: "FLAGGED"}}})
		require.NoError(t, err)
		assert.Equal(t, []string{c.ID}, obs.Paused)
		require.NoError(t, <-done)
		assertPaused(t, svc, c, broadcast.PauseQuality)
		obs, err = svc.Observe(ctx, "ws1", []whatsapp.Event{{PhoneNumberQuality: &whatsapp.PhoneNumberQualityUpdate{DisplayPhoneNumber: "15550783881", Event: "UNFLAGGED"}}})
		require.NoError(t, err)
		assert.Equal(t, []string{c.ID}, obs.Resumed)
		finish(t, svc, fake, c, 40)
	})
}

func TestAutoPauseOnTemplateStatus(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		svc, fake, _ := newService(t)
		c := broadcasttest.StartCampaign(t, svc, "ws1", 40, 10)
		done := runAsync(svc, c)
		time.Sleep(time.Second)
		ev := func(event string) []whatsapp.Event {
			return []whatsapp.Event{{TemplateStatus: &whatsapp.TemplateStatusUpdate{Event: event, TemplateName: "batch_launch", TemplateLanguage: "en"}}}
		}
		obs, err := svc.Observe(ctx, "ws1", ev("PAUSED"))
		require.NoError(t, err)
		assert.Equal(t, []string{c.ID}, obs.Paused)
		require.NoError(t, <-done)
		assertPaused(t, svc, c, broadcast.PauseTemplate)
		obs, err = svc.Observe(ctx, "ws1", ev("REINSTATED"))
		require.NoError(t, err)
		assert.Equal(t, []string{c.ID}, obs.Resumed)
		finish(t, svc, fake, c, 40)
	})
}

func TestAutoPauseOnTemplateErrors(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		svc, fake, store := newService(t)
		fake.FailRecipient(key(5), broadcasttest.APIError(132015))
		c := broadcasttest.StartCampaign(t, svc, "ws1", 20, 10)
		require.NoError(t, svc.Run(context.Background(), "ws1", c.ID))
		assertPaused(t, svc, c, broadcast.PauseTemplate)
		assert.Equal(t, broadcast.StatusFailed, recipients(t, store, c)[key(5)].Status)
	})
}

func TestAutoPauseOnSpamLimit(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		svc, fake, store := newService(t, broadcast.WithAutoPause(broadcast.AutoPause{SpamCooldown: time.Hour}))
		fake.FailRecipient(key(5), broadcasttest.APIError(131048))
		c := broadcasttest.StartCampaign(t, svc, "ws1", 20, 10)
		require.NoError(t, svc.Run(ctx, "ws1", c.ID))
		got := assertPaused(t, svc, c, broadcast.PauseSpamLimit)
		assert.Equal(t, time.Hour, got.Pause.ResumeAt.Sub(got.Pause.At))
		r := recipients(t, store, c)[key(5)]
		assert.Equal(t, broadcast.StatusPending, r.Status, "131048: retried later, not failed")

		time.Sleep(59 * time.Minute)
		require.NoError(t, svc.Sweep(ctx, "ws1"))
		assertPaused(t, svc, c, broadcast.PauseSpamLimit)
		time.Sleep(time.Minute)
		require.NoError(t, svc.Sweep(ctx, "ws1"))
		got, err := svc.Campaign(ctx, "ws1", c.ID)
		require.NoError(t, err)
		assert.Equal(t, broadcast.StateRunning, got.State, "the cooldown cleared")
		finish(t, svc, fake, c, 20)
	})
}

func TestAutoPauseOn131048Webhook(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		svc, fake, _ := newService(t)
		c := broadcasttest.StartCampaign(t, svc, "ws1", 30, 10)
		done := runAsync(svc, c)
		time.Sleep(time.Second)
		sent := fake.Sent()
		require.NotEmpty(t, sent)
		st := whatsapp.Status{ID: sent[0].MessageID, Status: "failed", CallbackData: sent[0].CallbackData,
			Errors: []whatsapp.ErrorDetail{{Code: 131048, Title: "Spam rate limit hit"}}}
		st.Timestamp.Time = time.Now()
		_, err := svc.Observe(ctx, "ws1", []whatsapp.Event{{Messages: &whatsapp.MessagesValue{Statuses: []whatsapp.Status{st}}}})
		require.NoError(t, err)
		require.NoError(t, <-done)
		assertPaused(t, svc, c, broadcast.PauseSpamLimit)
	})
}

func TestAutoPauseOnFailureRate(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		svc, fake, store := newService(t, broadcast.WithAutoPause(broadcast.AutoPause{Window: time.Minute, MinSamples: 10, Threshold: 0.3}))
		for i := 1; i <= 60; i++ {
			if i%5 < 2 { // 40% fail
				fake.FailRecipient(key(i), broadcasttest.APIError(131026))
			}
		}
		c := broadcasttest.StartCampaign(t, svc, "ws1", 60, 20)
		require.NoError(t, svc.Run(ctx, "ws1", c.ID))
		got := assertPaused(t, svc, c, broadcast.PauseFailureRate)
		assert.Contains(t, got.Pause.Detail, "failed within 1m0s")
		n, err := store.Counts(ctx, "ws1", c.ID)
		require.NoError(t, err)
		assert.Positive(t, n.ByStatus[broadcast.StatusPending], "paused before the end")

		_, err = svc.Resume(ctx, "ws1", c.ID, "user:7", "checked the template")
		require.NoError(t, err)
		require.NoError(t, svc.Run(ctx, "ws1", c.ID))
		// the window restarts after a resume, so the rate trips again later
		got, err = svc.Campaign(ctx, "ws1", c.ID)
		require.NoError(t, err)
		assert.Contains(t, []broadcast.State{broadcast.StatePaused, broadcast.StateCompleted}, got.State)
	})
}

func TestFailureRateBelowThresholdKeepsRunning(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		svc, fake, _ := newService(t, broadcast.WithAutoPause(broadcast.AutoPause{Window: time.Minute, MinSamples: 10, Threshold: 0.3}))
		for i := 1; i <= 60; i += 10 { // 10% fail
			fake.FailRecipient(key(i), broadcasttest.APIError(131026))
		}
		c := broadcasttest.StartCampaign(t, svc, "ws1", 60, 20)
		require.NoError(t, svc.Run(context.Background(), "ws1", c.ID))
		got, err := svc.Campaign(context.Background(), "ws1", c.ID)
		require.NoError(t, err)
		assert.Equal(t, broadcast.StateCompleted, got.State)
		assert.Len(t, fake.Sent(), 54)
	})
}

func TestHaltNumberPauses(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		svc, fake, store := newService(t)
		fake.FailRecipient(key(3), broadcasttest.APIError(368))
		c := broadcasttest.StartCampaign(t, svc, "ws1", 20, 10)
		require.NoError(t, svc.Run(context.Background(), "ws1", c.ID))
		assertPaused(t, svc, c, broadcast.PauseNumberHalted)
		r := recipients(t, store, c)[key(3)]
		assert.Equal(t, broadcast.StatusPending, r.Status, "the recipient was refused, not failed: it is sent after a resume")
		_, err := svc.Resume(context.Background(), "ws1", c.ID, "user:1", "appeal accepted")
		require.NoError(t, err)
		finish(t, svc, fake, c, 20)
	})
}

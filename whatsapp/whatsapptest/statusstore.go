package whatsapptest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/whatsapp"
)

func status(id, st string, sec int64) whatsapp.Status {
	s := whatsapp.Status{ID: id, Status: st, RecipientID: "16505551234"}
	s.Timestamp.Time = time.Unix(1750091400+sec, 0).UTC()
	return s
}

// TestStatusStore is the conformance suite every [whatsapp.StatusStore]
// passes. newStore returns an empty store for one test.
func TestStatusStore(t *testing.T, newStore func(t *testing.T) whatsapp.StatusStore) {
	t.Helper()
	ctx := context.Background()
	apply := func(t *testing.T, s whatsapp.StatusStore, st whatsapp.Status) whatsapp.Update {
		t.Helper()
		u, err := s.Apply(ctx, st)
		require.NoError(t, err)
		return u
	}

	t.Run("moves forward only", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ups, err := s.Track(ctx, "wamid.1", PhoneNumberID, "16505551234", "cb")
		require.NoError(t, err)
		assert.Empty(t, ups)
		assert.Equal(t, whatsapp.OutcomeAdvanced, apply(t, s, status("wamid.1", "read", 3)).Outcome)
		assert.Equal(t, whatsapp.OutcomeRecorded, apply(t, s, status("wamid.1", "sent", 1)).Outcome)
		assert.Equal(t, whatsapp.OutcomeDuplicate, apply(t, s, status("wamid.1", "sent", 1)).Outcome)
		u := apply(t, s, status("wamid.1", "delivered", 2))
		assert.Equal(t, whatsapp.OutcomeRecorded, u.Outcome)
		assert.Equal(t, whatsapp.StateRead, u.To)
		d, ok, err := s.Get(ctx, "wamid.1")
		require.NoError(t, err)
		require.True(t, ok)
		assert.Equal(t, whatsapp.StateRead, d.State)
		assert.Equal(t, "cb", d.CallbackData)
		assert.Equal(t, PhoneNumberID, d.PhoneNumberID)
		assert.Equal(t, "16505551234", d.Recipient)
		assert.True(t, time.Unix(1750091401, 0).Equal(d.SentAt))
		assert.True(t, time.Unix(1750091402, 0).Equal(d.DeliveredAt))
		assert.True(t, time.Unix(1750091403, 0).Equal(d.ReadAt))
		assert.False(t, d.AcceptedAt.IsZero())
	})

	t.Run("failed keeps errors and records a late delivery", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		_, err := s.Track(ctx, "wamid.2", PhoneNumberID, "16505551234", "")
		require.NoError(t, err)
		sent := status("wamid.2", "sent", 1)
		sent.Pricing = &whatsapp.Pricing{Billable: true, PricingModel: "PMP", Category: "utility", Type: "regular"}
		sent.Conversation = &whatsapp.Conversation{ID: "conv1"}
		apply(t, s, sent)
		failed := status("wamid.2", "failed", 2)
		failed.Errors = []whatsapp.ErrorDetail{{Code: 131026, Title: "Message undeliverable"}}
		assert.Equal(t, whatsapp.StateFailed, apply(t, s, failed).To)
		u := apply(t, s, status("wamid.2", "delivered", 3))
		assert.Equal(t, whatsapp.OutcomeRecorded, u.Outcome)
		d, _, err := s.Get(ctx, "wamid.2")
		require.NoError(t, err)
		assert.Equal(t, whatsapp.StateFailed, d.State)
		assert.True(t, d.DeliveredAfterFailure)
		require.Len(t, d.Errors, 1)
		assert.Equal(t, 131026, d.Errors[0].Code)
		require.NotNil(t, d.Pricing)
		assert.Equal(t, "utility", d.Pricing.Category)
		require.NotNil(t, d.Conversation)
		assert.Equal(t, "conv1", d.Conversation.ID)
	})

	t.Run("buffers statuses until tracked", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		assert.Equal(t, whatsapp.OutcomeBuffered, apply(t, s, status("wamid.3", "delivered", 2)).Outcome)
		assert.Equal(t, whatsapp.OutcomeBuffered, apply(t, s, status("wamid.3", "sent", 1)).Outcome)
		assert.Equal(t, whatsapp.OutcomeDuplicate, apply(t, s, status("wamid.3", "sent", 1)).Outcome)
		_, ok, err := s.Get(ctx, "wamid.3")
		require.NoError(t, err)
		assert.False(t, ok)
		ups, err := s.Track(ctx, "wamid.3", PhoneNumberID, "16505551234", "")
		require.NoError(t, err)
		require.Len(t, ups, 2)
		assert.Equal(t, whatsapp.StateDelivered, ups[0].To)
		assert.Equal(t, whatsapp.OutcomeRecorded, ups[1].Outcome)
		ups, err = s.Track(ctx, "wamid.3", "other", "other", "")
		require.NoError(t, err)
		assert.Empty(t, ups, "tracking twice keeps the first record")
		d, _, err := s.Get(ctx, "wamid.3")
		require.NoError(t, err)
		assert.Equal(t, PhoneNumberID, d.PhoneNumberID)
		assert.Equal(t, whatsapp.OutcomeIgnored, apply(t, s, status("wamid.3", "deleted", 4)).Outcome)
	})

	t.Run("concurrent statuses end in the highest state", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		_, err := s.Track(ctx, "wamid.4", PhoneNumberID, "16505551234", "")
		require.NoError(t, err)
		var wg sync.WaitGroup
		advanced := make(chan whatsapp.State, 30)
		for i := range 30 {
			st := []string{"sent", "delivered", "read"}[i%3]
			wg.Go(func() {
				u, err := s.Apply(ctx, status("wamid.4", st, int64(i%3+1)))
				assert.NoError(t, err)
				if u.Outcome == whatsapp.OutcomeAdvanced {
					advanced <- u.To
				}
			})
		}
		wg.Wait()
		close(advanced)
		last := whatsapp.StateAccepted
		n := 0
		for st := range advanced {
			n++
			if st > last {
				last = st
			}
		}
		assert.LessOrEqual(t, n, 3, "each state is reached at most once")
		d, _, err := s.Get(ctx, "wamid.4")
		require.NoError(t, err)
		assert.Equal(t, whatsapp.StateRead, d.State)
		assert.Equal(t, whatsapp.StateRead, last)
	})
}

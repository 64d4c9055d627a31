package whatsapp_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/whatsapp"
	"github.com/botsync/botsync/whatsapp/whatsapptest"
)

func st(id, status string, sec int64) whatsapp.Status {
	s := whatsapp.Status{ID: id, Status: status}
	s.Timestamp.Time = time.Unix(1750091400+sec, 0).UTC()
	return s
}

func TestStatusMachine(t *testing.T) {
	t.Parallel()
	type step struct {
		status  string
		sec     int64
		outcome whatsapp.Outcome
		state   whatsapp.State
	}
	tests := []struct {
		name  string
		steps []step
		check func(t *testing.T, d whatsapp.Delivery)
	}{
		{"in order", []step{
			{"sent", 1, whatsapp.OutcomeAdvanced, whatsapp.StateSent},
			{"delivered", 2, whatsapp.OutcomeAdvanced, whatsapp.StateDelivered},
			{"read", 3, whatsapp.OutcomeAdvanced, whatsapp.StateRead},
		}, nil},
		{"duplicates ignored", []step{
			{"sent", 1, whatsapp.OutcomeAdvanced, whatsapp.StateSent},
			{"sent", 1, whatsapp.OutcomeDuplicate, whatsapp.StateSent},
			{"delivered", 2, whatsapp.OutcomeAdvanced, whatsapp.StateDelivered},
			{"delivered", 2, whatsapp.OutcomeDuplicate, whatsapp.StateDelivered},
		}, nil},
		{"never backwards", []step{
			{"read", 3, whatsapp.OutcomeAdvanced, whatsapp.StateRead},
			{"delivered", 2, whatsapp.OutcomeRecorded, whatsapp.StateRead},
			{"sent", 1, whatsapp.OutcomeRecorded, whatsapp.StateRead},
			{"sent", 1, whatsapp.OutcomeDuplicate, whatsapp.StateRead},
		}, func(t *testing.T, d whatsapp.Delivery) {
			assert.Equal(t, time.Unix(1750091401, 0).UTC(), d.SentAt)
			assert.Equal(t, time.Unix(1750091402, 0).UTC(), d.DeliveredAt)
		}},
		{"read implies delivered", []step{
			{"sent", 1, whatsapp.OutcomeAdvanced, whatsapp.StateSent},
			{"read", 5, whatsapp.OutcomeAdvanced, whatsapp.StateRead},
		}, func(t *testing.T, d whatsapp.Delivery) {
			assert.Equal(t, time.Unix(1750091405, 0).UTC(), d.DeliveredAt)
			assert.Equal(t, d.DeliveredAt, d.ReadAt)
		}},
		{"failed is terminal, later delivery recorded", []step{
			{"sent", 1, whatsapp.OutcomeAdvanced, whatsapp.StateSent},
			{"failed", 2, whatsapp.OutcomeAdvanced, whatsapp.StateFailed},
			{"failed", 2, whatsapp.OutcomeDuplicate, whatsapp.StateFailed},
			{"delivered", 3, whatsapp.OutcomeRecorded, whatsapp.StateFailed},
			{"read", 4, whatsapp.OutcomeRecorded, whatsapp.StateFailed},
			{"sent", 1, whatsapp.OutcomeDuplicate, whatsapp.StateFailed},
		}, func(t *testing.T, d whatsapp.Delivery) {
			assert.True(t, d.DeliveredAfterFailure)
			assert.Equal(t, time.Unix(1750091403, 0).UTC(), d.DeliveredAt)
			assert.Equal(t, time.Unix(1750091402, 0).UTC(), d.FailedAt)
		}},
		{"failure after delivery does not regress", []step{
			{"delivered", 2, whatsapp.OutcomeAdvanced, whatsapp.StateDelivered},
			{"failed", 3, whatsapp.OutcomeDuplicate, whatsapp.StateDelivered},
		}, nil},
		{"non-delivery statuses ignored", []step{
			{"sent", 1, whatsapp.OutcomeAdvanced, whatsapp.StateSent},
			{"played", 2, whatsapp.OutcomeIgnored, whatsapp.StateAccepted},
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tr := whatsapp.NewStatusTracker(nil, 0)
			track(t, tr, "wamid.1", phoneID, "16505551234", "")
			for i, s := range tt.steps {
				u := apply(t, tr, st("wamid.1", s.status, s.sec))
				assert.Equal(t, s.outcome, u.Outcome, "step %d (%s): %s", i, s.status, u.Outcome)
				assert.Equal(t, s.state, u.To, "step %d (%s)", i, s.status)
			}
			if tt.check != nil {
				d, ok := get(t, tr, "wamid.1")
				require.True(t, ok)
				tt.check(t, d)
			}
		})
	}
}

func TestStatusKeepsErrorsAndPricing(t *testing.T) {
	t.Parallel()
	tr := whatsapp.NewStatusTracker(nil, 0)
	track(t, tr, "wamid.1", phoneID, "16505551234", "")
	s := st("wamid.1", "sent", 1)
	s.Pricing = &whatsapp.Pricing{Billable: true, PricingModel: "PMP", Category: "marketing"}
	s.Conversation = &whatsapp.Conversation{ID: "c1"}
	s.CallbackData = "campaign:1"
	assert.Equal(t, whatsapp.OutcomeAdvanced, apply(t, tr, s).Outcome)
	f := st("wamid.1", "failed", 2)
	f.Errors = []whatsapp.ErrorDetail{{Code: 131049, Title: "ecosystem"}}
	u := apply(t, tr, f)
	assert.Equal(t, whatsapp.OutcomeAdvanced, u.Outcome)
	require.Len(t, u.Delivery.Errors, 1)
	assert.Equal(t, whatsapp.ActionRetryInHours, whatsapp.ActionOf(u.Delivery.Errors[0]))
	assert.Equal(t, "marketing", u.Delivery.Pricing.Category)
	assert.Equal(t, "c1", u.Delivery.Conversation.ID)
	assert.Equal(t, "campaign:1", u.Delivery.CallbackData)
	// The copy is detached from the tracker's record.
	u.Delivery.Errors[0].Code = 1
	d, _ := get(t, tr, "wamid.1")
	assert.Equal(t, 131049, d.Errors[0].Code)
}

func TestStatusBufferedUntilTracked(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tr := whatsapp.NewStatusTracker(func() time.Time { return now }, 10*time.Minute)
	assert.Equal(t, whatsapp.OutcomeBuffered, apply(t, tr, st("wamid.early", "delivered", 2)).Outcome)
	assert.Equal(t, whatsapp.OutcomeBuffered, apply(t, tr, st("wamid.early", "sent", 1)).Outcome)
	assert.Equal(t, whatsapp.OutcomeDuplicate, apply(t, tr, st("wamid.early", "sent", 1)).Outcome)
	assert.Equal(t, 1, tr.Buffered())
	_, ok := get(t, tr, "wamid.early")
	assert.False(t, ok)

	ups := track(t, tr, "wamid.early", phoneID, "16505551234", "")
	require.Len(t, ups, 2)
	assert.Equal(t, whatsapp.StateDelivered, ups[0].To)
	assert.Equal(t, whatsapp.OutcomeRecorded, ups[1].Outcome)
	assert.Nil(t, track(t, tr, "wamid.early", phoneID, "x", ""), "tracking twice keeps the first record")
	assert.Equal(t, 0, tr.Buffered())

	apply(t, tr, st("wamid.orphan", "sent", 1))
	now = now.Add(9 * time.Minute)
	assert.Equal(t, 0, tr.Prune(time.Time{}))
	now = now.Add(time.Minute)
	assert.Equal(t, 1, tr.Prune(time.Time{}), "buffered statuses expire")
	assert.Equal(t, 1, tr.Prune(now.Add(time.Second)), "old records are pruned")
	track(t, tr, "wamid.x", phoneID, "1", "")
	tr.Forget("wamid.x")
	_, ok = get(t, tr, "wamid.x")
	assert.False(t, ok)
	assert.Equal(t, "read", whatsapp.StateRead.String())
	assert.Equal(t, "buffered", whatsapp.OutcomeBuffered.String())
}

func apply(t *testing.T, s whatsapp.StatusStore, st whatsapp.Status) whatsapp.Update {
	t.Helper()
	u, err := s.Apply(context.Background(), st)
	require.NoError(t, err)
	return u
}

func track(t *testing.T, s whatsapp.StatusStore, id, phone, recipient, cb string) []whatsapp.Update {
	t.Helper()
	ups, err := s.Track(context.Background(), id, phone, recipient, cb)
	require.NoError(t, err)
	return ups
}

func get(t *testing.T, s whatsapp.StatusStore, id string) (whatsapp.Delivery, bool) {
	t.Helper()
	d, ok, err := s.Get(context.Background(), id)
	require.NoError(t, err)
	return d, ok
}

func TestAdvanceIgnoresNonDeliveryStatus(t *testing.T) {
	t.Parallel()
	d := whatsapp.Delivery{State: whatsapp.StateSent}
	u := whatsapp.Advance(&d, whatsapp.Status{ID: "x", Status: "deleted"})
	assert.Equal(t, whatsapp.OutcomeIgnored, u.Outcome)
	assert.Equal(t, whatsapp.StateSent, u.To)
}

func TestStatusTrackerConformance(t *testing.T) {
	t.Parallel()
	whatsapptest.TestStatusStore(t, func(t *testing.T) whatsapp.StatusStore { return whatsapp.NewStatusTracker(nil, 0) })
}

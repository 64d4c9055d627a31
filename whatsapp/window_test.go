package whatsapp_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/meta/metatest"
	"github.com/botsync/botsync/whatsapp"
	"github.com/botsync/botsync/whatsapp/whatsapptest"
)

func TestWindowTracker(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Date(2025, 6, 16, 17, 0, 0, 0, time.UTC)
	store := &whatsapp.MemoryWindowStore{}
	w := whatsapp.NewWindow(store, func() time.Time { return now })
	user := whatsapp.Phone("+16505551234")

	err := w.Check(ctx, phoneID, user)
	var ow *whatsapp.OutsideWindowError
	require.ErrorAs(t, err, &ow)
	assert.Contains(t, err.Error(), "no inbound message")

	events, err := whatsapp.Decode(metatest.Fixture("whatsapp/image_message.json"))
	require.NoError(t, err)
	require.NoError(t, w.Observe(ctx, events))
	inbound := events[0].Messages.Messages[0].Timestamp.Time
	closes, ok, err := w.ClosesAt(ctx, phoneID, user)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, inbound.Add(24*time.Hour), closes)

	now = inbound.Add(23 * time.Hour)
	assert.NoError(t, w.Check(ctx, phoneID, user))
	assert.NoError(t, w.Check(ctx, phoneID, whatsapp.BSUID("US.13491208655302741918")), "the BSUID shares the window")
	assert.Error(t, w.Check(ctx, "999", user), "windows are per business number")

	// An older message arriving late never shortens the window.
	require.NoError(t, w.Record(ctx, phoneID, "16505551234", inbound.Add(-time.Hour)))
	assert.NoError(t, w.Check(ctx, phoneID, user))

	now = inbound.Add(24 * time.Hour)
	err = w.Check(ctx, phoneID, user)
	require.ErrorAs(t, err, &ow)
	assert.Equal(t, closes, ow.ClosedAt)
	assert.True(t, errors.Is(err, whatsapp.ErrOutsideWindow))

	assert.Error(t, w.Record(ctx, "", "x", now))
	assert.Equal(t, 0, store.Prune(now))
	assert.Equal(t, 2, store.Prune(now.Add(time.Second)))
}

func TestWindowIgnoresStatusesAndSystemMessages(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := whatsapp.NewWindow(nil, func() time.Time { return time.Unix(1750091500, 0) })
	events, err := whatsapp.Decode(metatest.Fixture("whatsapp/status_read.json"))
	require.NoError(t, err)
	require.NoError(t, w.Observe(ctx, events))
	assert.Error(t, w.Check(ctx, phoneID, whatsapp.Phone("+16505551234")))
	system := []byte(`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"106540352242922"},"messages":[{"from":"16505551234","id":"wamid.S","timestamp":"1750091400","type":"system","system":{"body":"User changed number","type":"user_changed_number","new_wa_id":"16505550000"}}]}}]}]}`)
	events, err = whatsapp.Decode(system)
	require.NoError(t, err)
	require.NoError(t, w.Observe(ctx, events))
	assert.Error(t, w.Check(ctx, phoneID, whatsapp.Phone("+16505551234")))
}

func TestMemoryWindowStoreConformance(t *testing.T) {
	t.Parallel()
	whatsapptest.TestWindowStore(t, func(t *testing.T) whatsapp.WindowStore { return &whatsapp.MemoryWindowStore{} })
}

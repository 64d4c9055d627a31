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

// TestWindowStore is the conformance suite every [whatsapp.WindowStore]
// passes. newStore returns an empty store for one test.
//
//	func TestWindowStore(t *testing.T) {
//		whatsapptest.TestWindowStore(t, func(t *testing.T) whatsapp.WindowStore { return &whatsapp.MemoryWindowStore{} })
//	}
func TestWindowStore(t *testing.T, newStore func(t *testing.T) whatsapp.WindowStore) {
	t.Helper()
	t0 := time.Date(2026, 11, 27, 9, 30, 15, 0, time.UTC)

	t.Run("unknown contact", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		_, ok, err := s.LastInbound(context.Background(), PhoneNumberID, "16505551234")
		require.NoError(t, err)
		assert.False(t, ok)
	})

	t.Run("keeps the latest time", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := context.Background()
		require.NoError(t, s.RecordInbound(ctx, PhoneNumberID, "16505551234", t0))
		require.NoError(t, s.RecordInbound(ctx, PhoneNumberID, "16505551234", t0.Add(-time.Hour)))
		got, ok, err := s.LastInbound(ctx, PhoneNumberID, "16505551234")
		require.NoError(t, err)
		require.True(t, ok)
		assert.True(t, t0.Equal(got), "got %v", got)
		require.NoError(t, s.RecordInbound(ctx, PhoneNumberID, "16505551234", t0.Add(time.Minute)))
		got, _, err = s.LastInbound(ctx, PhoneNumberID, "16505551234")
		require.NoError(t, err)
		assert.True(t, t0.Add(time.Minute).Equal(got))
	})

	t.Run("isolated by number and contact", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := context.Background()
		require.NoError(t, s.RecordInbound(ctx, PhoneNumberID, "US.13491208655302741918", t0))
		for _, k := range [][2]string{{"106540352242999", "US.13491208655302741918"}, {PhoneNumberID, "16505551234"}, {PhoneNumberID, "US.1349120865530274191"}} {
			_, ok, err := s.LastInbound(ctx, k[0], k[1])
			require.NoError(t, err)
			assert.False(t, ok, "%v", k)
		}
	})

	t.Run("concurrent records keep the maximum", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := context.Background()
		var wg sync.WaitGroup
		for i := range 20 {
			wg.Go(func() {
				assert.NoError(t, s.RecordInbound(ctx, PhoneNumberID, "16505551234", t0.Add(time.Duration(i)*time.Second)))
			})
		}
		wg.Wait()
		got, ok, err := s.LastInbound(ctx, PhoneNumberID, "16505551234")
		require.NoError(t, err)
		require.True(t, ok)
		assert.True(t, t0.Add(19*time.Second).Equal(got), "got %v", got)
	})

	t.Run("window on top of the store", func(t *testing.T) {
		t.Parallel()
		now := t0
		w := whatsapp.NewWindow(newStore(t), func() time.Time { return now })
		ctx := context.Background()
		require.NoError(t, w.Record(ctx, PhoneNumberID, "16505551234", t0))
		now = t0.Add(23 * time.Hour)
		assert.NoError(t, w.Check(ctx, PhoneNumberID, whatsapp.Phone("+16505551234")))
		now = t0.Add(24 * time.Hour)
		assert.ErrorIs(t, w.Check(ctx, PhoneNumberID, whatsapp.Phone("+16505551234")), whatsapp.ErrOutsideWindow)
	})
}

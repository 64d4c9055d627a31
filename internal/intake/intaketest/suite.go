// Package intaketest is the conformance suite every intake.Store passes.
package intaketest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/internal/intake"
)

// TestStore runs the suite against fresh stores made by newStore.
func TestStore(t *testing.T, newStore func(t *testing.T) intake.Store) {
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	ctx := context.Background()
	t.Run("dedup", func(t *testing.T) {
		s := newStore(t)
		id, ins, err := s.Put(ctx, "meta", "k1", []byte("a"), t0)
		require.NoError(t, err)
		require.True(t, ins)
		id2, ins, err := s.Put(ctx, "meta", "k1", []byte("a"), t0)
		require.NoError(t, err)
		require.False(t, ins)
		require.Equal(t, id, id2)
		_, ins, err = s.Put(ctx, "razorpay", "k1", []byte("b"), t0)
		require.NoError(t, err)
		require.True(t, ins, "keys are unique per kind")
	})
	t.Run("claim order and lease", func(t *testing.T) {
		s := newStore(t)
		for _, k := range []string{"a", "b", "c"} {
			_, _, err := s.Put(ctx, "meta", k, []byte(k), t0)
			require.NoError(t, err)
		}
		jobs, err := s.Claim(ctx, t0, time.Minute, 2)
		require.NoError(t, err)
		require.Len(t, jobs, 2)
		require.Equal(t, "a", jobs[0].Key)
		require.Equal(t, []byte("a"), jobs[0].Body)
		require.Equal(t, "b", jobs[1].Key)
		more, err := s.Claim(ctx, t0, time.Minute, 5)
		require.NoError(t, err)
		require.Len(t, more, 1, "leased jobs are not claimed again")
		require.Equal(t, "c", more[0].Key)
		again, err := s.Claim(ctx, t0.Add(2*time.Minute), time.Minute, 5)
		require.NoError(t, err)
		require.Len(t, again, 3, "expired leases are claimed again")
	})
	t.Run("done retry bury replay", func(t *testing.T) {
		s := newStore(t)
		a, _, err := s.Put(ctx, "meta", "a", nil, t0)
		require.NoError(t, err)
		b, _, err := s.Put(ctx, "meta", "b", nil, t0)
		require.NoError(t, err)
		require.NoError(t, s.Done(ctx, a, t0))
		require.NoError(t, s.Retry(ctx, b, t0.Add(time.Second), "boom", false))
		jobs, err := s.Claim(ctx, t0, time.Minute, 5)
		require.NoError(t, err)
		require.Empty(t, jobs, "done and not-yet-due jobs are not claimed")
		jobs, err = s.Claim(ctx, t0.Add(time.Second), time.Minute, 5)
		require.NoError(t, err)
		require.Len(t, jobs, 1)
		require.Equal(t, 1, jobs[0].Attempts)
		require.Equal(t, "boom", jobs[0].LastError)
		require.NoError(t, s.Retry(ctx, b, t0.Add(time.Second), "paused", true))
		jobs, err = s.Claim(ctx, t0.Add(time.Second), time.Minute, 5)
		require.NoError(t, err)
		require.Len(t, jobs, 1)
		require.Equal(t, 1, jobs[0].Attempts, "waiting does not count an attempt")
		require.NoError(t, s.Bury(ctx, b, "dead"))
		dead, err := s.Dead(ctx, 0, 10)
		require.NoError(t, err)
		require.Len(t, dead, 1)
		require.Equal(t, intake.StateDead, dead[0].State)
		st, err := s.Stats(ctx)
		require.NoError(t, err)
		require.Equal(t, 1, st[intake.StateDone])
		require.Equal(t, 1, st[intake.StateDead])
		require.ErrorIs(t, s.Replay(ctx, a, t0), intake.ErrNotFound, "only dead jobs replay")
		require.NoError(t, s.Replay(ctx, b, t0.Add(time.Hour)))
		jobs, err = s.Claim(ctx, t0.Add(time.Hour), time.Minute, 5)
		require.NoError(t, err)
		require.Len(t, jobs, 1)
		require.Equal(t, 0, jobs[0].Attempts)
		require.ErrorIs(t, s.Done(ctx, 9999, t0), intake.ErrNotFound)
	})
}

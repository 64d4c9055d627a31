package intake_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/internal/intake"
	"github.com/botsync/botsync/internal/intake/intaketest"
)

func TestMemStore(t *testing.T) {
	t.Parallel()
	intaketest.TestStore(t, func(*testing.T) intake.Store { return intake.NewMemStore() })
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestQueueRetriesThenDeadLetterThenReplay(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	var fail atomic.Bool
	fail.Store(true)
	var calls atomic.Int32
	q, err := intake.New(intake.NewMemStore(), func(context.Context, intake.Job) error {
		calls.Add(1)
		if fail.Load() {
			return errors.New("downstream down")
		}
		return nil
	}, intake.WithClock(c.now), intake.WithMaxAttempts(3))
	require.NoError(t, err)
	_, ins, err := q.Accept(ctx, "meta", "k", []byte("{}"))
	require.NoError(t, err)
	require.True(t, ins)
	_, ins, err = q.Accept(ctx, "meta", "k", []byte("{}"))
	require.NoError(t, err)
	require.False(t, ins, "a redelivery is not stored twice")

	n, err := q.RunOnce(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	n, _ = q.RunOnce(ctx)
	require.Zero(t, n, "backoff: not due yet")
	c.t = c.t.Add(intake.DefaultBackoff(1))
	_, _ = q.RunOnce(ctx)
	c.t = c.t.Add(intake.DefaultBackoff(2))
	_, _ = q.RunOnce(ctx)
	require.EqualValues(t, 3, calls.Load())
	dead, err := q.Store().Dead(ctx, 0, 10)
	require.NoError(t, err)
	require.Len(t, dead, 1)
	require.Equal(t, "downstream down", dead[0].LastError)

	fail.Store(false)
	require.NoError(t, q.Replay(ctx, dead[0].ID))
	n, _ = q.RunOnce(ctx)
	require.Equal(t, 1, n)
	st, _ := q.Store().Stats(ctx)
	require.Equal(t, 1, st[intake.StateDone])
	require.Zero(t, st[intake.StateDead])
}

func TestQueueWaitAndPermanent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	var paused atomic.Bool
	paused.Store(true)
	var order []string
	q, err := intake.New(intake.NewMemStore(), func(_ context.Context, j intake.Job) error {
		if j.Key == "bad" {
			return intake.ErrPermanent
		}
		if paused.Load() {
			return intake.ErrWait
		}
		order = append(order, j.Key)
		return nil
	}, intake.WithClock(c.now), intake.WithMaxAttempts(2), intake.WithWorkers(1))
	require.NoError(t, err)
	for _, k := range []string{"1", "bad", "2", "3"} {
		_, _, err := q.Accept(ctx, "meta", k, nil)
		require.NoError(t, err)
	}
	for range 5 { // waiting never exhausts attempts
		_, _ = q.RunOnce(ctx)
		c.t = c.t.Add(time.Second)
	}
	require.Empty(t, order)
	paused.Store(false)
	_, _ = q.RunOnce(ctx)
	require.Equal(t, []string{"1", "2", "3"}, order, "waiting events run in order on resume")
	dead, _ := q.Store().Dead(ctx, 0, 10)
	require.Len(t, dead, 1)
	require.Equal(t, 1, dead[0].Attempts)
}

func TestQueueRunStopsWithContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan string, 1)
	q, err := intake.New(intake.NewMemStore(), func(_ context.Context, j intake.Job) error {
		done <- j.Key
		return nil
	})
	require.NoError(t, err)
	stopped := make(chan error)
	go func() { stopped <- q.Run(ctx) }()
	_, _, err = q.Accept(ctx, "meta", "x", nil)
	require.NoError(t, err)
	require.Equal(t, "x", <-done)
	cancel()
	require.NoError(t, <-stopped)
}

func TestOptionsValidate(t *testing.T) {
	t.Parallel()
	p := func(context.Context, intake.Job) error { return nil }
	for _, o := range []intake.Option{intake.WithWorkers(0), intake.WithMaxAttempts(0), intake.WithBackoff(nil), intake.WithPoll(0, 1), intake.WithLease(0), intake.WithClock(nil), intake.WithLogger(nil)} {
		_, err := intake.New(intake.NewMemStore(), p, o)
		require.Error(t, err)
	}
	_, err := intake.New(nil, p)
	require.Error(t, err)
	_, _, err = func() (int64, bool, error) {
		q, _ := intake.New(intake.NewMemStore(), p)
		return q.Accept(context.Background(), "", "k", nil)
	}()
	require.Error(t, err)
}

func TestRunKeepsShardOrder(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	got := make(chan string, 40)
	q, err := intake.New(intake.NewMemStore(), func(_ context.Context, j intake.Job) error {
		got <- j.Key
		return nil
	}, intake.WithWorkers(4), intake.WithShard(func(j intake.Job) string { return string(j.Body) }))
	require.NoError(t, err)
	for i := range 40 {
		_, _, err := q.Accept(ctx, "meta", string(rune('A'+i)), []byte{byte('a' + i%2)})
		require.NoError(t, err)
	}
	go func() { _ = q.Run(ctx) }()
	var even, odd []string
	for range 40 {
		k := <-got
		if (k[0]-'A')%2 == 0 {
			even = append(even, k)
		} else {
			odd = append(odd, k)
		}
	}
	for i := 1; i < len(even); i++ {
		require.Less(t, even[i-1], even[i])
		require.Less(t, odd[i-1], odd[i])
	}
}

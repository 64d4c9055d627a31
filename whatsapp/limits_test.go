package whatsapp_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/botsync/botsync/whatsapp"
)

func TestLimiterPairPacing(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		l, err := whatsapp.NewLimiter()
		require.NoError(t, err)
		ctx := context.Background()
		user := whatsapp.Phone("+16505551234")
		start := time.Now()
		for range whatsapp.DefaultPairBurst {
			require.NoError(t, l.Wait(ctx, phoneID, user))
		}
		assert.Equal(t, time.Duration(0), time.Since(start), "the burst passes at once")
		require.NoError(t, l.Wait(ctx, phoneID, user))
		assert.Equal(t, 6*time.Second, time.Since(start), "then one per 6 s")
		require.NoError(t, l.Wait(ctx, phoneID, whatsapp.Phone("+16505550000")))
		assert.Equal(t, 6*time.Second, time.Since(start), "other recipients are not paced by this pair")
	})
}

func TestLimiterThroughput(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		l, err := whatsapp.NewLimiter(whatsapp.WithPairPacing(time.Millisecond, 1000))
		require.NoError(t, err)
		l.SetCoexistence(phoneID)
		assert.Equal(t, 20, l.Throughput(phoneID))
		assert.Equal(t, 80, l.Throughput("other"))
		ctx := context.Background()
		start := time.Now()
		for i := range 60 {
			require.NoError(t, l.Wait(ctx, phoneID, whatsapp.Phone("+165055512"+string(rune('0'+i/10))+string(rune('0'+i%10)))))
		}
		// 20 burst, then 40 more at 20 per second.
		assert.Equal(t, 2*time.Second, time.Since(start))
		require.NoError(t, l.SetThroughput(phoneID, 1000))
		assert.Error(t, l.SetThroughput(phoneID, 1001))
		assert.Error(t, l.SetThroughput(phoneID, 0))
	})
}

func TestLimiterGivesUpBeforeDeadline(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		l, err := whatsapp.NewLimiter(whatsapp.WithPairPacing(time.Minute, 1))
		require.NoError(t, err)
		user := whatsapp.Phone("+16505551234")
		require.NoError(t, l.Wait(context.Background(), phoneID, user))
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err = l.Wait(ctx, phoneID, user)
		assert.ErrorIs(t, err, whatsapp.ErrLimitWait)
		assert.Equal(t, whatsapp.ActionRetrySoon, whatsapp.ActionOf(err))

		ctx2, cancel2 := context.WithCancel(context.Background())
		done := make(chan error)
		go func() { done <- l.Wait(ctx2, phoneID, user) }()
		synctest.Wait()
		cancel2()
		assert.ErrorIs(t, <-done, context.Canceled)
	})
}

// sharedBackend is a LimitBackend shared by two limiters, as a Redis-backed
// one would be across instances.
type sharedBackend struct {
	mu    sync.Mutex
	inner *whatsapp.MemoryLimitBackend
	keys  []string
	fail  bool
}

func (b *sharedBackend) Reserve(ctx context.Context, key string, lim rate.Limit, burst int) (time.Duration, error) {
	b.mu.Lock()
	b.keys = append(b.keys, key)
	fail := b.fail
	b.mu.Unlock()
	if fail {
		return 0, errors.New("backend down")
	}
	return b.inner.Reserve(ctx, key, lim, burst)
}

func TestLimiterSharedBackend(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		shared := &sharedBackend{inner: whatsapp.NewMemoryLimitBackend(nil)}
		a, err := whatsapp.NewLimiter(whatsapp.WithLimitBackend(shared), whatsapp.WithPairPacing(6*time.Second, 1))
		require.NoError(t, err)
		b, err := whatsapp.NewLimiter(whatsapp.WithLimitBackend(shared), whatsapp.WithPairPacing(6*time.Second, 1))
		require.NoError(t, err)
		user := whatsapp.Phone("+16505551234")
		start := time.Now()
		require.NoError(t, a.Wait(context.Background(), phoneID, user))
		require.NoError(t, b.Wait(context.Background(), phoneID, user))
		assert.Equal(t, 6*time.Second, time.Since(start), "the second instance waits for the first's slot")
		assert.Contains(t, shared.keys, "pair:"+phoneID+":16505551234")
		assert.Contains(t, shared.keys, "number:"+phoneID)
		assert.Equal(t, 2, shared.inner.Len())
		shared.fail = true
		assert.ErrorIs(t, a.Wait(context.Background(), phoneID, user), whatsapp.ErrLimitWait)
	})
}

func TestLimiterOptions(t *testing.T) {
	t.Parallel()
	for _, o := range []whatsapp.LimiterOption{
		whatsapp.WithDefaultThroughput(0), whatsapp.WithDefaultThroughput(1001),
		whatsapp.WithPairPacing(0, 1), whatsapp.WithPairPacing(time.Second, 0),
		whatsapp.WithLimitBackend(nil), whatsapp.WithLimiterClock(nil),
	} {
		_, err := whatsapp.NewLimiter(o)
		assert.Error(t, err)
	}
	l, err := whatsapp.NewLimiter(whatsapp.WithDefaultThroughput(250), whatsapp.WithLimiterClock(time.Now))
	require.NoError(t, err)
	assert.Equal(t, 250, l.Throughput("x"))
	require.NoError(t, l.Configure(whatsapp.PhoneNumber{ID: "x", IsOnBizApp: true}))
	assert.Equal(t, 20, l.Throughput("x"))
	high := whatsapp.PhoneNumber{ID: "y"}
	high.Throughput = &whatsapp.Throughput{Level: "HIGH"}
	require.NoError(t, l.Configure(high))
	assert.Equal(t, 1000, l.Throughput("y"))
	assert.Error(t, l.Configure(whatsapp.PhoneNumber{}))
}

func TestSendWaitsForLimiter(t *testing.T) {
	t.Parallel()
	fake := newFakeOutsideBubble(t)
	synctest.Test(t, func(t *testing.T) {
		l, err := whatsapp.NewLimiter(whatsapp.WithPairPacing(6*time.Second, 1))
		require.NoError(t, err)
		wa, err := whatsapp.NewClient(fake.SynctestClient("tok"), whatsapp.WithLimiter(l))
		require.NoError(t, err)
		start := time.Now()
		for range 3 {
			_, err := wa.Messages.SendText(context.Background(), phoneID, to, "hi")
			require.NoError(t, err)
		}
		assert.Equal(t, 12*time.Second, time.Since(start))
	})
}

package billing_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/botsync/botsync/billing"
	"github.com/botsync/botsync/billing/billingtest"
	"github.com/botsync/botsync/billing/memstore"
	"github.com/botsync/botsync/secret"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var whSecret = secret.New("whsec_test_0123")

// recordingSink keeps what it receives and fails while failing is set.
type recordingSink struct {
	mu      sync.Mutex
	events  []*billing.Event
	failing bool
}

func (s *recordingSink) HandleEvent(_ context.Context, ev *billing.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failing {
		return errors.New("queue unavailable")
	}
	s.events = append(s.events, ev)
	return nil
}

func (s *recordingSink) count() int { s.mu.Lock(); defer s.mu.Unlock(); return len(s.events) }

func (s *recordingSink) setFailing(v bool) { s.mu.Lock(); s.failing = v; s.mu.Unlock() }

func serve(h http.Handler, r *http.Request) int {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Code
}

func newHandler(t *testing.T, opts ...billing.WebhookOption) (*billing.WebhookHandler, *recordingSink, *memstore.Store) {
	t.Helper()
	store, sink := memstore.New(), &recordingSink{}
	h, err := billing.NewWebhookHandler(whSecret, store, sink, opts...)
	require.NoError(t, err)
	return h, sink, store
}

func TestWebhookHandler(t *testing.T) {
	t.Parallel()
	body := fixture(t, "payment.captured.json")

	t.Run("processes once", func(t *testing.T) {
		t.Parallel()
		h, sink, _ := newHandler(t)
		assert.Equal(t, 200, serve(h, billingtest.NewWebhookRequest(body, whSecret, "evt_1")))
		assert.Equal(t, 200, serve(h, billingtest.NewWebhookRequest(body, whSecret, "evt_1")), "a duplicate is acknowledged")
		require.Equal(t, 1, sink.count(), "and not processed twice")
		assert.Equal(t, "evt_1", sink.events[0].ID)
		assert.Equal(t, billing.Paise(100), sink.events[0].Payment.Amount)
		assert.Equal(t, 200, serve(h, billingtest.NewWebhookRequest(body, whSecret, "evt_2")))
		assert.Equal(t, 2, sink.count(), "another event id is another event")
	})
	t.Run("rejects", func(t *testing.T) {
		t.Parallel()
		var logs bytes.Buffer
		h, sink, _ := newHandler(t, billing.WithMaxBody(int64(len(body))), billing.WithWebhookLogger(slog.New(slog.NewTextHandler(&logs, nil))))
		get := httptest.NewRequest(http.MethodGet, "/", nil)
		assert.Equal(t, http.StatusMethodNotAllowed, serve(h, get))

		big := append(bytes.Clone(body), ' ')
		assert.Equal(t, http.StatusRequestEntityTooLarge, serve(h, billingtest.NewWebhookRequest(big, whSecret, "evt_big")))

		unsigned := billingtest.NewWebhookRequest(body, whSecret, "evt_1")
		unsigned.Header.Del(billing.SignatureHeader)
		assert.Equal(t, http.StatusUnauthorized, serve(h, unsigned))

		forged := billingtest.NewWebhookRequest(body, secret.New("other"), "evt_1")
		assert.Equal(t, http.StatusUnauthorized, serve(h, forged))

		truncated := billingtest.NewWebhookRequest(body, whSecret, "evt_1")
		truncated.Header.Set(billing.SignatureHeader, truncated.Header.Get(billing.SignatureHeader)[:32])
		assert.Equal(t, http.StatusUnauthorized, serve(h, truncated))

		garbage := []byte(`{"entity":"event"}`)
		assert.Equal(t, http.StatusBadRequest, serve(h, billingtest.NewWebhookRequest(garbage, whSecret, "evt_g")))

		assert.Equal(t, 0, sink.count())
		assert.NotContains(t, logs.String(), whSecret.Reveal())
		assert.NotContains(t, logs.String(), "gaurav", "bodies are never logged")
	})
	t.Run("sink failure is retried", func(t *testing.T) {
		t.Parallel()
		h, sink, _ := newHandler(t)
		sink.setFailing(true)
		assert.Equal(t, http.StatusInternalServerError, serve(h, billingtest.NewWebhookRequest(body, whSecret, "evt_1")))
		sink.setFailing(false)
		assert.Equal(t, 200, serve(h, billingtest.NewWebhookRequest(body, whSecret, "evt_1")), "the redelivery is processed")
		assert.Equal(t, 1, sink.count())
	})
	t.Run("unknown types reach the sink", func(t *testing.T) {
		t.Parallel()
		h, sink, _ := newHandler(t)
		assert.Equal(t, 200, serve(h, billingtest.NewWebhookRequest(fixture(t, "unknown.json"), whSecret, "evt_u")))
		require.Equal(t, 1, sink.count())
		assert.False(t, sink.events[0].Type.Known())
	})
	t.Run("no event id falls back to the body hash", func(t *testing.T) {
		t.Parallel()
		h, sink, _ := newHandler(t)
		assert.Equal(t, 200, serve(h, billingtest.NewWebhookRequest(body, whSecret, "")))
		assert.Equal(t, 200, serve(h, billingtest.NewWebhookRequest(body, whSecret, "")))
		require.Equal(t, 1, sink.count())
		assert.True(t, strings.HasPrefix(sink.events[0].ID, "sha256:"))
	})
	t.Run("concurrent duplicates", func(t *testing.T) {
		t.Parallel()
		h, sink, _ := newHandler(t)
		var wg sync.WaitGroup
		for range 20 {
			wg.Go(func() {
				assert.Equal(t, 200, serve(h, billingtest.NewWebhookRequest(body, whSecret, "evt_c")))
			})
		}
		wg.Wait()
		assert.Equal(t, 1, sink.count())
	})
	t.Run("a crashed claim is taken over after the lease", func(t *testing.T) {
		t.Parallel()
		clk := &fixedClock{t: time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)}
		h, sink, store := newHandler(t, billing.WithWebhookClock(clk.Now), billing.WithClaimLease(time.Minute))
		// Another instance claimed the event and died before completing it.
		ok, err := store.ClaimEvent(t.Context(), billing.EventKey{AccountID: "acc_BFQ7uQEaa7j2z7", EventID: "evt_1"}, clk.Now(), time.Minute)
		require.NoError(t, err)
		require.True(t, ok)
		out, err := h.Process(t.Context(), body, billingtest.SignWebhook(body, whSecret), "evt_1")
		require.NoError(t, err)
		assert.Equal(t, billing.OutcomeDuplicate, out, "within the lease the claim holds")
		clk.Set(clk.Now().Add(2 * time.Minute))
		out, err = h.Process(t.Context(), body, billingtest.SignWebhook(body, whSecret), "evt_1")
		require.NoError(t, err)
		assert.Equal(t, billing.OutcomeProcessed, out)
		assert.Equal(t, 1, sink.count())
	})
}

func TestNewWebhookHandlerErrors(t *testing.T) {
	t.Parallel()
	_, err := billing.NewWebhookHandler(secret.Value{}, memstore.New(), &recordingSink{})
	assert.ErrorContains(t, err, "secret")
	_, err = billing.NewWebhookHandler(whSecret, nil, &recordingSink{})
	assert.Error(t, err)
	_, err = billing.NewWebhookHandler(whSecret, memstore.New(), &recordingSink{}, billing.WithMaxBody(0))
	assert.Error(t, err)
	_, err = billing.NewWebhookHandler(whSecret, memstore.New(), &recordingSink{}, billing.WithClaimLease(-1))
	assert.Error(t, err)
}

func TestWebhookHandlerPrintsNoSecret(t *testing.T) {
	t.Parallel()
	h, _, _ := newHandler(t)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		assert.NotContains(t, fmt.Sprintf(verb, h), whSecret.Reveal(), verb)
	}
}

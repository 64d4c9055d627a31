package broadcast_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/meta"
	"github.com/botsync/botsync/meta/metatest"
	"github.com/botsync/botsync/whatsapp"
	"github.com/botsync/botsync/whatsapp/broadcast"
	"github.com/botsync/botsync/whatsapp/broadcast/broadcasttest"
	"github.com/botsync/botsync/whatsapp/broadcast/memstore"
	"github.com/botsync/botsync/whatsapp/whatsapptest"
)

// TestAgainstFakeCloudAPI runs a campaign through the real whatsapp client
// against the fake Cloud API, whose signed status webhooks (scrambled,
// duplicated, delivered before the send is answered) reach a verifying
// webhook endpoint that feeds Observe.
func TestAgainstFakeCloudAPI(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fake := whatsapptest.New(t)
	wa := fake.WhatsApp("tok")
	clock := &broadcasttest.Clock{}
	store := memstore.New()
	svc, err := broadcast.New(store, wa.Messages, broadcast.WithClock(clock.Now), broadcast.WithReconcileAfter(time.Minute))
	require.NoError(t, err)

	h, err := meta.NewWebhookHandler(meta.WebhookSinkFunc(func(ctx context.Context, d meta.Delivery) error {
		events, err := whatsapp.Decode(d.Body)
		if err != nil {
			return err
		}
		_, err = svc.Observe(ctx, "ws1", events)
		return err
	}), meta.WithAppSecrets(fake.AppSecret()))
	require.NoError(t, err)
	hook := httptest.NewServer(h)
	defer hook.Close()
	fake.SetAutoStatuses(&whatsapptest.AutoStatuses{Target: hook.URL, Client: hook.Client(), States: []string{"sent", "delivered", "read"}, Scramble: true})

	const n = 40
	fake.FailRecipient(key(3), metatest.GraphError{Code: 131050, Message: "(#131050) User opted out of marketing messages"})
	fake.FailRecipient(key(4), metatest.GraphError{Code: 131026, Message: "(#131026) Message undeliverable"})
	c := broadcasttest.StartCampaign(t, svc, "ws1", n, 200)
	// one request reaches the API, its answer is lost
	fake.Fail(func(r *http.Request) bool {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		return r.Method == http.MethodPost && bytes.Contains(body, []byte(key(10)))
	}, metatest.Failure{DropConnection: true, Times: 1})
	require.NoError(t, svc.Run(ctx, "ws1", c.ID, broadcast.WithWorkers(4)))
	require.Empty(t, fake.AutoStatusErrors())

	rs := recipients(t, store, c)
	assert.Equal(t, broadcast.StatusFailed, rs[key(3)].Status)
	assert.Equal(t, 131050, rs[key(3)].ErrorCode)
	assert.Equal(t, broadcast.StatusFailed, rs[key(4)].Status)
	counts := map[broadcast.RecipientStatus]int{}
	for _, r := range rs {
		counts[r.Status]++
	}
	assert.Equal(t, n-3, counts[broadcast.StatusRead], "statuses from webhooks, out of order and twice, end at read")
	assert.Equal(t, 1, counts[broadcast.StatusSending], "the dropped answer is left for reconciliation")

	clock.Advance(2 * time.Minute)
	failed, err := svc.Reconcile(ctx, "ws1", c.ID)
	require.NoError(t, err)
	assert.Equal(t, 1, failed)

	perTo := map[string]int{}
	for _, s := range fake.Sent() {
		perTo[s.To]++
		var body struct {
			CallbackData string `json:"biz_opaque_callback_data"`
		}
		require.NoError(t, s.Decode(&body))
		_, _, ok := broadcast.ParseCallbackData(body.CallbackData)
		assert.True(t, ok)
	}
	for to, k := range perTo {
		assert.Equal(t, 1, k, "…%s", to[len(to)-2:])
	}
	assert.Len(t, perTo, n-3)
	rep, err := svc.Report(ctx, "ws1", c.ID)
	require.NoError(t, err)
	assert.Equal(t, n-3, rep.Read)
	assert.Equal(t, 3, rep.Failed)
}

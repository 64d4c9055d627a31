package whatsapptest_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/meta"
	"github.com/botsync/botsync/whatsapp"
	"github.com/botsync/botsync/whatsapp/whatsapptest"
)

func TestSignedStatusWebhooksReachAVerifyingEndpoint(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	fake := whatsapptest.New(t, whatsapptest.WithClock(func() time.Time { return now }))
	wa := fake.WhatsApp("tok")
	ctx := context.Background()
	_, err := wa.Messages.Send(ctx, whatsapptest.PhoneNumberID, whatsapp.Message{To: whatsapp.Phone("+919876543210"), CallbackData: "camp:1",
		Content: whatsapp.Template{Name: "hello_world", Language: "en_US", Category: whatsapp.CategoryMarketing}})
	require.NoError(t, err)
	sent := fake.Sent()[0]
	assert.Equal(t, "marketing_messages", sent.Endpoint)

	var mu sync.Mutex
	var statuses []whatsapp.Status
	h, err := meta.NewWebhookHandler(meta.WebhookSinkFunc(func(_ context.Context, d meta.Delivery) error {
		events, err := whatsapp.Decode(d.Body)
		if err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		for _, ev := range events {
			statuses = append(statuses, ev.Messages.Statuses...)
		}
		return nil
	}), meta.WithAppSecrets(fake.AppSecret()))
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	defer srv.Close()

	sts := fake.Statuses(sent, "sent", "delivered", "failed")
	require.Len(t, sts, 3)
	assert.Equal(t, "marketing", sts[0].Pricing.Category)
	assert.Equal(t, "camp:1", sts[0].CallbackData)
	assert.Equal(t, "919876543210", sts[0].RecipientID)
	assert.Equal(t, now.Add(2*time.Second), sts[1].Timestamp.Time)
	assert.Equal(t, 131026, sts[2].Errors[0].Code)

	scrambled := whatsapptest.Scramble(sts[:2])
	codes, err := fake.Deliver(ctx, srv.Client(), srv.URL, fake.StatusWebhook(scrambled...), fake.InboundText("", "US.13491208655302741918", "Sheena", "hi"))
	require.NoError(t, err)
	assert.Equal(t, []int{200, 200}, codes)
	mu.Lock()
	require.Len(t, statuses, 4)
	assert.Equal(t, []string{"delivered", "delivered", "sent", "sent"}, []string{statuses[0].Status, statuses[1].Status, statuses[2].Status, statuses[3].Status})
	mu.Unlock()

	tampered := fake.WebhookRequest(srv.URL, fake.StatusWebhook(sts[0]))
	tampered.Header.Set("X-Hub-Signature-256", "sha256=00")
	resp, err := srv.Client().Do(tampered)
	require.NoError(t, err)
	resp.Body.Close()
	assert.NotEqual(t, http.StatusOK, resp.StatusCode)
}

func TestInboundTextDecodes(t *testing.T) {
	t.Parallel()
	fake := whatsapptest.New(t)
	events, err := whatsapp.Decode(fake.InboundText("16505551234", "US.13491208655302741918", "Sheena", "hello"))
	require.NoError(t, err)
	m := events[0].Messages.Messages[0]
	assert.Equal(t, "hello", m.Text.Body)
	assert.Equal(t, "Sheena", m.Profile.Profile.Name)
	assert.Equal(t, whatsapptest.PhoneNumberID, m.PhoneNumberID)
	assert.False(t, m.Timestamp.IsZero())
}

func TestFailRecipientIsPerRecipient(t *testing.T) {
	t.Parallel()
	fake := whatsapptest.New(t)
	fake.FailRecipient("US.13491208655302741918", whatsapptestError(131050))
	wa := fake.WhatsApp("tok")
	_, err := wa.Messages.SendText(context.Background(), whatsapptest.PhoneNumberID, whatsapp.BSUID("US.13491208655302741918"), "x")
	assert.ErrorIs(t, err, whatsapp.ErrSuppressRecipient)
	_, err = wa.Messages.SendText(context.Background(), whatsapptest.PhoneNumberID, whatsapp.Phone("+16505551234"), "x")
	assert.NoError(t, err)
	_, err = wa.Messages.SendText(context.Background(), whatsapptest.PhoneNumberID, whatsapp.BSUID("US.13491208655302741918"), "x")
	assert.NoError(t, err, "scripted errors are used once")
}

func ExampleScramble() {
	sts := []whatsapp.Status{{ID: "wamid.1", Status: "sent"}, {ID: "wamid.1", Status: "delivered"}, {ID: "wamid.1", Status: "read"}}
	for _, s := range whatsapptest.Scramble(sts) {
		fmt.Print(s.Status, " ")
	}
	fmt.Println()
	// Output: read read delivered delivered sent sent
}

func TestAutoStatusesRaceAheadOfTheSend(t *testing.T) {
	t.Parallel()
	tracker := whatsapp.NewStatusTracker(nil, 0)
	var buffered []whatsapp.Outcome
	var mu sync.Mutex
	h, err := meta.NewWebhookHandler(meta.WebhookSinkFunc(func(ctx context.Context, d meta.Delivery) error {
		events, err := whatsapp.Decode(d.Body)
		if err != nil {
			return err
		}
		ups, err := whatsapp.ApplyStatuses(ctx, tracker, events)
		mu.Lock()
		for _, u := range ups {
			buffered = append(buffered, u.Outcome)
		}
		mu.Unlock()
		return err
	}), meta.WithAppSecrets(secretOf(t)))
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	defer srv.Close()

	fake := whatsapptest.New(t, whatsapptest.WithMetatest())
	fake.SetAutoStatuses(&whatsapptest.AutoStatuses{Target: srv.URL, Client: srv.Client(), States: []string{"sent", "delivered", "read"}, Scramble: true})
	wa := fake.WhatsApp("tok", whatsapp.WithTracker(tracker))
	res, err := wa.Messages.SendText(context.Background(), whatsapptest.PhoneNumberID, whatsapp.Phone("+919876543210"), "hi")
	require.NoError(t, err)
	assert.Empty(t, fake.AutoStatusErrors())
	mu.Lock()
	assert.Equal(t, []whatsapp.Outcome{whatsapp.OutcomeBuffered, whatsapp.OutcomeDuplicate, whatsapp.OutcomeBuffered, whatsapp.OutcomeDuplicate, whatsapp.OutcomeBuffered, whatsapp.OutcomeDuplicate}, buffered,
		"every status arrived before the send returned")
	mu.Unlock()
	d, ok, err := tracker.Get(context.Background(), res.MessageID)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, whatsapp.StateRead, d.State, "Track applied the buffered statuses")

	missing := httptest.NewServer(http.NotFoundHandler())
	defer missing.Close()
	fake.SetAutoStatuses(&whatsapptest.AutoStatuses{Target: missing.URL, Client: missing.Client()})
	_, err = wa.Messages.SendText(context.Background(), whatsapptest.PhoneNumberID, whatsapp.Phone("+919876543210"), "hi")
	require.NoError(t, err)
	assert.Len(t, fake.AutoStatusErrors(), 1)
}

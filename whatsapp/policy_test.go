package whatsapp_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/meta"
	"github.com/botsync/botsync/whatsapp"
)

// graphErr builds the *meta.Error the client returns for a recorded Cloud
// API error payload.
func graphErr(status int, body string) error {
	return fmt.Errorf("whatsapp: send message: %w", meta.ParseError("POST 1/messages", status, []byte(body)))
}

func TestClassifierTable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want whatsapp.Action
	}{
		{"130429 throughput", graphErr(429, `{"error":{"message":"(#130429) Rate limit hit","type":"OAuthException","code":130429,"error_data":{"messaging_product":"whatsapp","details":"Cloud API message throughput has been reached."},"fbtrace_id":"A1"}}`), whatsapp.ActionRetrySoon},
		{"4 app rate limit", graphErr(400, `{"error":{"message":"(#4) Application request limit reached","type":"OAuthException","code":4,"is_transient":true}}`), whatsapp.ActionRetrySoon},
		{"80007 WABA rate limit", graphErr(400, `{"error":{"message":"(#80007) There have been too many calls to this WhatsApp Business account.","type":"OAuthException","code":80007}}`), whatsapp.ActionRetrySoon},
		{"131057 maintenance", graphErr(400, `{"error":{"message":"(#131057) Account in maintenance mode","code":131057}}`), whatsapp.ActionRetrySoon},
		{"131053 media upload", graphErr(400, `{"error":{"message":"(#131053) Media upload error","code":131053,"error_data":{"details":"Unable to download the media from the link."}}}`), whatsapp.ActionRetrySoon},
		{"500 without code", graphErr(500, `<html>oops</html>`), whatsapp.ActionRetrySoon},
		{"503 unknown code", graphErr(503, `{"error":{"message":"Service temporarily unavailable","code":131016}}`), whatsapp.ActionRetrySoon},
		{"131056 pair rate", graphErr(400, `{"error":{"message":"(#131056) (Business Account, Consumer Account) pair rate limit hit","code":131056}}`), whatsapp.ActionRetryRecipientLater},
		{"131049 ecosystem", graphErr(400, `{"error":{"message":"This message was not delivered to maintain healthy ecosystem engagement.","code":131049}}`), whatsapp.ActionRetryInHours},
		{"131047 re-engagement", graphErr(400, `{"error":{"message":"(#131047) Re-engagement message","code":131047,"error_data":{"details":"Message failed to send because more than 24 hours have passed since the customer last replied to this number."}}}`), whatsapp.ActionNeedsTemplate},
		{"131050 marketing opt-out", graphErr(400, `{"error":{"message":"(#131050) Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business.","code":131050}}`), whatsapp.ActionSuppressRecipient},
		{"131026 undeliverable", graphErr(400, `{"error":{"message":"(#131026) Message Undeliverable.","code":131026}}`), whatsapp.ActionTerminal},
		{"132000 param count", graphErr(400, `{"error":{"message":"(#132000) Number of parameters does not match the expected number of params","code":132000}}`), whatsapp.ActionTerminal},
		{"132001 template missing", graphErr(404, `{"error":{"message":"(#132001) Template name does not exist in the translation","code":132001}}`), whatsapp.ActionTerminal},
		{"132015 paused", graphErr(400, `{"error":{"message":"(#132015) Template is paused","code":132015}}`), whatsapp.ActionTerminal},
		{"132016 disabled", graphErr(400, `{"error":{"message":"(#132016) Template is disabled","code":132016}}`), whatsapp.ActionTerminal},
		{"368 policy block", graphErr(400, `{"error":{"message":"(#368) Temporarily blocked for policies violations","code":368}}`), whatsapp.ActionHaltNumber},
		{"131031 account locked", graphErr(400, `{"error":{"message":"(#131031) Business Account locked","code":131031}}`), whatsapp.ActionHaltNumber},
		{"131048 single", graphErr(400, `{"error":{"message":"(#131048) Spam rate limit hit","code":131048}}`), whatsapp.ActionRetryInHours},
		{"190 token", graphErr(401, `{"error":{"message":"Error validating access token","type":"OAuthException","code":190,"error_subcode":463}}`), whatsapp.ActionReconnect},
		{"100 invalid param", graphErr(400, `{"error":{"message":"(#100) Invalid parameter","code":100}}`), whatsapp.ActionTerminal},
		{"unknown 4xx", graphErr(400, `{"error":{"message":"new error","code":987654}}`), whatsapp.ActionTerminal},
		{"webhook status error", whatsapp.ErrorDetail{Code: 131050, Title: "opted out"}, whatsapp.ActionSuppressRecipient},
		{"validation", &whatsapp.ValidationError{Field: "to", Reason: "bad"}, whatsapp.ActionTerminal},
		{"outside window", &whatsapp.OutsideWindowError{}, whatsapp.ActionNeedsTemplate},
		{"limit wait", fmt.Errorf("%w: x", whatsapp.ErrLimitWait), whatsapp.ActionRetrySoon},
		{"timeout", fmt.Errorf("meta: POST 1/messages: %w", context.DeadlineExceeded), whatsapp.ActionUncertain},
		{"transport", errors.New("connection reset by peer"), whatsapp.ActionUncertain},
		{"nil", nil, whatsapp.ActionNone},
	}
	c, err := whatsapp.NewClassifier()
	require.NoError(t, err)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, c.Classify("106540352242922", tt.err))
			assert.Equal(t, tt.want, whatsapp.ActionOf(tt.err))
			if tt.want != whatsapp.ActionNone {
				se := &whatsapp.SendError{Op: "send message", Action: tt.want, Err: errors.New("x")}
				assert.ErrorIs(t, se, tt.want.Err())
				assert.Equal(t, tt.want, whatsapp.ActionOf(se))
			}
		})
	}
}

func TestClassifierBurstAndOverrides(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c, err := whatsapp.NewClassifier(
		whatsapp.WithBurst(3, 10*time.Minute),
		whatsapp.WithClassifierClock(func() time.Time { return now }),
		whatsapp.WithOverride(131026, whatsapp.ActionSuppressRecipient),
	)
	require.NoError(t, err)
	spam := graphErr(400, `{"error":{"message":"(#131048) Spam rate limit hit","code":131048}}`)
	assert.Equal(t, whatsapp.ActionRetryInHours, c.Classify("A", spam))
	now = now.Add(time.Minute)
	assert.Equal(t, whatsapp.ActionRetryInHours, c.Classify("A", spam))
	assert.Equal(t, whatsapp.ActionRetryInHours, c.Classify("B", spam), "bursts are per number")
	now = now.Add(time.Minute)
	assert.Equal(t, whatsapp.ActionHaltNumber, c.Classify("A", spam), "third 131048 within 10 minutes halts")
	now = now.Add(time.Hour)
	assert.Equal(t, whatsapp.ActionRetryInHours, c.Classify("A", spam), "old errors fall out of the window")
	assert.Equal(t, whatsapp.ActionSuppressRecipient, c.ClassifyCode("A", 131026, 400))

	_, err = whatsapp.NewClassifier(whatsapp.WithOverride(1, whatsapp.Action(99)))
	assert.Error(t, err)
	_, err = whatsapp.NewClassifier(whatsapp.WithBurst(0, time.Minute))
	assert.Error(t, err)
	_, err = whatsapp.NewClassifier(whatsapp.WithClassifierClock(nil))
	assert.Error(t, err)
}

func TestActionNamesAndRetryable(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "retry_soon", whatsapp.ActionRetrySoon.String())
	assert.Equal(t, "halt_number", whatsapp.ActionHaltNumber.String())
	assert.Equal(t, "unknown", whatsapp.Action(42).String())
	assert.Nil(t, whatsapp.ActionNone.Err())
	assert.True(t, whatsapp.ActionRetryRecipientLater.Retryable())
	assert.False(t, whatsapp.ActionTerminal.Retryable())
	assert.False(t, whatsapp.ActionUncertain.Retryable())
	for a := whatsapp.ActionRetrySoon; a <= whatsapp.ActionUncertain; a++ {
		assert.NotNil(t, a.Err(), a.String())
	}
}

func TestSendErrorRetryAfter(t *testing.T) {
	t.Parallel()
	hinted := &meta.Error{Code: 130429, HTTPStatus: 429, RetryAfter: 90 * time.Second}
	assert.Equal(t, 90*time.Second, (&whatsapp.SendError{Action: whatsapp.ActionRetrySoon, Err: hinted}).RetryAfter())
	assert.Equal(t, whatsapp.DefaultRetrySoonWait, (&whatsapp.SendError{Action: whatsapp.ActionRetrySoon, Err: errors.New("x")}).RetryAfter())
	assert.Equal(t, 6*time.Second, (&whatsapp.SendError{Action: whatsapp.ActionRetryRecipientLater, Err: errors.New("x")}).RetryAfter())
	assert.Equal(t, 6*time.Hour, (&whatsapp.SendError{Action: whatsapp.ActionRetryInHours, Err: errors.New("x")}).RetryAfter())
	assert.Zero(t, (&whatsapp.SendError{Action: whatsapp.ActionTerminal, Err: hinted}).RetryAfter())
}

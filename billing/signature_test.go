package billing_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/botsync/botsync/billing"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// mac computes the expected signature independently of the package.
func mac(key, msg string) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(msg))
	return hex.EncodeToString(m.Sum(nil))
}

func TestVerifyPaymentSignature(t *testing.T) {
	t.Parallel()
	const key = "EnLs21M47BllR3X8PSFtjtbd"
	good := mac(key, "order_IEIaMR65cu6nz3|pay_IH4NVgf4Dreq1l")
	// A fixed vector computed outside Go (openssl dgst -sha256 -hmac secret).
	require.NoError(t, billing.VerifyPaymentSignature("order_1", "pay_1",
		"52115a0d3400de9e86aade1f1b6eba9e8974604f4e267a9e9a16633a4c8dd2cb", []byte("secret")))
	tests := []struct {
		name            string
		order, pay, sig string
		secret          string
		want            error
	}{
		{"valid", "order_IEIaMR65cu6nz3", "pay_IH4NVgf4Dreq1l", good, key, nil},
		{"upper-case hex", "order_IEIaMR65cu6nz3", "pay_IH4NVgf4Dreq1l", strings.ToUpper(good), key, nil},
		{"tampered", "order_IEIaMR65cu6nz3", "pay_IH4NVgf4Dreq1l", flip(good), key, billing.ErrInvalidSignature},
		{"truncated", "order_IEIaMR65cu6nz3", "pay_IH4NVgf4Dreq1l", good[:40], key, billing.ErrInvalidSignature},
		{"not hex", "order_IEIaMR65cu6nz3", "pay_IH4NVgf4Dreq1l", strings.Repeat("z", 64), key, billing.ErrInvalidSignature},
		{"swapped ids", "pay_IH4NVgf4Dreq1l", "order_IEIaMR65cu6nz3", good, key, billing.ErrInvalidSignature},
		{"wrong secret", "order_IEIaMR65cu6nz3", "pay_IH4NVgf4Dreq1l", good, "other", billing.ErrInvalidSignature},
		{"missing signature", "order_IEIaMR65cu6nz3", "pay_IH4NVgf4Dreq1l", "", key, billing.ErrMissingSignature},
		{"missing secret", "order_IEIaMR65cu6nz3", "pay_IH4NVgf4Dreq1l", good, "", billing.ErrMissingSignature},
		{"missing order id", "", "pay_IH4NVgf4Dreq1l", good, key, billing.ErrInvalidSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := billing.VerifyPaymentSignature(tt.order, tt.pay, tt.sig, []byte(tt.secret))
			if tt.want == nil {
				assert.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tt.want)
			assert.NotContains(t, err.Error(), key, "the secret never appears in errors")
		})
	}
}

func TestVerifySubscriptionSignature(t *testing.T) {
	t.Parallel()
	const key = "k3y"
	sig := mac(key, "pay_1|sub_1")
	assert.NoError(t, billing.VerifySubscriptionSignature("pay_1", "sub_1", sig, []byte(key)))
	assert.ErrorIs(t, billing.VerifySubscriptionSignature("sub_1", "pay_1", sig, []byte(key)), billing.ErrInvalidSignature, "order of the fields matters")
	assert.ErrorIs(t, billing.VerifySubscriptionSignature("pay_1", "sub_1", "", []byte(key)), billing.ErrMissingSignature)
	assert.ErrorIs(t, billing.VerifySubscriptionSignature("pay_1", "sub_1", sig[:63], []byte(key)), billing.ErrInvalidSignature)
}

func TestVerifyPaymentLinkSignature(t *testing.T) {
	t.Parallel()
	const key = "k3y"
	cb := billing.PaymentLinkCallback{PaymentLinkID: "plink_1", PaymentLinkReferenceID: "ref_1", PaymentLinkStatus: "paid", PaymentID: "pay_1"}
	cb.Signature = mac(key, "plink_1|ref_1|paid|pay_1")
	assert.NoError(t, billing.VerifyPaymentLinkSignature(cb, []byte(key)))
	noRef := cb
	noRef.PaymentLinkReferenceID = ""
	noRef.Signature = mac(key, "plink_1||paid|pay_1")
	assert.NoError(t, billing.VerifyPaymentLinkSignature(noRef, []byte(key)), "an empty reference id keeps its separator")
	bad := cb
	bad.PaymentLinkStatus = "cancelled"
	assert.ErrorIs(t, billing.VerifyPaymentLinkSignature(bad, []byte(key)), billing.ErrInvalidSignature)
	bad = cb
	bad.Signature = ""
	assert.ErrorIs(t, billing.VerifyPaymentLinkSignature(bad, []byte(key)), billing.ErrMissingSignature)
}

func TestVerifyWebhookSignature(t *testing.T) {
	t.Parallel()
	body := []byte(`{"entity":"event","event":"payment.captured"}`)
	sig := mac("whsec", string(body))
	assert.NoError(t, billing.VerifyWebhookSignature(body, sig, []byte("whsec")))
	assert.NoError(t, billing.VerifyWebhookSignature(body, strings.ToUpper(sig), []byte("whsec")))
	assert.ErrorIs(t, billing.VerifyWebhookSignature(append(body, ' '), sig, []byte("whsec")), billing.ErrInvalidSignature, "any change to the body")
	assert.ErrorIs(t, billing.VerifyWebhookSignature(body, sig, []byte("other")), billing.ErrInvalidSignature)
	assert.ErrorIs(t, billing.VerifyWebhookSignature(body, "", []byte("whsec")), billing.ErrMissingSignature)
	assert.ErrorIs(t, billing.VerifyWebhookSignature(body, sig+"00", []byte("whsec")), billing.ErrInvalidSignature)
}

// flip changes the first hex digit of s.
func flip(s string) string {
	if s[0] == 'a' {
		return "b" + s[1:]
	}
	return "a" + s[1:]
}

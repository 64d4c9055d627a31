package billing

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
)

// Signature errors. Every verifier returns one of them (wrapped) on failure.
var (
	// ErrMissingSignature: the signature (or the secret it needs) is empty.
	ErrMissingSignature = errors.New("billing: missing signature")
	// ErrInvalidSignature: the signature does not match the payload.
	ErrInvalidSignature = errors.New("billing: invalid signature")
)

// VerifyPaymentSignature checks the razorpay_signature returned by Checkout
// for an order: HMAC-SHA256 of "order_id|payment_id" keyed with the API key
// secret, hex encoded (either case accepted). The comparison is constant time.
func VerifyPaymentSignature(orderID, paymentID, signature string, keySecret []byte) error {
	if orderID == "" || paymentID == "" {
		return fmt.Errorf("%w: order_id and payment_id are required", ErrInvalidSignature)
	}
	return verifyHex([]byte(orderID+"|"+paymentID), signature, keySecret)
}

// VerifySubscriptionSignature checks the razorpay_signature returned by
// Checkout for a subscription's authorisation payment: HMAC-SHA256 of
// "payment_id|subscription_id" keyed with the API key secret.
func VerifySubscriptionSignature(paymentID, subscriptionID, signature string, keySecret []byte) error {
	if paymentID == "" || subscriptionID == "" {
		return fmt.Errorf("%w: payment_id and subscription_id are required", ErrInvalidSignature)
	}
	return verifyHex([]byte(paymentID+"|"+subscriptionID), signature, keySecret)
}

// PaymentLinkCallback is the query string Razorpay appends to a payment
// link's callback URL.
type PaymentLinkCallback struct {
	PaymentLinkID          string // razorpay_payment_link_id
	PaymentLinkReferenceID string // razorpay_payment_link_reference_id (may be empty)
	PaymentLinkStatus      string // razorpay_payment_link_status
	PaymentID              string // razorpay_payment_id
	Signature              string // razorpay_signature
}

// VerifyPaymentLinkSignature checks a payment link callback: HMAC-SHA256 of
// "payment_link_id|payment_link_reference_id|payment_link_status|payment_id"
// keyed with the API key secret.
func VerifyPaymentLinkSignature(cb PaymentLinkCallback, keySecret []byte) error {
	if cb.PaymentLinkID == "" || cb.PaymentID == "" || cb.PaymentLinkStatus == "" {
		return fmt.Errorf("%w: payment_link_id, payment_link_status and payment_id are required", ErrInvalidSignature)
	}
	msg := cb.PaymentLinkID + "|" + cb.PaymentLinkReferenceID + "|" + cb.PaymentLinkStatus + "|" + cb.PaymentID
	return verifyHex([]byte(msg), cb.Signature, keySecret)
}

// VerifyWebhookSignature checks the X-Razorpay-Signature header: HMAC-SHA256
// of the raw request body keyed with the webhook secret (not the API key
// secret), hex encoded.
func VerifyWebhookSignature(body []byte, signature string, webhookSecret []byte) error {
	return verifyHex(body, signature, webhookSecret)
}

func verifyHex(msg []byte, signature string, key []byte) error {
	if signature == "" {
		return ErrMissingSignature
	}
	if len(key) == 0 {
		return fmt.Errorf("%w: no secret configured", ErrMissingSignature)
	}
	got, err := hex.DecodeString(signature) // accepts upper and lower case
	if err != nil || len(got) != sha256.Size {
		return fmt.Errorf("%w: not a hex SHA-256", ErrInvalidSignature)
	}
	m := hmac.New(sha256.New, key)
	m.Write(msg)
	if !hmac.Equal(got, m.Sum(nil)) {
		return ErrInvalidSignature
	}
	return nil
}

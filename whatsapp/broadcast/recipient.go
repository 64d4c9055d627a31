package broadcast

import (
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/botsync/botsync/whatsapp"
)

// RecipientStatus is where one recipient of a campaign stands.
//
//	pending → claimed → sending → accepted → sent → delivered → read
//	                         ↘ failed      (any time before delivered)
//	skipped                  (at planning, or at send time for a new opt-out)
//
// A claimed recipient whose lease expires goes back to the pool; a sending
// one (its send intent recorded) is never claimed again: its outcome comes
// from the API's answer or, when that was lost, from status webhooks (see
// [Service.Reconcile]).
type RecipientStatus string

// Recipient statuses.
const (
	StatusPending   RecipientStatus = "pending"
	StatusClaimed   RecipientStatus = "claimed"
	StatusSending   RecipientStatus = "sending"
	StatusAccepted  RecipientStatus = "accepted"
	StatusSent      RecipientStatus = "sent"
	StatusDelivered RecipientStatus = "delivered"
	StatusRead      RecipientStatus = "read"
	StatusFailed    RecipientStatus = "failed"
	StatusSkipped   RecipientStatus = "skipped"
)

// Final reports whether s will not be sent again (it may still advance on
// webhooks: accepted → sent → delivered → read).
func (s RecipientStatus) Final() bool {
	switch s {
	case StatusPending, StatusClaimed, StatusSending:
		return false
	}
	return true
}

// SkipReason says why a recipient is not sent to.
type SkipReason string

// Skip reasons.
const (
	SkipNoConsent     SkipReason = "no_marketing_consent"
	SkipOptedOut      SkipReason = "opted_out"
	SkipDuplicate     SkipReason = "duplicate"
	SkipInvalidNumber SkipReason = "invalid_number"
	SkipMissingParam  SkipReason = "missing_parameter"
	SkipInvalidParam  SkipReason = "invalid_parameter" // e.g. a coupon code over 15 characters
)

// Failure reasons recorded on failed recipients besides the API's error
// title.
const (
	// FailOutcomeUnknown: the send's answer was lost (timeout after the
	// request left, crashed worker) and no status webhook came within the
	// reconcile window; the recipient is not sent again.
	FailOutcomeUnknown = "outcome_unknown"
	// FailRetriesExhausted: retryable errors exceeded the attempt budget.
	FailRetriesExhausted = "retries_exhausted"
)

// Recipient is one frozen row of a campaign's plan: who, with which
// parameter values, and how the send went. To and Values are personal data:
// LogValue redacts them.
type Recipient struct {
	WorkspaceID string `json:"workspace_id"`
	CampaignID  string `json:"campaign_id"`
	// Seq is the recipient's 1-based position in the plan.
	Seq    int64  `json:"seq"`
	LeadID string `json:"lead_id,omitempty"`
	// To is the contact key: wa_id digits or a BSUID.
	To       string `json:"to"`
	Country  string `json:"country,omitempty"`
	TimeZone string `json:"time_zone,omitempty"`
	// Values are the rendered parameters: header text (if any), body, then
	// buttons, in the order of the campaign's TemplateSpec.
	Values []string `json:"values,omitempty"`

	Status     RecipientStatus `json:"status"`
	SkipReason SkipReason      `json:"skip_reason,omitempty"`
	Attempts   int             `json:"attempts"`
	NotBefore  time.Time       `json:"not_before,omitzero"`
	LeaseOwner string          `json:"lease_owner,omitempty"`
	LeaseUntil time.Time       `json:"lease_until,omitzero"`

	MessageID  string `json:"message_id,omitempty"`
	ErrorCode  int    `json:"error_code,omitempty"`
	FailReason string `json:"fail_reason,omitempty"`
	// Billable and PricingCategory come from status webhooks' pricing.
	Billable        bool   `json:"billable"`
	PricingCategory string `json:"pricing_category,omitempty"`

	IntentAt    time.Time `json:"intent_at,omitzero"`
	AcceptedAt  time.Time `json:"accepted_at,omitzero"`
	SentAt      time.Time `json:"sent_at,omitzero"`
	DeliveredAt time.Time `json:"delivered_at,omitzero"`
	ReadAt      time.Time `json:"read_at,omitzero"`
	FailedAt    time.Time `json:"failed_at,omitzero"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// LogValue redacts the contact and parameter values.
func (r Recipient) LogValue() slog.Value {
	return slog.GroupValue(slog.String("campaign_id", r.CampaignID), slog.Int64("seq", r.Seq),
		slog.String("status", string(r.Status)), slog.String("to", whatsappRecipient(r.To).String()))
}

// Clone returns a copy that shares nothing with r.
func (r Recipient) Clone() Recipient {
	r.Values = append([]string(nil), r.Values...)
	return r
}

// whatsappRecipient turns a stored contact key into a whatsapp.Recipient.
func whatsappRecipient(key string) whatsapp.Recipient {
	if strings.Contains(key, ".") {
		return whatsapp.BSUID(key)
	}
	return whatsapp.Phone(key)
}

// CallbackData is the biz_opaque_callback_data sent with a recipient's
// message: it names the campaign and the recipient, so a status webhook
// finds its row even when the send's answer (and message id) was lost.
func CallbackData(campaignID string, seq int64) string {
	return "bc1:" + campaignID + ":" + strconv.FormatInt(seq, 10)
}

// ParseCallbackData returns the campaign and recipient of a callback data
// string made by [CallbackData], and false for anything else.
func ParseCallbackData(s string) (campaignID string, seq int64, ok bool) {
	rest, ok := strings.CutPrefix(s, "bc1:")
	if !ok {
		return "", 0, false
	}
	i := strings.LastIndexByte(rest, ':')
	if i <= 0 {
		return "", 0, false
	}
	num := rest[i+1:]
	if num == "" || num[0] < '1' || num[0] > '9' || strings.Trim(num, "0123456789") != "" {
		return "", 0, false // canonical decimal only: no sign, no leading zero
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil {
		return "", 0, false
	}
	return rest[:i], n, true
}

func stateOf(s RecipientStatus) whatsapp.State {
	switch s {
	case StatusSent:
		return whatsapp.StateSent
	case StatusDelivered:
		return whatsapp.StateDelivered
	case StatusRead:
		return whatsapp.StateRead
	case StatusFailed:
		return whatsapp.StateFailed
	}
	return whatsapp.StateAccepted
}

func statusOf(s whatsapp.State) RecipientStatus {
	switch s {
	case whatsapp.StateSent:
		return StatusSent
	case whatsapp.StateDelivered:
		return StatusDelivered
	case whatsapp.StateRead:
		return StatusRead
	case whatsapp.StateFailed:
		return StatusFailed
	}
	return StatusAccepted
}

// ApplyStatus applies a status webhook to the recipient through the
// whatsapp monotonic state machine ([whatsapp.Advance]): states only move
// forward, read implies delivered, failed is terminal. A status for a
// recipient whose send answer was lost (StatusSending, or failed with
// [FailOutcomeUnknown] by a reconciliation that came too early) proves the
// message was accepted: it records the message id and the state. Statuses for
// pending, claimed or skipped recipients are ignored (they were not sent by
// this plan). It reports whether anything changed.
func (r *Recipient) ApplyStatus(s whatsapp.Status, now time.Time) whatsapp.Update {
	switch r.Status {
	case StatusPending, StatusClaimed, StatusSkipped:
		return whatsapp.Update{Outcome: whatsapp.OutcomeIgnored}
	case StatusSending:
		r.Status = StatusAccepted
		r.MessageID = s.ID
		r.AcceptedAt = now
		r.LeaseOwner, r.LeaseUntil = "", time.Time{}
	case StatusFailed:
		switch {
		case r.MessageID == "" && r.FailReason == FailOutcomeUnknown:
			// reconciled too early: the webhook proves Meta accepted it
			r.Status, r.MessageID, r.AcceptedAt = StatusAccepted, s.ID, now
			r.FailReason, r.FailedAt = "", time.Time{}
		case r.MessageID == "":
			// failed locally (the API refused it): a webhook cannot revive it
			return whatsapp.Update{Outcome: whatsapp.OutcomeIgnored}
		}
	}
	if r.MessageID != "" && s.ID != "" && s.ID != r.MessageID {
		return whatsapp.Update{Outcome: whatsapp.OutcomeIgnored}
	}
	if r.MessageID == "" {
		r.MessageID = s.ID
	}
	d := whatsapp.Delivery{MessageID: r.MessageID, State: stateOf(r.Status), AcceptedAt: r.AcceptedAt,
		SentAt: r.SentAt, DeliveredAt: r.DeliveredAt, ReadAt: r.ReadAt, FailedAt: r.FailedAt}
	if r.ErrorCode != 0 {
		d.Errors = []whatsapp.ErrorDetail{{Code: r.ErrorCode}}
	}
	u := whatsapp.Advance(&d, s)
	r.Status = statusOf(d.State)
	r.SentAt, r.DeliveredAt, r.ReadAt, r.FailedAt = d.SentAt, d.DeliveredAt, d.ReadAt, d.FailedAt
	if d.State == whatsapp.StateFailed && r.ErrorCode == 0 && len(d.Errors) > 0 {
		r.ErrorCode = d.Errors[0].Code
		r.FailReason = d.Errors[0].Title
	}
	if d.Pricing != nil {
		r.Billable, r.PricingCategory = d.Pricing.Billable, d.Pricing.Category
	}
	if u.Outcome != whatsapp.OutcomeDuplicate {
		r.UpdatedAt = now
	}
	return u
}

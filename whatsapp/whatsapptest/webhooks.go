package whatsapptest

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/botsync/botsync/meta/metatest"
	"github.com/botsync/botsync/whatsapp"
)

// Statuses returns the status entries WhatsApp would send for a message the
// fake accepted, one per state ("sent", "delivered", "read", "failed"), one
// second apart from the fake's clock. Template messages carry pricing;
// failed ones carry error 131026; the message's biz_opaque_callback_data is
// echoed.
func (s *Server) Statuses(m Sent, states ...string) []whatsapp.Status {
	var req struct {
		CallbackData string `json:"biz_opaque_callback_data"`
		Template     *struct {
			Name string `json:"name"`
		} `json:"template"`
	}
	_ = json.Unmarshal(m.Body, &req)
	recipient := strings.TrimPrefix(m.To, "+")
	base := s.now().Truncate(time.Second)
	out := make([]whatsapp.Status, 0, len(states))
	for i, st := range states {
		e := whatsapp.Status{
			ID: m.MessageID, Status: st, RecipientID: recipient, RecipientUserID: m.Recipient,
			CallbackData: req.CallbackData,
		}
		e.Timestamp.Time = base.Add(time.Duration(i+1) * time.Second).UTC()
		if st != "failed" {
			cat := "service"
			if m.Endpoint == "marketing_messages" {
				cat = "marketing"
			} else if req.Template != nil {
				cat = "utility"
			}
			e.Pricing = &whatsapp.Pricing{Billable: cat != "service", PricingModel: "PMP", Category: cat, Type: "regular"}
		} else {
			d := whatsapp.ErrorDetail{Code: 131026, Title: "Message undeliverable", Message: "Message undeliverable",
				Href: "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"}
			d.ErrorData.Details = "Message Undeliverable."
			e.Errors = []whatsapp.ErrorDetail{d}
		}
		out = append(out, e)
	}
	return out
}

// Scramble returns statuses as a busy webhook pipeline delivers them: in
// reverse order, each one twice.
func Scramble(statuses []whatsapp.Status) []whatsapp.Status {
	out := make([]whatsapp.Status, 0, 2*len(statuses))
	for _, st := range slices.Backward(statuses) {
		out = append(out, st, st)
	}
	return out
}

type metadata struct {
	DisplayPhoneNumber string `json:"display_phone_number"`
	PhoneNumberID      string `json:"phone_number_id"`
}

func envelope(value any, field string, at time.Time) []byte {
	type change struct {
		Value any    `json:"value"`
		Field string `json:"field"`
	}
	type entry struct {
		ID      string   `json:"id"`
		Time    int64    `json:"time,omitempty"`
		Changes []change `json:"changes"`
	}
	b, _ := json.Marshal(struct {
		Object string  `json:"object"`
		Entry  []entry `json:"entry"`
	}{"whatsapp_business_account", []entry{{ID: WABAID, Time: at.Unix(), Changes: []change{{value, field}}}}})
	return b
}

// StatusWebhook builds the body of a "messages" webhook carrying statuses
// (in the given order, duplicates included) for [PhoneNumberID].
func (s *Server) StatusWebhook(statuses ...whatsapp.Status) []byte {
	return envelope(struct {
		MessagingProduct string            `json:"messaging_product"`
		Metadata         metadata          `json:"metadata"`
		Statuses         []whatsapp.Status `json:"statuses"`
	}{"whatsapp", metadata{DisplayPhoneNumber, PhoneNumberID}, statuses}, "messages", s.now())
}

// InboundText builds the body of a webhook for a text message from a user
// (wa_id, BSUID and profile name; wa_id or BSUID may be empty) to
// [PhoneNumberID], sent at the fake's clock.
func (s *Server) InboundText(waID, userID, name, body string) []byte {
	type contact struct {
		Profile struct {
			Name string `json:"name"`
		} `json:"profile"`
		WaID   string `json:"wa_id,omitempty"`
		UserID string `json:"user_id,omitempty"`
	}
	c := contact{WaID: waID, UserID: userID}
	c.Profile.Name = name
	msg := map[string]any{
		"id": s.NextID("wamid.IN"), "timestamp": strconv.FormatInt(s.now().Unix(), 10),
		"type": "text", "text": map[string]string{"body": body},
	}
	if waID != "" {
		msg["from"] = waID
	}
	if userID != "" {
		msg["from_user_id"] = userID
	}
	return envelope(map[string]any{
		"messaging_product": "whatsapp", "metadata": metadata{DisplayPhoneNumber, PhoneNumberID},
		"contacts": []contact{c}, "messages": []any{msg},
	}, "messages", s.now())
}

// WebhookRequest signs body with the fake app's secret and builds the POST
// Meta would send to target.
func (s *Server) WebhookRequest(target string, body []byte) *http.Request {
	return metatest.NewWebhookRequest(target, s.AppSecret().RevealBytes(), body)
}

// Deliver POSTs each body, signed, to target in order with hc (nil:
// http.DefaultClient) and returns the HTTP statuses.
func (s *Server) Deliver(ctx context.Context, hc *http.Client, target string, bodies ...[]byte) ([]int, error) {
	if hc == nil {
		hc = http.DefaultClient
	}
	codes := make([]int, 0, len(bodies))
	for _, b := range bodies {
		req := s.WebhookRequest(target, b).WithContext(ctx)
		resp, err := hc.Do(req)
		if err != nil {
			return codes, err
		}
		resp.Body.Close()
		codes = append(codes, resp.StatusCode)
	}
	return codes, nil
}

package bot

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// SignatureHeader carries the HMAC-SHA256 of an outgoing webhook's body.
const SignatureHeader = "X-Botsync-Signature"

// WebhookPayload is the JSON body of an outgoing webhook. It carries ids
// and the triggering text, never identities.
type WebhookPayload struct {
	Workspace      string    `json:"workspace"`
	RuleID         string    `json:"rule_id"`
	LeadID         string    `json:"lead_id"`
	ConversationID string    `json:"conversation_id"`
	Channel        string    `json:"channel"`
	Event          string    `json:"event,omitempty"`
	MessageID      string    `json:"message_id,omitempty"`
	Text           string    `json:"text,omitempty"`
	Stage          string    `json:"stage,omitempty"`
	Tags           []string  `json:"tags,omitempty"`
	Score          int       `json:"score"`
	At             time.Time `json:"at"`
}

// Sign returns the signature header value of body: "sha256=" and the hex
// HMAC-SHA256 under key.
func Sign(key, body []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// VerifySignature reports whether header is body's signature under key.
func VerifySignature(key, body []byte, header string) bool {
	return hmac.Equal([]byte(Sign(key, body)), []byte(header))
}

func (e *Engine) callWebhook(ctx context.Context, t *turn, r *Rule, w *Webhook) error {
	p := WebhookPayload{
		Workspace: t.ws, RuleID: r.ID, LeadID: t.lead.ID, ConversationID: t.conv.ID, Channel: t.conv.Channel,
		Stage: t.lead.Stage, Tags: t.lead.Tags, Score: t.lead.Score, At: e.cfg.now(),
	}
	if t.ev != nil {
		p.Event, p.MessageID, p.Text = string(t.ev.Kind), t.ev.MessageID, t.ev.Text
	}
	body, err := json.Marshal(p)
	if err != nil {
		return err
	}
	attempts := w.Attempts
	if attempts == 0 {
		attempts = 3
	}
	sig := Sign([]byte(w.Secret), body)
	var last error
	for n := 1; n <= attempts; n++ {
		if n > 1 {
			if err := e.cfg.sleep(ctx, e.cfg.backoff(n-1)); err != nil {
				return err
			}
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
		if err != nil {
			return fmt.Errorf("webhook: %w", err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(SignatureHeader, sig)
		req.Header.Set("X-Botsync-Delivery", r.ID+":"+p.MessageID)
		res, err := e.cfg.http.Do(req)
		if err != nil {
			last = fmt.Errorf("webhook: attempt %d: transport error", n)
			continue
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
		res.Body.Close()
		switch {
		case res.StatusCode < 300:
			return nil
		case res.StatusCode == http.StatusTooManyRequests || res.StatusCode >= 500:
			last = fmt.Errorf("webhook: attempt %d: status %d", n, res.StatusCode)
		default:
			return fmt.Errorf("webhook: status %d", res.StatusCode)
		}
	}
	return last
}

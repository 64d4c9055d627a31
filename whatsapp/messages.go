package whatsapp

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// MessagesService sends messages. Get it from [Client.Messages].
type MessagesService struct{ c *Client }

// Endpoints a message can be posted to.
const (
	EndpointMessages          = "messages"
	EndpointMarketingMessages = "marketing_messages"
)

// SendResult is the Cloud API's answer to an accepted message.
type SendResult struct {
	// MessageID is the wamid of the message; statuses refer to it.
	MessageID string
	// MessageStatus is "accepted", or "held_for_quality_assessment" for
	// marketing messages Meta reviews first.
	MessageStatus string
	// WaID is the recipient's WhatsApp id, when Meta returns it.
	WaID string
	// Endpoint is where the message was posted: "messages" or
	// "marketing_messages".
	Endpoint string
	// Category is the template's category, or [CategoryService] for
	// free-form messages.
	Category Category
}

type sendResponse struct {
	Contacts []struct {
		Input string `json:"input"`
		WaID  string `json:"wa_id"`
	} `json:"contacts"`
	Messages []struct {
		ID            string `json:"id"`
		MessageStatus string `json:"message_status"`
	} `json:"messages"`
}

// Send validates m, checks policy (template parameters against the
// [Catalog], the customer-service window for free-form content, rate
// limits), then posts it from the business phone number. Marketing templates
// go to /marketing_messages, everything else to /messages.
//
// Bad input fails with a [*ValidationError] before any request. Every other
// failure is a [*SendError] carrying the [Action] to take; errors.Is matches
// its sentinel (ErrNeedsTemplate…) and errors.As finds the *meta.Error. A
// send is never retried after a timeout by this client: that would risk a
// double delivery ([ActionUncertain]).
func (s *MessagesService) Send(ctx context.Context, phoneNumberID string, m Message) (*SendResult, error) {
	if err := checkID("phone_number_id", phoneNumberID); err != nil {
		return nil, err
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	if p, ok := m.Content.(*Template); ok {
		m.Content = *p
	}
	cfg := &s.c.cfg
	endpoint, cat := EndpointMessages, CategoryService
	if t, ok := m.Content.(Template); ok {
		if err := cfg.catalog.Check(t); err != nil {
			return nil, err
		}
		cat = t.Category
		if cat == "" {
			cat = cfg.catalog.Category(t.Name, t.Language)
		}
		if cat == CategoryMarketing && cfg.marketing {
			endpoint = EndpointMarketingMessages
		}
	} else if cfg.window != nil {
		if err := cfg.window.Check(ctx, phoneNumberID, m.To); err != nil {
			return nil, s.fail(phoneNumberID, err)
		}
	}
	if cfg.limiter != nil {
		if err := cfg.limiter.Wait(ctx, phoneNumberID, m.To); err != nil {
			return nil, s.fail(phoneNumberID, err)
		}
	}
	var resp sendResponse
	if _, err := s.c.api.Post(ctx, phoneNumberID+"/"+endpoint, m, &resp); err != nil {
		return nil, s.fail(phoneNumberID, err)
	}
	if len(resp.Messages) == 0 || resp.Messages[0].ID == "" {
		return nil, &SendError{Op: "send message", Action: ActionUncertain, Err: errors.New("response carries no message id")}
	}
	r := &SendResult{MessageID: resp.Messages[0].ID, MessageStatus: resp.Messages[0].MessageStatus, Endpoint: endpoint, Category: cat}
	if len(resp.Contacts) > 0 {
		r.WaID = resp.Contacts[0].WaID
	}
	if cfg.tracker != nil {
		if _, err := cfg.tracker.Track(ctx, r.MessageID, phoneNumberID, m.To.Key(), m.CallbackData); err != nil {
			cfg.logger.WarnContext(ctx, "whatsapp: tracking an accepted message failed", "phone_number_id", phoneNumberID, "error", err)
		}
	}
	cfg.logger.DebugContext(ctx, "whatsapp: message accepted", "phone_number_id", phoneNumberID, "type", m.Content.Type(), "endpoint", endpoint)
	return r, nil
}

func (s *MessagesService) fail(phoneNumberID string, err error) error {
	a := s.c.cfg.classifier.Classify(phoneNumberID, err)
	s.c.cfg.logger.Debug("whatsapp: send failed", "phone_number_id", phoneNumberID, "action", a.String())
	return &SendError{Op: "send message", Action: a, Err: err}
}

// SendText sends a text message.
func (s *MessagesService) SendText(ctx context.Context, phoneNumberID string, to Recipient, body string) (*SendResult, error) {
	return s.Send(ctx, phoneNumberID, Message{To: to, Content: Text{Body: body, PreviewURL: strings.Contains(body, "://")}})
}

// SendTemplate sends a template message.
func (s *MessagesService) SendTemplate(ctx context.Context, phoneNumberID string, to Recipient, t Template) (*SendResult, error) {
	return s.Send(ctx, phoneNumberID, Message{To: to, Content: t})
}

// React sends (or, with an empty emoji, removes) a reaction to a message.
func (s *MessagesService) React(ctx context.Context, phoneNumberID string, to Recipient, messageID, emoji string) (*SendResult, error) {
	return s.Send(ctx, phoneNumberID, Message{To: to, Content: Reaction{MessageID: messageID, Emoji: emoji}})
}

type readRequest struct {
	MessagingProduct string `json:"messaging_product"`
	Status           string `json:"status"`
	MessageID        string `json:"message_id"`
	TypingIndicator  *struct {
		Type string `json:"type"`
	} `json:"typing_indicator,omitempty"`
}

// MarkRead marks an inbound message (and the ones before it) as read: the
// user sees blue ticks.
func (s *MessagesService) MarkRead(ctx context.Context, phoneNumberID, messageID string) error {
	return s.read(ctx, phoneNumberID, messageID, false)
}

// Typing marks an inbound message as read and shows the typing indicator
// to the user for up to 25 seconds or until the next message is sent.
func (s *MessagesService) Typing(ctx context.Context, phoneNumberID, messageID string) error {
	return s.read(ctx, phoneNumberID, messageID, true)
}

func (s *MessagesService) read(ctx context.Context, phoneNumberID, messageID string, typing bool) error {
	if err := checkID("phone_number_id", phoneNumberID); err != nil {
		return err
	}
	if strings.TrimSpace(messageID) == "" {
		return invalid("message_id", "required")
	}
	req := readRequest{MessagingProduct: "whatsapp", Status: "read", MessageID: messageID}
	if typing {
		req.TypingIndicator = &struct {
			Type string `json:"type"`
		}{"text"}
	}
	var resp struct {
		Success bool `json:"success"`
	}
	if _, err := s.c.api.Post(ctx, phoneNumberID+"/messages", req, &resp); err != nil {
		return fmt.Errorf("whatsapp: mark read: %w", err)
	}
	if !resp.Success {
		return errors.New("whatsapp: mark read: Meta did not confirm success")
	}
	return nil
}

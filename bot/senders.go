package bot

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/botsync/botsync/instagram"
	"github.com/botsync/botsync/whatsapp"
)

// WhatsAppMessages is the part of the whatsapp client's Messages service the
// WhatsApp sender uses; (*whatsapp.Client).Messages satisfies it.
type WhatsAppMessages interface {
	Send(ctx context.Context, phoneNumberID string, m whatsapp.Message) (*whatsapp.SendResult, error)
}

// WhatsAppWindow records inbound messages; *whatsapp.Window satisfies it.
type WhatsAppWindow interface {
	Record(ctx context.Context, phoneNumberID, contact string, t time.Time) error
}

// WhatsAppSender sends on one WhatsApp phone number through the whatsapp
// client, so every send passes its policy (window, limits, templates).
type WhatsAppSender struct {
	msgs          WhatsAppMessages
	window        WhatsAppWindow
	phoneNumberID string
}

// NewWhatsAppSender returns a sender for phoneNumberID. window may be nil;
// when set (the same Window the client was built with), inbound messages
// open the customer-service window.
func NewWhatsAppSender(msgs WhatsAppMessages, window WhatsAppWindow, phoneNumberID string) *WhatsAppSender {
	return &WhatsAppSender{msgs: msgs, window: window, phoneNumberID: phoneNumberID}
}

// ObserveInbound implements InboundObserver.
func (s *WhatsAppSender) ObserveInbound(ctx context.Context, from Recipient, at time.Time) error {
	if s.window == nil || from.ID == "" {
		return nil
	}
	return s.window.Record(ctx, s.phoneNumberID, from.ID, at)
}

// Send implements Sender.
func (s *WhatsAppSender) Send(ctx context.Context, to Recipient, m Outbound) (string, error) {
	r := whatsapp.Phone(to.ID)
	if to.BSUID {
		r = whatsapp.BSUID(to.ID)
	}
	msg := whatsapp.Message{To: r}
	switch {
	case m.Template != nil:
		t := whatsapp.Template{Name: m.Template.Name, Language: m.Template.Language}
		for _, p := range m.Template.Params {
			t.Body = append(t.Body, whatsapp.Param{Type: "text", Text: p})
		}
		msg.Content = t
	case m.Media != nil:
		ref := whatsapp.MediaRef{Link: m.Media.URL}
		switch m.Media.Type {
		case "image":
			msg.Content = whatsapp.Image{Media: ref, Caption: m.Media.Caption}
		case "video":
			msg.Content = whatsapp.Video{Media: ref, Caption: m.Media.Caption}
		case "audio":
			msg.Content = whatsapp.Audio{Media: ref}
		case "document":
			msg.Content = whatsapp.Document{Media: ref, Caption: m.Media.Caption}
		default:
			return "", fmt.Errorf("bot: whatsapp: media type: %w", ErrUnsupported)
		}
	case len(m.QuickReplies) > 0:
		if len(m.QuickReplies) > 3 {
			return "", fmt.Errorf("bot: whatsapp: more than 3 quick replies: %w", ErrUnsupported)
		}
		b := whatsapp.ReplyButtons{Body: m.Text}
		for _, q := range m.QuickReplies {
			b.Buttons = append(b.Buttons, whatsapp.ReplyButton{ID: q.Payload, Title: q.Title})
		}
		msg.Content = b
	default:
		msg.Content = whatsapp.Text{Body: m.Text}
	}
	res, err := s.msgs.Send(ctx, s.phoneNumberID, msg)
	if err != nil {
		if errors.Is(err, whatsapp.ErrOutsideWindow) || errors.Is(err, whatsapp.ErrNeedsTemplate) {
			return "", fmt.Errorf("%w: %w", ErrOutsideWindow, err)
		}
		return "", err
	}
	return res.MessageID, nil
}

// InstagramMessages is the part of *instagram.Client the Instagram and
// Messenger sender uses.
type InstagramMessages interface {
	Send(ctx context.Context, t instagram.Thread, m instagram.Message) (*instagram.SendResult, error)
}

// InstagramSender sends on one Instagram account or Facebook Page through
// the instagram client (windows, limits and budgets checked there).
type InstagramSender struct{ c InstagramMessages }

// NewInstagramSender returns a sender over an instagram client.
func NewInstagramSender(c InstagramMessages) *InstagramSender { return &InstagramSender{c: c} }

// Send implements Sender. Templates are WhatsApp-only (ErrUnsupported).
func (s *InstagramSender) Send(ctx context.Context, to Recipient, m Outbound) (string, error) {
	msg := instagram.Message{Text: m.Text, Label: m.Label}
	switch {
	case m.Template != nil:
		return "", fmt.Errorf("bot: instagram: template: %w", ErrUnsupported)
	case m.Media != nil:
		t := instagram.MediaType(m.Media.Type)
		if m.Media.Type == "document" {
			t = instagram.MediaType("file")
		}
		msg.Text = ""
		msg.Media = &instagram.Media{Type: t, URL: m.Media.URL}
	}
	for _, q := range m.QuickReplies {
		msg.QuickReplies = append(msg.QuickReplies, instagram.QuickReply{Type: instagram.QuickReplyText, Title: q.Title, Payload: q.Payload})
	}
	res, err := s.c.Send(ctx, instagram.Thread{UserID: to.ID, LastUserMessage: to.LastInbound}, msg)
	if err != nil {
		if errors.Is(err, instagram.ErrOutsideWindow) {
			return "", fmt.Errorf("%w: %w", ErrOutsideWindow, err)
		}
		return "", err
	}
	return res.MessageID, nil
}

package instagram

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/botsync/botsync/meta"
)

// Limits of conversation settings.
const (
	// MaxIceBreakers is the most ice breakers per locale.
	MaxIceBreakers = 4
	// MaxIceBreakerQuestion is the longest ice-breaker question (characters).
	MaxIceBreakerQuestion = 80
	// MaxMenuItems is the most items of a persistent menu per locale.
	MaxMenuItems = 20
	// MaxMenuTitle is the longest menu item title (characters).
	MaxMenuTitle = 30
)

// IceBreaker is a question offered to users who open a new conversation;
// tapping it sends Payload as a postback.
type IceBreaker struct {
	Question string `json:"question"`
	Payload  string `json:"payload"`
}

// IceBreakers are the ice breakers of one locale ("default" or e.g. "hi_IN").
type IceBreakers struct {
	Locale    string       `json:"locale"`
	Questions []IceBreaker `json:"call_to_actions"`
}

// MenuItem is a persistent-menu entry: a postback (Payload) or a link (URL).
type MenuItem struct {
	Type    ButtonType `json:"type"`
	Title   string     `json:"title"`
	URL     string     `json:"url,omitempty"`
	Payload string     `json:"payload,omitempty"`
}

// PersistentMenu is the menu of one locale.
type PersistentMenu struct {
	Locale                string     `json:"locale"`
	ComposerInputDisabled bool       `json:"composer_input_disabled,omitempty"`
	Items                 []MenuItem `json:"call_to_actions"`
}

// GetStarted is the payload of Messenger's Get Started button.
type GetStarted struct {
	Payload string `json:"payload"`
}

// ConversationSettings are the account's messenger_profile: ice breakers,
// persistent menu and (Messenger only) the Get Started button. Empty parts
// are left unchanged by [Client.SetConversationSettings].
type ConversationSettings struct {
	IceBreakers    []IceBreakers    `json:"ice_breakers,omitempty"`
	PersistentMenu []PersistentMenu `json:"persistent_menu,omitempty"`
	GetStarted     *GetStarted      `json:"get_started,omitempty"`
}

// SettingsField names a part of the conversation settings.
type SettingsField string

// Settings fields.
const (
	FieldIceBreakers    SettingsField = "ice_breakers"
	FieldPersistentMenu SettingsField = "persistent_menu"
	FieldGetStarted     SettingsField = "get_started"
)

func (s *ConversationSettings) validate(stack Stack) error {
	if len(s.IceBreakers) == 0 && len(s.PersistentMenu) == 0 && s.GetStarted == nil {
		return invalid("settings", "nothing to set")
	}
	seen := map[string]bool{}
	for i, ib := range s.IceBreakers {
		f := fmt.Sprintf("ice_breakers[%d]", i)
		if err := validLocale(f+".locale", ib.Locale, seen); err != nil {
			return err
		}
		switch {
		case len(ib.Questions) == 0:
			return invalid(f+".call_to_actions", "at least one ice breaker")
		case len(ib.Questions) > MaxIceBreakers:
			return invalid(f+".call_to_actions", fmt.Sprintf("%d ice breakers; at most %d per locale", len(ib.Questions), MaxIceBreakers))
		}
		for j, q := range ib.Questions {
			qf := fmt.Sprintf("%s.call_to_actions[%d]", f, j)
			switch {
			case strings.TrimSpace(q.Question) == "":
				return invalid(qf+".question", "required")
			case utf8.RuneCountInString(q.Question) > MaxIceBreakerQuestion:
				return invalid(qf+".question", fmt.Sprintf("longer than %d characters", MaxIceBreakerQuestion))
			case q.Payload == "":
				return invalid(qf+".payload", "required")
			case utf8.RuneCountInString(q.Payload) > MaxPayload:
				return invalid(qf+".payload", fmt.Sprintf("longer than %d characters", MaxPayload))
			}
		}
	}
	seen = map[string]bool{}
	for i, m := range s.PersistentMenu {
		f := fmt.Sprintf("persistent_menu[%d]", i)
		if err := validLocale(f+".locale", m.Locale, seen); err != nil {
			return err
		}
		switch {
		case len(m.Items) == 0:
			return invalid(f+".call_to_actions", "at least one item")
		case len(m.Items) > MaxMenuItems:
			return invalid(f+".call_to_actions", fmt.Sprintf("%d items; at most %d", len(m.Items), MaxMenuItems))
		}
		for j, it := range m.Items {
			itf := fmt.Sprintf("%s.call_to_actions[%d]", f, j)
			switch {
			case strings.TrimSpace(it.Title) == "":
				return invalid(itf+".title", "required")
			case utf8.RuneCountInString(it.Title) > MaxMenuTitle:
				return invalid(itf+".title", fmt.Sprintf("longer than %d characters", MaxMenuTitle))
			}
			switch it.Type {
			case ButtonURL:
				if err := validURL(itf+".url", it.URL); err != nil {
					return err
				}
			case ButtonPostback:
				if it.Payload == "" || utf8.RuneCountInString(it.Payload) > MaxPayload {
					return invalid(itf+".payload", fmt.Sprintf("required, at most %d characters", MaxPayload))
				}
			default:
				return invalid(itf+".type", "web_url or postback")
			}
		}
	}
	if s.GetStarted != nil {
		if stack != Messenger {
			return fmt.Errorf("%w: get_started exists only on Messenger", ErrUnsupported)
		}
		if s.GetStarted.Payload == "" || utf8.RuneCountInString(s.GetStarted.Payload) > MaxPayload {
			return invalid("get_started.payload", fmt.Sprintf("required, at most %d characters", MaxPayload))
		}
	}
	return nil
}

func validLocale(field, loc string, seen map[string]bool) error {
	if loc == "" {
		return invalid(field, "required (\"default\" or a locale like hi_IN)")
	}
	if loc != "default" && (len(loc) < 4 || len(loc) > 6 || loc[2] != '_') {
		return invalid(field, "want \"default\" or a locale like hi_IN")
	}
	if seen[loc] {
		return invalid(field, "duplicate locale")
	}
	seen[loc] = true
	return nil
}

type wireSettings struct {
	Platform string `json:"platform,omitempty"`
	ConversationSettings
}

func (c *Client) platform() string {
	if c.stack.Instagram() {
		return "instagram"
	}
	return ""
}

// SetConversationSettings sets ice breakers, persistent menu and Get Started
// (Messenger only; [ErrUnsupported] on Instagram) through messenger_profile.
func (c *Client) SetConversationSettings(ctx context.Context, s ConversationSettings) error {
	if err := s.validate(c.stack); err != nil {
		return err
	}
	if _, err := c.mc.Post(meta.WithIdempotent(c.keyed(ctx)), c.accountID+"/messenger_profile", wireSettings{Platform: c.platform(), ConversationSettings: s}, nil); err != nil {
		return fmt.Errorf("instagram: set conversation settings: %w", err)
	}
	return nil
}

// ConversationSettings reads the current conversation settings.
func (c *Client) ConversationSettings(ctx context.Context) (*ConversationSettings, error) {
	fields := []string{string(FieldIceBreakers), string(FieldPersistentMenu)}
	q := url.Values{}
	if p := c.platform(); p != "" {
		q.Set("platform", p)
	} else {
		fields = append(fields, string(FieldGetStarted))
	}
	q.Set("fields", strings.Join(fields, ","))
	var out struct {
		Data []ConversationSettings `json:"data"`
	}
	if _, err := c.mc.Get(c.keyed(ctx), c.accountID+"/messenger_profile", q, &out); err != nil {
		return nil, fmt.Errorf("instagram: conversation settings: %w", err)
	}
	var s ConversationSettings
	for _, d := range out.Data {
		s.IceBreakers = append(s.IceBreakers, d.IceBreakers...)
		s.PersistentMenu = append(s.PersistentMenu, d.PersistentMenu...)
		if d.GetStarted != nil {
			s.GetStarted = d.GetStarted
		}
	}
	return &s, nil
}

// DeleteConversationSettings removes the given parts of the settings.
func (c *Client) DeleteConversationSettings(ctx context.Context, fields ...SettingsField) error {
	if len(fields) == 0 {
		return invalid("fields", "at least one field")
	}
	for i, f := range fields {
		switch f {
		case FieldIceBreakers, FieldPersistentMenu:
		case FieldGetStarted:
			if c.stack != Messenger {
				return fmt.Errorf("%w: get_started exists only on Messenger", ErrUnsupported)
			}
		default:
			return invalid(fmt.Sprintf("fields[%d]", i), "unknown (ice_breakers, persistent_menu, get_started)")
		}
	}
	body := struct {
		Platform string          `json:"platform,omitempty"`
		Fields   []SettingsField `json:"fields"`
	}{c.platform(), fields}
	req, err := c.mc.NewRequest(c.keyed(ctx), http.MethodDelete, c.accountID+"/messenger_profile", body)
	if err != nil {
		return fmt.Errorf("instagram: delete conversation settings: %w", err)
	}
	if _, err := c.mc.Do(req, nil); err != nil {
		return fmt.Errorf("instagram: delete conversation settings: %w", err)
	}
	return nil
}

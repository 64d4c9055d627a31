package whatsapp

import (
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
)

// Header is the optional header of an interactive message: text, or an
// image, video or document. Build one with [TextHeader] or [MediaHeader].
// List messages accept only text headers.
type Header struct {
	// Type is "text", "image", "video" or "document".
	Type string
	// Text is the header text (type "text"), at most 60 characters.
	Text string
	// Media is the header media (other types).
	Media MediaRef
	// Filename names a document header.
	Filename string
}

// TextHeader returns a text header.
func TextHeader(text string) *Header { return &Header{Type: "text", Text: text} }

// MediaHeader returns an "image", "video" or "document" header.
func MediaHeader(kind string, media MediaRef) *Header { return &Header{Type: kind, Media: media} }

type wireHeader struct {
	Type     string       `json:"type"`
	Text     string       `json:"text,omitempty"`
	Image    *mediaObject `json:"image,omitempty"`
	Video    *mediaObject `json:"video,omitempty"`
	Document *mediaObject `json:"document,omitempty"`
}

func (h *Header) wire() *wireHeader {
	if h == nil {
		return nil
	}
	w := &wireHeader{Type: h.Type, Text: h.Text}
	mo := &mediaObject{ID: h.Media.ID, Link: h.Media.Link, Filename: h.Filename}
	switch h.Type {
	case "image":
		w.Image = mo
	case "video":
		w.Video = mo
	case "document":
		w.Document = mo
	}
	return w
}

func (h *Header) validate(f string, textOnly bool) error {
	if h == nil {
		return nil
	}
	switch h.Type {
	case "text":
		return checkText(f+".text", h.Text, MaxHeaderText, true)
	case "image", "video", "document":
		if textOnly {
			return invalid(f+".type", "must be \"text\" for this message")
		}
		return h.Media.validate(f + "." + h.Type)
	default:
		return invalid(f+".type", "must be text, image, video or document")
	}
}

type wireText struct {
	Text string `json:"text"`
}

type wireInteractive struct {
	Type   string      `json:"type"`
	Header *wireHeader `json:"header,omitempty"`
	Body   *wireText   `json:"body,omitempty"`
	Footer *wireText   `json:"footer,omitempty"`
	Action any         `json:"action"`
}

func textOrNil(s string) *wireText {
	if s == "" {
		return nil
	}
	return &wireText{Text: s}
}

func checkBodyFooter(f, body, footer string) error {
	if err := checkText(f+".body.text", body, MaxInteractiveBody, true); err != nil {
		return err
	}
	return checkText(f+".footer.text", footer, MaxFooter, false)
}

// ReplyButton is one quick-reply button.
type ReplyButton struct {
	// ID comes back in the button_reply webhook, at most 256 characters.
	ID string
	// Title is shown on the button, at most 20 characters.
	Title string
}

// ReplyButtons is an interactive message with one to three reply buttons.
type ReplyButtons struct {
	Header  *Header
	Body    string
	Footer  string
	Buttons []ReplyButton
}

// Type returns "interactive".
func (ReplyButtons) Type() string { return "interactive" }

func (m ReplyButtons) validate(f string) error {
	f += ".action.buttons"
	if err := m.Header.validate("interactive.header", false); err != nil {
		return err
	}
	if err := checkBodyFooter("interactive", m.Body, m.Footer); err != nil {
		return err
	}
	switch {
	case len(m.Buttons) == 0:
		return invalid("interactive.action.buttons", "at least one button is required")
	case len(m.Buttons) > MaxReplyButtons:
		return invalid("interactive.action.buttons", "at most 3 reply buttons (got "+strconv.Itoa(len(m.Buttons))+")")
	}
	seen := map[string]bool{}
	for i, b := range m.Buttons {
		bf := "interactive.action.buttons[" + strconv.Itoa(i) + "]"
		if err := checkText(bf+".reply.id", b.ID, MaxButtonID, true); err != nil {
			return err
		}
		if err := checkText(bf+".reply.title", b.Title, MaxButtonTitle, true); err != nil {
			return err
		}
		if seen[b.ID] {
			return invalid(bf+".reply.id", "duplicate button id")
		}
		seen[b.ID] = true
	}
	return nil
}

func (m ReplyButtons) fill(w *wireMessage) {
	type reply struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	}
	type button struct {
		Type  string `json:"type"`
		Reply reply  `json:"reply"`
	}
	bs := make([]button, len(m.Buttons))
	for i, b := range m.Buttons {
		bs[i] = button{Type: "reply", Reply: reply(b)}
	}
	w.Interactive = &wireInteractive{
		Type: "button", Header: m.Header.wire(), Body: &wireText{Text: m.Body}, Footer: textOrNil(m.Footer),
		Action: struct {
			Buttons []button `json:"buttons"`
		}{bs},
	}
}

// ListRow is one selectable row of a list message.
type ListRow struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
}

// ListSection groups rows under an optional title (required when there is
// more than one section).
type ListSection struct {
	Title string    `json:"title,omitempty"`
	Rows  []ListRow `json:"rows"`
}

// List is an interactive list message: a button that opens up to 10
// sections with at most 10 rows in total.
type List struct {
	// Header must be a text header, if any.
	Header *Header
	Body   string
	Footer string
	// Button is the text of the button that opens the list, at most 20 characters.
	Button   string
	Sections []ListSection
}

// Type returns "interactive".
func (List) Type() string { return "interactive" }

func (m List) validate(string) error {
	if err := m.Header.validate("interactive.header", true); err != nil {
		return err
	}
	if err := checkBodyFooter("interactive", m.Body, m.Footer); err != nil {
		return err
	}
	if err := checkText("interactive.action.button", m.Button, MaxListButton, true); err != nil {
		return err
	}
	switch {
	case len(m.Sections) == 0:
		return invalid("interactive.action.sections", "at least one section is required")
	case len(m.Sections) > MaxListSections:
		return invalid("interactive.action.sections", "at most 10 sections (got "+strconv.Itoa(len(m.Sections))+")")
	}
	rows := 0
	seen := map[string]bool{}
	for i, s := range m.Sections {
		sf := "interactive.action.sections[" + strconv.Itoa(i) + "]"
		if err := checkText(sf+".title", s.Title, MaxSectionTitle, len(m.Sections) > 1); err != nil {
			return err
		}
		if len(s.Rows) == 0 {
			return invalid(sf+".rows", "at least one row is required")
		}
		for j, r := range s.Rows {
			rf := sf + ".rows[" + strconv.Itoa(j) + "]"
			if err := checkText(rf+".id", r.ID, MaxRowID, true); err != nil {
				return err
			}
			if err := checkText(rf+".title", r.Title, MaxRowTitle, true); err != nil {
				return err
			}
			if err := checkText(rf+".description", r.Description, MaxRowDescription, false); err != nil {
				return err
			}
			if seen[r.ID] {
				return invalid(rf+".id", "duplicate row id")
			}
			seen[r.ID] = true
		}
		rows += len(s.Rows)
	}
	if rows > MaxListRows {
		return invalid("interactive.action.sections", "at most 10 rows in total (got "+strconv.Itoa(rows)+")")
	}
	return nil
}

func (m List) fill(w *wireMessage) {
	w.Interactive = &wireInteractive{
		Type: "list", Header: m.Header.wire(), Body: &wireText{Text: m.Body}, Footer: textOrNil(m.Footer),
		Action: struct {
			Button   string        `json:"button"`
			Sections []ListSection `json:"sections"`
		}{m.Button, m.Sections},
	}
}

// CTAURL is an interactive call-to-action message: one button that opens URL.
type CTAURL struct {
	Header *Header
	Body   string
	Footer string
	// DisplayText is the button text, at most 20 characters.
	DisplayText string
	URL         string
}

// Type returns "interactive".
func (CTAURL) Type() string { return "interactive" }

func (m CTAURL) validate(string) error {
	if err := m.Header.validate("interactive.header", false); err != nil {
		return err
	}
	if err := checkBodyFooter("interactive", m.Body, m.Footer); err != nil {
		return err
	}
	if err := checkText("interactive.action.parameters.display_text", m.DisplayText, MaxButtonTitle, true); err != nil {
		return err
	}
	u, err := url.Parse(m.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return invalid("interactive.action.parameters.url", "not an absolute http(s) URL")
	}
	return nil
}

func (m CTAURL) fill(w *wireMessage) {
	type params struct {
		DisplayText string `json:"display_text"`
		URL         string `json:"url"`
	}
	w.Interactive = &wireInteractive{
		Type: "cta_url", Header: m.Header.wire(), Body: &wireText{Text: m.Body}, Footer: textOrNil(m.Footer),
		Action: struct {
			Name       string `json:"name"`
			Parameters params `json:"parameters"`
		}{"cta_url", params{m.DisplayText, m.URL}},
	}
}

// Flow is an interactive message that opens a WhatsApp Flow.
type Flow struct {
	Header *Header
	Body   string
	Footer string
	// FlowID or FlowName identifies the published flow (one of them).
	FlowID   string
	FlowName string
	// Token is echoed back in the flow's completion webhook (flow_token).
	Token string
	// CTA is the button text, at most 20 characters.
	CTA string
	// Action is "navigate" (default) or "data_exchange".
	Action string
	// Screen is the first screen for "navigate".
	Screen string
	// Data is the initial screen data (a JSON object), optional.
	Data json.RawMessage
	// Draft sends a draft flow (mode "draft") for testing.
	Draft bool
}

// Type returns "interactive".
func (Flow) Type() string { return "interactive" }

func (m Flow) validate(string) error {
	if err := m.Header.validate("interactive.header", false); err != nil {
		return err
	}
	if err := checkBodyFooter("interactive", m.Body, m.Footer); err != nil {
		return err
	}
	const p = "interactive.action.parameters."
	switch {
	case m.FlowID == "" && m.FlowName == "":
		return invalid(p+"flow_id", "set the flow id or name")
	case m.FlowID != "" && m.FlowName != "":
		return invalid(p+"flow_name", "set the flow id or the name, not both")
	}
	if err := checkText(p+"flow_cta", m.CTA, MaxButtonTitle, true); err != nil {
		return err
	}
	switch m.Action {
	case "", "navigate":
		if strings.TrimSpace(m.Screen) == "" {
			return invalid(p+"flow_action_payload.screen", "required for the navigate action")
		}
	case "data_exchange":
	default:
		return invalid(p+"flow_action", "must be navigate or data_exchange")
	}
	if len(m.Data) > 0 {
		var obj map[string]json.RawMessage
		if json.Unmarshal(m.Data, &obj) != nil {
			return invalid(p+"flow_action_payload.data", "must be a JSON object")
		}
	}
	return nil
}

func (m Flow) fill(w *wireMessage) {
	type payload struct {
		Screen string          `json:"screen,omitempty"`
		Data   json.RawMessage `json:"data,omitempty"`
	}
	type params struct {
		Version string   `json:"flow_message_version"`
		Token   string   `json:"flow_token,omitempty"`
		ID      string   `json:"flow_id,omitempty"`
		Name    string   `json:"flow_name,omitempty"`
		CTA     string   `json:"flow_cta"`
		Action  string   `json:"flow_action"`
		Mode    string   `json:"mode,omitempty"`
		Payload *payload `json:"flow_action_payload,omitempty"`
	}
	pr := params{Version: "3", Token: m.Token, ID: m.FlowID, Name: m.FlowName, CTA: m.CTA, Action: m.Action}
	if pr.Action == "" {
		pr.Action = "navigate"
	}
	if m.Draft {
		pr.Mode = "draft"
	}
	if m.Screen != "" || len(m.Data) > 0 {
		pr.Payload = &payload{Screen: m.Screen, Data: m.Data}
	}
	w.Interactive = &wireInteractive{
		Type: "flow", Header: m.Header.wire(), Body: &wireText{Text: m.Body}, Footer: textOrNil(m.Footer),
		Action: struct {
			Name       string `json:"name"`
			Parameters params `json:"parameters"`
		}{"flow", pr},
	}
}

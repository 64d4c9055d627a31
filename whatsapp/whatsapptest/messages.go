package whatsapptest

import (
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/botsync/botsync/meta/metatest"
	"github.com/botsync/botsync/whatsapp"
)

type mediaReq struct {
	ID   string `json:"id"`
	Link string `json:"link"`
}

type messageReq struct {
	MessagingProduct string `json:"messaging_product"`
	To               string `json:"to"`
	Recipient        string `json:"recipient"`
	Type             string `json:"type"`
	Status           string `json:"status"`
	MessageID        string `json:"message_id"`
	Text             *struct {
		Body string `json:"body"`
	} `json:"text"`
	Image    *mediaReq `json:"image"`
	Audio    *mediaReq `json:"audio"`
	Video    *mediaReq `json:"video"`
	Document *mediaReq `json:"document"`
	Sticker  *mediaReq `json:"sticker"`
	Location *struct {
		Latitude  *float64 `json:"latitude"`
		Longitude *float64 `json:"longitude"`
	} `json:"location"`
	Contacts []struct {
		Name struct {
			FormattedName string `json:"formatted_name"`
		} `json:"name"`
	} `json:"contacts"`
	Interactive *struct {
		Type string `json:"type"`
		Body *struct {
			Text string `json:"text"`
		} `json:"body"`
		Action *struct {
			Buttons  []json.RawMessage `json:"buttons"`
			Button   string            `json:"button"`
			Sections []struct {
				Rows []json.RawMessage `json:"rows"`
			} `json:"sections"`
			Name string `json:"name"`
		} `json:"action"`
	} `json:"interactive"`
	Template *struct {
		Name     string `json:"name"`
		Language struct {
			Code string `json:"code"`
		} `json:"language"`
		Components []struct {
			Type       string            `json:"type"`
			Parameters []json.RawMessage `json:"parameters"`
		} `json:"components"`
	} `json:"template"`
	Reaction *struct {
		MessageID string `json:"message_id"`
	} `json:"reaction"`
}

var (
	digitsRE = regexp.MustCompile(`^\+?[1-9][0-9]{6,14}$`)
	varsRE   = regexp.MustCompile(`\{\{\s*[A-Za-z0-9_]+\s*\}\}`)
)

func (s *Server) postMessage(w http.ResponseWriter, r *http.Request) {
	phone := r.PathValue("phone")
	if !s.knownPhone(w, phone) {
		return
	}
	endpoint := "messages"
	if strings.HasSuffix(r.URL.Path, "/marketing_messages") {
		endpoint = "marketing_messages"
	}
	body, _ := io.ReadAll(r.Body)
	var m messageReq
	if err := json.Unmarshal(body, &m); err != nil {
		metatest.WriteGraphError(w, http.StatusBadRequest, metatest.GraphError{Code: 100, Message: "(#100) Invalid JSON body"})
		return
	}
	if m.MessagingProduct != "whatsapp" {
		metatest.WriteGraphError(w, http.StatusBadRequest, metatest.GraphError{Code: 100, Message: "(#100) The parameter messaging_product is required."})
		return
	}
	if m.Status != "" {
		if m.Status != "read" {
			invalidParam(w, "status must be read")
			return
		}
		if m.MessageID == "" {
			missing(w, "message_id")
			return
		}
		metatest.WriteJSON(w, http.StatusOK, map[string]bool{"success": true})
		return
	}
	to := strings.TrimPrefix(m.To, "+")
	switch {
	case m.To == "" && m.Recipient == "":
		metatest.WriteGraphError(w, http.StatusBadRequest, metatest.GraphError{Code: 100, Message: "(#100) The parameter to is required."})
		return
	case m.To != "" && !digitsRE.MatchString(m.To):
		invalidParam(w, "Invalid recipient phone number.")
		return
	}
	if m.Type == "" {
		m.Type = "text"
	}
	if !s.validateContent(w, &m) {
		return
	}
	if endpoint == "marketing_messages" {
		if m.Type != "template" {
			invalidParam(w, "Only template messages can be sent with the marketing messages API.")
			return
		}
	}
	key := to
	if key == "" {
		key = m.Recipient
	}
	s.mu.Lock()
	if q := s.recFail[key]; len(q) > 0 {
		e := q[0]
		s.recFail[key] = q[1:]
		s.mu.Unlock()
		status := http.StatusBadRequest
		if e.Code == 130429 || e.Code == 131056 || e.Code == 80007 {
			status = http.StatusTooManyRequests
		}
		metatest.WriteGraphError(w, status, e)
		return
	}
	s.mu.Unlock()
	id := "wamid." + s.NextID("FAKE")
	rec := Sent{PhoneNumberID: phone, Endpoint: endpoint, MessageID: id, Type: m.Type, To: m.To, Recipient: m.Recipient, Body: body}
	s.mu.Lock()
	s.sent = append(s.sent, rec)
	auto := s.auto
	s.mu.Unlock()
	if auto != nil {
		s.emit(r.Context(), auto, rec)
	}
	type contact struct {
		Input string `json:"input"`
		WaID  string `json:"wa_id,omitempty"`
	}
	type msg struct {
		ID            string `json:"id"`
		MessageStatus string `json:"message_status,omitempty"`
	}
	input := m.To
	if input == "" {
		input = m.Recipient
	}
	resp := struct {
		MessagingProduct string    `json:"messaging_product"`
		Contacts         []contact `json:"contacts"`
		Messages         []msg     `json:"messages"`
	}{"whatsapp", []contact{{input, to}}, []msg{{ID: id}}}
	if m.Type == "template" {
		resp.Messages[0].MessageStatus = "accepted"
	}
	metatest.WriteJSON(w, http.StatusOK, resp)
}

func (s *Server) validateContent(w http.ResponseWriter, m *messageReq) bool {
	media := map[string]*mediaReq{"image": m.Image, "audio": m.Audio, "video": m.Video, "document": m.Document, "sticker": m.Sticker}
	switch m.Type {
	case "text":
		if m.Text == nil || strings.TrimSpace(m.Text.Body) == "" {
			missing(w, "text['body']")
			return false
		}
		if len([]rune(m.Text.Body)) > whatsapp.MaxTextBody {
			invalidParam(w, "text['body'] is too long")
			return false
		}
	case "image", "audio", "video", "document", "sticker":
		md := media[m.Type]
		if md == nil || (md.ID == "" && md.Link == "") {
			missing(w, m.Type+"['id'] or "+m.Type+"['link']")
			return false
		}
		if md.ID != "" {
			s.mu.Lock()
			deleted := s.deleted[md.ID]
			s.mu.Unlock()
			if deleted {
				metatest.WriteGraphError(w, http.StatusBadRequest, metatest.GraphError{Code: 131053, Message: "(#131053) Media upload error", ErrorData: details("Media id not found.")})
				return false
			}
		}
	case "location":
		if m.Location == nil || m.Location.Latitude == nil || m.Location.Longitude == nil {
			missing(w, "location['latitude']")
			return false
		}
	case "contacts":
		if len(m.Contacts) == 0 || m.Contacts[0].Name.FormattedName == "" {
			missing(w, "contacts[0]['name']['formatted_name']")
			return false
		}
	case "reaction":
		if m.Reaction == nil || m.Reaction.MessageID == "" {
			missing(w, "reaction['message_id']")
			return false
		}
	case "interactive":
		in := m.Interactive
		if in == nil || in.Type == "" {
			missing(w, "interactive['type']")
			return false
		}
		if in.Body == nil || in.Body.Text == "" {
			missing(w, "interactive['body']['text']")
			return false
		}
		if in.Action == nil {
			missing(w, "interactive['action']")
			return false
		}
		switch in.Type {
		case "button":
			if n := len(in.Action.Buttons); n < 1 || n > 3 {
				invalidParam(w, "buttons count should be between 1 and 3")
				return false
			}
		case "list":
			rows := 0
			for _, sec := range in.Action.Sections {
				rows += len(sec.Rows)
			}
			if in.Action.Button == "" || rows == 0 || rows > 10 || len(in.Action.Sections) > 10 {
				invalidParam(w, "list needs a button and 1 to 10 rows")
				return false
			}
		case "cta_url", "flow":
			if in.Action.Name != in.Type {
				invalidParam(w, "action name must be "+in.Type)
				return false
			}
		default:
			invalidParam(w, "Unsupported interactive type")
			return false
		}
	case "template":
		return s.validateTemplate(w, m)
	default:
		invalidParam(w, "Unsupported message type")
		return false
	}
	return true
}

func (s *Server) validateTemplate(w http.ResponseWriter, m *messageReq) bool {
	t := m.Template
	if t == nil || t.Name == "" {
		missing(w, "template['name']")
		return false
	}
	if t.Language.Code == "" {
		missing(w, "template['language']['code']")
		return false
	}
	s.mu.Lock()
	known := len(s.templates) > 0
	var def *whatsapp.TemplateDefinition
	for i := range s.templates {
		if s.templates[i].Name == t.Name && s.templates[i].Language == t.Language.Code {
			d := s.templates[i]
			def = &d
		}
	}
	s.mu.Unlock()
	if !known {
		return true
	}
	if def == nil {
		metatest.WriteGraphError(w, http.StatusNotFound, metatest.GraphError{Code: 132001, Message: "(#132001) Template name does not exist in the translation", ErrorData: details("template name (" + t.Name + ") does not exist in " + t.Language.Code)})
		return false
	}
	switch def.Status {
	case "PAUSED":
		metatest.WriteGraphError(w, http.StatusBadRequest, metatest.GraphError{Code: 132015, Message: "(#132015) Template is paused"})
		return false
	case "DISABLED":
		metatest.WriteGraphError(w, http.StatusBadRequest, metatest.GraphError{Code: 132016, Message: "(#132016) Template is disabled"})
		return false
	}
	want := 0
	for _, c := range def.Components {
		if strings.EqualFold(c.Type, "BODY") {
			want = len(varsRE.FindAllString(c.Text, -1))
		}
	}
	got := 0
	for _, c := range t.Components {
		if c.Type == "body" {
			got = len(c.Parameters)
		}
	}
	if got != want {
		metatest.WriteGraphError(w, http.StatusBadRequest, metatest.GraphError{Code: 132000, Message: "(#132000) Number of parameters does not match the expected number of params",
			ErrorData: details("body: number of localizable_params (" + strconv.Itoa(got) + ") does not match the expected number of params (" + strconv.Itoa(want) + ")")})
		return false
	}
	return true
}

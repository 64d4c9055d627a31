package whatsapptest

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/botsync/botsync/meta/metatest"
	"github.com/botsync/botsync/whatsapp"
)

type mediaItem struct {
	id, mimeType, phone string
	data                []byte
	urlIssued           time.Time
	urlVersion          int
}

// AddMedia stores media as if uploaded and returns its id.
func (s *Server) AddMedia(mimeType string, data []byte) string {
	id := s.NextID("9000")
	s.mu.Lock()
	defer s.mu.Unlock()
	s.media[id] = &mediaItem{id: id, mimeType: mimeType, phone: PhoneNumberID, data: append([]byte(nil), data...)}
	return id
}

// Media returns the stored bytes of a media id.
func (s *Server) Media(id string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.media[id]
	if !ok {
		return nil, false
	}
	return append([]byte(nil), m.data...), true
}

// ExpireMediaURLs makes every download URL issued so far invalid, as if
// their five minutes had passed.
func (s *Server) ExpireMediaURLs() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range s.media {
		m.urlVersion++
	}
}

func (s *Server) uploadMedia(w http.ResponseWriter, r *http.Request) {
	phone := r.PathValue("phone")
	if !s.knownPhone(w, phone) {
		return
	}
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		invalidParam(w, "Upload must be multipart/form-data.")
		return
	}
	mr := multipart.NewReader(r.Body, params["boundary"])
	fields := map[string]string{}
	var data []byte
	var fileType string
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			invalidParam(w, "Malformed multipart body.")
			return
		}
		b, _ := io.ReadAll(p)
		if p.FormName() == "file" {
			data, fileType = b, p.Header.Get("Content-Type")
			continue
		}
		fields[p.FormName()] = string(b)
	}
	switch {
	case fields["messaging_product"] != "whatsapp":
		metatest.WriteGraphError(w, http.StatusBadRequest, metatest.GraphError{Code: 100, Message: "(#100) The parameter messaging_product is required."})
		return
	case data == nil:
		missing(w, "file")
		return
	case fields["type"] == "":
		missing(w, "type")
		return
	}
	lim, ok := whatsapp.LimitFor(fields["type"])
	if !ok || (fileType != "" && fileType != fields["type"]) {
		metatest.WriteGraphError(w, http.StatusBadRequest, metatest.GraphError{Code: 131053, Message: "(#131053) Media upload error", ErrorData: details("Unsupported file type.")})
		return
	}
	if int64(len(data)) > lim.MaxBytes {
		metatest.WriteGraphError(w, http.StatusBadRequest, metatest.GraphError{Code: 131053, Message: "(#131053) Media upload error", ErrorData: details("File too big.")})
		return
	}
	id := s.AddMedia(fields["type"], data)
	metatest.WriteJSON(w, http.StatusOK, map[string]string{"id": id})
}

func (s *Server) getObject(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	m, isMedia := s.media[id]
	p, isPhone := s.phones[id]
	var def *whatsapp.TemplateDefinition
	for i := range s.templates {
		if s.templates[i].ID == id {
			d := s.templates[i]
			def = &d
		}
	}
	var resp any
	switch {
	case isMedia:
		m.urlIssued = s.now()
		sum := sha256.Sum256(m.data)
		resp = map[string]any{
			"messaging_product": "whatsapp",
			"url":               s.URL + "/whatsapp-media/" + m.id + "?v=" + strconv.Itoa(m.urlVersion),
			"mime_type":         m.mimeType,
			"sha256":            base64.StdEncoding.EncodeToString(sum[:]),
			"file_size":         len(m.data),
			"id":                m.id,
		}
	case isPhone:
		resp = *p
	case def != nil:
		resp = *def
	}
	s.mu.Unlock()
	if resp == nil {
		metatest.WriteGraphError(w, http.StatusBadRequest, metatest.GraphError{Code: 100, Subcode: 33, Type: "GraphMethodException",
			Message: "Unsupported get request. Object with ID '" + id + "' does not exist, cannot be loaded due to missing permissions, or does not support this operation."})
		return
	}
	metatest.WriteJSON(w, http.StatusOK, resp)
}

func (s *Server) downloadMedia(w http.ResponseWriter, r *http.Request) {
	if metatest.BearerToken(r) == "" && len(r.Header.Values("Authorization")) == 0 && !hasAPIKey(r) {
		metatest.WriteError(w, http.StatusUnauthorized, 190, 0, "An active access token must be used.")
		return
	}
	id := r.PathValue("id")
	s.mu.Lock()
	m, ok := s.media[id]
	var expired bool
	var data []byte
	if ok {
		v, _ := strconv.Atoi(r.URL.Query().Get("v"))
		expired = v != m.urlVersion || s.now().Sub(m.urlIssued) >= s.mediaTTL
		data = append([]byte(nil), m.data...)
		w.Header().Set("Content-Type", m.mimeType)
	}
	s.mu.Unlock()
	if !ok || expired {
		metatest.WriteError(w, http.StatusNotFound, 100, 0, "URL expired or media not found")
		return
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	_, _ = w.Write(data)
}

func hasAPIKey(r *http.Request) bool {
	for k := range r.Header {
		if strings.HasSuffix(strings.ToLower(k), "api-key") {
			return true
		}
	}
	return false
}

func (s *Server) deleteMedia(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	_, ok := s.media[id]
	delete(s.media, id)
	if ok {
		s.deleted[id] = true
	}
	s.mu.Unlock()
	if !ok {
		metatest.WriteGraphError(w, http.StatusBadRequest, metatest.GraphError{Code: 100, Subcode: 33, Type: "GraphMethodException", Message: "Unsupported delete request."})
		return
	}
	metatest.WriteJSON(w, http.StatusOK, map[string]bool{"success": true})
}

// AddTemplate registers a template. Once any template is registered, sends
// of unknown templates fail with 132001 and body parameter counts are
// checked (132000). ID and Status default to a fresh id and APPROVED.
func (s *Server) AddTemplate(d whatsapp.TemplateDefinition) whatsapp.TemplateDefinition {
	if d.ID == "" {
		d.ID = s.NextID("1689")
	}
	if d.Status == "" {
		d.Status = "APPROVED"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.templates = append(s.templates, d)
	return d
}

// SetTemplateStatus changes a template's status (PAUSED, DISABLED…).
func (s *Server) SetTemplateStatus(name, language, status string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.templates {
		if s.templates[i].Name == name && s.templates[i].Language == language {
			s.templates[i].Status = status
		}
	}
}

// Templates returns the registered templates.
func (s *Server) Templates() []whatsapp.TemplateDefinition {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]whatsapp.TemplateDefinition(nil), s.templates...)
}

func (s *Server) listTemplates(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	var all []whatsapp.TemplateDefinition
	for _, d := range s.templates {
		if (q.Get("name") == "" || d.Name == q.Get("name")) && (q.Get("status") == "" || d.Status == q.Get("status")) &&
			(q.Get("category") == "" || string(d.Category) == q.Get("category")) && (q.Get("language") == "" || d.Language == q.Get("language")) {
			all = append(all, d)
		}
	}
	s.mu.Unlock()
	writePage(w, r, all)
}

// writePage answers a Graph list with cursor paging (limit, after).
func writePage[T any](w http.ResponseWriter, r *http.Request, all []T) {
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	if limit <= 0 {
		limit = 25
	}
	start, _ := strconv.Atoi(strings.TrimPrefix(q.Get("after"), "c"))
	if start > len(all) {
		start = len(all)
	}
	end := min(start+limit, len(all))
	page := struct {
		Data   []T `json:"data"`
		Paging struct {
			Cursors struct {
				Before string `json:"before"`
				After  string `json:"after"`
			} `json:"cursors"`
			Next string `json:"next,omitempty"`
		} `json:"paging"`
	}{Data: all[start:end]}
	if page.Data == nil {
		page.Data = []T{}
	}
	page.Paging.Cursors.Before = "c" + strconv.Itoa(start)
	page.Paging.Cursors.After = "c" + strconv.Itoa(end)
	if end < len(all) {
		nq := r.URL.Query()
		nq.Set("after", page.Paging.Cursors.After)
		page.Paging.Next = "https://graph.facebook.com" + r.URL.Path + "?" + nq.Encode()
	}
	metatest.WriteJSON(w, http.StatusOK, page)
}

var templateNameRE = regexp.MustCompile(`^[a-z0-9_]{1,512}$`)

func (s *Server) createTemplate(w http.ResponseWriter, r *http.Request) {
	var d whatsapp.TemplateDefinition
	if err := json.NewDecoder(r.Body).Decode(&d); err != nil {
		metatest.WriteGraphError(w, http.StatusBadRequest, metatest.GraphError{Code: 100, Message: "(#100) Invalid JSON body"})
		return
	}
	switch {
	case d.Name == "":
		metatest.WriteGraphError(w, http.StatusBadRequest, metatest.GraphError{Code: 100, Message: "(#100) The parameter name is required."})
		return
	case !templateNameRE.MatchString(d.Name):
		metatest.WriteGraphError(w, http.StatusBadRequest, metatest.GraphError{Code: 100, Subcode: 2388042, Message: "Invalid parameter", UserTitle: "Invalid template name"})
		return
	case d.Language == "":
		metatest.WriteGraphError(w, http.StatusBadRequest, metatest.GraphError{Code: 100, Message: "(#100) The parameter language is required."})
		return
	case d.Category == "":
		metatest.WriteGraphError(w, http.StatusBadRequest, metatest.GraphError{Code: 100, Message: "(#100) The parameter category is required."})
		return
	case len(d.Components) == 0:
		metatest.WriteGraphError(w, http.StatusBadRequest, metatest.GraphError{Code: 100, Message: "(#100) The parameter components is required."})
		return
	}
	s.mu.Lock()
	for _, t := range s.templates {
		if t.Name == d.Name && t.Language == d.Language {
			s.mu.Unlock()
			metatest.WriteGraphError(w, http.StatusBadRequest, metatest.GraphError{Code: 100, Subcode: 2388024, Message: "Invalid parameter", UserTitle: "Content in this language already exists"})
			return
		}
	}
	s.mu.Unlock()
	d.ID, d.Status = "", "PENDING"
	if s.autoApprove {
		d.Status = "APPROVED"
	}
	d = s.AddTemplate(d)
	metatest.WriteJSON(w, http.StatusOK, map[string]string{"id": d.ID, "status": d.Status, "category": string(d.Category)})
}

func (s *Server) deleteTemplate(w http.ResponseWriter, r *http.Request) {
	name, hsm := r.URL.Query().Get("name"), r.URL.Query().Get("hsm_id")
	if name == "" {
		metatest.WriteGraphError(w, http.StatusBadRequest, metatest.GraphError{Code: 100, Message: "(#100) The parameter name is required."})
		return
	}
	s.mu.Lock()
	kept := s.templates[:0]
	n := 0
	for _, t := range s.templates {
		if t.Name == name && (hsm == "" || t.ID == hsm) {
			n++
			continue
		}
		kept = append(kept, t)
	}
	s.templates = kept
	s.mu.Unlock()
	if n == 0 {
		metatest.WriteGraphError(w, http.StatusBadRequest, metatest.GraphError{Code: 100, Subcode: 2593002, Message: "Invalid parameter", UserTitle: "Message template not found"})
		return
	}
	metatest.WriteJSON(w, http.StatusOK, map[string]bool{"success": true})
}

// AddPhoneNumber adds (or replaces) a phone number of the WABA.
func (s *Server) AddPhoneNumber(p whatsapp.PhoneNumber) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.phones[p.ID] = &p
}

// PhoneNumber returns the fake's state of a phone number (Status shows
// registration: CONNECTED or DISCONNECTED).
func (s *Server) PhoneNumber(id string) (whatsapp.PhoneNumber, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.phones[id]
	if !ok {
		return whatsapp.PhoneNumber{}, false
	}
	return *p, true
}

func (s *Server) listPhones(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("waba") != WABAID {
		metatest.WriteGraphError(w, http.StatusBadRequest, metatest.GraphError{Code: 100, Subcode: 33, Type: "GraphMethodException", Message: "Unsupported get request."})
		return
	}
	s.mu.Lock()
	var all []whatsapp.PhoneNumber
	for _, p := range s.phones {
		all = append(all, *p)
	}
	s.mu.Unlock()
	writePage(w, r, all)
}

func (s *Server) register(w http.ResponseWriter, r *http.Request) {
	phone := r.PathValue("phone")
	if !s.knownPhone(w, phone) {
		return
	}
	status := "DISCONNECTED"
	if strings.HasSuffix(r.URL.Path, "/register") {
		var req struct {
			MessagingProduct string `json:"messaging_product"`
			Pin              string `json:"pin"`
		}
		_ = json.NewDecoder(r.Body).Decode(&req)
		if req.MessagingProduct != "whatsapp" {
			metatest.WriteGraphError(w, http.StatusBadRequest, metatest.GraphError{Code: 100, Message: "(#100) The parameter messaging_product is required."})
			return
		}
		if len(req.Pin) != 6 {
			metatest.WriteGraphError(w, http.StatusBadRequest, metatest.GraphError{Code: 100, Message: "(#100) The parameter pin is required."})
			return
		}
		status = "CONNECTED"
	}
	s.mu.Lock()
	s.phones[phone].Status = status
	s.mu.Unlock()
	metatest.WriteJSON(w, http.StatusOK, map[string]bool{"success": true})
}

func (s *Server) getProfile(w http.ResponseWriter, r *http.Request) {
	phone := r.PathValue("phone")
	if !s.knownPhone(w, phone) {
		return
	}
	s.mu.Lock()
	p := s.profiles[phone]
	s.mu.Unlock()
	metatest.WriteJSON(w, http.StatusOK, map[string]any{"data": []any{struct {
		whatsapp.BusinessProfile
		MessagingProduct string `json:"messaging_product"`
	}{p, "whatsapp"}}})
}

func (s *Server) postProfile(w http.ResponseWriter, r *http.Request) {
	phone := r.PathValue("phone")
	if !s.knownPhone(w, phone) {
		return
	}
	var req struct {
		MessagingProduct string `json:"messaging_product"`
		whatsapp.BusinessProfile
	}
	_ = json.NewDecoder(r.Body).Decode(&req)
	if req.MessagingProduct != "whatsapp" {
		metatest.WriteGraphError(w, http.StatusBadRequest, metatest.GraphError{Code: 100, Message: "(#100) The parameter messaging_product is required."})
		return
	}
	if len([]rune(req.About)) > 139 {
		invalidParam(w, "about is too long")
		return
	}
	s.mu.Lock()
	p := s.profiles[phone]
	for _, f := range []struct {
		dst *string
		v   string
	}{{&p.About, req.About}, {&p.Address, req.Address}, {&p.Description, req.Description}, {&p.Email, req.Email}, {&p.Vertical, req.Vertical}} {
		if f.v != "" {
			*f.dst = f.v
		}
	}
	if req.Websites != nil {
		p.Websites = req.Websites
	}
	s.profiles[phone] = p
	s.mu.Unlock()
	metatest.WriteJSON(w, http.StatusOK, map[string]bool{"success": true})
}

// Subscribed reports whether the app is subscribed to the WABA.
func (s *Server) Subscribed(wabaID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.subscribed[wabaID]
}

func (s *Server) subscribedApps(w http.ResponseWriter, r *http.Request) {
	waba := r.PathValue("waba")
	s.mu.Lock()
	defer s.mu.Unlock()
	switch r.Method {
	case http.MethodPost:
		s.subscribed[waba] = true
	case http.MethodDelete:
		delete(s.subscribed, waba)
	default:
		data := []any{}
		if s.subscribed[waba] {
			data = append(data, map[string]any{"whatsapp_business_api_data": map[string]string{"id": s.AppID(), "name": "BotSync Test App"}})
		}
		metatest.WriteJSON(w, http.StatusOK, map[string]any{"data": data})
		return
	}
	metatest.WriteJSON(w, http.StatusOK, map[string]bool{"success": true})
}

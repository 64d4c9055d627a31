package instagramtest

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/botsync/botsync/meta/metatest"
)

// AddProfile makes GET /{userID} answer with profile (any JSON object); a
// user without one gets Meta's no-consent error ([CodeNoConsent]).
func (f *Fake) AddProfile(userID string, profile any) {
	b, err := json.Marshal(profile)
	if err != nil {
		panic("instagramtest: profile: " + err.Error())
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.profiles[userID] = b
}

// AddInsights makes GET /{id}/insights answer with data (the "data" array
// of Meta's answer, any JSON value).
func (f *Fake) AddInsights(id string, data any) {
	b, err := json.Marshal(data)
	if err != nil {
		panic("instagramtest: insights: " + err.Error())
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.insights[id] = b
}

// Settings returns the stored messenger_profile fields of an account
// (ice_breakers, persistent_menu, get_started) as raw JSON.
func (f *Fake) Settings(accountID string) map[string]json.RawMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]json.RawMessage{}
	for k, v := range f.settings[accountID] {
		out[k] = v
	}
	return out
}

// Subscriptions returns the fields the app is subscribed to on an account.
func (f *Fake) Subscriptions(accountID string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.subscribe[accountID])
}

func (f *Fake) accountRoutes(s *metatest.Server, host Host) {
	s.Handle("GET /{version}/{id}", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		p, ok := f.profiles[r.PathValue("id")]
		f.mu.Unlock()
		if !ok {
			metatest.WriteError(w, http.StatusBadRequest, CodeNoConsent, 2534014, "User consent is required to access user profile")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(p)
	})
	s.Handle("POST /{version}/{id}/messenger_profile", func(w http.ResponseWriter, r *http.Request) { f.setSettings(w, r, host) })
	s.Handle("GET /{version}/{id}/messenger_profile", f.getSettings)
	s.Handle("DELETE /{version}/{id}/messenger_profile", f.deleteSettings)
	s.Handle("POST /{version}/{id}/subscribed_apps", f.subscribeApp)
	s.Handle("GET /{version}/{id}/subscribed_apps", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		fields := slices.Clone(f.subscribe[r.PathValue("id")])
		f.mu.Unlock()
		data := []map[string]any{}
		if len(fields) > 0 {
			data = append(data, map[string]any{"id": s.AppID(), "name": "BotSync", "subscribed_fields": fields})
		}
		metatest.WriteJSON(w, http.StatusOK, map[string]any{"data": data})
	})
	s.Handle("DELETE /{version}/{id}/subscribed_apps", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		delete(f.subscribe, r.PathValue("id"))
		f.mu.Unlock()
		metatest.WriteJSON(w, http.StatusOK, map[string]bool{"success": true})
	})
	s.Handle("GET /{version}/{id}/insights", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("metric") == "" {
			badRequest(w, "(#100) The parameter metric is required")
			return
		}
		f.mu.Lock()
		d, ok := f.insights[r.PathValue("id")]
		f.mu.Unlock()
		if !ok {
			d = json.RawMessage("[]")
		}
		metatest.WriteJSON(w, http.StatusOK, map[string]json.RawMessage{"data": d})
	})
}

func (f *Fake) setSettings(w http.ResponseWriter, r *http.Request, host Host) {
	var body map[string]json.RawMessage
	if _, ok := readJSON(w, r, &body); !ok {
		return
	}
	var platform string
	_ = json.Unmarshal(body["platform"], &platform)
	if host == HostInstagram && platform != "instagram" {
		badRequest(w, "(#100) platform must be instagram")
		return
	}
	if platform == "instagram" && body["get_started"] != nil {
		badRequest(w, "(#100) get_started is not supported on Instagram")
		return
	}
	if ib, ok := body["ice_breakers"]; ok {
		var locales []struct {
			Locale string            `json:"locale"`
			CTAs   []json.RawMessage `json:"call_to_actions"`
		}
		if err := json.Unmarshal(ib, &locales); err != nil {
			badRequest(w, "(#100) ice_breakers must be an array")
			return
		}
		for _, l := range locales {
			if l.Locale == "" || len(l.CTAs) == 0 || len(l.CTAs) > 4 {
				badRequest(w, "(#100) each locale needs 1 to 4 ice breakers")
				return
			}
		}
	}
	f.mu.Lock()
	acc := r.PathValue("id")
	if f.settings[acc] == nil {
		f.settings[acc] = map[string]json.RawMessage{}
	}
	for _, k := range []string{"ice_breakers", "persistent_menu", "get_started"} {
		if v, ok := body[k]; ok {
			f.settings[acc][k] = v
		}
	}
	f.mu.Unlock()
	metatest.WriteJSON(w, http.StatusOK, map[string]string{"result": "success"})
}

func (f *Fake) getSettings(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	st := map[string]json.RawMessage{}
	for _, k := range strings.Split(r.URL.Query().Get("fields"), ",") {
		if v, ok := f.settings[r.PathValue("id")][k]; ok {
			st[k] = v
		}
	}
	f.mu.Unlock()
	data := []any{}
	if len(st) > 0 {
		data = append(data, st)
	}
	metatest.WriteJSON(w, http.StatusOK, map[string]any{"data": data})
}

func (f *Fake) deleteSettings(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Fields []string `json:"fields"`
	}
	if _, ok := readJSON(w, r, &body); !ok {
		return
	}
	if len(body.Fields) == 0 {
		badRequest(w, "(#100) fields is required")
		return
	}
	f.mu.Lock()
	for _, k := range body.Fields {
		delete(f.settings[r.PathValue("id")], k)
	}
	f.mu.Unlock()
	metatest.WriteJSON(w, http.StatusOK, map[string]string{"result": "success"})
}

func (f *Fake) subscribeApp(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		badRequest(w, "(#100) bad form")
		return
	}
	raw := r.Form.Get("subscribed_fields")
	if raw == "" {
		badRequest(w, "(#100) subscribed_fields is required")
		return
	}
	f.mu.Lock()
	f.subscribe[r.PathValue("id")] = strings.Split(raw, ",")
	f.mu.Unlock()
	metatest.WriteJSON(w, http.StatusOK, map[string]bool{"success": true})
}

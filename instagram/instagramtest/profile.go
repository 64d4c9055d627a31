package instagramtest

import (
	"encoding/json"
	"net/http"

	"github.com/botsync/botsync/meta/metatest"
)

// AddProfile makes GET /{userID} answer with profile (any JSON object); a
// user without one gets Meta's no-consent error.
func (f *Fake) AddProfile(userID string, profile any) {
	b, err := json.Marshal(profile)
	if err != nil {
		panic("instagramtest: profile: " + err.Error())
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.profiles[userID] = b
}

func (f *Fake) profileRoutes(s *metatest.Server, host Host) {
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
}

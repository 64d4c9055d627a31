package metatest

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// LongLivedTTL is the lifetime of the long-lived tokens the server issues
// (60 days, as Meta's).
const LongLivedTTL = 60 * 24 * time.Hour

// builtin returns the handler of a built-in endpoint for r, or nil. The
// built-ins are matched here rather than on the mux so that they never
// conflict with the patterns tests register.
func (s *Server) builtin(r *http.Request) http.HandlerFunc {
	if r.Method != http.MethodGet {
		return nil
	}
	rel := strings.TrimPrefix(r.URL.Path, "/")
	versioned := false
	if seg, rest, ok := strings.Cut(rel, "/"); ok && versionRE.MatchString(seg) {
		rel, versioned = rest, true
	}
	switch {
	case versioned && rel == "oauth/access_token":
		return s.oauthAccessToken
	case versioned && rel == "debug_token":
		return s.debugToken
	case versioned && rel == "me/accounts":
		return s.meAccounts
	case rel == "access_token":
		return s.igExchange
	case rel == "refresh_access_token":
		return s.igRefresh
	}
	return nil
}

func (s *Server) issue(prefix string, from *Token, typ string) (string, time.Time) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	val := prefix + strconv.Itoa(s.seq)
	t := Token{Value: val, Type: typ, IssuedAt: now, ExpiresAt: now.Add(LongLivedTTL), DataAccessExpiresAt: now.Add(90 * 24 * time.Hour)}
	if from != nil {
		t.UserID, t.Scopes, t.GranularScopes, t.AppID = from.UserID, from.Scopes, from.GranularScopes, from.AppID
	}
	s.addTokenLocked(t)
	return val, t.ExpiresAt
}

func tokenJSON(val string, ttl time.Duration) map[string]any {
	return map[string]any{"access_token": val, "token_type": "bearer", "expires_in": int64(ttl / time.Second)}
}

// oauthAccessToken serves fb_exchange_token and client_credentials.
func (s *Server) oauthAccessToken(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("client_id") != s.appID {
		WriteError(w, http.StatusBadRequest, 101, 0, "Error validating application. Invalid application ID.")
		return
	}
	if q.Get("client_secret") != s.appSecret {
		WriteError(w, http.StatusBadRequest, 101, 0, "Error validating client secret.")
		return
	}
	switch q.Get("grant_type") {
	case "fb_exchange_token":
		short := q.Get("fb_exchange_token")
		if short == "" {
			WriteError(w, http.StatusBadRequest, 100, 0, "Missing fb_exchange_token parameter")
			return
		}
		from, ok := s.LookupToken(short)
		if ok && (from.Revoked || (!from.ExpiresAt.IsZero() && !s.now().Before(from.ExpiresAt))) {
			WriteError(w, http.StatusBadRequest, 190, 463, "Error validating access token: Session has expired.")
			return
		}
		var fp *Token
		if ok {
			fp = &from
		}
		val, _ := s.issue("EAALONG", fp, "USER")
		WriteJSON(w, http.StatusOK, tokenJSON(val, LongLivedTTL))
	case "client_credentials":
		val := s.appID + "|" + s.appSecret
		s.AddToken(Token{Value: val, Type: "APP"})
		WriteJSON(w, http.StatusOK, map[string]any{"access_token": val, "token_type": "bearer"})
	default:
		WriteError(w, http.StatusBadRequest, 100, 0, "Unsupported grant_type")
	}
}

func (s *Server) debugToken(w http.ResponseWriter, r *http.Request) {
	in := r.URL.Query().Get("input_token")
	if in == "" {
		WriteError(w, http.StatusBadRequest, 100, 0, "The parameter input_token is required")
		return
	}
	t, ok := s.LookupToken(in)
	if !ok {
		WriteJSON(w, http.StatusOK, map[string]any{"data": map[string]any{
			"is_valid": false, "scopes": []string{},
			"error": map[string]any{"code": 190, "message": "Invalid OAuth access token - Cannot parse access token"},
		}})
		return
	}
	data := map[string]any{
		"app_id": t.AppID, "type": t.Type, "application": "metatest",
		"is_valid":               !t.Revoked && (t.ExpiresAt.IsZero() || s.now().Before(t.ExpiresAt)),
		"issued_at":              unixOrZero(t.IssuedAt),
		"expires_at":             unixOrZero(t.ExpiresAt),
		"data_access_expires_at": unixOrZero(t.DataAccessExpiresAt),
		"scopes":                 nonNil(t.Scopes),
	}
	if t.UserID != "" {
		data["user_id"] = t.UserID
	}
	if len(t.GranularScopes) > 0 {
		data["granular_scopes"] = t.GranularScopes
	}
	if t.Revoked {
		data["error"] = map[string]any{"code": 190, "subcode": 460, "message": "The session has been invalidated."}
	} else if !data["is_valid"].(bool) {
		data["error"] = map[string]any{"code": 190, "subcode": 463, "message": "Session has expired."}
	}
	WriteJSON(w, http.StatusOK, map[string]any{"data": data})
}

func unixOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func encodeCursor(i int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("idx:" + strconv.Itoa(i)))
}

func decodeCursor(c string) (int, bool) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, false
	}
	n, ok := strings.CutPrefix(string(b), "idx:")
	if !ok {
		return 0, false
	}
	i, err := strconv.Atoi(n)
	return i, err == nil && i >= 0
}

// meAccounts pages through the added Pages (limit default 25). Like Meta, the
// next link carries the caller's access_token.
func (s *Server) meAccounts(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit := 25
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 {
			WriteError(w, http.StatusBadRequest, 100, 0, "(#100) Param limit must be a positive integer")
			return
		}
		limit = n
	}
	start := 0
	if a := q.Get("after"); a != "" {
		i, ok := decodeCursor(a)
		if !ok {
			WriteError(w, http.StatusBadRequest, 100, 0, "(#100) Invalid after cursor")
			return
		}
		start = i + 1
	}
	s.mu.Lock()
	pages := append([]Page(nil), s.pages...)
	s.mu.Unlock()
	data := []map[string]any{}
	end := min(start+limit, len(pages))
	for i := start; i < end; i++ {
		p := pages[i]
		item := map[string]any{"id": p.ID, "name": p.Name, "access_token": p.AccessToken}
		if p.Category != "" {
			item["category"] = p.Category
		}
		if len(p.Tasks) > 0 {
			item["tasks"] = p.Tasks
		}
		data = append(data, item)
	}
	resp := map[string]any{"data": data}
	if start < end {
		paging := map[string]any{"cursors": map[string]string{"before": encodeCursor(start), "after": encodeCursor(end - 1)}}
		if end < len(pages) {
			next := url.Values{}
			for k, v := range q {
				next[k] = v
			}
			next.Set("after", encodeCursor(end-1))
			next.Set("access_token", BearerToken(r))
			next.Set("limit", strconv.Itoa(limit))
			paging["next"] = s.URL + r.URL.Path + "?" + next.Encode()
		}
		resp["paging"] = paging
	}
	WriteJSON(w, http.StatusOK, resp)
}

func requestToken(r *http.Request) string {
	if t := BearerToken(r); t != "" {
		return t
	}
	return r.URL.Query().Get("access_token")
}

func (s *Server) igExchange(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("grant_type") != "ig_exchange_token" {
		WriteError(w, http.StatusBadRequest, 100, 0, "Unsupported grant_type")
		return
	}
	if q.Get("client_secret") != s.appSecret {
		WriteError(w, http.StatusBadRequest, 101, 0, "Error validating client secret.")
		return
	}
	short := requestToken(r)
	if short == "" {
		WriteError(w, http.StatusBadRequest, 190, 0, "An access token is required")
		return
	}
	from, ok := s.LookupToken(short)
	var fp *Token
	if ok {
		if from.Revoked {
			WriteError(w, http.StatusBadRequest, 190, 460, "Error validating access token: The session has been invalidated.")
			return
		}
		fp = &from
	}
	val, _ := s.issue("IGLONG", fp, "USER")
	WriteJSON(w, http.StatusOK, tokenJSON(val, LongLivedTTL))
}

// igRefresh refreshes a long-lived Instagram token that is at least 24 hours
// old and not expired, as Meta does.
func (s *Server) igRefresh(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("grant_type") != "ig_refresh_token" {
		WriteError(w, http.StatusBadRequest, 100, 0, "Unsupported grant_type")
		return
	}
	tok := requestToken(r)
	t, ok := s.LookupToken(tok)
	now := s.now()
	switch {
	case tok == "" || !ok:
		WriteError(w, http.StatusBadRequest, 190, 0, "Invalid OAuth access token - Cannot parse access token")
		return
	case t.Revoked:
		WriteError(w, http.StatusBadRequest, 190, 460, "Error validating access token: The session has been invalidated.")
		return
	case !t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt):
		WriteError(w, http.StatusBadRequest, 190, 463, "Error validating access token: Session has expired.")
		return
	case now.Sub(t.IssuedAt) < 24*time.Hour:
		WriteError(w, http.StatusBadRequest, 100, 0, "The access token is less than 24 hours old and cannot be refreshed yet")
		return
	}
	val, _ := s.issue("IGLONG", &t, t.Type)
	WriteJSON(w, http.StatusOK, tokenJSON(val, LongLivedTTL))
}

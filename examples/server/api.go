package main

import (
	"net/http"
	"net/netip"
	"strconv"
	"strings"

	"github.com/botsync/botsync/secret"
	"github.com/botsync/botsync/workspace"
)

// auth says who may call a route.
type auth int

const (
	authNone      auth = iota // public (sign-up, login, invitations)
	authUser                  // any signed-in principal
	authWorkspace             // a principal allowed Action in {ws}
)

// call is an authenticated API request.
type call struct {
	w  http.ResponseWriter
	r  *http.Request
	p  *workspace.Principal
	ws string // {ws} when the route has one
}

// route is one /api/v1 operation; the OpenAPI document is generated from
// the same table the router registers, so the two cannot drift apart.
type route struct {
	Method  string
	Path    string // under /api/v1, with {params}
	Tag     string
	Summary string
	Auth    auth
	Action  workspace.Action
	// Body and Response name example shapes for the document.
	Body     any
	Response any
	Handle   func(c *call) error
}

const csrfHeader = "X-CSRF-Protection"

// apiRoutes registers every route of the table.
func (a *App) apiRoutes(mux *http.ServeMux) {
	authLimit := newLimiter(a.cfg.AuthRate, int(a.cfg.AuthRate*4)+1)
	for _, rt := range a.apiTable() {
		h := a.apiHandler(rt)
		if rt.Tag == "auth" && rt.Auth == authNone {
			h = a.limit(authLimit, h)
		}
		mux.Handle(rt.Method+" /api/v1"+rt.Path, h)
	}
	mux.HandleFunc("/api/v1/", func(w http.ResponseWriter, r *http.Request) {
		a.writeErr(w, r, apiErr(http.StatusNotFound, "no_route", "no such API route; see /api/v1/openapi.json"))
	})
	mux.HandleFunc("GET /api/v1/openapi.json", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, a.openAPI())
	})
}

func (a *App) apiHandler(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := &call{w: w, r: r, ws: r.PathValue("ws")}
		if rt.Auth != authNone {
			p, cookie, err := a.authenticate(r)
			if err != nil {
				a.writeErr(w, r, err)
				return
			}
			if cookie && r.Method != http.MethodGet && r.Method != http.MethodHead && r.Header.Get(csrfHeader) != "1" {
				a.writeErr(w, r, apiErr(http.StatusForbidden, "csrf", "cookie-authenticated writes need the "+csrfHeader+": 1 header"))
				return
			}
			c.p = p
			if rt.Auth == authWorkspace {
				if err := a.ws.Authorize(r.Context(), p, rt.Action, c.ws); err != nil {
					a.writeErr(w, r, err)
					return
				}
			}
		}
		if err := rt.Handle(c); err != nil {
			a.writeErr(w, r, err)
		}
	})
}

// authenticate reads the session cookie or an API key (Authorization:
// Bearer bsk_…); cookie reports which.
func (a *App) authenticate(r *http.Request) (*workspace.Principal, bool, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		key, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return nil, false, apiErr(http.StatusUnauthorized, "unauthenticated", "Authorization: want Bearer <api key>")
		}
		p, err := a.ws.AuthenticateAPIKey(r.Context(), secret.New(strings.TrimSpace(key)))
		return p, false, err
	}
	tok, ok := workspace.SessionToken(r)
	if !ok {
		return nil, false, workspace.ErrUnauthenticated
	}
	p, err := a.ws.Authenticate(r.Context(), tok, remoteAddr(r))
	return p, true, err
}

func remoteAddr(r *http.Request) netip.Addr {
	ip, err := netip.ParseAddr(clientIP(r))
	if err != nil {
		return netip.IPv4Unspecified()
	}
	return ip.Unmap()
}

// json writes v with status.
func (c *call) json(status int, v any) error {
	writeJSON(c.w, status, v)
	return nil
}

// decode reads the JSON body into v.
func (c *call) decode(v any) error { return decodeJSON(c.w, c.r, v) }

// limit reads ?limit (default 50, 1..1000).
func (c *call) limit() (int, error) {
	s := c.r.URL.Query().Get("limit")
	if s == "" {
		return 50, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 1000 {
		return 0, fieldErr("limit", "want an integer from 1 to 1000")
	}
	return n, nil
}

// Page is a page of a list: items and the cursor of the next page (empty
// on the last page).
type Page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
}

func page[T any](items []T, next string) Page[T] {
	if items == nil {
		items = []T{}
	}
	return Page[T]{Items: items, NextCursor: next}
}

// userID is the acting user's id (or the API key's id).
func (c *call) userID() string {
	if c.p.APIKey != nil {
		return c.p.APIKey.ID
	}
	return c.p.User.ID
}

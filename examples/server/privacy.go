package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/botsync/botsync/crm"
	"github.com/botsync/botsync/meta"
	"github.com/botsync/botsync/privacy"
	"github.com/botsync/botsync/privacy/sinks/crmsink"
	"github.com/botsync/botsync/privacy/sinks/knowledgesink"
	"github.com/botsync/botsync/privacy/sinks/vaultsink"
	"github.com/botsync/botsync/workspace"
)

// privacyKit is the privacy machinery: requests over the CRM sink, holds,
// consents, grievances and breach clocks, the audit trail, and Meta's
// data-deletion flow.
type privacyKit struct {
	store    privacyStore
	requests *privacy.Requests
	holds    *privacy.Holds
	cases    *privacy.Cases
	deletion *privacy.MetaDeletion
	sinks    []privacy.Sink // also swept by the retention
}

// workspaceSet lists the platform's workspaces (the sinks and Meta's
// callback search them): from PostgreSQL when there is one, else those this
// process created. The workspace package has no listing method, so the
// PostgreSQL query reads its table directly.
type workspaceSet struct {
	mu   sync.Mutex
	ids  []string
	pool *pgxpool.Pool
}

func (s *workspaceSet) add(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !slices.Contains(s.ids, id) {
		s.ids = append(s.ids, id)
	}
}

func (s *workspaceSet) list(ctx context.Context) ([]string, error) {
	if s.pool != nil {
		rows, err := s.pool.Query(ctx, `SELECT id FROM workspace_workspaces ORDER BY id`)
		if err != nil {
			return nil, err
		}
		return pgx.CollectRows(rows, pgx.RowTo[string])
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.ids), nil
}

func (a *App) newPrivacy(st privacyStore) (*privacyKit, error) {
	sink, err := crmsink.New(a.crm, crmsink.WithWorkspaces(a.known.list))
	if err != nil {
		return nil, err
	}
	kb, err := knowledgesink.New(a.stores.knowledge, knowledgesink.WithWorkspaces(a.known.list))
	if err != nil {
		return nil, err
	}
	// The vault crypto-shreds what belongs to a subject (their data key);
	// it finds the subject through the CRM sink's lead ids.
	vs, err := vaultsink.New(a.vault, a.stores.vault, vaultsink.WithSubjects(sink.Subjects), vaultsink.WithWorkspaces(a.known.list))
	if err != nil {
		return nil, err
	}
	k := &privacyKit{store: st, sinks: []privacy.Sink{sink, kb, vs}}
	k.holds = privacy.NewHolds(st, a.audit, nil)
	k.requests = &privacy.Requests{Store: st, Audit: a.audit, Holds: k.holds, Sinks: []privacy.Sink{sink, kb, vs}, Expand: sink.Expand, Consents: st,
		SinkStrategies: map[string]privacy.Strategy{vs.Name(): privacy.StrategyCryptoShred}}
	k.cases = &privacy.Cases{Grievances: st, Incidents: st, Requests: st, Audit: a.audit}
	k.deletion = &privacy.MetaDeletion{Requests: k.requests, Store: st, StatusURL: a.cfg.PublicURL + "/privacy/deletion",
		FallbackWorkspace: workspace.PlatformScope, Logger: a.log, Resolve: a.resolveMetaUser}
	return k, nil
}

// resolveMetaUser finds the leads an app-scoped Instagram or Messenger user
// id belongs to, in every workspace.
func (a *App) resolveMetaUser(ctx context.Context, sr *meta.SignedRequest) ([]privacy.Identifiers, error) {
	ws, _ := a.known.list(ctx)
	var out []privacy.Identifiers
	for _, w := range ws {
		for _, kind := range []crm.IdentityKind{crm.KindIGSID, crm.KindPSID} {
			l, err := a.crm.LeadByIdentity(ctx, w, crm.Identity{Kind: kind, Value: sr.UserID})
			if err != nil {
				continue
			}
			out = append(out, privacy.Identifiers{WorkspaceID: w, SubjectIDs: []string{l.ID}, ChannelIDs: []string{sr.UserID}})
		}
	}
	return out, nil
}

func newRequestID() string { return newID("dsr_") }

// newID returns prefix and 80 random bits in hex.
func newID(prefix string) string {
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// metaCallbacks serves Meta's data-deletion and deauthorize callbacks and
// the public deletion-status page.
func (a *App) metaCallbacks(mux *http.ServeMux, secrets [][]byte) {
	if len(secrets) == 0 {
		return
	}
	opts := []meta.CallbackOption{meta.WithCallbackLogger(a.log)}
	if len(secrets) > 1 {
		opts = append(opts, meta.WithCallbackSecrets(secrets[1:]...))
	}
	mux.Handle("POST /meta/data-deletion", meta.DataDeletionHandler(secrets[0], a.privacy.deletion.Callback, opts...))
	mux.Handle("POST /meta/deauthorize", meta.DeauthorizeHandler(secrets[0], a.ws.Deauthorize, opts...))
	mux.Handle("GET /privacy/deletion", a.privacy.deletion.StatusHandler())
}

type dsrBody struct {
	Type       privacy.RequestType `json:"type"`
	SubjectIDs []string            `json:"subject_ids,omitempty"`
	Phones     []string            `json:"phones,omitempty"`
	Emails     []string            `json:"emails,omitempty"`
	ChannelIDs []string            `json:"channel_ids,omitempty"`
}

func (a *App) privacyRoutes() []route {
	manage, view := workspace.ActionWorkspaceSettings, workspace.ActionAuditView
	return []route{
		{Method: "POST", Path: "/workspaces/{ws}/privacy/requests", Tag: "privacy", Summary: "Open a data-subject request (access, erasure, correction, restriction, consent_withdrawal…)", Auth: authWorkspace, Action: manage, Body: dsrBody{Type: privacy.RequestErasure, Phones: []string{"+919812345601"}}, Response: privacy.Request{},
			Handle: func(c *call) error {
				var b dsrBody
				if err := c.decode(&b); err != nil {
					return err
				}
				r, err := a.privacy.requests.Open(c.r.Context(), newRequestID(), b.Type, privacy.Identifiers{WorkspaceID: c.ws,
					SubjectIDs: b.SubjectIDs, Phones: b.Phones, Emails: b.Emails, ChannelIDs: b.ChannelIDs}, "api")
				if err != nil {
					return privacyErr(err)
				}
				return c.json(http.StatusCreated, r)
			}},
		{Method: "GET", Path: "/workspaces/{ws}/privacy/requests", Tag: "privacy", Summary: "Open data-subject requests, oldest first", Auth: authWorkspace, Action: view, Response: []privacy.Request{},
			Handle: func(c *call) error {
				rs, err := a.privacy.store.OpenRequests(c.r.Context(), c.ws)
				if err != nil {
					return err
				}
				return c.json(http.StatusOK, nonNil(rs))
			}},
		{Method: "GET", Path: "/workspaces/{ws}/privacy/requests/{id}", Tag: "privacy", Summary: "A request with its receipts and deadline", Auth: authWorkspace, Action: view, Response: privacy.Request{},
			Handle: func(c *call) error {
				r, err := a.privacy.store.GetRequest(c.r.Context(), c.ws, c.r.PathValue("id"))
				if err != nil {
					return privacyErr(err)
				}
				return c.json(http.StatusOK, r)
			}},
		{Method: "POST", Path: "/workspaces/{ws}/privacy/requests/{id}/verify", Tag: "privacy", Summary: "Verify the requester: with the code they received, or as an operator (how)", Auth: authWorkspace, Action: manage, Body: map[string]string{"code": "", "how": "checked ID in person"},
			Handle: func(c *call) error {
				var b struct {
					Code string `json:"code"`
					How  string `json:"how"`
				}
				if err := c.decode(&b); err != nil {
					return err
				}
				var err error
				switch {
				case b.Code != "":
					err = a.privacy.requests.Verify(c.r.Context(), c.ws, c.r.PathValue("id"), b.Code)
				case b.How != "":
					err = a.privacy.requests.MarkVerified(c.r.Context(), c.ws, c.r.PathValue("id"), b.How)
				default:
					return fieldErr("code", "code or how is required")
				}
				if err != nil {
					return privacyErr(err)
				}
				return noContent(c)
			}},
		{Method: "POST", Path: "/workspaces/{ws}/privacy/requests/{id}/code", Tag: "privacy", Summary: "Issue a verification code to send to the requester", Auth: authWorkspace, Action: manage, Response: map[string]string{"code": ""},
			Handle: func(c *call) error {
				code, err := a.privacy.requests.IssueCode(c.r.Context(), c.ws, c.r.PathValue("id"))
				if err != nil {
					return privacyErr(err)
				}
				return c.json(http.StatusOK, map[string]string{"code": code})
			}},
		{Method: "POST", Path: "/workspaces/{ws}/privacy/requests/{id}/process", Tag: "privacy", Summary: "Run a verified request over every sink (receipts, erasure certificate)", Auth: authWorkspace, Action: manage, Response: privacy.Request{},
			Handle: func(c *call) error {
				r, err := a.privacy.requests.Process(c.r.Context(), c.ws, c.r.PathValue("id"))
				if err != nil {
					return privacyErr(err)
				}
				return c.json(http.StatusOK, r)
			}},
		{Method: "GET", Path: "/workspaces/{ws}/privacy/requests/{id}/export", Tag: "privacy", Summary: "Download an access request's export (?format=json|csv)", Auth: authWorkspace, Action: workspace.ActionContactsExport,
			Handle: func(c *call) error {
				r, err := a.privacy.store.GetRequest(c.r.Context(), c.ws, c.r.PathValue("id"))
				if err != nil {
					return privacyErr(err)
				}
				if r.State != privacy.StateCompleted {
					return apiErr(http.StatusConflict, "not_ready", "the request is not completed")
				}
				if c.r.URL.Query().Get("format") == "csv" {
					c.w.Header().Set("Content-Type", "text/csv; charset=utf-8")
					c.w.Header().Set("Content-Disposition", `attachment; filename="`+r.ID+`.csv"`)
					return privacy.WriteCSV(c.w, r.Export)
				}
				c.w.Header().Set("Content-Type", "application/json; charset=utf-8")
				c.w.Header().Set("Content-Disposition", `attachment; filename="`+r.ID+`.json"`)
				return privacy.NewExportDocument(r, a.now()).WriteJSON(c.w)
			}},
		{Method: "POST", Path: "/workspaces/{ws}/privacy/holds", Tag: "privacy", Summary: "Place a legal hold (nothing in scope is destroyed while it lasts)", Auth: authWorkspace, Action: manage, Body: map[string]any{"subject": "", "category": "", "reason": "litigation"}, Response: privacy.Hold{},
			Handle: func(c *call) error {
				var b struct {
					Subject  string           `json:"subject"`
					Category privacy.Category `json:"category"`
					From     time.Time        `json:"from"`
					To       time.Time        `json:"to"`
					Reason   string           `json:"reason"`
				}
				if err := c.decode(&b); err != nil {
					return err
				}
				h, err := a.privacy.holds.Place(c.r.Context(), privacy.Hold{ID: newID("hold_"), WorkspaceID: c.ws, Subject: b.Subject, Category: b.Category, From: b.From, To: b.To, Reason: b.Reason, CreatedBy: c.userID()})
				if err != nil {
					return privacyErr(err)
				}
				return c.json(http.StatusCreated, h)
			}},
		{Method: "DELETE", Path: "/workspaces/{ws}/privacy/holds/{id}", Tag: "privacy", Summary: "Release a legal hold", Auth: authWorkspace, Action: manage,
			Handle: func(c *call) error {
				if err := a.privacy.holds.Release(c.r.Context(), c.ws, c.r.PathValue("id"), c.userID()); err != nil {
					return privacyErr(err)
				}
				return noContent(c)
			}},
		{Method: "POST", Path: "/workspaces/{ws}/privacy/consents", Tag: "privacy", Summary: "Record a consent grant or withdrawal (evidence)", Auth: authWorkspace, Action: workspace.ActionContactsEdit, Body: map[string]any{"subject": "", "purpose": "marketing", "granted": true, "source": "whatsapp opt-in", "evidence": ""},
			Handle: func(c *call) error {
				var b struct {
					Subject  string          `json:"subject"`
					Purpose  privacy.Purpose `json:"purpose"`
					Granted  bool            `json:"granted"`
					Source   string          `json:"source"`
					Evidence string          `json:"evidence"`
					ByParent bool            `json:"by_parent"`
				}
				if err := c.decode(&b); err != nil {
					return err
				}
				rec := privacy.ConsentRecord{WorkspaceID: c.ws, Subject: b.Subject, Purpose: b.Purpose, Granted: b.Granted, Source: b.Source, Evidence: b.Evidence, ByParent: b.ByParent, At: a.now()}
				if err := privacy.ValidateConsent(rec); err != nil {
					return privacyErr(err)
				}
				if err := a.privacy.store.AddConsent(c.r.Context(), rec); err != nil {
					return err
				}
				return c.json(http.StatusCreated, rec)
			}},
		{Method: "POST", Path: "/workspaces/{ws}/privacy/grievances", Tag: "privacy", Summary: "File a grievance (acknowledge in 7 business days, resolve in 30 days)", Auth: authWorkspace, Action: manage, Body: map[string]string{"subject": "", "channel": "email", "reference": "TICKET-1"}, Response: privacy.Grievance{},
			Handle: func(c *call) error {
				var b struct {
					Subject   string `json:"subject"`
					Channel   string `json:"channel"`
					Reference string `json:"reference"`
				}
				if err := c.decode(&b); err != nil {
					return err
				}
				g, err := a.privacy.cases.FileGrievance(c.r.Context(), privacy.Grievance{ID: newID("grv_"), WorkspaceID: c.ws, Subject: b.Subject, Channel: b.Channel, Reference: b.Reference, ReceivedAt: a.now()})
				if err != nil {
					return privacyErr(err)
				}
				return c.json(http.StatusCreated, g)
			}},
		{Method: "POST", Path: "/workspaces/{ws}/privacy/incidents", Tag: "privacy", Summary: "Report a breach incident (starts the CERT-In, DPDP and GDPR clocks)", Auth: authWorkspace, Action: manage, Body: map[string]any{"title": "", "became_aware": time.Time{}}, Response: privacy.Incident{},
			Handle: func(c *call) error {
				var b struct {
					Title       string    `json:"title"`
					BecameAware time.Time `json:"became_aware"`
				}
				if err := c.decode(&b); err != nil {
					return err
				}
				if b.BecameAware.IsZero() {
					b.BecameAware = a.now()
				}
				i, err := a.privacy.cases.ReportIncident(c.r.Context(), privacy.Incident{ID: newID("inc_"), WorkspaceID: c.ws, Title: b.Title, BecameAware: b.BecameAware})
				if err != nil {
					return privacyErr(err)
				}
				return c.json(http.StatusCreated, i)
			}},
		{Method: "GET", Path: "/workspaces/{ws}/privacy/clocks", Tag: "privacy", Summary: "Every running privacy clock (requests, grievances, incidents)", Auth: authWorkspace, Action: view,
			Handle: func(c *call) error {
				ds, err := a.privacy.cases.Clocks(c.r.Context(), c.ws)
				if err != nil {
					return err
				}
				return c.json(http.StatusOK, nonNil(ds))
			}},
		{Method: "GET", Path: "/workspaces/{ws}/audit", Tag: "privacy", Summary: "The workspace's hash-chained audit trail (?cursor, limit)", Auth: authWorkspace, Action: view, Response: Page[privacy.AuditEntry]{},
			Handle: func(c *call) error {
				n, err := c.limit()
				if err != nil {
					return err
				}
				var after uint64
				if s := c.r.URL.Query().Get("cursor"); s != "" {
					if _, err := fmtSscan(s, &after); err != nil {
						return fieldErr("cursor", "invalid cursor")
					}
				}
				es, err := a.privacy.store.ListAudit(c.r.Context(), c.ws, after, n)
				if err != nil {
					return err
				}
				next := ""
				if len(es) == n {
					next = uitoa(es[len(es)-1].Seq)
				}
				return c.json(http.StatusOK, page(es, next))
			}},
	}
}

// privacyErr maps the privacy package's errors to API errors.
func privacyErr(err error) error {
	switch {
	case errors.Is(err, privacy.ErrNotFound):
		return apiErr(http.StatusNotFound, "not_found", "not found")
	case errors.Is(err, privacy.ErrBadState):
		return apiErr(http.StatusConflict, "bad_state", err.Error())
	case errors.Is(err, privacy.ErrCodeInvalid), errors.Is(err, privacy.ErrCodeExpired):
		return &APIError{Code: "invalid_code", Message: err.Error(), Field: "code", status: http.StatusBadRequest}
	case errors.Is(err, privacy.ErrTooManyTries):
		return apiErr(http.StatusTooManyRequests, "too_many_tries", err.Error())
	case errors.Is(err, privacy.ErrNoIdentifiers):
		return fieldErr("phones", "at least one identifier is required")
	case errors.Is(err, privacy.ErrUnknownRequest):
		return fieldErr("type", "unknown request type")
	case errors.Is(err, privacy.ErrHeld):
		return apiErr(http.StatusConflict, "held", "a legal hold is in effect")
	case errors.Is(err, privacy.ErrConflict):
		return apiErr(http.StatusConflict, "conflict", "changed concurrently; retry")
	}
	// The privacy package's input checks are plain errors ("privacy: hold
	// reason is required"); they name fields, never personal data.
	if msg := err.Error(); strings.HasPrefix(msg, "privacy: ") && (strings.Contains(msg, "required") || strings.Contains(msg, "invalid")) {
		return apiErr(http.StatusBadRequest, "invalid", msg)
	}
	return err
}

func fmtSscan(s string, v *uint64) (int, error) {
	n, err := strconv.ParseUint(s, 10, 64)
	*v = n
	return 1, err
}

func uitoa(n uint64) string { return strconv.FormatUint(n, 10) }

package privacy

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/botsync/botsync/meta"
)

// RequestRef names one request of one workspace.
type RequestRef struct {
	WorkspaceID string
	RequestID   string
}

// DeletionStore maps a Meta data-deletion confirmation code (by its SHA-256
// hash; the code itself is never stored) to the erasure requests it opened,
// one per workspace that knew the person. It is the one lookup that is not
// scoped by workspace: Meta's callback is per app, and an app may serve many
// workspaces. Safe for concurrent use.
type DeletionStore interface {
	PutDeletion(ctx context.Context, codeHash string, refs []RequestRef, at time.Time) error
	// Deletion returns the requests of a code hash, or ErrNotFound.
	Deletion(ctx context.Context, codeHash string) ([]RequestRef, error)
}

// MetaDeletion turns Meta's data-deletion callback into erasure requests and
// serves their status by confirmation code.
//
//	md := &privacy.MetaDeletion{Requests: reqs, Store: st, StatusURL: "https://example.com/privacy/deletion",
//		Resolve: func(ctx context.Context, sr *meta.SignedRequest) ([]privacy.Identifiers, error) { … }}
//	mux.Handle("POST /meta/data-deletion", meta.DataDeletionHandler(appSecret, md.Callback))
//	mux.Handle("GET /privacy/deletion", md.StatusHandler())
type MetaDeletion struct {
	Requests *Requests
	Store    DeletionStore
	// Resolve finds, for the app-scoped user id of the signed request, the
	// person's identifiers in every workspace that knows them. When it
	// returns none, the request opens in FallbackWorkspace with the user id
	// as the only identifier (so the person still gets a code and a
	// completed status).
	Resolve           func(ctx context.Context, sr *meta.SignedRequest) ([]Identifiers, error)
	FallbackWorkspace string
	// StatusURL is the public address of [MetaDeletion.StatusHandler]; the
	// code is added as the "code" query parameter.
	StatusURL string
	// Enqueue hands a verified request to background processing. When nil,
	// Callback processes it before answering; a sink failure then leaves
	// the request failed (to be retried with Requests.Process) and the
	// callback still answers, since the request is recorded.
	Enqueue func(ctx context.Context, ref RequestRef) error
	// Logger receives failures (request ids only); nil discards.
	Logger *slog.Logger
}

// Errors of the Meta data-deletion flow.
var (
	ErrNoWorkspace = errors.New("privacy: meta data deletion: no workspace for the person and no fallback workspace")
	ErrBadCode     = errors.New("privacy: unknown confirmation code")
)

var codeEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// newDeletionCode returns a 160-bit random confirmation code (32 base32
// characters).
func newDeletionCode() (string, error) {
	var b [20]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return codeEncoding.EncodeToString(b[:]), nil
}

// DeletionCodeHash is how a confirmation code is stored and looked up.
func DeletionCodeHash(code string) string {
	s := sha256.Sum256([]byte("botsync-meta-deletion\x00" + strings.ToUpper(strings.TrimSpace(code))))
	return hex.EncodeToString(s[:])
}

func randomID(prefix string) (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return prefix + hex.EncodeToString(b[:]), nil
}

// Callback is a meta.DataDeletionFunc: it opens an erasure request in every
// workspace that knows the person, marks each verified by Meta's signature
// ("meta_signed_request"), records the confirmation code, and returns the
// status URL and code. Holds are respected when the requests are processed.
func (m *MetaDeletion) Callback(ctx context.Context, sr *meta.SignedRequest) (meta.DeletionStatus, error) {
	if sr == nil || sr.UserID == "" {
		return meta.DeletionStatus{}, errors.New("privacy: meta data deletion: signed request has no user_id")
	}
	var idss []Identifiers
	if m.Resolve != nil {
		var err error
		if idss, err = m.Resolve(ctx, sr); err != nil {
			return meta.DeletionStatus{}, fmt.Errorf("privacy: meta data deletion: resolve: %w", err)
		}
	}
	if len(idss) == 0 {
		if m.FallbackWorkspace == "" {
			return meta.DeletionStatus{}, ErrNoWorkspace
		}
		idss = []Identifiers{{WorkspaceID: m.FallbackWorkspace, ChannelIDs: []string{sr.UserID}}}
	}
	code, err := newDeletionCode()
	if err != nil {
		return meta.DeletionStatus{}, err
	}
	refs := make([]RequestRef, 0, len(idss))
	for _, ids := range idss {
		id, err := randomID("meta-")
		if err != nil {
			return meta.DeletionStatus{}, err
		}
		if _, err := m.Requests.Open(ctx, id, RequestErasure, ids, "meta_data_deletion"); err != nil {
			return meta.DeletionStatus{}, err
		}
		if err := m.Requests.MarkVerified(ctx, ids.WorkspaceID, id, "meta_signed_request"); err != nil {
			return meta.DeletionStatus{}, err
		}
		refs = append(refs, RequestRef{WorkspaceID: ids.WorkspaceID, RequestID: id})
	}
	if err := m.Store.PutDeletion(ctx, DeletionCodeHash(code), refs, m.Requests.now()); err != nil {
		return meta.DeletionStatus{}, fmt.Errorf("privacy: meta data deletion: %w", err)
	}
	for _, ref := range refs {
		if m.Enqueue != nil {
			if err := m.Enqueue(ctx, ref); err != nil {
				return meta.DeletionStatus{}, fmt.Errorf("privacy: meta data deletion: enqueue: %w", err)
			}
			continue
		}
		if _, err := m.Requests.Process(ctx, ref.WorkspaceID, ref.RequestID); err != nil {
			m.logger().Warn("privacy: meta data deletion: processing failed; retry with Requests.Process",
				"request_id", ref.RequestID, "err_type", fmt.Sprintf("%T", err))
		}
	}
	return meta.DeletionStatus{URL: m.statusURL(code), ConfirmationCode: code}, nil
}

func (m *MetaDeletion) logger() *slog.Logger {
	if m.Logger != nil {
		return m.Logger
	}
	return slog.New(slog.DiscardHandler)
}

func (m *MetaDeletion) statusURL(code string) string {
	sep := "?"
	if strings.Contains(m.StatusURL, "?") {
		sep = "&"
	}
	return m.StatusURL + sep + "code=" + code
}

// DeletionView is the public status of a data-deletion confirmation code. It
// carries no personal data: no identifiers, no workspace, no record counts.
type DeletionView struct {
	ConfirmationCode string    `json:"confirmation_code"`
	Status           string    `json:"status"` // "received", "in_progress", "completed"
	Description      string    `json:"description"`
	RequestedAt      time.Time `json:"requested_at"`
	UpdatedAt        time.Time `json:"updated_at"`
	// CompletedAt is set once every request finished.
	CompletedAt *time.Time `json:"completed_at,omitempty"`
	// Certificates are the erasure certificates (hashes) of the finished
	// requests, so the person can cite them.
	Certificates []string `json:"certificates,omitempty"`
}

var statusText = map[string]string{
	"received":    "We have received your request to delete your data.",
	"in_progress": "We are deleting your data.",
	"completed":   "Your data has been deleted. Records we must keep by law, if any, are kept only as long as the law requires.",
}

// Status returns the view of a confirmation code, or an error wrapping
// ErrBadCode.
func (m *MetaDeletion) Status(ctx context.Context, code string) (DeletionView, error) {
	code = strings.ToUpper(strings.TrimSpace(code))
	if len(code) != 32 {
		return DeletionView{}, ErrBadCode
	}
	if _, err := codeEncoding.DecodeString(code); err != nil {
		return DeletionView{}, ErrBadCode
	}
	refs, err := m.Store.Deletion(ctx, DeletionCodeHash(code))
	if errors.Is(err, ErrNotFound) {
		return DeletionView{}, ErrBadCode
	}
	if err != nil {
		return DeletionView{}, fmt.Errorf("privacy: deletion status: %w", err)
	}
	v := DeletionView{ConfirmationCode: code, Status: "completed"}
	started := false
	for _, ref := range refs {
		r, err := m.Requests.Store.GetRequest(ctx, ref.WorkspaceID, ref.RequestID)
		if err != nil {
			return DeletionView{}, fmt.Errorf("privacy: deletion status: %w", err)
		}
		if v.RequestedAt.IsZero() || r.CreatedAt.Before(v.RequestedAt) {
			v.RequestedAt = r.CreatedAt
		}
		if r.UpdatedAt.After(v.UpdatedAt) {
			v.UpdatedAt = r.UpdatedAt
		}
		switch r.State {
		case StateCompleted:
			started = true
			if r.Certificate != "" {
				v.Certificates = append(v.Certificates, r.Certificate)
			}
		case StateProcessing, StateFailed:
			started = true
			v.Status = "in_progress"
		default:
			if v.Status == "completed" {
				v.Status = "received"
			}
		}
	}
	if v.Status == "received" && started {
		v.Status = "in_progress"
	}
	if v.Status == "completed" {
		t := v.UpdatedAt
		v.CompletedAt = &t
	} else {
		v.Certificates = nil
	}
	v.Description = statusText[v.Status]
	return v, nil
}

var statusPage = template.Must(template.New("status").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Data deletion request</title>
<style>body{font-family:system-ui,sans-serif;max-width:40em;margin:3em auto;padding:0 1em;color:#222}code{font-size:1.1em}dt{font-weight:600;margin-top:.8em}</style>
</head>
<body>
<h1>Data deletion request</h1>
<p>{{.Description}}</p>
<dl>
<dt>Confirmation code</dt><dd><code>{{.ConfirmationCode}}</code></dd>
<dt>Status</dt><dd>{{.Label}}</dd>
<dt>Requested</dt><dd>{{.RequestedAt.UTC.Format "2 January 2006, 15:04 MST"}}</dd>
{{if .CompletedAt}}<dt>Completed</dt><dd>{{.CompletedAt.UTC.Format "2 January 2006, 15:04 MST"}}</dd>{{end}}
{{range .Certificates}}<dt>Erasure certificate</dt><dd><code>{{.}}</code></dd>{{end}}
</dl>
</body>
</html>
`))

var statusLabel = map[string]string{"received": "Received", "in_progress": "In progress", "completed": "Completed"}

// StatusHandler serves the status of a confirmation code (the "code" query
// parameter) as an HTML page, or as JSON when the Accept header asks for
// application/json or the query has format=json. An unknown or malformed
// code gets 404; the answer never contains personal data and is not cached.
func (m *MetaDeletion) StatusHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		h := w.Header()
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
		h.Set("Vary", "Accept")
		asJSON := r.URL.Query().Get("format") == "json" || strings.Contains(r.Header.Get("Accept"), "application/json")
		v, err := m.Status(r.Context(), r.URL.Query().Get("code"))
		if err != nil {
			status, msg := http.StatusNotFound, "unknown confirmation code"
			if !errors.Is(err, ErrBadCode) {
				m.logger().Error("privacy: deletion status failed", "err_type", fmt.Sprintf("%T", err))
				status, msg = http.StatusInternalServerError, "status unavailable, try again later"
			}
			if asJSON {
				h.Set("Content-Type", "application/json")
				w.WriteHeader(status)
				_ = json.NewEncoder(w).Encode(map[string]string{"error": msg})
				return
			}
			http.Error(w, msg, status)
			return
		}
		if asJSON {
			h.Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(v)
			return
		}
		h.Set("Content-Type", "text/html; charset=utf-8")
		_ = statusPage.Execute(w, struct {
			DeletionView
			Label string
		}{v, statusLabel[v.Status]})
	})
}

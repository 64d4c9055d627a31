package privacy

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"time"
)

// RequestType is what a data subject asks for.
type RequestType string

// Data-subject request types (GDPR Arts. 15–21, DPDP Act ss. 11–14).
const (
	RequestAccess            RequestType = "access"
	RequestCorrection        RequestType = "correction"
	RequestErasure           RequestType = "erasure"
	RequestRestriction       RequestType = "restriction"
	RequestObjection         RequestType = "objection"
	RequestConsentWithdrawal RequestType = "consent_withdrawal"
	RequestNomination        RequestType = "nomination"
)

// RequestState is where a request is in its lifecycle:
// received → verifying → verified → processing → completed, or rejected
// (failed verification) and failed (a sink failed; Process may be retried).
type RequestState string

// Request states.
const (
	StateReceived   RequestState = "received"
	StateVerifying  RequestState = "verifying"
	StateVerified   RequestState = "verified"
	StateProcessing RequestState = "processing"
	StateCompleted  RequestState = "completed"
	StateRejected   RequestState = "rejected"
	StateFailed     RequestState = "failed"
)

// Request is a data-subject request.
type Request struct {
	ID          string       `json:"id"`
	Type        RequestType  `json:"type"`
	State       RequestState `json:"state"`
	Identifiers Identifiers  `json:"identifiers"`
	// Source is where it came from: "api", "meta_data_deletion", "email".
	Source    string    `json:"source"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// Verification state; the code itself is never stored.
	CodeHash      string    `json:"-"`
	CodeExpiresAt time.Time `json:"-"`
	Attempts      int       `json:"-"`
	// Receipts per sink and category, appended as sinks finish.
	Receipts []Receipt `json:"receipts"`
	// Export is the access result (every sink's records).
	Export []ExportRecord `json:"export,omitempty"`
	// Certificate is the erasure certificate's hash, chained into the audit
	// trail.
	Certificate string `json:"certificate,omitempty"`
	Error       string `json:"error,omitempty"`
	// Deadline is the response clock: started at Open, paused while the
	// person's verification is awaited, met when the request completes or
	// is rejected.
	Deadline Deadline `json:"deadline"`
	// Version counts the stored changes; a store refuses a write based on
	// a stale read (optimistic concurrency).
	Version uint64 `json:"version"`
}

// RequestStore persists requests; safe for concurrent use.
type RequestStore interface {
	// PutRequest stores r only if the stored request's Version equals
	// r.Version (0: no such request yet), and then stores it with Version
	// r.Version+1; otherwise it returns ErrConflict.
	PutRequest(ctx context.Context, r Request) error
	GetRequest(ctx context.Context, workspaceID, id string) (Request, error)
	// OpenRequests returns the workspace's requests that are neither
	// completed nor rejected, oldest first.
	OpenRequests(ctx context.Context, workspaceID string) ([]Request, error)
}

// Errors of the request lifecycle.
var (
	ErrBadState       = errors.New("privacy: request is not in a state that allows this")
	ErrCodeInvalid    = errors.New("privacy: verification code invalid")
	ErrCodeExpired    = errors.New("privacy: verification code expired")
	ErrTooManyTries   = errors.New("privacy: too many verification attempts")
	ErrNoIdentifiers  = errors.New("privacy: request needs at least one identifier")
	ErrUnknownRequest = errors.New("privacy: unknown request type")
)

// Requests runs data-subject requests over the registered sinks. It is safe
// for concurrent use, across processes too when they share a store: every
// write is conditional on the version read (ErrConflict otherwise).
type Requests struct {
	Store RequestStore
	Sinks []Sink
	Holds *Holds
	Audit *AuditLog
	// Strategies picks the erasure strategy per category (default delete);
	// SinkStrategies, keyed by sink name, overrides it for one sink (the
	// vault crypto-shreds what the CRM deletes).
	Strategies     map[Category]Strategy
	SinkStrategies map[string]Strategy
	// Lease is how long a request being processed is left to the process
	// working on it before another may take over (default 10 minutes).
	Lease time.Duration
	// CodeTTL is how long a verification code lives (default 15 minutes);
	// MaxAttempts how many wrong codes reject the request (default 5).
	CodeTTL     time.Duration
	MaxAttempts int
	Now         func() time.Time
	// Rule is the response deadline of new requests (default
	// RequestResponseDPDP; RequestResponseGDPR allows an extension).
	Rule Rule
	// Policy, when set, keeps what the law obliges the platform to keep:
	// erasure and consent withdrawal skip a category with a legal floor
	// (a "retained" receipt citing the clause), since another basis
	// (GDPR Art. 17(3)(b), DPDP Act s. 8(7)) remains.
	Policy *Compiled
	// Consents, when set, records the withdrawal of every purpose the
	// subject consented to when a consent-withdrawal request is processed,
	// before anything is erased.
	Consents ConsentStore
	// Expand, when set, completes a new request's identifiers before they
	// are saved (the CRM's lead ids and every identity of those leads, see
	// crmsink.Sink.Expand), so that sinks keyed by any identifier find the
	// subject even after another sink erased the lead.
	Expand func(ctx context.Context, id Identifiers) (Identifiers, error)
}

func (q *Requests) now() time.Time {
	if q.Now != nil {
		return q.Now()
	}
	return time.Now()
}

var validTypes = map[RequestType]bool{
	RequestAccess: true, RequestCorrection: true, RequestErasure: true, RequestRestriction: true,
	RequestObjection: true, RequestConsentWithdrawal: true, RequestNomination: true,
}

// Open records a new request, identifiers first, and audits it.
func (q *Requests) Open(ctx context.Context, id string, typ RequestType, ids Identifiers, source string) (Request, error) {
	switch {
	case id == "":
		return Request{}, errors.New("privacy: request id is required")
	case !validTypes[typ]:
		return Request{}, fmt.Errorf("%w: %q", ErrUnknownRequest, typ)
	case ids.WorkspaceID == "":
		return Request{}, errors.New("privacy: request workspace is required")
	case ids.Empty():
		return Request{}, ErrNoIdentifiers
	}
	if q.Expand != nil {
		more, err := q.Expand(ctx, ids)
		if err != nil {
			return Request{}, fmt.Errorf("privacy: open request: expand identifiers: %w", err)
		}
		more.WorkspaceID = ids.WorkspaceID
		ids = more
	}
	now := q.now()
	rule := q.Rule
	if rule.Name == "" {
		rule = RequestResponseDPDP
	}
	r := Request{ID: id, Type: typ, State: StateReceived, Identifiers: ids, Source: source, CreatedAt: now, UpdatedAt: now,
		Deadline: Start(rule, "request:"+id, now)}
	if err := q.put(ctx, &r); err != nil {
		return Request{}, fmt.Errorf("privacy: open request: %w", err)
	}
	return r, q.audit(ctx, r, "request.opened")
}

// IssueCode starts verification: it returns a fresh 6-digit code to send to
// the subject (by the channel they wrote from) and stores only its hash.
func (q *Requests) IssueCode(ctx context.Context, workspaceID, id string) (string, error) {
	r, err := q.Store.GetRequest(ctx, workspaceID, id)
	if err != nil {
		return "", fmt.Errorf("privacy: issue code: %w", err)
	}
	if r.State != StateReceived && r.State != StateVerifying {
		return "", ErrBadState
	}
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", err
	}
	code := fmt.Sprintf("%06d", n.Int64())
	ttl := q.CodeTTL
	if ttl == 0 {
		ttl = 15 * time.Minute
	}
	r.State, r.CodeHash, r.CodeExpiresAt, r.Attempts, r.UpdatedAt = StateVerifying, codeHash(r.ID, code), q.now().Add(ttl), 0, q.now()
	pauseClock(&r.Deadline, q.now())
	if err := q.put(ctx, &r); err != nil {
		return "", fmt.Errorf("privacy: issue code: %w", err)
	}
	return code, nil
}

func codeHash(id, code string) string {
	s := sha256.Sum256([]byte("botsync-dsr-code\x00" + id + "\x00" + code))
	return hex.EncodeToString(s[:])
}

// Verify checks the code in constant time. Too many wrong codes reject the
// request; an expired code must be reissued.
func (q *Requests) Verify(ctx context.Context, workspaceID, id, code string) error {
	r, err := q.Store.GetRequest(ctx, workspaceID, id)
	if err != nil {
		return fmt.Errorf("privacy: verify: %w", err)
	}
	if r.State != StateVerifying {
		return ErrBadState
	}
	max := q.MaxAttempts
	if max == 0 {
		max = 5
	}
	if q.now().After(r.CodeExpiresAt) {
		return ErrCodeExpired
	}
	if subtle.ConstantTimeCompare([]byte(codeHash(r.ID, code)), []byte(r.CodeHash)) != 1 {
		r.Attempts++
		if r.Attempts >= max {
			r.State = StateRejected
			resumeClock(&r.Deadline, q.now())
			r.Deadline.MarkMet(q.now())
		}
		r.UpdatedAt = q.now()
		if err := q.put(ctx, &r); err != nil {
			return fmt.Errorf("privacy: verify: %w", err)
		}
		if r.State == StateRejected {
			_ = q.audit(ctx, r, "request.rejected")
			return ErrTooManyTries
		}
		return ErrCodeInvalid
	}
	r.State, r.CodeHash, r.UpdatedAt = StateVerified, "", q.now()
	resumeClock(&r.Deadline, q.now())
	if err := q.put(ctx, &r); err != nil {
		return fmt.Errorf("privacy: verify: %w", err)
	}
	return q.audit(ctx, r, "request.verified")
}

// MarkVerified verifies a request by other means (Meta's signed data-deletion
// callback proves who asked).
func (q *Requests) MarkVerified(ctx context.Context, workspaceID, id, how string) error {
	r, err := q.Store.GetRequest(ctx, workspaceID, id)
	if err != nil {
		return fmt.Errorf("privacy: mark verified: %w", err)
	}
	if r.State != StateReceived && r.State != StateVerifying {
		return ErrBadState
	}
	r.State, r.UpdatedAt = StateVerified, q.now()
	resumeClock(&r.Deadline, q.now())
	if err := q.put(ctx, &r); err != nil {
		return err
	}
	return q.audit(ctx, r, "request.verified:"+how)
}

// Process fans a verified request out to every sink. Sinks that already
// left a receipt are skipped, so Process can be retried after a failure;
// categories under a legal hold are skipped with a "held" receipt. Access
// collects every sink's export; erasure and consent withdrawal erase with
// the category's strategy and end with a certificate chained into the audit
// trail; restriction and objection are recorded per sink. Categories with a
// legal floor in Policy are kept ("retained" receipt). A request being
// processed is leased to its worker for Lease: another call meanwhile, or
// one racing it, gets ErrConflict; a crashed worker's request is taken over
// once the lease has run out.
func (q *Requests) Process(ctx context.Context, workspaceID, id string) (Request, error) {
	r, err := q.Store.GetRequest(ctx, workspaceID, id)
	if err != nil {
		return Request{}, fmt.Errorf("privacy: process: %w", err)
	}
	if r.State != StateVerified && r.State != StateProcessing && r.State != StateFailed {
		return r, ErrBadState
	}
	lease := q.Lease
	if lease <= 0 {
		lease = 10 * time.Minute
	}
	if r.State == StateProcessing && q.now().Sub(r.UpdatedAt) < lease {
		return r, fmt.Errorf("privacy: process: %w: the request is being processed", ErrConflict)
	}
	// Claim the request: a concurrent Process that read the same version
	// fails here with ErrConflict.
	r.State, r.Error, r.UpdatedAt = StateProcessing, "", q.now()
	if err := q.put(ctx, &r); err != nil {
		return r, fmt.Errorf("privacy: process: %w", err)
	}
	done := map[string]bool{}
	for _, rc := range r.Receipts {
		done[rc.Sink+"\x00"+string(rc.Category)] = true
	}
	fail := func(err error) (Request, error) {
		r.State, r.Error, r.UpdatedAt = StateFailed, err.Error(), q.now()
		_ = q.put(ctx, &r)
		return r, err
	}
	if r.Type == RequestConsentWithdrawal && q.Consents != nil {
		if err := q.withdrawConsents(ctx, r); err != nil {
			return fail(err)
		}
	}
	for _, sink := range q.Sinks {
		if r.Type == RequestAccess {
			if done[sink.Name()+"\x00"] {
				continue
			}
			recs, err := sink.Export(ctx, r.Identifiers)
			if err != nil {
				return fail(fmt.Errorf("privacy: export from %s: %w", sink.Name(), err))
			}
			r.Export = append(r.Export, recs...)
			r.Receipts = append(r.Receipts, Receipt{Sink: sink.Name(), Action: "export", Count: len(recs), At: q.now()})
			r.UpdatedAt = q.now()
			if err := q.put(ctx, &r); err != nil {
				return fail(err)
			}
			continue
		}
		for _, cat := range sink.Categories() {
			if done[sink.Name()+"\x00"+string(cat)] {
				continue
			}
			rc, err := q.act(ctx, r, sink, cat)
			if err != nil {
				return fail(err)
			}
			if rc.Action == "held" || rc.Action == "retained" {
				if err := q.audit(ctx, r, "request."+rc.Action+":"+sink.Name()+"/"+string(cat)); err != nil {
					return fail(err)
				}
			}
			r.Receipts = append(r.Receipts, rc)
			r.UpdatedAt = q.now()
			if err := q.put(ctx, &r); err != nil {
				return fail(err)
			}
		}
	}
	if r.Type == RequestErasure || r.Type == RequestConsentWithdrawal {
		r.Certificate = certificate(r)
	}
	r.State, r.UpdatedAt = StateCompleted, q.now()
	if r.Deadline.Met.IsZero() {
		r.Deadline.MarkMet(q.now())
	}
	if err := q.put(ctx, &r); err != nil {
		return r, err
	}
	action := "request.completed"
	if r.Certificate != "" {
		action = "request.erasure_certificate:" + r.Certificate
	}
	return r, q.audit(ctx, r, action)
}

func (q *Requests) act(ctx context.Context, r Request, sink Sink, cat Category) (Receipt, error) {
	switch r.Type {
	case RequestErasure, RequestConsentWithdrawal:
		if q.Holds == nil {
			return Receipt{}, errors.New("privacy: erasure needs Requests.Holds: legal holds must be checked before anything is erased")
		}
		if q.Policy != nil {
			if f, ok := q.Policy.Floors[cat]; ok && f.Min.Approx() > 0 {
				return Receipt{Sink: sink.Name(), Category: cat, Action: "retained", At: q.now(),
					Note: fmt.Sprintf("kept for %s under %s", f.Min, f.Clause)}, nil
			}
		}
		for _, subj := range append([]string{""}, r.Identifiers.SubjectIDs...) {
			err := q.Holds.Check(ctx, Scope{WorkspaceID: r.Identifiers.WorkspaceID, Subject: subj, Category: cat})
			switch {
			case errors.Is(err, ErrHoldsUnavailable):
				// Fail closed and retryable: nothing is erased, no receipt.
				return Receipt{}, fmt.Errorf("privacy: erase %s/%s: %w", sink.Name(), cat, err)
			case errors.Is(err, ErrHeld):
				return Receipt{Sink: sink.Name(), Category: cat, Action: "held", At: q.now(), Note: err.Error()}, nil
			}
		}
		strategy := q.Strategies[cat]
		if st, ok := q.SinkStrategies[sink.Name()]; ok {
			strategy = st
		}
		if strategy == "" {
			strategy = StrategyDelete
		}
		rc, err := sink.Erase(ctx, r.Identifiers, cat, strategy)
		if err != nil {
			return Receipt{}, fmt.Errorf("privacy: erase %s/%s: %w", sink.Name(), cat, err)
		}
		rc.Sink, rc.Category, rc.Action, rc.Strategy = sink.Name(), cat, "erase", strategy
		if rc.At.IsZero() {
			rc.At = q.now()
		}
		return rc, nil
	default:
		// Correction, restriction, objection and nomination are recorded per
		// sink; the data changes through the owning package's own API.
		return Receipt{Sink: sink.Name(), Category: cat, Action: string(r.Type), At: q.now()}, nil
	}
}

// certificate hashes the request id, identifiers and receipts: the erasure
// certificate that the audit trail chains.
func certificate(r Request) string {
	b, err := json.Marshal(struct {
		ID          string
		Identifiers Identifiers
		Receipts    []Receipt
	}{r.ID, r.Identifiers, r.Receipts})
	if err != nil {
		// Only a receipt time outside years 0-9999 fails; such a request
		// has no certificate.
		return ""
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// CertificateOf computes the erasure certificate of r from its id,
// identifiers and receipts (what [Requests.Process] stores in
// Request.Certificate).
func CertificateOf(r Request) string { return certificate(r) }

// VerifyCertificate recomputes a completed request's certificate.
func VerifyCertificate(r Request) bool {
	want := certificate(r)
	return r.Certificate != "" && want != "" && subtle.ConstantTimeCompare([]byte(want), []byte(r.Certificate)) == 1
}

func (q *Requests) audit(ctx context.Context, r Request, action string) error {
	if q.Audit == nil {
		return nil
	}
	_, err := q.Audit.Record(ctx, AuditEntry{WorkspaceID: r.Identifiers.WorkspaceID, Actor: "privacy:" + r.Source, Action: action, Target: "request:" + r.ID})
	return err
}

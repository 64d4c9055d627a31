package privacy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// AuditSink is the [Sink] of the audit trail itself (category
// CategoryAudit), so that the sweeper enforces the audit trail's own
// retention and access requests include the entries about the subject.
//
// Export returns the entries whose actor is one of the subject's ids or
// whose target names one ("lead:<id>"). Erase changes nothing and reports
// 0: an audit trail is kept for its retention period whatever the request
// (it is evidence the platform must keep: DPDP Rules 2025, r. 8(3); GDPR
// Art. 17(3)(b) and (e)); give Requests a Policy to record it as retained.
// Purge drops each workspace's oldest entries through [AuditLog.Prune]:
// a prefix of the chain, never its head, stopping at the first held entry.
type AuditSink struct {
	log        *AuditLog
	store      AuditStore
	workspaces func(ctx context.Context) ([]string, error)
	subjects   func(ctx context.Context, id Identifiers) ([]string, error)
}

// NewAuditSink returns the sink over log. workspaces lists every workspace
// (for Purge); subjects, optional, resolves phones and emails to subject
// ids (crmsink.Sink.Subjects).
func NewAuditSink(log *AuditLog, workspaces func(ctx context.Context) ([]string, error), subjects func(ctx context.Context, id Identifiers) ([]string, error)) *AuditSink {
	return &AuditSink{log: log, store: log.store, workspaces: workspaces, subjects: subjects}
}

// Name implements Sink.
func (s *AuditSink) Name() string { return "audit" }

// Categories implements Sink.
func (s *AuditSink) Categories() []Category { return []Category{CategoryAudit} }

type auditData struct {
	Seq          uint64 `json:"seq"`
	Actor        string `json:"actor"`
	Impersonator string `json:"impersonator,omitempty"`
	Action       string `json:"action"`
	Target       string `json:"target,omitempty"`
}

// Export implements Sink.
func (s *AuditSink) Export(ctx context.Context, id Identifiers) ([]ExportRecord, error) {
	subjects := slices.Clone(id.SubjectIDs)
	if s.subjects != nil {
		more, err := s.subjects(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("privacy: audit export: %w", err)
		}
		subjects = append(subjects, more...)
	}
	if len(subjects) == 0 {
		return nil, nil
	}
	about := func(e AuditEntry) bool {
		for _, subj := range subjects {
			if e.Actor == subj || e.Target == subj || strings.HasSuffix(e.Target, ":"+subj) {
				return true
			}
		}
		return false
	}
	var out []ExportRecord
	after := uint64(0)
	if cp, err := s.log.checkpoint(ctx, id.WorkspaceID); err != nil {
		return nil, err
	} else if cp != nil {
		after = cp.Seq
	}
	for {
		page, err := s.store.ListAudit(ctx, id.WorkspaceID, after, 1000)
		if err != nil {
			return nil, fmt.Errorf("privacy: audit export: %w", err)
		}
		if len(page) == 0 {
			return out, nil
		}
		for _, e := range page {
			if !about(e) {
				continue
			}
			b, err := json.Marshal(auditData{Seq: e.Seq, Actor: e.Actor, Impersonator: e.Impersonator, Action: e.Action, Target: e.Target})
			if err != nil {
				return nil, err
			}
			out = append(out, ExportRecord{Sink: s.Name(), Category: CategoryAudit, Kind: "audit_entry", ID: strconv.FormatUint(e.Seq, 10), Created: e.At, Data: b})
		}
		after = page[len(page)-1].Seq
	}
}

// Erase implements Sink: audit entries are kept (see [AuditSink]).
func (s *AuditSink) Erase(_ context.Context, _ Identifiers, category Category, strategy Strategy) (Receipt, error) {
	return Receipt{Sink: s.Name(), Category: category, Action: "erase", Strategy: strategy,
		Note: "audit entries are kept for the audit trail's retention period"}, nil
}

type auditCursor struct {
	WorkspaceID string `json:"w"`
}

// Purge implements Sink: one batch prunes one workspace by up to Limit
// entries; the cursor moves to the next workspace when one is done.
func (s *AuditSink) Purge(ctx context.Context, req PurgeRequest) (PurgeResult, error) {
	var res PurgeResult
	if req.Limit <= 0 {
		return res, errors.New("privacy: audit purge: limit must be positive")
	}
	if req.Category != CategoryAudit {
		res.Done = true
		return res, nil
	}
	wss := []string{req.WorkspaceID}
	if req.WorkspaceID == "" {
		if s.workspaces == nil {
			return res, errors.New("privacy: audit purge needs the list of workspaces")
		}
		var err error
		if wss, err = s.workspaces(ctx); err != nil {
			return res, fmt.Errorf("privacy: audit purge: workspaces: %w", err)
		}
		sort.Strings(wss)
	}
	var cur auditCursor
	if req.Cursor != "" {
		if err := json.Unmarshal([]byte(req.Cursor), &cur); err != nil {
			return res, fmt.Errorf("privacy: audit purge: bad cursor: %w", err)
		}
	}
	for i, ws := range wss {
		if ws < cur.WorkspaceID {
			continue
		}
		// Entries go as a prefix of the chain, so any hold of the workspace
		// and category covering an entry's time (whatever its subject)
		// stops the pruning there.
		n, err := s.log.Prune(ctx, ws, req.Cutoff, req.Limit, func(e AuditEntry) bool { return req.Held(ws, "", e.At) })
		if err != nil {
			return res, err
		}
		res.Deleted = n
		next := ws
		if n < req.Limit {
			if i+1 == len(wss) {
				res.Done = true
				return res, nil
			}
			next = wss[i+1]
		}
		b, _ := json.Marshal(auditCursor{WorkspaceID: next})
		res.Cursor = string(b)
		return res, nil
	}
	res.Done = true
	return res, nil
}

var _ Sink = (*AuditSink)(nil)

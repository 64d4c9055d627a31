// Package crmsink is the privacy.Sink of the CRM: leads with their
// identities, activities, conversations, messages and bookings (category
// privacy.CategoryLeadConversation).
//
//	svc, _ := crm.New(crmStore)
//	sink, err := crmsink.New(svc, crmsink.WithWorkspaces(workspaces.AllIDs))
//	reqs := &privacy.Requests{Sinks: []privacy.Sink{sink, …}, Expand: sink.Expand}
//
// A subject is found by lead id (following merges to the survivor), phone,
// email or channel id (wa_id, BSUID, IGSID, PSID). Export returns one record
// per lead, activity, conversation, message and booking. Erasure deletes the
// lead and everything attached to it, leads merged into it included
// (crm.Service.Delete, which also cancels open calendar bookings); the CRM
// has no way to de-identify a lead in place, so only privacy.StrategyDelete
// is supported. Purge deletes leads whose last activity is before the
// cutoff, across the workspaces WithWorkspaces lists, sparing held leads.
// The sink is safe for concurrent use when the CRM service is.
package crmsink

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/botsync/botsync/crm"
	"github.com/botsync/botsync/privacy"
)

// Sink is the CRM's privacy.Sink.
type Sink struct {
	svc        *crm.Service
	name       string
	workspaces func(ctx context.Context) ([]string, error)
}

var _ privacy.Sink = (*Sink)(nil)

// Option configures a Sink.
type Option func(*Sink) error

// WithName names the sink in receipts (default "crm").
func WithName(name string) Option {
	return func(s *Sink) error {
		if name == "" {
			return errors.New("crmsink: name is empty")
		}
		s.name = name
		return nil
	}
}

// WithWorkspaces lists every workspace, for Purge; without it Purge fails.
func WithWorkspaces(f func(ctx context.Context) ([]string, error)) Option {
	return func(s *Sink) error { s.workspaces = f; return nil }
}

// New returns the sink over the CRM service.
func New(svc *crm.Service, opts ...Option) (*Sink, error) {
	if svc == nil {
		return nil, errors.New("crmsink: crm service is required")
	}
	s := &Sink{svc: svc, name: "crm"}
	for _, o := range opts {
		if err := o(s); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Name implements privacy.Sink.
func (s *Sink) Name() string { return s.name }

// Categories implements privacy.Sink.
func (s *Sink) Categories() []privacy.Category {
	return []privacy.Category{privacy.CategoryLeadConversation}
}

// Subjects returns the ids of the live leads id names, in the workspace:
// lead ids (merged leads resolve to their survivor) and the owners of its
// phones, emails and channel ids. Identifiers the CRM does not know, or
// cannot normalise, find nothing. Use it as another sink's subject resolver
// (vaultsink.WithSubjects).
func (s *Sink) Subjects(ctx context.Context, id privacy.Identifiers) ([]string, error) {
	var out []string
	for _, lid := range id.SubjectIDs {
		l, err := s.svc.Resolve(ctx, id.WorkspaceID, lid)
		switch {
		case err == nil:
			out = append(out, l.ID)
		case errors.Is(err, crm.ErrNotFound), errors.Is(err, crm.ErrMerged):
		default:
			return nil, fmt.Errorf("crmsink: resolve lead: %w", err)
		}
	}
	var idents []crm.Identity
	for _, p := range id.Phones {
		idents = append(idents, crm.Phone(p))
	}
	for _, e := range id.Emails {
		idents = append(idents, crm.Email(e))
	}
	for _, c := range id.ChannelIDs {
		idents = append(idents, crm.WAID(c), crm.Identity{Kind: crm.KindBSUID, Value: c},
			crm.Identity{Kind: crm.KindIGSID, Value: c}, crm.Identity{Kind: crm.KindPSID, Value: c})
	}
	for _, ident := range idents {
		l, err := s.svc.LeadByIdentity(ctx, id.WorkspaceID, ident)
		switch {
		case err == nil:
			if l.MergedInto != "" {
				if l, err = s.svc.Resolve(ctx, id.WorkspaceID, l.ID); err != nil {
					continue
				}
			}
			out = append(out, l.ID)
		case errors.Is(err, crm.ErrNotFound), errors.Is(err, crm.ErrInvalid):
		default:
			return nil, fmt.Errorf("crmsink: lead by identity: %w", err)
		}
	}
	sort.Strings(out)
	return slices.Compact(out), nil
}

// Expand adds to id the lead ids and every identity of the leads it names,
// so a request saved with the expanded identifiers still finds everything
// after the CRM's records are gone (use it as privacy.Requests.Expand).
func (s *Sink) Expand(ctx context.Context, id privacy.Identifiers) (privacy.Identifiers, error) {
	leads, err := s.Subjects(ctx, id)
	if err != nil {
		return id, err
	}
	out := id
	out.SubjectIDs = slices.Clone(id.SubjectIDs)
	out.Phones, out.Emails, out.ChannelIDs = slices.Clone(id.Phones), slices.Clone(id.Emails), slices.Clone(id.ChannelIDs)
	for _, lid := range leads {
		l, err := s.svc.Lead(ctx, id.WorkspaceID, lid)
		if err != nil {
			return id, fmt.Errorf("crmsink: expand: %w", err)
		}
		out.SubjectIDs = append(out.SubjectIDs, l.ID)
		for _, ident := range l.Identities {
			switch ident.Kind {
			case crm.KindPhone:
				out.Phones = append(out.Phones, ident.Value)
			case crm.KindEmail:
				out.Emails = append(out.Emails, ident.Value)
			default:
				out.ChannelIDs = append(out.ChannelIDs, ident.Value)
			}
		}
	}
	for _, p := range []*[]string{&out.SubjectIDs, &out.Phones, &out.Emails, &out.ChannelIDs} {
		sort.Strings(*p)
		*p = slices.Compact(*p)
	}
	return out, nil
}

// Export implements privacy.Sink.
func (s *Sink) Export(ctx context.Context, id privacy.Identifiers) ([]privacy.ExportRecord, error) {
	leads, err := s.Subjects(ctx, id)
	if err != nil {
		return nil, err
	}
	var out []privacy.ExportRecord
	add := func(kind, rid string, created time.Time, v any) error {
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("crmsink: export %s: %w", kind, err)
		}
		out = append(out, privacy.ExportRecord{Sink: s.name, Category: privacy.CategoryLeadConversation, Kind: kind, ID: rid, Created: created, Data: b})
		return nil
	}
	for _, lid := range leads {
		x, err := s.svc.Export(ctx, id.WorkspaceID, lid)
		if errors.Is(err, crm.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("crmsink: export: %w", err)
		}
		if err := add("lead", x.Lead.ID, x.Lead.CreatedAt, x.Lead); err != nil {
			return nil, err
		}
		for _, l := range x.MergedLeads {
			if err := add("merged_lead", l.ID, l.CreatedAt, l); err != nil {
				return nil, err
			}
		}
		for _, a := range x.Activities {
			if err := add("activity", a.ID, a.At, a); err != nil {
				return nil, err
			}
		}
		for _, c := range x.Conversations {
			if err := add("conversation", c.ID, c.CreatedAt, c); err != nil {
				return nil, err
			}
		}
		for _, m := range x.Messages {
			if err := add("message", m.ID, m.At, m); err != nil {
				return nil, err
			}
		}
		for _, b := range x.Bookings {
			if err := add("booking", b.ID, b.CreatedAt, b); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// ErrStrategy is returned for an erasure strategy the CRM cannot apply.
var ErrStrategy = errors.New("crmsink: the crm supports only the delete strategy")

// Erase implements privacy.Sink: it deletes every lead id names (with
// everything attached); the count is the leads deleted.
func (s *Sink) Erase(ctx context.Context, id privacy.Identifiers, category privacy.Category, strategy privacy.Strategy) (privacy.Receipt, error) {
	rc := privacy.Receipt{Sink: s.name, Category: category, Action: "erase", Strategy: strategy}
	if category != privacy.CategoryLeadConversation {
		return rc, nil
	}
	if strategy != privacy.StrategyDelete {
		return rc, fmt.Errorf("%w (got %q)", ErrStrategy, strategy)
	}
	leads, err := s.Subjects(ctx, id)
	if err != nil {
		return rc, err
	}
	for _, lid := range leads {
		err := s.svc.Delete(ctx, id.WorkspaceID, lid)
		if errors.Is(err, crm.ErrNotFound) {
			continue
		}
		if err != nil {
			return rc, fmt.Errorf("crmsink: erase: %w", err)
		}
		rc.Count++
	}
	return rc, nil
}

type cursor struct {
	WorkspaceID string `json:"w"`
	CRM         string `json:"c"`
}

// Purge implements privacy.Sink: one page of at most Limit leads whose last
// activity is before the cutoff; held leads (by lead id, or a hold whose
// time range covers the lead's creation or last activity) are skipped.
func (s *Sink) Purge(ctx context.Context, req privacy.PurgeRequest) (privacy.PurgeResult, error) {
	var res privacy.PurgeResult
	var cur cursor
	wss, done, err := privacy.StartPurge(ctx, "crmsink", req, privacy.CategoryLeadConversation, s.workspaces, &cur)
	if err != nil || done {
		res.Done = done
		return res, err
	}
	for i, ws := range wss {
		if ws < cur.WorkspaceID {
			continue
		}
		crmCursor := ""
		if ws == cur.WorkspaceID {
			crmCursor = cur.CRM
		}
		page, err := s.svc.Search(ctx, ws, crm.Query{ActiveBefore: req.Cutoff, Cursor: crmCursor, Limit: min(req.Limit, 1000)})
		if err != nil {
			return res, fmt.Errorf("crmsink: purge: %w", err)
		}
		for _, l := range page.Leads {
			if !l.LastActivityAt.Before(req.Cutoff) || req.Held(ws, l.ID, l.CreatedAt) || req.Held(ws, l.ID, l.LastActivityAt) {
				continue
			}
			if err := s.svc.Delete(ctx, ws, l.ID); err != nil && !errors.Is(err, crm.ErrNotFound) {
				return res, fmt.Errorf("crmsink: purge: %w", err)
			}
			res.Deleted++
		}
		next := cursor{WorkspaceID: ws, CRM: page.Next}
		if page.Next == "" {
			if i+1 == len(wss) {
				res.Done = true
				return res, nil
			}
			next = cursor{WorkspaceID: wss[i+1]}
		}
		b, _ := json.Marshal(next)
		res.Cursor = string(b)
		return res, nil
	}
	res.Done = true
	return res, nil
}

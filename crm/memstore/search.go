package memstore

import (
	"context"
	"slices"
	"strings"

	"github.com/botsync/botsync/crm"
)

// SearchLeads implements crm.Store.
func (s *Store) SearchLeads(_ context.Context, wsID string, q crm.Query) (*crm.LeadPage, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	w := s.peek(wsID)
	text := strings.ToLower(q.Text)
	limit := q.PageLimit()
	var hits []*crm.Lead
	start, found := slices.BinarySearch(w.order, q.Cursor)
	if found {
		start++
	}
	for _, id := range w.order[start:] {
		if l := w.leads[id]; matches(l, q, text) {
			hits = append(hits, l)
			if len(hits) > limit {
				break
			}
		}
	}
	page := &crm.LeadPage{}
	if len(hits) > limit {
		hits = hits[:limit]
		page.Next = hits[limit-1].ID
	}
	for _, l := range hits {
		page.Leads = append(page.Leads, l.Clone())
	}
	return page, nil
}

func matches(l *crm.Lead, q crm.Query, text string) bool {
	switch {
	case l.MergedInto != "",
		q.Stage != "" && l.Stage != q.Stage,
		q.Channel != "" && l.Source.Channel != q.Channel,
		q.Campaign != "" && l.Source.Campaign != q.Campaign,
		q.AdID != "" && l.Source.AdID != q.AdID,
		q.Assignee != "" && l.Assignee != q.Assignee,
		q.MinScore != nil && l.Score < *q.MinScore,
		q.MaxScore != nil && l.Score > *q.MaxScore,
		!q.ActiveAfter.IsZero() && l.LastActivityAt.Before(q.ActiveAfter),
		!q.ActiveBefore.IsZero() && !l.LastActivityAt.Before(q.ActiveBefore):
		return false
	}
	for _, t := range q.Tags {
		if !l.HasTag(t) {
			return false
		}
	}
	for k, v := range q.Custom {
		if l.Custom[k] != v {
			return false
		}
	}
	if text != "" {
		if containsFold(l.Name, text) {
			return true
		}
		for _, id := range l.Identities {
			if (id.Kind == crm.KindPhone || id.Kind == crm.KindEmail) && containsFold(id.Value, text) {
				return true
			}
		}
		return false
	}
	return true
}

// CountByStage implements crm.Store.
func (s *Store) CountByStage(_ context.Context, wsID string) (map[string]int, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := map[string]int{}
	for _, l := range s.peek(wsID).leads {
		if l.MergedInto == "" {
			out[l.Stage]++
		}
	}
	return out, nil
}

// containsFold reports whether sub (lower-case) is within s, ignoring case,
// without allocating.
func containsFold(s, sub string) bool {
	if sub == "" {
		return true
	}
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}

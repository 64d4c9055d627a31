package crm

import (
	"context"
	"fmt"
	"iter"
)

// Search returns one page of the workspace's unmerged leads matching q, in id
// (creation) order. Pass the page's Next as q.Cursor for the next page.
func (s *Service) Search(ctx context.Context, workspaceID string, q Query) (*LeadPage, error) {
	if err := validateQuery(q); err != nil {
		return nil, fmt.Errorf("crm: search: %w", err)
	}
	p, err := s.store.SearchLeads(ctx, workspaceID, q)
	if err != nil {
		return nil, fmt.Errorf("crm: search: %w", err)
	}
	return p, nil
}

// All iterates over every lead matching q, page by page. Iteration stops at
// the first error, which is yielded with a nil lead.
func (s *Service) All(ctx context.Context, workspaceID string, q Query) iter.Seq2[*Lead, error] {
	return func(yield func(*Lead, error) bool) {
		for {
			p, err := s.Search(ctx, workspaceID, q)
			if err != nil {
				yield(nil, err)
				return
			}
			for _, l := range p.Leads {
				if !yield(l, nil) {
					return
				}
			}
			if p.Next == "" {
				return
			}
			q.Cursor = p.Next
		}
	}
}

// CountByStage counts the workspace's unmerged leads per stage key ("" for
// leads without a stage).
func (s *Service) CountByStage(ctx context.Context, workspaceID string) (map[string]int, error) {
	c, err := s.store.CountByStage(ctx, workspaceID)
	if err != nil {
		return nil, fmt.Errorf("crm: count by stage: %w", err)
	}
	return c, nil
}

func validateQuery(q Query) error {
	if q.MinScore != nil && q.MaxScore != nil && *q.MinScore > *q.MaxScore {
		return invalid("min_score", "greater than max_score")
	}
	if len(q.Text) > 200 {
		return invalid("text", "longer than 200 bytes")
	}
	if q.Cursor != "" && (len(q.Cursor) > 64 || !isHex(q.Cursor)) {
		return invalid("cursor", "malformed")
	}
	for k := range q.Custom {
		if !keyPattern.MatchString(k) {
			return invalid("custom", "malformed field key")
		}
	}
	return nil
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

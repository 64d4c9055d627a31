package crm

import (
	"context"
	"fmt"
	"maps"
	"slices"
)

// Merge folds the loser lead into the winner: identities, conversations,
// messages, activities and bookings move to the winner; the winner keeps its
// profile and takes the loser's values where it has none (tags are united,
// the higher score wins); a merge activity is recorded on the winner; the
// loser stays as a pointer (MergedInto) so old references resolve. Merging a
// lead with itself is a validation error.
func (s *Service) Merge(ctx context.Context, workspaceID, winnerID, loserID string, actor Actor) (*Lead, error) {
	if err := required("winner_id", winnerID, "loser_id", loserID); err != nil {
		return nil, fmt.Errorf("crm: merge: %w", err)
	}
	if winnerID == loserID {
		return nil, fmt.Errorf("crm: merge: %w", invalid("loser_id", "cannot merge a lead with itself"))
	}
	now := s.now()
	l, err := s.store.MergeLeads(ctx, workspaceID, winnerID, loserID, func(w, l *Lead) (Activity, error) {
		MergeProfile(w, l)
		w.UpdatedAt = now
		return Activity{ID: s.newID(), LeadID: w.ID, Type: ActivityMerge, Actor: actor.orSystem(), At: now, RefID: l.ID}, nil
	})
	if err != nil {
		return nil, fmt.Errorf("crm: merge: %w", err)
	}
	return l, nil
}

// MergeProfile fills w's empty profile fields from l, unites tags and custom
// fields (w's values win) and keeps the higher score. Stores call it through
// Service.Merge; it is exported for stores and tests.
func MergeProfile(w, l *Lead) {
	fill := func(dst *string, src string) {
		if *dst == "" {
			*dst = src
		}
	}
	fill(&w.Name, l.Name)
	fill(&w.City, l.City)
	fill(&w.Interest, l.Interest)
	fill(&w.Budget, l.Budget)
	fill(&w.Timeline, l.Timeline)
	fill(&w.ExamStatus, l.ExamStatus)
	fill(&w.CallbackPhone, l.CallbackPhone)
	fill(&w.Stage, l.Stage)
	fill(&w.Assignee, l.Assignee)
	if w.Source == (Source{}) {
		w.Source = l.Source
	}
	w.Tags = append(w.Tags, l.Tags...)
	slices.Sort(w.Tags)
	w.Tags = slices.Compact(w.Tags)
	if len(l.Custom) > 0 {
		merged := maps.Clone(l.Custom)
		maps.Copy(merged, w.Custom)
		w.Custom = merged
	}
	if l.Score > w.Score {
		w.Score, w.ScoreReasons = l.Score, slices.Clone(l.ScoreReasons)
	}
	w.Consent = w.Consent || l.Consent
	w.MarketingOptOut = w.MarketingOptOut || l.MarketingOptOut
	if l.LastActivityAt.After(w.LastActivityAt) {
		w.LastActivityAt = l.LastActivityAt
	}
	if !l.CreatedAt.IsZero() && l.CreatedAt.Before(w.CreatedAt) {
		w.CreatedAt = l.CreatedAt
	}
}

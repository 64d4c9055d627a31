// Package memstore is an in-memory [broadcast.Store]: what the embedded
// server runs on and what tests use. It is safe for concurrent use; claims
// take one mutex, so no recipient is leased twice.
//
//	svc, err := broadcast.New(memstore.New(), wa.Messages)
package memstore

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"

	"github.com/botsync/botsync/whatsapp/broadcast"
)

// Store is an in-memory broadcast store. The zero value is not usable; call
// [New].
type Store struct {
	mu         sync.Mutex
	campaigns  map[key]*broadcast.Campaign
	order      []key
	recipients map[key]*campaignRows
	suppressed map[key]broadcast.Suppression
}

type key struct{ ws, id string }

type campaignRows struct {
	rows []broadcast.Recipient // sorted by Seq
	// cursor: every row before it is neither pending nor claimed
	cursor int
}

var _ broadcast.Store = (*Store)(nil)

// New returns an empty store.
func New() *Store {
	return &Store{campaigns: map[key]*broadcast.Campaign{}, recipients: map[key]*campaignRows{}, suppressed: map[key]broadcast.Suppression{}}
}

// CreateCampaign implements [broadcast.Store].
func (s *Store) CreateCampaign(_ context.Context, c *broadcast.Campaign) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := key{c.WorkspaceID, c.ID}
	if _, ok := s.campaigns[k]; ok {
		return broadcast.ErrExists
	}
	s.campaigns[k] = c.Clone()
	s.order = append(s.order, k)
	return nil
}

// Campaign implements [broadcast.Store].
func (s *Store) Campaign(_ context.Context, workspaceID, id string) (*broadcast.Campaign, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.campaigns[key{workspaceID, id}]
	if !ok {
		return nil, broadcast.ErrNotFound
	}
	return c.Clone(), nil
}

// Campaigns implements [broadcast.Store].
func (s *Store) Campaigns(_ context.Context, workspaceID string, states ...broadcast.State) ([]*broadcast.Campaign, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*broadcast.Campaign
	for _, k := range s.order {
		c := s.campaigns[k]
		if k.ws != workspaceID || (len(states) > 0 && !slices.Contains(states, c.State)) {
			continue
		}
		out = append(out, c.Clone())
	}
	return out, nil
}

// UpdateCampaign implements [broadcast.Store].
func (s *Store) UpdateCampaign(_ context.Context, workspaceID, id string, fn func(*broadcast.Campaign) error) (*broadcast.Campaign, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := key{workspaceID, id}
	c, ok := s.campaigns[k]
	if !ok {
		return nil, broadcast.ErrNotFound
	}
	w := c.Clone()
	if err := fn(w); err != nil {
		return nil, err
	}
	w.ID, w.WorkspaceID = id, workspaceID
	s.campaigns[k] = w.Clone()
	return w, nil
}

// AddRecipients implements [broadcast.Store].
func (s *Store) AddRecipients(_ context.Context, workspaceID, campaignID string, rs []broadcast.Recipient) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := key{workspaceID, campaignID}
	cr := s.recipients[k]
	if cr == nil {
		cr = &campaignRows{}
	}
	seen := make(map[int64]bool, len(cr.rows)+len(rs))
	for _, r := range cr.rows {
		seen[r.Seq] = true
	}
	add := make([]broadcast.Recipient, 0, len(rs))
	for _, r := range rs {
		if seen[r.Seq] {
			return broadcast.ErrExists
		}
		seen[r.Seq] = true
		r = r.Clone()
		r.WorkspaceID, r.CampaignID = workspaceID, campaignID
		add = append(add, r)
	}
	cr.rows = append(cr.rows, add...)
	slices.SortFunc(cr.rows, func(a, b broadcast.Recipient) int { return cmp.Compare(a.Seq, b.Seq) })
	cr.cursor = 0
	s.recipients[k] = cr
	return nil
}

// DeleteRecipients implements [broadcast.Store].
func (s *Store) DeleteRecipients(_ context.Context, workspaceID, campaignID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.recipients, key{workspaceID, campaignID})
	return nil
}

func (s *Store) find(workspaceID, campaignID string, seq int64) *broadcast.Recipient {
	cr := s.recipients[key{workspaceID, campaignID}]
	if cr == nil {
		return nil
	}
	i, ok := slices.BinarySearchFunc(cr.rows, seq, func(r broadcast.Recipient, seq int64) int { return cmp.Compare(r.Seq, seq) })
	if !ok {
		return nil
	}
	return &cr.rows[i]
}

// Recipient implements [broadcast.Store].
func (s *Store) Recipient(_ context.Context, workspaceID, campaignID string, seq int64) (broadcast.Recipient, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.find(workspaceID, campaignID, seq)
	if r == nil {
		return broadcast.Recipient{}, broadcast.ErrNotFound
	}
	return r.Clone(), nil
}

// Recipients implements [broadcast.Store].
func (s *Store) Recipients(_ context.Context, workspaceID, campaignID string, status broadcast.RecipientStatus, after int64, limit int) ([]broadcast.Recipient, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cr := s.recipients[key{workspaceID, campaignID}]
	if cr == nil || limit <= 0 {
		return nil, nil
	}
	i, _ := slices.BinarySearchFunc(cr.rows, after+1, func(r broadcast.Recipient, seq int64) int { return cmp.Compare(r.Seq, seq) })
	var out []broadcast.Recipient
	for ; i < len(cr.rows) && len(out) < limit; i++ {
		if status == "" || cr.rows[i].Status == status {
			out = append(out, cr.rows[i].Clone())
		}
	}
	return out, nil
}

// Claim implements [broadcast.Store].
func (s *Store) Claim(_ context.Context, workspaceID, campaignID, owner string, n int, now, leaseUntil time.Time) ([]broadcast.Recipient, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cr := s.recipients[key{workspaceID, campaignID}]
	if cr == nil || n <= 0 {
		return nil, nil
	}
	var out []broadcast.Recipient
	advancing := true
	for i := cr.cursor; i < len(cr.rows) && len(out) < n; i++ {
		r := &cr.rows[i]
		open := r.Status == broadcast.StatusPending || r.Status == broadcast.StatusClaimed
		if advancing && !open {
			cr.cursor = i + 1
			continue
		}
		if open {
			advancing = false
		}
		ok := (r.Status == broadcast.StatusPending && !r.NotBefore.After(now)) ||
			(r.Status == broadcast.StatusClaimed && r.LeaseUntil.Before(now))
		if !ok {
			continue
		}
		r.Status, r.LeaseOwner, r.LeaseUntil, r.UpdatedAt = broadcast.StatusClaimed, owner, leaseUntil, now
		out = append(out, r.Clone())
	}
	return out, nil
}

// UpdateRecipient implements [broadcast.Store].
func (s *Store) UpdateRecipient(_ context.Context, workspaceID, campaignID string, seq int64, fn func(*broadcast.Recipient) error) (broadcast.Recipient, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.find(workspaceID, campaignID, seq)
	if r == nil {
		return broadcast.Recipient{}, broadcast.ErrNotFound
	}
	w := r.Clone()
	if err := fn(&w); err != nil {
		return broadcast.Recipient{}, err
	}
	w.WorkspaceID, w.CampaignID, w.Seq = workspaceID, campaignID, seq
	*r = w.Clone()
	if w.Status == broadcast.StatusPending || w.Status == broadcast.StatusClaimed {
		cr := s.recipients[key{workspaceID, campaignID}]
		i, _ := slices.BinarySearchFunc(cr.rows, seq, func(r broadcast.Recipient, seq int64) int { return cmp.Compare(r.Seq, seq) })
		cr.cursor = min(cr.cursor, i)
	}
	return w, nil
}

// StartSends implements [broadcast.Store].
func (s *Store) StartSends(_ context.Context, workspaceID, campaignID, owner string, seqs []int64, now time.Time) ([]int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []int64
	for _, seq := range seqs {
		r := s.find(workspaceID, campaignID, seq)
		if r == nil || r.Status != broadcast.StatusClaimed || r.LeaseOwner != owner {
			continue
		}
		r.Status, r.IntentAt, r.UpdatedAt = broadcast.StatusSending, now, now
		r.Attempts++
		out = append(out, seq)
	}
	return out, nil
}

// Accept implements [broadcast.Store].
func (s *Store) Accept(_ context.Context, workspaceID, campaignID string, accepted []broadcast.Accepted, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range accepted {
		r := s.find(workspaceID, campaignID, a.Seq)
		if r == nil {
			continue
		}
		if r.MessageID == "" {
			r.MessageID = a.MessageID
		}
		if r.Status == broadcast.StatusSending {
			r.Status, r.AcceptedAt = broadcast.StatusAccepted, now
		}
		r.LeaseOwner, r.LeaseUntil, r.UpdatedAt = "", time.Time{}, now
	}
	return nil
}

// Counts implements [broadcast.Store].
func (s *Store) Counts(_ context.Context, workspaceID, campaignID string) (broadcast.Counts, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := broadcast.Counts{ByStatus: map[broadcast.RecipientStatus]int{}, Skipped: map[broadcast.SkipReason]int{},
		FailedByCode: map[int]int{}, BillableByCountry: map[string]int{}}
	cr := s.recipients[key{workspaceID, campaignID}]
	if cr == nil {
		return c, nil
	}
	for _, r := range cr.rows {
		c.Planned++
		c.ByStatus[r.Status]++
		switch r.Status {
		case broadcast.StatusSkipped:
			c.Skipped[r.SkipReason]++
		case broadcast.StatusFailed:
			c.FailedByCode[r.ErrorCode]++
		case broadcast.StatusPending:
			if !r.NotBefore.IsZero() && (c.NextAt.IsZero() || r.NotBefore.Before(c.NextAt)) {
				c.NextAt = r.NotBefore
			}
		}
		if r.Billable {
			c.BillableByCountry[r.Country+"/"+r.PricingCategory]++
		}
	}
	return c, nil
}

// Suppress implements [broadcast.Store].
func (s *Store) Suppress(_ context.Context, sp broadcast.Suppression) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := key{sp.WorkspaceID, sp.Contact}
	if _, ok := s.suppressed[k]; !ok {
		s.suppressed[k] = sp
	}
	return nil
}

// Unsuppress implements [broadcast.Store].
func (s *Store) Unsuppress(_ context.Context, workspaceID, contact string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.suppressed, key{workspaceID, contact})
	return nil
}

// Suppressed implements [broadcast.Store].
func (s *Store) Suppressed(_ context.Context, workspaceID string, contacts []string) (map[string]broadcast.Suppression, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]broadcast.Suppression{}
	for _, c := range contacts {
		if sp, ok := s.suppressed[key{workspaceID, c}]; ok {
			out[c] = sp
		}
	}
	return out, nil
}

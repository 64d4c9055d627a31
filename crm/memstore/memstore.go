// Package memstore is an in-memory crm.Store: what the embedded server runs
// on and what tests of code using the CRM should use.
//
//	svc, err := crm.New(memstore.New(), crm.WithDefaultRegion("IN"))
//
// It passes the same conformance suite (crmtest.TestStore) as crm/pgstore.
// A Store is safe for concurrent use; every method copies its inputs and
// outputs, so callers never share memory with it.
package memstore

import (
	"context"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/botsync/botsync/crm"
)

// Store is an in-memory crm.Store. Its zero value is not usable; call New.
type Store struct {
	mu sync.RWMutex
	ws map[string]*workspace
}

type workspace struct {
	leads      map[string]*crm.Lead
	order      []string                // lead ids, sorted: the search order
	idents     map[crm.Identity]string // identity → lead id
	stages     []crm.Stage
	fields     map[string]crm.FieldDef
	activities map[string][]crm.Activity // lead id → activities
	dedup      map[string]bool
	convs      map[string]*crm.Conversation
	convByKey  map[[2]string]string // (lead, account) → conversation id
	msgs       map[string]*crm.Message
	msgByProv  map[[2]string]string // (account, provider id) → message id
	convMsgs   map[string][]string  // conversation id → message ids in insert order
	bookings   map[string]*crm.Booking
}

var _ crm.Store = (*Store)(nil)

// New returns an empty Store.
func New() *Store { return &Store{ws: map[string]*workspace{}} }

func (s *Store) get(id string) *workspace {
	w := s.ws[id]
	if w == nil {
		w = &workspace{
			leads: map[string]*crm.Lead{}, idents: map[crm.Identity]string{},
			fields: map[string]crm.FieldDef{}, activities: map[string][]crm.Activity{},
			dedup: map[string]bool{}, convs: map[string]*crm.Conversation{},
			convByKey: map[[2]string]string{}, msgs: map[string]*crm.Message{},
			msgByProv: map[[2]string]string{}, convMsgs: map[string][]string{},
			bookings: map[string]*crm.Booking{},
		}
		s.ws[id] = w
	}
	return w
}

// peek returns the workspace for a read without creating it.
func (s *Store) peek(id string) *workspace {
	if w := s.ws[id]; w != nil {
		return w
	}
	return &workspace{}
}

// FindOrCreateLead implements crm.Store.
func (s *Store) FindOrCreateLead(_ context.Context, wsID string, ids []crm.Identity, lead *crm.Lead, created crm.Activity) (*crm.Lead, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.get(wsID)
	var owner string
	for _, id := range ids {
		if l, ok := w.idents[id]; ok {
			owner = l
			break
		}
	}
	if owner == "" {
		l := lead.Clone()
		l.WorkspaceID, l.Identities, l.MergedInto = wsID, nil, ""
		if l.Stage == "" && len(w.stages) > 0 {
			l.Stage = w.stages[0].Key
		}
		w.leads[l.ID] = l
		w.insertOrder(l.ID)
		owner = l.ID
		created.LeadID = l.ID
		w.addActivity(created)
	}
	l := w.leads[owner]
	if l.Name == "" && lead.Name != "" {
		l.Name, l.UpdatedAt = lead.Name, lead.CreatedAt
	}
	for _, id := range ids {
		if _, taken := w.idents[id]; !taken {
			w.idents[id] = owner
			l.Identities = append(l.Identities, id)
		}
	}
	crm.SortIdentities(l.Identities)
	return l.Clone(), owner == lead.ID, nil
}

// Lead implements crm.Store.
func (s *Store) Lead(_ context.Context, wsID, id string) (*crm.Lead, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	l, ok := s.peek(wsID).leads[id]
	if !ok {
		return nil, crm.ErrNotFound
	}
	return l.Clone(), nil
}

// MergedLeads implements crm.Store.
func (s *Store) MergedLeads(_ context.Context, wsID, id string) ([]*crm.Lead, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	w := s.peek(wsID)
	if _, ok := w.leads[id]; !ok {
		return nil, crm.ErrNotFound
	}
	var out []*crm.Lead
	for _, lid := range w.order {
		if l := w.leads[lid]; l.MergedInto == id {
			out = append(out, l.Clone())
		}
	}
	return out, nil
}

// LeadByIdentity implements crm.Store.
func (s *Store) LeadByIdentity(_ context.Context, wsID string, id crm.Identity) (*crm.Lead, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	w := s.peek(wsID)
	lid, ok := w.idents[id]
	if !ok {
		return nil, crm.ErrNotFound
	}
	return w.leads[lid].Clone(), nil
}

// UpdateLead implements crm.Store.
func (s *Store) UpdateLead(_ context.Context, wsID, id string, fn func(*crm.Lead) ([]crm.Activity, error)) (*crm.Lead, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.peek(wsID)
	l, ok := w.leads[id]
	if !ok {
		return nil, crm.ErrNotFound
	}
	if l.MergedInto != "" {
		return nil, crm.ErrMerged
	}
	c := l.Clone()
	acts, err := fn(c)
	if err != nil {
		return nil, err
	}
	c.ID, c.WorkspaceID, c.Identities, c.MergedInto, c.CreatedAt = l.ID, l.WorkspaceID, l.Identities, "", l.CreatedAt
	w.leads[id] = c
	for _, a := range acts {
		a.LeadID = id
		w.addActivity(a)
	}
	return c.Clone(), nil
}

// addActivity appends a (whose lead exists) unless its dedup key is taken.
func (w *workspace) addActivity(a crm.Activity) bool {
	if a.DedupKey != "" {
		if w.dedup[a.DedupKey] {
			return false
		}
		w.dedup[a.DedupKey] = true
	}
	if a.Call != nil {
		c := *a.Call
		a.Call = &c
	}
	w.activities[a.LeadID] = append(w.activities[a.LeadID], a)
	if l := w.leads[a.LeadID]; l != nil && a.At.After(l.LastActivityAt) {
		l.LastActivityAt = a.At
	}
	return true
}

// AddIdentity implements crm.Store.
func (s *Store) AddIdentity(_ context.Context, wsID, leadID string, id crm.Identity) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.peek(wsID)
	l, ok := w.leads[leadID]
	if !ok {
		return crm.ErrNotFound
	}
	if l.MergedInto != "" {
		return crm.ErrMerged
	}
	if owner, taken := w.idents[id]; taken {
		if owner == leadID {
			return nil
		}
		return crm.ErrConflict
	}
	w.idents[id] = leadID
	l.Identities = append(l.Identities, id)
	crm.SortIdentities(l.Identities)
	return nil
}

// RemoveIdentity implements crm.Store.
func (s *Store) RemoveIdentity(_ context.Context, wsID, leadID string, id crm.Identity) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.peek(wsID)
	l, ok := w.leads[leadID]
	if !ok || w.idents[id] != leadID {
		return crm.ErrNotFound
	}
	delete(w.idents, id)
	l.Identities = slices.DeleteFunc(l.Identities, func(x crm.Identity) bool { return x == id })
	return nil
}

// DeleteLead implements crm.Store.
func (s *Store) DeleteLead(_ context.Context, wsID, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.peek(wsID)
	if _, ok := w.leads[id]; !ok {
		return crm.ErrNotFound
	}
	for lid, l := range w.leads {
		if lid == id || l.MergedInto == id {
			w.deleteLead(lid)
		}
	}
	return nil
}

func (w *workspace) deleteLead(id string) {
	l := w.leads[id]
	for _, ident := range l.Identities {
		delete(w.idents, ident)
	}
	for _, a := range w.activities[id] {
		delete(w.dedup, a.DedupKey)
	}
	delete(w.activities, id)
	for cid, c := range w.convs {
		if c.LeadID != id {
			continue
		}
		for _, mid := range w.convMsgs[cid] {
			m := w.msgs[mid]
			delete(w.msgByProv, [2]string{m.ChannelAccount, m.ProviderID})
			delete(w.msgs, mid)
		}
		delete(w.convMsgs, cid)
		delete(w.convByKey, [2]string{c.LeadID, c.ChannelAccount})
		delete(w.convs, cid)
	}
	for bid, b := range w.bookings {
		if b.LeadID == id {
			delete(w.bookings, bid)
		}
	}
	delete(w.leads, id)
	if i, ok := slices.BinarySearch(w.order, id); ok {
		w.order = slices.Delete(w.order, i, i+1)
	}
}

// insertOrder adds a lead id to the sorted search order. Ids are
// time-ordered, so this is usually an append.
func (w *workspace) insertOrder(id string) {
	if n := len(w.order); n == 0 || w.order[n-1] < id {
		w.order = append(w.order, id)
		return
	}
	i, _ := slices.BinarySearch(w.order, id)
	w.order = slices.Insert(w.order, i, id)
}

// MergeLeads implements crm.Store.
func (s *Store) MergeLeads(_ context.Context, wsID, winnerID, loserID string, fn func(winner, loser *crm.Lead) (crm.Activity, error)) (*crm.Lead, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.peek(wsID)
	win, ok1 := w.leads[winnerID]
	lose, ok2 := w.leads[loserID]
	if !ok1 || !ok2 {
		return nil, crm.ErrNotFound
	}
	if win.MergedInto != "" || lose.MergedInto != "" {
		return nil, crm.ErrMerged
	}
	c := win.Clone()
	act, err := fn(c, lose.Clone())
	if err != nil {
		return nil, err
	}
	c.ID, c.WorkspaceID, c.MergedInto = win.ID, win.WorkspaceID, ""
	for _, id := range lose.Identities {
		w.idents[id] = winnerID
	}
	c.Identities = append(slices.Clone(win.Identities), lose.Identities...)
	crm.SortIdentities(c.Identities)
	w.leads[winnerID] = c
	// Conversations: the winner's conversation on the same account absorbs
	// the loser's messages.
	for _, cid := range sortedKeys(w.convs) {
		conv := w.convs[cid]
		if conv.LeadID != loserID {
			continue
		}
		delete(w.convByKey, [2]string{loserID, conv.ChannelAccount})
		if target, ok := w.convByKey[[2]string{winnerID, conv.ChannelAccount}]; ok {
			tc := w.convs[target]
			for _, mid := range w.convMsgs[cid] {
				w.msgs[mid].ConversationID = target
			}
			w.convMsgs[target] = append(w.convMsgs[target], w.convMsgs[cid]...)
			tc.Unread += conv.Unread
			tc.LastInboundAt = maxTime(tc.LastInboundAt, conv.LastInboundAt)
			tc.LastMessageAt = maxTime(tc.LastMessageAt, conv.LastMessageAt)
			delete(w.convMsgs, cid)
			delete(w.convs, cid)
			continue
		}
		conv.LeadID = winnerID
		w.convByKey[[2]string{winnerID, conv.ChannelAccount}] = cid
	}
	for _, m := range w.msgs {
		if m.LeadID == loserID {
			m.LeadID = winnerID
		}
	}
	for _, b := range w.bookings {
		if b.LeadID == loserID {
			b.LeadID = winnerID
		}
	}
	for _, a := range w.activities[loserID] {
		a.LeadID = winnerID
		w.activities[winnerID] = append(w.activities[winnerID], a)
	}
	slices.SortStableFunc(w.activities[winnerID], func(a, b crm.Activity) int { return a.At.Compare(b.At) })
	delete(w.activities, loserID)
	for _, l := range w.leads {
		if l.MergedInto == loserID {
			l.MergedInto = winnerID
		}
	}
	l := lose.Clone()
	l.Identities, l.MergedInto = nil, winnerID
	w.leads[loserID] = l
	act.LeadID = winnerID
	w.addActivity(act)
	return w.leads[winnerID].Clone(), nil
}

// ImportLeads implements crm.Store.
func (s *Store) ImportLeads(_ context.Context, wsID string, leads []*crm.Lead, acts []crm.Activity) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.get(wsID)
	seen := map[crm.Identity]bool{}
	var taken []crm.Identity
	for _, l := range leads {
		if _, dup := w.leads[l.ID]; dup {
			return crm.ErrConflict
		}
		for _, id := range l.Identities {
			if seen[id] {
				return crm.ErrConflict
			}
			seen[id] = true
			if _, ok := w.idents[id]; ok {
				taken = append(taken, id)
			}
		}
	}
	if len(taken) > 0 {
		return &crm.IdentityConflictError{Identities: taken}
	}
	for _, l := range leads {
		c := l.Clone()
		c.WorkspaceID = wsID
		crm.SortIdentities(c.Identities)
		w.leads[c.ID] = c
		for _, id := range c.Identities {
			w.idents[id] = c.ID
		}
		w.order = append(w.order, c.ID)
	}
	slices.Sort(w.order)
	for _, a := range acts {
		if _, ok := w.leads[a.LeadID]; ok {
			w.addActivity(a)
		}
	}
	return nil
}

// LeadsByPhone implements crm.Store.
func (s *Store) LeadsByPhone(_ context.Context, wsID string, phones []string) (map[string]string, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	w := s.peek(wsID)
	out := make(map[string]string)
	for _, p := range phones {
		if id, ok := w.idents[crm.Identity{Kind: crm.KindPhone, Value: p}]; ok {
			out[p] = id
		}
	}
	return out, nil
}

// SetStages implements crm.Store.
func (s *Store) SetStages(_ context.Context, wsID string, stages []crm.Stage) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.get(wsID).stages = slices.Clone(stages)
	return nil
}

// Stages implements crm.Store.
func (s *Store) Stages(_ context.Context, wsID string) ([]crm.Stage, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return slices.Clone(s.peek(wsID).stages), nil
}

// PutField implements crm.Store.
func (s *Store) PutField(_ context.Context, wsID string, def crm.FieldDef) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	def.Options = slices.Clone(def.Options)
	s.get(wsID).fields[def.Key] = def
	return nil
}

// DeleteField implements crm.Store.
func (s *Store) DeleteField(_ context.Context, wsID, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.peek(wsID)
	if _, ok := w.fields[key]; !ok {
		return crm.ErrNotFound
	}
	delete(w.fields, key)
	return nil
}

// Fields implements crm.Store.
func (s *Store) Fields(_ context.Context, wsID string) ([]crm.FieldDef, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	w := s.peek(wsID)
	var out []crm.FieldDef
	for _, k := range sortedKeys(w.fields) {
		d := w.fields[k]
		d.Options = slices.Clone(d.Options)
		out = append(out, d)
	}
	return out, nil
}

// AddActivities implements crm.Store.
func (s *Store) AddActivities(_ context.Context, wsID string, acts []crm.Activity) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.peek(wsID)
	for _, a := range acts {
		if _, ok := w.leads[a.LeadID]; !ok {
			return 0, crm.ErrNotFound
		}
	}
	n := 0
	for _, a := range acts {
		if w.addActivity(a) {
			n++
		}
	}
	return n, nil
}

// Activities implements crm.Store.
func (s *Store) Activities(_ context.Context, wsID, leadID string) ([]crm.Activity, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	w := s.peek(wsID)
	if _, ok := w.leads[leadID]; !ok {
		return nil, crm.ErrNotFound
	}
	out := slices.Clone(w.activities[leadID])
	slices.SortStableFunc(out, func(a, b crm.Activity) int { return a.At.Compare(b.At) })
	for i := range out {
		if out[i].Call != nil {
			c := *out[i].Call
			out[i].Call = &c
		}
	}
	return out, nil
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

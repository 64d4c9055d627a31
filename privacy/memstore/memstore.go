// Package memstore is the in-memory store of package privacy: audit trail,
// legal holds, consents, data-subject requests, grievances, breach incidents,
// Meta data-deletion codes and sweep cursors. It is safe
// for concurrent use and is what tests and the embedded server use.
//
//	st := memstore.New()
//	audit := privacy.NewAuditLog(st, nil)
//	holds := privacy.NewHolds(st, audit, nil)
package memstore

import (
	"context"
	"sort"
	"sync"

	"github.com/botsync/botsync/privacy"
)

// Store implements privacy.AuditStore, privacy.HoldStore,
// privacy.ConsentStore, privacy.RequestStore, privacy.CursorStore,
// privacy.AllHolds, privacy.GrievanceStore, privacy.IncidentStore,
// privacy.DeletionStore and privacy.SweepLog.
type Store struct {
	mu    sync.Mutex
	audit map[string][]privacy.AuditEntry
	// checkpoints holds each workspace's newest pruned audit entry.
	checkpoints map[string]privacy.AuditEntry
	holds       map[string]map[string]privacy.Hold
	consents    map[[2]string][]privacy.ConsentRecord
	requests    map[[2]string]privacy.Request
	cursors     map[[2]string]string
	griev       map[[2]string]privacy.Grievance
	incs        map[[2]string]privacy.Incident
	// deletions maps a confirmation code hash to its requests.
	deletions map[string][]privacy.RequestRef
	sweeps    []privacy.SweepReceipt
}

var (
	_ privacy.AuditStore     = (*Store)(nil)
	_ privacy.HoldStore      = (*Store)(nil)
	_ privacy.AllHolds       = (*Store)(nil)
	_ privacy.ConsentStore   = (*Store)(nil)
	_ privacy.RequestStore   = (*Store)(nil)
	_ privacy.CursorStore    = (*Store)(nil)
	_ privacy.GrievanceStore = (*Store)(nil)
	_ privacy.IncidentStore  = (*Store)(nil)
	_ privacy.DeletionStore  = (*Store)(nil)
	_ privacy.SweepLog       = (*Store)(nil)
	_ privacy.AuditPruner    = (*Store)(nil)
)

// New returns an empty store.
func New() *Store {
	return &Store{
		audit:       map[string][]privacy.AuditEntry{},
		checkpoints: map[string]privacy.AuditEntry{},
		holds:       map[string]map[string]privacy.Hold{},
		consents:    map[[2]string][]privacy.ConsentRecord{},
		requests:    map[[2]string]privacy.Request{},
		cursors:     map[[2]string]string{},
		griev:       map[[2]string]privacy.Grievance{},
		incs:        map[[2]string]privacy.Incident{},
		deletions:   map[string][]privacy.RequestRef{},
	}
}

// AppendAudit implements privacy.AuditStore.
func (m *Store) AppendAudit(_ context.Context, e privacy.AuditEntry) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	list := m.audit[e.WorkspaceID]
	if m.auditBase(e.WorkspaceID)+uint64(len(list))+1 != e.Seq {
		return privacy.ErrConflict
	}
	m.audit[e.WorkspaceID] = append(list, e)
	return nil
}

// auditBase is the Seq of the workspace's checkpoint (0 when never pruned).
func (m *Store) auditBase(ws string) uint64 {
	if cp, ok := m.checkpoints[ws]; ok {
		return cp.Seq
	}
	return 0
}

// LastAudit implements privacy.AuditStore.
func (m *Store) LastAudit(_ context.Context, ws string) (privacy.AuditEntry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	list := m.audit[ws]
	if len(list) == 0 {
		return privacy.AuditEntry{}, privacy.ErrNotFound
	}
	return list[len(list)-1], nil
}

// ListAudit implements privacy.AuditStore.
func (m *Store) ListAudit(_ context.Context, ws string, after uint64, limit int) ([]privacy.AuditEntry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	list := m.audit[ws]
	base := m.auditBase(ws)
	if after < base {
		after = base
	}
	i := after - base
	if i >= uint64(len(list)) || limit <= 0 {
		return nil, nil
	}
	end := min(uint64(len(list)), i+uint64(limit))
	return append([]privacy.AuditEntry(nil), list[i:end]...), nil
}

// PruneAudit implements privacy.AuditPruner.
func (m *Store) PruneAudit(_ context.Context, checkpoint privacy.AuditEntry) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ws := checkpoint.WorkspaceID
	list := m.audit[ws]
	base := m.auditBase(ws)
	if checkpoint.Seq <= base {
		return 0, nil
	}
	i := checkpoint.Seq - base // entries to drop
	if i > uint64(len(list)) || list[i-1].Hash != checkpoint.Hash {
		return 0, privacy.ErrConflict
	}
	m.audit[ws] = append([]privacy.AuditEntry(nil), list[i:]...)
	m.checkpoints[ws] = list[i-1]
	return int(i), nil
}

// AuditCheckpoint implements privacy.AuditPruner.
func (m *Store) AuditCheckpoint(_ context.Context, ws string) (privacy.AuditEntry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	cp, ok := m.checkpoints[ws]
	if !ok {
		return privacy.AuditEntry{}, privacy.ErrNotFound
	}
	return cp, nil
}

// PutHold implements privacy.HoldStore.
func (m *Store) PutHold(_ context.Context, h privacy.Hold) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.holds[h.WorkspaceID] == nil {
		m.holds[h.WorkspaceID] = map[string]privacy.Hold{}
	}
	m.holds[h.WorkspaceID][h.ID] = h
	return nil
}

// ActiveHolds implements privacy.HoldStore.
func (m *Store) ActiveHolds(_ context.Context, ws string) ([]privacy.Hold, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return active(m.holds[ws]), nil
}

// AllActiveHolds implements privacy.AllHolds.
func (m *Store) AllActiveHolds(context.Context) ([]privacy.Hold, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []privacy.Hold
	for _, hs := range m.holds {
		out = append(out, active(hs)...)
	}
	return out, nil
}

func active(hs map[string]privacy.Hold) []privacy.Hold {
	var out []privacy.Hold
	for _, h := range hs {
		if h.ReleasedAt.IsZero() {
			out = append(out, h)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// GetHold implements privacy.HoldStore.
func (m *Store) GetHold(_ context.Context, ws, id string) (privacy.Hold, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	h, ok := m.holds[ws][id]
	if !ok {
		return privacy.Hold{}, privacy.ErrNotFound
	}
	return h, nil
}

// AddConsent implements privacy.ConsentStore.
func (m *Store) AddConsent(_ context.Context, r privacy.ConsentRecord) error {
	if err := privacy.ValidateConsent(r); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	k := [2]string{r.WorkspaceID, r.Subject}
	list := append(m.consents[k], r)
	sort.SliceStable(list, func(i, j int) bool { return list[i].At.Before(list[j].At) })
	m.consents[k] = list
	return nil
}

// Consents implements privacy.ConsentStore.
func (m *Store) Consents(_ context.Context, ws, subject string) ([]privacy.ConsentRecord, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]privacy.ConsentRecord(nil), m.consents[[2]string{ws, subject}]...), nil
}

// PutRequest implements privacy.RequestStore.
func (m *Store) PutRequest(_ context.Context, r privacy.Request) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	r.Receipts = append([]privacy.Receipt(nil), r.Receipts...)
	r.Export = append([]privacy.ExportRecord(nil), r.Export...)
	r.Deadline.Pauses = append([]privacy.Pause(nil), r.Deadline.Pauses...)
	k := [2]string{r.Identifiers.WorkspaceID, r.ID}
	old, ok := m.requests[k]
	if (ok && old.Version != r.Version) || (!ok && r.Version != 0) {
		return privacy.ErrConflict
	}
	r.Version++
	m.requests[k] = r
	return nil
}

// GetRequest implements privacy.RequestStore.
func (m *Store) GetRequest(_ context.Context, ws, id string) (privacy.Request, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.requests[[2]string{ws, id}]
	if !ok {
		return privacy.Request{}, privacy.ErrNotFound
	}
	r.Receipts = append([]privacy.Receipt(nil), r.Receipts...)
	r.Export = append([]privacy.ExportRecord(nil), r.Export...)
	r.Deadline.Pauses = append([]privacy.Pause(nil), r.Deadline.Pauses...)
	return r, nil
}

// SweepCursor implements privacy.CursorStore.
func (m *Store) SweepCursor(_ context.Context, sink string, c privacy.Category) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.cursors[[2]string{sink, string(c)}], nil
}

// SaveSweepCursor implements privacy.CursorStore.
func (m *Store) SaveSweepCursor(_ context.Context, sink string, c privacy.Category, cursor string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.cursors[[2]string{sink, string(c)}] = cursor
	return nil
}

// OpenRequests implements privacy.RequestStore.
func (m *Store) OpenRequests(_ context.Context, ws string) ([]privacy.Request, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []privacy.Request
	for k, r := range m.requests {
		if k[0] == ws && r.State != privacy.StateCompleted && r.State != privacy.StateRejected {
			r.Receipts = append([]privacy.Receipt(nil), r.Receipts...)
			r.Export = append([]privacy.ExportRecord(nil), r.Export...)
			r.Deadline.Pauses = append([]privacy.Pause(nil), r.Deadline.Pauses...)
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].CreatedAt.Equal(out[j].CreatedAt) {
			return out[i].CreatedAt.Before(out[j].CreatedAt)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

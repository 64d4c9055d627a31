package memstore

import (
	"context"
	"errors"
	"slices"
	"sort"
	"time"

	"github.com/botsync/botsync/privacy"
)

func cloneGrievance(g privacy.Grievance) privacy.Grievance {
	g.Acknowledge.Pauses = slices.Clone(g.Acknowledge.Pauses)
	g.Resolve.Pauses = slices.Clone(g.Resolve.Pauses)
	return g
}

func cloneIncident(i privacy.Incident) privacy.Incident {
	i.Clocks = slices.Clone(i.Clocks)
	for k := range i.Clocks {
		i.Clocks[k].Pauses = slices.Clone(i.Clocks[k].Pauses)
	}
	return i
}

// PutGrievance implements privacy.GrievanceStore.
func (m *Store) PutGrievance(_ context.Context, g privacy.Grievance) error {
	if g.WorkspaceID == "" || g.ID == "" {
		return errors.New("privacy memstore: put grievance: workspace and id are required")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.griev[[2]string{g.WorkspaceID, g.ID}] = cloneGrievance(g)
	return nil
}

// GetGrievance implements privacy.GrievanceStore.
func (m *Store) GetGrievance(_ context.Context, ws, id string) (privacy.Grievance, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	g, ok := m.griev[[2]string{ws, id}]
	if !ok {
		return privacy.Grievance{}, privacy.ErrNotFound
	}
	return cloneGrievance(g), nil
}

// OpenGrievances implements privacy.GrievanceStore.
func (m *Store) OpenGrievances(_ context.Context, ws string) ([]privacy.Grievance, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []privacy.Grievance
	for k, g := range m.griev {
		if k[0] == ws && g.Open() {
			out = append(out, cloneGrievance(g))
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].ReceivedAt.Equal(out[j].ReceivedAt) {
			return out[i].ReceivedAt.Before(out[j].ReceivedAt)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// PutIncident implements privacy.IncidentStore.
func (m *Store) PutIncident(_ context.Context, i privacy.Incident) error {
	if i.WorkspaceID == "" || i.ID == "" {
		return errors.New("privacy memstore: put incident: workspace and id are required")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.incs[[2]string{i.WorkspaceID, i.ID}] = cloneIncident(i)
	return nil
}

// GetIncident implements privacy.IncidentStore.
func (m *Store) GetIncident(_ context.Context, ws, id string) (privacy.Incident, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	i, ok := m.incs[[2]string{ws, id}]
	if !ok {
		return privacy.Incident{}, privacy.ErrNotFound
	}
	return cloneIncident(i), nil
}

// OpenIncidents implements privacy.IncidentStore.
func (m *Store) OpenIncidents(_ context.Context, ws string) ([]privacy.Incident, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []privacy.Incident
	for k, i := range m.incs {
		if k[0] == ws && i.Open() {
			out = append(out, cloneIncident(i))
		}
	}
	sort.Slice(out, func(a, b int) bool {
		if !out[a].BecameAware.Equal(out[b].BecameAware) {
			return out[a].BecameAware.Before(out[b].BecameAware)
		}
		return out[a].ID < out[b].ID
	})
	return out, nil
}

// PutDeletion implements privacy.DeletionStore.
func (m *Store) PutDeletion(_ context.Context, codeHash string, refs []privacy.RequestRef, _ time.Time) error {
	if codeHash == "" || len(refs) == 0 {
		return errors.New("privacy memstore: put deletion: code hash and at least one request are required")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	have := m.deletions[codeHash]
	for _, r := range refs {
		if !slices.Contains(have, r) {
			have = append(have, r)
		}
	}
	sort.Slice(have, func(i, j int) bool {
		if have[i].WorkspaceID != have[j].WorkspaceID {
			return have[i].WorkspaceID < have[j].WorkspaceID
		}
		return have[i].RequestID < have[j].RequestID
	})
	m.deletions[codeHash] = have
	return nil
}

// Deletion implements privacy.DeletionStore.
func (m *Store) Deletion(_ context.Context, codeHash string) ([]privacy.RequestRef, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	refs, ok := m.deletions[codeHash]
	if !ok {
		return nil, privacy.ErrNotFound
	}
	return slices.Clone(refs), nil
}

// AddSweepReceipt implements privacy.SweepLog.
func (m *Store) AddSweepReceipt(_ context.Context, r privacy.SweepReceipt) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweeps = append(m.sweeps, r)
	return nil
}

// RecentSweeps implements privacy.SweepLog.
func (m *Store) RecentSweeps(_ context.Context, limit int) ([]privacy.SweepReceipt, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []privacy.SweepReceipt
	for i := len(m.sweeps) - 1; i >= 0 && len(out) < limit; i-- {
		out = append(out, m.sweeps[i])
	}
	return out, nil
}

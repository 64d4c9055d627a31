package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/botsync/botsync/privacy"
)

// PutGrievance implements privacy.GrievanceStore (insert or replace).
func (s *Store) PutGrievance(ctx context.Context, g privacy.Grievance) error {
	if g.WorkspaceID == "" || g.ID == "" {
		return errors.New("privacy pgstore: put grievance: workspace and id are required")
	}
	ack, err := json.Marshal(g.Acknowledge)
	if err != nil {
		return wrap("put grievance", err)
	}
	res, err := json.Marshal(g.Resolve)
	if err != nil {
		return wrap("put grievance", err)
	}
	_, err = s.db.Exec(ctx, `
INSERT INTO privacy_grievances (workspace_id, id, subject, channel, reference, received_at, acknowledged_at,
    resolved_at, resolution, acknowledge, resolve)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
ON CONFLICT (workspace_id, id) DO UPDATE SET
    subject = excluded.subject, channel = excluded.channel, reference = excluded.reference,
    received_at = excluded.received_at, acknowledged_at = excluded.acknowledged_at,
    resolved_at = excluded.resolved_at, resolution = excluded.resolution,
    acknowledge = excluded.acknowledge, resolve = excluded.resolve`,
		g.WorkspaceID, g.ID, g.Subject, g.Channel, g.Reference, g.ReceivedAt, nullTime(g.AcknowledgedAt),
		nullTime(g.ResolvedAt), g.Resolution, ack, res)
	return wrap("put grievance", err)
}

const grievanceCols = `workspace_id, id, subject, channel, reference, received_at, acknowledged_at, resolved_at,
    resolution, acknowledge, resolve`

func scanGrievance(row pgx.Row) (privacy.Grievance, error) {
	var (
		g          privacy.Grievance
		ackd, resd *time.Time
		ack, res   []byte
	)
	err := row.Scan(&g.WorkspaceID, &g.ID, &g.Subject, &g.Channel, &g.Reference, &g.ReceivedAt, &ackd, &resd,
		&g.Resolution, &ack, &res)
	if errors.Is(err, pgx.ErrNoRows) {
		return g, privacy.ErrNotFound
	}
	if err != nil {
		return g, err
	}
	g.ReceivedAt, g.AcknowledgedAt, g.ResolvedAt = g.ReceivedAt.UTC(), fromNull(ackd), fromNull(resd)
	if err := json.Unmarshal(ack, &g.Acknowledge); err != nil {
		return g, err
	}
	return g, json.Unmarshal(res, &g.Resolve)
}

// GetGrievance implements privacy.GrievanceStore.
func (s *Store) GetGrievance(ctx context.Context, workspaceID, id string) (privacy.Grievance, error) {
	g, err := scanGrievance(s.db.QueryRow(ctx, `SELECT `+grievanceCols+` FROM privacy_grievances
WHERE workspace_id = $1 AND id = $2`, workspaceID, id))
	return g, wrap("get grievance", err)
}

// OpenGrievances implements privacy.GrievanceStore.
func (s *Store) OpenGrievances(ctx context.Context, workspaceID string) ([]privacy.Grievance, error) {
	rows, err := s.db.Query(ctx, `SELECT `+grievanceCols+` FROM privacy_grievances
WHERE workspace_id = $1 AND resolved_at IS NULL ORDER BY received_at, id`, workspaceID)
	if err != nil {
		return nil, wrap("open grievances", err)
	}
	out, err := collect(rows, scanGrievance)
	return out, wrap("open grievances", err)
}

// PutIncident implements privacy.IncidentStore (insert or replace).
func (s *Store) PutIncident(ctx context.Context, i privacy.Incident) error {
	if i.WorkspaceID == "" || i.ID == "" {
		return errors.New("privacy pgstore: put incident: workspace and id are required")
	}
	clocks, err := json.Marshal(nonNil(i.Clocks))
	if err != nil {
		return wrap("put incident", err)
	}
	_, err = s.db.Exec(ctx, `
INSERT INTO privacy_incidents (workspace_id, id, title, became_aware, closed_at, clocks)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (workspace_id, id) DO UPDATE SET
    title = excluded.title, became_aware = excluded.became_aware, closed_at = excluded.closed_at, clocks = excluded.clocks`,
		i.WorkspaceID, i.ID, i.Title, i.BecameAware, nullTime(i.ClosedAt), clocks)
	return wrap("put incident", err)
}

const incidentCols = `workspace_id, id, title, became_aware, closed_at, clocks`

func scanIncident(row pgx.Row) (privacy.Incident, error) {
	var (
		i      privacy.Incident
		closed *time.Time
		clocks []byte
	)
	err := row.Scan(&i.WorkspaceID, &i.ID, &i.Title, &i.BecameAware, &closed, &clocks)
	if errors.Is(err, pgx.ErrNoRows) {
		return i, privacy.ErrNotFound
	}
	if err != nil {
		return i, err
	}
	i.BecameAware, i.ClosedAt = i.BecameAware.UTC(), fromNull(closed)
	if err := json.Unmarshal(clocks, &i.Clocks); err != nil {
		return i, err
	}
	if len(i.Clocks) == 0 {
		i.Clocks = nil
	}
	return i, nil
}

// GetIncident implements privacy.IncidentStore.
func (s *Store) GetIncident(ctx context.Context, workspaceID, id string) (privacy.Incident, error) {
	i, err := scanIncident(s.db.QueryRow(ctx, `SELECT `+incidentCols+` FROM privacy_incidents
WHERE workspace_id = $1 AND id = $2`, workspaceID, id))
	return i, wrap("get incident", err)
}

// OpenIncidents implements privacy.IncidentStore.
func (s *Store) OpenIncidents(ctx context.Context, workspaceID string) ([]privacy.Incident, error) {
	rows, err := s.db.Query(ctx, `SELECT `+incidentCols+` FROM privacy_incidents
WHERE workspace_id = $1 AND closed_at IS NULL ORDER BY became_aware, id`, workspaceID)
	if err != nil {
		return nil, wrap("open incidents", err)
	}
	out, err := collect(rows, scanIncident)
	return out, wrap("open incidents", err)
}

// PutDeletion implements privacy.DeletionStore.
func (s *Store) PutDeletion(ctx context.Context, codeHash string, refs []privacy.RequestRef, at time.Time) error {
	if codeHash == "" || len(refs) == 0 {
		return errors.New("privacy pgstore: put deletion: code hash and at least one request are required")
	}
	ws := make([]string, len(refs))
	ids := make([]string, len(refs))
	for i, r := range refs {
		ws[i], ids[i] = r.WorkspaceID, r.RequestID
	}
	_, err := s.db.Exec(ctx, `
INSERT INTO privacy_deletion_codes (code_hash, workspace_id, request_id, created_at)
SELECT $1, w, r, $4 FROM unnest($2::text[], $3::text[]) AS t(w, r)
ON CONFLICT DO NOTHING`, codeHash, ws, ids, at)
	return wrap("put deletion", err)
}

// Deletion implements privacy.DeletionStore.
func (s *Store) Deletion(ctx context.Context, codeHash string) ([]privacy.RequestRef, error) {
	rows, err := s.db.Query(ctx, `SELECT workspace_id, request_id FROM privacy_deletion_codes
WHERE code_hash = $1 ORDER BY workspace_id, request_id`, codeHash)
	if err != nil {
		return nil, wrap("deletion", err)
	}
	out, err := collect(rows, func(row pgx.Row) (privacy.RequestRef, error) {
		var r privacy.RequestRef
		return r, row.Scan(&r.WorkspaceID, &r.RequestID)
	})
	if err == nil && len(out) == 0 {
		return nil, privacy.ErrNotFound
	}
	return out, wrap("deletion", err)
}

// AddSweepReceipt implements privacy.SweepLog.
func (s *Store) AddSweepReceipt(ctx context.Context, r privacy.SweepReceipt) error {
	_, err := s.db.Exec(ctx, `
INSERT INTO privacy_sweep_receipts (sink, category, rule, workspace_id, cutoff, deleted, batches, done, started_at, finished_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		r.Sink, string(r.Category), r.Rule, r.WorkspaceID, r.Cutoff, r.Deleted, r.Batches, r.Done, r.StartedAt, r.FinishedAt)
	return wrap("add sweep receipt", err)
}

// RecentSweeps implements privacy.SweepLog.
func (s *Store) RecentSweeps(ctx context.Context, limit int) ([]privacy.SweepReceipt, error) {
	if limit <= 0 {
		return nil, nil
	}
	rows, err := s.db.Query(ctx, `SELECT sink, category, rule, workspace_id, cutoff, deleted, batches, done, started_at, finished_at
FROM privacy_sweep_receipts ORDER BY id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, wrap("recent sweeps", err)
	}
	out, err := collect(rows, func(row pgx.Row) (privacy.SweepReceipt, error) {
		var (
			r   privacy.SweepReceipt
			cat string
		)
		err := row.Scan(&r.Sink, &cat, &r.Rule, &r.WorkspaceID, &r.Cutoff, &r.Deleted, &r.Batches, &r.Done, &r.StartedAt, &r.FinishedAt)
		r.Category, r.Cutoff, r.StartedAt, r.FinishedAt = privacy.Category(cat), r.Cutoff.UTC(), r.StartedAt.UTC(), r.FinishedAt.UTC()
		return r, err
	})
	return out, wrap("recent sweeps", err)
}

package pgstore

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/botsync/botsync/crm"
)

// querier is the part of DB that statements inside or outside a transaction
// need.
type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// addActivitiesSQL inserts a batch of activities in one statement: nothing
// if a lead is missing, duplicates of a dedup key skipped, and each lead's
// last activity time moved forward.
const addActivitiesSQL = `
WITH a AS (
	SELECT * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[],
		$8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[])
		AS t(id, lead_id, type, actor_kind, actor_id, at, text, from_stage, to_stage, tag, ref_id, call, dedup_key)
), missing AS (
	SELECT 1 FROM a WHERE NOT EXISTS (SELECT 1 FROM crm_leads l WHERE l.workspace_id = $1 AND l.id = a.lead_id)
), ins AS (
	INSERT INTO crm_activities (workspace_id, id, lead_id, type, actor_kind, actor_id, at, text, from_stage,
		to_stage, tag, ref_id, call, dedup_key)
	SELECT $1, id, lead_id, type, actor_kind, actor_id, at, text, from_stage, to_stage, tag, ref_id,
		NULLIF(call, '')::jsonb, NULLIF(dedup_key, '')
	FROM a WHERE NOT EXISTS (SELECT 1 FROM missing)
	ON CONFLICT (workspace_id, dedup_key) WHERE dedup_key IS NOT NULL DO NOTHING
	RETURNING lead_id, at
), bump AS (
	UPDATE crm_leads l SET last_activity_at = GREATEST(l.last_activity_at, m.at)
	FROM (SELECT lead_id, max(at) AS at FROM ins GROUP BY lead_id) m
	WHERE l.workspace_id = $1 AND l.id = m.lead_id
)
SELECT (SELECT count(*) FROM ins), EXISTS (SELECT 1 FROM missing)`

func addActivities(ctx context.Context, q querier, ws string, acts []crm.Activity) (int, error) {
	if len(acts) == 0 {
		return 0, nil
	}
	n := len(acts)
	cols := make([][]string, 12)
	for i := range cols {
		cols[i] = make([]string, n)
	}
	ats := make([]time.Time, n)
	for i, a := range acts {
		call := ""
		if a.Call != nil {
			b, err := json.Marshal(a.Call)
			if err != nil {
				return 0, err
			}
			call = string(b)
		}
		ats[i] = a.At
		for j, v := range []string{a.ID, a.LeadID, string(a.Type), string(a.Actor.Kind), a.Actor.ID,
			a.Text, a.FromStage, a.ToStage, a.Tag, a.RefID, call, a.DedupKey} {
			cols[j][i] = v
		}
	}
	var (
		inserted int
		missing  bool
	)
	err := q.QueryRow(ctx, addActivitiesSQL, ws, cols[0], cols[1], cols[2], cols[3], cols[4], ats,
		cols[5], cols[6], cols[7], cols[8], cols[9], cols[10], cols[11]).Scan(&inserted, &missing)
	if err != nil {
		return 0, mapErr(err)
	}
	if missing {
		return 0, crm.ErrNotFound
	}
	return inserted, nil
}

// AddActivities implements crm.Store.
func (s *Store) AddActivities(ctx context.Context, ws string, acts []crm.Activity) (int, error) {
	return addActivities(ctx, s.db, ws, acts)
}

// Activities implements crm.Store.
func (s *Store) Activities(ctx context.Context, ws, leadID string) ([]crm.Activity, error) {
	rows, err := s.db.Query(ctx, `
		SELECT a.id, a.lead_id, a.type, a.actor_kind, a.actor_id, a.at, a.text, a.from_stage, a.to_stage, a.tag,
			a.ref_id, a.call, COALESCE(a.dedup_key, '')
		FROM crm_leads l LEFT JOIN crm_activities a ON a.workspace_id = l.workspace_id AND a.lead_id = l.id
		WHERE l.workspace_id = $1 AND l.id = $2 ORDER BY a.at, a.seq`, ws, leadID)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []crm.Activity
	found := false
	for rows.Next() {
		found = true
		var (
			id, lead, typ, ak, aid, text, from, to, tag, ref, dedup *string
			at                                                      *time.Time
			call                                                    []byte
		)
		if err := rows.Scan(&id, &lead, &typ, &ak, &aid, &at, &text, &from, &to, &tag, &ref, &call, &dedup); err != nil {
			return nil, mapErr(err)
		}
		if id == nil {
			continue // the lead exists but has no activities
		}
		a := crm.Activity{
			ID: *id, LeadID: *lead, Type: crm.ActivityType(*typ), Actor: crm.Actor{Kind: crm.ActorKind(*ak), ID: *aid},
			At: fromNull(at), Text: *text, FromStage: *from, ToStage: *to, Tag: *tag, RefID: *ref, DedupKey: *dedup,
		}
		if len(call) > 0 {
			a.Call = &crm.CallDetails{}
			if err := json.Unmarshal(call, a.Call); err != nil {
				return nil, err
			}
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, mapErr(err)
	}
	if !found {
		return nil, crm.ErrNotFound
	}
	return out, nil
}

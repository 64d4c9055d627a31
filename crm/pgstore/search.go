package pgstore

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/botsync/botsync/crm"
)

// SearchLeads implements crm.Store. Filters use the stage, tags (GIN),
// custom (GIN jsonb_path_ops), score and activity indexes; free text scans
// the workspace's names and phone and email identities.
func (s *Store) SearchLeads(ctx context.Context, ws string, q crm.Query) (*crm.LeadPage, error) {
	where, args := buildWhere(ws, q)
	limit := q.PageLimit()
	args = append(args, limit+1)
	sql := `SELECT ` + leadCols + ` FROM crm_leads l WHERE ` + where + ` ORDER BY l.id LIMIT $` + strconv.Itoa(len(args))
	rows, err := s.db.Query(ctx, sql, args...)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	page := &crm.LeadPage{}
	for rows.Next() {
		l, err := scanLead(rows)
		if err != nil {
			return nil, err
		}
		page.Leads = append(page.Leads, l)
	}
	if err := rows.Err(); err != nil {
		return nil, mapErr(err)
	}
	if len(page.Leads) > limit {
		page.Leads = page.Leads[:limit]
		page.Next = page.Leads[limit-1].ID
	}
	return page, nil
}

func buildWhere(ws string, q crm.Query) (string, []any) {
	args := []any{ws}
	conds := []string{"l.workspace_id = $1", "l.merged_into IS NULL"}
	add := func(cond string, v any) {
		args = append(args, v)
		conds = append(conds, strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(args))))
	}
	if q.Cursor != "" {
		add("l.id > ?", q.Cursor)
	}
	if q.Stage != "" {
		add("l.stage = ?", q.Stage)
	}
	if len(q.Tags) > 0 {
		add("l.tags @> ?::text[]", q.Tags)
	}
	if len(q.Custom) > 0 {
		b, _ := json.Marshal(q.Custom)
		add("l.custom @> ?::jsonb", string(b))
	}
	if q.Channel != "" {
		add("l.source_channel = ?", q.Channel)
	}
	if q.Campaign != "" {
		add("l.source_campaign = ?", q.Campaign)
	}
	if q.AdID != "" {
		add("l.source_ad_id = ?", q.AdID)
	}
	if q.Assignee != "" {
		add("l.assignee = ?", q.Assignee)
	}
	if q.MinScore != nil {
		add("l.score >= ?", *q.MinScore)
	}
	if q.MaxScore != nil {
		add("l.score <= ?", *q.MaxScore)
	}
	if !q.ActiveAfter.IsZero() {
		add("l.last_activity_at >= ?", q.ActiveAfter)
	}
	if !q.ActiveBefore.IsZero() {
		add("l.last_activity_at < ?", q.ActiveBefore)
	}
	if q.Text != "" {
		pat := "%" + likeEscape(q.Text) + "%"
		add(`(l.name ILIKE ? OR EXISTS (SELECT 1 FROM crm_identities i WHERE i.workspace_id = l.workspace_id
			AND i.lead_id = l.id AND i.kind IN ('phone', 'email') AND i.value ILIKE ?))`, pat)
	}
	return strings.Join(conds, " AND "), args
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// CountByStage implements crm.Store.
func (s *Store) CountByStage(ctx context.Context, ws string) (map[string]int, error) {
	rows, err := s.db.Query(ctx, `SELECT stage, count(*) FROM crm_leads WHERE workspace_id = $1 AND merged_into IS NULL GROUP BY stage`, ws)
	if err != nil {
		return nil, mapErr(err)
	}
	out := map[string]int{}
	var (
		stage string
		n     int
	)
	_, err = pgx.ForEachRow(rows, []any{&stage, &n}, func() error {
		out[stage] = n
		return nil
	})
	return out, mapErr(err)
}

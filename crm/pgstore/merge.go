package pgstore

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/botsync/botsync/crm"
)

// MergeLeads implements crm.Store in one transaction: both leads are locked
// (in id order, so concurrent merges cannot deadlock), fn updates the
// winner, and the moves are sent as one batch.
func (s *Store) MergeLeads(ctx context.Context, ws, winnerID, loserID string, fn func(w, l *crm.Lead) (crm.Activity, error)) (*crm.Lead, error) {
	var out *crm.Lead
	err := s.tx(ctx, func(tx pgx.Tx) error {
		first, second := winnerID, loserID
		if second < first {
			first, second = second, first
		}
		a, err := lockLead(ctx, tx, ws, first)
		if err != nil {
			return err
		}
		b, err := lockLead(ctx, tx, ws, second)
		if err != nil {
			return err
		}
		win, lose := a, b
		if a.ID != winnerID {
			win, lose = b, a
		}
		if win.MergedInto != "" || lose.MergedInto != "" {
			return crm.ErrMerged
		}
		orig := win.Clone()
		act, err := fn(win, lose.Clone())
		if err != nil {
			return err
		}
		win.ID, win.WorkspaceID, win.MergedInto = orig.ID, orig.WorkspaceID, ""
		if act.At.After(win.LastActivityAt) {
			win.LastActivityAt = act.At
		}
		batch := &pgx.Batch{}
		// Conversations on an account both leads use: the winner's absorbs
		// the loser's messages, unread count and times.
		batch.Queue(`UPDATE crm_messages m SET conversation_id = w.id
			FROM crm_conversations l JOIN crm_conversations w
				ON w.workspace_id = l.workspace_id AND w.channel_account = l.channel_account AND w.lead_id = $2
			WHERE l.workspace_id = $1 AND l.lead_id = $3 AND m.workspace_id = $1 AND m.conversation_id = l.id`,
			ws, winnerID, loserID)
		batch.Queue(`UPDATE crm_conversations w SET unread = w.unread + l.unread,
				last_inbound_at = GREATEST(w.last_inbound_at, l.last_inbound_at),
				last_message_at = GREATEST(w.last_message_at, l.last_message_at)
			FROM crm_conversations l
			WHERE w.workspace_id = $1 AND w.lead_id = $2 AND l.workspace_id = $1 AND l.lead_id = $3
				AND l.channel_account = w.channel_account`, ws, winnerID, loserID)
		batch.Queue(`DELETE FROM crm_conversations l USING crm_conversations w
			WHERE l.workspace_id = $1 AND l.lead_id = $3 AND w.workspace_id = $1 AND w.lead_id = $2
				AND w.channel_account = l.channel_account`, ws, winnerID, loserID)
		for _, table := range []string{"crm_conversations", "crm_messages", "crm_activities", "crm_bookings", "crm_identities"} {
			batch.Queue(`UPDATE `+table+` SET lead_id = $2 WHERE workspace_id = $1 AND lead_id = $3`, ws, winnerID, loserID)
		}
		batch.Queue(`UPDATE crm_leads SET merged_into = $2 WHERE workspace_id = $1 AND (merged_into = $3 OR id = $3)`,
			ws, winnerID, loserID)
		if err := tx.SendBatch(ctx, batch).Close(); err != nil {
			return err
		}
		if err := saveLead(ctx, tx, ws, win); err != nil {
			return err
		}
		act.LeadID = winnerID
		if _, err := addActivities(ctx, tx, ws, []crm.Activity{act}); err != nil {
			return err
		}
		out, err = scanLead(tx.QueryRow(ctx, `SELECT `+leadCols+` FROM crm_leads l WHERE l.workspace_id = $1 AND l.id = $2`, ws, winnerID))
		return err
	})
	if err != nil {
		if errors.Is(err, crm.ErrMerged) {
			return nil, crm.ErrMerged
		}
		return nil, mapErr(err)
	}
	return out, nil
}

// ImportLeads implements crm.Store in one transaction: a conflict check,
// then COPY of the leads, identities and activities.
func (s *Store) ImportLeads(ctx context.Context, ws string, leads []*crm.Lead, acts []crm.Activity) error {
	var kinds, values []string
	for _, l := range leads {
		k, v := identArrays(l.Identities)
		kinds, values = append(kinds, k...), append(values, v...)
	}
	err := s.tx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT i.kind, i.value FROM crm_identities i
			JOIN unnest($2::text[], $3::text[]) AS t(kind, value) USING (kind, value)
			WHERE i.workspace_id = $1`, ws, kinds, values)
		if err != nil {
			return err
		}
		var taken []crm.Identity
		var id crm.Identity
		if _, err := pgx.ForEachRow(rows, []any{&id.Kind, &id.Value}, func() error {
			taken = append(taken, id)
			return nil
		}); err != nil {
			return err
		}
		if len(taken) > 0 {
			return &crm.IdentityConflictError{Identities: taken}
		}
		_, err = tx.CopyFrom(ctx, pgx.Identifier{"crm_leads"}, []string{
			"workspace_id", "id", "name", "city", "interest", "budget", "timeline", "exam_status", "callback_phone",
			"stage", "tags", "custom", "assignee", "source_channel", "source_campaign", "source_ad_id", "score",
			"score_reasons", "consent", "marketing_opt_out", "created_at", "updated_at", "last_activity_at",
		}, pgx.CopyFromSlice(len(leads), func(i int) ([]any, error) {
			l := leads[i]
			return []any{ws, l.ID, l.Name, l.City, l.Interest, l.Budget, l.Timeline, l.ExamStatus, l.CallbackPhone,
				l.Stage, tagsOrEmpty(l.Tags), customOrEmpty(l.Custom), l.Assignee, l.Source.Channel, l.Source.Campaign,
				l.Source.AdID, l.Score, tagsOrEmpty(l.ScoreReasons), l.Consent, l.MarketingOptOut,
				l.CreatedAt, l.UpdatedAt, l.LastActivityAt}, nil
		}))
		if err != nil {
			return err
		}
		var identRows [][]any
		for _, l := range leads {
			for _, id := range l.Identities {
				identRows = append(identRows, []any{ws, string(id.Kind), id.Value, l.ID, l.CreatedAt})
			}
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"crm_identities"},
			[]string{"workspace_id", "kind", "value", "lead_id", "created_at"}, pgx.CopyFromRows(identRows)); err != nil {
			return err
		}
		_, err = addActivities(ctx, tx, ws, acts)
		return err
	})
	var ice *crm.IdentityConflictError
	if errors.As(err, &ice) {
		return ice
	}
	if err != nil {
		return mapErr(err)
	}
	if len(leads) >= analyzeAfter {
		// A bulk load leaves the planner's statistics stale until autovacuum
		// catches up; segment queries would meanwhile pick poor plans.
		if _, err := s.db.Exec(ctx, `ANALYZE crm_leads, crm_identities`); err != nil {
			return mapErr(err)
		}
	}
	return nil
}

// analyzeAfter is the import size after which ImportLeads refreshes the
// planner statistics.
const analyzeAfter = 5000

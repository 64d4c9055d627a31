// Package pgstore is the PostgreSQL crm.Store (PostgreSQL 15 or later).
//
//	if err := pgstore.Migrate(ctx, pool); err != nil { … }
//	svc, err := crm.New(pgstore.New(pool), crm.WithDefaultRegion("IN"))
//
// New accepts anything with pgx's Exec/Query/QueryRow/Begin — a
// *pgxpool.Pool or a pgx.Tx — so callers can compose one transaction across
// packages (store an inbound message and queue its job together). Every row
// carries its workspace id and every statement is scoped by it.
//
// Find-or-create is one statement (one round trip once pgx has prepared it on
// the connection; see TestRoundTrips): a CTE claims the
// identities with INSERT … ON CONFLICT DO NOTHING and creates the lead only
// when it claimed all of them, so concurrent webhooks for one new contact
// create one lead (a loser of the race retries and finds the winner's lead).
// Message inserts are idempotent on (workspace, channel account, provider
// message id) by a unique index. The Store is safe for concurrent use.
package pgstore

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/botsync/botsync/crm"
	"github.com/botsync/botsync/internal/pgmigrate"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrate applies the CRM's schema migrations.
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	return pgmigrate.Up(ctx, pool, "crm", migrations, "migrations")
}

// DB is what the Store needs from pgx: *pgxpool.Pool, *pgx.Conn and pgx.Tx
// all satisfy it.
type DB interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Begin(ctx context.Context) (pgx.Tx, error)
}

// Store is the PostgreSQL crm.Store.
type Store struct {
	db DB
}

var _ crm.Store = (*Store)(nil)

// New returns a Store over db (the schema must be migrated).
func New(db DB) *Store { return &Store{db: db} }

// retries bounds the attempts of statements that lose a race and retry.
const retries = 8

func (s *Store) tx(ctx context.Context, fn func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, s.db, fn)
}

// mapErr turns driver errors into the package's sentinels.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return crm.ErrNotFound
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505":
			return fmt.Errorf("%w (%s)", crm.ErrConflict, pe.ConstraintName)
		case "23503":
			return crm.ErrNotFound
		}
		return fmt.Errorf("crm pgstore: %s (SQLSTATE %s)", pe.Message, pe.Code)
	}
	return err
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

func fromNull(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// leadCols selects a lead from alias l, with its identities as "kind:value".
const leadCols = `l.id, l.workspace_id, l.name, l.city, l.interest, l.budget, l.timeline, l.exam_status,
	l.callback_phone, l.stage, l.tags, l.custom, l.assignee, l.source_channel, l.source_campaign,
	l.source_ad_id, l.score, l.score_reasons, l.consent, l.marketing_opt_out, COALESCE(l.merged_into, ''),
	l.created_at, l.updated_at, l.last_activity_at,
	ARRAY(SELECT i.kind || ':' || i.value FROM crm_identities i
	      WHERE i.workspace_id = l.workspace_id AND i.lead_id = l.id ORDER BY i.kind, i.value)`

func scanLead(row pgx.Row) (*crm.Lead, error) {
	var (
		l      crm.Lead
		idents []string
	)
	err := row.Scan(&l.ID, &l.WorkspaceID, &l.Name, &l.City, &l.Interest, &l.Budget, &l.Timeline, &l.ExamStatus,
		&l.CallbackPhone, &l.Stage, &l.Tags, &l.Custom, &l.Assignee, &l.Source.Channel, &l.Source.Campaign,
		&l.Source.AdID, &l.Score, &l.ScoreReasons, &l.Consent, &l.MarketingOptOut, &l.MergedInto,
		&l.CreatedAt, &l.UpdatedAt, &l.LastActivityAt, &idents)
	if err != nil {
		return nil, mapErr(err)
	}
	l.Identities = parseIdents(idents)
	normLead(&l)
	return &l, nil
}

// leadRow is a crm_leads row as to_jsonb renders it.
type leadRow struct {
	ID              string            `json:"id"`
	WorkspaceID     string            `json:"workspace_id"`
	Name            string            `json:"name"`
	City            string            `json:"city"`
	Interest        string            `json:"interest"`
	Budget          string            `json:"budget"`
	Timeline        string            `json:"timeline"`
	ExamStatus      string            `json:"exam_status"`
	CallbackPhone   string            `json:"callback_phone"`
	Stage           string            `json:"stage"`
	Tags            []string          `json:"tags"`
	Custom          map[string]string `json:"custom"`
	Assignee        string            `json:"assignee"`
	SourceChannel   string            `json:"source_channel"`
	SourceCampaign  string            `json:"source_campaign"`
	SourceAdID      string            `json:"source_ad_id"`
	Score           int               `json:"score"`
	ScoreReasons    []string          `json:"score_reasons"`
	Consent         bool              `json:"consent"`
	MarketingOptOut bool              `json:"marketing_opt_out"`
	MergedInto      *string           `json:"merged_into"`
	CreatedAt       time.Time         `json:"created_at"`
	UpdatedAt       time.Time         `json:"updated_at"`
	LastActivityAt  time.Time         `json:"last_activity_at"`
}

func (r *leadRow) lead() *crm.Lead {
	l := &crm.Lead{
		ID: r.ID, WorkspaceID: r.WorkspaceID, Name: r.Name, City: r.City, Interest: r.Interest, Budget: r.Budget,
		Timeline: r.Timeline, ExamStatus: r.ExamStatus, CallbackPhone: r.CallbackPhone, Stage: r.Stage,
		Tags: r.Tags, Custom: r.Custom, Assignee: r.Assignee,
		Source: crm.Source{Channel: r.SourceChannel, Campaign: r.SourceCampaign, AdID: r.SourceAdID},
		Score:  r.Score, ScoreReasons: r.ScoreReasons, Consent: r.Consent, MarketingOptOut: r.MarketingOptOut,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, LastActivityAt: r.LastActivityAt,
	}
	if r.MergedInto != nil {
		l.MergedInto = *r.MergedInto
	}
	normLead(l)
	return l
}

func normLead(l *crm.Lead) {
	l.CreatedAt, l.UpdatedAt, l.LastActivityAt = l.CreatedAt.UTC(), l.UpdatedAt.UTC(), l.LastActivityAt.UTC()
	if len(l.Tags) == 0 {
		l.Tags = nil
	}
	if len(l.ScoreReasons) == 0 {
		l.ScoreReasons = nil
	}
	if len(l.Custom) == 0 {
		l.Custom = nil
	}
}

func parseIdents(in []string) []crm.Identity {
	if len(in) == 0 {
		return nil
	}
	out := make([]crm.Identity, 0, len(in))
	for _, s := range in {
		k, v, _ := strings.Cut(s, ":")
		out = append(out, crm.Identity{Kind: crm.IdentityKind(k), Value: v})
	}
	crm.SortIdentities(out)
	return out
}

func identArrays(ids []crm.Identity) (kinds, values []string) {
	kinds, values = make([]string, len(ids)), make([]string, len(ids))
	for i, id := range ids {
		kinds[i], values[i] = string(id.Kind), id.Value
	}
	return kinds, values
}

func tagsOrEmpty(t []string) []string {
	if t == nil {
		return []string{}
	}
	return t
}

func customOrEmpty(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// findOrCreateSQL claims the identities for the found lead or for the new
// lead $4; the new lead is inserted only when every identity was claimed.
// A partial claim (a concurrent call took some identities first) makes the
// claimed rows reference a lead that was not inserted: the foreign key fails
// the whole statement and the caller retries, now finding the other lead.
const findOrCreateSQL = `
WITH input AS (
	SELECT k AS kind, v AS value FROM unnest($2::text[], $3::text[]) AS t(k, v)
), found AS (
	SELECT i.lead_id FROM crm_identities i JOIN input USING (kind, value)
	WHERE i.workspace_id = $1 ORDER BY i.created_at, i.lead_id LIMIT 1
), claim AS (
	INSERT INTO crm_identities (workspace_id, kind, value, lead_id, created_at)
	SELECT $1, kind, value, COALESCE((SELECT lead_id FROM found), $4), $5 FROM input ORDER BY kind, value
	ON CONFLICT (workspace_id, kind, value) DO NOTHING
	RETURNING kind, value
), created AS (
	INSERT INTO crm_leads (workspace_id, id, name, stage, source_channel, source_campaign, source_ad_id,
		created_at, updated_at, last_activity_at)
	SELECT $1, $4, $6,
		COALESCE(NULLIF($7, ''), (SELECT key FROM crm_stages WHERE workspace_id = $1 ORDER BY position LIMIT 1), ''),
		$8, $9, $10, $5, $5, $5
	WHERE NOT EXISTS (SELECT 1 FROM found) AND (SELECT count(*) FROM claim) = cardinality($2::text[])
	RETURNING id, stage
), act AS (
	INSERT INTO crm_activities (workspace_id, id, lead_id, type, actor_kind, actor_id, at, text)
	SELECT $1, $11, id, $12, $13, $14, $5, $15 FROM created
), named AS (
	UPDATE crm_leads SET name = $6, updated_at = $5
	WHERE workspace_id = $1 AND id = (SELECT lead_id FROM found) AND name = '' AND $6 <> ''
)
SELECT (SELECT id FROM created), (SELECT stage FROM created), (SELECT lead_id FROM found),
	ARRAY(SELECT kind || ':' || value FROM claim),
	(SELECT to_jsonb(l) FROM crm_leads l WHERE l.workspace_id = $1 AND l.id = (SELECT lead_id FROM found)),
	ARRAY(SELECT i.kind || ':' || i.value FROM crm_identities i
	      WHERE i.workspace_id = $1 AND i.lead_id = (SELECT lead_id FROM found))`

// FindOrCreateLead implements crm.Store.
func (s *Store) FindOrCreateLead(ctx context.Context, ws string, ids []crm.Identity, lead *crm.Lead, act crm.Activity) (*crm.Lead, bool, error) {
	kinds, values := identArrays(ids)
	for range retries {
		var (
			createdID, stage  *string
			foundID           *string
			claimed, existing []string
			row               *leadRow
		)
		err := s.db.QueryRow(ctx, findOrCreateSQL, ws, kinds, values, lead.ID, lead.CreatedAt,
			lead.Name, lead.Stage, lead.Source.Channel, lead.Source.Campaign, lead.Source.AdID,
			act.ID, string(act.Type), string(act.Actor.Kind), act.Actor.ID, act.Text,
		).Scan(&createdID, &stage, &foundID, &claimed, &row, &existing)
		if err := mapErr(err); err != nil {
			if errors.Is(err, crm.ErrNotFound) {
				continue // lost a race (foreign key): look again
			}
			return nil, false, err
		}
		switch {
		case createdID != nil:
			l := lead.Clone()
			l.WorkspaceID, l.Identities, l.Stage = ws, parseIdents(claimed), *stage
			l.UpdatedAt, l.LastActivityAt = l.CreatedAt, l.CreatedAt
			normLead(l)
			return l, true, nil
		case foundID != nil && row != nil:
			l := row.lead()
			l.Identities = parseIdents(append(existing, claimed...))
			if l.Name == "" && lead.Name != "" {
				l.Name, l.UpdatedAt = lead.Name, lead.CreatedAt
			}
			return l, false, nil
		}
	}
	return nil, false, fmt.Errorf("crm pgstore: find or create: gave up after %d attempts under contention", retries)
}

// Lead implements crm.Store.
func (s *Store) Lead(ctx context.Context, ws, id string) (*crm.Lead, error) {
	return scanLead(s.db.QueryRow(ctx, `SELECT `+leadCols+` FROM crm_leads l WHERE l.workspace_id = $1 AND l.id = $2`, ws, id))
}

// MergedLeads implements crm.Store.
func (s *Store) MergedLeads(ctx context.Context, ws, id string) ([]*crm.Lead, error) {
	if err := s.leadExists(ctx, ws, id); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT `+leadCols+` FROM crm_leads l WHERE l.workspace_id = $1 AND l.merged_into = $2 ORDER BY l.id`, ws, id)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []*crm.Lead
	for rows.Next() {
		l, err := scanLead(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, mapErr(rows.Err())
}

// LeadByIdentity implements crm.Store.
func (s *Store) LeadByIdentity(ctx context.Context, ws string, id crm.Identity) (*crm.Lead, error) {
	return scanLead(s.db.QueryRow(ctx, `SELECT `+leadCols+` FROM crm_identities x
		JOIN crm_leads l ON l.workspace_id = x.workspace_id AND l.id = x.lead_id
		WHERE x.workspace_id = $1 AND x.kind = $2 AND x.value = $3`, ws, string(id.Kind), id.Value))
}

// lockLead reads a lead for a read-modify-write. FOR NO KEY UPDATE
// serialises writers of the row without blocking the foreign-key checks of
// concurrent inserts (activities, messages, identities) for the lead.
func lockLead(ctx context.Context, tx pgx.Tx, ws, id string) (*crm.Lead, error) {
	return scanLead(tx.QueryRow(ctx, `SELECT `+leadCols+` FROM crm_leads l WHERE l.workspace_id = $1 AND l.id = $2 FOR NO KEY UPDATE`, ws, id))
}

func saveLead(ctx context.Context, tx pgx.Tx, ws string, l *crm.Lead) error {
	_, err := tx.Exec(ctx, `UPDATE crm_leads SET name = $3, city = $4, interest = $5, budget = $6, timeline = $7,
		exam_status = $8, callback_phone = $9, stage = $10, tags = $11, custom = $12, assignee = $13,
		source_channel = $14, source_campaign = $15, source_ad_id = $16, score = $17, score_reasons = $18,
		consent = $19, marketing_opt_out = $20, updated_at = $21, last_activity_at = $22, created_at = $23
		WHERE workspace_id = $1 AND id = $2`,
		ws, l.ID, l.Name, l.City, l.Interest, l.Budget, l.Timeline, l.ExamStatus, l.CallbackPhone, l.Stage,
		tagsOrEmpty(l.Tags), customOrEmpty(l.Custom), l.Assignee, l.Source.Channel, l.Source.Campaign, l.Source.AdID,
		l.Score, tagsOrEmpty(l.ScoreReasons), l.Consent, l.MarketingOptOut, l.UpdatedAt, l.LastActivityAt, l.CreatedAt)
	return mapErr(err)
}

// UpdateLead implements crm.Store.
func (s *Store) UpdateLead(ctx context.Context, ws, id string, fn func(*crm.Lead) ([]crm.Activity, error)) (*crm.Lead, error) {
	var out *crm.Lead
	err := s.tx(ctx, func(tx pgx.Tx) error {
		l, err := lockLead(ctx, tx, ws, id)
		if err != nil {
			return err
		}
		if l.MergedInto != "" {
			return crm.ErrMerged
		}
		orig := l.Clone()
		acts, err := fn(l)
		if err != nil {
			return err
		}
		l.ID, l.WorkspaceID, l.Identities, l.MergedInto, l.CreatedAt = orig.ID, orig.WorkspaceID, orig.Identities, "", orig.CreatedAt
		l.LastActivityAt = orig.LastActivityAt
		for _, a := range acts {
			if a.At.After(l.LastActivityAt) {
				l.LastActivityAt = a.At
			}
		}
		if err := saveLead(ctx, tx, ws, l); err != nil {
			return err
		}
		for i := range acts {
			acts[i].LeadID = id
		}
		if _, err := addActivities(ctx, tx, ws, acts); err != nil {
			return err
		}
		out = l
		return nil
	})
	if err != nil {
		return nil, mapErr(err)
	}
	return out, nil
}

// AddIdentity implements crm.Store.
func (s *Store) AddIdentity(ctx context.Context, ws, leadID string, id crm.Identity) error {
	var owner *string
	var merged *string
	err := s.db.QueryRow(ctx, `
		WITH lead AS (SELECT id, merged_into FROM crm_leads WHERE workspace_id = $1 AND id = $2),
		ins AS (
			INSERT INTO crm_identities (workspace_id, kind, value, lead_id, created_at)
			SELECT $1, $3, $4, id, now() FROM lead WHERE merged_into IS NULL
			ON CONFLICT (workspace_id, kind, value) DO NOTHING RETURNING lead_id
		)
		SELECT (SELECT merged_into FROM lead),
			COALESCE((SELECT lead_id FROM ins),
				(SELECT lead_id FROM crm_identities WHERE workspace_id = $1 AND kind = $3 AND value = $4))
		FROM lead`, ws, leadID, string(id.Kind), id.Value).Scan(&merged, &owner)
	if err != nil {
		return mapErr(err)
	}
	switch {
	case merged != nil:
		return crm.ErrMerged
	case owner == nil:
		return crm.ErrConflict // taken concurrently by a lead committed after our snapshot
	case *owner != leadID:
		return crm.ErrConflict
	}
	return nil
}

// RemoveIdentity implements crm.Store.
func (s *Store) RemoveIdentity(ctx context.Context, ws, leadID string, id crm.Identity) error {
	tag, err := s.db.Exec(ctx, `DELETE FROM crm_identities WHERE workspace_id = $1 AND lead_id = $2 AND kind = $3 AND value = $4`,
		ws, leadID, string(id.Kind), id.Value)
	if err != nil {
		return mapErr(err)
	}
	if tag.RowsAffected() == 0 {
		return crm.ErrNotFound
	}
	return nil
}

// DeleteLead implements crm.Store.
func (s *Store) DeleteLead(ctx context.Context, ws, id string) error {
	tag, err := s.db.Exec(ctx, `DELETE FROM crm_leads WHERE workspace_id = $1 AND (id = $2 OR merged_into = $2)`, ws, id)
	if err != nil {
		return mapErr(err)
	}
	if tag.RowsAffected() == 0 {
		return crm.ErrNotFound
	}
	return nil
}

// LeadsByPhone implements crm.Store.
func (s *Store) LeadsByPhone(ctx context.Context, ws string, phones []string) (map[string]string, error) {
	rows, err := s.db.Query(ctx, `SELECT value, lead_id FROM crm_identities
		WHERE workspace_id = $1 AND kind = 'phone' AND value = ANY($2::text[])`, ws, phones)
	if err != nil {
		return nil, mapErr(err)
	}
	out := make(map[string]string)
	var phone, lead string
	_, err = pgx.ForEachRow(rows, []any{&phone, &lead}, func() error {
		out[phone] = lead
		return nil
	})
	return out, mapErr(err)
}

// SetStages implements crm.Store.
func (s *Store) SetStages(ctx context.Context, ws string, stages []crm.Stage) error {
	keys, names, pos := make([]string, len(stages)), make([]string, len(stages)), make([]int32, len(stages))
	for i, st := range stages {
		keys[i], names[i], pos[i] = st.Key, st.Name, int32(i)
	}
	return mapErr(s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM crm_stages WHERE workspace_id = $1`, ws); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO crm_stages (workspace_id, key, name, position)
			SELECT $1, k, n, p FROM unnest($2::text[], $3::text[], $4::int[]) AS t(k, n, p)`, ws, keys, names, pos)
		return err
	}))
}

// Stages implements crm.Store.
func (s *Store) Stages(ctx context.Context, ws string) ([]crm.Stage, error) {
	rows, err := s.db.Query(ctx, `SELECT key, name FROM crm_stages WHERE workspace_id = $1 ORDER BY position`, ws)
	if err != nil {
		return nil, mapErr(err)
	}
	var out []crm.Stage
	var st crm.Stage
	_, err = pgx.ForEachRow(rows, []any{&st.Key, &st.Name}, func() error {
		out = append(out, st)
		return nil
	})
	return out, mapErr(err)
}

// PutField implements crm.Store.
func (s *Store) PutField(ctx context.Context, ws string, d crm.FieldDef) error {
	_, err := s.db.Exec(ctx, `INSERT INTO crm_fields (workspace_id, key, label, type, options, required)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (workspace_id, key) DO UPDATE SET label = $3, type = $4, options = $5, required = $6`,
		ws, d.Key, d.Label, string(d.Type), tagsOrEmpty(d.Options), d.Required)
	return mapErr(err)
}

// DeleteField implements crm.Store.
func (s *Store) DeleteField(ctx context.Context, ws, key string) error {
	tag, err := s.db.Exec(ctx, `DELETE FROM crm_fields WHERE workspace_id = $1 AND key = $2`, ws, key)
	if err != nil {
		return mapErr(err)
	}
	if tag.RowsAffected() == 0 {
		return crm.ErrNotFound
	}
	return nil
}

// Fields implements crm.Store.
func (s *Store) Fields(ctx context.Context, ws string) ([]crm.FieldDef, error) {
	rows, err := s.db.Query(ctx, `SELECT key, label, type, options, required FROM crm_fields WHERE workspace_id = $1 ORDER BY key`, ws)
	if err != nil {
		return nil, mapErr(err)
	}
	var out []crm.FieldDef
	var d crm.FieldDef
	_, err = pgx.ForEachRow(rows, []any{&d.Key, &d.Label, &d.Type, &d.Options, &d.Required}, func() error {
		c := d
		if len(c.Options) == 0 {
			c.Options = nil
		}
		out = append(out, c)
		return nil
	})
	return out, mapErr(err)
}

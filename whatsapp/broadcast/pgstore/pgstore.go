// Package pgstore is the PostgreSQL [broadcast.Store] (PostgreSQL 15 or
// later, pgx/v5): campaigns as JSON documents, recipients as rows bulk
// loaded with COPY, claims with FOR UPDATE SKIP LOCKED so several worker
// pools and server instances share a campaign without sending anyone
// twice.
//
//	if err := pgstore.Migrate(ctx, pool); err != nil { … }
//	svc, err := broadcast.New(pgstore.New(pool), wa.Messages,
//		broadcast.WithTierBudget(pgstore.NewTierBudget(pool, nil)))
//
// [TierBudget] shares the messaging-limit budget (unique recipients per
// rolling 24 hours per number) between instances.
//
// New accepts anything with pgx's Exec/Query/QueryRow/Begin/CopyFrom — a
// *pgxpool.Pool or a pgx.Tx — so a caller can compose a transaction (create
// a campaign with its own records). Every row carries its workspace id and
// every statement is scoped by it. The Store is safe for concurrent use
// when its DB is.
package pgstore

import (
	"cmp"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/botsync/botsync/internal/pgmigrate"
	"github.com/botsync/botsync/whatsapp/broadcast"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrate applies the package's schema migrations.
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	return pgmigrate.Up(ctx, pool, "broadcast", migrations, "migrations")
}

// DB is what the Store needs from pgx: *pgxpool.Pool, *pgx.Conn and pgx.Tx
// satisfy it.
type DB interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Begin(ctx context.Context) (pgx.Tx, error)
	CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, src pgx.CopyFromSource) (int64, error)
}

// Store is the PostgreSQL broadcast store.
type Store struct{ db DB }

var _ broadcast.Store = (*Store)(nil)

// New returns a store over db (migrated with [Migrate]).
func New(db DB) *Store { return &Store{db: db} }

func mapErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return broadcast.ErrNotFound
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" {
		return broadcast.ErrExists
	}
	return fmt.Errorf("broadcast/pgstore: %w", err)
}

// CreateCampaign implements [broadcast.Store].
func (s *Store) CreateCampaign(ctx context.Context, c *broadcast.Campaign) error {
	data, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("broadcast/pgstore: encode campaign: %w", err)
	}
	_, err = s.db.Exec(ctx, `INSERT INTO broadcast_campaigns (workspace_id, id, state, data, updated_at)
VALUES ($1, $2, $3, $4, $5)`, c.WorkspaceID, c.ID, string(c.State), data, c.UpdatedAt)
	return mapErr(err)
}

func decodeCampaign(data []byte) (*broadcast.Campaign, error) {
	var c broadcast.Campaign
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("broadcast/pgstore: decode campaign: %w", err)
	}
	return &c, nil
}

// Campaign implements [broadcast.Store].
func (s *Store) Campaign(ctx context.Context, workspaceID, id string) (*broadcast.Campaign, error) {
	var data []byte
	err := s.db.QueryRow(ctx, `SELECT data FROM broadcast_campaigns WHERE workspace_id = $1 AND id = $2`, workspaceID, id).Scan(&data)
	if err != nil {
		return nil, mapErr(err)
	}
	return decodeCampaign(data)
}

// Campaigns implements [broadcast.Store].
func (s *Store) Campaigns(ctx context.Context, workspaceID string, states ...broadcast.State) ([]*broadcast.Campaign, error) {
	st := make([]string, len(states))
	for i, v := range states {
		st[i] = string(v)
	}
	rows, err := s.db.Query(ctx, `SELECT data FROM broadcast_campaigns
WHERE workspace_id = $1 AND (cardinality($2::text[]) = 0 OR state = ANY($2)) ORDER BY ord`, workspaceID, st)
	if err != nil {
		return nil, mapErr(err)
	}
	datas, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
	if err != nil {
		return nil, mapErr(err)
	}
	out := make([]*broadcast.Campaign, 0, len(datas))
	for _, d := range datas {
		c, err := decodeCampaign(d)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// UpdateCampaign implements [broadcast.Store]: the row is locked for the
// transaction.
func (s *Store) UpdateCampaign(ctx context.Context, workspaceID, id string, fn func(*broadcast.Campaign) error) (*broadcast.Campaign, error) {
	var out *broadcast.Campaign
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		var data []byte
		err := tx.QueryRow(ctx, `SELECT data FROM broadcast_campaigns WHERE workspace_id = $1 AND id = $2 FOR UPDATE`, workspaceID, id).Scan(&data)
		if err != nil {
			return mapErr(err)
		}
		c, err := decodeCampaign(data)
		if err != nil {
			return err
		}
		if err := fn(c); err != nil {
			return err
		}
		c.ID, c.WorkspaceID = id, workspaceID
		if data, err = json.Marshal(c); err != nil {
			return fmt.Errorf("broadcast/pgstore: encode campaign: %w", err)
		}
		_, err = tx.Exec(ctx, `UPDATE broadcast_campaigns SET state = $3, data = $4, updated_at = $5
WHERE workspace_id = $1 AND id = $2`, workspaceID, id, string(c.State), data, c.UpdatedAt)
		if err != nil {
			return mapErr(err)
		}
		out = c
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

var recipientColumns = []string{"workspace_id", "campaign_id", "seq", "lead_id", "contact", "country", "time_zone", "vals",
	"status", "skip_reason", "attempts", "not_before", "lease_owner", "lease_until", "message_id", "error_code",
	"fail_reason", "billable", "pricing_category", "intent_at", "accepted_at", "sent_at", "delivered_at", "read_at",
	"failed_at", "updated_at"}

const recipientSelect = `workspace_id, campaign_id, seq, lead_id, contact, country, time_zone, vals,
status, skip_reason, attempts, not_before, lease_owner, lease_until, message_id, error_code,
fail_reason, billable, pricing_category, intent_at, accepted_at, sent_at, delivered_at, read_at,
failed_at, updated_at`

// nt stores the zero time as NULL.
func nt(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

func values(r *broadcast.Recipient) []any {
	vals := r.Values
	if vals == nil {
		vals = []string{}
	}
	return []any{r.WorkspaceID, r.CampaignID, r.Seq, r.LeadID, r.To, r.Country, r.TimeZone, vals,
		string(r.Status), string(r.SkipReason), r.Attempts, nt(r.NotBefore), r.LeaseOwner, nt(r.LeaseUntil), r.MessageID, r.ErrorCode,
		r.FailReason, r.Billable, r.PricingCategory, nt(r.IntentAt), nt(r.AcceptedAt), nt(r.SentAt), nt(r.DeliveredAt), nt(r.ReadAt),
		nt(r.FailedAt), r.UpdatedAt}
}

func scanRecipient(row pgx.CollectableRow) (broadcast.Recipient, error) {
	var r broadcast.Recipient
	var status, skip string
	var times [8]*time.Time
	err := row.Scan(&r.WorkspaceID, &r.CampaignID, &r.Seq, &r.LeadID, &r.To, &r.Country, &r.TimeZone, &r.Values,
		&status, &skip, &r.Attempts, &times[0], &r.LeaseOwner, &times[1], &r.MessageID, &r.ErrorCode,
		&r.FailReason, &r.Billable, &r.PricingCategory, &times[2], &times[3], &times[4], &times[5], &times[6],
		&times[7], &r.UpdatedAt)
	if err != nil {
		return r, err
	}
	r.Status, r.SkipReason = broadcast.RecipientStatus(status), broadcast.SkipReason(skip)
	dst := []*time.Time{&r.NotBefore, &r.LeaseUntil, &r.IntentAt, &r.AcceptedAt, &r.SentAt, &r.DeliveredAt, &r.ReadAt, &r.FailedAt}
	for i, p := range dst {
		if times[i] != nil {
			*p = *times[i]
		}
	}
	if len(r.Values) == 0 {
		r.Values = nil
	}
	return r, nil
}

// AddRecipients implements [broadcast.Store] with one COPY: a duplicate
// (campaign, seq) fails the whole batch with [broadcast.ErrExists].
func (s *Store) AddRecipients(ctx context.Context, workspaceID, campaignID string, rs []broadcast.Recipient) error {
	i := 0
	src := pgx.CopyFromFunc(func() ([]any, error) {
		if i >= len(rs) {
			return nil, nil
		}
		r := rs[i]
		i++
		r.WorkspaceID, r.CampaignID = workspaceID, campaignID
		return values(&r), nil
	})
	_, err := s.db.CopyFrom(ctx, pgx.Identifier{"broadcast_recipients"}, recipientColumns, src)
	return mapErr(err)
}

// DeleteRecipients implements [broadcast.Store].
func (s *Store) DeleteRecipients(ctx context.Context, workspaceID, campaignID string) error {
	_, err := s.db.Exec(ctx, `DELETE FROM broadcast_recipients WHERE workspace_id = $1 AND campaign_id = $2`, workspaceID, campaignID)
	return mapErr(err)
}

// Recipient implements [broadcast.Store].
func (s *Store) Recipient(ctx context.Context, workspaceID, campaignID string, seq int64) (broadcast.Recipient, error) {
	rows, err := s.db.Query(ctx, `SELECT `+recipientSelect+` FROM broadcast_recipients
WHERE workspace_id = $1 AND campaign_id = $2 AND seq = $3`, workspaceID, campaignID, seq)
	if err != nil {
		return broadcast.Recipient{}, mapErr(err)
	}
	r, err := pgx.CollectExactlyOneRow(rows, scanRecipient)
	return r, mapErr(err)
}

// Recipients implements [broadcast.Store].
func (s *Store) Recipients(ctx context.Context, workspaceID, campaignID string, status broadcast.RecipientStatus, after int64, limit int) ([]broadcast.Recipient, error) {
	if limit <= 0 {
		return nil, nil
	}
	rows, err := s.db.Query(ctx, `SELECT `+recipientSelect+` FROM broadcast_recipients
WHERE workspace_id = $1 AND campaign_id = $2 AND seq > $3 AND ($4 = '' OR status = $4)
ORDER BY seq LIMIT $5`, workspaceID, campaignID, after, string(status), limit)
	if err != nil {
		return nil, mapErr(err)
	}
	out, err := pgx.CollectRows(rows, scanRecipient)
	return out, mapErr(err)
}

// Claim implements [broadcast.Store]: FOR UPDATE SKIP LOCKED lets
// concurrent claimers pass each other's rows instead of waiting.
func (s *Store) Claim(ctx context.Context, workspaceID, campaignID, owner string, n int, now, leaseUntil time.Time) ([]broadcast.Recipient, error) {
	if n <= 0 {
		return nil, nil
	}
	// seq = ANY(ARRAY(…)) keeps the update on the primary key (a join
	// with the CTE makes generic plans hash-join the whole campaign).
	rows, err := s.db.Query(ctx, `UPDATE broadcast_recipients r
SET status = 'claimed', lease_owner = $5, lease_until = $6, updated_at = $3
WHERE r.workspace_id = $1 AND r.campaign_id = $2 AND r.seq = ANY(ARRAY(
	SELECT seq FROM broadcast_recipients
	WHERE workspace_id = $1 AND campaign_id = $2 AND status IN ('pending', 'claimed')
	  AND ((status = 'pending' AND (not_before IS NULL OR not_before <= $3))
	    OR (status = 'claimed' AND lease_until < $3))
	ORDER BY seq LIMIT $4
	FOR UPDATE SKIP LOCKED))
RETURNING `+prefixed("r.", recipientColumns), workspaceID, campaignID, now, n, owner, leaseUntil)
	if err != nil {
		return nil, mapErr(err)
	}
	out, err := pgx.CollectRows(rows, scanRecipient)
	if err != nil {
		return nil, mapErr(err)
	}
	slices.SortFunc(out, func(a, b broadcast.Recipient) int { return cmp.Compare(a.Seq, b.Seq) })
	return out, nil
}

func prefixed(p string, cols []string) string {
	out := ""
	for i, c := range cols {
		if i > 0 {
			out += ", "
		}
		out += p + c
	}
	return out
}

// UpdateRecipient implements [broadcast.Store]: the row is locked for the
// transaction.
func (s *Store) UpdateRecipient(ctx context.Context, workspaceID, campaignID string, seq int64, fn func(*broadcast.Recipient) error) (broadcast.Recipient, error) {
	var out broadcast.Recipient
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+recipientSelect+` FROM broadcast_recipients
WHERE workspace_id = $1 AND campaign_id = $2 AND seq = $3 FOR UPDATE`, workspaceID, campaignID, seq)
		if err != nil {
			return mapErr(err)
		}
		r, err := pgx.CollectExactlyOneRow(rows, scanRecipient)
		if err != nil {
			return mapErr(err)
		}
		if err := fn(&r); err != nil {
			return err
		}
		r.WorkspaceID, r.CampaignID, r.Seq = workspaceID, campaignID, seq
		v := values(&r)
		_, err = tx.Exec(ctx, `UPDATE broadcast_recipients SET lead_id = $4, contact = $5, country = $6, time_zone = $7,
vals = $8, status = $9, skip_reason = $10, attempts = $11, not_before = $12, lease_owner = $13, lease_until = $14,
message_id = $15, error_code = $16, fail_reason = $17, billable = $18, pricing_category = $19, intent_at = $20,
accepted_at = $21, sent_at = $22, delivered_at = $23, read_at = $24, failed_at = $25, updated_at = $26
WHERE workspace_id = $1 AND campaign_id = $2 AND seq = $3`, v...)
		if err != nil {
			return mapErr(err)
		}
		out = r
		return nil
	})
	return out, err
}

// StartSends implements [broadcast.Store] with one conditional UPDATE.
func (s *Store) StartSends(ctx context.Context, workspaceID, campaignID, owner string, seqs []int64, now time.Time) ([]int64, error) {
	if len(seqs) == 0 {
		return nil, nil
	}
	rows, err := s.db.Query(ctx, `UPDATE broadcast_recipients
SET status = 'sending', intent_at = $5, attempts = attempts + 1, updated_at = $5
WHERE workspace_id = $1 AND campaign_id = $2 AND seq = ANY($3) AND status = 'claimed' AND lease_owner = $4
RETURNING seq`, workspaceID, campaignID, seqs, owner, now)
	if err != nil {
		return nil, mapErr(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	return out, mapErr(err)
}

// Accept implements [broadcast.Store] with one UPDATE.
func (s *Store) Accept(ctx context.Context, workspaceID, campaignID string, accepted []broadcast.Accepted, now time.Time) error {
	if len(accepted) == 0 {
		return nil
	}
	seqs := make([]int64, len(accepted))
	ids := make([]string, len(accepted))
	for i, a := range accepted {
		seqs[i], ids[i] = a.Seq, a.MessageID
	}
	_, err := s.db.Exec(ctx, `UPDATE broadcast_recipients r
SET message_id = CASE WHEN r.message_id = '' THEN a.mid ELSE r.message_id END,
    accepted_at = CASE WHEN r.status = 'sending' THEN $5 ELSE r.accepted_at END,
    status = CASE WHEN r.status = 'sending' THEN 'accepted' ELSE r.status END,
    lease_owner = '', lease_until = NULL, updated_at = $5
FROM unnest($3::bigint[], $4::text[]) AS a(seq, mid)
WHERE r.workspace_id = $1 AND r.campaign_id = $2 AND r.seq = ANY($3) AND r.seq = a.seq`, workspaceID, campaignID, seqs, ids, now)
	return mapErr(err)
}

// Counts implements [broadcast.Store] with one aggregate query.
func (s *Store) Counts(ctx context.Context, workspaceID, campaignID string) (broadcast.Counts, error) {
	c := broadcast.Counts{ByStatus: map[broadcast.RecipientStatus]int{}, Skipped: map[broadcast.SkipReason]int{},
		FailedByCode: map[int]int{}, BillableByCountry: map[string]int{}}
	rows, err := s.db.Query(ctx, `SELECT status, skip_reason, error_code, billable, country, pricing_category,
	count(*), min(not_before) FILTER (WHERE status = 'pending')
FROM broadcast_recipients WHERE workspace_id = $1 AND campaign_id = $2
GROUP BY 1, 2, 3, 4, 5, 6`, workspaceID, campaignID)
	if err != nil {
		return c, mapErr(err)
	}
	defer rows.Close()
	for rows.Next() {
		var status, skip, country, cat string
		var code, n int
		var billable bool
		var next *time.Time
		if err := rows.Scan(&status, &skip, &code, &billable, &country, &cat, &n, &next); err != nil {
			return c, mapErr(err)
		}
		st := broadcast.RecipientStatus(status)
		c.Planned += n
		c.ByStatus[st] += n
		switch st {
		case broadcast.StatusSkipped:
			c.Skipped[broadcast.SkipReason(skip)] += n
		case broadcast.StatusFailed:
			c.FailedByCode[code] += n
		}
		if billable {
			c.BillableByCountry[country+"/"+cat] += n
		}
		if next != nil && (c.NextAt.IsZero() || next.Before(c.NextAt)) {
			c.NextAt = *next
		}
	}
	return c, mapErr(rows.Err())
}

// Suppress implements [broadcast.Store].
func (s *Store) Suppress(ctx context.Context, sp broadcast.Suppression) error {
	_, err := s.db.Exec(ctx, `INSERT INTO broadcast_suppressions (workspace_id, contact, source, at)
VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, sp.WorkspaceID, sp.Contact, sp.Source, sp.At)
	return mapErr(err)
}

// Unsuppress implements [broadcast.Store].
func (s *Store) Unsuppress(ctx context.Context, workspaceID, contact string) error {
	_, err := s.db.Exec(ctx, `DELETE FROM broadcast_suppressions WHERE workspace_id = $1 AND contact = $2`, workspaceID, contact)
	return mapErr(err)
}

// Suppressed implements [broadcast.Store].
func (s *Store) Suppressed(ctx context.Context, workspaceID string, contacts []string) (map[string]broadcast.Suppression, error) {
	out := map[string]broadcast.Suppression{}
	if len(contacts) == 0 {
		return out, nil
	}
	rows, err := s.db.Query(ctx, `SELECT contact, source, at FROM broadcast_suppressions
WHERE workspace_id = $1 AND contact = ANY($2)`, workspaceID, contacts)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	for rows.Next() {
		sp := broadcast.Suppression{WorkspaceID: workspaceID}
		if err := rows.Scan(&sp.Contact, &sp.Source, &sp.At); err != nil {
			return nil, mapErr(err)
		}
		out[sp.Contact] = sp
	}
	return out, mapErr(rows.Err())
}

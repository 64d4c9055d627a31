package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/botsync/botsync/privacy"
)

// TableConfig describes a table of expiring rows for [TableSink]: webhook
// payloads, technical logs, AI usage. The table needs a bigint primary key
// (ID), a workspace column and a timestamptz column that dates each row;
// the identifier columns are optional and let Export and Erase find a
// subject's rows. Index the primary key (it is) and, for Erase, the
// identifier columns.
type TableConfig struct {
	// Name names the sink in receipts (default: the table name).
	Name     string
	Category privacy.Category
	// Table may be schema-qualified ("ops.webhook_payloads").
	Table string
	// ID is the bigint primary key column (default "id").
	ID string
	// Workspace is the workspace column (default "workspace_id").
	Workspace string
	// Time is the timestamptz column the retention runs from (default
	// "created_at").
	Time string
	// Subject, Phone, Email and ChannelID are optional columns compared
	// with the identifiers of the same kind.
	Subject, Phone, Email, ChannelID string
}

// TableSink is a privacy.Sink over one SQL table. Purge deletes expired rows
// in batches by primary-key range, one statement per batch
// (DELETE … USING (SELECT id … WHERE id > cursor … ORDER BY id LIMIT n)),
// so no statement holds locks for long and a crash resumes at the cursor.
// Legal holds become SQL conditions: a held row is never selected. Erase
// supports privacy.StrategyDelete only. Safe for concurrent use when its DB
// is.
type TableSink struct {
	db  DB
	cfg TableConfig
	// quoted identifiers
	table, id, ws, at string
	match             [4]string // subject, phone, email, channel id columns (quoted or "")
}

var _ privacy.Sink = (*TableSink)(nil)

func quoteIdent(name string) (string, error) {
	if name == "" {
		return "", nil
	}
	parts := strings.Split(name, ".")
	for _, p := range parts {
		if p == "" || strings.ContainsRune(p, 0) {
			return "", fmt.Errorf("privacy pgstore: bad identifier %q", name)
		}
	}
	return pgx.Identifier(parts).Sanitize(), nil
}

// NewTableSink returns a sink over the table described by cfg.
func NewTableSink(db DB, cfg TableConfig) (*TableSink, error) {
	if cfg.Table == "" {
		return nil, errors.New("privacy pgstore: table sink: table is required")
	}
	if cfg.Category == "" {
		return nil, errors.New("privacy pgstore: table sink: category is required")
	}
	if cfg.Name == "" {
		cfg.Name = cfg.Table
	}
	if cfg.ID == "" {
		cfg.ID = "id"
	}
	if cfg.Workspace == "" {
		cfg.Workspace = "workspace_id"
	}
	if cfg.Time == "" {
		cfg.Time = "created_at"
	}
	s := &TableSink{db: db, cfg: cfg}
	var err error
	for _, p := range []struct {
		dst  *string
		name string
	}{{&s.table, cfg.Table}, {&s.id, cfg.ID}, {&s.ws, cfg.Workspace}, {&s.at, cfg.Time},
		{&s.match[0], cfg.Subject}, {&s.match[1], cfg.Phone}, {&s.match[2], cfg.Email}, {&s.match[3], cfg.ChannelID}} {
		if *p.dst, err = quoteIdent(p.name); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Name implements privacy.Sink.
func (s *TableSink) Name() string { return s.cfg.Name }

// Categories implements privacy.Sink.
func (s *TableSink) Categories() []privacy.Category { return []privacy.Category{s.cfg.Category} }

// subjectWhere builds "workspace = $1 AND (col = ANY($2) OR …)", or "" when
// no configured column can match id.
func (s *TableSink) subjectWhere(id privacy.Identifiers) (string, []any) {
	args := []any{id.WorkspaceID}
	var ors []string
	for i, vals := range [][]string{id.SubjectIDs, id.Phones, id.Emails, id.ChannelIDs} {
		if s.match[i] == "" || len(vals) == 0 {
			continue
		}
		args = append(args, vals)
		ors = append(ors, fmt.Sprintf("%s = ANY($%d)", s.match[i], len(args)))
	}
	if len(ors) == 0 {
		return "", nil
	}
	return fmt.Sprintf("%s = $1 AND (%s)", s.ws, strings.Join(ors, " OR ")), args
}

// Export implements privacy.Sink: every matching row as JSON (to_jsonb).
func (s *TableSink) Export(ctx context.Context, id privacy.Identifiers) ([]privacy.ExportRecord, error) {
	where, args := s.subjectWhere(id)
	if where == "" {
		return nil, nil
	}
	rows, err := s.db.Query(ctx, fmt.Sprintf(`SELECT t.%s, t.%s, to_jsonb(t) FROM %s AS t WHERE %s ORDER BY t.%s`,
		s.id, s.at, s.table, where, s.id), args...)
	if err != nil {
		return nil, fmt.Errorf("privacy pgstore: %s: export: %w", s.cfg.Name, err)
	}
	out, err := collect(rows, func(row pgx.Row) (privacy.ExportRecord, error) {
		var (
			rid  int64
			at   time.Time
			data []byte
		)
		if err := row.Scan(&rid, &at, &data); err != nil {
			return privacy.ExportRecord{}, err
		}
		return privacy.ExportRecord{Sink: s.cfg.Name, Category: s.cfg.Category, Kind: "row", ID: strconv.FormatInt(rid, 10), Created: at.UTC(), Data: json.RawMessage(data)}, nil
	})
	if err != nil {
		return nil, fmt.Errorf("privacy pgstore: %s: export: %w", s.cfg.Name, err)
	}
	return out, nil
}

// Erase implements privacy.Sink (delete only).
func (s *TableSink) Erase(ctx context.Context, id privacy.Identifiers, category privacy.Category, strategy privacy.Strategy) (privacy.Receipt, error) {
	rc := privacy.Receipt{Sink: s.cfg.Name, Category: category, Action: "erase", Strategy: strategy}
	if category != s.cfg.Category {
		return rc, nil
	}
	if strategy != privacy.StrategyDelete {
		return rc, fmt.Errorf("privacy pgstore: %s: only the delete strategy is supported (got %q)", s.cfg.Name, strategy)
	}
	where, args := s.subjectWhere(id)
	if where == "" {
		return rc, nil
	}
	tag, err := s.db.Exec(ctx, fmt.Sprintf(`DELETE FROM %s WHERE %s`, s.table, where), args...)
	if err != nil {
		return rc, fmt.Errorf("privacy pgstore: %s: erase: %w", s.cfg.Name, err)
	}
	rc.Count = int(tag.RowsAffected())
	return rc, nil
}

// holdSQL turns the holds of the category into a condition that is true for
// held rows; args continue after the first n parameters.
func (s *TableSink) holdSQL(holds []privacy.Hold, cat privacy.Category, args []any) (string, []any) {
	var conds []string
	for _, h := range holds {
		if !h.ReleasedAt.IsZero() || (h.Category != "" && h.Category != cat) {
			continue
		}
		args = append(args, h.WorkspaceID)
		c := []string{fmt.Sprintf("%s = $%d", s.ws, len(args))}
		if h.Subject != "" && s.match[0] != "" {
			args = append(args, h.Subject)
			c = append(c, fmt.Sprintf("%s = $%d", s.match[0], len(args)))
		}
		if !h.From.IsZero() {
			args = append(args, h.From)
			c = append(c, fmt.Sprintf("%s >= $%d", s.at, len(args)))
		}
		if !h.To.IsZero() {
			args = append(args, h.To)
			c = append(c, fmt.Sprintf("%s <= $%d", s.at, len(args)))
		}
		conds = append(conds, "("+strings.Join(c, " AND ")+")")
	}
	if len(conds) == 0 {
		return "false", args
	}
	return strings.Join(conds, " OR "), args
}

// Purge implements privacy.Sink: one statement deletes up to Limit expired,
// unheld rows (of req.WorkspaceID only, when set) with ids above the
// cursor, in id order; the cursor is the
// highest id deleted. A hold naming a subject covers the whole workspace
// when the table has no subject column (fail closed).
func (s *TableSink) Purge(ctx context.Context, req privacy.PurgeRequest) (privacy.PurgeResult, error) {
	var res privacy.PurgeResult
	if req.Limit <= 0 {
		return res, errors.New("privacy pgstore: purge limit must be positive")
	}
	if req.Category != s.cfg.Category {
		res.Done = true
		return res, nil
	}
	after := int64(-1 << 63)
	if req.Cursor != "" {
		n, err := strconv.ParseInt(req.Cursor, 10, 64)
		if err != nil {
			return res, fmt.Errorf("privacy pgstore: %s: purge: bad cursor", s.cfg.Name)
		}
		after = n
	}
	args := []any{after, req.Cutoff, req.Limit}
	scope := ""
	if req.WorkspaceID != "" {
		args = append(args, req.WorkspaceID)
		scope = fmt.Sprintf(" AND %s = $4", s.ws)
	}
	held, args := s.holdSQL(req.Holds, req.Category, args)
	var (
		n    int
		last *int64
	)
	err := s.db.QueryRow(ctx, fmt.Sprintf(`
WITH batch AS (
    SELECT %[2]s AS id FROM %[1]s
    WHERE %[2]s > $1 AND %[3]s < $2%[5]s AND NOT (%[4]s)
    ORDER BY %[2]s LIMIT $3
), gone AS (
    DELETE FROM %[1]s AS t USING batch WHERE t.%[2]s = batch.id RETURNING t.%[2]s AS id
)
SELECT count(*), max(id) FROM gone`, s.table, s.id, s.at, held, scope), args...).Scan(&n, &last)
	if err != nil {
		return res, fmt.Errorf("privacy pgstore: %s: purge: %w", s.cfg.Name, err)
	}
	res.Deleted = n
	if last != nil {
		res.Cursor = strconv.FormatInt(*last, 10)
	}
	res.Done = n < req.Limit
	if res.Done {
		res.Cursor = ""
	}
	return res, nil
}

package crm

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// CSV import limits.
const (
	MaxImportRows  = 50_000   // data rows per import
	MaxImportBytes = 64 << 20 // bytes per import
	maxCSVFieldLen = 4096
)

// errTooLarge is returned by limitReader past MaxImportBytes.
var errTooLarge = errors.New("crm: import larger than the limit")

// limitReader fails (rather than truncating, as io.LimitReader would) once
// more than n bytes were read.
type limitReader struct {
	r io.Reader
	n int64
}

// Read implements io.Reader.
func (l *limitReader) Read(p []byte) (int, error) {
	if l.n < 0 {
		return 0, errTooLarge
	}
	if int64(len(p)) > l.n+1 {
		p = p[:l.n+1]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	if l.n < 0 {
		return n, errTooLarge
	}
	return n, err
}

// CSV columns understood by ParseCSV and written by ExportCSV. Custom fields
// are columns named "custom.<key>" (or just "<key>" on import).
var csvColumns = []string{
	"name", "phone", "email", "wa_id", "bsuid", "igsid", "psid",
	"city", "interest", "budget", "timeline", "exam_status", "callback_phone",
	"stage", "tags", "assignee", "channel", "campaign", "ad_id", "score",
	"consent", "marketing_opt_out",
}

// ImportOptions tells ParseCSV how to read values.
type ImportOptions struct {
	Region string     // default phone region
	Stages []Stage    // allowed stage keys (empty: the stage column must be empty)
	Fields []FieldDef // custom field definitions
	// MaxBytes bounds the input (0 means MaxImportBytes).
	MaxBytes int64
}

// ImportRow is one parsed CSV data row. Row counts data rows from 1.
type ImportRow struct {
	Row  int
	Line int   // the row's first line in the file
	Lead *Lead // Identities normalised; ids and times unset
}

// ParseCSV reads a CSV of leads: a header row naming columns (case and
// spaces ignored; see the package doc for the names), then one lead per row.
// Every row needs at least one identity (phone, email, wa_id, bsuid, igsid,
// psid). Tags are separated by ";" or "|". It validates everything and
// returns all bad rows at once in an *ImportError (rows repeating an identity
// of an earlier row are bad too), or the parsed rows.
func ParseCSV(r io.Reader, opts ImportOptions) ([]ImportRow, error) {
	limit := opts.MaxBytes
	if limit <= 0 {
		limit = MaxImportBytes
	}
	cr := csv.NewReader(&limitReader{r: r, n: limit})
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = false
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, &ImportError{Rows: []*RowError{{Row: 0, Line: 1, Err: invalid("header", "missing")}}}
	}
	if err != nil {
		return nil, &ImportError{Rows: []*RowError{{Row: 0, Line: 1, Err: invalid("header", "not valid CSV")}}}
	}
	cols, err := mapHeader(header, opts.Fields)
	if err != nil {
		return nil, &ImportError{Rows: []*RowError{{Row: 0, Line: 1, Err: err}}}
	}
	var (
		rows []ImportRow
		bad  []*RowError
		seen = map[Identity]int{}
	)
	for n := 1; ; n++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if n > MaxImportRows {
			return nil, &ImportError{Rows: []*RowError{{Row: n, Err: invalid("rows", fmt.Sprintf("more than %d rows", MaxImportRows))}}}
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.Is(err, errTooLarge) {
				return nil, &ImportError{Rows: []*RowError{{Row: n, Err: invalid("file", fmt.Sprintf("larger than %d bytes", limit))}}}
			}
			if !errors.As(err, &pe) {
				return nil, fmt.Errorf("crm: import: read csv: %w", err)
			}
			bad = append(bad, &RowError{Row: n, Line: pe.StartLine, Err: invalid("csv", "malformed quoting")})
			if len(bad) >= 100 {
				break
			}
			continue
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // blank line
		}
		line, _ := cr.FieldPos(0)
		l, err := parseRow(rec, cols, opts)
		if err == nil {
			for _, id := range l.Identities {
				if first, dup := seen[id]; dup {
					err = fmt.Errorf("%w: %s repeats row %d", ErrConflict, id.Kind, first)
					break
				}
			}
		}
		if err != nil {
			bad = append(bad, &RowError{Row: n, Line: line, Err: err})
			if len(bad) >= 100 {
				break
			}
			continue
		}
		for _, id := range l.Identities {
			seen[id] = n
		}
		rows = append(rows, ImportRow{Row: n, Line: line, Lead: l})
	}
	if len(bad) > 0 {
		return nil, &ImportError{Rows: bad}
	}
	return rows, nil
}

// column says what a CSV column holds: a standard name or a custom field.
type column struct {
	name  string
	field *FieldDef
}

func mapHeader(header []string, defs []FieldDef) ([]column, error) {
	cols := make([]column, len(header))
	used := map[string]bool{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		h = strings.ReplaceAll(h, " ", "_")
		key := strings.TrimPrefix(h, "custom.")
		switch {
		case h == "":
			return nil, invalid(fmt.Sprintf("header column %d", i+1), "empty name")
		case h == "source":
			cols[i] = column{name: "channel"}
		case slices.Contains(csvColumns, h):
			cols[i] = column{name: h}
		default:
			j := slices.IndexFunc(defs, func(d FieldDef) bool { return d.Key == key })
			if j < 0 {
				return nil, invalid(fmt.Sprintf("header column %d", i+1), "unknown column "+strconv.Quote(safeKey(key)))
			}
			cols[i] = column{name: "custom." + key, field: &defs[j]}
		}
		if used[cols[i].name] {
			return nil, invalid(fmt.Sprintf("header column %d", i+1), "repeats column "+strconv.Quote(cols[i].name))
		}
		used[cols[i].name] = true
	}
	return cols, nil
}

func parseRow(rec []string, cols []column, opts ImportOptions) (*Lead, error) {
	if len(rec) > len(cols) {
		return nil, invalid("row", fmt.Sprintf("has %d values for %d columns", len(rec), len(cols)))
	}
	l := &Lead{}
	var ids []Identity
	for i, v := range rec {
		if len(v) > maxCSVFieldLen {
			return nil, invalid(cols[i].name, "value too long")
		}
		v = unescapeCell(strings.TrimSpace(v))
		if v == "" {
			continue
		}
		c := cols[i]
		if c.field != nil {
			cv, err := CanonicalValue(*c.field, v)
			if err != nil {
				return nil, err
			}
			if l.Custom == nil {
				l.Custom = map[string]string{}
			}
			l.Custom[c.field.Key] = cv
			continue
		}
		switch c.name {
		case "phone", "email", "wa_id", "bsuid", "igsid", "psid":
			id, err := NormalizeIdentity(Identity{Kind: IdentityKind(c.name), Value: v}, opts.Region)
			if err != nil {
				return nil, err
			}
			ids = append(ids, id)
		case "name":
			l.Name = v
		case "city":
			l.City = v
		case "interest":
			l.Interest = v
		case "budget":
			l.Budget = v
		case "timeline":
			l.Timeline = v
		case "exam_status":
			l.ExamStatus = v
		case "callback_phone":
			p, err := NormalizePhone(v, opts.Region)
			if err != nil {
				return nil, invalid("callback_phone", "not a valid phone number")
			}
			l.CallbackPhone = p
		case "stage":
			if !hasStage(opts.Stages, v) {
				return nil, invalid("stage", "not in the pipeline")
			}
			l.Stage = v
		case "tags":
			tags, err := normalizeTags(strings.FieldsFunc(v, func(r rune) bool { return r == ';' || r == '|' }))
			if err != nil {
				return nil, err
			}
			l.Tags = tags
		case "assignee":
			l.Assignee = v
		case "channel":
			l.Source.Channel = v
		case "campaign":
			l.Source.Campaign = v
		case "ad_id":
			l.Source.AdID = v
		case "score":
			n, err := strconv.Atoi(v)
			if err != nil {
				return nil, invalid("score", "not an integer")
			}
			l.Score = n
		case "consent", "marketing_opt_out":
			b, err := CanonicalValue(FieldDef{Key: c.name, Type: FieldBoolean}, v)
			if err != nil {
				return nil, invalid(c.name, "not a boolean")
			}
			if c.name == "consent" {
				l.Consent = b == "true"
			} else {
				l.MarketingOptOut = b == "true"
			}
		}
	}
	if err := checkRequired(opts.Fields, l.Custom); err != nil {
		return nil, err
	}
	ids, err := normalizeIdentities(ids, opts.Region)
	if err != nil {
		return nil, invalid("identities", "a row needs a phone, email, wa_id, bsuid, igsid or psid")
	}
	l.Identities = ids
	SortIdentities(l.Identities)
	return l, nil
}

// escapeCell protects spreadsheet users from formula injection: a value
// starting with = + - @ tab or CR is prefixed with a quote.
func escapeCell(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

// unescapeCell undoes escapeCell.
func unescapeCell(v string) string {
	if len(v) > 1 && v[0] == '\'' && strings.ContainsRune("=+-@\t\r", rune(v[1])) {
		return v[1:]
	}
	return v
}

// ImportCSV parses a CSV of leads (see ParseCSV) with the workspace's region,
// stages and custom fields, and creates every lead with an import activity —
// or, if any row is bad or any identity already belongs to a lead, creates
// nothing and returns an *ImportError naming every bad row.
func (s *Service) ImportCSV(ctx context.Context, workspaceID string, r io.Reader, actor Actor) (created int, _ error) {
	stages, defs, err := s.settings(ctx, workspaceID)
	if err != nil {
		return 0, fmt.Errorf("crm: import: %w", err)
	}
	rows, err := ParseCSV(r, ImportOptions{Region: s.region(workspaceID), Stages: stages, Fields: defs})
	if err != nil {
		return 0, err
	}
	if len(rows) == 0 {
		return 0, nil
	}
	now := s.now()
	leads := make([]*Lead, len(rows))
	acts := make([]Activity, len(rows))
	for i, row := range rows {
		l := row.Lead
		l.ID, l.WorkspaceID = s.newID(), workspaceID
		l.CreatedAt, l.UpdatedAt, l.LastActivityAt = now, now, now
		if l.Stage == "" && len(stages) > 0 {
			l.Stage = stages[0].Key
		}
		if l.Source.Channel == "" {
			l.Source.Channel = "import"
		}
		leads[i] = l
		acts[i] = Activity{ID: s.newID(), LeadID: l.ID, Type: ActivityImport, Actor: actor.orSystem(), At: now}
	}
	err = s.store.ImportLeads(ctx, workspaceID, leads, acts)
	var ice *IdentityConflictError
	if errors.As(err, &ice) {
		taken := map[Identity]bool{}
		for _, id := range ice.Identities {
			taken[id] = true
		}
		ie := &ImportError{}
		for _, row := range rows {
			for _, id := range row.Lead.Identities {
				if taken[id] {
					ie.Rows = append(ie.Rows, &RowError{Row: row.Row, Line: row.Line, Err: fmt.Errorf("%w: %s already belongs to a lead", ErrConflict, id.Kind)})
					break
				}
			}
		}
		if len(ie.Rows) > 0 {
			return 0, ie
		}
	}
	if err != nil {
		return 0, fmt.Errorf("crm: import: %w", err)
	}
	return len(leads), nil
}

// IdentityConflictError is returned by Store.ImportLeads when identities of
// the import already belong to leads; nothing was written. It matches
// ErrConflict.
type IdentityConflictError struct {
	Identities []Identity
}

// Error implements error without naming the identities' values.
func (e *IdentityConflictError) Error() string {
	return fmt.Sprintf("crm: %d identities already belong to leads", len(e.Identities))
}

// Is makes errors.Is(err, ErrConflict) true.
func (e *IdentityConflictError) Is(target error) bool { return target == ErrConflict }

// ExportCSV writes the leads matching q as CSV in the format ImportCSV reads,
// with one "custom.<key>" column per custom field. Cells that a spreadsheet
// would run as formulas are prefixed with a quote.
func (s *Service) ExportCSV(ctx context.Context, workspaceID string, w io.Writer, q Query) (int, error) {
	defs, err := s.store.Fields(ctx, workspaceID)
	if err != nil {
		return 0, fmt.Errorf("crm: export csv: %w", err)
	}
	cw := csv.NewWriter(w)
	header := slices.Clone(csvColumns)
	for _, d := range defs {
		header = append(header, "custom."+d.Key)
	}
	if err := cw.Write(header); err != nil {
		return 0, fmt.Errorf("crm: export csv: %w", err)
	}
	if q.Limit == 0 {
		q.Limit = 1000
	}
	n := 0
	for l, err := range s.All(ctx, workspaceID, q) {
		if err != nil {
			return n, err
		}
		rec := leadRecord(l, defs)
		if err := cw.Write(rec); err != nil {
			return n, fmt.Errorf("crm: export csv: %w", err)
		}
		n++
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return n, fmt.Errorf("crm: export csv: %w", err)
	}
	return n, nil
}

func leadRecord(l *Lead, defs []FieldDef) []string {
	first := func(k IdentityKind) string { return l.identity(k) }
	boolStr := func(b bool) string {
		if b {
			return "true"
		}
		return "false"
	}
	score := ""
	if l.Score != 0 {
		score = strconv.Itoa(l.Score)
	}
	rec := []string{
		escapeCell(l.Name), first(KindPhone), first(KindEmail), first(KindWAID), first(KindBSUID), first(KindIGSID), first(KindPSID),
		escapeCell(l.City), escapeCell(l.Interest), escapeCell(l.Budget), escapeCell(l.Timeline), escapeCell(l.ExamStatus), l.CallbackPhone,
		l.Stage, escapeCell(strings.Join(l.Tags, ";")), l.Assignee, escapeCell(l.Source.Channel), escapeCell(l.Source.Campaign), escapeCell(l.Source.AdID), score,
		boolStr(l.Consent), boolStr(l.MarketingOptOut),
	}
	for _, d := range defs {
		rec = append(rec, escapeCell(l.Custom[d.Key]))
	}
	return rec
}

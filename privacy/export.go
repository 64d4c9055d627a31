package privacy

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
)

// ExportDocument is the machine-readable answer to an access request:
// every record every sink holds about the subject, with the sinks' receipts.
type ExportDocument struct {
	RequestID   string         `json:"request_id"`
	WorkspaceID string         `json:"workspace_id"`
	GeneratedAt time.Time      `json:"generated_at"`
	Receipts    []Receipt      `json:"receipts"`
	Records     []ExportRecord `json:"records"`
}

// NewExportDocument builds the export of a processed access request.
func NewExportDocument(r Request, generatedAt time.Time) ExportDocument {
	doc := ExportDocument{RequestID: r.ID, WorkspaceID: r.Identifiers.WorkspaceID, GeneratedAt: generatedAt.UTC(),
		Receipts: r.Receipts, Records: r.Export}
	if doc.Receipts == nil {
		doc.Receipts = []Receipt{}
	}
	if doc.Records == nil {
		doc.Records = []ExportRecord{}
	}
	return doc
}

// WriteJSON writes the document as indented JSON.
func (d ExportDocument) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(d); err != nil {
		return fmt.Errorf("privacy: export json: %w", err)
	}
	return nil
}

// CSVHeader is the header row [WriteCSV] writes.
var CSVHeader = []string{"sink", "category", "kind", "id", "created", "field", "value"}

// WriteCSV writes records as CSV, one row per field: each record's Data is
// flattened into dotted paths ("address.city", "tags[0]") in sorted key
// order; a record whose Data is not a JSON object has one row with an empty
// field. Every cell passes through [SanitizeCell], so no cell can start a
// spreadsheet formula.
func WriteCSV(w io.Writer, recs []ExportRecord) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return fmt.Errorf("privacy: export csv: %w", err)
	}
	for _, rec := range recs {
		created := ""
		if !rec.Created.IsZero() {
			created = rec.Created.UTC().Format(time.RFC3339Nano)
		}
		var fields [][2]string
		flattenJSON(rec.Data, &fields)
		for _, f := range fields {
			row := []string{rec.Sink, string(rec.Category), rec.Kind, rec.ID, created, f[0], f[1]}
			for i := range row {
				row[i] = SanitizeCell(row[i])
			}
			if err := cw.Write(row); err != nil {
				return fmt.Errorf("privacy: export csv: %w", err)
			}
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("privacy: export csv: %w", err)
	}
	return nil
}

// SanitizeCell neutralises spreadsheet formula injection (CWE-1236): a cell
// starting with '=', '+', '-', '@', a tab or a carriage return is prefixed
// with a single quote, so spreadsheets show it as text. A cell already
// starting with a quote gets one more, so [UnsanitizeCell] recovers every
// value exactly.
func SanitizeCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r', '\'':
		return "'" + s
	}
	return s
}

// UnsanitizeCell reverses [SanitizeCell] for programs reading the CSV.
func UnsanitizeCell(s string) string {
	if len(s) >= 2 && s[0] == '\'' {
		switch s[1] {
		case '=', '+', '-', '@', '\t', '\r', '\'':
			return s[1:]
		}
	}
	return s
}

// flattenJSON appends (path, value) pairs for data. Scalars are written as
// JSON text without quotes for strings; null as empty. Invalid JSON is kept
// as one raw value.
func flattenJSON(data json.RawMessage, out *[][2]string) {
	if len(bytes.TrimSpace(data)) == 0 {
		*out = append(*out, [2]string{"", ""})
		return
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		*out = append(*out, [2]string{"", string(data)})
		return
	}
	n := len(*out)
	flattenValue("", v, out)
	if len(*out) == n {
		*out = append(*out, [2]string{"", ""})
	}
}

func flattenValue(path string, v any, out *[][2]string) {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := k
			if path != "" {
				p = path + "." + k
			}
			flattenValue(p, x[k], out)
		}
	case []any:
		for i, e := range x {
			flattenValue(path+"["+strconv.Itoa(i)+"]", e, out)
		}
	case string:
		*out = append(*out, [2]string{path, x})
	case json.Number:
		*out = append(*out, [2]string{path, x.String()})
	case bool:
		*out = append(*out, [2]string{path, strconv.FormatBool(x)})
	case nil:
		*out = append(*out, [2]string{path, ""})
	default:
		*out = append(*out, [2]string{path, strings.TrimSpace(fmt.Sprint(x))})
	}
}

package privacy_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/privacy"
)

var exportRecs = []privacy.ExportRecord{
	{Sink: "crm", Category: privacy.CategoryLeadConversation, Kind: "lead", ID: "lead-1",
		Created: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Data:    json.RawMessage(`{"name":"=HYPERLINK(\"http://evil\")","phone":"+919812345678","tags":["vip","-1"],"address":{"city":"Pune"},"score":12.5,"ok":true,"none":null}`)},
	{Sink: "vault", Category: privacy.CategoryConnectedChannel, Kind: "secret_ref", ID: "@ref", Data: json.RawMessage(`"only a ref"`)},
	{Sink: "bad", Category: privacy.CategoryKnowledge, Kind: "chunk", ID: "c1", Data: json.RawMessage(`{not json`)},
}

func TestWriteCSV(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	require.NoError(t, privacy.WriteCSV(&buf, exportRecs))
	want := `sink,category,kind,id,created,field,value
crm,lead_conversation,lead,lead-1,2026-01-02T03:04:05Z,address.city,Pune
crm,lead_conversation,lead,lead-1,2026-01-02T03:04:05Z,name,"'=HYPERLINK(""http://evil"")"
crm,lead_conversation,lead,lead-1,2026-01-02T03:04:05Z,none,
crm,lead_conversation,lead,lead-1,2026-01-02T03:04:05Z,ok,true
crm,lead_conversation,lead,lead-1,2026-01-02T03:04:05Z,phone,'+919812345678
crm,lead_conversation,lead,lead-1,2026-01-02T03:04:05Z,score,12.5
crm,lead_conversation,lead,lead-1,2026-01-02T03:04:05Z,tags[0],vip
crm,lead_conversation,lead,lead-1,2026-01-02T03:04:05Z,tags[1],'-1
vault,connected_channel,secret_ref,'@ref,,,only a ref
bad,knowledge,chunk,c1,,,{not json
`
	assert.Equal(t, want, buf.String())
}

func TestSanitizeCell(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, out string }{
		{"", ""}, {"plain", "plain"}, {"=1+1", "'=1+1"}, {"+91", "'+91"}, {"-2", "'-2"}, {"@SUM(A1)", "'@SUM(A1)"},
		{"\tx", "'\tx"}, {"\rx", "'\rx"}, {"'quoted", "''quoted"}, {"a=b", "a=b"},
	} {
		assert.Equal(t, tc.out, privacy.SanitizeCell(tc.in), tc.in)
		assert.Equal(t, tc.in, privacy.UnsanitizeCell(privacy.SanitizeCell(tc.in)), tc.in)
	}
}

func TestExportDocumentJSON(t *testing.T) {
	t.Parallel()
	r := privacy.Request{ID: "r1", Identifiers: privacy.Identifiers{WorkspaceID: "ws", SubjectIDs: []string{"lead-1"}},
		Receipts: []privacy.Receipt{{Sink: "crm", Action: "export", Count: 1, At: time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)}},
		Export:   exportRecs[:1]}
	var buf bytes.Buffer
	require.NoError(t, privacy.NewExportDocument(r, time.Date(2026, 1, 3, 0, 0, 0, 0, time.UTC)).WriteJSON(&buf))
	var back privacy.ExportDocument
	require.NoError(t, json.Unmarshal(buf.Bytes(), &back))
	assert.Equal(t, "r1", back.RequestID)
	assert.Equal(t, "ws", back.WorkspaceID)
	require.Len(t, back.Records, 1)
	assert.JSONEq(t, string(exportRecs[0].Data), string(back.Records[0].Data))
	assert.Len(t, back.Receipts, 1)

	buf.Reset()
	require.NoError(t, privacy.NewExportDocument(privacy.Request{ID: "r2"}, time.Time{}).WriteJSON(&buf))
	assert.Contains(t, buf.String(), `"records": []`, "an empty export is an empty list, not null")
}

func FuzzWriteCSV(f *testing.F) {
	f.Add("crm", "lead-1", `{"name":"=cmd|' /C calc'!A0","n":[1,{"x":"@y"}]}`)
	f.Add("-sink", "+id", `"\t=1"`)
	f.Add("'", "\r", `{"a":"'=b"}`)
	f.Add("s", "i", `{bad`)
	f.Fuzz(func(t *testing.T, sink, id, data string) {
		rec := privacy.ExportRecord{Sink: sink, Category: privacy.CategoryLeadConversation, Kind: "k", ID: id, Data: json.RawMessage(data)}
		var buf bytes.Buffer
		if err := privacy.WriteCSV(&buf, []privacy.ExportRecord{rec}); err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(&buf).ReadAll()
		if err != nil {
			t.Fatalf("output is not valid CSV: %v", err)
		}
		if len(rows) < 2 {
			t.Fatalf("got %d rows, want header and at least one record row", len(rows))
		}
		for _, row := range rows[1:] {
			if len(row) != len(privacy.CSVHeader) {
				t.Fatalf("row has %d cells", len(row))
			}
			for _, cell := range row {
				if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
					t.Fatalf("cell %q starts a formula", cell)
				}
			}
			// encoding/csv turns \r\n into \n inside quoted fields.
			wantSink := strings.ReplaceAll(sink, "\r\n", "\n")
			if got := privacy.UnsanitizeCell(row[0]); got != wantSink && !strings.ContainsRune(sink, '\r') {
				t.Fatalf("sink round-tripped as %q, want %q", got, sink)
			}
		}
	})
}

func FuzzVerifyCertificate(f *testing.F) {
	f.Add([]byte(`{"id":"r1","identifiers":{"workspace_id":"ws","subject_ids":["lead-1"]},"receipts":[{"sink":"crm","category":"lead_conversation","action":"erase","count":2,"at":"2026-01-02T00:00:00Z"}],"certificate":"00"}`))
	f.Add([]byte(`{"certificate":"` + strings.Repeat("a", 64) + `"}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`{"receipts":[{"at":"9999-12-31T23:59:59.999999999+14:00"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var r privacy.Request
		if json.Unmarshal(data, &r) != nil {
			return
		}
		_ = privacy.VerifyCertificate(r)
		r.Certificate = privacy.CertificateOf(r)
		if r.Certificate == "" {
			return // receipts that cannot be encoded have no certificate
		}
		if !privacy.VerifyCertificate(r) {
			t.Fatal("a freshly computed certificate does not verify")
		}
		if len(r.Receipts) > 0 {
			r.Receipts[0].Count++
			if privacy.VerifyCertificate(r) {
				t.Fatal("a changed receipt still verifies")
			}
		}
	})
}

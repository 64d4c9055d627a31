package crm_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/crm"
)

var importOpts = crm.ImportOptions{
	Region: "IN",
	Stages: []crm.Stage{{Key: "new"}, {Key: "won"}},
	Fields: []crm.FieldDef{{Key: "budget_lakh", Type: crm.FieldNumber}, {Key: "hostel", Type: crm.FieldBoolean}},
}

func TestParseCSV(t *testing.T) {
	t.Parallel()
	in := "\ufeffName, Phone ,EMAIL,Source,tags,budget_lakh,custom.hostel,consent,marketing opt out,score\n" +
		`"Asha, K",098765 43210,a@x.io,whatsapp,"b;a|a",5,yes,1,no,7` + "\n" +
		",,b@x.io,,,,,,,\n"
	rows, err := crm.ParseCSV(strings.NewReader(in), importOpts)
	require.NoError(t, err)
	require.Len(t, rows, 2)
	l := rows[0].Lead
	assert.Equal(t, 1, rows[0].Row)
	assert.Equal(t, "Asha, K", l.Name)
	assert.Equal(t, []crm.Identity{{Kind: crm.KindEmail, Value: "a@x.io"}, {Kind: crm.KindPhone, Value: "+919876543210"}}, l.Identities)
	assert.Equal(t, "whatsapp", l.Source.Channel)
	assert.Equal(t, []string{"a", "b"}, l.Tags)
	assert.Equal(t, map[string]string{"budget_lakh": "5", "hostel": "true"}, l.Custom)
	assert.True(t, l.Consent)
	assert.False(t, l.MarketingOptOut)
	assert.Equal(t, 7, l.Score)
	assert.Equal(t, 2, rows[1].Row)
	assert.Equal(t, 2, rows[0].Line)
	assert.Equal(t, 3, rows[1].Line)
}

func TestParseCSVErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		rows     []int
		fields   []string // validation field per bad row, "" for a conflict
	}{
		{"empty", "", []int{0}, []string{"header"}},
		{"unknown column", "name,shoe\n", []int{0}, []string{"header column 2"}},
		{"repeated column", "phone,Phone\n", []int{0}, []string{"header column 2"}},
		{"empty column", "phone,\n", []int{0}, []string{"header column 2"}},
		{"bad values", "phone,email,stage,budget_lakh,hostel,score,consent\n" +
			"12,,,,,,\n" +
			"+919876543210,nope,,,,,\n" +
			"+919876543211,,lost,,,,\n" +
			"+919876543212,,,lots,,,\n" +
			"+919876543213,,,,maybe,,\n" +
			"+919876543214,,,,,high,\n" +
			"+919876543215,,,,,,sure\n" +
			"+919876543216,,,,,,,extra\n",
			[]int{1, 2, 3, 4, 5, 6, 7, 8}, []string{"phone", "email", "stage", "custom.budget_lakh", "custom.hostel", "score", "consent", "row"}},
		{"duplicate in file", "phone\n+919876543210\n09876543210\n", []int{2}, []string{""}},
		{"no identity", "name\nAsha\n", []int{1}, []string{"identities"}},
		{"bad quoting", "name,phone\n\"Asha,+919876543210\n", []int{1}, []string{"csv"}},
		{"multi-line cell", "name,phone\n\"A\nB\",12\n", []int{1}, []string{"phone"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := crm.ParseCSV(strings.NewReader(tt.in), importOpts)
			var ie *crm.ImportError
			require.ErrorAs(t, err, &ie)
			var rows []int
			var fields []string
			for _, r := range ie.Rows {
				rows = append(rows, r.Row)
				var ve *crm.ValidationError
				if errors.As(r.Err, &ve) {
					fields = append(fields, ve.Field)
				} else {
					assert.ErrorIs(t, r.Err, crm.ErrConflict)
					fields = append(fields, "")
				}
			}
			assert.Equal(t, tt.rows, rows)
			assert.Equal(t, tt.fields, fields)
			assert.NotContains(t, err.Error(), "9876543210")
		})
	}
}

func TestParseCSVRequiredField(t *testing.T) {
	t.Parallel()
	opts := importOpts
	opts.Fields = []crm.FieldDef{{Key: "batch", Type: crm.FieldText, Required: true}}
	_, err := crm.ParseCSV(strings.NewReader("phone,batch\n+919876543210,\n"), opts)
	var ve *crm.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "custom.batch", ve.Field)
}

// endless yields a header and then one endless line.
type endless struct{ sent bool }

func (e *endless) Read(p []byte) (int, error) {
	if !e.sent {
		e.sent = true
		return copy(p, "name,phone\n"), nil
	}
	for i := range p {
		p[i] = 'a'
	}
	return len(p), nil
}

func TestParseCSVTooLarge(t *testing.T) {
	t.Parallel()
	opts := importOpts
	opts.MaxBytes = 1 << 16
	_, err := crm.ParseCSV(&endless{}, opts)
	var ve *crm.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "file", ve.Field)
}

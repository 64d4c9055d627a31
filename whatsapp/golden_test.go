package whatsapp_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/whatsapp"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden files")

var to = whatsapp.Phone("+91 98765 43210")

// goldenMessages holds one message of every outgoing type, named after its
// golden file.
func goldenMessages() map[string]whatsapp.Message {
	return map[string]whatsapp.Message{
		"text":              {To: to, Content: whatsapp.Text{Body: "See https://example.com/fees", PreviewURL: true}},
		"text_bsuid":        {To: whatsapp.BSUID("US.13491208655302741918"), Content: whatsapp.Text{Body: "Hello"}},
		"text_reply":        {To: to, ReplyTo: "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=", CallbackData: "conv:42", Content: whatsapp.Text{Body: "Yes, in blue"}},
		"image_id":          {To: to, Content: whatsapp.Image{Media: whatsapp.MediaRef{ID: "1003383421387256"}, Caption: "Timetable"}},
		"image_link":        {To: to, Content: whatsapp.Image{Media: whatsapp.MediaRef{Link: "https://example.com/a.jpg"}}},
		"audio":             {To: to, Content: whatsapp.Audio{Media: whatsapp.MediaRef{ID: "1013859600285441"}}},
		"video":             {To: to, Content: whatsapp.Video{Media: whatsapp.MediaRef{Link: "https://example.com/v.mp4"}, Caption: "Lecture 1"}},
		"document":          {To: to, Content: whatsapp.Document{Media: whatsapp.MediaRef{ID: "2087462111777036"}, Caption: "Fee receipt", Filename: "receipt.pdf"}},
		"sticker":           {To: to, Content: whatsapp.Sticker{Media: whatsapp.MediaRef{ID: "798882015472548"}}},
		"location":          {To: to, Content: whatsapp.Location{Latitude: 28.6139, Longitude: 77.209, Name: "Campus", Address: "1 Ring Rd, New Delhi"}},
		"contacts":          {To: to, Content: whatsapp.Contacts{{Name: whatsapp.ContactName{FormattedName: "Asha Rao", FirstName: "Asha", LastName: "Rao"}, Phones: []whatsapp.ContactPhone{{Phone: "+919876500000", Type: "WORK", WaID: "919876500000"}}, Emails: []whatsapp.ContactEmail{{Email: "asha@example.com", Type: "WORK"}}, Org: &whatsapp.ContactOrg{Company: "Example Academy", Title: "Counsellor"}}}},
		"reaction":          {To: to, Content: whatsapp.Reaction{MessageID: "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=", Emoji: "👍"}},
		"buttons":           {To: to, Content: whatsapp.ReplyButtons{Header: whatsapp.TextHeader("Admissions"), Body: "What would you like to know?", Footer: "Reply any time", Buttons: []whatsapp.ReplyButton{{ID: "fees", Title: "Fee details"}, {ID: "batches", Title: "Batches"}, {ID: "human", Title: "Talk to us"}}}},
		"list":              {To: to, Content: whatsapp.List{Header: whatsapp.TextHeader("Batches"), Body: "Pick a batch", Button: "Show batches", Sections: []whatsapp.ListSection{{Title: "Weekdays", Rows: []whatsapp.ListRow{{ID: "batch-morning", Title: "Morning batch", Description: "7am - 10am"}, {ID: "batch-evening", Title: "Evening batch"}}}, {Title: "Weekends", Rows: []whatsapp.ListRow{{ID: "batch-sat", Title: "Saturday"}}}}}},
		"cta_url":           {To: to, Content: whatsapp.CTAURL{Header: whatsapp.MediaHeader("image", whatsapp.MediaRef{Link: "https://example.com/banner.png"}), Body: "Apply online", DisplayText: "Apply now", URL: "https://example.com/apply"}},
		"flow":              {To: to, Content: whatsapp.Flow{Body: "Book a demo class", FlowID: "1234567890", Token: "flow-token-1", CTA: "Book", Screen: "BOOKING", Data: json.RawMessage(`{"course":"jee"}`)}},
		"template":          {To: to, Content: whatsapp.Template{Name: "admission_reminder", Language: "en_US", Header: whatsapp.HeaderMedia("document", whatsapp.MediaRef{Link: "https://example.com/brochure.pdf"}), Body: []whatsapp.Param{whatsapp.TextParam("Asha"), whatsapp.CurrencyParam("₹1,500.00", "INR", 1500000), whatsapp.DateTimeParam("1 December 2026")}, Buttons: []whatsapp.ButtonParam{whatsapp.URLButton(0, "apply?ref=42"), whatsapp.QuickReplyButton(1, "STOP_PROMOTIONS")}}},
		"template_named":    {To: to, Content: whatsapp.Template{Name: "class_update", Language: "hi", Header: whatsapp.HeaderText(whatsapp.NamedParam("course", "JEE")), Body: []whatsapp.Param{whatsapp.NamedParam("first_name", "Asha"), whatsapp.NamedParam("time", "7 am")}, Buttons: []whatsapp.ButtonParam{whatsapp.CopyCodeButton(0, "SAVE10"), whatsapp.FlowButton(1, "ft-9", nil)}}},
		"template_location": {To: to, Content: whatsapp.Template{Name: "venue_details", Language: "en", Header: whatsapp.HeaderLocation(whatsapp.Location{Latitude: 12.97, Longitude: 77.59, Name: "Centre", Address: "MG Road"})}},
	}
}

func TestGoldenMessages(t *testing.T) {
	t.Parallel()
	for name, m := range goldenMessages() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			require.NoError(t, m.Validate())
			got, err := json.MarshalIndent(m, "", "  ")
			require.NoError(t, err)
			got = append(got, '\n')
			path := filepath.Join("testdata", name+".golden")
			if *update {
				require.NoError(t, os.WriteFile(path, got, 0o644))
				return
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "run go test -update to create %s", path)
			assert.Equal(t, string(want), string(got))
			assert.True(t, bytes.Contains(got, []byte(`"messaging_product": "whatsapp"`)))
		})
	}
}

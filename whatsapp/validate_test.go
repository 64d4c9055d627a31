package whatsapp_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/whatsapp"
)

func TestValidateRejectsBadInput(t *testing.T) {
	t.Parallel()
	btn := func(n int) []whatsapp.ReplyButton {
		var bs []whatsapp.ReplyButton
		for i := range n {
			bs = append(bs, whatsapp.ReplyButton{ID: strings.Repeat("b", i+1), Title: "Option"})
		}
		return bs
	}
	sec := 0
	rows := func(n int) []whatsapp.ListRow {
		sec++
		var rs []whatsapp.ListRow
		for i := range n {
			rs = append(rs, whatsapp.ListRow{ID: strings.Repeat("r", i+1) + string(rune('a'+sec)), Title: "Row"})
		}
		return rs
	}
	tests := []struct {
		name  string
		msg   whatsapp.Message
		field string
	}{
		{"no recipient", whatsapp.Message{Content: whatsapp.Text{Body: "x"}}, "to"},
		{"invalid phone", whatsapp.Message{To: whatsapp.Phone("12"), Content: whatsapp.Text{Body: "x"}}, "to"},
		{"letters in phone", whatsapp.Message{To: whatsapp.Phone("+91abc4567890"), Content: whatsapp.Text{Body: "x"}}, "to"},
		{"bad bsuid", whatsapp.Message{To: whatsapp.BSUID("nope"), Content: whatsapp.Text{Body: "x"}}, "recipient"},
		{"no content", whatsapp.Message{To: to}, "type"},
		{"empty text", whatsapp.Message{To: to, Content: whatsapp.Text{Body: "  "}}, "text.body"},
		{"long text", whatsapp.Message{To: to, Content: whatsapp.Text{Body: strings.Repeat("a", 4097)}}, "text.body"},
		{"long callback", whatsapp.Message{To: to, CallbackData: strings.Repeat("a", 513), Content: whatsapp.Text{Body: "x"}}, "biz_opaque_callback_data"},
		{"media without ref", whatsapp.Message{To: to, Content: whatsapp.Image{}}, "image.id"},
		{"media both refs", whatsapp.Message{To: to, Content: whatsapp.Video{Media: whatsapp.MediaRef{ID: "1", Link: "https://x.y/z"}}}, "video.link"},
		{"media bad link", whatsapp.Message{To: to, Content: whatsapp.Audio{Media: whatsapp.MediaRef{Link: "ftp://x"}}}, "audio.link"},
		{"long caption", whatsapp.Message{To: to, Content: whatsapp.Image{Media: whatsapp.MediaRef{ID: "1"}, Caption: strings.Repeat("c", 1025)}}, "image.caption"},
		{"document path", whatsapp.Message{To: to, Content: whatsapp.Document{Media: whatsapp.MediaRef{ID: "1"}, Filename: "../etc/passwd"}}, "document.filename"},
		{"latitude", whatsapp.Message{To: to, Content: whatsapp.Location{Latitude: 91}}, "location.latitude"},
		{"contact name", whatsapp.Message{To: to, Content: whatsapp.Contacts{{}}}, "contacts[0].name.formatted_name"},
		{"no contacts", whatsapp.Message{To: to, Content: whatsapp.Contacts{}}, "contacts"},
		{"reaction id", whatsapp.Message{To: to, Content: whatsapp.Reaction{Emoji: "👍"}}, "reaction.message_id"},
		{"four buttons", whatsapp.Message{To: to, Content: whatsapp.ReplyButtons{Body: "b", Buttons: btn(4)}}, "interactive.action.buttons"},
		{"no buttons", whatsapp.Message{To: to, Content: whatsapp.ReplyButtons{Body: "b"}}, "interactive.action.buttons"},
		{"button title", whatsapp.Message{To: to, Content: whatsapp.ReplyButtons{Body: "b", Buttons: []whatsapp.ReplyButton{{ID: "a", Title: strings.Repeat("t", 21)}}}}, "interactive.action.buttons[0].reply.title"},
		{"duplicate button", whatsapp.Message{To: to, Content: whatsapp.ReplyButtons{Body: "b", Buttons: []whatsapp.ReplyButton{{ID: "a", Title: "x"}, {ID: "a", Title: "y"}}}}, "interactive.action.buttons[1].reply.id"},
		{"empty body", whatsapp.Message{To: to, Content: whatsapp.ReplyButtons{Buttons: btn(1)}}, "interactive.body.text"},
		{"list rows over limit", whatsapp.Message{To: to, Content: whatsapp.List{Body: "b", Button: "Open", Sections: []whatsapp.ListSection{{Title: "A", Rows: rows(6)}, {Title: "B", Rows: rows(5)}}}}, "interactive.action.sections"},
		{"list row title", whatsapp.Message{To: to, Content: whatsapp.List{Body: "b", Button: "Open", Sections: []whatsapp.ListSection{{Rows: []whatsapp.ListRow{{ID: "a", Title: strings.Repeat("t", 25)}}}}}}, "interactive.action.sections[0].rows[0].title"},
		{"list media header", whatsapp.Message{To: to, Content: whatsapp.List{Header: whatsapp.MediaHeader("image", whatsapp.MediaRef{ID: "1"}), Body: "b", Button: "Open", Sections: []whatsapp.ListSection{{Rows: rows(1)}}}}, "interactive.header.type"},
		{"list no button", whatsapp.Message{To: to, Content: whatsapp.List{Body: "b", Sections: []whatsapp.ListSection{{Rows: rows(1)}}}}, "interactive.action.button"},
		{"list section titles", whatsapp.Message{To: to, Content: whatsapp.List{Body: "b", Button: "Open", Sections: []whatsapp.ListSection{{Rows: rows(1)}, {Rows: rows(1)}}}}, "interactive.action.sections[0].title"},
		{"cta url", whatsapp.Message{To: to, Content: whatsapp.CTAURL{Body: "b", DisplayText: "Go", URL: "javascript:alert(1)"}}, "interactive.action.parameters.url"},
		{"flow id", whatsapp.Message{To: to, Content: whatsapp.Flow{Body: "b", CTA: "Go", Screen: "A"}}, "interactive.action.parameters.flow_id"},
		{"flow screen", whatsapp.Message{To: to, Content: whatsapp.Flow{Body: "b", FlowID: "1", CTA: "Go"}}, "interactive.action.parameters.flow_action_payload.screen"},
		{"flow data", whatsapp.Message{To: to, Content: whatsapp.Flow{Body: "b", FlowID: "1", CTA: "Go", Screen: "A", Data: []byte(`[1]`)}}, "interactive.action.parameters.flow_action_payload.data"},
		{"template name", whatsapp.Message{To: to, Content: whatsapp.Template{Name: "Bad Name", Language: "en"}}, "template.name"},
		{"template language", whatsapp.Message{To: to, Content: whatsapp.Template{Name: "a", Language: "english"}}, "template.language.code"},
		{"template empty param", whatsapp.Message{To: to, Content: whatsapp.Template{Name: "a", Language: "en", Body: []whatsapp.Param{whatsapp.TextParam("")}}}, "template.components[body].parameters[0].text"},
		{"template newline param", whatsapp.Message{To: to, Content: whatsapp.Template{Name: "a", Language: "en", Body: []whatsapp.Param{whatsapp.TextParam("a\nb")}}}, "template.components[body].parameters[0].text"},
		{"template currency", whatsapp.Message{To: to, Content: whatsapp.Template{Name: "a", Language: "en", Body: []whatsapp.Param{whatsapp.CurrencyParam("1", "rupees", 1000)}}}, "template.components[body].parameters[0].currency.code"},
		{"template mixed params", whatsapp.Message{To: to, Content: whatsapp.Template{Name: "a", Language: "en", Body: []whatsapp.Param{whatsapp.NamedParam("x", "1"), whatsapp.TextParam("2")}}}, "template.components[body].parameters[1].parameter_name"},
		{"template button type", whatsapp.Message{To: to, Content: whatsapp.Template{Name: "a", Language: "en", Buttons: []whatsapp.ButtonParam{{SubType: "call"}}}}, "template.components[button][0].sub_type"},
		{"template coupon", whatsapp.Message{To: to, Content: whatsapp.Template{Name: "a", Language: "en", Buttons: []whatsapp.ButtonParam{whatsapp.CopyCodeButton(0, strings.Repeat("C", 16))}}}, "template.components[button][0].parameters[0].coupon_code"},
		{"template header", whatsapp.Message{To: to, Content: whatsapp.Template{Name: "a", Language: "en", Header: &whatsapp.TemplateHeader{Type: "gif"}}}, "template.components[header].parameters[0].type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.msg.Validate()
			require.Error(t, err)
			var ve *whatsapp.ValidationError
			require.True(t, errors.As(err, &ve), "%T", err)
			assert.Equal(t, tt.field, ve.Field)
			assert.ErrorIs(t, err, whatsapp.ErrInvalid)
			assert.NotContains(t, err.Error(), "98765")
		})
	}
}

func TestRecipient(t *testing.T) {
	t.Parallel()
	p := whatsapp.Phone("+1 (650) 555-1234")
	require.NoError(t, p.Validate())
	assert.Equal(t, "16505551234", p.Key())
	assert.Equal(t, "+16505551234", p.PhoneNumber())
	assert.False(t, p.IsBSUID())
	assert.Equal(t, "phone:…34", p.String())
	assert.NotContains(t, p.GoString(), "650")
	b := whatsapp.BSUID("US.13491208655302741918")
	require.NoError(t, b.Validate())
	assert.True(t, b.IsBSUID())
	assert.Equal(t, "", b.PhoneNumber())
	assert.Equal(t, "US.13491208655302741918", b.Key())
	assert.Equal(t, "bsuid:…18", b.LogValue().String())
	assert.True(t, whatsapp.Recipient{}.IsZero())
}

package whatsapp_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/meta"
	"github.com/botsync/botsync/meta/metatest"
	"github.com/botsync/botsync/whatsapp"
)

func decodeFixture(t *testing.T, name string) whatsapp.Event {
	t.Helper()
	events, err := whatsapp.Decode(metatest.Fixture("whatsapp/" + name))
	require.NoError(t, err)
	require.Len(t, events, 1)
	require.NoError(t, events[0].Err)
	return events[0]
}

func TestDecodeEveryFixture(t *testing.T) {
	t.Parallel()
	n := 0
	for _, name := range metatest.Fixtures() {
		if !strings.HasPrefix(name, "whatsapp/") {
			continue
		}
		n++
		events, err := whatsapp.Decode(metatest.Fixture(name))
		require.NoError(t, err, name)
		for _, ev := range events {
			require.NoError(t, ev.Err, name)
			assert.Equal(t, "102290129340398", ev.WABAID)
			assert.NotEmpty(t, ev.DedupKey)
			typed := ev.Messages != nil || ev.TemplateStatus != nil || ev.TemplateCategory != nil || ev.TemplateQuality != nil ||
				ev.PhoneNumberQuality != nil || ev.AccountUpdate != nil || ev.UserPreferences != nil
			assert.True(t, typed, "%s: field %s not typed", name, ev.Field)
		}
	}
	assert.GreaterOrEqual(t, n, 20)
	_, err := whatsapp.Decode(metatest.Fixture("instagram/message.json"))
	assert.ErrorIs(t, err, whatsapp.ErrNotWhatsApp)
	_, err = whatsapp.Decode([]byte(`[]`))
	assert.ErrorIs(t, err, meta.ErrMalformedWebhook)
}

func TestDecodeInboundMessages(t *testing.T) {
	t.Parallel()
	ev := decodeFixture(t, "text_message.json")
	m := ev.Messages.Messages[0]
	assert.Equal(t, "text", m.Type)
	assert.Equal(t, "Does it come in another color?", m.Text.Body)
	assert.Equal(t, "16505551234", m.From)
	assert.Equal(t, "US.13491208655302741918", m.FromUserID)
	assert.Equal(t, "Sheena Nelson", m.Profile.Profile.Name)
	assert.Equal(t, "106540352242922", m.PhoneNumberID)
	assert.Equal(t, time.Unix(1749416383, 0).UTC(), m.Timestamp.Time)
	assert.Equal(t, "16505551234", m.Sender().Key())
	assert.Contains(t, string(m.Raw), `"Does it come in another color?"`)

	img := decodeFixture(t, "image_message.json").Messages.Messages[0]
	require.NotNil(t, img.Media())
	assert.Equal(t, "1003383421387256", img.Media().ID)
	assert.Equal(t, "image/jpeg", img.Image.MimeType)
	doc := decodeFixture(t, "document_message.json").Messages.Messages[0]
	assert.Equal(t, "receipt.pdf", doc.Document.Filename)
	loc := decodeFixture(t, "location_message.json").Messages.Messages[0]
	assert.InDelta(t, 37.483307, loc.Location.Latitude, 1e-9)
	btn := decodeFixture(t, "interactive_button_reply.json").Messages.Messages[0]
	assert.Equal(t, "fees", btn.Interactive.ButtonReply.ID)
	assert.Equal(t, "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI3NjI0NUZBMDI3RkRFMEQwNjIA", btn.Context.ID)
	list := decodeFixture(t, "interactive_list_reply.json").Messages.Messages[0]
	assert.Equal(t, "7am - 10am", list.Interactive.ListReply.Description)
	button := decodeFixture(t, "button_message.json").Messages.Messages[0]
	assert.Equal(t, "STOP_PROMOTIONS", button.Button.Payload)
	ref := decodeFixture(t, "referral_message.json").Messages.Messages[0]
	assert.Equal(t, "ad", ref.Referral.SourceType)
	assert.NotEmpty(t, ref.Referral.CTWAClickID)
	assert.Equal(t, "Hi! How can we help you today?", ref.Referral.WelcomeMessage.Text)
	react := decodeFixture(t, "reaction_message.json").Messages.Messages[0]
	assert.Equal(t, "😀", react.Reaction.Emoji)
	un := decodeFixture(t, "unsupported_message.json").Messages.Messages[0]
	assert.Equal(t, 131051, un.Errors[0].Code)
	assert.Equal(t, "Message type is currently not supported.", un.Errors[0].ErrorData.Details)
}

func TestDecodeAllInboundTypes(t *testing.T) {
	t.Parallel()
	body, err := os.ReadFile("testdata/inbound_all.json")
	require.NoError(t, err)
	events, err := whatsapp.Decode(body)
	require.NoError(t, err)
	require.Len(t, events, 4)
	assert.Equal(t, time.Unix(1750091600, 0).UTC(), events[0].Time)
	ms := events[0].Messages.Messages
	require.Len(t, ms, 9)
	assert.True(t, ms[0].Audio.Voice)
	assert.Equal(t, "demo", ms[1].Video.Caption)
	assert.Equal(t, "113", ms[2].Media().ID)
	assert.Equal(t, "Asha Rao", ms[3].Contacts[0].Name.FormattedName)
	assert.Equal(t, "sku1", ms[4].Order.ProductItems[0].ProductRetailerID)
	assert.Equal(t, "499.5", ms[4].Order.ProductItems[0].ItemPrice.String())
	assert.Equal(t, "16505550000", ms[5].System.NewWaID)
	assert.Contains(t, ms[6].Interactive.NFMReply.ResponseJSON, "ft-1")
	assert.Equal(t, "hologram", ms[7].Type, "unknown types are surfaced")
	assert.Contains(t, string(ms[7].Raw), `"depth"`)
	assert.Nil(t, ms[7].Media())
	assert.Equal(t, "IN.99887766554433221100", ms[8].FromUserID)
	assert.Equal(t, "Only Bsuid", ms[8].Profile.Profile.Name)
	assert.True(t, ms[8].Sender().IsBSUID())
	assert.True(t, ms[8].Context.Forwarded)
	assert.Equal(t, time.Unix(1750091609, 0).UTC(), ms[8].Timestamp.Time, "numeric timestamps decode too")

	assert.Equal(t, 131000, events[1].Messages.Errors[0].Code)
	assert.Equal(t, "business_capability_update", events[2].Field, "unknown fields are surfaced")
	assert.Nil(t, events[2].Messages)
	assert.NoError(t, events[2].Err)
	assert.Contains(t, string(events[2].Raw), "max_daily_conversation_per_phone")
	assert.Nil(t, events[3].AccountUpdate)
	assert.ErrorContains(t, events[3].Err, "violation_info")
	assert.NotContains(t, events[3].Err.Error(), "ACCOUNT_VIOLATION")
}

func TestDecodeStatusesAndUpdates(t *testing.T) {
	t.Parallel()
	s := decodeFixture(t, "status_sent.json").Messages.Statuses[0]
	assert.Equal(t, "sent", s.Status)
	assert.Equal(t, "campaign:42:recipient:7", s.CallbackData)
	assert.Equal(t, "US.13491208655302741918", s.RecipientUserID)
	assert.Equal(t, "marketing", s.Pricing.Category)
	assert.True(t, s.Pricing.Billable)
	assert.Equal(t, "marketing", s.Conversation.Origin.Type)
	assert.Equal(t, time.Unix(1750177800, 0).UTC(), s.Conversation.ExpirationTimestamp.Time)
	assert.Equal(t, "106540352242922", s.PhoneNumberID)
	f := decodeFixture(t, "status_failed.json").Messages.Statuses[0]
	assert.Equal(t, 131026, f.Errors[0].Code)
	assert.Equal(t, whatsapp.ActionTerminal, whatsapp.ActionOf(f.Errors[0]))

	ts := decodeFixture(t, "template_status_update.json").TemplateStatus
	assert.Equal(t, "APPROVED", ts.Event)
	assert.Equal(t, "1689556908129832", ts.TemplateID.String())
	assert.Equal(t, whatsapp.CategoryMarketing, ts.Category)
	tc := decodeFixture(t, "template_category_update.json").TemplateCategory
	assert.Equal(t, whatsapp.CategoryUtility, tc.PreviousCategory)
	assert.Equal(t, whatsapp.CategoryMarketing, tc.NewCategory)
	tq := decodeFixture(t, "template_quality_update.json").TemplateQuality
	assert.Equal(t, "YELLOW", tq.NewQualityScore)
	pq := decodeFixture(t, "phone_number_quality_update.json").PhoneNumberQuality
	assert.Equal(t, "DOWNGRADE", pq.Event)
	assert.Equal(t, "TIER_1K", pq.CurrentLimit)
	au := decodeFixture(t, "account_update.json").AccountUpdate
	assert.Equal(t, "SCAM", au.ViolationInfo.ViolationType)
	up := decodeFixture(t, "user_preferences.json").UserPreferences
	assert.Equal(t, "stop", up.UserPreferences[0].Value)
	assert.Equal(t, "marketing_messages", up.UserPreferences[0].Category)
	assert.Equal(t, time.Unix(1750091600, 0).UTC(), up.UserPreferences[0].Timestamp.Time)
}

func TestCatalogAppliesWebhooks(t *testing.T) {
	t.Parallel()
	c := whatsapp.NewCatalog()
	assert.Equal(t, whatsapp.Category(""), c.Category("admission_reminder", "en_US"))
	assert.True(t, c.Apply(decodeFixture(t, "template_status_update.json")))
	ti, ok := c.Lookup("admission_reminder", "en_US")
	require.True(t, ok)
	assert.Equal(t, "APPROVED", ti.Status)
	assert.Equal(t, whatsapp.CategoryMarketing, ti.Category)
	c.SetCategory("admission_reminder", "en_US", whatsapp.CategoryUtility)
	assert.True(t, c.Apply(decodeFixture(t, "template_category_update.json")))
	assert.Equal(t, whatsapp.CategoryMarketing, c.Category("admission_reminder", "en_US"))
	assert.Equal(t, whatsapp.CategoryMarketing, c.Category("admission_reminder", "hi"), "other languages fall back to the name")
	assert.False(t, c.Apply(decodeFixture(t, "status_sent.json")))
}

func TestUnixTime(t *testing.T) {
	t.Parallel()
	var u whatsapp.UnixTime
	require.NoError(t, u.UnmarshalJSON([]byte(`"1750091200"`)))
	assert.Equal(t, int64(1750091200), u.Unix())
	b, err := u.MarshalJSON()
	require.NoError(t, err)
	assert.Equal(t, `"1750091200"`, string(b))
	require.NoError(t, u.UnmarshalJSON([]byte(`null`)))
	assert.True(t, u.IsZero())
	b, _ = u.MarshalJSON()
	assert.Equal(t, `""`, string(b))
	assert.Error(t, u.UnmarshalJSON([]byte(`"soon"`)))
	assert.Error(t, u.UnmarshalJSON([]byte(`-5`)))
}

func TestCatalogCheck(t *testing.T) {
	t.Parallel()
	c := whatsapp.NewCatalog()
	tmpl := whatsapp.Template{Name: "fee_reminder", Language: "en_US", Body: []whatsapp.Param{whatsapp.TextParam("Asha")}}
	require.NoError(t, c.Check(tmpl), "unknown templates are checked on their own only")
	c.Learn(whatsapp.TemplateDefinition{Name: "fee_reminder", Language: "en_US", Category: whatsapp.CategoryMarketing,
		Components: []whatsapp.TemplateComponent{{Type: "BODY", Text: "Hi {{1}}, pay {{2}}"}}})
	assert.ErrorIs(t, c.Check(tmpl), whatsapp.ErrInvalid)
	tmpl.Body = append(tmpl.Body, whatsapp.CurrencyParam("₹1", "INR", 1000))
	assert.NoError(t, c.Check(tmpl))
	tmpl.Name = "Bad"
	assert.ErrorIs(t, c.Check(tmpl), whatsapp.ErrInvalid)
}

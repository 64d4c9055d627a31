package whatsapp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/meta"
	"github.com/botsync/botsync/meta/metatest"
	"github.com/botsync/botsync/secret"
	"github.com/botsync/botsync/whatsapp"
	"github.com/botsync/botsync/whatsapp/whatsapptest"
)

const phoneID = whatsapptest.PhoneNumberID

func TestSendEveryTypeThroughFake(t *testing.T) {
	t.Parallel()
	fake := whatsapptest.New(t)
	wa := fake.WhatsApp("tok")
	ctx := context.Background()
	msgs := goldenMessages()
	for name, m := range msgs {
		res, err := wa.Messages.Send(ctx, phoneID, m)
		require.NoError(t, err, name)
		assert.NotEmpty(t, res.MessageID, name)
		assert.Equal(t, whatsapp.EndpointMessages, res.Endpoint, name)
	}
	sent := fake.Sent()
	require.Len(t, sent, len(msgs))
	for _, s := range sent {
		var body map[string]any
		require.NoError(t, s.Decode(&body))
		assert.Equal(t, "whatsapp", body["messaging_product"])
		assert.NotEmpty(t, s.Type)
	}
	r, ok := fake.LastRequest()
	require.True(t, ok)
	assert.Equal(t, "Bearer tok", r.Header.Get("Authorization"))
}

func TestSendTextAndResult(t *testing.T) {
	t.Parallel()
	fake := whatsapptest.New(t)
	wa := fake.WhatsApp("tok")
	res, err := wa.Messages.SendText(context.Background(), phoneID, whatsapp.Phone("+919876543210"), "Hello https://example.com")
	require.NoError(t, err)
	assert.Equal(t, "919876543210", res.WaID)
	assert.Equal(t, whatsapp.CategoryService, res.Category)
	sent := fake.Sent()[0]
	assert.Equal(t, "+919876543210", sent.To)
	assert.JSONEq(t, `{"messaging_product":"whatsapp","recipient_type":"individual","to":"+919876543210","type":"text","text":{"body":"Hello https://example.com","preview_url":true}}`, string(sent.Body))

	res, err = wa.Messages.React(context.Background(), phoneID, whatsapp.BSUID("US.13491208655302741918"), res.MessageID, "❤️")
	require.NoError(t, err)
	assert.Equal(t, "US.13491208655302741918", fake.Sent()[1].Recipient)
	assert.NotEmpty(t, res.MessageID)
}

func TestSendValidationMakesNoRequest(t *testing.T) {
	t.Parallel()
	fake := whatsapptest.New(t)
	wa := fake.WhatsApp("tok")
	_, err := wa.Messages.SendText(context.Background(), phoneID, whatsapp.Phone("123"), "hi")
	assert.ErrorIs(t, err, whatsapp.ErrInvalid)
	_, err = wa.Messages.SendText(context.Background(), "not-an-id", whatsapp.Phone("+919876543210"), "hi")
	var ve *whatsapp.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "phone_number_id", ve.Field)
	assert.Empty(t, fake.Requests())
}

func TestMarkReadAndTyping(t *testing.T) {
	t.Parallel()
	fake := whatsapptest.New(t)
	wa := fake.WhatsApp("tok")
	ctx := context.Background()
	require.NoError(t, wa.Messages.MarkRead(ctx, phoneID, "wamid.IN1"))
	r, _ := fake.LastRequest()
	assert.JSONEq(t, `{"messaging_product":"whatsapp","status":"read","message_id":"wamid.IN1"}`, string(r.Body))
	require.NoError(t, wa.Messages.Typing(ctx, phoneID, "wamid.IN2"))
	r, _ = fake.LastRequest()
	assert.JSONEq(t, `{"messaging_product":"whatsapp","status":"read","message_id":"wamid.IN2","typing_indicator":{"type":"text"}}`, string(r.Body))
	assert.ErrorIs(t, wa.Messages.MarkRead(ctx, phoneID, " "), whatsapp.ErrInvalid)
}

func admissionTemplate() whatsapp.TemplateDefinition {
	return whatsapp.TemplateDefinition{
		Name: "admission_reminder", Language: "en_US", Category: whatsapp.CategoryMarketing,
		Components: []whatsapp.TemplateComponent{
			{Type: "HEADER", Format: "DOCUMENT"},
			{Type: "BODY", Text: "Hi {{1}}, the fee of {{2}} is due on {{3}}."},
			{Type: "BUTTONS", Buttons: []whatsapp.TemplateButton{{Type: "URL", Text: "Apply", URL: "https://example.com/{{1}}"}, {Type: "QUICK_REPLY", Text: "Stop promotions"}}},
		},
	}
}

func TestTemplateRoutingFollowsCatalog(t *testing.T) {
	t.Parallel()
	fake := whatsapptest.New(t)
	fake.AddTemplate(admissionTemplate())
	fake.AddTemplate(whatsapp.TemplateDefinition{Name: "class_update", Language: "en", Category: whatsapp.CategoryUtility,
		Components: []whatsapp.TemplateComponent{{Type: "BODY", Text: "Your class moved to {{time}}."}}, ParameterFormat: "NAMED"})
	wa := fake.WhatsApp("tok")
	ctx := context.Background()
	n, err := wa.Templates.Sync(ctx, whatsapptest.WABAID)
	require.NoError(t, err)
	assert.Equal(t, 2, n)

	tmpl := goldenMessages()["template"].Content.(whatsapp.Template)
	res, err := wa.Messages.SendTemplate(ctx, phoneID, to, tmpl)
	require.NoError(t, err)
	assert.Equal(t, whatsapp.EndpointMarketingMessages, res.Endpoint)
	assert.Equal(t, whatsapp.CategoryMarketing, res.Category)
	assert.Equal(t, "accepted", res.MessageStatus)

	utility := whatsapp.Template{Name: "class_update", Language: "en", Body: []whatsapp.Param{whatsapp.NamedParam("time", "7 am")}}
	res, err = wa.Messages.SendTemplate(ctx, phoneID, to, utility)
	require.NoError(t, err)
	assert.Equal(t, whatsapp.EndpointMessages, res.Endpoint)

	// Meta recategorises the template: the webhook moves it to marketing.
	body := []byte(`{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"field":"template_category_update","value":{"message_template_id":1,"message_template_name":"class_update","message_template_language":"en","previous_category":"UTILITY","new_category":"MARKETING"}}]}]}`)
	events, err := whatsapp.Decode(body)
	require.NoError(t, err)
	assert.True(t, wa.Catalog().Apply(events[0]))
	res, err = wa.Messages.SendTemplate(ctx, phoneID, to, utility)
	require.NoError(t, err)
	assert.Equal(t, whatsapp.EndpointMarketingMessages, res.Endpoint)

	endpoints := []string{}
	for _, s := range fake.Sent() {
		endpoints = append(endpoints, s.Endpoint)
	}
	assert.Equal(t, []string{"marketing_messages", "messages", "marketing_messages"}, endpoints)
}

func TestTemplateParamsCheckedAgainstCatalog(t *testing.T) {
	t.Parallel()
	fake := whatsapptest.New(t)
	wa := fake.WhatsApp("tok")
	wa.Catalog().Learn(admissionTemplate())
	wa.Catalog().Learn(whatsapp.TemplateDefinition{Name: "class_update", Language: "en", Category: whatsapp.CategoryUtility,
		Components: []whatsapp.TemplateComponent{{Type: "HEADER", Format: "TEXT", Text: "{{course}} update"}, {Type: "BODY", Text: "Hi {{first_name}}, class at {{time}}."}}})
	good := goldenMessages()["template"].Content.(whatsapp.Template)
	doc := whatsapp.HeaderMedia("document", whatsapp.MediaRef{ID: "1"})
	tests := []struct {
		name  string
		t     whatsapp.Template
		field string
	}{
		{"too many body params", whatsapp.Template{Name: good.Name, Language: "en_US", Header: doc, Body: append(good.Body, whatsapp.TextParam("x")), Buttons: good.Buttons}, "template.components[body].parameters"},
		{"missing header", whatsapp.Template{Name: good.Name, Language: "en_US", Body: good.Body, Buttons: good.Buttons}, "template.components[header]"},
		{"wrong header type", whatsapp.Template{Name: good.Name, Language: "en_US", Header: whatsapp.HeaderMedia("image", whatsapp.MediaRef{ID: "1"}), Body: good.Body, Buttons: good.Buttons}, "template.components[header].parameters[0].type"},
		{"missing url suffix", whatsapp.Template{Name: good.Name, Language: "en_US", Header: doc, Body: good.Body}, "template.components[button]"},
		{"button index", whatsapp.Template{Name: good.Name, Language: "en_US", Header: doc, Body: good.Body, Buttons: []whatsapp.ButtonParam{whatsapp.URLButton(0, "x"), whatsapp.QuickReplyButton(5, "p")}}, "template.components[button][1].index"},
		{"button kind", whatsapp.Template{Name: good.Name, Language: "en_US", Header: doc, Body: good.Body, Buttons: []whatsapp.ButtonParam{whatsapp.URLButton(0, "x"), whatsapp.CopyCodeButton(1, "C")}}, "template.components[button][1].sub_type"},
		{"unknown named param", whatsapp.Template{Name: "class_update", Language: "en", Header: whatsapp.HeaderText(whatsapp.NamedParam("course", "JEE")), Body: []whatsapp.Param{whatsapp.NamedParam("first_name", "A"), whatsapp.NamedParam("place", "B")}}, "template.components[body].parameters[1].parameter_name"},
		{"missing named param", whatsapp.Template{Name: "class_update", Language: "en", Header: whatsapp.HeaderText(whatsapp.NamedParam("course", "JEE")), Body: []whatsapp.Param{whatsapp.NamedParam("first_name", "A")}}, "template.components[body].parameters"},
		{"unknown header param", whatsapp.Template{Name: "class_update", Language: "en", Header: whatsapp.HeaderText(whatsapp.NamedParam("subject", "JEE")), Body: []whatsapp.Param{whatsapp.NamedParam("first_name", "A"), whatsapp.NamedParam("time", "B")}}, "template.components[header].parameters[0].parameter_name"},
	}
	for _, tt := range tests {
		_, err := wa.Messages.SendTemplate(context.Background(), phoneID, to, tt.t)
		var ve *whatsapp.ValidationError
		require.ErrorAs(t, err, &ve, tt.name)
		assert.Equal(t, tt.field, ve.Field, tt.name)
	}
	assert.Empty(t, fake.Requests())
	_, err := wa.Messages.SendTemplate(context.Background(), phoneID, to, good)
	require.NoError(t, err)
}

func TestFakeRejectsLikeCloudAPI(t *testing.T) {
	t.Parallel()
	fake := whatsapptest.New(t)
	fake.AddTemplate(admissionTemplate())
	fake.SetTemplateStatus("admission_reminder", "en_US", "PAUSED")
	api := fake.Client("tok")
	ctx := context.Background()
	post := func(body string) *meta.Error {
		_, err := api.Post(ctx, phoneID+"/messages", json.RawMessage(body), nil)
		var me *meta.Error
		require.ErrorAs(t, err, &me, body)
		return me
	}
	assert.Equal(t, 100, post(`{"to":"+919876543210","type":"text","text":{"body":"x"}}`).Code)
	me := post(`{"messaging_product":"whatsapp","to":"+919876543210","type":"text","text":{"body":""}}`)
	assert.Equal(t, 131008, me.Code)
	assert.Contains(t, string(me.ErrorData), "text['body']")
	assert.Equal(t, 100, post(`{"messaging_product":"whatsapp","type":"text","text":{"body":"x"}}`).Code)
	assert.Equal(t, 131009, post(`{"messaging_product":"whatsapp","to":"+919876543210","type":"interactive","interactive":{"type":"button","body":{"text":"b"},"action":{"buttons":[{},{},{},{}]}}}`).Code)
	assert.Equal(t, 132001, post(`{"messaging_product":"whatsapp","to":"+919876543210","type":"template","template":{"name":"nope","language":{"code":"en_US"}}}`).Code)
	assert.Equal(t, 132015, post(`{"messaging_product":"whatsapp","to":"+919876543210","type":"template","template":{"name":"admission_reminder","language":{"code":"en_US"}}}`).Code)
	_, err := api.Post(ctx, phoneID+"/marketing_messages", json.RawMessage(`{"messaging_product":"whatsapp","to":"+919876543210","type":"text","text":{"body":"x"}}`), nil)
	assert.Error(t, err)
	_, err = api.Post(ctx, "999/messages", json.RawMessage(`{"messaging_product":"whatsapp","to":"+919876543210","type":"text","text":{"body":"x"}}`), nil)
	assert.Error(t, err)
	assert.Empty(t, fake.Sent())
}

func TestSendErrorsCarryActions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code     int
		action   whatsapp.Action
		sentinel error
	}{
		{131050, whatsapp.ActionSuppressRecipient, whatsapp.ErrSuppressRecipient},
		{131047, whatsapp.ActionNeedsTemplate, whatsapp.ErrNeedsTemplate},
		{131026, whatsapp.ActionTerminal, whatsapp.ErrTerminal},
		{131049, whatsapp.ActionRetryInHours, whatsapp.ErrRetryInHours},
		{132000, whatsapp.ActionTerminal, whatsapp.ErrTerminal},
		{131031, whatsapp.ActionHaltNumber, whatsapp.ErrHaltNumber},
		{368, whatsapp.ActionHaltNumber, whatsapp.ErrHaltNumber},
	}
	fake := whatsapptest.New(t)
	wa := fake.WhatsApp("tok")
	for _, tt := range tests {
		fake.FailRecipient("919876543210", metatest.GraphError{Code: tt.code, Message: "scripted"})
		_, err := wa.Messages.SendText(context.Background(), phoneID, whatsapp.Phone("+919876543210"), "hi")
		require.Error(t, err)
		assert.ErrorIs(t, err, tt.sentinel, "code %d", tt.code)
		assert.Equal(t, tt.action, whatsapp.ActionOf(err), "code %d", tt.code)
		var me *meta.Error
		require.ErrorAs(t, err, &me)
		assert.Equal(t, tt.code, me.Code)
		var se *whatsapp.SendError
		require.ErrorAs(t, err, &se)
		assert.Contains(t, se.Error(), tt.action.String())
		assert.NotContains(t, se.Error(), "9876543210")
	}
	// Pair rate limit: Meta's throttle is retried by the Graph client, then surfaced.
	fake.FailRecipient("919876543210", metatest.GraphError{Code: 131056, Message: "pair rate"}, metatest.GraphError{Code: 131056}, metatest.GraphError{Code: 131056}, metatest.GraphError{Code: 131056})
	_, err := wa.Messages.SendText(context.Background(), phoneID, whatsapp.Phone("+919876543210"), "hi")
	assert.ErrorIs(t, err, whatsapp.ErrRetryRecipientLater)
	assert.Empty(t, fake.Sent())
}

func TestSendNeverResentAfterDroppedConnection(t *testing.T) {
	t.Parallel()
	fake := whatsapptest.New(t)
	wa := fake.WhatsApp("tok")
	fake.Fail(metatest.Match(http.MethodPost, phoneID+"/messages"), metatest.Failure{DropConnection: true, Times: 1})
	_, err := wa.Messages.SendText(context.Background(), phoneID, to, "hi")
	require.Error(t, err)
	assert.ErrorIs(t, err, whatsapp.ErrUncertain)
	assert.Len(t, fake.Requests(), 1, "a POST whose outcome is unknown must not be retried")
}

func TestSendThroughBSP(t *testing.T) {
	t.Parallel()
	fake := whatsapptest.New(t, whatsapptest.WithMetatest(metatest.WithAPIKeyHeader("D360-API-KEY")))
	api := fake.Client("", meta.WithAuthHeader("D360-API-KEY", secret.New("bsp-key")))
	wa, err := whatsapp.NewClient(api)
	require.NoError(t, err)
	_, err = wa.Messages.SendText(context.Background(), phoneID, to, "hi")
	require.NoError(t, err)
	r, _ := fake.LastRequest()
	assert.Equal(t, "bsp-key", r.Header.Get("D360-API-KEY"))
	assert.Empty(t, r.Header.Get("Authorization"))
}

func TestWindowBlocksFreeFormOnly(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	fake := whatsapptest.New(t, whatsapptest.WithClock(clock))
	window := whatsapp.NewWindow(&whatsapp.MemoryWindowStore{}, clock)
	wa := fake.WhatsApp("tok", whatsapp.WithWindow(window))
	ctx := context.Background()
	user := whatsapp.Phone("+16505551234")

	_, err := wa.Messages.SendText(ctx, phoneID, user, "hi")
	assert.ErrorIs(t, err, whatsapp.ErrOutsideWindow)
	assert.ErrorIs(t, err, whatsapp.ErrNeedsTemplate)
	var ow *whatsapp.OutsideWindowError
	require.ErrorAs(t, err, &ow)
	assert.True(t, ow.ClosedAt.IsZero())
	assert.Empty(t, fake.Requests())

	_, err = wa.Messages.SendTemplate(ctx, phoneID, user, whatsapp.Template{Name: "hello_world", Language: "en_US"})
	require.NoError(t, err, "templates are allowed outside the window")

	events, err := whatsapp.Decode(fake.InboundText("16505551234", "US.13491208655302741918", "Sheena", "hello"))
	require.NoError(t, err)
	require.NoError(t, window.Observe(ctx, events))
	_, err = wa.Messages.SendText(ctx, phoneID, user, "hi")
	require.NoError(t, err)
	_, err = wa.Messages.SendText(ctx, phoneID, whatsapp.BSUID("US.13491208655302741918"), "hi by BSUID")
	require.NoError(t, err)

	now = now.Add(whatsapp.ServiceWindow)
	_, err = wa.Messages.SendText(ctx, phoneID, user, "late")
	require.ErrorAs(t, err, &ow)
	assert.Equal(t, time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC), ow.ClosedAt)
	assert.Contains(t, err.Error(), "2026-11-28T10:00:00Z")
	assert.Equal(t, whatsapp.ActionNeedsTemplate, whatsapp.ActionOf(err))
	assert.Len(t, fake.Sent(), 3)
}

func TestTrackerBuffersStatusBeforeSendReturns(t *testing.T) {
	t.Parallel()
	fake := whatsapptest.New(t)
	tracker := whatsapp.NewStatusTracker(nil, 0)
	wa := fake.WhatsApp("tok", whatsapp.WithTracker(tracker))
	res, err := wa.Messages.Send(context.Background(), phoneID, whatsapp.Message{To: to, Content: whatsapp.Text{Body: "x"}, CallbackData: "c1"})
	require.NoError(t, err)
	d, ok := get(t, tracker, res.MessageID)
	require.True(t, ok)
	assert.Equal(t, whatsapp.StateAccepted, d.State)
	assert.Equal(t, "c1", d.CallbackData)

	events, err := whatsapp.Decode(fake.StatusWebhook(whatsapptest.Scramble(fake.Statuses(fake.Sent()[0], "sent", "delivered", "read"))...))
	require.NoError(t, err)
	ups, err := tracker.ApplyEvents(context.Background(), events)
	require.NoError(t, err)
	require.Len(t, ups, 6)
	assert.Equal(t, whatsapp.OutcomeAdvanced, ups[0].Outcome)
	assert.Equal(t, whatsapp.StateRead, ups[0].To)
	for _, u := range ups[1:] {
		assert.NotEqual(t, whatsapp.OutcomeAdvanced, u.Outcome)
	}
	d, _ = get(t, tracker, res.MessageID)
	assert.Equal(t, whatsapp.StateRead, d.State)
	assert.False(t, d.SentAt.IsZero())
	assert.True(t, d.SentAt.Before(d.DeliveredAt))
	require.NotNil(t, d.Pricing)
	assert.Equal(t, "service", d.Pricing.Category)
}

func TestNewClientOptions(t *testing.T) {
	t.Parallel()
	api, err := meta.NewClient(secret.New("t"))
	require.NoError(t, err)
	_, err = whatsapp.NewClient(nil)
	assert.Error(t, err)
	for _, o := range []whatsapp.Option{whatsapp.WithCatalog(nil), whatsapp.WithWindow(nil), whatsapp.WithLimiter(nil), whatsapp.WithTracker(nil), whatsapp.WithClassifier(nil), whatsapp.WithLogger(nil)} {
		_, err = whatsapp.NewClient(api, o)
		assert.Error(t, err)
	}
	c, err := whatsapp.NewClient(api, whatsapp.WithMarketingEndpoint(false))
	require.NoError(t, err)
	assert.Same(t, api, c.API())
	assert.True(t, errors.Is(&whatsapp.ValidationError{}, whatsapp.ErrInvalid))
}

func TestTemplateWithoutVariablesRejectsParams(t *testing.T) {
	t.Parallel()
	fake := whatsapptest.New(t)
	wa := fake.WhatsApp("tok")
	wa.Catalog().Learn(whatsapp.TemplateDefinition{Name: "hello_world", Language: "en_US", Category: whatsapp.CategoryUtility,
		Components: []whatsapp.TemplateComponent{{Type: "BODY", Text: "Hello World"}}})
	_, err := wa.Messages.SendTemplate(context.Background(), phoneID, to, whatsapp.Template{Name: "hello_world", Language: "en_US", Body: []whatsapp.Param{whatsapp.TextParam("x")}})
	var ve *whatsapp.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "template.components[body].parameters", ve.Field)
	_, err = wa.Messages.SendTemplate(context.Background(), phoneID, to, whatsapp.Template{Name: "hello_world", Language: "en_US", Header: whatsapp.HeaderText(whatsapp.TextParam("x"))})
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "template.components[header]", ve.Field)
	_, err = wa.Messages.SendTemplate(context.Background(), phoneID, to, whatsapp.Template{Name: "hello_world", Language: "en_US"})
	require.NoError(t, err)
}

func TestLogsCarryNoPII(t *testing.T) {
	t.Parallel()
	var buf safeBuffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	fake := whatsapptest.New(t)
	wa := fake.WhatsApp("secret-token", whatsapp.WithLogger(logger))
	_, err := wa.Messages.SendText(context.Background(), phoneID, whatsapp.Phone("+919876543210"), "my private message")
	require.NoError(t, err)
	fake.FailRecipient("919876543210", metatest.GraphError{Code: 131050})
	_, err = wa.Messages.SendText(context.Background(), phoneID, whatsapp.Phone("+919876543210"), "my private message")
	require.Error(t, err)
	out := buf.String()
	assert.Contains(t, out, "suppress_recipient")
	for _, leak := range []string{"9876543210", "private message", "secret-token"} {
		assert.NotContains(t, out, leak)
		assert.NotContains(t, err.Error(), leak)
	}
}

type safeBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *safeBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *safeBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestPointerContent(t *testing.T) {
	t.Parallel()
	fake := whatsapptest.New(t)
	window := whatsapp.NewWindow(nil, nil)
	wa := fake.WhatsApp("tok", whatsapp.WithWindow(window))
	var nilText *whatsapp.Text
	_, err := wa.Messages.Send(context.Background(), phoneID, whatsapp.Message{To: to, Content: nilText})
	var ve *whatsapp.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "type", ve.Field)
	res, err := wa.Messages.Send(context.Background(), phoneID, whatsapp.Message{To: to, Content: &whatsapp.Template{Name: "hello_world", Language: "en_US", Category: whatsapp.CategoryMarketing}})
	require.NoError(t, err, "a *Template is a template: no window check")
	assert.Equal(t, whatsapp.EndpointMarketingMessages, res.Endpoint)
}

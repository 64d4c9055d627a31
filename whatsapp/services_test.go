package whatsapp_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/meta"
	"github.com/botsync/botsync/secret"
	"github.com/botsync/botsync/whatsapp"
	"github.com/botsync/botsync/whatsapp/whatsapptest"
)

// countingReader produces n bytes lazily and counts what was read.
type countingReader struct {
	left int64
	read atomic.Int64
}

func (r *countingReader) Read(p []byte) (int, error) {
	if r.left == 0 {
		return 0, io.EOF
	}
	n := min(int64(len(p)), r.left)
	for i := range p[:n] {
		p[i] = byte('a' + i%26)
	}
	r.left -= n
	r.read.Add(n)
	return int(n), nil
}

// probe records how much of the source had been read when the request
// reached the transport: all of it if the body was buffered.
type probe struct {
	inner http.RoundTripper
	src   *countingReader
	at    atomic.Int64
}

func (p *probe) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil && strings.HasSuffix(r.URL.Path, "/media") {
		p.at.Store(p.src.read.Load())
	}
	return p.inner.RoundTrip(r)
}

func TestMediaUploadStreams(t *testing.T) {
	t.Parallel()
	fake := whatsapptest.New(t)
	const size = 3 << 20
	src := &countingReader{left: size}
	pr := &probe{inner: fake.HTTPClient().Transport, src: src}
	wa, err := whatsapp.NewClient(fake.Client("tok", meta.WithHTTPClient(&http.Client{Transport: pr})))
	require.NoError(t, err)
	id, err := wa.Media.Upload(context.Background(), phoneID, whatsapp.Upload{Reader: src, MIMEType: "image/jpeg", Filename: "photo.jpg"})
	require.NoError(t, err)
	assert.Less(t, pr.at.Load(), int64(size/2), "the body must not be read whole before the request starts")
	data, ok := fake.Media(id)
	require.True(t, ok)
	assert.Len(t, data, size)
	r, _ := fake.LastRequest()
	assert.Contains(t, r.Header.Get("Content-Type"), "multipart/form-data; boundary=")
	assert.Contains(t, string(r.Body[:400]), `name="messaging_product"`)
}

func TestMediaUploadChecks(t *testing.T) {
	t.Parallel()
	fake := whatsapptest.New(t)
	wa := fake.WhatsApp("tok")
	ctx := context.Background()
	tests := []struct {
		name  string
		u     whatsapp.Upload
		field string
	}{
		{"no reader", whatsapp.Upload{MIMEType: "image/png"}, "file"},
		{"unknown type", whatsapp.Upload{Reader: strings.NewReader("x"), MIMEType: "image/gif"}, "type"},
		{"declared too big", whatsapp.Upload{Reader: strings.NewReader("x"), MIMEType: "image/png", Size: whatsapp.MaxImageBytes + 1}, "file"},
		{"streamed too big", whatsapp.Upload{Reader: &countingReader{left: whatsapp.MaxStickerBytes + 1}, MIMEType: "image/webp"}, "file"},
		{"filename", whatsapp.Upload{Reader: strings.NewReader("x"), MIMEType: "application/pdf", Filename: "a\"b.pdf"}, "filename"},
	}
	for _, tt := range tests {
		_, err := wa.Media.Upload(ctx, phoneID, tt.u)
		var ve *whatsapp.ValidationError
		require.ErrorAs(t, err, &ve, tt.name)
		assert.Equal(t, tt.field, ve.Field, tt.name)
	}
	assert.Empty(t, fake.Sent())
	l, ok := whatsapp.LimitFor("audio/ogg; codecs=opus")
	require.True(t, ok)
	assert.Equal(t, whatsapp.MediaLimit{Kind: "audio", MaxBytes: whatsapp.MaxAudioBytes}, l)
}

func TestMediaDownloadRefreshesExpiredURL(t *testing.T) {
	t.Parallel()
	fake := whatsapptest.New(t)
	wa := fake.WhatsApp("tok")
	ctx := context.Background()
	content := bytes.Repeat([]byte("pdf!"), 1000)
	id, err := wa.Media.Upload(ctx, phoneID, whatsapp.Upload{Reader: bytes.NewReader(content), MIMEType: "application/pdf", Size: int64(len(content))})
	require.NoError(t, err)

	info, err := wa.Media.Info(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, "application/pdf", info.MIMEType)
	assert.Equal(t, int64(len(content)), info.FileSize)
	assert.NotEmpty(t, info.SHA256)

	var buf bytes.Buffer
	n, err := wa.Media.Download(ctx, id, &buf)
	require.NoError(t, err)
	assert.Equal(t, int64(len(content)), n)
	assert.Equal(t, content, buf.Bytes())

	fake.ExpireMediaURLs()
	buf.Reset()
	n, err = wa.Media.DownloadURL(ctx, id, info.URL, &buf)
	require.NoError(t, err, "an expired URL is refreshed once")
	assert.Equal(t, int64(len(content)), n)
	dl := 0
	for _, r := range fake.Requests() {
		if strings.HasPrefix(r.Path, "/whatsapp-media/") {
			dl++
			assert.Equal(t, "Bearer tok", r.Header.Get("Authorization"))
		}
	}
	assert.Equal(t, 3, dl)

	_, err = wa.Media.DownloadURL(ctx, id, "https://evil.example.com/steal", io.Discard)
	assert.ErrorContains(t, err, "not on a Meta media host")

	require.NoError(t, wa.Media.Delete(ctx, id))
	_, err = wa.Media.Info(ctx, id)
	assert.Error(t, err)
	_, err = wa.Messages.Send(ctx, phoneID, whatsapp.Message{To: to, Content: whatsapp.Document{Media: whatsapp.MediaRef{ID: id}}})
	assert.ErrorIs(t, err, whatsapp.ErrRetrySoon, "131053 for a deleted media id")
	assert.ErrorIs(t, wa.Media.Delete(ctx, "x"), whatsapp.ErrInvalid)
}

func TestTemplatesService(t *testing.T) {
	t.Parallel()
	fake := whatsapptest.New(t)
	wa := fake.WhatsApp("tok")
	ctx := context.Background()
	for i := range 30 {
		fake.AddTemplate(whatsapp.TemplateDefinition{Name: "t_" + string(rune('a'+i%26)) + string(rune('a'+i/26)), Language: "en", Category: whatsapp.CategoryUtility,
			Components: []whatsapp.TemplateComponent{{Type: "BODY", Text: "Hello {{1}}"}}})
	}
	page, err := wa.Templates.List(ctx, whatsapptest.WABAID, &whatsapp.TemplateListOptions{Limit: 10})
	require.NoError(t, err)
	assert.Len(t, page.Data, 10)
	assert.True(t, page.Paging.HasNext())
	r, _ := fake.LastRequest()
	assert.Contains(t, r.Query.Get("fields"), "quality_score")
	page, err = wa.Templates.List(ctx, whatsapptest.WABAID, &whatsapp.TemplateListOptions{Limit: 10, After: page.Paging.Cursors.After})
	require.NoError(t, err)
	assert.Equal(t, "t_ka", page.Data[0].Name)

	n := 0
	for d, err := range wa.Templates.All(ctx, whatsapptest.WABAID, &whatsapp.TemplateListOptions{Limit: 7}) {
		require.NoError(t, err)
		assert.Equal(t, whatsapp.CategoryUtility, d.Category)
		n++
	}
	assert.Equal(t, 30, n)
	ti, ok := wa.Catalog().Lookup("t_ab", "en")
	require.True(t, ok)
	assert.Equal(t, []string{"1"}, ti.BodyParams)

	def := whatsapp.TemplateDefinition{Name: "seat_offer", Language: "en_US", Category: whatsapp.CategoryMarketing, ParameterFormat: "NAMED",
		Components: []whatsapp.TemplateComponent{
			{Type: "HEADER", Format: "IMAGE"},
			{Type: "BODY", Text: "Hi {{first_name}}, seats are open."},
			{Type: "FOOTER", Text: "Reply STOP to opt out"},
			{Type: "BUTTONS", Buttons: []whatsapp.TemplateButton{{Type: "QUICK_REPLY", Text: "Stop"}}},
		}}
	ct, err := wa.Templates.Create(ctx, whatsapptest.WABAID, def)
	require.NoError(t, err)
	assert.Equal(t, "PENDING", ct.Status)
	assert.Equal(t, whatsapp.CategoryMarketing, wa.Catalog().Category("seat_offer", "en_US"))
	got, err := wa.Templates.Get(ctx, ct.ID)
	require.NoError(t, err)
	assert.Equal(t, "seat_offer", got.Name)
	_, err = wa.Templates.Create(ctx, whatsapptest.WABAID, def)
	assert.Error(t, err, "duplicate name and language")

	bad := def
	bad.Components = []whatsapp.TemplateComponent{{Type: "HEADER", Format: "GIF"}}
	_, err = wa.Templates.Create(ctx, whatsapptest.WABAID, bad)
	var ve *whatsapp.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "components[0].format", ve.Field)
	bad.Components = nil
	_, err = wa.Templates.Create(ctx, whatsapptest.WABAID, bad)
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "components", ve.Field)
	bad.Category = "PROMO"
	_, err = wa.Templates.Create(ctx, whatsapptest.WABAID, bad)
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "category", ve.Field)

	require.NoError(t, wa.Templates.Delete(ctx, whatsapptest.WABAID, "seat_offer", ct.ID))
	assert.Error(t, wa.Templates.Delete(ctx, whatsapptest.WABAID, "seat_offer", ""))
	assert.ErrorIs(t, wa.Templates.Delete(ctx, whatsapptest.WABAID, "Bad", ""), whatsapp.ErrInvalid)
	_, err = wa.Templates.List(ctx, "waba", nil)
	assert.ErrorIs(t, err, whatsapp.ErrInvalid)
}

func TestPhoneNumbersService(t *testing.T) {
	t.Parallel()
	fake := whatsapptest.New(t)
	fake.AddPhoneNumber(whatsapp.PhoneNumber{ID: "106540352242999", DisplayPhoneNumber: "15550000000", QualityRating: "YELLOW", MessagingLimitTier: "TIER_10K",
		Throughput: &whatsapp.Throughput{Level: "HIGH"}})
	wa := fake.WhatsApp("tok")
	ctx := context.Background()
	phones, err := wa.PhoneNumbers.List(ctx, whatsapptest.WABAID)
	require.NoError(t, err)
	assert.Len(t, phones, 2)
	p, err := wa.PhoneNumbers.Get(ctx, "106540352242999")
	require.NoError(t, err)
	assert.Equal(t, "YELLOW", p.QualityRating)
	assert.Equal(t, "TIER_10K", p.MessagingLimitTier)
	assert.Equal(t, 1000, p.MessagesPerSecond())
	p, err = wa.PhoneNumbers.Get(ctx, phoneID)
	require.NoError(t, err)
	assert.Equal(t, "APPROVED", p.NameStatus)
	assert.Equal(t, 80, p.MessagesPerSecond())

	require.NoError(t, wa.PhoneNumbers.Deregister(ctx, phoneID))
	st, _ := fake.PhoneNumber(phoneID)
	assert.Equal(t, "DISCONNECTED", st.Status)
	assert.ErrorIs(t, wa.PhoneNumbers.Register(ctx, phoneID, secret.New("12345")), whatsapp.ErrInvalid)
	require.NoError(t, wa.PhoneNumbers.Register(ctx, phoneID, secret.New("123456")))
	st, _ = fake.PhoneNumber(phoneID)
	assert.Equal(t, "CONNECTED", st.Status)

	require.NoError(t, wa.PhoneNumbers.UpdateBusinessProfile(ctx, phoneID, whatsapp.BusinessProfile{About: "Coaching since 1999", Websites: []string{"https://example.com"}, Vertical: "EDU"}))
	prof, err := wa.PhoneNumbers.BusinessProfile(ctx, phoneID)
	require.NoError(t, err)
	assert.Equal(t, "Coaching since 1999", prof.About)
	assert.Equal(t, []string{"https://example.com"}, prof.Websites)
	err = wa.PhoneNumbers.UpdateBusinessProfile(ctx, phoneID, whatsapp.BusinessProfile{About: strings.Repeat("a", 140)})
	var ve *whatsapp.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "about", ve.Field)
	err = wa.PhoneNumbers.UpdateBusinessProfile(ctx, phoneID, whatsapp.BusinessProfile{Websites: []string{"a", "b", "c"}})
	require.ErrorAs(t, err, &ve)

	require.NoError(t, wa.PhoneNumbers.SubscribeApp(ctx, whatsapptest.WABAID))
	assert.True(t, fake.Subscribed(whatsapptest.WABAID))
	apps, err := wa.PhoneNumbers.SubscribedApps(ctx, whatsapptest.WABAID)
	require.NoError(t, err)
	require.Len(t, apps, 1)
	assert.Equal(t, fake.AppID(), apps[0].WhatsAppBusinessAPIData.ID)
	require.NoError(t, wa.PhoneNumbers.UnsubscribeApp(ctx, whatsapptest.WABAID))
	assert.False(t, fake.Subscribed(whatsapptest.WABAID))

	_, err = wa.PhoneNumbers.Get(ctx, "555")
	var me *meta.Error
	require.ErrorAs(t, err, &me)
	assert.Equal(t, 100, me.Code)
}

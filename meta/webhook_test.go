package meta_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/meta"
	"github.com/botsync/botsync/meta/metatest"
	"github.com/botsync/botsync/secret"
)

type recordingSink struct {
	mu   sync.Mutex
	got  []meta.Delivery
	fail error
}

func (s *recordingSink) Accept(_ context.Context, d meta.Delivery) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return s.fail
	}
	s.got = append(s.got, d)
	return nil
}

func (s *recordingSink) deliveries() []meta.Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]meta.Delivery(nil), s.got...)
}

const (
	appSecret   = "fb-app-secret"
	igSecret    = "ig-app-secret"
	verifyToken = "verify-me-please"
)

func newHandler(t *testing.T, sink meta.WebhookSink, opts ...meta.WebhookOption) (*httptest.Server, *bytes.Buffer) {
	t.Helper()
	var logs bytes.Buffer
	all := append([]meta.WebhookOption{
		meta.WithAppSecrets(secret.New(appSecret), secret.New(igSecret)),
		meta.WithVerifyToken(secret.New(verifyToken)),
		meta.WithWebhookLogger(slog.New(slog.NewTextHandler(&lockedWriter{w: &logs}, nil))),
		meta.WithWebhookClock(func() time.Time { return time.Unix(1750000000, 0) }),
	}, opts...)
	h, err := meta.NewWebhookHandler(sink, all...)
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv, &logs
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func do(t *testing.T, req *http.Request) (int, string, http.Header) {
	t.Helper()
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b), res.Header
}

func TestWebhookHandshake(t *testing.T) {
	t.Parallel()
	srv, _ := newHandler(t, &recordingSink{})
	get := func(u string) (int, string, http.Header) {
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		return do(t, req)
	}
	status, body, hdr := get(metatest.HandshakeURL(srv.URL, verifyToken, "1158201444"))
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, "1158201444", body)
	assert.Equal(t, "text/plain; charset=utf-8", hdr.Get("Content-Type"))
	assert.Equal(t, "nosniff", hdr.Get("X-Content-Type-Options"))

	for name, u := range map[string]string{
		"wrong token":         metatest.HandshakeURL(srv.URL, "guess", "1"),
		"token prefix":        metatest.HandshakeURL(srv.URL, verifyToken[:5], "1"),
		"no challenge":        metatest.HandshakeURL(srv.URL, verifyToken, ""),
		"markup in challenge": metatest.HandshakeURL(srv.URL, verifyToken, "<script>"),
		"huge challenge":      metatest.HandshakeURL(srv.URL, verifyToken, strings.Repeat("9", 300)),
		"wrong mode":          strings.Replace(metatest.HandshakeURL(srv.URL, verifyToken, "1"), "subscribe", "unsubscribe", 1),
		"nothing":             srv.URL,
	} {
		status, body, _ := get(u)
		assert.Equal(t, http.StatusForbidden, status, name)
		assert.NotContains(t, body, verifyToken, name)
	}
}

func TestWebhookHandshakeWithoutVerifyTokenRefuses(t *testing.T) {
	t.Parallel()
	h, err := meta.NewWebhookHandler(&recordingSink{}, meta.WithAppSecrets(secret.New(appSecret)))
	require.NoError(t, err)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, metatest.HandshakeURL("/hook", "", "1"), nil))
	assert.Equal(t, http.StatusForbidden, rec.Code)
}

func TestWebhookDelivery(t *testing.T) {
	t.Parallel()
	sink := &recordingSink{}
	srv, logs := newHandler(t, sink)
	body := metatest.Fixture("whatsapp/text_message.json")

	status, text, _ := do(t, metatest.NewWebhookRequest(srv.URL, []byte(appSecret), body))
	require.Equal(t, http.StatusOK, status, text)
	got := sink.deliveries()
	require.Len(t, got, 1)
	assert.Equal(t, body, got[0].Body)
	assert.Equal(t, 0, got[0].SecretIndex)
	assert.Equal(t, time.Unix(1750000000, 0), got[0].ReceivedAt)

	// The Instagram app's secret is accepted too and identified.
	status, _, _ = do(t, metatest.NewWebhookRequest(srv.URL, []byte(igSecret), body))
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, 1, sink.deliveries()[1].SecretIndex)

	// Nothing about the body reaches the logs.
	status, _, _ = do(t, metatest.NewWebhookRequest(srv.URL, []byte("stranger"), body))
	assert.Equal(t, http.StatusUnauthorized, status)
	assert.NotContains(t, logs.String(), "Sheena")
	assert.NotContains(t, logs.String(), appSecret)
	assert.Len(t, sink.deliveries(), 2)
}

func TestWebhookRejections(t *testing.T) {
	t.Parallel()
	sink := &recordingSink{}
	srv, _ := newHandler(t, sink, meta.WithMaxBody(2048))
	body := metatest.Fixture("whatsapp/text_message.json")
	big := bytes.Repeat([]byte(" "), 4096)

	unsigned := metatest.NewWebhookRequest(srv.URL, []byte(appSecret), body)
	unsigned.Header.Del(meta.SignatureHeader)

	tampered := metatest.NewWebhookRequest(srv.URL, []byte(appSecret), body)
	tampered.Body = io.NopCloser(bytes.NewReader(append(bytes.Clone(body), ' ')))
	tampered.ContentLength++

	chunkedBig := metatest.NewWebhookRequest(srv.URL, []byte(appSecret), big)
	chunkedBig.ContentLength = -1 // no length: the cap must still hold
	chunkedBig.Body = io.NopCloser(bytes.NewReader(big))

	put := metatest.NewWebhookRequest(srv.URL, []byte(appSecret), body)
	put.Method = http.MethodPut

	for name, tc := range map[string]struct {
		req  *http.Request
		want int
	}{
		"unsigned":           {unsigned, http.StatusUnauthorized},
		"tampered":           {tampered, http.StatusUnauthorized},
		"other secret":       {metatest.NewWebhookRequest(srv.URL, []byte("nope"), body), http.StatusUnauthorized},
		"oversized":          {metatest.NewWebhookRequest(srv.URL, []byte(appSecret), big), http.StatusRequestEntityTooLarge},
		"oversized chunked":  {chunkedBig, http.StatusRequestEntityTooLarge},
		"method not allowed": {put, http.StatusMethodNotAllowed},
	} {
		status, _, _ := do(t, tc.req)
		assert.Equal(t, tc.want, status, name)
	}
	assert.Empty(t, sink.deliveries(), "nothing unverified reaches the sink")
}

func TestWebhookSinkFailureMeansRetry(t *testing.T) {
	t.Parallel()
	sink := &recordingSink{fail: errors.New("database down")}
	srv, logs := newHandler(t, sink)
	body := metatest.Fixture("instagram/comment.json")
	status, _, _ := do(t, metatest.NewWebhookRequest(srv.URL, []byte(appSecret), body))
	assert.Equal(t, http.StatusServiceUnavailable, status)
	assert.NotContains(t, logs.String(), "database down")
}

func TestNewWebhookHandlerValidates(t *testing.T) {
	t.Parallel()
	_, err := meta.NewWebhookHandler(nil, meta.WithAppSecrets(secret.New("x")))
	require.ErrorContains(t, err, "sink")
	_, err = meta.NewWebhookHandler(&recordingSink{})
	require.ErrorIs(t, err, meta.ErrNoAppSecret, "no secret: fail closed")
	_, err = meta.NewWebhookHandler(&recordingSink{}, meta.WithAppSecrets(secret.New("")))
	require.ErrorContains(t, err, "app secret 0 is empty")
	_, err = meta.NewWebhookHandler(&recordingSink{}, meta.WithAppSecrets(secret.New("x")), meta.WithMaxBody(0))
	require.ErrorContains(t, err, "max body")
	_, err = meta.NewWebhookHandler(&recordingSink{}, meta.WithAppSecrets(secret.New("x")), meta.WithVerifyToken(secret.New("")))
	require.ErrorContains(t, err, "verify token")
}

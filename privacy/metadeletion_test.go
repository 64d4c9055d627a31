package privacy_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/meta"
	"github.com/botsync/botsync/meta/metatest"
	"github.com/botsync/botsync/privacy"
	"github.com/botsync/botsync/privacy/memstore"
	"github.com/botsync/botsync/privacy/privacytest"
)

type metaFixture struct {
	md       *privacy.MetaDeletion
	st       *memstore.Store
	sink     *privacytest.MemorySink
	callback *httptest.Server
	status   *httptest.Server
	secret   []byte
	now      time.Time
}

func newMetaFixture(t *testing.T, enqueue func(context.Context, privacy.RequestRef) error) *metaFixture {
	f := &metaFixture{st: memstore.New(), secret: []byte("app-secret"), now: time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)}
	clock := func() time.Time { return f.now }
	audit := privacy.NewAuditLog(f.st, clock)
	f.sink = privacytest.NewMemorySink("crm", privacy.CategoryLeadConversation, privacy.CategoryBilling)
	reqs := &privacy.Requests{Store: f.st, Sinks: []privacy.Sink{f.sink}, Holds: privacy.NewHolds(f.st, audit, clock), Audit: audit, Now: clock}
	mux := http.NewServeMux()
	f.status = httptest.NewServer(mux)
	t.Cleanup(f.status.Close)
	f.md = &privacy.MetaDeletion{
		Requests: reqs, Store: f.st, StatusURL: f.status.URL + "/privacy/deletion", FallbackWorkspace: "ws-app", Enqueue: enqueue,
		Resolve: func(_ context.Context, sr *meta.SignedRequest) ([]privacy.Identifiers, error) {
			if sr.UserID != "psid-1" {
				return nil, nil
			}
			return []privacy.Identifiers{
				{WorkspaceID: "ws-a", SubjectIDs: []string{"lead-1"}, ChannelIDs: []string{"psid-1"}},
				{WorkspaceID: "ws-b", SubjectIDs: []string{"lead-9"}, ChannelIDs: []string{"psid-1"}},
			}, nil
		},
	}
	mux.Handle("GET /privacy/deletion", f.md.StatusHandler())
	parser := meta.SignedRequestParser{Now: clock}
	f.callback = httptest.NewServer(meta.DataDeletionHandler(f.secret, f.md.Callback, meta.WithSignedRequestParser(parser)))
	t.Cleanup(f.callback.Close)
	return f
}

func (f *metaFixture) post(t *testing.T, userID string) meta.DeletionStatus {
	t.Helper()
	sr := metatest.SignedRequest(f.secret, map[string]any{"algorithm": "HMAC-SHA256", "issued_at": f.now.Unix(), "user_id": userID})
	resp, err := http.PostForm(f.callback.URL, url.Values{"signed_request": {sr}})
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var st meta.DeletionStatus
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&st))
	return st
}

func get(t *testing.T, u string, accept string) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	require.NoError(t, err)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b), resp.Header
}

func TestMetaDeletionEndToEnd(t *testing.T) {
	t.Parallel()
	f := newMetaFixture(t, nil)
	ctx := context.Background()
	aliceA := privacy.Identifiers{WorkspaceID: "ws-a", SubjectIDs: []string{"lead-1"}, Phones: []string{"+919812345678"}}
	f.sink.Add("ws-a", aliceA, privacy.CategoryLeadConversation, f.now.Add(-time.Hour), "hello from Asha")
	f.sink.Add("ws-a", aliceA, privacy.CategoryBilling, f.now.Add(-time.Hour), "invoice 17")
	f.sink.Add("ws-b", privacy.Identifiers{WorkspaceID: "ws-b", SubjectIDs: []string{"lead-9"}}, privacy.CategoryLeadConversation, f.now, "hi")
	f.sink.Add("ws-b", privacy.Identifiers{WorkspaceID: "ws-b", SubjectIDs: []string{"lead-10"}}, privacy.CategoryLeadConversation, f.now, "someone else")
	_, err := privacy.NewHolds(f.st, nil, nil).Place(ctx, privacy.Hold{ID: "tax", WorkspaceID: "ws-a", Category: privacy.CategoryBilling, Reason: "GST records, 8 years"})
	require.NoError(t, err)

	st := f.post(t, "psid-1")
	assert.Len(t, st.ConfirmationCode, 32)
	assert.True(t, strings.HasPrefix(st.URL, f.status.URL+"/privacy/deletion?code="), st.URL)
	assert.Equal(t, 1, f.sink.Len("ws-a"), "the held billing record survives")
	assert.Equal(t, 1, f.sink.Len("ws-b"), "the other lead of ws-b survives")

	code, body, hdr := get(t, st.URL, "text/html")
	require.Equal(t, http.StatusOK, code)
	assert.Equal(t, "text/html; charset=utf-8", hdr.Get("Content-Type"))
	assert.Equal(t, "no-store", hdr.Get("Cache-Control"))
	assert.Contains(t, body, "Completed")
	assert.Contains(t, body, st.ConfirmationCode)
	for _, pii := range []string{"psid-1", "lead-1", "ws-a", "+919812345678", "Asha"} {
		assert.NotContains(t, body, pii, "the status page must not show personal data or internal ids")
	}

	for _, u := range []string{st.URL + "&format=json", st.URL} {
		accept := ""
		if u == st.URL {
			accept = "application/json"
		}
		code, body, _ = get(t, u, accept)
		require.Equal(t, http.StatusOK, code)
		var v privacy.DeletionView
		require.NoError(t, json.Unmarshal([]byte(body), &v))
		assert.Equal(t, "completed", v.Status)
		assert.Equal(t, st.ConfirmationCode, v.ConfirmationCode)
		assert.Len(t, v.Certificates, 2, "one certificate per workspace")
		require.NotNil(t, v.CompletedAt)
		assert.NotContains(t, body, "psid-1")
	}

	// Lower case and surrounding space are accepted; a guessed code is not.
	code, _, _ = get(t, f.status.URL+"/privacy/deletion?code="+strings.ToLower(st.ConfirmationCode), "")
	assert.Equal(t, http.StatusOK, code)
	for _, bad := range []string{"", "AAAA", strings.Repeat("A", 32), strings.Repeat("1", 32), "<script>"} {
		code, body, _ = get(t, f.status.URL+"/privacy/deletion?format=json&code="+url.QueryEscape(bad), "")
		assert.Equal(t, http.StatusNotFound, code, bad)
		assert.JSONEq(t, `{"error":"unknown confirmation code"}`, body)
	}
}

func TestMetaDeletionUnknownPersonAndQueue(t *testing.T) {
	t.Parallel()
	var queued []privacy.RequestRef
	f := newMetaFixture(t, func(_ context.Context, ref privacy.RequestRef) error {
		queued = append(queued, ref)
		return nil
	})
	st := f.post(t, "psid-unknown")
	require.Len(t, queued, 1)
	assert.Equal(t, "ws-app", queued[0].WorkspaceID, "an unknown person's request opens in the fallback workspace")

	v, err := f.md.Status(context.Background(), st.ConfirmationCode)
	require.NoError(t, err)
	assert.Equal(t, "received", v.Status, "queued, not yet processed")
	assert.Nil(t, v.CompletedAt)

	f.now = f.now.Add(time.Minute)
	_, err = f.md.Requests.Process(context.Background(), queued[0].WorkspaceID, queued[0].RequestID)
	require.NoError(t, err)
	v, err = f.md.Status(context.Background(), st.ConfirmationCode)
	require.NoError(t, err)
	assert.Equal(t, "completed", v.Status)
	assert.Equal(t, f.now, *v.CompletedAt)

	// A second callback for the same person gets a different code.
	st2 := f.post(t, "psid-unknown")
	assert.NotEqual(t, st.ConfirmationCode, st2.ConfirmationCode)

	md := &privacy.MetaDeletion{Requests: f.md.Requests, Store: f.st}
	_, err = md.Callback(context.Background(), &meta.SignedRequest{UserID: "x"})
	require.ErrorIs(t, err, privacy.ErrNoWorkspace)
	_, err = md.Callback(context.Background(), &meta.SignedRequest{})
	require.ErrorContains(t, err, "user_id")
}

func FuzzDeletionStatusCode(f *testing.F) {
	st := memstore.New()
	md := &privacy.MetaDeletion{Requests: &privacy.Requests{Store: st}, Store: st}
	f.Add("")
	f.Add(strings.Repeat("A", 32))
	f.Add("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
	f.Add(" abcdefghijklmnopqrstuvwxyz234567 ")
	f.Add("\x00\xff<script>")
	f.Fuzz(func(t *testing.T, code string) {
		_, err := md.Status(context.Background(), code)
		if !errors.Is(err, privacy.ErrBadCode) {
			t.Fatalf("status of an unknown code: %v, want ErrBadCode", err)
		}
	})
}

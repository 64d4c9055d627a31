package instagramtest_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/instagram"
	"github.com/botsync/botsync/instagram/instagramtest"
	"github.com/botsync/botsync/meta/metatest"
)

// post sends body to the fake directly, bypassing the client's validation,
// to check that the fake itself rejects what Meta rejects.
func post(t *testing.T, s *metatest.Server, path string, body any) (int, map[string]any) {
	t.Helper()
	b, err := json.Marshal(body)
	require.NoError(t, err)
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, s.URL+"/v24.0/"+path, bytes.NewReader(b))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+instagramtest.DefaultToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.HTTPClient().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var out map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	return resp.StatusCode, out
}

func TestFakeValidatesSends(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		host instagramtest.Host
		body any
	}{
		{"no recipient", instagramtest.HostInstagram, map[string]any{"message": map[string]any{"text": "hi"}}},
		{"both recipients", instagramtest.HostInstagram, map[string]any{"recipient": map[string]string{"id": "1", "comment_id": "2"}, "message": map[string]any{"text": "hi"}}},
		{"message and action", instagramtest.HostInstagram, map[string]any{"recipient": map[string]string{"id": "1"}, "message": map[string]any{"text": "hi"}, "sender_action": "typing_on"}},
		{"instagram text too long", instagramtest.HostInstagram, map[string]any{"recipient": map[string]string{"id": "1"}, "message": map[string]any{"text": strings.Repeat("a", 1001)}}},
		{"messenger text too long", instagramtest.HostFacebook, map[string]any{"recipient": map[string]string{"id": "1"}, "message": map[string]any{"text": strings.Repeat("a", 2001)}}},
		{"14 quick replies", instagramtest.HostInstagram, map[string]any{"recipient": map[string]string{"id": "1"}, "message": map[string]any{"text": "a", "quick_replies": make([]map[string]string, 14)}}},
		{"bad tag", instagramtest.HostFacebook, map[string]any{"recipient": map[string]string{"id": "1"}, "tag": "HUMAN_AGENT", "message": map[string]any{"text": "a"}}},
		{"unknown action", instagramtest.HostInstagram, map[string]any{"recipient": map[string]string{"id": "1"}, "sender_action": "dance"}},
		{"react without reaction", instagramtest.HostInstagram, map[string]any{"recipient": map[string]string{"id": "1"}, "sender_action": "react", "payload": map[string]string{"message_id": "m"}}},
		{"media without url", instagramtest.HostInstagram, map[string]any{"recipient": map[string]string{"id": "1"}, "message": map[string]any{"attachment": map[string]any{"type": "image", "payload": map[string]any{}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := instagramtest.New(t)
			s := f.IG
			if tt.host == instagramtest.HostFacebook {
				s = f.FB
			}
			status, out := post(t, s, "123/messages", tt.body)
			assert.Equal(t, http.StatusBadRequest, status)
			assert.Contains(t, out, "error")
			assert.Empty(t, f.Sent())
		})
	}
}

func TestFakeOnePrivateReplyPerComment(t *testing.T) {
	t.Parallel()
	f := instagramtest.New(t)
	body := map[string]any{"recipient": map[string]string{"comment_id": "c1"}, "message": map[string]any{"text": "hi"}}
	status, out := post(t, f.IG, "123/messages", body)
	require.Equal(t, http.StatusOK, status)
	assert.NotEmpty(t, out["message_id"])
	status, out = post(t, f.IG, "123/messages", body)
	require.Equal(t, http.StatusBadRequest, status)
	assert.EqualValues(t, instagramtest.CodePrivateReplyUsed, out["error"].(map[string]any)["code"])
	require.Len(t, f.Sent(), 1)
	assert.Equal(t, "c1", f.Sent()[0].CommentID)
}

func TestFakeClientPerStack(t *testing.T) {
	t.Parallel()
	f := instagramtest.New(t)
	assert.Same(t, f.IG, f.Server(instagram.InstagramLogin))
	assert.Same(t, f.FB, f.Server(instagram.FacebookLogin))
	assert.Same(t, f.FB, f.Server(instagram.Messenger))
	c := f.Client(t, instagram.Messenger, "107656651234567")
	assert.Equal(t, instagram.Messenger, c.Stack())
	assert.Equal(t, "107656651234567", c.AccountID())
}

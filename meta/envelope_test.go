package meta_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/meta"
	"github.com/botsync/botsync/meta/metatest"
)

func TestDecodeEveryFixture(t *testing.T) {
	t.Parallel()
	names := metatest.Fixtures()
	require.GreaterOrEqual(t, len(names), 40)
	keys := map[string]string{}
	for _, name := range names {
		body := metatest.Fixture(name)
		env, err := meta.DecodeWebhook(body)
		require.NoError(t, err, name)
		require.NotEmpty(t, env.Entries, name)
		assert.Equal(t, json.RawMessage(body), env.Raw)
		n := 0
		for ev := range env.Events() {
			n++
			require.NotEmpty(t, ev.DedupKey, name)
			require.NotEmpty(t, ev.Raw, name)
			if prev, dup := keys[ev.DedupKey]; dup {
				t.Errorf("%s and %s share dedup key %s", prev, name, ev.DedupKey)
			}
			keys[ev.DedupKey] = name
		}
		assert.Equal(t, 1, n, name)
		switch {
		case strings.HasPrefix(name, "whatsapp/"):
			assert.Equal(t, meta.ObjectWhatsAppBusinessAccount, env.Object)
		case strings.HasPrefix(name, "instagram/"):
			assert.Equal(t, meta.ObjectInstagram, env.Object)
		case strings.HasPrefix(name, "messenger/"):
			assert.Equal(t, meta.ObjectPage, env.Object)
		}
	}
}

func TestDedupKeys(t *testing.T) {
	t.Parallel()
	key := func(name string) string {
		env, err := meta.DecodeWebhook(metatest.Fixture(name))
		require.NoError(t, err)
		for ev := range env.Events() {
			return ev.DedupKey
		}
		t.Fatalf("%s has no events", name)
		return ""
	}
	assert.Equal(t, "wa|msg:wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=", key("whatsapp/text_message.json"))
	assert.Equal(t, "wa|status:wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI3NjI0NUZBMDI3RkRFMEQwNjIA:delivered", key("whatsapp/status_delivered.json"))
	assert.Equal(t, "comment:17865799348012345", key("instagram/comment.json"))
	assert.Equal(t, "comment:17865799348012347", key("instagram/live_comment.json"))
	assert.True(t, strings.HasPrefix(key("instagram/message.json"), "mid:"))
	assert.True(t, strings.HasPrefix(key("instagram/mention.json"), "h:"))
	assert.True(t, strings.HasPrefix(key("whatsapp/template_status_update.json"), "h:"))
	// Stable across decodes (redeliveries carry the same bytes).
	assert.Equal(t, key("messenger/read.json"), key("messenger/read.json"))
}

func TestDecodeMessagingKinds(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]struct {
		kind    string
		echo    bool
		standby bool
	}{
		"instagram/message.json":      {kind: "message"},
		"instagram/echo.json":         {kind: "message", echo: true},
		"instagram/reaction.json":     {kind: "reaction"},
		"instagram/postback.json":     {kind: "postback"},
		"instagram/read.json":         {kind: "read"},
		"instagram/message_edit.json": {kind: "message_edit"},
		"messenger/read.json":         {kind: "read"},
		"messenger/standby.json":      {kind: "message", standby: true},
	} {
		env, err := meta.DecodeWebhook(metatest.Fixture(name))
		require.NoError(t, err, name)
		m := env.Entries[0].Messaging[0]
		assert.Equal(t, want.kind, m.Kind, name)
		assert.Equal(t, want.echo, m.IsEcho, name)
		assert.Equal(t, want.standby, m.Standby, name)
		assert.NotEmpty(t, m.SenderID, name)
		assert.NotEmpty(t, m.RecipientID, name)
		assert.NotZero(t, m.Timestamp, name)
	}
}

func TestDecodeKeepsUnknown(t *testing.T) {
	t.Parallel()
	body := []byte(`{"object":"permissions","entry":[{"id":42,"time":1.75e9,"uid":"x","changes":[{"field":"email","value":{"verb":"granted"}}],"messaging":[{"sender":{"id":"1"},"recipient":{"id":"2"},"timestamp":1,"game_play":{}}]}],"extra":true}`)
	env, err := meta.DecodeWebhook(body)
	require.NoError(t, err)
	assert.Equal(t, meta.Object("permissions"), env.Object)
	e := env.Entries[0]
	assert.Equal(t, "42", e.ID)
	assert.Equal(t, int64(1750000000), e.Time)
	assert.Contains(t, string(e.Raw), `"uid":"x"`)
	assert.Equal(t, "email", e.Changes[0].Field)
	assert.JSONEq(t, `{"verb":"granted"}`, string(e.Changes[0].Value))
	assert.Equal(t, "unknown", e.Messaging[0].Kind)
}

func TestDecodeMalformed(t *testing.T) {
	t.Parallel()
	for name, body := range map[string]string{
		"empty":           ``,
		"not json":        `hello`,
		"truncated":       `{"object":"page","entry":[{"id":"1"`,
		"array":           `[]`,
		"no object":       `{"entry":[]}`,
		"no entry":        `{"object":"page"}`,
		"entry not array": `{"object":"page","entry":{}}`,
		"bad entry":       `{"object":"page","entry":[7]}`,
		"bad time":        `{"object":"page","entry":[{"id":"1","time":"soon"}]}`,
		"changes wrong":   `{"object":"page","entry":[{"id":"1","changes":{}}]}`,
	} {
		_, err := meta.DecodeWebhook([]byte(body))
		require.ErrorIs(t, err, meta.ErrMalformedWebhook, name)
	}
	// Error text never quotes the payload.
	_, err := meta.DecodeWebhook([]byte(`{"object":"page","entry":[{"id":"+919812345678","time":"x"}]}`))
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "919812345678")
}

func TestBatchEvents(t *testing.T) {
	t.Parallel()
	var parts [][]byte
	for range 10 {
		parts = append(parts, metatest.Fixture("instagram/comment.json"), metatest.Fixture("instagram/message.json"))
	}
	env, err := meta.DecodeWebhook(metatest.Batch(parts...))
	require.NoError(t, err)
	require.Len(t, env.Entries, 20)
	n := 0
	for range env.Events() {
		n++
		if n == 5 {
			break
		}
	}
	assert.Equal(t, 5, n, "Events stops when the consumer stops")
}

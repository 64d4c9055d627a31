package ai_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/ai"
	"github.com/botsync/botsync/ai/aitest"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// golden compares got (indented JSON) with testdata/name.golden.
func golden(t *testing.T, name string, body []byte) {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, json.Indent(&buf, body, "", "  "))
	buf.WriteByte('\n')
	path := filepath.Join("testdata", name+".golden")
	if *update {
		require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -run %s -update to create it", t.Name())
	assert.Equal(t, string(want), buf.String())
}

// TestRequestGolden pins the exact bodies the Gateway sends: the redacted
// minimum context, the schema, temperature 0, OpenRouter's models and
// provider routing.
func TestRequestGolden(t *testing.T) {
	srv := aitest.New()
	srv.Script("main", aitest.HTTPError(500, ""))
	srv.Script("backup", aitest.JSON(map[string]any{"decision": "needs_human", "text": "", "reason": "price talk", "citations": []string{}}))
	cfg := baseConfig()
	cfg.Chain[1].Params = ai.Params{Models: []string{"backup-2"}, MaxTokens: 300, Seed: ai.Int(7)}
	g := newGateway(t, srv, cfg)
	_, err := g.Reply(context.Background(), "ws1", ai.ReplyInput{Conversation: testConversation(), Knowledge: []ai.Passage{
		{ID: "kb1", Source: "faq.md", Text: "Cleaning: Monday to Saturday, 9am-6pm."},
	}})
	require.NoError(t, err)
	reqs := srv.Requests()
	require.Len(t, reqs, 2)
	golden(t, "reply_openai", reqs[0].Body)
	golden(t, "reply_openrouter", reqs[1].Body)
}

package knowledge_test

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/ai/knowledge"
	"github.com/botsync/botsync/ai/knowledge/knowledgetest"
)

var update = flag.Bool("update", false, "rewrite golden files")

// The request Answer sends to the model: instructions, recent turns, the
// context message with chunk ids, and the output schema.
func TestAnswerRequestGolden(t *testing.T) {
	t.Parallel()
	rec := &knowledgetest.RecordingModel{Model: knowledgetest.ModelFunc(func(context.Context, string, knowledge.ModelRequest) ([]byte, error) {
		return knowledgetest.HumanReply(), nil
	})}
	kb := seeded(t, rec)
	conv := []knowledge.Turn{{Role: knowledge.RoleUser, Text: "Hi"}, {Role: knowledge.RoleAssistant, Text: "Hello! How can I help?"}}
	_, err := kb.Answer(t.Context(), "ws", "What is the JEE two-year batch fee?", conv)
	require.NoError(t, err)
	reqs := rec.Requests()
	require.Len(t, reqs, 1)
	got, err := json.MarshalIndent(reqs[0], "", "  ")
	require.NoError(t, err)
	const golden = "testdata/answer_request.golden"
	if *update {
		require.NoError(t, os.WriteFile(golden, append(got, '\n'), 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err, "run go test -run TestAnswerRequestGolden -update")
	assert.JSONEq(t, string(want), string(got))
}

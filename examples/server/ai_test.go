package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/ai/aitest"
	"github.com/botsync/botsync/ai/knowledge/knowledgetest"
	"github.com/botsync/botsync/secret"
)

// With OPENAI_API_KEY the knowledge base runs on the ai Gateway: OpenAI
// embeddings and a structured chat completion (here the aitest fake).
func TestKnowledgeOnTheAIGateway(t *testing.T) {
	t.Parallel()
	fake := aitest.New()
	url := fake.Start(t)
	fake.Always("gpt-4o-mini", aitest.JSON(jsonRaw(knowledgetest.HumanReply())))
	ta := newTestApp(t, func(c *Config) {
		c.OpenAIKey, c.OpenAIBaseURL = secret.New("sk-test"), url
	})
	api := "/api/v1/workspaces/" + ta.sandbox.demoWS
	key := []string{"Authorization", "Bearer " + ta.sandbox.demoKey.Reveal()}
	var ans answerView
	require.Equal(t, http.StatusOK, ta.do(t, "POST", api+"/knowledge/ask", map[string]string{"question": "What is the NEET fee?"}, &ans, key...))
	require.Equal(t, "needs_human", ans.Decision)
	var paths []string
	for _, r := range fake.Requests() {
		paths = append(paths, r.Path)
		require.Equal(t, "Bearer sk-test", r.Header.Get("Authorization"))
	}
	joined := strings.Join(paths, " ")
	require.Contains(t, joined, "/embeddings")
	require.Contains(t, joined, "/chat/completions")
	var usage []struct {
		Metric string `json:"metric"`
		Used   int64  `json:"used"`
	}
	require.Equal(t, http.StatusOK, ta.do(t, "GET", api+"/billing/usage", nil, &usage, key...))
	require.Equal(t, "ai_tokens", usage[1].Metric)
	require.Positive(t, usage[1].Used, "AI tokens are metered")
}

func jsonRaw(b []byte) any {
	var v any
	if err := jsonUnmarshal(b, &v); err != nil {
		panic(err)
	}
	return v
}

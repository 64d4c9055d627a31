package ai_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/ai"
	"github.com/botsync/botsync/ai/aitest"
	"github.com/botsync/botsync/secret"
)

func answerRequest() ai.JSONRequest {
	return ai.JSONRequest{
		Task:           "knowledge_answer",
		ConversationID: "conv-1",
		Lead:           ai.Lead{Name: secret.NewPII("Priya Sharma"), Phone: secret.NewPII("+91 98765 43210")},
		System:         "Answer from the context only. Cite chunk ids.",
		Messages: []ai.Message{
			{Role: ai.RoleUser, Content: "Hi, Priya here, 98765 43210"},
			{Role: ai.RoleAssistant, Content: "Hello!"},
			{Role: ai.RoleUser, Content: "Context:\n[c1] Write to billing@clinic.example for invoices.\n\nQuestion: how do I get an invoice?"},
		},
		SchemaName: "answer",
		Schema:     json.RawMessage(`{"type":"object","properties":{"answer":{"type":"string"},"citations":{"type":"array","items":{"type":"string"}},"n":{"type":"integer"}},"required":["answer","citations","n"],"additionalProperties":false}`),
	}
}

func TestCompleteJSON(t *testing.T) {
	t.Parallel()
	srv := aitest.New()
	// The placeholder the gateway issues for the email in the context.
	email := ai.NewRedactor(redactionKey).Session("ws1/conv-1").Redact("billing@clinic.example")
	srv.Script("main", aitest.Text("not json"), aitest.Reply{Content: `{"answer":"Email ` + email +
		`, ` + placeholders("Priya")[0] + `.","citations":["c1"],"n":12345678901234567}`})
	m := &recordingMeter{}
	g := newGateway(t, srv, baseConfig(), ai.WithMeter(m))
	res, err := g.CompleteJSON(context.Background(), "ws1", answerRequest())
	require.NoError(t, err)
	assert.JSONEq(t, `{"answer":"Email billing@clinic.example, Priya.","citations":["c1"],"n":12345678901234567}`, string(res.JSON))
	assert.Equal(t, 2, res.Meta.Calls, "output that is not JSON is retried once")
	require.Len(t, m.records(), 2)
	assert.Equal(t, "knowledge_answer", m.records()[0].Task)

	reqs := srv.Requests()
	body := decodeBody(t, reqs[0])
	msgs := body["messages"].([]any)
	assert.Equal(t, "Answer from the context only. Cite chunk ids.", msgs[0].(map[string]any)["content"])
	rf := body["response_format"].(map[string]any)["json_schema"].(map[string]any)
	assert.Equal(t, "answer", rf["name"])
	assert.Contains(t, rf["schema"].(map[string]any)["required"], "citations")
	for _, r := range reqs {
		for _, leak := range []string{"Priya", "98765", "billing@clinic"} {
			assert.NotContains(t, string(r.Body), leak)
		}
	}
}

func TestCompleteJSONErrors(t *testing.T) {
	t.Parallel()
	srv := aitest.New()
	srv.Script("main", aitest.Text("[1,2]"), aitest.Text("still not an object"))
	g := newGateway(t, srv, baseConfig())
	ctx := context.Background()
	_, err := g.CompleteJSON(ctx, "ws1", answerRequest())
	require.ErrorIs(t, err, ai.ErrInvalidOutput)

	for name, mutate := range map[string]func(*ai.JSONRequest){
		"schema":   func(r *ai.JSONRequest) { r.Schema = json.RawMessage(`{`) },
		"name":     func(r *ai.JSONRequest) { r.SchemaName = "" },
		"system":   func(r *ai.JSONRequest) { r.System = "" },
		"role":     func(r *ai.JSONRequest) { r.Messages[0].Role = ai.RoleSystem },
		"messages": func(r *ai.JSONRequest) { r.Messages = nil },
	} {
		req := answerRequest()
		mutate(&req)
		_, err := g.CompleteJSON(ctx, "ws1", req)
		require.ErrorIs(t, err, ai.ErrInvalidInput, name)
	}
	assert.Len(t, srv.Requests(), 2)
}

package ai_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/ai"
	"github.com/botsync/botsync/ai/aitest"
	"github.com/botsync/botsync/secret"
)

func TestNewProviderBadInput(t *testing.T) {
	t.Parallel()
	key := secret.New("sk-x")
	tests := []struct {
		name string
		pn   string
		kind ai.Kind
		key  secret.Value
		opts []ai.Option
		want error
		text string
	}{
		{"empty name", "", ai.OpenAI, key, nil, ai.ErrInvalidInput, "name"},
		{"unknown kind", "p", ai.Kind("anthropic"), key, nil, ai.ErrInvalidInput, "kind"},
		{"missing key", "p", ai.OpenAI, secret.Value{}, nil, ai.ErrMissingKey, "key"},
		{"routing on openai", "p", ai.OpenAI, key, []ai.Option{ai.WithRouting(ai.Routing{DataCollection: "deny"})}, ai.ErrInvalidInput, "OpenRouter"},
		{"relative base url", "p", ai.OpenAI, key, []ai.Option{ai.WithBaseURL("/v1")}, ai.ErrInvalidInput, "base URL"},
		{"nil transport", "p", ai.OpenAI, key, []ai.Option{ai.WithTransport(nil)}, ai.ErrInvalidInput, "transport"},
		{"zero idle timeout", "p", ai.OpenAI, key, []ai.Option{ai.WithStreamIdleTimeout(0)}, ai.ErrInvalidInput, "idle timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ai.NewProvider(tt.pn, tt.kind, tt.key, tt.opts...)
			require.ErrorIs(t, err, tt.want)
			assert.Contains(t, err.Error(), tt.text)
		})
	}
}

func TestProviderKeyNeverPrinted(t *testing.T) {
	t.Parallel()
	srv := aitest.New()
	srv.Script("m", aitest.HTTPError(401, ""))
	p := newProvider(t, srv, "openai", ai.OpenAI)
	_, err := p.Chat(context.Background(), ai.Request{Model: "m", Messages: userMsg("hi")})
	require.ErrorIs(t, err, ai.ErrUnauthorized)
	for _, s := range []string{err.Error(), fmt.Sprintf("%+v", p), fmt.Sprintf("%#v", *p)} {
		assert.NotContains(t, s, "sk-test-openai")
	}
	assert.Equal(t, "Bearer sk-test-openai", srv.Requests()[0].Header.Get("Authorization"))
}

func TestOpenRouterWire(t *testing.T) {
	t.Parallel()
	srv := aitest.New()
	srv.Script("openai/gpt-4o-mini", aitest.Reply{Content: "hello", Model: "anthropic/claude-3.5-haiku",
		Usage: &aitest.Usage{PromptTokens: 11, CompletionTokens: 2, TotalTokens: 13}})
	p := newProvider(t, srv, "or", ai.OpenRouter,
		ai.WithAppInfo("https://botsync.example", "BotSync"),
		ai.WithRouting(ai.Routing{DataCollection: "deny", Order: []string{"OpenAI"}}))
	resp, err := p.Chat(context.Background(), ai.Request{
		Model: "openai/gpt-4o-mini", Messages: userMsg("hi"),
		Params: ai.Params{Temperature: ai.Float(0), Models: []string{"anthropic/claude-3.5-haiku"}, MaxTokens: 50},
	})
	require.NoError(t, err)
	assert.Equal(t, "hello", resp.Content)
	assert.Equal(t, "anthropic/claude-3.5-haiku", resp.Model, "the model that actually answered")
	assert.Equal(t, "openai/gpt-4o-mini", resp.RequestedModel)
	assert.Equal(t, ai.Usage{PromptTokens: 11, CompletionTokens: 2, TotalTokens: 13}, resp.Usage)

	reqs := srv.Requests()
	require.Len(t, reqs, 1)
	h := reqs[0].Header
	assert.Equal(t, "https://botsync.example", h.Get("HTTP-Referer"))
	assert.Equal(t, "BotSync", h.Get("X-Title"))
	body := decodeBody(t, reqs[0])
	temp, ok := body["temperature"]
	require.True(t, ok, "temperature 0 must reach the wire")
	assert.Equal(t, 0.0, temp)
	assert.Equal(t, []any{"anthropic/claude-3.5-haiku"}, body["models"])
	assert.Equal(t, map[string]any{"data_collection": "deny", "order": []any{"OpenAI"}}, body["provider"])
	assert.Equal(t, 50.0, body["max_completion_tokens"])
}

func TestOpenAITemperature(t *testing.T) {
	t.Parallel()
	srv := aitest.New()
	p := newProvider(t, srv, "openai", ai.OpenAI)
	ctx := context.Background()
	_, err := p.Chat(ctx, ai.Request{Model: "m", Messages: userMsg("a")})
	require.NoError(t, err)
	_, err = p.Chat(ctx, ai.Request{Model: "m", Messages: userMsg("b"), Params: ai.Params{Temperature: ai.Float(0), TopP: ai.Float(0)}})
	require.NoError(t, err)
	_, err = p.Chat(ctx, ai.Request{Model: "m", Messages: userMsg("c"), Params: ai.Params{Temperature: ai.Float(0.7)}})
	require.NoError(t, err)
	reqs := srv.Requests()
	_, has := decodeBody(t, reqs[0])["temperature"]
	assert.False(t, has, "unset temperature stays unset")
	b := decodeBody(t, reqs[1])
	assert.Equal(t, 0.0, b["temperature"])
	assert.Equal(t, 0.0, b["top_p"])
	assert.InDelta(t, 0.7, decodeBody(t, reqs[2])["temperature"], 1e-6)
	for _, r := range reqs {
		assert.Empty(t, r.Header.Get("X-Title"))
		_, has := decodeBody(t, r)["provider"]
		assert.False(t, has)
	}

	_, err = p.Chat(ctx, ai.Request{Model: "m", Messages: userMsg("d"), Params: ai.Params{Models: []string{"x"}}})
	require.ErrorIs(t, err, ai.ErrInvalidInput)
	assert.Len(t, srv.Requests(), 3, "invalid requests are not sent")
}

func TestChatBadRequestInput(t *testing.T) {
	t.Parallel()
	p := newProvider(t, aitest.New(), "openai", ai.OpenAI)
	tests := []struct {
		name string
		req  ai.Request
		text string
	}{
		{"no model", ai.Request{Messages: userMsg("x")}, "model"},
		{"no messages", ai.Request{Model: "m"}, "messages"},
		{"bad role", ai.Request{Model: "m", Messages: []ai.Message{{Role: "robot"}}}, "messages[0].role"},
		{"tool without name", ai.Request{Model: "m", Messages: userMsg("x"), Tools: []ai.Tool{{}}}, "tools[0].name"},
		{"temperature", ai.Request{Model: "m", Messages: userMsg("x"), Params: ai.Params{Temperature: ai.Float(3)}}, "temperature"},
		{"schema", ai.Request{Model: "m", Messages: userMsg("x"), Schema: &ai.Schema{}}, "schema"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := p.Chat(context.Background(), tt.req)
			require.ErrorIs(t, err, ai.ErrInvalidInput)
			assert.Contains(t, err.Error(), tt.text)
			assert.False(t, ai.IsRetryable(err))
		})
	}
}

func TestToolsAndStructuredOutput(t *testing.T) {
	t.Parallel()
	srv := aitest.New()
	srv.Script("m", aitest.Tool("book_slot", `{"day":"monday"}`), aitest.JSON(map[string]string{"answer": "yes"}))
	p := newProvider(t, srv, "openai", ai.OpenAI)
	ctx := context.Background()
	resp, err := p.Chat(ctx, ai.Request{Model: "m", Messages: userMsg("book me"), ToolChoice: "book_slot",
		Tools: []ai.Tool{{Name: "book_slot", Description: "books", Parameters: json.RawMessage(`{"type":"object","properties":{"day":{"type":"string"}}}`)}}})
	require.NoError(t, err)
	assert.Equal(t, "tool_calls", resp.FinishReason)
	require.Equal(t, []ai.ToolCall{{ID: "call_book_slot", Name: "book_slot", Arguments: `{"day":"monday"}`}}, resp.ToolCalls)

	resp, err = p.Chat(ctx, ai.Request{Model: "m", Messages: []ai.Message{
		{Role: ai.RoleUser, Content: "book me"},
		{Role: ai.RoleAssistant, ToolCalls: resp.ToolCalls},
		{Role: ai.RoleTool, ToolCallID: "call_book_slot", Content: "booked"},
	}, Schema: &ai.Schema{Name: "answer", Schema: json.RawMessage(`{"type":"object"}`), Strict: true}})
	require.NoError(t, err)
	assert.JSONEq(t, `{"answer":"yes"}`, resp.Content)

	reqs := srv.Requests()
	b0 := decodeBody(t, reqs[0])
	assert.Equal(t, "book_slot", b0["tools"].([]any)[0].(map[string]any)["function"].(map[string]any)["name"])
	assert.Equal(t, map[string]any{"type": "function", "function": map[string]any{"name": "book_slot"}}, b0["tool_choice"])
	b1 := decodeBody(t, reqs[1])
	rf := b1["response_format"].(map[string]any)
	assert.Equal(t, "json_schema", rf["type"])
	assert.Equal(t, map[string]any{"name": "answer", "schema": map[string]any{"type": "object"}, "strict": true}, rf["json_schema"])
	assert.Equal(t, "call_book_slot", b1["messages"].([]any)[2].(map[string]any)["tool_call_id"])
}

func TestProviderErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		reply     aitest.Reply
		kind      error
		retryable bool
	}{
		{"400", aitest.HTTPError(400, ""), ai.ErrBadRequest, false},
		{"401", aitest.HTTPError(401, ""), ai.ErrUnauthorized, false},
		{"402", aitest.HTTPError(402, ""), ai.ErrCreditExhausted, false},
		{"403", aitest.HTTPError(403, ""), ai.ErrForbidden, false},
		{"403 moderation", aitest.Reply{Status: 403, ErrorMessage: "Input was flagged by moderation"}, ai.ErrRefused, false},
		{"400 content filter", aitest.Reply{Status: 400, ErrorCode: "content_filter"}, ai.ErrRefused, false},
		{"408", aitest.HTTPError(408, ""), ai.ErrTimeout, true},
		{"429", aitest.HTTPError(429, "7"), ai.ErrRateLimited, true},
		{"500", aitest.HTTPError(500, ""), ai.ErrServer, true},
		{"502 non-json", aitest.Reply{Status: 502}, ai.ErrServer, true},
		{"503", aitest.HTTPError(503, ""), ai.ErrServer, true},
		{"refusal in 200", aitest.Reply{Refusal: "I can't help with that"}, ai.ErrRefused, false},
		{"content_filter finish", aitest.Reply{Content: "x", FinishReason: "content_filter"}, ai.ErrRefused, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := aitest.New()
			srv.Script("m", tt.reply)
			p := newProvider(t, srv, "openai", ai.OpenAI)
			_, err := p.Chat(context.Background(), ai.Request{Model: "m", Messages: userMsg("hi")})
			require.ErrorIs(t, err, tt.kind)
			assert.Equal(t, tt.retryable, ai.IsRetryable(err))
			var e *ai.Error
			require.True(t, errors.As(err, &e))
			assert.Equal(t, "openai", e.Provider)
			if tt.name == "429" {
				assert.Equal(t, "7s", e.RetryAfter.String())
			}
			assert.NotContains(t, err.Error(), "hi\"")
		})
	}
}

func TestNetworkError(t *testing.T) {
	t.Parallel()
	p, err := ai.NewProvider("down", ai.OpenAI, secret.New("k"), ai.WithBaseURL("http://127.0.0.1:1/v1"))
	require.NoError(t, err)
	_, err = p.Chat(context.Background(), ai.Request{Model: "m", Messages: userMsg("hi")})
	require.ErrorIs(t, err, ai.ErrNetwork)
	assert.True(t, ai.IsRetryable(err))
}

func TestEmbeddings(t *testing.T) {
	t.Parallel()
	srv := aitest.New()
	url := srv.Start(t)
	p, err := ai.NewProvider("openai", ai.OpenAI, secret.New("k"), ai.WithBaseURL(url))
	require.NoError(t, err)
	texts := []string{"clinic opening hours", "price of teeth cleaning"}
	emb, err := p.Embed(context.Background(), "text-embedding-3-small", texts, 32)
	require.NoError(t, err)
	assert.Equal(t, "text-embedding-3-small", emb.Model)
	require.Len(t, emb.Vectors, 2)
	for i, v := range emb.Vectors {
		assert.Equal(t, aitest.Embed(texts[i], 32), v)
	}
	assert.Equal(t, 7, emb.Usage.PromptTokens)

	srv.Script("e", aitest.HTTPError(http.StatusTooManyRequests, "2"))
	_, err = p.Embed(context.Background(), "e", texts, 0)
	require.ErrorIs(t, err, ai.ErrRateLimited)
	_, err = p.Embed(context.Background(), "", texts, 0)
	require.ErrorIs(t, err, ai.ErrInvalidInput)
	emb, err = p.Embed(context.Background(), "e", nil, 0)
	require.NoError(t, err)
	assert.Empty(t, emb.Vectors)
	assert.True(t, strings.HasSuffix(srv.Requests()[0].Path, "/v1/embeddings"))
}

func TestHeaderTimeout(t *testing.T) {
	t.Parallel()
	// A real socket: the transport's response-header timeout (50ms) fires
	// while the server sits on the request.
	release := make(chan struct{})
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(ts.Close)
	t.Cleanup(func() { close(release) })
	p, err := ai.NewProvider("slow", ai.OpenAI, secret.New("k"), ai.WithBaseURL(ts.URL+"/v1"),
		ai.WithHeaderTimeout(50*time.Millisecond))
	require.NoError(t, err)
	_, err = p.Chat(context.Background(), ai.Request{Model: "m", Messages: userMsg("hi")})
	require.ErrorIs(t, err, ai.ErrTimeout)
	assert.True(t, ai.IsRetryable(err))
}

package aitest_test

import (
	"bufio"
	"context"
	"io"
	"math"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	openai "github.com/sashabaranov/go-openai"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/ai/aitest"
)

func TestEmbed(t *testing.T) {
	t.Parallel()
	a := aitest.Embed("What are your opening hours on Sunday?", 64)
	b := aitest.Embed("What are your opening hours on Sunday?", 64)
	assert.Equal(t, a, b, "deterministic")
	var norm float64
	for _, v := range a {
		norm += float64(v) * float64(v)
	}
	assert.InDelta(t, 1, math.Sqrt(norm), 1e-5, "unit vector")

	similar := aitest.Embed("opening hours on sunday", 64)
	other := aitest.Embed("price of a root canal treatment", 64)
	assert.Greater(t, aitest.Cosine(a, similar), aitest.Cosine(a, other)+0.3)
	assert.Greater(t, aitest.Cosine(a, similar), 0.7)

	assert.Len(t, aitest.Embed("x", 0), aitest.DefaultDims)
	empty := aitest.Embed("  ...  ", 8)
	assert.Equal(t, []float32{1, 0, 0, 0, 0, 0, 0, 0}, empty)
	assert.Equal(t, 0.0, aitest.Cosine(a, empty[:4]))
}

func client(url, key string) *openai.Client {
	cfg := openai.DefaultConfig(key)
	cfg.BaseURL = url
	return openai.NewClientWithConfig(cfg)
}

func TestServerChatAndScripts(t *testing.T) {
	t.Parallel()
	srv := aitest.New()
	url := srv.Start(t)
	assert.Equal(t, url, srv.URL())
	c := client(url, "sk-1")
	ctx := context.Background()
	srv.Script("a", aitest.Text("first"), aitest.Reply{Content: "second", Model: "a-v2"})
	srv.Script("*", aitest.Text("wild"))
	srv.Always("b", aitest.Text("always b"))
	ask := func(model string) openai.ChatCompletionResponse {
		resp, err := c.CreateChatCompletion(ctx, openai.ChatCompletionRequest{Model: model,
			Messages: []openai.ChatCompletionMessage{{Role: "user", Content: "two words"}}})
		require.NoError(t, err)
		return resp
	}
	r := ask("a")
	assert.Equal(t, "first", r.Choices[0].Message.Content)
	assert.Equal(t, "a", r.Model)
	assert.Equal(t, openai.Usage{PromptTokens: 2, CompletionTokens: 1, TotalTokens: 3}, r.Usage)
	r = ask("a")
	assert.Equal(t, "second", r.Choices[0].Message.Content)
	assert.Equal(t, "a-v2", r.Model)
	assert.Equal(t, "wild", ask("a").Choices[0].Message.Content)
	assert.Equal(t, "fake reply from a", ask("a").Choices[0].Message.Content)
	assert.Equal(t, "always b", ask("b").Choices[0].Message.Content)
	assert.Equal(t, "always b", ask("b").Choices[0].Message.Content)

	reqs := srv.Requests()
	require.Len(t, reqs, 6)
	assert.Equal(t, "/v1/chat/completions", reqs[0].Path)
	assert.Equal(t, "a", reqs[0].Model)
	var body openai.ChatCompletionRequest
	require.NoError(t, reqs[0].Decode(&body))
	assert.Equal(t, "two words", body.Messages[0].Content)
	srv.Reset()
	assert.Empty(t, srv.Requests())
	assert.Equal(t, "fake reply from b", ask("b").Choices[0].Message.Content)
}

func TestServerRejects(t *testing.T) {
	t.Parallel()
	srv := aitest.New()
	url := srv.Start(t)
	ctx := context.Background()
	var apiErr *openai.APIError
	_, err := client(url, "").CreateChatCompletion(ctx, openai.ChatCompletionRequest{Model: "m",
		Messages: []openai.ChatCompletionMessage{{Role: "user", Content: "x"}}})
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 401, apiErr.HTTPStatusCode)
	_, err = client(url, "k").CreateChatCompletion(ctx, openai.ChatCompletionRequest{
		Messages: []openai.ChatCompletionMessage{{Role: "user", Content: "x"}}})
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 400, apiErr.HTTPStatusCode)
	_, err = client(url, "k").CreateChatCompletion(ctx, openai.ChatCompletionRequest{Model: "m"})
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 400, apiErr.HTTPStatusCode)
	resp, err := http.Get(strings.TrimSuffix(url, "/v1") + "/v1/models")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
}

func TestServerScriptedStatus(t *testing.T) {
	t.Parallel()
	srv := aitest.New()
	url := srv.Start(t)
	srv.Script("m", aitest.HTTPError(429, "7"), aitest.Reply{Status: 402, ErrorCode: "insufficient_credits", ErrorMessage: "top up"})
	for _, want := range []struct {
		status     int
		retryAfter string
		code       string
	}{{429, "7", "too_many_requests"}, {402, "", "insufficient_credits"}} {
		req, err := http.NewRequest(http.MethodPost, url+"/chat/completions",
			strings.NewReader(`{"model":"m","messages":[{"role":"user","content":"x"}]}`))
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer k")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.Equal(t, want.status, resp.StatusCode)
		assert.Equal(t, want.retryAfter, resp.Header.Get("Retry-After"))
		assert.Contains(t, string(body), want.code)
	}
}

func TestServerEmbeddings(t *testing.T) {
	t.Parallel()
	srv := aitest.New()
	c := client(srv.Start(t), "k")
	resp, err := c.CreateEmbeddings(context.Background(), openai.EmbeddingRequestStrings{
		Input: []string{"hello world", "bye"}, Model: "emb", Dimensions: 8})
	require.NoError(t, err)
	require.Len(t, resp.Data, 2)
	assert.Equal(t, aitest.Embed("hello world", 8), resp.Data[0].Embedding)
	assert.Equal(t, 1, resp.Data[1].Index)
	assert.Equal(t, 3, resp.Usage.PromptTokens)
	assert.Equal(t, openai.EmbeddingModel("emb"), resp.Model)

	srv.Script("emb", aitest.HTTPError(503, ""))
	_, err = c.CreateEmbeddings(context.Background(), openai.EmbeddingRequestStrings{Input: []string{"x"}, Model: "emb"})
	var apiErr *openai.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 503, apiErr.HTTPStatusCode)

	// A single string input is accepted too, with the default dimensions.
	r, err := http.Post(srv.URL()+"/embeddings", "application/json", strings.NewReader(`{"model":"e","input":"one"}`))
	require.NoError(t, err)
	r.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, r.StatusCode)
}

// rawStream posts a streaming request and returns the SSE lines.
func rawStream(t *testing.T, c *http.Client, url string) []string {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url+"/chat/completions",
		strings.NewReader(`{"model":"m","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"x"}]}`))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer k")
	resp, err := c.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	var lines []string
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if sc.Text() != "" {
			lines = append(lines, sc.Text())
		}
	}
	return lines
}

func TestServerStreamShapes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		reply aitest.Reply
		check func(t *testing.T, lines []string)
	}{
		{"normal", aitest.Reply{Content: "a b"}, func(t *testing.T, l []string) {
			assert.Len(t, l, 6) // role, "a", " b", finish, usage, [DONE]
			assert.Contains(t, l[1], `"content":"a"`)
			assert.Contains(t, l[3], `"finish_reason":"stop"`)
			assert.Contains(t, l[4], `"usage"`)
			assert.Equal(t, "data: [DONE]", l[5])
		}},
		{"keep-alives", aitest.Reply{Content: "a", KeepAlives: 3}, func(t *testing.T, l []string) {
			assert.Equal(t, []string{": keep-alive", ": keep-alive", ": keep-alive"}, l[:3])
			assert.Equal(t, "data: [DONE]", l[len(l)-1])
		}},
		{"error event", aitest.Reply{Content: "a b", Fault: aitest.FaultStreamError, FaultAfter: 1}, func(t *testing.T, l []string) {
			assert.Len(t, l, 3)
			assert.Contains(t, l[2], `data: {"error":`)
		}},
		{"truncated", aitest.Reply{Content: "a b c", Fault: aitest.FaultTruncate, FaultAfter: 2}, func(t *testing.T, l []string) {
			assert.Len(t, l, 3)
			assert.NotContains(t, strings.Join(l, "\n"), "finish_reason\":\"stop")
		}},
		{"chunks and tools", aitest.Reply{Chunks: []string{"he", "llo"}, ToolCalls: []aitest.ToolCall{{ID: "c1", Name: "f", Arguments: "{}"}}}, func(t *testing.T, l []string) {
			assert.Contains(t, l[1], `"content":"he"`)
			assert.Contains(t, l[3], `"tool_calls"`)
			assert.Contains(t, l[4], `"finish_reason":"tool_calls"`)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := aitest.New()
			srv.Script("m", tt.reply)
			tt.check(t, rawStream(t, srv.HTTPClient(), "http://fake/v1"))
		})
	}
}

func TestTransportStallHonoursContext(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv := aitest.New()
		srv.Script("m", aitest.Reply{Content: "a b", Fault: aitest.FaultStall, FaultAfter: 1})
		c := srv.HTTPClient()
		ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://fake/v1/chat/completions",
			strings.NewReader(`{"model":"m","stream":true,"messages":[{"role":"user","content":"x"}]}`))
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer k")
		start := time.Now()
		resp, err := c.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Contains(t, string(b), `"content":"a"`)
		assert.Equal(t, 3*time.Second, time.Since(start))

		// A stall before the headers ends with the context too.
		srv.Script("m", aitest.Reply{Fault: aitest.FaultStall})
		ctx2, cancel2 := context.WithTimeout(t.Context(), time.Second)
		defer cancel2()
		req2, _ := http.NewRequestWithContext(ctx2, http.MethodPost, "http://fake/v1/chat/completions",
			strings.NewReader(`{"model":"m","messages":[{"role":"user","content":"x"}]}`))
		req2.Header.Set("Authorization", "Bearer k")
		_, err = c.Do(req2)
		require.ErrorIs(t, err, context.DeadlineExceeded)
	})
}

func TestTransportSlowKeepAlives(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv := aitest.New()
		srv.Script("m", aitest.Reply{Content: "a", KeepAlives: 4, KeepAliveEvery: 10 * time.Second})
		start := time.Now()
		lines := rawStream(t, srv.HTTPClient(), "http://fake/v1")
		assert.Equal(t, 40*time.Second, time.Since(start), "keep-alives paced in fake time")
		assert.Equal(t, ": keep-alive", lines[3])
	})
}

func TestSocketStallDoesNotBlockClose(t *testing.T) {
	t.Parallel()
	srv := aitest.New()
	c := client(srv.Start(t), "k")
	srv.Script("m", aitest.Reply{Fault: aitest.FaultStall})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := c.CreateChatCompletion(ctx, openai.ChatCompletionRequest{Model: "m",
		Messages: []openai.ChatCompletionMessage{{Role: "user", Content: "x"}}})
	require.ErrorIs(t, err, context.DeadlineExceeded)
}

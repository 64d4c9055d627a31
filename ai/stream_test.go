package ai_test

import (
	"context"
	"io"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/ai"
	"github.com/botsync/botsync/ai/aitest"
)

// drain reads a stream to its end and returns the text and the final error
// (nil at io.EOF).
func drain(s interface{ Recv() (ai.Chunk, error) }) (string, error) {
	var b strings.Builder
	for {
		c, err := s.Recv()
		if err == io.EOF { //nolint:errorlint // the bare end-of-stream marker
			return b.String(), nil
		}
		if err != nil {
			return b.String(), err
		}
		b.WriteString(c.Content)
	}
}

func TestStream(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv := aitest.New()
		srv.Script("m", aitest.Reply{Content: "Hello there friend", Model: "m-2024",
			Usage: &aitest.Usage{PromptTokens: 3, CompletionTokens: 3, TotalTokens: 6}})
		p := newProvider(t, srv, "openai", ai.OpenAI, ai.WithStreamIdleTimeout(5*time.Second))
		s, err := p.Stream(t.Context(), ai.Request{Model: "m", Messages: userMsg("hi"), Params: ai.Params{Temperature: ai.Float(0)}})
		require.NoError(t, err)
		defer s.Close()
		text, err := drain(s)
		require.NoError(t, err)
		assert.Equal(t, "Hello there friend", text)
		r := s.Response()
		assert.Equal(t, "Hello there friend", r.Content)
		assert.Equal(t, "m-2024", r.Model)
		assert.Equal(t, "stop", r.FinishReason)
		assert.Equal(t, ai.Usage{PromptTokens: 3, CompletionTokens: 3, TotalTokens: 6}, r.Usage)
		body := decodeBody(t, srv.Requests()[0])
		assert.Equal(t, true, body["stream"])
		assert.Equal(t, 0.0, body["temperature"])
		assert.Equal(t, map[string]any{"include_usage": true}, body["stream_options"])
		_, err = s.Recv()
		assert.ErrorIs(t, err, io.EOF)
		require.NoError(t, s.Close())
		require.NoError(t, s.Close())
	})
}

func TestStreamToolCalls(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv := aitest.New()
		srv.Script("m", aitest.Tool("lookup", `{"q":"hours"}`))
		p := newProvider(t, srv, "openai", ai.OpenAI)
		s, err := p.Stream(t.Context(), ai.Request{Model: "m", Messages: userMsg("hi"), Tools: []ai.Tool{{Name: "lookup"}}})
		require.NoError(t, err)
		defer s.Close()
		text, err := drain(s)
		require.NoError(t, err)
		assert.Empty(t, text)
		assert.Equal(t, []ai.ToolCall{{ID: "call_lookup", Name: "lookup", Arguments: `{"q":"hours"}`}}, s.Response().ToolCalls)
		assert.Equal(t, "tool_calls", s.Response().FinishReason)
	})
}

func TestStreamFaults(t *testing.T) {
	t.Parallel()
	const idle = 5 * time.Second
	tests := []struct {
		name      string
		reply     aitest.Reply
		text      string // delivered before the error
		kind      error  // nil: success
		partial   bool
		retryable bool
		elapsed   time.Duration
	}{
		{name: "stall before first chunk", reply: aitest.Reply{Content: "a b", Fault: aitest.FaultStall},
			kind: ai.ErrStreamStalled, retryable: true, elapsed: idle},
		{name: "stall after two chunks", reply: aitest.Reply{Content: "a b c", Fault: aitest.FaultStall, FaultAfter: 2},
			text: "a b", kind: ai.ErrStreamStalled, partial: true, elapsed: idle},
		{name: "error event before content", reply: aitest.Reply{Content: "a b", Fault: aitest.FaultStreamError},
			kind: ai.ErrStreamBroken, retryable: true},
		{name: "error event mid stream", reply: aitest.Reply{Content: "a b c", Fault: aitest.FaultStreamError, FaultAfter: 1},
			text: "a", kind: ai.ErrStreamBroken, partial: true},
		{name: "truncated", reply: aitest.Reply{Content: "a b c", Fault: aitest.FaultTruncate, FaultAfter: 2},
			text: "a b", kind: ai.ErrStreamBroken, partial: true},
		{name: "keep-alive flood then content", reply: aitest.Reply{Content: "a b", KeepAlives: 2000},
			text: "a b"},
		{name: "slow keep-alives then content", reply: aitest.Reply{Content: "a b", KeepAlives: 3, KeepAliveEvery: 4 * time.Second},
			kind: ai.ErrStreamStalled, retryable: true, elapsed: idle},
		{name: "endless keep-alives", reply: aitest.Reply{Content: "a", KeepAlives: 1000, KeepAliveEvery: time.Second},
			kind: ai.ErrStreamStalled, retryable: true, elapsed: idle},
		{name: "429 before stream", reply: aitest.HTTPError(429, "3"), kind: ai.ErrRateLimited, retryable: true},
		{name: "500 before stream", reply: aitest.HTTPError(500, ""), kind: ai.ErrServer, retryable: true},
		{name: "refusal", reply: aitest.Reply{Refusal: "no"}, kind: ai.ErrRefused},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				srv := aitest.New()
				srv.Script("m", tt.reply)
				p := newProvider(t, srv, "openai", ai.OpenAI, ai.WithStreamIdleTimeout(idle))
				start := time.Now()
				s, err := p.Stream(t.Context(), ai.Request{Model: "m", Messages: userMsg("hi")})
				text := ""
				if err == nil {
					defer s.Close()
					text, err = drain(s)
				}
				assert.Equal(t, tt.text, text)
				if tt.kind == nil {
					require.NoError(t, err)
					return
				}
				require.ErrorIs(t, err, tt.kind)
				var e *ai.Error
				require.ErrorAs(t, err, &e)
				assert.Equal(t, tt.partial, e.Partial)
				assert.Equal(t, tt.retryable, e.Retryable())
				if tt.elapsed > 0 {
					assert.Equal(t, tt.elapsed, time.Since(start), "fake time spent waiting")
				}
			})
		})
	}
}

func TestRequestTimeout(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv := aitest.New()
		srv.Script("m", aitest.Reply{Fault: aitest.FaultStall})
		p := newProvider(t, srv, "openai", ai.OpenAI, ai.WithRequestTimeout(20*time.Second))
		start := time.Now()
		_, err := p.Chat(t.Context(), ai.Request{Model: "m", Messages: userMsg("hi")})
		require.ErrorIs(t, err, ai.ErrTimeout)
		assert.True(t, ai.IsRetryable(err))
		assert.Equal(t, 20*time.Second, time.Since(start))
	})
}

func TestCallerCancelIsNotRetryable(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv := aitest.New()
		srv.Script("m", aitest.Reply{Fault: aitest.FaultStall})
		p := newProvider(t, srv, "openai", ai.OpenAI)
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		_, err := p.Chat(ctx, ai.Request{Model: "m", Messages: userMsg("hi")})
		require.ErrorIs(t, err, context.DeadlineExceeded)
		assert.False(t, ai.IsRetryable(err))
	})
}

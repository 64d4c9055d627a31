package ai_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/ai"
	"github.com/botsync/botsync/ai/aitest"
)

// failingTransport fails every request at the network level.
type failingTransport struct{}

func (failingTransport) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("dial tcp: connection refused")
}

func twoLinks(t testing.TB, srv *aitest.Server, clock *fakeClock) *ai.Chain {
	t.Helper()
	r := newRouter(t, clock.now,
		newProvider(t, srv, "openai", ai.OpenAI),
		newProvider(t, srv, "openrouter", ai.OpenRouter))
	c, err := r.Chain([]ai.Link{
		{Provider: "openai", Model: "primary"},
		{Provider: "openrouter", Model: "backup", Params: ai.Params{Models: []string{"backup-2"}}},
	})
	require.NoError(t, err)
	return c
}

func TestChainFallbackRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		first    aitest.Reply
		fallback bool
		kind     error // when the chain stops
	}{
		{"408 falls back", aitest.HTTPError(408, ""), true, nil},
		{"429 falls back", aitest.HTTPError(429, ""), true, nil},
		{"500 falls back", aitest.HTTPError(500, ""), true, nil},
		{"502 falls back", aitest.HTTPError(502, ""), true, nil},
		{"503 falls back", aitest.HTTPError(503, ""), true, nil},
		{"504 falls back", aitest.HTTPError(504, ""), true, nil},
		{"400 stops", aitest.HTTPError(400, ""), false, ai.ErrBadRequest},
		{"401 stops", aitest.HTTPError(401, ""), false, ai.ErrUnauthorized},
		{"403 stops", aitest.HTTPError(403, ""), false, ai.ErrForbidden},
		{"moderation stops", aitest.Reply{Status: 400, ErrorCode: "content_policy_violation"}, false, ai.ErrRefused},
		{"refusal stops", aitest.Reply{Refusal: "cannot comply"}, false, ai.ErrRefused},
		{"402 raises the credit alert", aitest.HTTPError(402, ""), false, ai.ErrCreditExhausted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := aitest.New()
			srv.Script("primary", tt.first)
			srv.Script("backup", aitest.Text("from backup"))
			c := twoLinks(t, srv, newClock())
			resp, err := c.Chat(context.Background(), ai.Request{Messages: userMsg("hi")})
			if tt.fallback {
				require.NoError(t, err)
				assert.Equal(t, "from backup", resp.Content)
				assert.Equal(t, 1, resp.Link)
				assert.Equal(t, "openrouter", resp.Provider)
				require.Len(t, resp.Attempts, 2)
				assert.Equal(t, ai.Failed, resp.Attempts[0].Outcome)
				assert.NotEmpty(t, resp.Attempts[0].Reason)
				assert.Equal(t, ai.Answered, resp.Attempts[1].Outcome)
				assert.Len(t, srv.Requests(), 2)
				return
			}
			require.ErrorIs(t, err, tt.kind)
			assert.NotErrorIs(t, err, ai.ErrChainExhausted)
			var ce *ai.ChainError
			require.ErrorAs(t, err, &ce)
			require.Len(t, ce.Attempts, 2)
			assert.Equal(t, ai.Failed, ce.Attempts[0].Outcome)
			assert.Equal(t, ai.Skipped, ce.Attempts[1].Outcome)
			assert.Contains(t, ce.Attempts[1].Reason, "chain stopped")
			assert.Len(t, srv.Requests(), 1, "no fallback request")
		})
	}
}

func TestChainNetworkErrorFallsBack(t *testing.T) {
	t.Parallel()
	srv := aitest.New()
	down := newProvider(t, srv, "down", ai.OpenAI, ai.WithTransport(failingTransport{}))
	up := newProvider(t, srv, "up", ai.OpenAI)
	c, err := newRouter(t, nil, down, up).Chain([]ai.Link{{Provider: "down", Model: "m"}, {Provider: "up", Model: "m"}})
	require.NoError(t, err)
	resp, err := c.Chat(context.Background(), ai.Request{Messages: userMsg("hi")})
	require.NoError(t, err)
	assert.Equal(t, "up", resp.Provider)
	assert.ErrorIs(t, resp.Attempts[0].Err, ai.ErrNetwork)
}

func TestChainRetryAfterCooldown(t *testing.T) {
	t.Parallel()
	srv := aitest.New()
	clock := newClock()
	c := twoLinks(t, srv, clock)
	srv.Script("primary", aitest.HTTPError(429, "30"))
	ctx := context.Background()

	resp, err := c.Chat(ctx, ai.Request{Messages: userMsg("1")})
	require.NoError(t, err)
	assert.Equal(t, 1, resp.Link)
	assert.Contains(t, resp.Attempts[0].Reason, "429")

	clock.advance(10 * time.Second)
	resp, err = c.Chat(ctx, ai.Request{Messages: userMsg("2")})
	require.NoError(t, err)
	assert.Equal(t, 1, resp.Link)
	assert.Equal(t, ai.Skipped, resp.Attempts[0].Outcome)
	assert.Contains(t, resp.Attempts[0].Reason, "cooling down for 20s")
	assert.Len(t, srv.Requests(), 3, "the cooling link got no request")

	clock.advance(21 * time.Second)
	resp, err = c.Chat(ctx, ai.Request{Messages: userMsg("3")})
	require.NoError(t, err)
	assert.Equal(t, 0, resp.Link, "back on the primary after Retry-After")
}

func TestChainExhausted(t *testing.T) {
	t.Parallel()
	srv := aitest.New()
	srv.Script("primary", aitest.HTTPError(429, "12"))
	srv.Script("backup", aitest.HTTPError(503, ""))
	c := twoLinks(t, srv, newClock())
	_, err := c.Chat(context.Background(), ai.Request{Messages: userMsg("hi")})
	require.ErrorIs(t, err, ai.ErrChainExhausted)
	require.ErrorIs(t, err, ai.ErrServer, "the last link's error")
	var ce *ai.ChainError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, 12*time.Second, ce.RetryAfter)
	assert.Contains(t, err.Error(), "link 0 openai/primary failed: status 429")
	assert.Contains(t, err.Error(), "link 1 openrouter/backup failed: status 503")

	// Every link cooling: skipped without a request, still exhausted.
	srv.Script("backup", aitest.HTTPError(429, "5"))
	_, err = c.Chat(context.Background(), ai.Request{Messages: userMsg("hi")})
	require.ErrorIs(t, err, ai.ErrChainExhausted)
	n := len(srv.Requests())
	_, err = c.Chat(context.Background(), ai.Request{Messages: userMsg("hi")})
	require.ErrorIs(t, err, ai.ErrChainExhausted)
	require.ErrorAs(t, err, &ce)
	assert.Nil(t, ce.Last)
	assert.Equal(t, 5*time.Second, ce.RetryAfter)
	assert.Len(t, srv.Requests(), n)
}

func TestChainBadInput(t *testing.T) {
	t.Parallel()
	srv := aitest.New()
	r := newRouter(t, nil, newProvider(t, srv, "openai", ai.OpenAI))
	_, err := r.Chain(nil)
	require.ErrorIs(t, err, ai.ErrEmptyChain)
	_, err = r.Chain([]ai.Link{{Provider: "nope", Model: "m"}})
	require.ErrorIs(t, err, ai.ErrUnknownProvider)
	assert.Contains(t, err.Error(), `links[0]`)
	_, err = r.Chain([]ai.Link{{Provider: "openai"}})
	require.ErrorIs(t, err, ai.ErrInvalidInput)
	assert.Contains(t, err.Error(), "model")
	_, err = r.Chain([]ai.Link{{Provider: "openai", Model: "m", Params: ai.Params{Models: []string{"x"}}}})
	require.ErrorIs(t, err, ai.ErrInvalidInput)
	_, err = ai.NewRouter([]*ai.Provider{newProvider(t, srv, "a", ai.OpenAI), newProvider(t, srv, "a", ai.OpenAI)})
	require.ErrorIs(t, err, ai.ErrInvalidInput)
}

func TestChainCallerCancelStops(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv := aitest.New()
		srv.Script("primary", aitest.Reply{Fault: aitest.FaultStall})
		c := twoLinks(t, srv, newClock())
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		_, err := c.Chat(ctx, ai.Request{Messages: userMsg("hi")})
		require.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Len(t, srv.Requests(), 1)
	})
}

func TestChainStream(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		first    aitest.Reply
		link     int
		text     string
		kind     error
		requests int
	}{
		{name: "stall before first token falls back", first: aitest.Reply{Content: "x", Fault: aitest.FaultStall},
			link: 1, text: "from backup", requests: 2},
		{name: "error event before first token falls back", first: aitest.Reply{Content: "x", Fault: aitest.FaultStreamError},
			link: 1, text: "from backup", requests: 2},
		{name: "429 falls back", first: aitest.HTTPError(429, "1"), link: 1, text: "from backup", requests: 2},
		{name: "primary answers", first: aitest.Text("from primary"), link: 0, text: "from primary", requests: 1},
		{name: "mid-stream error is not restarted", first: aitest.Reply{Content: "half an answer", Fault: aitest.FaultStreamError, FaultAfter: 2},
			link: 0, text: "half an", kind: ai.ErrStreamBroken, requests: 1},
		{name: "stall after tokens is not restarted", first: aitest.Reply{Content: "half an answer", Fault: aitest.FaultStall, FaultAfter: 1},
			link: 0, text: "half", kind: ai.ErrStreamStalled, requests: 1},
		{name: "401 stops", first: aitest.HTTPError(401, ""), link: -1, kind: ai.ErrUnauthorized, requests: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				srv := aitest.New()
				srv.Script("primary", tt.first)
				srv.Script("backup", aitest.Text("from backup"))
				c := twoLinks(t, srv, newClock())
				s, err := c.Stream(t.Context(), ai.Request{Messages: userMsg("hi")})
				if tt.link < 0 {
					require.ErrorIs(t, err, tt.kind)
					assert.Len(t, srv.Requests(), tt.requests)
					return
				}
				require.NoError(t, err)
				defer s.Close()
				text, err := drain(s)
				assert.Equal(t, tt.text, text)
				if tt.kind != nil {
					require.ErrorIs(t, err, tt.kind)
					var e *ai.Error
					require.ErrorAs(t, err, &e)
					assert.True(t, e.Partial)
					assert.False(t, e.Retryable())
				} else {
					require.NoError(t, err)
					assert.Equal(t, tt.text, s.Response().Content)
				}
				assert.Equal(t, tt.link, s.Response().Link)
				assert.Len(t, s.Response().Attempts, tt.link+1)
				assert.Len(t, srv.Requests(), tt.requests)
				_, err = s.Recv()
				assert.Error(t, err)
				assert.False(t, err == io.EOF && tt.kind != nil) //nolint:errorlint
			})
		})
	}
}

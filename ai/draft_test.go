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

func TestDraftRestoresSplitPlaceholders(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		ph := placeholders("Priya", "+91 98765 43210")
		name, phone := ph[0], ph[1]
		srv := aitest.New()
		srv.Script("main", aitest.Reply{Fault: aitest.FaultStall}) // stalls before its first token
		srv.Script("backup", aitest.Reply{Chunks: []string{
			"Hi " + name[:4], name[4:] + ", we will call ", phone[:7], phone[7:] + " on Monday. [not a placeholder",
		}, Usage: &aitest.Usage{PromptTokens: 50, CompletionTokens: 12, TotalTokens: 62}})
		m := &recordingMeter{}
		g := newGateway(t, srv, baseConfig(), ai.WithMeter(m))
		d, err := g.Draft(t.Context(), "ws1", ai.ReplyInput{Conversation: testConversation()})
		require.NoError(t, err)
		defer d.Close()
		var pieces []string
		for {
			p, err := d.Recv()
			if err == io.EOF { //nolint:errorlint
				break
			}
			require.NoError(t, err)
			pieces = append(pieces, p)
		}
		want := "Hi Priya, we will call +91 98765 43210 on Monday. [not a placeholder"
		assert.Equal(t, want, strings.Join(pieces, ""))
		assert.Equal(t, want, d.Text())
		for _, p := range pieces {
			assert.NotContains(t, p, "[NA")
			assert.NotContains(t, p, "[PH")
		}
		meta := d.Meta()
		assert.Equal(t, 1, meta.Link)
		assert.Equal(t, "openrouter", meta.Provider)
		require.Len(t, meta.Attempts, 2)
		assert.Contains(t, meta.Attempts[0].Reason, "stream stalled")
		recs := m.records()
		require.Len(t, recs, 1)
		assert.Equal(t, "draft", recs[0].Task)
		assert.Equal(t, 62, recs[0].Usage.TotalTokens)
		for _, r := range srv.Requests() {
			assert.True(t, r.Stream)
			for _, leak := range []string{"98765", "priya.sharma", "Priya", "4111"} {
				assert.NotContains(t, string(r.Body), leak)
			}
		}
	})
}

func TestDraftErrors(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv := aitest.New()
		srv.Script("main", aitest.Reply{Content: "half of it", Fault: aitest.FaultStall, FaultAfter: 1})
		g := newGateway(t, srv, baseConfig())
		d, err := g.Draft(t.Context(), "ws1", ai.ReplyInput{Conversation: testConversation()})
		require.NoError(t, err)
		defer d.Close()
		p, err := d.Recv()
		require.NoError(t, err)
		assert.Equal(t, "half", p)
		start := time.Now()
		_, err = d.Recv()
		require.ErrorIs(t, err, ai.ErrStreamStalled)
		assert.Equal(t, ai.DefaultStreamIdleTimeout, time.Since(start))
		assert.Len(t, srv.Requests(), 1, "a stream that sent tokens is not restarted")

		srv.Script("main", aitest.HTTPError(401, ""))
		_, err = g.Draft(t.Context(), "ws1", ai.ReplyInput{Conversation: testConversation()})
		require.ErrorIs(t, err, ai.ErrUnauthorized)
		_, err = g.Draft(t.Context(), "ws1", ai.ReplyInput{})
		require.ErrorIs(t, err, ai.ErrInvalidInput)
		_, err = g.Draft(context.Background(), "nope", ai.ReplyInput{Conversation: testConversation()})
		require.ErrorIs(t, err, ai.ErrNotConfigured)
	})
}

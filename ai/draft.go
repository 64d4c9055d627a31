package ai

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"time"
)

// maxPlaceholder is the length of the longest placeholder, "[PHONE_1a2b3c]".
const maxPlaceholder = 14

// DraftStream is a streamed plain-text suggestion from [Gateway.Draft], with
// personal data restored as it streams. It is not safe for concurrent use;
// always Close it.
type DraftStream struct {
	g         *Gateway
	ctx       context.Context // the call's context, for metering at the end
	workspace string
	cs        *ChainStream
	sess      *Session
	pending   string
	text      strings.Builder
	meta      Meta
	start     time.Time
	finished  bool
}

// Draft streams a plain-text suggestion for the conversation's next message,
// for a person to review and edit (an agent's composer, a dashboard). It
// goes through the same door as the tasks — workspace policy, minimum
// context, redaction, the chain (a link that stalls or fails before its
// first token passes to the next), metering as task "draft", content-free
// logs — and restores placeholders even when one is split across chunks.
// A draft is never a decision to send: use [Gateway.Reply] for that.
func (g *Gateway) Draft(ctx context.Context, workspace string, in ReplyInput) (*DraftStream, error) {
	cfg, err := g.start(ctx, "draft", workspace)
	if err != nil {
		return nil, err
	}
	spec := taskSpec{name: "draft", instructions: cfg.Prompts.withDefaults().Draft,
		conv: in.Conversation, passages: in.Knowledge, needTurns: true}
	chain, sess, b, err := g.prepare(workspace, cfg, spec, "")
	if err != nil {
		return nil, &TaskError{Task: "draft", Workspace: workspace, Err: err}
	}
	d := &DraftStream{g: g, ctx: ctx, workspace: workspace, sess: sess, start: g.now(), meta: Meta{
		Redactions: sess.Count(), TurnsSent: b.turnsSent, TurnsDropped: b.turnsDropped,
		PassagesSent: b.passagesSent, PassagesDropped: b.passagesDropped, LeadFields: b.fields,
	}}
	cs, err := chain.Stream(ctx, Request{Messages: b.messages})
	if err != nil {
		var ce *ChainError
		if errors.As(err, &ce) {
			d.meta.Attempts = ce.Attempts
		}
		return nil, &TaskError{Task: "draft", Workspace: workspace, Meta: d.meta, Err: err}
	}
	d.cs = cs
	d.meta.Calls = 1
	return d, nil
}

// safeCut returns how much of s can be restored now: everything but a
// trailing, possibly incomplete placeholder.
func safeCut(s string) int {
	i := strings.LastIndexByte(s, '[')
	if i < 0 || strings.IndexByte(s[i:], ']') >= 0 || len(s)-i >= maxPlaceholder {
		return len(s)
	}
	return i
}

// Recv returns the next piece of restored text, io.EOF at the end, or the
// stream's error (a [*TaskError] wrapping an [*Error] with Partial set when
// text was already delivered).
func (d *DraftStream) Recv() (string, error) {
	for {
		if d.finished {
			return "", io.EOF
		}
		c, err := d.cs.Recv()
		if err == io.EOF { //nolint:errorlint // the bare end-of-stream marker
			d.finish()
			out := d.sess.Restore(d.pending)
			d.pending = ""
			if out == "" {
				return "", io.EOF
			}
			d.text.WriteString(out)
			return out, nil
		}
		if err != nil {
			d.finished = true
			return "", &TaskError{Task: "draft", Workspace: d.workspace, Meta: d.meta, Err: err}
		}
		d.pending += c.Content
		cut := safeCut(d.pending)
		out := d.sess.Restore(d.pending[:cut])
		d.pending = d.pending[cut:]
		if out != "" {
			d.text.WriteString(out)
			return out, nil
		}
	}
}

func (d *DraftStream) finish() {
	d.finished = true
	r := d.cs.Response()
	d.meta.Provider, d.meta.Model, d.meta.Link = r.Provider, r.Model, r.Link
	d.meta.Attempts, d.meta.Usage = r.Attempts, r.Usage
	d.g.meterUsage(d.ctx, d.workspace, "draft", r.Provider, r.Model, r.Usage)
	d.g.logger.LogAttrs(d.ctx, slog.LevelInfo, "ai call",
		slog.String("workspace", d.workspace), slog.String("task", "draft"),
		slog.String("provider", r.Provider), slog.String("model", r.Model), slog.Int("link", r.Link),
		slog.Int("turns", d.meta.TurnsSent), slog.Int("redactions", d.meta.Redactions),
		slog.Int("prompt_tokens", r.Usage.PromptTokens), slog.Int("completion_tokens", r.Usage.CompletionTokens),
		slog.Duration("duration", d.g.now().Sub(d.start)))
}

// Text returns the restored text delivered so far.
func (d *DraftStream) Text() string { return d.text.String() }

// Meta describes the call; provider, model, attempts and usage are filled
// once the stream has ended.
func (d *DraftStream) Meta() Meta { return d.meta }

// Close releases the stream. It is safe to call more than once.
func (d *DraftStream) Close() error { return d.cs.Close() }

package ai

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// Chunk is one piece of streamed content.
type Chunk struct {
	Content string
}

// Stream is a streaming chat completion. Call [Stream.Recv] until it returns
// io.EOF, then [Stream.Response] for the whole reply, model and usage;
// always [Stream.Close]. A Stream is not safe for concurrent use.
//
// If no chunk arrives within the provider's idle timeout (before the first
// chunk or between chunks; keep-alive comments do not count), Recv returns
// an error matching [ErrStreamStalled]. An error event inside the 200 stream,
// or an end without a finish reason, matches [ErrStreamBroken]. Either is
// retryable only while no content was delivered ([Error.Partial] false).
type Stream struct {
	p        *Provider
	req      Request
	s        *openai.ChatCompletionStream
	ctx      context.Context
	cancel   context.CancelCauseFunc
	timer    *time.Timer
	info     *callInfo
	content  strings.Builder
	refusal  strings.Builder
	tools    []ToolCall
	model    string
	finish   string
	usage    Usage
	sent     bool
	done     bool
	err      error
	closeOne sync.Once
}

// Stream starts a streaming chat completion. Errors before the stream opens
// (HTTP status, network, timeout) are [*Error] like [Provider.Chat]'s.
func (p *Provider) Stream(ctx context.Context, req Request) (*Stream, error) {
	o, patch, err := p.prepare(req, true)
	if err != nil {
		return nil, &Error{Op: "stream", Provider: p.name, Model: req.Model, Kind: ErrInvalidInput, Message: inputMessage(err), Err: err}
	}
	info := &callInfo{}
	sctx, cancel := context.WithCancelCause(withInfo(withPatch(ctx, patch), info))
	st := &Stream{p: p, req: req, ctx: sctx, cancel: cancel, info: info}
	st.timer = time.AfterFunc(p.cfg.idleTimeout, func() { cancel(errIdleTimeout) })
	s, err := p.client.CreateChatCompletionStream(sctx, o)
	if err != nil {
		st.timer.Stop()
		err = p.classify("stream", req.Model, sctx, err, info, false)
		cancel(nil)
		return nil, err
	}
	st.s = s
	st.timer.Reset(p.cfg.idleTimeout)
	return st, nil
}

// Delivered reports whether any content chunk has been returned.
func (s *Stream) Delivered() bool { return s.sent }

// Recv returns the next content chunk, io.EOF after the last one, or an
// [*Error].
func (s *Stream) Recv() (Chunk, error) {
	if s.err != nil {
		return Chunk{}, s.err
	}
	if s.done {
		return Chunk{}, io.EOF
	}
	for {
		r, err := s.s.Recv()
		if err != nil {
			s.timer.Stop()
			if errors.Is(err, io.EOF) && context.Cause(s.ctx) == nil {
				if s.finish == "" {
					s.err = &Error{Op: "stream", Provider: s.p.name, Model: s.req.Model, Kind: ErrStreamBroken,
						Partial: s.sent, Message: "stream ended without a finish reason"}
					return Chunk{}, s.err
				}
				if s.refusal.Len() > 0 || s.finish == string(openai.FinishReasonContentFilter) {
					s.err = &Error{Op: "stream", Provider: s.p.name, Model: s.req.Model, Kind: ErrRefused,
						Partial: s.sent, Message: truncate(s.refusal.String(), 200)}
					return Chunk{}, s.err
				}
				s.done = true
				return Chunk{}, io.EOF
			}
			s.err = s.p.classify("stream", s.req.Model, s.ctx, err, s.info, s.sent)
			return Chunk{}, s.err
		}
		s.timer.Reset(s.p.cfg.idleTimeout)
		if r.Model != "" {
			s.model = r.Model
		}
		if r.Usage != nil {
			s.usage = Usage{PromptTokens: r.Usage.PromptTokens, CompletionTokens: r.Usage.CompletionTokens, TotalTokens: r.Usage.TotalTokens}
		}
		var text string
		for _, c := range r.Choices {
			if c.Index != 0 {
				continue
			}
			text += c.Delta.Content
			s.refusal.WriteString(c.Delta.Refusal)
			for _, tc := range c.Delta.ToolCalls {
				i := len(s.tools)
				if tc.Index != nil {
					i = *tc.Index
				}
				for len(s.tools) <= i {
					s.tools = append(s.tools, ToolCall{})
				}
				if tc.ID != "" {
					s.tools[i].ID = tc.ID
				}
				if tc.Function.Name != "" {
					s.tools[i].Name = tc.Function.Name
				}
				s.tools[i].Arguments += tc.Function.Arguments
				s.sent = true
			}
			if c.FinishReason != "" {
				s.finish = string(c.FinishReason)
			}
		}
		if text != "" {
			s.content.WriteString(text)
			s.sent = true
			return Chunk{Content: text}, nil
		}
	}
}

// Response returns what the stream delivered so far: the full content after
// io.EOF, the answering model and the usage (when the provider sent it).
func (s *Stream) Response() *Response {
	model := s.model
	if model == "" {
		model = s.req.Model
	}
	return &Response{
		Provider: s.p.name, Model: model, RequestedModel: s.req.Model,
		Content: s.content.String(), ToolCalls: append([]ToolCall(nil), s.tools...),
		FinishReason: s.finish, Usage: s.usage,
	}
}

// Close releases the stream. It is safe to call more than once.
func (s *Stream) Close() error {
	var err error
	s.closeOne.Do(func() {
		s.timer.Stop()
		s.cancel(nil)
		if s.s != nil {
			err = s.s.Close()
		}
	})
	return err
}

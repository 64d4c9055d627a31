package aitest

import (
	"net/http"
	"time"
)

func splitWords(s string) []string {
	if s == "" {
		return nil
	}
	var out []string
	start := 0
	for i := 1; i < len(s); i++ {
		if s[i] == ' ' {
			out = append(out, s[start:i])
			start = i
		}
	}
	return append(out, s[start:])
}

func (s *Server) stream(w http.ResponseWriter, r *http.Request, req chatRequest, rep Reply, model, finish string, usage *Usage) {
	ctx := r.Context()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
	for i := 0; i < rep.KeepAlives; i++ {
		if rep.KeepAliveEvery > 0 {
			t := time.NewTimer(rep.KeepAliveEvery)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-s.stop:
				t.Stop()
				return
			case <-t.C:
			}
		}
		if _, err := w.Write([]byte(": keep-alive\n\n")); err != nil {
			return
		}
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
	}
	chunk := func(delta map[string]any, finish any) map[string]any {
		return map[string]any{
			"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 1700000000, "model": model,
			"choices": []any{map[string]any{"index": 0, "delta": delta, "finish_reason": finish}},
		}
	}
	pieces := rep.Chunks
	if pieces == nil {
		pieces = splitWords(rep.Content)
	}
	sent := 0
	fault := func() bool {
		if rep.Fault == NoFault || sent < rep.FaultAfter {
			return false
		}
		switch rep.Fault {
		case FaultStall:
			s.stall(ctx)
		case FaultStreamError:
			_ = sse(w, map[string]any{"error": map[string]any{
				"message": "scripted stream error", "type": "server_error", "code": "server_error",
			}})
		case FaultTruncate:
		}
		return true
	}
	if fault() {
		return
	}
	if err := sse(w, chunk(map[string]any{"role": "assistant", "content": ""}, nil)); err != nil {
		return
	}
	for _, p := range pieces {
		if fault() {
			return
		}
		if err := sse(w, chunk(map[string]any{"content": p}, nil)); err != nil {
			return
		}
		sent++
	}
	if rep.Refusal != "" {
		if err := sse(w, chunk(map[string]any{"refusal": rep.Refusal}, nil)); err != nil {
			return
		}
		sent++
	}
	if len(rep.ToolCalls) > 0 {
		if err := sse(w, chunk(map[string]any{"tool_calls": toolCalls(rep.ToolCalls, true)}, nil)); err != nil {
			return
		}
		sent++
	}
	if fault() {
		return
	}
	if err := sse(w, chunk(map[string]any{}, finish)); err != nil {
		return
	}
	if req.StreamOptions != nil && req.StreamOptions.IncludeUsage {
		if err := sse(w, map[string]any{
			"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 1700000000, "model": model,
			"choices": []any{}, "usage": usage,
		}); err != nil {
			return
		}
	}
	_ = sse(w, "[DONE]")
}

// Package aitest is a fake OpenAI-compatible API for tests: chat completions
// (plain and SSE streaming), tool calls, structured output, and embeddings,
// with replies and failures scripted per model and every request recorded.
//
// A [Server] is an [http.Handler]. Serve it over a socket with
// [Server.Start], or without one through [Server.Transport] — the in-memory
// transport also works inside a testing/synctest bubble, so stream stalls
// and idle timeouts are tested in fake time:
//
//	srv := aitest.New()
//	url := srv.Start(t) // ".../v1", closed when the test ends
//	srv.Script("gpt-4o-mini", aitest.HTTPError(429, "7"), aitest.Text("hello"))
//	// point any OpenAI client at url; then inspect srv.Requests()
//
// [Embed] is the deterministic embedder the /embeddings endpoint serves:
// the same text gives the same unit vector and similar texts give close
// vectors, so retrieval tests need no network.
package aitest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// Fault is a failure a scripted [Reply] injects into a streamed response.
type Fault int

const (
	// NoFault streams the reply normally.
	NoFault Fault = iota
	// FaultStall sends Reply.FaultAfter content chunks, then goes silent
	// until the client gives up. For a non-streamed request the server
	// stalls before writing any header.
	FaultStall
	// FaultStreamError sends Reply.FaultAfter content chunks, then an
	// OpenAI-style `data: {"error": …}` event inside the 200 response.
	FaultStreamError
	// FaultTruncate sends Reply.FaultAfter content chunks, then closes the
	// stream without a finish reason or [DONE].
	FaultTruncate
)

// ToolCall is a tool call the fake returns.
type ToolCall struct {
	ID        string
	Name      string
	Arguments string // JSON text
}

// Usage is the token usage the fake reports.
type Usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

// Reply is one scripted answer. The zero Reply answers with a default text.
type Reply struct {
	// Content is the assistant text (for structured output, the JSON).
	Content string
	// Refusal is a model refusal (structured-output "refusal" field).
	Refusal string
	// ToolCalls are returned instead of, or with, Content.
	ToolCalls []ToolCall
	// Model is the model reported as having answered; default: the
	// requested model.
	Model string
	// FinishReason defaults to "stop", or "tool_calls" with ToolCalls.
	FinishReason string
	// Usage defaults to word counts of the request and the reply.
	Usage *Usage

	// Status, when non-zero and not 200, answers with that HTTP status and an
	// OpenAI-style error body (ErrorCode, ErrorMessage) and, if set, a
	// Retry-After header.
	Status       int
	ErrorCode    string
	ErrorMessage string
	RetryAfter   string

	// Fault and FaultAfter inject a streaming failure; see [Fault].
	Fault      Fault
	FaultAfter int
	// KeepAlives sends this many SSE comment lines (": keep-alive") before
	// the first chunk, KeepAliveEvery apart (0: back to back).
	KeepAlives     int
	KeepAliveEvery time.Duration
	// Chunks splits a streamed Content into these pieces instead of words.
	Chunks []string
}

// Text is a Reply with the given content.
func Text(s string) Reply { return Reply{Content: s} }

// JSON is a Reply whose content is v marshalled as JSON (structured output).
// It panics only if v cannot be marshalled, which is a bug in the test.
func JSON(v any) Reply {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("aitest: JSON: %v", err))
	}
	return Reply{Content: string(b)}
}

// HTTPError is a Reply failing with status; retryAfter ("" for none) is sent
// as the Retry-After header.
func HTTPError(status int, retryAfter string) Reply {
	return Reply{Status: status, RetryAfter: retryAfter}
}

// Tool is a Reply that calls one tool.
func Tool(name, arguments string) Reply {
	return Reply{ToolCalls: []ToolCall{{ID: "call_" + name, Name: name, Arguments: arguments}}}
}

// Request is a recorded request.
type Request struct {
	Method string
	Path   string
	Header http.Header
	Body   []byte
	// Model and Stream are decoded from the body for convenience.
	Model  string
	Stream bool
}

// Decode unmarshals the recorded body into v.
func (r Request) Decode(v any) error { return json.Unmarshal(r.Body, v) }

// Server is the fake API. Its methods are safe for concurrent use.
type Server struct {
	mu       sync.Mutex
	scripts  map[string][]Reply
	always   map[string]Reply
	requests []Request
	url      string
	stop     chan struct{} // closed when the test ends: releases stalls
	stopOnce sync.Once
}

// New returns a Server that is not yet listening; see [Server.Start] and
// [Server.Transport].
func New() *Server {
	return &Server{scripts: map[string][]Reply{}, always: map[string]Reply{}, stop: make(chan struct{})}
}

// Start serves s on a local socket until the test ends and returns the base
// URL, ending in /v1, to configure clients with.
func (s *Server) Start(t testing.TB) string {
	t.Helper()
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	// Runs before ts.Close: stalled handlers return, so Close does not wait.
	t.Cleanup(func() { s.stopOnce.Do(func() { close(s.stop) }) })
	s.mu.Lock()
	s.url = ts.URL + "/v1"
	s.mu.Unlock()
	return ts.URL + "/v1"
}

// URL returns the base URL given by [Server.Start], or "" before it.
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.url
}

// Script queues replies for model, answered in order by chat and embedding
// requests naming that model. Model "*" matches any model without a queue of
// its own. An exhausted queue falls back to [Server.Always], then to a
// default text reply.
func (s *Server) Script(model string, replies ...Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.scripts[model] = append(s.scripts[model], replies...)
}

// Always sets the reply given for model whenever its queue is empty.
func (s *Server) Always(model string, r Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.always[model] = r
}

// Requests returns a copy of every request received, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Reset forgets recorded requests and scripts.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
	s.scripts = map[string][]Reply{}
	s.always = map[string]Reply{}
}

func (s *Server) next(model string) Reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, key := range []string{model, "*"} {
		if q := s.scripts[key]; len(q) > 0 {
			s.scripts[key] = q[1:]
			return q[0]
		}
	}
	for _, key := range []string{model, "*"} {
		if r, ok := s.always[key]; ok {
			return r
		}
	}
	return Reply{Content: "fake reply from " + model}
}

// ServeHTTP implements http.Handler: POST …/chat/completions and
// POST …/embeddings, with or without a /v1 prefix.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "unreadable body", "")
		return
	}
	var head struct {
		Model  string `json:"model"`
		Stream bool   `json:"stream"`
	}
	_ = json.Unmarshal(body, &head)
	s.mu.Lock()
	s.requests = append(s.requests, Request{
		Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: body,
		Model: head.Model, Stream: head.Stream,
	})
	s.mu.Unlock()

	if r.Method != http.MethodPost {
		writeError(w, http.StatusMethodNotAllowed, "invalid_request_error", "use POST", "")
		return
	}
	if a := r.Header.Get("Authorization"); !strings.HasPrefix(a, "Bearer ") || len(a) == len("Bearer ") {
		writeError(w, http.StatusUnauthorized, "invalid_api_key", "missing API key", "")
		return
	}
	if head.Model == "" {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "model is required", "")
		return
	}
	switch {
	case strings.HasSuffix(r.URL.Path, "/chat/completions"):
		s.chat(w, r, body)
	case strings.HasSuffix(r.URL.Path, "/embeddings"):
		s.embeddings(w, r, body)
	default:
		writeError(w, http.StatusNotFound, "not_found", "unknown path", "")
	}
}

func writeError(w http.ResponseWriter, status int, code, msg, retryAfter string) {
	if retryAfter != "" {
		w.Header().Set("Retry-After", retryAfter)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{
		"message": msg, "type": code, "code": code,
	}})
}

func failStatus(w http.ResponseWriter, rep Reply) bool {
	if rep.Status == 0 || rep.Status == http.StatusOK {
		return false
	}
	code, msg := rep.ErrorCode, rep.ErrorMessage
	if code == "" {
		code = strings.ReplaceAll(strings.ToLower(http.StatusText(rep.Status)), " ", "_")
	}
	if msg == "" {
		msg = fmt.Sprintf("scripted %d", rep.Status)
	}
	writeError(w, rep.Status, code, msg, rep.RetryAfter)
	return true
}

// stall blocks until the client gives up or the test ends.
func (s *Server) stall(ctx context.Context) {
	select {
	case <-ctx.Done():
	case <-s.stop:
	}
}

func words(s string) int { return len(strings.Fields(s)) }

func (s *Server) embeddings(w http.ResponseWriter, r *http.Request, body []byte) {
	var req struct {
		Model      string          `json:"model"`
		Input      json.RawMessage `json:"input"`
		Dimensions int             `json:"dimensions"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "invalid JSON body", "")
		return
	}
	var inputs []string
	if err := json.Unmarshal(req.Input, &inputs); err != nil {
		var one string
		if err := json.Unmarshal(req.Input, &one); err != nil {
			writeError(w, http.StatusBadRequest, "invalid_request_error", "input must be a string or an array of strings", "")
			return
		}
		inputs = []string{one}
	}
	rep := s.next(req.Model)
	if failStatus(w, rep) {
		return
	}
	if rep.Fault == FaultStall {
		s.stall(r.Context())
		return
	}
	dims := req.Dimensions
	if dims < 1 {
		dims = DefaultDims
	}
	type item struct {
		Object    string    `json:"object"`
		Embedding []float32 `json:"embedding"`
		Index     int       `json:"index"`
	}
	data := make([]item, len(inputs))
	tokens := 0
	for i, in := range inputs {
		data[i] = item{Object: "embedding", Embedding: Embed(in, dims), Index: i}
		tokens += words(in)
	}
	model := req.Model
	if rep.Model != "" {
		model = rep.Model
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"object": "list", "data": data, "model": model,
		"usage": Usage{PromptTokens: tokens, TotalTokens: tokens},
	})
}

type chatRequest struct {
	Model    string `json:"model"`
	Stream   bool   `json:"stream"`
	Messages []struct {
		Content string `json:"content"`
	} `json:"messages"`
	StreamOptions *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
}

func (s *Server) chat(w http.ResponseWriter, r *http.Request, body []byte) {
	var req chatRequest
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "invalid JSON body", "")
		return
	}
	if len(req.Messages) == 0 {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "messages is required", "")
		return
	}
	rep := s.next(req.Model)
	if failStatus(w, rep) {
		return
	}
	model := req.Model
	if rep.Model != "" {
		model = rep.Model
	}
	usage := rep.Usage
	if usage == nil {
		p := 0
		for _, m := range req.Messages {
			p += words(m.Content)
		}
		c := words(rep.Content)
		usage = &Usage{PromptTokens: p, CompletionTokens: c, TotalTokens: p + c}
	}
	finish := rep.FinishReason
	if finish == "" {
		finish = "stop"
		if len(rep.ToolCalls) > 0 {
			finish = "tool_calls"
		}
	}
	if req.Stream {
		s.stream(w, r, req, rep, model, finish, usage)
		return
	}
	if rep.Fault == FaultStall {
		s.stall(r.Context())
		return
	}
	msg := map[string]any{"role": "assistant", "content": rep.Content}
	if rep.Refusal != "" {
		msg["refusal"] = rep.Refusal
	}
	if len(rep.ToolCalls) > 0 {
		msg["tool_calls"] = toolCalls(rep.ToolCalls, false)
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"id": "chatcmpl-fake", "object": "chat.completion", "created": 1700000000, "model": model,
		"choices": []any{map[string]any{"index": 0, "message": msg, "finish_reason": finish}},
		"usage":   usage,
	})
}

func toolCalls(tcs []ToolCall, indexed bool) []any {
	out := make([]any, len(tcs))
	for i, tc := range tcs {
		m := map[string]any{
			"id": tc.ID, "type": "function",
			"function": map[string]any{"name": tc.Name, "arguments": tc.Arguments},
		}
		if indexed {
			m["index"] = i
		}
		out[i] = m
	}
	return out
}

// sse writes one event and flushes it.
func sse(w http.ResponseWriter, v any) error {
	var buf bytes.Buffer
	buf.WriteString("data: ")
	if s, ok := v.(string); ok {
		buf.WriteString(s)
	} else {
		b, _ := json.Marshal(v)
		buf.Write(b)
	}
	buf.WriteString("\n\n")
	if _, err := w.Write(buf.Bytes()); err != nil {
		return err
	}
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
	return nil
}

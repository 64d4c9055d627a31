package ai

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
)

// JSONRequest is a custom structured completion run through the Gateway by
// another package (ai/knowledge's answer step, for one).
type JSONRequest struct {
	// Task labels the call in metering and logs ("knowledge_answer").
	Task string
	// ConversationID scopes the placeholders, as in [Conversation].
	ConversationID string
	// Lead lists personal values to redact wherever they appear (only its
	// Name, Phone and Email are used).
	Lead Lead
	// System holds the instructions.
	System string
	// Messages are user and assistant turns, oldest first; the oldest are
	// trimmed when the context does not fit.
	Messages []Message
	// SchemaName and Schema are the JSON schema of the output, sent as
	// OpenAI structured output.
	SchemaName string
	Schema     json.RawMessage
}

// Completion is the result of [Gateway.CompleteJSON].
type Completion struct {
	// JSON is the model's output with placeholders restored in every
	// string value.
	JSON json.RawMessage
	Meta Meta
}

// CompleteJSON runs a structured completion with the caller's prompt and
// schema through the same door as the built-in tasks: workspace policy,
// redaction of every message (and restoration in the output), the
// workspace's chain, oldest-first trimming, metering under req.Task and
// content-free logs. The output is checked to be a JSON object — output
// that is not is retried once, then fails with [ErrInvalidOutput] — and the
// caller validates it against its own schema.
func (g *Gateway) CompleteJSON(ctx context.Context, workspace string, req JSONRequest) (*Completion, error) {
	task := req.Task
	if task == "" {
		task = "complete_json"
	}
	cfg, err := g.start(ctx, task, workspace)
	if err != nil {
		return nil, err
	}
	conv := Conversation{ID: req.ConversationID, Lead: Lead{Name: req.Lead.Name, Phone: req.Lead.Phone, Email: req.Lead.Email}}
	for i, m := range req.Messages {
		if m.Role != RoleUser && m.Role != RoleAssistant {
			return nil, &TaskError{Task: task, Workspace: workspace,
				Err: fmt.Errorf("%w: messages[%d].role must be user or assistant", ErrInvalidInput, i)}
		}
		conv.Turns = append(conv.Turns, Turn{Role: m.Role, Text: m.Content})
	}
	if req.SchemaName == "" || !json.Valid(req.Schema) {
		return nil, &TaskError{Task: task, Workspace: workspace,
			Err: fmt.Errorf("%w: schema_name and a valid JSON schema are required", ErrInvalidInput)}
	}
	if req.System == "" {
		return nil, &TaskError{Task: task, Workspace: workspace, Err: fmt.Errorf("%w: system is empty", ErrInvalidInput)}
	}
	cfg.LeadFields = []string{}
	var out map[string]any
	meta, sess, err := g.runSchema(ctx, workspace, cfg, taskSpec{
		name: task, system: req.System, schema: &schema{Type: "object"}, conv: conv, needTurns: true,
	}, req.SchemaName, req.Schema, &out)
	if err != nil {
		return nil, err
	}
	restored := restoreJSON(sess, out)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(restored); err != nil {
		return nil, &TaskError{Task: task, Workspace: workspace, Meta: meta, Err: fmt.Errorf("%w: %v", ErrInvalidOutput, err)}
	}
	g.logger.LogAttrs(ctx, slog.LevelDebug, "ai json completion",
		slog.String("workspace", workspace), slog.String("task", task), slog.Int("bytes", buf.Len()))
	return &Completion{JSON: bytes.TrimSpace(buf.Bytes()), Meta: meta}, nil
}

// restoreJSON restores placeholders in every string of a decoded JSON
// value, keys included.
func restoreJSON(sess *Session, v any) any {
	switch t := v.(type) {
	case string:
		return sess.Restore(t)
	case []any:
		for i := range t {
			t[i] = restoreJSON(sess, t[i])
		}
		return t
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, val := range t {
			m[sess.Restore(k)] = restoreJSON(sess, val)
		}
		return m
	default:
		return v
	}
}

package ai

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
)

// Meta describes how a task was answered.
type Meta struct {
	// Provider and Model answered (Model as the provider reported it).
	Provider string
	Model    string
	// Link is the chain link that answered; Attempts reports every link.
	Link     int
	Attempts []Attempt
	// Usage sums every call the task made (two when the output was retried).
	Usage Usage
	// Calls is the number of provider calls (1, or 2 after an invalid
	// output).
	Calls int
	// Redactions counts personal values replaced in the prompt.
	Redactions int
	// TurnsSent and TurnsDropped count conversation turns sent and trimmed.
	TurnsSent, TurnsDropped int
	// PassagesSent and PassagesDropped count knowledge passages.
	PassagesSent, PassagesDropped int
	// LeadFields names the lead fields that were sent.
	LeadFields []string
}

type taskSpec struct {
	name         string
	system       string // replaces the persona/rules/task prompt when set
	instructions string
	schema       *schema
	conv         Conversation
	passages     []Passage
	needTurns    bool
}

// TaskError is a task that failed. It names the task and the workspace and
// wraps the cause (a [*ChainError], [ErrInvalidOutput], [ErrDisabled]…).
type TaskError struct {
	Task      string
	Workspace string
	// Meta is filled as far as the task got (for example the usage of two
	// calls whose output was invalid).
	Meta Meta
	Err  error
}

// Error names the task and the cause.
func (e *TaskError) Error() string { return "ai: " + e.Task + ": " + e.Err.Error() }

// Unwrap returns the cause.
func (e *TaskError) Unwrap() error { return e.Err }

// run performs a structured task: context, redaction, chain call, schema
// validation with one retry, semantic check, metering and logging. out is
// decoded from the model's JSON; check may reject it (wrapping
// ErrInvalidOutput), which also triggers the retry.
func (g *Gateway) run(ctx context.Context, workspace string, cfg Config, spec taskSpec, out any, check func() error) (Meta, *Session, error) {
	return g.runWith(ctx, workspace, cfg, spec, spec.name, spec.schema.raw(), "\nAnswer only with JSON matching the schema.", out, check)
}

// runSchema is run with a caller's wire schema; spec.schema only checks the
// output's shape, and the system prompt is the caller's own.
func (g *Gateway) runSchema(ctx context.Context, workspace string, cfg Config, spec taskSpec, name string, wire json.RawMessage, out any) (Meta, *Session, error) {
	return g.runWith(ctx, workspace, cfg, spec, name, wire, "", out, nil)
}

func (g *Gateway) runWith(ctx context.Context, workspace string, cfg Config, spec taskSpec, schemaName string, wire json.RawMessage, suffix string, out any, check func() error) (Meta, *Session, error) {
	var meta Meta
	start := g.now()
	fail := func(err error) (Meta, *Session, error) {
		g.logger.LogAttrs(ctx, slog.LevelWarn, "ai call failed",
			slog.String("workspace", workspace), slog.String("task", spec.name),
			slog.Int("calls", meta.Calls), slog.Duration("duration", g.now().Sub(start)),
			slog.String("error", kindOf(err)))
		return meta, nil, &TaskError{Task: spec.name, Workspace: workspace, Meta: meta, Err: err}
	}
	chain, sess, b, err := g.prepare(workspace, cfg, spec, suffix)
	if err != nil {
		return fail(err)
	}
	meta.Redactions = sess.Count()
	meta.TurnsSent, meta.TurnsDropped = b.turnsSent, b.turnsDropped
	meta.PassagesSent, meta.PassagesDropped = b.passagesSent, b.passagesDropped
	meta.LeadFields = b.fields
	req := Request{
		Messages: b.messages,
		Schema:   &Schema{Name: schemaName, Schema: wire, Strict: true},
	}
	var invalid error
	for try := 0; try < 2; try++ {
		resp, err := chain.Chat(ctx, req)
		if err != nil {
			var ce *ChainError
			if errors.As(err, &ce) {
				meta.Attempts = append(meta.Attempts, ce.Attempts...)
			}
			return fail(err)
		}
		meta.Calls++
		meta.Provider, meta.Model, meta.Link = resp.Provider, resp.Model, resp.Link
		meta.Attempts = append(meta.Attempts, resp.Attempts...)
		meta.Usage = meta.Usage.Add(resp.Usage)
		g.meterUsage(ctx, workspace, spec.name, resp.Provider, resp.Model, resp.Usage)
		invalid = spec.schema.decode(resp.Content, out)
		if invalid == nil && check != nil {
			invalid = check()
		}
		if invalid == nil {
			g.logger.LogAttrs(ctx, slog.LevelInfo, "ai call",
				slog.String("workspace", workspace), slog.String("task", spec.name),
				slog.String("provider", meta.Provider), slog.String("model", meta.Model),
				slog.Int("link", meta.Link), slog.Int("calls", meta.Calls),
				slog.Int("turns", meta.TurnsSent), slog.Int("turns_dropped", meta.TurnsDropped),
				slog.Int("passages", meta.PassagesSent), slog.Int("redactions", meta.Redactions),
				slog.Int("prompt_tokens", meta.Usage.PromptTokens),
				slog.Int("completion_tokens", meta.Usage.CompletionTokens),
				slog.Duration("duration", g.now().Sub(start)))
			return meta, sess, nil
		}
		req.Messages = append(append([]Message(nil), req.Messages...),
			Message{Role: RoleAssistant, Content: resp.Content},
			Message{Role: RoleUser, Content: "That output was invalid (" + strings.TrimPrefix(invalid.Error(), "ai: ") +
				"). Answer again with only JSON matching the schema."})
	}
	return fail(invalid)
}

// kindOf names an error's class for logs without its text.
func kindOf(err error) string {
	for _, k := range []error{ErrInvalidOutput, ErrChainExhausted, ErrCreditExhausted, ErrRefused, ErrUnauthorized,
		ErrForbidden, ErrBadRequest, ErrDisabled, ErrContextTooLarge, ErrInvalidInput, ErrEmptyChain,
		ErrUnknownProvider, ErrRateLimited, ErrServer, ErrTimeout, ErrNetwork, context.Canceled, context.DeadlineExceeded} {
		if errors.Is(err, k) {
			return strings.TrimPrefix(k.Error(), "ai: ")
		}
	}
	return "other"
}

// prepare validates the conversation, builds the chain and the redacted,
// trimmed context of a task.
func (g *Gateway) prepare(workspace string, cfg Config, spec taskSpec, suffix string) (*Chain, *Session, built, error) {
	if err := validateConversation(spec.conv, spec.needTurns); err != nil {
		return nil, nil, built{}, err
	}
	chain, err := g.router.Chain(cfg.Chain)
	if err != nil {
		return nil, nil, built{}, err
	}
	system := spec.system
	if system == "" {
		prompts := cfg.Prompts.withDefaults()
		system = prompts.Persona + "\n\n" + prompts.Rules + "\n\nTask: " + spec.instructions + suffix
	}
	maxTurns := cfg.MaxTurns
	if maxTurns <= 0 {
		maxTurns = DefaultMaxTurns
	}
	fields := cfg.LeadFields
	if fields == nil {
		fields = DefaultLeadFields
	}
	reserve := 0
	for _, l := range cfg.Chain {
		reserve = max(reserve, l.Params.MaxTokens)
	}
	if reserve == 0 {
		reserve = DefaultReserve
	}
	sess := g.redactor.Session(workspace+"/"+spec.conv.ID, spec.conv.Lead.known()...)
	b, err := buildContext(sess, contextSpec{
		system: system, conv: spec.conv, passages: spec.passages, maxTurns: maxTurns,
		leadFields: fields, window: chain.minWindow(), reserve: reserve,
	})
	if err != nil {
		return nil, nil, built{}, err
	}
	return chain, sess, b, nil
}

func (g *Gateway) start(ctx context.Context, task, workspace string) (Config, error) {
	cfg, err := g.config(ctx, workspace)
	if err != nil {
		return Config{}, &TaskError{Task: task, Workspace: workspace, Err: err}
	}
	return cfg, nil
}

func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidOutput, fmt.Sprintf(format, args...))
}

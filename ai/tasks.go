package ai

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Decision says what to do with a [ReplyResult].
type Decision string

// Reply decisions. Only DecisionSend may go out without a person; the other
// two route the conversation to the human-review channel.
const (
	DecisionSend       Decision = "send"
	DecisionNeedsHuman Decision = "needs_human"
	DecisionNoAnswer   Decision = "no_answer"
)

// ReplyInput is the input of [Gateway.Reply].
type ReplyInput struct {
	Conversation Conversation
	// Knowledge is the retrieved passages, best first; trimmed from the end
	// when the context is too large.
	Knowledge []Passage
}

// ReplyResult is the next message for a conversation.
type ReplyResult struct {
	// Text is the message, personal data restored. With a decision other
	// than send it is a draft for a person, possibly empty.
	Text     string
	Decision Decision
	// Reason explains a needs_human or no_answer decision.
	Reason string
	// Citations are the ids of the passages the reply used.
	Citations []string
	Meta      Meta
}

var replySchema = object(map[string]*schema{
	"decision":  enum("send, needs_human or no_answer", string(DecisionSend), string(DecisionNeedsHuman), string(DecisionNoAnswer)),
	"text":      str("the message to send, or a draft"),
	"reason":    str("why a person is needed or no answer exists; empty when sending"),
	"citations": array(str("passage id"), "ids of the passages used"),
})

// Reply writes the next message of a conversation with the workspace's
// persona, rules and the given knowledge. It always returns a decision so a
// human-review path exists: a reply that mentions a placeholder the Gateway
// did not issue is downgraded to needs_human, and a moderation refusal
// (which the chain never falls back on) is returned as needs_human, not as
// an error.
func (g *Gateway) Reply(ctx context.Context, workspace string, in ReplyInput) (*ReplyResult, error) {
	cfg, err := g.start(ctx, "reply", workspace)
	if err != nil {
		return nil, err
	}
	var out struct {
		Decision  Decision `json:"decision"`
		Text      string   `json:"text"`
		Reason    string   `json:"reason"`
		Citations []string `json:"citations"`
	}
	ids := make([]string, len(in.Knowledge))
	for i, p := range in.Knowledge {
		ids[i] = p.ID
	}
	meta, sess, err := g.run(ctx, workspace, cfg, taskSpec{
		name: "reply", instructions: cfg.Prompts.withDefaults().Reply, schema: replySchema,
		conv: in.Conversation, passages: in.Knowledge, needTurns: true,
	}, &out, func() error {
		if out.Decision == DecisionSend && strings.TrimSpace(out.Text) == "" {
			return invalidf("$.text: empty with decision send")
		}
		for i, c := range out.Citations {
			if !slices.Contains(ids, c) {
				return invalidf("$.citations[%d]: not a passage id", i)
			}
		}
		return nil
	})
	if errors.Is(err, ErrRefused) {
		// A refusal is a moderation verdict, not an outage: route the
		// conversation to a person rather than fail.
		var te *TaskError
		if errors.As(err, &te) {
			meta = te.Meta
		}
		return &ReplyResult{Decision: DecisionNeedsHuman, Reason: "refused by the model or provider moderation", Meta: meta}, nil
	}
	if err != nil {
		return nil, err
	}
	res := &ReplyResult{
		Decision: out.Decision, Text: sess.Restore(out.Text), Reason: sess.Restore(out.Reason),
		Citations: out.Citations, Meta: meta,
	}
	if unk := sess.Unknown(out.Text); len(unk) > 0 && res.Decision == DecisionSend {
		res.Decision = DecisionNeedsHuman
		res.Reason = "reply contains personal-data placeholders the model invented"
	}
	return res, nil
}

// Summary is the result of [Gateway.Summarize].
type Summary struct {
	Text string
	Meta Meta
}

var summarySchema = object(map[string]*schema{"summary": str("the summary")})

// Summarize summarises a conversation for an agent.
func (g *Gateway) Summarize(ctx context.Context, workspace string, conv Conversation) (*Summary, error) {
	cfg, err := g.start(ctx, "summarize", workspace)
	if err != nil {
		return nil, err
	}
	var out struct {
		Summary string `json:"summary"`
	}
	meta, sess, err := g.run(ctx, workspace, cfg, taskSpec{
		name: "summarize", instructions: cfg.Prompts.withDefaults().Summarize, schema: summarySchema,
		conv: conv, needTurns: true,
	}, &out, nil)
	if err != nil {
		return nil, err
	}
	return &Summary{Text: sess.Restore(out.Summary), Meta: meta}, nil
}

// Classification is the result of [Gateway.Classify].
type Classification struct {
	// Label is one of the workspace's label names.
	Label      string
	Confidence float64
	Reason     string
	Meta       Meta
}

// Classify puts the conversation's intent into one of the workspace's
// labels. A workspace without labels is an [ErrInvalidInput].
func (g *Gateway) Classify(ctx context.Context, workspace string, conv Conversation) (*Classification, error) {
	cfg, err := g.start(ctx, "classify", workspace)
	if err != nil {
		return nil, err
	}
	if len(cfg.Labels) == 0 {
		return nil, &TaskError{Task: "classify", Workspace: workspace, Err: fmt.Errorf("%w: config.labels is empty", ErrInvalidInput)}
	}
	names := make([]string, len(cfg.Labels))
	var desc strings.Builder
	for i, l := range cfg.Labels {
		if l.Name == "" {
			return nil, &TaskError{Task: "classify", Workspace: workspace, Err: fmt.Errorf("%w: config.labels[%d].name is empty", ErrInvalidInput, i)}
		}
		names[i] = l.Name
		fmt.Fprintf(&desc, "\n- %s: %s", l.Name, l.Description)
	}
	sch := object(map[string]*schema{
		"label":      enum("one of the labels", names...),
		"confidence": number("number", "0 to 1", 0, 1),
		"reason":     str("a short reason"),
	})
	var out struct {
		Label      string  `json:"label"`
		Confidence float64 `json:"confidence"`
		Reason     string  `json:"reason"`
	}
	meta, sess, err := g.run(ctx, workspace, cfg, taskSpec{
		name: "classify", instructions: cfg.Prompts.withDefaults().Classify + "\nLabels:" + desc.String(),
		schema: sch, conv: conv, needTurns: true,
	}, &out, nil)
	if err != nil {
		return nil, err
	}
	return &Classification{Label: out.Label, Confidence: out.Confidence, Reason: sess.Restore(out.Reason), Meta: meta}, nil
}

// LeadScore is the result of [Gateway.ScoreLead].
type LeadScore struct {
	// Score is 0 (cold) to 100 (ready to buy).
	Score   int
	Reasons []string
	// Fields names the lead fields (or "conversation") that drove the
	// score; each is a field that was sent.
	Fields []string
	Meta   Meta
}

var scoreSchema = object(map[string]*schema{
	"score":   number("integer", "0 to 100", 0, 100),
	"reasons": array(str("a short reason"), "reasons for the score"),
	"fields":  array(str("a lead field name or \"conversation\""), "what drove the score"),
})

// ScoreLead scores a lead 0–100 from its allow-listed fields and the
// conversation (which may be empty).
func (g *Gateway) ScoreLead(ctx context.Context, workspace string, conv Conversation) (*LeadScore, error) {
	cfg, err := g.start(ctx, "score_lead", workspace)
	if err != nil {
		return nil, err
	}
	var out struct {
		Score   int      `json:"score"`
		Reasons []string `json:"reasons"`
		Fields  []string `json:"fields"`
	}
	var sent []string
	meta, sess, err := g.run(ctx, workspace, cfg, taskSpec{
		name: "score_lead", instructions: cfg.Prompts.withDefaults().ScoreLead, schema: scoreSchema, conv: conv,
	}, &out, func() error {
		sent = sentFields(conv.Lead, cfg.LeadFields)
		for i, f := range out.Fields {
			if f != "conversation" && !slices.ContainsFunc(sent, func(s string) bool { return strings.EqualFold(s, f) }) {
				return invalidf("$.fields[%d]: not a field that was sent", i)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	reasons := make([]string, len(out.Reasons))
	for i, r := range out.Reasons {
		reasons[i] = sess.Restore(r)
	}
	return &LeadScore{Score: out.Score, Reasons: reasons, Fields: out.Fields, Meta: meta}, nil
}

func sentFields(l Lead, allow []string) []string {
	if allow == nil {
		allow = DefaultLeadFields
	}
	var out []string
	for _, a := range allow {
		if a == "name" && !l.Name.IsZero() {
			out = append(out, "name")
		}
		for _, f := range l.Fields {
			if strings.EqualFold(f.Name, a) && f.Value != "" {
				out = append(out, f.Name)
			}
		}
	}
	return out
}

// FollowUpPlan is the result of [Gateway.FollowUp].
type FollowUpPlan struct {
	// Send is false when no follow-up should be sent.
	Send bool
	// After is the delay from now and At the time to send.
	After time.Duration
	At    time.Time
	// Message is the follow-up, personal data restored.
	Message string
	Reason  string
	Meta    Meta
}

var followUpSchema = object(map[string]*schema{
	"send":        {Type: "boolean", Description: "whether to follow up"},
	"after_hours": number("number", "hours from now, 0 to 720", 0, 720),
	"message":     str("the follow-up message; empty when not sending"),
	"reason":      str("a short reason"),
})

// FollowUp decides whether, when and what to send next.
func (g *Gateway) FollowUp(ctx context.Context, workspace string, conv Conversation) (*FollowUpPlan, error) {
	cfg, err := g.start(ctx, "follow_up", workspace)
	if err != nil {
		return nil, err
	}
	var out struct {
		Send       bool    `json:"send"`
		AfterHours float64 `json:"after_hours"`
		Message    string  `json:"message"`
		Reason     string  `json:"reason"`
	}
	meta, sess, err := g.run(ctx, workspace, cfg, taskSpec{
		name: "follow_up", instructions: cfg.Prompts.withDefaults().FollowUp, schema: followUpSchema, conv: conv,
	}, &out, func() error {
		if out.Send && strings.TrimSpace(out.Message) == "" {
			return invalidf("$.message: empty with send true")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	plan := &FollowUpPlan{Send: out.Send, Reason: sess.Restore(out.Reason), Meta: meta}
	if out.Send {
		plan.After = time.Duration(out.AfterHours * float64(time.Hour)).Round(time.Minute)
		plan.At = g.now().Add(plan.After)
		plan.Message = sess.Restore(out.Message)
	}
	return plan, nil
}

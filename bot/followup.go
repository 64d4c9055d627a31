package bot

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/botsync/botsync/crm"
)

// DueLease is how long RunDue holds an item before another runner may
// take it again (a crashed runner's items come back after it).
const DueLease = 5 * time.Minute

// scheduleNoReply (re)arms the no-reply rules of the conversation: each
// fires After the lead's latest message unless the lead writes again.
func (e *Engine) scheduleNoReply(ctx context.Context, t *turn, rules []Rule) {
	for i := range rules {
		r := &rules[i]
		if r.Disabled || r.Trigger.Type != TriggerNoReply {
			continue
		}
		err := e.store.Schedule(ctx, Due{
			Workspace: t.ws, Key: "nr:" + t.conv.ID + ":" + r.ID, ID: crm.NewID(e.cfg.now()), Kind: DueNoReply,
			At: t.ev.Time.Add(time.Duration(r.Trigger.After)), ConversationID: t.conv.ID, LeadID: t.lead.ID,
			RuleID: r.ID, Since: t.conv.LastInboundAt,
		})
		if err != nil {
			e.cfg.log.WarnContext(ctx, "bot: schedule no-reply", "rule", r.ID, "err", err)
		}
	}
}

// RunDue executes the items due at now: follow-up steps and no-reply
// rules. The server's background runner calls it periodically; several
// runners may share a store (items are leased). It returns how many items
// it processed.
func (e *Engine) RunDue(ctx context.Context, now time.Time) (int, error) {
	items, err := e.store.TakeDue(ctx, now, DueLease, 100)
	if err != nil {
		return 0, fmt.Errorf("bot: run due: %w", err)
	}
	var errs []error
	for _, d := range items {
		if err := e.runDue(ctx, d, now); err != nil {
			errs = append(errs, fmt.Errorf("bot: due %s: %w", d.Kind, err))
			e.cfg.log.WarnContext(ctx, "bot: due item failed", "workspace", d.Workspace, "kind", d.Kind, "err", err)
		}
	}
	return len(items), errors.Join(errs...)
}

func (e *Engine) runDue(ctx context.Context, d Due, now time.Time) error {
	t, err := e.turnFor(ctx, d.Workspace, d.ConversationID)
	if errors.Is(err, crm.ErrNotFound) {
		return e.store.DoneDue(ctx, d.Workspace, d.Key, d.ID) // the lead was erased
	}
	if err != nil {
		return err
	}
	unlock := e.locks.lock(t.ev.conversationKey())
	defer unlock()
	switch d.Kind {
	case DueNoReply:
		if err := e.store.DoneDue(ctx, d.Workspace, d.Key, d.ID); err != nil {
			return err
		}
		if t.conv.LastInboundAt.After(d.Since) {
			return nil // the lead wrote since
		}
		rules, err := e.store.Rules(ctx, d.Workspace)
		if err != nil {
			return err
		}
		for i := range rules {
			if rules[i].ID == d.RuleID {
				e.runRulesFor(ctx, t, rules[i:i+1], trigger{}, TriggerNoReply)
			}
		}
		return nil
	case DueFollowUp:
		return e.followUp(ctx, t, d, now)
	}
	return e.store.DoneDue(ctx, d.Workspace, d.Key, d.ID)
}

func (e *Engine) followUp(ctx context.Context, t *turn, d Due, now time.Time) error {
	seq := d.Sequence
	if seq == nil || d.Step >= len(seq.Steps) ||
		seq.StopOnReply && t.conv.LastInboundAt.After(d.Since) ||
		seq.StopOnStage && t.lead.Stage != d.Stage {
		return e.store.DoneDue(ctx, d.Workspace, d.Key, d.ID)
	}
	if end, quiet := inQuiet(seq.Quiet, now.In(t.settings.location())); quiet {
		d.At, d.ID = end, crm.NewID(now)
		return e.store.Schedule(ctx, d)
	}
	step := seq.Steps[d.Step]
	m := Outbound{Text: step.Text, Template: step.Template, Label: d.RuleID}
	ctx = context.WithValue(ctx, depthKey{}, 1)
	if err := e.sendReply(ctx, t, m, automation(d.RuleID)); err != nil {
		return err
	}
	if d.Step+1 >= len(seq.Steps) {
		return e.store.DoneDue(ctx, d.Workspace, d.Key, d.ID)
	}
	d.Step++
	d.At, d.ID = now.Add(time.Duration(seq.Steps[d.Step].Delay)), crm.NewID(now)
	return e.store.Schedule(ctx, d)
}

// LeadEvent is a change to a lead made outside the engine (the dashboard,
// an import, a booking page) that rules may trigger on.
type LeadEvent struct {
	Workspace string
	LeadID    string
	// Type is TriggerStageChanged, TriggerTagAdded or
	// TriggerBookingCreated.
	Type TriggerType
	// Stage is the new stage; Tag the added tag.
	Stage, Tag string
	// ConversationID is where replies go; empty picks the lead's most
	// recent conversation.
	ConversationID string
	// Actor made the change. Changes by automations or the AI never
	// trigger rules (loop guard).
	Actor crm.Actor
}

// conversationLister lists a lead's conversations; *crm.Service satisfies it.
type conversationLister interface {
	Conversations(ctx context.Context, workspaceID, leadID string) ([]*crm.Conversation, error)
}

// Notify runs the rules triggered by a lead event. A stage change also
// ends follow-ups that stop on stage changes (when they next come due).
func (e *Engine) Notify(ctx context.Context, le LeadEvent) error {
	switch le.Type {
	case TriggerStageChanged, TriggerTagAdded, TriggerBookingCreated:
	default:
		return invalid("lead_event.type", "unknown %q", le.Type)
	}
	if le.Actor.Kind == crm.ActorAutomation || le.Actor.Kind == crm.ActorAI || ruleDepth(ctx) > 0 {
		return nil
	}
	convID := le.ConversationID
	if convID == "" {
		cl, ok := e.leads.(conversationLister)
		if !ok {
			return invalid("lead_event.conversation_id", "required (the lead store cannot list conversations)")
		}
		convs, err := cl.Conversations(ctx, le.Workspace, le.LeadID)
		if err != nil {
			return fmt.Errorf("bot: notify: %w", err)
		}
		var best *crm.Conversation
		for _, c := range convs {
			if best == nil || c.LastMessageAt.After(best.LastMessageAt) {
				best = c
			}
		}
		if best == nil {
			return nil // no conversation to act on
		}
		convID = best.ID
	}
	t, err := e.turnFor(ctx, le.Workspace, convID)
	if err != nil {
		return err
	}
	unlock := e.locks.lock(t.ev.conversationKey())
	defer unlock()
	rules, err := e.store.Rules(ctx, le.Workspace)
	if err != nil {
		return fmt.Errorf("bot: rules: %w", err)
	}
	e.runRulesFor(ctx, t, rules, trigger{stage: le.Stage, tag: le.Tag}, le.Type)
	return nil
}

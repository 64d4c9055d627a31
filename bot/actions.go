package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/botsync/botsync/ai/knowledge"
	"github.com/botsync/botsync/crm"
	"github.com/botsync/botsync/instagram"
)

// trigger carries what a rule's trigger is matched against besides the
// event: a lead event's stage or tag.
type trigger struct {
	stage, tag string
}

// runRules runs the workspace's enabled rules whose trigger is one of
// types, in order, until one with StopProcessing ran.
func (e *Engine) runRules(ctx context.Context, t *turn, rules []Rule, types ...TriggerType) bool {
	return e.runRulesFor(ctx, t, rules, trigger{}, types...)
}

func (e *Engine) runRulesFor(ctx context.Context, t *turn, rules []Rule, tr trigger, types ...TriggerType) (stopped bool) {
	if ruleDepth(ctx) > 0 {
		return false // loop guard: actions never trigger rules
	}
	ctx = context.WithValue(ctx, depthKey{}, 1)
	for i := range rules {
		r := &rules[i]
		if r.Disabled || !slices.Contains(types, r.Trigger.Type) || !e.triggerMatches(r, t, tr) {
			continue
		}
		ok, err := e.conditionsHold(r, t)
		if err != nil || !ok {
			if err != nil {
				e.ruleFailed(ctx, r, err)
			}
			continue
		}
		if err := e.runActions(ctx, t, r); err != nil {
			e.ruleFailed(ctx, r, err)
			continue
		}
		if r.Failures > 0 {
			if err := e.store.RuleSucceeded(ctx, r.Workspace, r.ID); err != nil {
				e.cfg.log.WarnContext(ctx, "bot: rule succeeded", "rule", r.ID, "err", err)
			}
		}
		if r.StopProcessing {
			return true
		}
	}
	return false
}

type depthKey struct{}

func ruleDepth(ctx context.Context) int {
	d, _ := ctx.Value(depthKey{}).(int)
	return d
}

func (e *Engine) ruleFailed(ctx context.Context, r *Rule, cause error) {
	reason := fmt.Sprintf("%d consecutive failures; last: %v", e.cfg.maxFailures, cause)
	n, disabled, err := e.store.RuleFailed(ctx, r.Workspace, r.ID, e.cfg.maxFailures, reason)
	if err != nil {
		e.cfg.log.ErrorContext(ctx, "bot: rule failure count", "rule", r.ID, "err", err)
		return
	}
	e.cfg.log.WarnContext(ctx, "bot: rule failed", "workspace", r.Workspace, "rule", r.ID, "failures", n, "err", cause)
	if disabled {
		e.cfg.log.ErrorContext(ctx, "bot: rule disabled", "workspace", r.Workspace, "rule", r.ID)
		e.cfg.pub.Publish(ctx, Update{Type: UpdateRuleDisabled, Workspace: r.Workspace, RuleID: r.ID, Reason: reason, At: e.cfg.now()})
	}
}

func (e *Engine) triggerMatches(r *Rule, t *turn, tr trigger) bool {
	tg := &r.Trigger
	switch tg.Type {
	case TriggerKeyword, TriggerComment:
		if tg.Type == TriggerComment && tg.MediaID != "" && (t.ev == nil || t.ev.MediaID != tg.MediaID) {
			return false
		}
		if len(tg.Keywords) == 0 && tg.Mode == "" {
			return true
		}
		m, err := e.matchers.get(tg.Mode, tg.Keywords)
		return err == nil && t.ev != nil && m.Match(t.ev.Text)
	case TriggerStageChanged:
		return tg.Stage == "" || tg.Stage == tr.stage
	case TriggerTagAdded:
		return tg.Tag == "" || tg.Tag == tr.tag
	}
	return true
}

func (e *Engine) conditionsHold(r *Rule, t *turn) (bool, error) {
	for i := range r.Conditions {
		c := &r.Conditions[i]
		var ok bool
		switch c.Type {
		case CondChannel:
			ok = slices.Contains(c.Values, t.conv.Channel)
		case CondStage:
			ok = slices.Contains(c.Values, t.lead.Stage)
		case CondHasTag:
			ok = true
			for _, v := range c.Values {
				ok = ok && t.lead.HasTag(v)
			}
		case CondNotTag:
			ok = true
			for _, v := range c.Values {
				ok = ok && !t.lead.HasTag(v)
			}
		case CondField:
			v := t.lead.Custom[c.Field]
			ok = len(c.Values) == 0 && v != "" || slices.Contains(c.Values, v)
		case CondBusinessHours:
			ok = t.settings.Hours.Open(e.cfg.now().In(t.settings.location()))
		case CondText:
			m, err := e.matchers.get(c.Mode, c.Values)
			if err != nil {
				return false, err
			}
			ok = t.ev != nil && m.Match(t.ev.Text)
		case CondScore:
			ok = (c.Min == nil || t.lead.Score >= *c.Min) && (c.Max == nil || t.lead.Score <= *c.Max)
		default:
			return false, fmt.Errorf("unknown condition %q", c.Type)
		}
		if ok == c.Negate {
			return false, nil
		}
	}
	return true, nil
}

var automation = func(ruleID string) crm.Actor { return crm.Actor{Kind: crm.ActorAutomation, ID: ruleID} }

func (e *Engine) runActions(ctx context.Context, t *turn, r *Rule) error {
	actor := automation(r.ID)
	for i := range r.Actions {
		a := &r.Actions[i]
		var err error
		switch a.Type {
		case ActSendText:
			err = e.sendReply(ctx, t, Outbound{Text: a.Text, QuickReplies: a.QuickReplies, Label: r.ID}, actor)
		case ActSendTemplate:
			err = e.sendReply(ctx, t, Outbound{Template: a.Template, Label: r.ID}, actor)
		case ActSendMedia:
			err = e.sendReply(ctx, t, Outbound{Media: a.Media, Label: r.ID}, actor)
		case ActAIReply:
			if e.cfg.answerer == nil && e.cfg.replier == nil {
				err = errors.New("no AI configured")
				break
			}
			err = e.aiReply(ctx, t)
		case ActCommentReply:
			err = e.commentReply(ctx, t, r, a)
		case ActAddTag:
			err = t.setLead(e.leads.Tag(ctx, t.ws, t.lead.ID, actor, a.Values...))
		case ActRemoveTag:
			err = t.setLead(e.leads.Untag(ctx, t.ws, t.lead.ID, actor, a.Values...))
		case ActMoveStage:
			err = t.setLead(e.leads.MoveStage(ctx, t.ws, t.lead.ID, a.Value, actor))
		case ActAssign:
			err = e.assign(ctx, t, a.Value, actor)
		case ActHandoff:
			reason := a.Text
			if reason == "" {
				reason = "rule " + r.ID
			}
			err = e.handoff(ctx, t, reason)
		case ActNote:
			_, err = e.leads.Note(ctx, t.ws, t.lead.ID, a.Text, actor)
		case ActScoreLead:
			if e.cfg.scorer == nil {
				err = errors.New("no scorer configured")
				break
			}
			err = e.score(ctx, t)
		case ActFollowUp:
			err = e.store.Schedule(ctx, Due{
				Workspace: t.ws, Key: "fu:" + t.conv.ID + ":" + r.ID, ID: crm.NewID(e.cfg.now()), Kind: DueFollowUp,
				At: e.cfg.now().Add(time.Duration(a.Sequence.Steps[0].Delay)), ConversationID: t.conv.ID,
				LeadID: t.lead.ID, RuleID: r.ID, Sequence: a.Sequence, Since: t.conv.LastInboundAt, Stage: t.lead.Stage,
			})
		case ActWebhook:
			err = e.callWebhook(ctx, t, r, a.Webhook)
		case ActBook:
			start := e.cfg.now().Add(time.Duration(a.Booking.Offset)).Truncate(time.Hour)
			if start.Before(e.cfg.now().Add(time.Duration(a.Booking.Offset))) {
				start = start.Add(time.Hour)
			}
			_, err = e.leads.Book(ctx, t.ws, t.lead.ID, crm.Interval{Start: start, End: start.Add(time.Duration(a.Booking.Length))}, a.Booking.Notes, a.Booking.Confirm, actor)
		default:
			err = fmt.Errorf("unknown action %q", a.Type)
		}
		if err != nil {
			return fmt.Errorf("actions[%d] %s: %w", i, a.Type, err)
		}
	}
	return nil
}

func (e *Engine) assign(ctx context.Context, t *turn, user string, actor crm.Actor) error {
	conv, err := e.leads.UpdateConversation(ctx, t.ws, t.conv.ID, crm.ConversationUpdate{Assignee: &user})
	if err != nil {
		return err
	}
	t.conv = conv
	if err := t.setLead(e.leads.Assign(ctx, t.ws, t.lead.ID, user, actor)); err != nil {
		return err
	}
	e.cfg.pub.Publish(ctx, Update{Type: UpdateConversationAssigned, Workspace: t.ws, LeadID: t.lead.ID, ConversationID: t.conv.ID, Assignee: user, At: e.cfg.now()})
	return nil
}

// sendReply sends m on the turn's conversation through the channel's
// policy and records it. Outside the window it sends the re-engagement
// template, or records why nothing was sent (not an error).
func (e *Engine) sendReply(ctx context.Context, t *turn, m Outbound, author crm.Actor) error {
	_, err := e.send(ctx, t, m, author)
	return err
}

func (e *Engine) send(ctx context.Context, t *turn, m Outbound, author crm.Actor) (*crm.Message, error) {
	return e.sendCited(ctx, t, m, author, nil)
}

// sendCited is send with the citations backing an AI answer, which go
// with the message's realtime update.
func (e *Engine) sendCited(ctx context.Context, t *turn, m Outbound, author crm.Actor, cites []knowledge.Citation) (*crm.Message, error) {
	if t.acct.Sender == nil {
		return nil, errors.New("account has no sender")
	}
	id, err := t.acct.Sender.Send(ctx, t.recipient(), m)
	if errors.Is(err, ErrOutsideWindow) {
		reason := "outside the messaging window"
		if tpl := t.settings.Reengagement; tpl != nil && t.acct.Channel == WhatsApp && m.Template == nil {
			m = Outbound{Template: tpl, Label: m.Label}
			id, err = t.acct.Sender.Send(ctx, t.recipient(), m)
			if err != nil {
				reason = "re-engagement template failed"
			}
		}
		if err != nil {
			_, nerr := e.leads.Note(ctx, t.ws, t.lead.ID, "Message not sent: "+reason, author)
			e.cfg.pub.Publish(ctx, Update{Type: UpdateSendBlocked, Workspace: t.ws, LeadID: t.lead.ID, ConversationID: t.conv.ID, Reason: reason, At: e.cfg.now()})
			return nil, nerr
		}
	}
	if err != nil {
		return nil, fmt.Errorf("send: %w", err)
	}
	t.replied = true
	typ, text := "text", m.Text
	switch {
	case m.Template != nil:
		typ, text = "template", m.Template.Name
	case m.Media != nil:
		typ, text = m.Media.Type, m.Media.Caption
	}
	msg, _, err := e.leads.RecordMessage(ctx, t.ws, crm.Message{
		ConversationID: t.conv.ID, LeadID: t.lead.ID, ChannelAccount: t.acct.ID, ProviderID: id,
		Direction: crm.Outbound, Type: typ, Text: text, Author: author, At: e.cfg.now(),
	})
	if err != nil {
		return nil, fmt.Errorf("record sent message: %w", err)
	}
	e.cfg.pub.Publish(ctx, Update{Type: UpdateMessageCreated, Workspace: t.ws, LeadID: t.lead.ID, ConversationID: t.conv.ID, Message: msg, Citations: cites, At: msg.At})
	return msg, nil
}

func (e *Engine) handleComment(ctx context.Context, acct Account, ev *Event) error {
	if ev.Comment != nil && ev.Comment.AccountID != "" && ev.From == ev.Comment.AccountID {
		return nil // the account's own comment
	}
	first, err := e.store.Claim(ctx, acct.Workspace, "event:"+ev.DedupKey)
	if err != nil {
		return fmt.Errorf("bot: claim comment event: %w", err)
	}
	if !first {
		return nil // redelivery
	}
	t, err := e.open(ctx, acct, ev)
	if err != nil {
		return err
	}
	if t.created {
		e.cfg.pub.Publish(ctx, Update{Type: UpdateLeadCreated, Workspace: t.ws, LeadID: t.lead.ID, ConversationID: t.conv.ID, At: ev.Time})
	}
	rules, err := e.store.Rules(ctx, t.ws)
	if err != nil {
		return fmt.Errorf("bot: rules: %w", err)
	}
	if t.created {
		e.runRules(ctx, t, rules, TriggerNewLead)
	}
	e.runRules(ctx, t, rules, TriggerComment)
	return nil
}

// commentReply sends the private and public replies through the account's
// comment handler; the claim makes it once per comment across rules and
// instances.
func (e *Engine) commentReply(ctx context.Context, t *turn, r *Rule, a *Action) error {
	if t.ev == nil || t.ev.Comment == nil {
		return errors.New("not a comment event")
	}
	if t.acct.Comments == nil {
		return errors.New("account has no comment handler")
	}
	out, err := t.acct.Comments.HandleComment(ctx, t.ev.Comment, instagram.Rule{
		ID: r.ID, IncludeReplies: true, PublicReply: a.PublicText,
		PrivateReply: instagram.Message{Text: a.Text, Label: r.ID},
	}, instagram.CommentOptions{})
	if err != nil {
		return err
	}
	if !out.Replied {
		return nil // already replied, own comment, window or throttled
	}
	msg, _, err := e.leads.RecordMessage(ctx, t.ws, crm.Message{
		ConversationID: t.conv.ID, LeadID: t.lead.ID, ChannelAccount: t.acct.ID, ProviderID: out.PrivateReply.MessageID,
		Direction: crm.Outbound, Type: "text", Text: a.Text, Author: automation(r.ID), At: e.cfg.now(),
	})
	if err != nil {
		return fmt.Errorf("record private reply: %w", err)
	}
	reason := ""
	if out.PublicReplyErr != nil {
		reason = "public reply failed"
	}
	e.cfg.pub.Publish(ctx, Update{Type: UpdateCommentReplied, Workspace: t.ws, LeadID: t.lead.ID, ConversationID: t.conv.ID, Message: msg, RuleID: r.ID, Reason: reason, At: msg.At})
	return nil
}

// clip trims s and cuts it to at most n bytes (for notes and reasons).
func clip(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n-- // never split a character
	}
	return s[:n]
}

// setLead keeps the turn's lead current after a successful change.
func (t *turn) setLead(l *crm.Lead, err error) error {
	if err != nil {
		return err
	}
	t.lead = l
	return nil
}

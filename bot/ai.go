package bot

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/botsync/botsync/ai"
	"github.com/botsync/botsync/ai/knowledge"
	"github.com/botsync/botsync/crm"
	"github.com/botsync/botsync/secret"
)

// maxHistory is how many earlier messages go to the AI.
const maxHistory = 12

// autoReply answers an inbound message no rule answered: the AI when it is
// on for the channel and not paused, else the away message outside hours.
func (e *Engine) autoReply(ctx context.Context, t *turn) error {
	if t.settings.aiOn(t.acct.Channel) && (e.cfg.answerer != nil || e.cfg.replier != nil) {
		st, err := e.store.AIState(ctx, t.ws, t.conv.ID)
		if err != nil {
			return fmt.Errorf("bot: ai state: %w", err)
		}
		// Paused: only a timed pause that is over lets the AI back in. Not
		// paused: a conversation a person flagged for handoff stays theirs.
		if st.Paused && st.Active(e.cfg.now()) || !st.Paused && !t.conv.Handoff {
			if st.Paused { // the quiet period is over: resume
				if err := e.resume(ctx, t.ws, t.conv.ID); err != nil {
					return err
				}
			}
			return e.aiReply(ctx, t)
		}
		return nil // a human has the conversation
	}
	if t.settings.AwayMessage == "" || t.settings.Hours.Open(e.cfg.now().In(t.settings.location())) {
		return nil
	}
	day := e.cfg.now().In(t.settings.location()).Format("2006-01-02")
	first, err := e.store.Claim(ctx, t.ws, "away:"+t.conv.ID+":"+day)
	if err != nil || !first {
		return err
	}
	return e.sendReply(ctx, t, Outbound{Text: t.settings.AwayMessage, Label: "away"}, crm.Actor{Kind: crm.ActorSystem})
}

// history returns the conversation before the current message, oldest
// first.
func (e *Engine) history(ctx context.Context, t *turn) ([]*crm.Message, error) {
	msgs, err := e.leads.Messages(ctx, t.ws, t.conv.ID)
	if err != nil {
		return nil, err
	}
	out := msgs[:0:0]
	for _, m := range msgs {
		if m.ProviderID == t.ev.MessageID && m.Direction == crm.Inbound || m.Text == "" {
			continue
		}
		out = append(out, m)
	}
	if len(out) > maxHistory {
		out = out[len(out)-maxHistory:]
	}
	return out, nil
}

// aiReply answers the turn's message from the knowledge base (or the
// replier) or hands the conversation off.
func (e *Engine) aiReply(ctx context.Context, t *turn) error {
	if t.ev == nil || t.ev.Text == "" {
		return e.handoff(ctx, t, "message without text")
	}
	hist, err := e.history(ctx, t)
	if err != nil {
		return fmt.Errorf("history: %w", err)
	}
	aiActor := crm.Actor{Kind: crm.ActorAI}
	if e.cfg.answerer != nil {
		turns := make([]knowledge.Turn, 0, len(hist))
		for _, m := range hist {
			role := knowledge.RoleUser
			if m.Direction == crm.Outbound {
				role = knowledge.RoleAssistant
			}
			turns = append(turns, knowledge.Turn{Role: role, Text: m.Text})
		}
		ans, err := e.cfg.answerer.Answer(ctx, t.ws, t.ev.Text, turns)
		if err != nil && ans.Decision != knowledge.NeedsHuman {
			return fmt.Errorf("knowledge answer: %w", err)
		}
		if err != nil {
			e.cfg.log.WarnContext(ctx, "bot: knowledge answer failed", "workspace", t.ws, "err", err)
		}
		switch ans.Decision {
		case knowledge.Answered:
			_, err := e.sendCited(ctx, t, Outbound{Text: ans.Text, Label: "ai"}, aiActor, ans.Citations)
			return err
		case knowledge.NoKnowledge:
			return e.handoff(ctx, t, "no knowledge: "+ans.Reason)
		default:
			return e.handoff(ctx, t, "needs a human: "+ans.Reason)
		}
	}
	turns := make([]ai.Turn, 0, len(hist)+1)
	for _, m := range hist {
		role := ai.RoleUser
		if m.Direction == crm.Outbound {
			role = ai.RoleAssistant
		}
		turns = append(turns, ai.Turn{Role: role, Text: m.Text, At: m.At})
	}
	turns = append(turns, ai.Turn{Role: ai.RoleUser, Text: t.ev.Text, At: t.ev.Time})
	res, err := e.cfg.replier.Reply(ctx, t.ws, ai.ReplyInput{Conversation: e.aiConversation(t, turns)})
	if err != nil {
		return e.handoff(ctx, t, "AI reply failed")
	}
	if res.Decision != ai.DecisionSend || res.Text == "" {
		return e.handoff(ctx, t, string(res.Decision)+": "+res.Reason)
	}
	return e.sendReply(ctx, t, Outbound{Text: res.Text, Label: "ai"}, aiActor)
}

func (e *Engine) aiConversation(t *turn, turns []ai.Turn) ai.Conversation {
	l := ai.Lead{Name: secret.NewPII(t.lead.Name), Phone: secret.NewPII(t.lead.Phone()), Email: secret.NewPII(t.lead.Email())}
	for _, f := range []struct{ k, v string }{{"city", t.lead.City}, {"interest", t.lead.Interest}, {"budget", t.lead.Budget}, {"timeline", t.lead.Timeline}, {"stage", t.lead.Stage}} {
		if f.v != "" {
			l.Fields = append(l.Fields, ai.Field{Name: f.k, Value: f.v})
		}
	}
	return ai.Conversation{ID: t.conv.ID, Lead: l, Turns: turns}
}

// handoff flags the conversation for a human, assigns it when configured,
// notes the reason, pauses the AI and publishes the handoff.
func (e *Engine) handoff(ctx context.Context, t *turn, reason string) error {
	yes := true
	u := crm.ConversationUpdate{Handoff: &yes}
	if a := t.settings.HandoffAssignee; a != "" {
		u.Assignee = &a
	}
	conv, err := e.leads.UpdateConversation(ctx, t.ws, t.conv.ID, u)
	if err != nil {
		return fmt.Errorf("handoff: %w", err)
	}
	t.conv = conv
	actor := crm.Actor{Kind: crm.ActorAI}
	if _, err := e.leads.Note(ctx, t.ws, t.lead.ID, "Handed off to a human: "+clip(reason, 300), actor); err != nil {
		return fmt.Errorf("handoff note: %w", err)
	}
	if err := e.store.SetAIState(ctx, t.ws, t.conv.ID, AIState{Paused: true, Reason: clip(reason, 300)}); err != nil {
		return fmt.Errorf("handoff: ai state: %w", err)
	}
	now := e.cfg.now()
	e.cfg.pub.Publish(ctx, Update{Type: UpdateHandoff, Workspace: t.ws, LeadID: t.lead.ID, ConversationID: t.conv.ID, Reason: reason, Assignee: conv.Assignee, At: now})
	if conv.Assignee != "" && u.Assignee != nil {
		e.cfg.pub.Publish(ctx, Update{Type: UpdateConversationAssigned, Workspace: t.ws, LeadID: t.lead.ID, ConversationID: t.conv.ID, Assignee: conv.Assignee, At: now})
	}
	t.replied = true
	return nil
}

func (e *Engine) pause(ctx context.Context, ws, convID string, until time.Time, reason string) error {
	st, err := e.store.AIState(ctx, ws, convID)
	if err != nil {
		return fmt.Errorf("bot: ai state: %w", err)
	}
	st.Paused, st.Until, st.Reason = true, until, reason
	if err := e.store.SetAIState(ctx, ws, convID, st); err != nil {
		return fmt.Errorf("bot: pause ai: %w", err)
	}
	e.cfg.pub.Publish(ctx, Update{Type: UpdateAIPaused, Workspace: ws, ConversationID: convID, Reason: reason, At: e.cfg.now()})
	return nil
}

func (e *Engine) resume(ctx context.Context, ws, convID string) error {
	if err := e.store.SetAIState(ctx, ws, convID, AIState{}); err != nil {
		return fmt.Errorf("bot: resume ai: %w", err)
	}
	no := false
	if _, err := e.leads.UpdateConversation(ctx, ws, convID, crm.ConversationUpdate{Handoff: &no}); err != nil {
		return fmt.Errorf("bot: resume ai: %w", err)
	}
	e.cfg.pub.Publish(ctx, Update{Type: UpdateAIResumed, Workspace: ws, ConversationID: convID, At: e.cfg.now()})
	return nil
}

// AgentReplied tells the engine a human answered the conversation (from
// the dashboard): the AI pauses for the workspace's quiet period.
func (e *Engine) AgentReplied(ctx context.Context, workspace, conversationID string) error {
	st, err := e.cfg.settings.Settings(ctx, workspace)
	if err != nil {
		return fmt.Errorf("bot: settings: %w", err)
	}
	return e.pause(ctx, workspace, conversationID, e.cfg.now().Add(st.quiet()), "human reply")
}

// SendAgentMessage sends a human agent's text on a conversation through the
// channel policy, records it and pauses the AI (see AgentReplied).
func (e *Engine) SendAgentMessage(ctx context.Context, workspace, conversationID, userID, text string) (*crm.Message, error) {
	if text == "" {
		return nil, invalid("text", "required")
	}
	t, err := e.turnFor(ctx, workspace, conversationID)
	if err != nil {
		return nil, err
	}
	unlock := e.locks.lock(t.ev.conversationKey())
	defer unlock()
	msg, err := e.send(ctx, t, Outbound{Text: text, Label: "agent"}, crm.User(userID))
	if err != nil {
		return nil, fmt.Errorf("bot: agent message: %w", err)
	}
	if msg == nil {
		return nil, fmt.Errorf("bot: agent message: %w", ErrOutsideWindow)
	}
	return msg, e.AgentReplied(ctx, workspace, conversationID)
}

// GiveBack returns a handed-off or paused conversation to the AI.
func (e *Engine) GiveBack(ctx context.Context, workspace, conversationID string) error {
	return e.resume(ctx, workspace, conversationID)
}

// turnFor rebuilds a turn for a conversation outside an inbound event.
func (e *Engine) turnFor(ctx context.Context, ws, convID string) (*turn, error) {
	conv, err := e.leads.Conversation(ctx, ws, convID)
	if err != nil {
		return nil, fmt.Errorf("bot: conversation: %w", err)
	}
	lead, err := e.leads.Lead(ctx, ws, conv.LeadID)
	if err != nil {
		return nil, fmt.Errorf("bot: lead: %w", err)
	}
	ch := Channel(conv.Channel)
	acct, err := e.channels.Account(ctx, ch, conv.ChannelAccount)
	if err != nil {
		return nil, fmt.Errorf("bot: %w", err)
	}
	st, err := e.cfg.settings.Settings(ctx, ws)
	if err != nil {
		return nil, fmt.Errorf("bot: settings: %w", err)
	}
	ev := &Event{Channel: ch, Account: conv.ChannelAccount}
	want := map[Channel]crm.IdentityKind{WhatsApp: crm.KindWAID, Instagram: crm.KindIGSID, Messenger: crm.KindPSID}[ch]
	for _, id := range lead.Identities {
		switch {
		case id.Kind == want && ev.From == "":
			ev.From = id.Value
		case id.Kind == crm.KindBSUID && ch == WhatsApp:
			ev.FromBSUID = id.Value
		}
	}
	if ev.From == "" && ev.FromBSUID == "" {
		return nil, errors.New("bot: lead has no identity on the conversation's channel")
	}
	return &turn{acct: acct, ws: ws, lead: lead, conv: conv, ev: ev, settings: st}, nil
}

// score scores the lead with the AI, at most once per ScoreEvery.
func (e *Engine) score(ctx context.Context, t *turn) error {
	ok, err := e.store.TakeScoreSlot(ctx, t.ws, t.lead.ID, e.cfg.now(), t.settings.scoreEvery())
	if err != nil || !ok {
		return err
	}
	hist, err := e.leads.Messages(ctx, t.ws, t.conv.ID)
	if err != nil {
		return err
	}
	if len(hist) > maxHistory {
		hist = hist[len(hist)-maxHistory:]
	}
	turns := make([]ai.Turn, 0, len(hist))
	for _, m := range hist {
		role := ai.RoleUser
		if m.Direction == crm.Outbound {
			role = ai.RoleAssistant
		}
		turns = append(turns, ai.Turn{Role: role, Text: m.Text, At: m.At})
	}
	s, err := e.cfg.scorer.ScoreLead(ctx, t.ws, e.aiConversation(t, turns))
	if err != nil {
		return fmt.Errorf("score lead: %w", err)
	}
	if err := t.setLead(e.leads.Update(ctx, t.ws, t.lead.ID, crm.LeadUpdate{Score: &s.Score, ScoreReasons: s.Reasons}, crm.Actor{Kind: crm.ActorAI})); err != nil {
		return fmt.Errorf("score lead: %w", err)
	}
	return nil
}

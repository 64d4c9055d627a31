package ai

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/botsync/botsync/secret"
)

// Context defaults.
const (
	// DefaultContextWindow is the window assumed for a link whose
	// Params.ContextWindow is 0.
	DefaultContextWindow = 8192
	// DefaultMaxTurns is how many recent turns a task sends when the
	// workspace sets none.
	DefaultMaxTurns = 12
	// DefaultReserve is the room kept for the completion when no link sets
	// MaxTokens.
	DefaultReserve = 1024
)

// DefaultLeadFields is the allow-list of lead fields sent to a model when a
// workspace configures none. Identity (name, phone, email) is never sent as
// such; "name" in an allow-list sends the name's placeholder, so the model
// can address the lead and the Gateway restores it.
var DefaultLeadFields = []string{"name", "stage", "source", "tags", "city", "language", "interest", "budget"}

// Conversation is the input of every task: the lead and the turns so far.
type Conversation struct {
	// ID identifies the conversation in the workspace; placeholders are
	// stable per (workspace, ID).
	ID    string
	Lead  Lead
	Turns []Turn
}

// Turn is one message of a conversation: RoleUser for the lead,
// RoleAssistant for the business (bot or human agent).
type Turn struct {
	Role Role
	Text string
	At   time.Time
}

// Lead is what the tasks may know about the lead. Name, Phone and Email are
// never sent to a provider; they are redacted wherever they appear.
type Lead struct {
	Name   secret.PII
	Phone  secret.PII
	Email  secret.PII
	Fields []Field
}

// Field is one CRM field of a lead ("stage", "city", a custom field). Only
// fields named in the workspace's allow-list are sent, with PII redacted.
type Field struct {
	Name  string
	Value string
}

// Passage is a retrieved knowledge chunk passed to [Gateway.Reply].
type Passage struct {
	ID     string
	Source string
	Text   string
}

func (l Lead) known() []Known {
	var k []Known
	if !l.Name.IsZero() {
		k = append(k, Known{Category: CategoryName, Value: l.Name.Reveal()})
	}
	if !l.Phone.IsZero() {
		k = append(k, Known{Category: CategoryPhone, Value: l.Phone.Reveal()})
	}
	if !l.Email.IsZero() {
		k = append(k, Known{Category: CategoryEmail, Value: l.Email.Reveal()})
	}
	return k
}

// estimateTokens is a conservative token estimate (about 3 runes a token,
// plus per-message overhead) used for trimming.
func estimateTokens(s string) int { return utf8.RuneCountInString(s)/3 + 4 }

// built is an assembled, redacted prompt.
type built struct {
	messages        []Message
	fields          []string
	turnsSent       int
	turnsDropped    int
	passagesSent    int
	passagesDropped int
}

type contextSpec struct {
	system     string
	conv       Conversation
	passages   []Passage
	maxTurns   int
	leadFields []string
	window     int
	reserve    int
}

func validateConversation(c Conversation, needTurns bool) error {
	if needTurns && len(c.Turns) == 0 {
		return fmt.Errorf("%w: conversation.turns is empty", ErrInvalidInput)
	}
	for i, t := range c.Turns {
		if t.Role != RoleUser && t.Role != RoleAssistant {
			return fmt.Errorf("%w: conversation.turns[%d].role must be user or assistant", ErrInvalidInput, i)
		}
	}
	return nil
}

// buildContext assembles the minimum context — system prompt, allow-listed
// lead fields, passages, the last turns — redacted through sess, and trims
// the oldest turns (then the lowest-ranked passages) until it fits the
// window less the completion reserve.
func buildContext(sess *Session, sp contextSpec) (built, error) {
	var b built
	lead := leadBlock(sess, sp.conv.Lead, sp.leadFields, &b)
	system := sess.Redact(sp.system)
	turns := sp.conv.Turns
	if sp.maxTurns > 0 && len(turns) > sp.maxTurns {
		b.turnsDropped = len(turns) - sp.maxTurns
		turns = turns[len(turns)-sp.maxTurns:]
	}
	msgs := make([]Message, len(turns))
	cost := make([]int, len(turns))
	total := 0
	for i, t := range turns {
		msgs[i] = Message{Role: t.Role, Content: sess.Redact(t.Text)}
		cost[i] = estimateTokens(msgs[i].Content)
		total += cost[i]
	}
	passages := make([]string, len(sp.passages))
	for i, p := range sp.passages {
		passages[i] = fmt.Sprintf("[%s] (%s) %s", p.ID, sess.Redact(p.Source), sess.Redact(p.Text))
	}
	budget := sp.window - sp.reserve
	sysText := func(n int) string {
		var s strings.Builder
		s.WriteString(system)
		s.WriteString(lead)
		if n > 0 {
			s.WriteString("\n\nKnowledge (cite passages by their id):\n")
			s.WriteString(strings.Join(passages[:n], "\n"))
		}
		return s.String()
	}
	nPass := len(passages)
	first := 0
	for {
		sys := sysText(nPass)
		need := estimateTokens(sys) + total
		if need <= budget {
			b.messages = append([]Message{{Role: RoleSystem, Content: sys}}, msgs[first:]...)
			b.turnsSent = len(msgs) - first
			b.turnsDropped += first
			b.passagesSent, b.passagesDropped = nPass, len(passages)-nPass
			return b, nil
		}
		switch {
		case len(msgs)-first > 1:
			total -= cost[first]
			first++
		case nPass > 0:
			nPass--
		default:
			return built{}, fmt.Errorf("%w: about %d tokens for a budget of %d", ErrContextTooLarge, need, budget)
		}
	}
}

func leadBlock(sess *Session, l Lead, allow []string, b *built) string {
	var s strings.Builder
	for _, name := range allow {
		if name == "name" {
			if !l.Name.IsZero() {
				fmt.Fprintf(&s, "\n- name: %s", sess.Redact(l.Name.Reveal()))
				b.fields = append(b.fields, "name")
			}
			continue
		}
		for _, f := range l.Fields {
			if strings.EqualFold(f.Name, name) && f.Value != "" {
				fmt.Fprintf(&s, "\n- %s: %s", f.Name, sess.Redact(f.Value))
				b.fields = append(b.fields, f.Name)
			}
		}
	}
	if s.Len() == 0 {
		return ""
	}
	return "\n\nLead:" + s.String()
}

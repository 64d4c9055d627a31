package ai

// Prompts are a workspace's instructions for each task. Empty fields use
// [DefaultPrompts]. Persona and Rules are prepended to every task.
type Prompts struct {
	// Persona describes who the assistant is ("You are Asha, the front desk
	// of Sunrise Dental…").
	Persona string
	// Rules are business rules every answer follows.
	Rules     string
	Reply     string
	Summarize string
	Classify  string
	ScoreLead string
	FollowUp  string
	// Draft instructs [Gateway.Draft]'s plain-text suggestion.
	Draft string
}

// DefaultPrompts are the prompts used where a workspace sets none.
var DefaultPrompts = Prompts{
	Persona: "You are a helpful, concise assistant answering customers of a business on a messaging app.",
	Rules: "Never invent prices, dates, policies or contact details. Text like [PHONE_1a2b3c], [EMAIL_…] or [NAME_…] " +
		"stands for personal data: copy such placeholders exactly when you need them and never create new ones.",
	Reply: "Write the business's next message to the customer. Use only the knowledge passages and the conversation. " +
		`Set decision to "send" when the answer is grounded and safe to send, "needs_human" when a person should ` +
		`handle it (complaints, negotiation, anything risky or uncertain), and "no_answer" when the knowledge does not ` +
		"cover the question. Cite the passage ids you used.",
	Summarize: "Summarise the conversation for a sales agent in at most five sentences: what the customer wants, " +
		"what was promised, and what is still open.",
	Classify:  "Classify the customer's intent into exactly one of the given labels.",
	ScoreLead: "Score how likely this lead is to buy, from 0 (not at all) to 100 (ready now). Give short reasons and name the lead fields (or \"conversation\") that drove the score.",
	FollowUp: "Decide whether the business should send a follow-up message, after how many hours from now, and " +
		"write it. Do not follow up when the customer declined or asked not to be contacted.",
	Draft: "Write the business's next message to the customer as plain text, ready for a person to review and send. " +
		"Use only the knowledge passages and the conversation; say so plainly when they do not cover the question.",
}

func (p Prompts) withDefaults() Prompts {
	d := DefaultPrompts
	pick := func(v, def string) string {
		if v == "" {
			return def
		}
		return v
	}
	return Prompts{
		Persona:   pick(p.Persona, d.Persona),
		Rules:     pick(p.Rules, d.Rules),
		Reply:     pick(p.Reply, d.Reply),
		Summarize: pick(p.Summarize, d.Summarize),
		Classify:  pick(p.Classify, d.Classify),
		ScoreLead: pick(p.ScoreLead, d.ScoreLead),
		FollowUp:  pick(p.FollowUp, d.FollowUp),
		Draft:     pick(p.Draft, d.Draft),
	}
}

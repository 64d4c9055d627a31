package knowledge

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Role is who said a conversation turn.
type Role string

// Conversation roles.
const (
	RoleUser      Role = "user"
	RoleAssistant Role = "assistant"
)

// Turn is one message of the conversation before the question.
type Turn struct {
	Role Role
	Text string
}

// Model completes a prompt with JSON matching a schema. The ai package's
// Gateway satisfies it through an adapter (which also redacts PII and
// meters usage); knowledgetest has scripted and extractive fakes.
type Model interface {
	CompleteJSON(ctx context.Context, workspace string, req ModelRequest) ([]byte, error)
}

// ModelRequest is a structured-output completion request.
type ModelRequest struct {
	// System holds the instructions.
	System string
	// Messages are the recent conversation turns followed by one user
	// message holding the retrieved context and the question.
	Messages []Turn
	// SchemaName and Schema describe the JSON the reply must be (a JSON
	// Schema object, suitable for OpenAI's response_format json_schema).
	SchemaName string
	Schema     json.RawMessage
	// Question and Context repeat, structured, what the last message
	// renders, for models and fakes that want them; adapters to chat APIs
	// send Messages only.
	Question string
	Context  []Passage
}

// Passage is one retrieved chunk shown to the model.
type Passage struct {
	ChunkID string
	Title   string
	Heading string
	Text    string
}

// Decision is the outcome of Answer.
type Decision int

// Decisions.
const (
	// Answered: Text answers the question and Citations back it.
	Answered Decision = iota + 1
	// NoKnowledge: nothing relevant was retrieved; the model was not asked.
	NoKnowledge
	// NeedsHuman: the model declined, failed, or gave no valid citation.
	NeedsHuman
)

// String returns "answered", "no_knowledge" or "needs_human".
func (d Decision) String() string {
	switch d {
	case Answered:
		return "answered"
	case NoKnowledge:
		return "no_knowledge"
	case NeedsHuman:
		return "needs_human"
	}
	return fmt.Sprintf("Decision(%d)", int(d))
}

// Citation points at a retrieved chunk backing the answer.
type Citation struct {
	ChunkID     string
	SourceID    string
	SourceTitle string
	URL         string
	// Quote is the model's quote when it occurs in the chunk, else the
	// chunk's opening words.
	Quote string
}

// Scores summarise the retrieval behind an answer.
type Scores struct {
	// TopSimilarity is the best cosine similarity among the hits.
	TopSimilarity float64
	// TopScore is the best fused score.
	TopScore float64
	// TopCoverage is the best share of the question's words found in a hit.
	TopCoverage float64
	// Retrieved is the number of hits; Context the number shown to the model.
	Retrieved, Context int
}

// Answer is the result of Base.Answer.
type Answer struct {
	Decision  Decision
	Text      string
	Citations []Citation
	// Reason explains a NoKnowledge or NeedsHuman decision.
	Reason string
	Scores Scores
	// Hits are the retrieved chunks, best first.
	Hits []Hit
}

// Thresholds decide NoKnowledge before any model call. A hit is relevant
// when its similarity reaches MinSimilarity or its lexical coverage of the
// question reaches MinCoverage; without a relevant hit the answer is
// NoKnowledge.
type Thresholds struct {
	// MinSimilarity is the cosine similarity that makes a hit relevant.
	MinSimilarity float64
	// MinContextSimilarity: hits below it (and below MinCoverage) are not
	// shown to the model.
	MinContextSimilarity float64
	// MinCoverage is the share of the question's informative words (see
	// TextTerms; a word also matches a longer word it begins, so "fee"
	// matches "fees") that a hit's title, heading and text must contain to
	// be relevant on lexical evidence alone. Zero disables the rule.
	MinCoverage float64
}

// DefaultThresholds suit OpenAI's text-embedding-3 models; tune them per
// embedder.
var DefaultThresholds = Thresholds{MinSimilarity: 0.30, MinContextSimilarity: 0.20, MinCoverage: 0.67}

const (
	maxQuestionBytes = 4096
	maxTurnBytes     = 4096
	maxAnswerBytes   = 8192
	maxQuoteBytes    = 300
)

const systemPrompt = `You answer customers' questions for a business using only the context passages given.
Rules:
- Use only facts stated in the context. Never guess prices, dates or policies.
- Cite every passage you used by its chunk_id, with a short exact quote from it.
- Reply in the language and script the customer used (English, Hindi, Hinglish...).
- If the context does not contain the answer, set needs_human to true and leave citations empty.
Reply with JSON only, matching the schema.`

// answerSchema is the JSON Schema of the model's reply.
var answerSchema = json.RawMessage(`{"type":"object","properties":{` +
	`"answer":{"type":"string"},` +
	`"citations":{"type":"array","items":{"type":"object","properties":{"chunk_id":{"type":"string"},"quote":{"type":"string"}},"required":["chunk_id","quote"],"additionalProperties":false}},` +
	`"needs_human":{"type":"boolean"}},` +
	`"required":["answer","citations","needs_human"],"additionalProperties":false}`)

// ModelReply is the JSON the model must return.
type ModelReply struct {
	Answer    string          `json:"answer"`
	Citations []ModelCitation `json:"citations"`
	// NeedsHuman is the model saying the context does not answer the question.
	NeedsHuman bool `json:"needs_human"`
}

// ModelCitation is one citation in a ModelReply.
type ModelCitation struct {
	ChunkID string `json:"chunk_id"`
	Quote   string `json:"quote"`
}

// Answer retrieves the workspace's knowledge for question and asks the
// model for a cited answer. conversation holds the turns before the
// question (oldest first); only the most recent few are sent.
//
// The decision is NoKnowledge, without a model call, when no hit reaches
// Thresholds.MinSimilarity. Citations of chunks that were not retrieved are
// dropped; an answer left without citations is NeedsHuman. When the model
// call fails the Answer is NeedsHuman and the error is returned with it.
func (b *Base) Answer(ctx context.Context, workspace, question string, conversation []Turn) (Answer, error) {
	if b.cfg.model == nil {
		return Answer{}, fmt.Errorf("knowledge: answer: %w", ErrNoModel)
	}
	if err := ValidateWorkspace(workspace); err != nil {
		return Answer{}, fmt.Errorf("knowledge: answer: %w", err)
	}
	question = strings.TrimSpace(question)
	if question == "" || len(question) > maxQuestionBytes || !utf8.ValidString(question) {
		return Answer{}, fmt.Errorf("knowledge: answer: %w", invalid("question", "must be 1..%d bytes of UTF-8", maxQuestionBytes))
	}
	for i, t := range conversation {
		if t.Role != RoleUser && t.Role != RoleAssistant {
			return Answer{}, fmt.Errorf("knowledge: answer: %w", invalid(fmt.Sprintf("conversation[%d].role", i), "must be user or assistant"))
		}
		if len(t.Text) > maxTurnBytes || !utf8.ValidString(t.Text) {
			return Answer{}, fmt.Errorf("knowledge: answer: %w", invalid(fmt.Sprintf("conversation[%d].text", i), "must be at most %d bytes of UTF-8", maxTurnBytes))
		}
	}
	res, err := b.Search(ctx, workspace, retrievalQuery(question, conversation), SearchOptions{})
	if err != nil {
		return Answer{}, fmt.Errorf("knowledge: answer: %w", err)
	}
	ans := Answer{Hits: res.Hits, Scores: Scores{Retrieved: len(res.Hits)}}
	th := b.cfg.thresholds
	terms := TextTerms(question)
	relevant := false
	var context []Hit
	for i, h := range res.Hits {
		if i == 0 || h.Similarity > ans.Scores.TopSimilarity {
			ans.Scores.TopSimilarity = h.Similarity
		}
		ans.Scores.TopScore = max(ans.Scores.TopScore, h.Score)
		cov := coverage(terms, &h.Chunk)
		ans.Scores.TopCoverage = max(ans.Scores.TopCoverage, cov)
		rel := h.Similarity >= th.MinSimilarity || (th.MinCoverage > 0 && cov >= th.MinCoverage)
		relevant = relevant || rel
		if rel || h.Similarity >= th.MinContextSimilarity {
			context = append(context, h)
		}
	}
	if !relevant {
		ans.Decision, ans.Reason = NoKnowledge, "no retrieved passage is relevant enough to the question"
		return ans, nil
	}
	ans.Scores.Context = len(context)

	req := ModelRequest{System: systemPrompt, SchemaName: "knowledge_answer", Schema: answerSchema}
	if n := len(conversation); n > b.cfg.history {
		conversation = conversation[n-b.cfg.history:]
	}
	req.Messages = append(req.Messages, conversation...)
	req.Messages = append(req.Messages, Turn{Role: RoleUser, Text: contextMessage(context, question)})
	req.Question = question
	for _, h := range context {
		req.Context = append(req.Context, Passage{ChunkID: h.Chunk.ID, Title: h.Chunk.Title, Heading: h.Chunk.Heading, Text: h.Chunk.Text})
	}
	raw, err := b.cfg.model.CompleteJSON(ctx, workspace, req)
	if err != nil {
		ans.Decision, ans.Reason = NeedsHuman, "the model call failed"
		return ans, fmt.Errorf("knowledge: answer: model: %w", err)
	}
	b.judge(&ans, raw, context)
	return ans, nil
}

// retrievalQuery is what Answer searches for: the question, preceded by
// the previous user turn when the question is a short follow-up ("and for
// NEET?") that means little on its own.
func retrievalQuery(question string, conversation []Turn) string {
	if len(TextTerms(question)) >= 3 {
		return question
	}
	for i := len(conversation) - 1; i >= 0; i-- {
		if t := conversation[i]; t.Role == RoleUser && strings.TrimSpace(t.Text) != "" {
			q := t.Text + "\n" + question
			if len(q) > maxQuestionBytes {
				return question
			}
			return q
		}
	}
	return question
}

// contextMessage renders the retrieved passages and the question.
func contextMessage(hits []Hit, question string) string {
	var s strings.Builder
	s.WriteString("Context passages:\n")
	for _, h := range hits {
		c := &h.Chunk
		fmt.Fprintf(&s, "\n[chunk_id: %s]\nSource: %s", c.ID, c.Title)
		if c.Heading != "" && c.Heading != c.Title {
			fmt.Fprintf(&s, " — %s", c.Heading)
		}
		s.WriteString("\n")
		s.WriteString(c.Text)
		s.WriteString("\n")
	}
	s.WriteString("\nQuestion: ")
	s.WriteString(question)
	return s.String()
}

// judge validates the model's reply against the passages it was shown.
func (b *Base) judge(ans *Answer, raw []byte, shown []Hit) {
	var r ModelReply
	if err := json.Unmarshal(raw, &r); err != nil {
		ans.Decision, ans.Reason = NeedsHuman, "the model reply is not the expected JSON"
		return
	}
	if r.NeedsHuman {
		ans.Decision, ans.Reason = NeedsHuman, "the model found no answer in the knowledge base"
		return
	}
	text := strings.TrimSpace(r.Answer)
	if text == "" || !utf8.ValidString(text) {
		ans.Decision, ans.Reason = NeedsHuman, "the model gave an empty answer"
		return
	}
	if len(text) > maxAnswerBytes {
		text = truncateUTF8(text, maxAnswerBytes)
	}
	byID := make(map[string]*Chunk, len(shown))
	for i := range shown {
		byID[shown[i].Chunk.ID] = &shown[i].Chunk
	}
	seen := map[string]bool{}
	for _, mc := range r.Citations {
		c, ok := byID[strings.TrimSpace(mc.ChunkID)]
		if !ok || seen[c.ID] {
			continue
		}
		seen[c.ID] = true
		ans.Citations = append(ans.Citations, Citation{
			ChunkID: c.ID, SourceID: c.SourceID, SourceTitle: c.Title, URL: c.URL, Quote: verifiedQuote(mc.Quote, c.Text),
		})
	}
	if len(ans.Citations) == 0 {
		ans.Decision, ans.Reason = NeedsHuman, "the answer cites no retrieved passage"
		return
	}
	ans.Decision, ans.Text = Answered, text
}

// verifiedQuote returns quote when it occurs in text (ignoring case and
// white space), else the opening of text.
func verifiedQuote(quote, text string) string {
	q := strings.Join(strings.Fields(quote), " ")
	if q != "" && len(q) <= maxQuoteBytes && strings.Contains(strings.ToLower(strings.Join(strings.Fields(text), " ")), strings.ToLower(q)) {
		return q
	}
	t := strings.Join(strings.Fields(text), " ")
	if len(t) <= maxQuoteBytes/2 {
		return t
	}
	return truncateUTF8(t, maxQuoteBytes/2) + "…"
}

func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// coverage is the share of terms found in the chunk's title, heading and
// text; a term of 3+ letters also matches a longer word it begins.
func coverage(terms []string, c *Chunk) float64 {
	if len(terms) == 0 {
		return 0
	}
	words := Terms(c.Title + " " + c.Heading + " " + c.Text)
	n := 0
	for _, t := range terms {
		for _, w := range words {
			if w == t || (utf8.RuneCountInString(t) >= 3 && strings.HasPrefix(w, t)) {
				n++
				break
			}
		}
	}
	return float64(n) / float64(len(terms))
}

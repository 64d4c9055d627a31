package knowledgetest

import (
	"context"
	"encoding/json"
	"strings"
	"sync"

	"github.com/botsync/botsync/ai/knowledge"
)

// ModelFunc adapts a function to knowledge.Model.
type ModelFunc func(ctx context.Context, workspace string, req knowledge.ModelRequest) ([]byte, error)

// CompleteJSON implements knowledge.Model.
func (f ModelFunc) CompleteJSON(ctx context.Context, workspace string, req knowledge.ModelRequest) ([]byte, error) {
	return f(ctx, workspace, req)
}

// Reply renders a model reply answering text with citations.
func Reply(text string, citations ...knowledge.ModelCitation) []byte {
	if citations == nil {
		citations = []knowledge.ModelCitation{}
	}
	b, _ := json.Marshal(knowledge.ModelReply{Answer: text, Citations: citations})
	return b
}

// HumanReply renders a model reply asking for a human.
func HumanReply() []byte {
	b, _ := json.Marshal(knowledge.ModelReply{Citations: []knowledge.ModelCitation{}, NeedsHuman: true})
	return b
}

// RecordingModel wraps a Model and records the requests it sees. It is
// safe for concurrent use.
type RecordingModel struct {
	Model knowledge.Model
	mu    sync.Mutex
	reqs  []knowledge.ModelRequest
}

// CompleteJSON implements knowledge.Model.
func (r *RecordingModel) CompleteJSON(ctx context.Context, workspace string, req knowledge.ModelRequest) ([]byte, error) {
	r.mu.Lock()
	r.reqs = append(r.reqs, req)
	r.mu.Unlock()
	if r.Model == nil {
		return nil, ErrScripted
	}
	return r.Model.CompleteJSON(ctx, workspace, req)
}

// Requests returns the requests recorded so far.
func (r *RecordingModel) Requests() []knowledge.ModelRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]knowledge.ModelRequest(nil), r.reqs...)
}

// ExtractiveModel is a deterministic stand-in for an honest LLM: it answers
// with the sentence of the context that shares the most informative words
// with the question, cites its passage, and asks for a human when no
// passage covers at least MinCoverage of the question's words.
type ExtractiveModel struct {
	// MinCoverage is the share of the question's informative words a
	// passage must contain (default 0.5).
	MinCoverage float64
}

// CompleteJSON implements knowledge.Model.
func (m ExtractiveModel) CompleteJSON(_ context.Context, _ string, req knowledge.ModelRequest) ([]byte, error) {
	min := m.MinCoverage
	if min == 0 {
		min = 0.5
	}
	q := knowledge.TextTerms(req.Question)
	if len(q) == 0 {
		return HumanReply(), nil
	}
	// Score each passage by its words, then pick the best sentence of the
	// passages that score best: sentence words count fully, the passage's
	// title and heading half.
	best, bestScore := -1, 0
	for i, p := range req.Context {
		if s := overlap(q, p.Title+" "+p.Heading+" "+p.Text); s > bestScore {
			best, bestScore = i, s
		}
	}
	if best < 0 || float64(bestScore) < min*float64(len(q)) {
		return HumanReply(), nil
	}
	var (
		id, sentence string
		sScore       = -1.0
	)
	for _, p := range req.Context {
		if overlap(q, p.Title+" "+p.Heading+" "+p.Text) < bestScore {
			continue
		}
		ctx := float64(overlap(q, p.Title+" "+p.Heading)) / 2
		for _, s := range splitSentences(p.Text) {
			if sc := float64(overlap(q, s)) + ctx; sc > sScore {
				id, sentence, sScore = p.ChunkID, s, sc
			}
		}
	}
	return Reply(sentence, knowledge.ModelCitation{ChunkID: id, Quote: sentence}), nil
}

// overlap counts the query terms found in text, a term matching a word it
// is a prefix of (or that is a prefix of it) when both have 3+ letters.
func overlap(q []string, text string) int {
	words := knowledge.Terms(text)
	n := 0
	for _, t := range q {
		for _, w := range words {
			if t == w || (len(t) >= 3 && len(w) >= 3 && (strings.HasPrefix(w, t) || strings.HasPrefix(t, w))) {
				n++
				break
			}
		}
	}
	return n
}

func splitSentences(text string) []string {
	var out []string
	start := 0
	for i, r := range text {
		if r == '\n' || ((r == '.' || r == '?' || r == '!' || r == '।') && (i+1 == len(text) || text[i+1] == ' ' || text[i+1] == '\n')) {
			if s := strings.TrimSpace(text[start : i+len(string(r))]); s != "" {
				out = append(out, s)
			}
			start = i + len(string(r))
		}
	}
	if s := strings.TrimSpace(text[start:]); s != "" {
		out = append(out, s)
	}
	return out
}

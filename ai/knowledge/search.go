package knowledge

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"unicode"
)

// RRFK is the reciprocal-rank-fusion constant: a chunk ranked r by one
// ranking adds 1/(RRFK+r) to its fused score.
const RRFK = 60

// Query is a store search. Stores scope it to the workspace given with it.
type Query struct {
	// Vector is the normalized query embedding, made by Model.
	Vector []float32
	// Model selects the chunks embedded by the same model; others are
	// never ranked against Vector.
	Model string
	// Text is the full-text query; stores rank chunks containing any of
	// its TextTerms. Empty means vector ranking only.
	Text string
	// K is the number of fused results wanted.
	K int
	// Candidates is how many chunks each ranking contributes before
	// fusion; zero means max(4K, 40).
	Candidates int
	// Filter narrows the chunks considered.
	Filter Filter
	// EFSearch overrides an approximate index's search breadth for this
	// query (pgstore: hnsw.ef_search); zero keeps the store default.
	EFSearch int
}

// Filter narrows a search. Empty lists do not filter; a non-empty list
// matches chunks with any of its values.
type Filter struct {
	SourceIDs []string
	Tags      []string
	Languages []string
}

// Match reports whether c passes the filter.
func (f Filter) Match(c *Chunk) bool {
	if len(f.SourceIDs) > 0 && !slices.Contains(f.SourceIDs, c.SourceID) {
		return false
	}
	if len(f.Languages) > 0 && !slices.Contains(f.Languages, c.Language) {
		return false
	}
	if len(f.Tags) > 0 && !slices.ContainsFunc(c.Tags, func(t string) bool { return slices.Contains(f.Tags, t) }) {
		return false
	}
	return true
}

// Validate checks the query's fields.
func (q Query) Validate() error {
	if len(q.Vector) == 0 {
		return invalid("query.vector", "empty")
	}
	if q.Model == "" {
		return invalid("query.model", "empty")
	}
	if q.K <= 0 || q.K > 1000 {
		return invalid("query.k", "must be 1..1000, got %d", q.K)
	}
	if q.Candidates < 0 || q.Candidates > 10000 {
		return invalid("query.candidates", "must be 0..10000, got %d", q.Candidates)
	}
	if q.EFSearch < 0 || q.EFSearch > 1000 {
		return invalid("query.ef_search", "must be 0..1000, got %d", q.EFSearch)
	}
	for _, list := range [][]string{q.Filter.SourceIDs, q.Filter.Tags, q.Filter.Languages} {
		if len(list) > 100 {
			return invalid("query.filter", "more than 100 values")
		}
	}
	return nil
}

// CandidateCount is the number of candidates each ranking contributes.
func (q Query) CandidateCount() int {
	if q.Candidates > 0 {
		return max(q.Candidates, q.K)
	}
	return max(4*q.K, 40)
}

// Hit is one search result.
type Hit struct {
	// Chunk is the matched chunk; its Vector is not filled.
	Chunk Chunk
	// VectorRank and TextRank are 1-based ranks in each ranking, 0 when
	// the chunk was not among that ranking's candidates.
	VectorRank int
	TextRank   int
	// Similarity is the inner product of the query and chunk vectors
	// (cosine similarity: both are normalized), computed for every hit.
	Similarity float64
	// TextScore is the full-text relevance (store-specific scale), 0 when
	// the chunk did not match the text query.
	TextScore float64
	// Score is the fused reciprocal-rank score.
	Score float64
}

// Results are a search's hits, best first.
type Results struct {
	Hits []Hit
	// Partial is true when fewer than K hits came back.
	Partial bool
}

// Ranked is one entry of a ranking given to Fuse.
type Ranked struct {
	ID    string
	Score float64
}

// Fused is one entry of Fuse's output.
type Fused struct {
	ID                   string
	VectorRank, TextRank int
	VectorScore          float64
	TextScore            float64
	Score                float64
}

// Fuse combines a vector ranking and a text ranking (each best first) by
// reciprocal rank fusion and returns the best k, ties broken by ID.
func Fuse(vector, text []Ranked, k int) []Fused {
	idx := make(map[string]int, len(vector)+len(text))
	out := make([]Fused, 0, len(vector)+len(text))
	for i, r := range vector {
		if _, ok := idx[r.ID]; ok {
			continue
		}
		idx[r.ID] = len(out)
		out = append(out, Fused{ID: r.ID, VectorRank: i + 1, VectorScore: r.Score})
	}
	for i, r := range text {
		j, ok := idx[r.ID]
		if !ok {
			j = len(out)
			idx[r.ID] = j
			out = append(out, Fused{ID: r.ID})
		}
		if out[j].TextRank == 0 {
			out[j].TextRank, out[j].TextScore = i+1, r.Score
		}
	}
	for i := range out {
		f := &out[i]
		if f.VectorRank > 0 {
			f.Score += 1 / float64(RRFK+f.VectorRank)
		}
		if f.TextRank > 0 {
			f.Score += 1 / float64(RRFK+f.TextRank)
		}
	}
	slices.SortFunc(out, func(a, b Fused) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	if len(out) > k {
		out = out[:k]
	}
	return out
}

// stopwords are dropped from full-text queries (not from documents): they
// match nearly every chunk and drown the informative terms. English plus
// common Hinglish function words.
var stopwords = map[string]bool{
	"a": true, "an": true, "the": true, "is": true, "are": true, "was": true, "were": true, "be": true,
	"to": true, "of": true, "in": true, "on": true, "for": true, "and": true, "or": true, "at": true,
	"by": true, "with": true, "from": true, "what": true, "which": true, "who": true, "how": true,
	"when": true, "where": true, "why": true, "do": true, "does": true, "did": true, "i": true,
	"you": true, "we": true, "my": true, "your": true, "me": true, "it": true, "this": true,
	"that": true, "there": true, "can": true, "could": true, "will": true, "would": true,
	"please": true, "tell": true, "about": true, "any": true, "have": true, "has": true,
	"hai": true, "kya": true, "ka": true, "ki": true, "ke": true, "ko": true, "hain": true,
	"mein": true, "se": true, "aur": true, "bhi": true, "hi": true, "hello": true,
	"है": true, "क्या": true, "का": true, "की": true, "के": true, "में": true, "से": true, "और": true,
}

// Terms splits text into lower-case words the way PostgreSQL's 'simple'
// text-search configuration does for ordinary words: runs of letters,
// digits and combining marks (so Devanagari words stay whole).
func Terms(text string) []string {
	var out []string
	for w := range strings.FieldsFuncSeq(text, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsMark(r)
	}) {
		out = append(out, strings.ToLower(w))
	}
	return out
}

// TextTerms returns the distinct informative terms of a full-text query, in
// order of first appearance, at most 32.
func TextTerms(query string) []string {
	var out []string
	for _, t := range Terms(query) {
		if stopwords[t] || slices.Contains(out, t) {
			continue
		}
		out = append(out, t)
		if len(out) == 32 {
			break
		}
	}
	return out
}

// TSQuery renders TextTerms(query) as a PostgreSQL tsquery matching any
// term ("'fees' | 'jee'"), or "" when there are none. Terms contain only
// letters, digits and marks, so the result is always well formed; stores
// pass it as a query parameter to to_tsquery('simple', $n).
func TSQuery(query string) string {
	terms := TextTerms(query)
	for i, t := range terms {
		terms[i] = "'" + t + "'"
	}
	return strings.Join(terms, " | ")
}

// String describes the hit briefly (no chunk text).
func (h Hit) String() string {
	return fmt.Sprintf("%s v#%d t#%d sim=%.3f score=%.4f", h.Chunk.ID, h.VectorRank, h.TextRank, h.Similarity, h.Score)
}

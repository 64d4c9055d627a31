// Package knowledgesink is the privacy.Sink of the knowledge base
// (category privacy.CategoryKnowledge): the chunks of a workspace's sources
// that mention a data subject.
//
//	sink, err := knowledgesink.New(knowledgeStore, knowledgesink.WithWorkspaces(workspaces.AllIDs))
//
// A chunk mentions a subject when its title, heading or text contains one of
// the subject's phone numbers (E.164, its digits, or its last ten digits,
// with spaces, dots, dashes and brackets between digits ignored), email
// addresses (case-insensitive) or channel ids, on word boundaries. Internal
// subject ids never appear in documents and are not searched.
//
// Erasure (privacy.StrategyDelete or StrategyMask) removes the mentioning
// chunks: a source left with no chunk is deleted, otherwise it keeps its
// other chunks, which stay searchable. Re-ingesting the source's original
// document would bring the mention back; erase it at its origin too.
// Purge deletes sources ingested before the cutoff across the workspaces
// WithWorkspaces lists; a source has no subject, so any hold of the
// workspace and category whose time range covers the ingestion spares it.
// The sink is safe for concurrent use when the store is.
package knowledgesink

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/botsync/botsync/ai/knowledge"
	"github.com/botsync/botsync/privacy"
)

// Sink is the knowledge base's privacy.Sink.
type Sink struct {
	store      knowledge.Store
	name       string
	workspaces func(ctx context.Context) ([]string, error)
}

var _ privacy.Sink = (*Sink)(nil)

// Option configures a Sink.
type Option func(*Sink) error

// WithName names the sink in receipts (default "knowledge").
func WithName(name string) Option {
	return func(s *Sink) error {
		if name == "" {
			return errors.New("knowledgesink: name is empty")
		}
		s.name = name
		return nil
	}
}

// WithWorkspaces lists every workspace, for Purge; without it Purge fails.
func WithWorkspaces(f func(ctx context.Context) ([]string, error)) Option {
	return func(s *Sink) error { s.workspaces = f; return nil }
}

// New returns the sink over a knowledge store.
func New(store knowledge.Store, opts ...Option) (*Sink, error) {
	if store == nil {
		return nil, errors.New("knowledgesink: store is required")
	}
	s := &Sink{store: store, name: "knowledge"}
	for _, o := range opts {
		if err := o(s); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Name implements privacy.Sink.
func (s *Sink) Name() string { return s.name }

// Categories implements privacy.Sink.
func (s *Sink) Categories() []privacy.Category { return []privacy.Category{privacy.CategoryKnowledge} }

// mention is one source's chunks that mention the subject.
type mention struct {
	source knowledge.SourceRecord
	all    []knowledge.Chunk
	hits   []knowledge.Chunk
}

func (s *Sink) mentions(ctx context.Context, id privacy.Identifiers) ([]mention, error) {
	m := newMatcher(id)
	if m.empty() {
		return nil, nil
	}
	srcs, err := s.store.Sources(ctx, id.WorkspaceID)
	if err != nil {
		return nil, fmt.Errorf("knowledgesink: sources: %w", err)
	}
	var out []mention
	for _, src := range srcs {
		chunks, err := s.store.Chunks(ctx, id.WorkspaceID, src.ID)
		if err != nil {
			return nil, fmt.Errorf("knowledgesink: chunks: %w", err)
		}
		var hits []knowledge.Chunk
		for _, c := range chunks {
			if m.match(c.Title) || m.match(c.Heading) || m.match(c.Text) {
				hits = append(hits, c)
			}
		}
		if len(hits) > 0 {
			out = append(out, mention{source: src, all: chunks, hits: hits})
		}
	}
	return out, nil
}

type chunkData struct {
	SourceID string `json:"source_id"`
	Title    string `json:"title"`
	URL      string `json:"url,omitempty"`
	Heading  string `json:"heading,omitempty"`
	Position int    `json:"position"`
	Text     string `json:"text"`
}

// Export implements privacy.Sink: one record per mentioning chunk.
func (s *Sink) Export(ctx context.Context, id privacy.Identifiers) ([]privacy.ExportRecord, error) {
	ms, err := s.mentions(ctx, id)
	if err != nil {
		return nil, err
	}
	var out []privacy.ExportRecord
	for _, m := range ms {
		for _, c := range m.hits {
			b, err := json.Marshal(chunkData{SourceID: c.SourceID, Title: c.Title, URL: c.URL, Heading: c.Heading, Position: c.Position, Text: c.Text})
			if err != nil {
				return nil, err
			}
			out = append(out, privacy.ExportRecord{Sink: s.name, Category: privacy.CategoryKnowledge, Kind: "knowledge_chunk",
				ID: c.SourceID + "#" + c.ID, Created: m.source.IngestedAt, Data: b})
		}
	}
	return out, nil
}

// Erase implements privacy.Sink; the count is the chunks removed.
func (s *Sink) Erase(ctx context.Context, id privacy.Identifiers, category privacy.Category, strategy privacy.Strategy) (privacy.Receipt, error) {
	rc := privacy.Receipt{Sink: s.name, Category: category, Action: "erase", Strategy: strategy}
	if category != privacy.CategoryKnowledge {
		return rc, nil
	}
	if strategy != privacy.StrategyDelete && strategy != privacy.StrategyMask {
		return rc, fmt.Errorf("knowledgesink: unsupported strategy %q (knowledge holds no encrypted data; use delete or mask)", strategy)
	}
	ms, err := s.mentions(ctx, id)
	if err != nil {
		return rc, err
	}
	for _, m := range ms {
		if len(m.hits) == len(m.all) {
			if err := s.store.DeleteSource(ctx, id.WorkspaceID, m.source.ID); err != nil && !errors.Is(err, knowledge.ErrNotFound) {
				return rc, fmt.Errorf("knowledgesink: erase: %w", err)
			}
			rc.Count += len(m.hits)
			continue
		}
		hit := map[string]bool{}
		for _, c := range m.hits {
			hit[c.ID] = true
		}
		w := knowledge.SourceWrite{Source: m.source}
		for _, c := range m.all {
			if !hit[c.ID] {
				w.Keep = append(w.Keep, c.ID)
			}
		}
		w.Source.Chunks = len(w.Keep)
		if err := s.store.PutSource(ctx, id.WorkspaceID, w); err != nil {
			return rc, fmt.Errorf("knowledgesink: erase: %w", err)
		}
		rc.Count += len(m.hits)
	}
	return rc, nil
}

type cursor struct {
	WorkspaceID string `json:"w"`
	SourceID    string `json:"s"`
}

// Purge implements privacy.Sink: it deletes sources ingested before the
// cutoff, at most Limit per batch, visiting at most 10×Limit sources.
func (s *Sink) Purge(ctx context.Context, req privacy.PurgeRequest) (privacy.PurgeResult, error) {
	var res privacy.PurgeResult
	var cur cursor
	wss, done, err := privacy.StartPurge(ctx, "knowledgesink", req, privacy.CategoryKnowledge, s.workspaces, &cur)
	if err != nil || done {
		res.Done = done
		return res, err
	}
	visits := 0
	for _, ws := range wss {
		if ws < cur.WorkspaceID {
			continue
		}
		srcs, err := s.store.Sources(ctx, ws)
		if err != nil {
			return res, fmt.Errorf("knowledgesink: purge: %w", err)
		}
		for _, src := range srcs {
			if ws == cur.WorkspaceID && src.ID <= cur.SourceID {
				continue
			}
			if res.Deleted >= req.Limit || visits >= 10*req.Limit {
				b, _ := json.Marshal(cur)
				res.Cursor = string(b)
				return res, nil
			}
			visits++
			cur = cursor{WorkspaceID: ws, SourceID: src.ID}
			if !src.IngestedAt.Before(req.Cutoff) || req.Held(ws, "", src.IngestedAt) {
				continue
			}
			if err := s.store.DeleteSource(ctx, ws, src.ID); err != nil && !errors.Is(err, knowledge.ErrNotFound) {
				return res, fmt.Errorf("knowledgesink: purge: %w", err)
			}
			res.Deleted++
		}
	}
	res.Done = true
	return res, nil
}

// matcher finds a subject's identifiers in text.
type matcher struct {
	digits []string // phone digit strings, matched on digit boundaries
	words  []string // lower-cased emails and channel ids, matched on word boundaries
}

func newMatcher(id privacy.Identifiers) matcher {
	var m matcher
	for _, p := range id.Phones {
		d := onlyDigits(p)
		if len(d) < 7 {
			continue
		}
		m.digits = append(m.digits, d)
		if len(d) > 10 {
			m.digits = append(m.digits, d[len(d)-10:])
		}
	}
	for _, e := range id.Emails {
		if e = strings.ToLower(strings.TrimSpace(e)); e != "" {
			m.words = append(m.words, e)
		}
	}
	for _, c := range id.ChannelIDs {
		if c = strings.ToLower(strings.TrimSpace(c)); len(c) >= 6 {
			m.words = append(m.words, c)
		}
	}
	return m
}

func (m matcher) empty() bool { return len(m.digits)+len(m.words) == 0 }

func (m matcher) match(text string) bool {
	if text == "" {
		return false
	}
	if len(m.digits) > 0 {
		sq := squeezeDigits(text)
		for _, d := range m.digits {
			if containsBounded(sq, d, isDigit) {
				return true
			}
		}
	}
	if len(m.words) > 0 {
		low := strings.ToLower(text)
		for _, w := range m.words {
			if containsBounded(low, w, isWordByte) {
				return true
			}
		}
	}
	return false
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

func isWordByte(b byte) bool {
	return isDigit(b) || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b == '_' || b == '.' || b == '-' || b == '+' || b >= 0x80
}

// containsBounded reports whether needle occurs in s with no inner byte
// (per inner) right before or after it.
func containsBounded(s, needle string, inner func(byte) bool) bool {
	for from := 0; from <= len(s)-len(needle); {
		i := strings.Index(s[from:], needle)
		if i < 0 {
			return false
		}
		i += from
		end := i + len(needle)
		before := i == 0 || !inner(s[i-1]) || !inner(needle[0])
		after := end == len(s) || !inner(s[end]) || !inner(needle[len(needle)-1])
		// A trailing '.' ends a sentence, not an address.
		if !after && s[end] == '.' && (end+1 == len(s) || !inner(s[end+1])) {
			after = true
		}
		if before && after {
			return true
		}
		from = i + 1
	}
	return false
}

func onlyDigits(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// squeezeDigits drops the separators people put inside phone numbers
// (space, dot, dash, brackets) and a '+' before a digit, so that
// "+91 98123-45678" reads "919812345678".
func squeezeDigits(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	lastDigit := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isDigit(c):
			b.WriteByte(c)
			lastDigit = true
		case c == '+' && i+1 < len(s) && isDigit(s[i+1]):
		case lastDigit && strings.IndexByte(" .-()", c) >= 0 && nextIsDigit(s, i):
		default:
			b.WriteByte(c)
			lastDigit = false
		}
	}
	return b.String()
}

// nextIsDigit reports whether a digit follows position i after more
// separators.
func nextIsDigit(s string, i int) bool {
	for j := i + 1; j < len(s); j++ {
		if isDigit(s[j]) {
			return true
		}
		if strings.IndexByte(" .-()", s[j]) < 0 {
			return false
		}
	}
	return false
}

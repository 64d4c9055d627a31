// Package memstore is an in-memory knowledge.Store: exact vector search
// over contiguous float32 storage with an unrolled dot product, an
// inverted index for full-text ranking, and the same reciprocal rank fusion
// as pgstore. It suits tests, development and small deployments; it keeps
// nothing across restarts.
//
//	kb, err := knowledge.New(memstore.New(), embedder)
//
// A Store is safe for concurrent use. Its zero value is not usable; call New.
package memstore

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/botsync/botsync/ai/knowledge"
)

// Store is an in-memory knowledge.Store.
type Store struct {
	mu     sync.RWMutex
	spaces map[string]*space
}

var _ knowledge.Store = (*Store)(nil)

// New returns an empty store.
func New() *Store { return &Store{spaces: map[string]*space{}} }

// space is one workspace's data.
type space struct {
	sources map[string]*sourceEntry
	chunks  map[string]*entry
	segs    map[segKey]*segment
}

type sourceEntry struct {
	rec    knowledge.SourceRecord
	chunks map[string]*entry
}

type segKey struct {
	model string
	dims  int
}

// segment holds the vectors of one model contiguously: row r occupies
// data[r*dims:(r+1)*dims].
type segment struct {
	dims     int
	data     []float32
	rows     []*entry
	postings map[string]map[*entry]int
}

// entry is one stored chunk (its vector lives in the segment).
type entry struct {
	chunk knowledge.Chunk
	seg   *segment
	row   int
	terms map[string]int
	words int // number of terms in the chunk
}

func (s *Store) space(ws string, create bool) *space {
	sp := s.spaces[ws]
	if sp == nil && create {
		sp = &space{sources: map[string]*sourceEntry{}, chunks: map[string]*entry{}, segs: map[segKey]*segment{}}
		s.spaces[ws] = sp
	}
	return sp
}

func cloneRecord(r knowledge.SourceRecord) knowledge.SourceRecord {
	r.Tags = slices.Clone(r.Tags)
	return r
}

// Source implements knowledge.Store.
func (s *Store) Source(_ context.Context, ws, id string) (knowledge.SourceRecord, error) {
	if err := knowledge.ValidateWorkspace(ws); err != nil {
		return knowledge.SourceRecord{}, fmt.Errorf("memstore: source: %w", err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if sp := s.space(ws, false); sp != nil {
		if se := sp.sources[id]; se != nil {
			return cloneRecord(se.rec), nil
		}
	}
	return knowledge.SourceRecord{}, fmt.Errorf("memstore: source: %w", knowledge.ErrNotFound)
}

// Sources implements knowledge.Store.
func (s *Store) Sources(_ context.Context, ws string) ([]knowledge.SourceRecord, error) {
	if err := knowledge.ValidateWorkspace(ws); err != nil {
		return nil, fmt.Errorf("memstore: sources: %w", err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []knowledge.SourceRecord
	if sp := s.space(ws, false); sp != nil {
		for _, se := range sp.sources {
			out = append(out, cloneRecord(se.rec))
		}
	}
	slices.SortFunc(out, func(a, b knowledge.SourceRecord) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// Chunks implements knowledge.Store.
func (s *Store) Chunks(_ context.Context, ws, id string) ([]knowledge.Chunk, error) {
	if err := knowledge.ValidateWorkspace(ws); err != nil {
		return nil, fmt.Errorf("memstore: chunks: %w", err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	sp := s.space(ws, false)
	if sp == nil || sp.sources[id] == nil {
		return nil, nil
	}
	out := make([]knowledge.Chunk, 0, len(sp.sources[id].chunks))
	for _, e := range sp.sources[id].chunks {
		c := e.public()
		c.Vector = slices.Clone(e.vector())
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b knowledge.Chunk) int {
		return cmp.Or(cmp.Compare(a.Position, b.Position), strings.Compare(a.ID, b.ID))
	})
	return out, nil
}

func (e *entry) vector() []float32 {
	d := e.seg.dims
	return e.seg.data[e.row*d : (e.row+1)*d : (e.row+1)*d]
}

// public returns a copy of the chunk without its vector.
func (e *entry) public() knowledge.Chunk {
	c := e.chunk
	c.Tags = slices.Clone(c.Tags)
	c.Vector = nil
	return c
}

// PutSource implements knowledge.Store.
func (s *Store) PutSource(_ context.Context, ws string, w knowledge.SourceWrite) error {
	if err := knowledge.ValidateWorkspace(ws); err != nil {
		return fmt.Errorf("memstore: put source: %w", err)
	}
	if err := w.Validate(); err != nil {
		return fmt.Errorf("memstore: put source: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sp := s.space(ws, true)
	rec := cloneRecord(w.Source)
	for i := range w.Upsert {
		if other := sp.chunks[w.Upsert[i].ID]; other != nil && other.chunk.SourceID != rec.ID {
			// IDs are unique per workspace; check before changing anything.
			return fmt.Errorf("memstore: put source: %w: upsert[%d]: chunk ID used by another source", knowledge.ErrInvalid, i)
		}
	}
	se := sp.sources[rec.ID]
	if se == nil {
		se = &sourceEntry{chunks: map[string]*entry{}}
		sp.sources[rec.ID] = se
	}
	se.rec = rec
	wanted := make(map[string]bool, len(w.Keep)+len(w.Upsert))
	for _, id := range w.Keep {
		wanted[id] = true
	}
	for i := range w.Upsert {
		wanted[w.Upsert[i].ID] = true
	}
	for id, e := range se.chunks {
		if !wanted[id] {
			sp.remove(e)
			delete(se.chunks, id)
		}
	}
	for _, e := range se.chunks {
		c := &e.chunk
		c.URL, c.Language, c.Tags = rec.URL, rec.Language, slices.Clone(rec.Tags)
	}
	for i := range w.Upsert {
		c := w.Upsert[i]
		if old := se.chunks[c.ID]; old != nil {
			sp.remove(old)
		}
		c.URL, c.Language, c.Tags = rec.URL, rec.Language, slices.Clone(rec.Tags)
		se.chunks[c.ID] = sp.add(c)
	}
	return nil
}

// add stores c (with its vector) in its model's segment.
func (sp *space) add(c knowledge.Chunk) *entry {
	key := segKey{c.Model, c.Dims}
	seg := sp.segs[key]
	if seg == nil {
		seg = &segment{dims: c.Dims, postings: map[string]map[*entry]int{}}
		sp.segs[key] = seg
	}
	vec := c.Vector
	c.Vector = nil
	c.Tags = slices.Clone(c.Tags)
	e := &entry{chunk: c, seg: seg, row: len(seg.rows), terms: map[string]int{}}
	seg.data = append(seg.data, vec...)
	seg.rows = append(seg.rows, e)
	for _, t := range knowledge.Terms(c.Title + " " + c.Heading + " " + c.Text) {
		e.terms[t]++
		e.words++
	}
	for t, n := range e.terms {
		p := seg.postings[t]
		if p == nil {
			p = map[*entry]int{}
			seg.postings[t] = p
		}
		p[e] = n
	}
	sp.chunks[c.ID] = e
	return e
}

// remove deletes e from its segment, moving the last row into its place.
func (sp *space) remove(e *entry) {
	seg := e.seg
	last := len(seg.rows) - 1
	d := seg.dims
	if e.row != last {
		moved := seg.rows[last]
		copy(seg.data[e.row*d:(e.row+1)*d], seg.data[last*d:(last+1)*d])
		seg.rows[e.row] = moved
		moved.row = e.row
	}
	seg.rows[last] = nil
	seg.rows = seg.rows[:last]
	seg.data = seg.data[:last*d]
	for t := range e.terms {
		delete(seg.postings[t], e)
		if len(seg.postings[t]) == 0 {
			delete(seg.postings, t)
		}
	}
	delete(sp.chunks, e.chunk.ID)
}

// DeleteSource implements knowledge.Store.
func (s *Store) DeleteSource(_ context.Context, ws, id string) error {
	if err := knowledge.ValidateWorkspace(ws); err != nil {
		return fmt.Errorf("memstore: delete source: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sp := s.space(ws, false)
	if sp == nil || sp.sources[id] == nil {
		return fmt.Errorf("memstore: delete source: %w", knowledge.ErrNotFound)
	}
	for _, e := range sp.sources[id].chunks {
		sp.remove(e)
	}
	delete(sp.sources, id)
	return nil
}

// Search implements knowledge.Store: exact inner-product ranking over the
// workspace's chunks of the query's model, full-text ranking over the
// same chunks, fused by reciprocal rank.
func (s *Store) Search(_ context.Context, ws string, q knowledge.Query) (knowledge.Results, error) {
	if err := knowledge.ValidateWorkspace(ws); err != nil {
		return knowledge.Results{}, fmt.Errorf("memstore: search: %w", err)
	}
	if err := q.Validate(); err != nil {
		return knowledge.Results{}, fmt.Errorf("memstore: search: %w", err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var seg *segment
	sp := s.space(ws, false)
	if sp != nil {
		seg = sp.segs[segKey{q.Model, len(q.Vector)}]
	}
	if seg == nil || len(seg.rows) == 0 {
		return knowledge.Results{Partial: true}, nil
	}
	n := q.CandidateCount()
	filtered := len(q.Filter.SourceIDs)+len(q.Filter.Tags)+len(q.Filter.Languages) > 0

	top := newTopK(n)
	d := seg.dims
	data := seg.data
	r := 0
	if quarter := len(seg.rows) / 4; !filtered && quarter > 0 && dot4Supported(d) {
		// Four rows at a time from the four quarters of the segment: four
		// memory streams in flight scan faster than one.
		var out [4]float32
		for i := range quarter {
			a, b, c, e := i*d, (i+quarter)*d, (i+2*quarter)*d, (i+3*quarter)*d
			dot4(q.Vector, data[a:a+d], data[b:b+d], data[c:c+d], data[e:e+d], &out)
			for k, s := range out {
				top.push(s, int32(i+k*quarter))
			}
		}
		r = 4 * quarter
	}
	for ; r < len(seg.rows); r++ {
		if filtered && !q.Filter.Match(&seg.rows[r].chunk) {
			continue
		}
		top.push(dot(q.Vector, data[r*d:(r+1)*d]), int32(r))
	}
	rows, sims := top.sorted()
	vector := make([]knowledge.Ranked, len(rows))
	for i, r := range rows {
		vector[i] = knowledge.Ranked{ID: seg.rows[r].chunk.ID, Score: float64(sims[i])}
	}
	text := seg.textRanking(q, filtered, n)
	fused := knowledge.Fuse(vector, text, q.K)

	res := knowledge.Results{Hits: make([]knowledge.Hit, len(fused)), Partial: len(fused) < q.K}
	for i, f := range fused {
		e := sp.chunks[f.ID]
		sim := f.VectorScore
		if f.VectorRank == 0 {
			sim = float64(dot(q.Vector, e.vector()))
		}
		res.Hits[i] = knowledge.Hit{
			Chunk: e.public(), VectorRank: f.VectorRank, TextRank: f.TextRank,
			Similarity: sim, TextScore: f.TextScore, Score: f.Score,
		}
	}
	return res, nil
}

// textScore normalizes a summed term score by the chunk's length.
func textScore(sum float64, e *entry) float64 {
	return sum / (1 + math.Log1p(float64(e.words)/64))
}

// textRanking scores chunks containing any query term: the sum over
// matched terms of 1+ln(tf), divided by 1+ln(1+len/64) to favour focused
// chunks; best n first, ties by ID.
func (seg *segment) textRanking(q knowledge.Query, filtered bool, n int) []knowledge.Ranked {
	terms := knowledge.TextTerms(q.Text)
	if len(terms) == 0 {
		return nil
	}
	// Accumulate per row in a pooled buffer; touched lists the rows hit
	// (every matching term adds at least 1, so zero means untouched).
	bp := scoreBufs.Get().(*[]float64)
	defer scoreBufs.Put(bp)
	if cap(*bp) < len(seg.rows) {
		*bp = make([]float64, len(seg.rows))
	}
	acc := (*bp)[:len(seg.rows)]
	var touched []int32
	for _, t := range terms {
		for e, tf := range seg.postings[t] {
			if filtered && !q.Filter.Match(&e.chunk) {
				continue
			}
			if acc[e.row] == 0 {
				touched = append(touched, int32(e.row))
			}
			acc[e.row] += 1 + math.Log(float64(tf))
		}
	}
	defer func() {
		for _, r := range touched {
			acc[r] = 0
		}
	}()
	rows := touched
	if len(touched) > n {
		// Many matches: keep the best n with a heap.
		top := newTopK(n)
		for _, r := range touched {
			top.push(float32(textScore(acc[r], seg.rows[r])), r)
		}
		rows, _ = top.sorted()
	}
	out := make([]knowledge.Ranked, len(rows))
	for i, r := range rows {
		e := seg.rows[r]
		out[i] = knowledge.Ranked{ID: e.chunk.ID, Score: textScore(acc[r], e)}
	}
	slices.SortFunc(out, func(a, b knowledge.Ranked) int {
		return cmp.Or(cmp.Compare(b.Score, a.Score), strings.Compare(a.ID, b.ID))
	})
	return out
}

// scoreBufs pools the per-row score buffers of text ranking.
var scoreBufs = sync.Pool{New: func() any { return new([]float64) }}

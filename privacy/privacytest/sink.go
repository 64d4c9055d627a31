// Package privacytest checks implementations of the privacy package's
// interfaces: [TestSink] is the conformance suite integrators run against
// their own privacy.Sink, [TestStore] the one every privacy store passes,
// [BenchmarkAudit] measures a store under the audit trail, and
// [MemorySink] is a reference in-memory sink.
//
//	func TestTicketsSink(t *testing.T) {
//		privacytest.TestSink(t, func(t *testing.T) privacytest.Fixture {
//			st := newTicketStore(t)
//			return privacytest.Fixture{Sink: ticketsink.New(st), Category: privacy.CategoryLeadConversation,
//				Seed: func(ctx context.Context, ids privacy.Identifiers, c privacy.Category, created time.Time) (string, error) {
//					return st.InsertTicketFor(ctx, ids, created) // returns the subject id holds name
//				}}
//		})
//	}
package privacytest

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/botsync/botsync/privacy"
)

// MemorySink is a reference privacy.Sink over in-memory records, safe for
// concurrent use. Records match a subject by any identifier.
type MemorySink struct {
	name string
	cats []privacy.Category
	mu   sync.Mutex
	recs []memRecord
	seq  int
}

type memRecord struct {
	id       string
	ws       string
	ids      privacy.Identifiers
	cat      privacy.Category
	created  time.Time
	data     string
	masked   bool
	shredded bool
}

// NewMemorySink returns a sink named name holding the given categories.
func NewMemorySink(name string, cats ...privacy.Category) *MemorySink {
	return &MemorySink{name: name, cats: cats}
}

// Add stores a record about the subject.
func (s *MemorySink) Add(ws string, ids privacy.Identifiers, cat privacy.Category, created time.Time, data string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	id := s.name + "-" + strconv.Itoa(s.seq)
	s.recs = append(s.recs, memRecord{id: id, ws: ws, ids: ids, cat: cat, created: created, data: data})
	return id
}

// Len counts the records left in a workspace.
func (s *MemorySink) Len(ws string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.recs {
		if r.ws == ws {
			n++
		}
	}
	return n
}

// Name implements privacy.Sink.
func (s *MemorySink) Name() string { return s.name }

// Categories implements privacy.Sink.
func (s *MemorySink) Categories() []privacy.Category { return slices.Clone(s.cats) }

func matches(r memRecord, id privacy.Identifiers) bool {
	if r.ws != id.WorkspaceID {
		return false
	}
	for _, pair := range [][2][]string{{r.ids.SubjectIDs, id.SubjectIDs}, {r.ids.Phones, id.Phones}, {r.ids.Emails, id.Emails}, {r.ids.ChannelIDs, id.ChannelIDs}} {
		for _, v := range pair[0] {
			if slices.Contains(pair[1], v) {
				return true
			}
		}
	}
	return false
}

// Export implements privacy.Sink.
func (s *MemorySink) Export(_ context.Context, id privacy.Identifiers) ([]privacy.ExportRecord, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []privacy.ExportRecord
	for _, r := range s.recs {
		if matches(r, id) && !r.shredded {
			data, _ := json.Marshal(map[string]any{"data": r.data, "masked": r.masked})
			out = append(out, privacy.ExportRecord{Sink: s.name, Category: r.cat, Kind: "record", ID: r.id, Created: r.created, Data: data})
		}
	}
	return out, nil
}

// Erase implements privacy.Sink.
func (s *MemorySink) Erase(_ context.Context, id privacy.Identifiers, cat privacy.Category, strategy privacy.Strategy) (privacy.Receipt, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	kept := s.recs[:0]
	for _, r := range s.recs {
		if !matches(r, id) || r.cat != cat {
			kept = append(kept, r)
			continue
		}
		switch strategy {
		case privacy.StrategyDelete:
			n++
			continue
		case privacy.StrategyMask:
			if !r.masked {
				n++
				r.masked, r.data, r.ids = true, "[erased]", privacy.Identifiers{WorkspaceID: r.ws}
			}
		case privacy.StrategyCryptoShred:
			if !r.shredded {
				n++
				r.shredded, r.data = true, ""
			}
		default:
			s.recs = kept
			return privacy.Receipt{}, fmt.Errorf("privacytest: unknown strategy %q", strategy)
		}
		kept = append(kept, r)
	}
	s.recs = kept
	return privacy.Receipt{Sink: s.name, Category: cat, Strategy: strategy, Count: n}, nil
}

// Purge implements privacy.Sink: records are visited in id order; the cursor
// is the last id visited.
func (s *MemorySink) Purge(_ context.Context, req privacy.PurgeRequest) (privacy.PurgeResult, error) {
	if req.Limit <= 0 {
		return privacy.PurgeResult{}, fmt.Errorf("privacytest: purge limit must be positive")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sort.SliceStable(s.recs, func(i, j int) bool { return idLess(s.recs[i].id, s.recs[j].id) })
	var res privacy.PurgeResult
	kept := s.recs[:0]
	visited := 0
	last := req.Cursor
	for i, r := range s.recs {
		if visited >= req.Limit {
			kept = append(kept, s.recs[i:]...)
			res.Cursor = last
			s.recs = kept
			return res, nil
		}
		if req.Cursor != "" && !idLess(req.Cursor, r.id) {
			kept = append(kept, r)
			continue
		}
		visited++
		last = r.id
		subject := ""
		if len(r.ids.SubjectIDs) > 0 {
			subject = r.ids.SubjectIDs[0]
		}
		if r.cat == req.Category && req.InScope(r.ws) && r.created.Before(req.Cutoff) && !req.Held(r.ws, subject, r.created) {
			res.Deleted++
			continue
		}
		kept = append(kept, r)
	}
	s.recs = kept
	res.Done = true
	return res, nil
}

// idLess orders "<name>-<n>" ids numerically.
func idLess(a, b string) bool {
	na, nb := suffix(a), suffix(b)
	if na != nb {
		return na < nb
	}
	return a < b
}

func suffix(id string) int {
	for i := len(id) - 1; i >= 0; i-- {
		if id[i] == '-' {
			n, _ := strconv.Atoi(id[i+1:])
			return n
		}
	}
	return 0
}

package privacytest

import (
	"context"
	"testing"
	"time"

	"github.com/botsync/botsync/privacy"
)

// Fixture is a sink under test and a way to put data into it.
type Fixture struct {
	Sink privacy.Sink
	// Category is one category the sink holds, used by the suite.
	Category privacy.Category
	// Seed stores one record about the subject named by ids in the
	// category, created at the given time.
	Seed func(ctx context.Context, ids privacy.Identifiers, category privacy.Category, created time.Time) error
}

// TestSink runs the conformance suite for a privacy.Sink: export finds the
// subject's records and nothing else, erasure is idempotent and stays in its
// workspace, purge works in bounded batches with a cursor, keeps newer rows
// and rows under a hold. newFixture must return an empty sink each call.
func TestSink(t *testing.T, newFixture func(t *testing.T) Fixture) {
	t.Helper()
	ctx := context.Background()
	old := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	recent := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	alice := privacy.Identifiers{WorkspaceID: "ws-a", SubjectIDs: []string{"lead-1"}, Phones: []string{"+919812345678"}}
	bob := privacy.Identifiers{WorkspaceID: "ws-a", SubjectIDs: []string{"lead-2"}, Phones: []string{"+919800000002"}}
	aliceElsewhere := privacy.Identifiers{WorkspaceID: "ws-b", SubjectIDs: []string{"lead-1"}, Phones: []string{"+919812345678"}}

	seed := func(t *testing.T, f Fixture, ids privacy.Identifiers, created time.Time) {
		t.Helper()
		if err := f.Seed(ctx, ids, f.Category, created); err != nil {
			t.Fatalf("seed: %v", err)
		}
	}
	count := func(t *testing.T, f Fixture, ids privacy.Identifiers) int {
		t.Helper()
		recs, err := f.Sink.Export(ctx, ids)
		if err != nil {
			t.Fatalf("export: %v", err)
		}
		return len(recs)
	}

	t.Run("ExportIsScoped", func(t *testing.T) {
		f := newFixture(t)
		seed(t, f, alice, recent)
		seed(t, f, bob, recent)
		seed(t, f, aliceElsewhere, recent)
		recs, err := f.Sink.Export(ctx, alice)
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 1 {
			t.Fatalf("export found %d records, want 1", len(recs))
		}
		if recs[0].Sink != f.Sink.Name() || recs[0].Category != f.Category {
			t.Fatalf("export record names sink %q category %q", recs[0].Sink, recs[0].Category)
		}
		byPhone := privacy.Identifiers{WorkspaceID: "ws-a", Phones: alice.Phones}
		if n := count(t, f, byPhone); n != 1 {
			t.Fatalf("export by phone found %d, want 1", n)
		}
	})

	t.Run("EraseIsIdempotentAndScoped", func(t *testing.T) {
		f := newFixture(t)
		seed(t, f, alice, recent)
		seed(t, f, bob, recent)
		seed(t, f, aliceElsewhere, recent)
		rc, err := f.Sink.Erase(ctx, alice, f.Category, privacy.StrategyDelete)
		if err != nil {
			t.Fatal(err)
		}
		if rc.Count != 1 {
			t.Fatalf("erase count %d, want 1", rc.Count)
		}
		if n := count(t, f, alice); n != 0 {
			t.Fatalf("%d records left after erasure", n)
		}
		rc, err = f.Sink.Erase(ctx, alice, f.Category, privacy.StrategyDelete)
		if err != nil || rc.Count != 0 {
			t.Fatalf("second erase: count %d err %v, want 0 and nil", rc.Count, err)
		}
		if count(t, f, bob) != 1 || count(t, f, aliceElsewhere) != 1 {
			t.Fatal("erasure touched another subject or workspace")
		}
	})

	t.Run("PurgeInBatchesWithHolds", func(t *testing.T) {
		f := newFixture(t)
		for range 5 {
			seed(t, f, alice, old)
		}
		seed(t, f, bob, old)
		seed(t, f, bob, recent)
		hold := privacy.Hold{ID: "h", WorkspaceID: "ws-a", Subject: "lead-2", Category: f.Category}
		req := privacy.PurgeRequest{Category: f.Category, Cutoff: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Limit: 2, Holds: []privacy.Hold{hold}}
		deleted, batches := 0, 0
		for {
			res, err := f.Sink.Purge(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			batches++
			deleted += res.Deleted
			if res.Deleted > req.Limit {
				t.Fatalf("a batch deleted %d rows, limit %d", res.Deleted, req.Limit)
			}
			if res.Done {
				break
			}
			if batches > 20 {
				t.Fatal("purge never finished")
			}
			req.Cursor = res.Cursor
		}
		if deleted != 5 {
			t.Fatalf("purged %d, want 5 (held and recent rows survive)", deleted)
		}
		if batches < 3 {
			t.Fatalf("purge took %d batches with limit 2, want at least 3", batches)
		}
		if count(t, f, bob) != 2 {
			t.Fatal("a held row was purged")
		}
		res, err := f.Sink.Purge(ctx, privacy.PurgeRequest{Category: f.Category, Cutoff: req.Cutoff, Limit: 100, Holds: req.Holds})
		if err != nil || res.Deleted != 0 {
			t.Fatalf("second purge deleted %d (err %v), want 0", res.Deleted, err)
		}
	})
}

package privacytest

import (
	"context"
	"fmt"
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
	// category, created at the given time (for stores that date records by
	// last activity, that is the last activity). It returns the subject id
	// the sink passes to PurgeRequest.Held for that record, or "" when the
	// sink's records have no subject (then the suite skips subject-scoped
	// hold checks). Seeding the same subject twice may yield one record.
	Seed func(ctx context.Context, ids privacy.Identifiers, category privacy.Category, created time.Time) (subject string, err error)
	// Retains marks a sink that keeps its records whatever the request
	// (an audit trail): Erase must then change nothing and count 0.
	Retains bool
}

// Person returns the identifiers of a test subject n in workspace ws: an
// internal id, a phone number and an email address, all distinct per n.
func Person(ws string, n int) privacy.Identifiers {
	return privacy.Identifiers{
		WorkspaceID: ws,
		SubjectIDs:  []string{fmt.Sprintf("subject-%d", n)},
		Phones:      []string{fmt.Sprintf("+9198100%05d", n)},
		Emails:      []string{fmt.Sprintf("person%d@example.com", n)},
	}
}

// TestSink runs the conformance suite for a privacy.Sink: export finds the
// subject's records (by any identifier) and nothing else, erasure is
// idempotent and stays in its subject and workspace, purge works in bounded
// batches with a cursor, deletes only expired rows of the category and keeps
// rows under a hold (by time range, and by subject when the sink has
// subjects), and can be limited to one workspace. newFixture must return an empty sink each call.
func TestSink(t *testing.T, newFixture func(t *testing.T) Fixture) {
	t.Helper()
	ctx := context.Background()
	held := time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)
	old := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	cutoff := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	recent := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	alice, bob := Person("ws-a", 1), Person("ws-a", 2)
	aliceElsewhere := Person("ws-b", 1)

	seed := func(t *testing.T, f Fixture, ids privacy.Identifiers, created time.Time) string {
		t.Helper()
		subject, err := f.Seed(ctx, ids, f.Category, created)
		if err != nil {
			t.Fatalf("seed: %v", err)
		}
		return subject
	}
	count := func(t *testing.T, f Fixture, ids privacy.Identifiers) int {
		t.Helper()
		recs, err := f.Sink.Export(ctx, ids)
		if err != nil {
			t.Fatalf("export: %v", err)
		}
		for _, r := range recs {
			if r.Sink != f.Sink.Name() {
				t.Fatalf("export record names sink %q, want %q", r.Sink, f.Sink.Name())
			}
		}
		return len(recs)
	}
	purgeAll := func(t *testing.T, f Fixture, req privacy.PurgeRequest) (deleted, batches int) {
		t.Helper()
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
				return deleted, batches
			}
			if batches > 50 {
				t.Fatal("purge never finished")
			}
			req.Cursor = res.Cursor
		}
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
		if len(recs) == 0 {
			t.Fatal("export found nothing")
		}
		for _, r := range recs {
			if r.ID == "" || len(r.Data) == 0 {
				t.Fatalf("export record %+v lacks id or data", r)
			}
		}
		n := len(recs)
		for name, ids := range map[string]privacy.Identifiers{
			"phone": {WorkspaceID: "ws-a", Phones: alice.Phones},
			"email": {WorkspaceID: "ws-a", Emails: alice.Emails},
		} {
			if got := count(t, f, ids); got != n {
				t.Fatalf("export by %s found %d, by all identifiers %d", name, got, n)
			}
		}
		if got := count(t, f, Person("ws-a", 99)); got != 0 {
			t.Fatalf("export of an unknown person found %d records", got)
		}
	})

	t.Run("EraseIsIdempotentAndScoped", func(t *testing.T) {
		f := newFixture(t)
		seed(t, f, alice, recent)
		seed(t, f, bob, recent)
		seed(t, f, aliceElsewhere, recent)
		bobBefore, elsewhereBefore := count(t, f, bob), count(t, f, aliceElsewhere)
		aliceBefore := count(t, f, alice)
		rc, err := f.Sink.Erase(ctx, alice, f.Category, privacy.StrategyDelete)
		if err != nil {
			t.Fatal(err)
		}
		if f.Retains {
			if rc.Count != 0 || count(t, f, alice) != aliceBefore {
				t.Fatalf("a retaining sink erased %d records", rc.Count)
			}
			return
		}
		if rc.Count < 1 {
			t.Fatalf("erase count %d, want at least 1", rc.Count)
		}
		if n := count(t, f, alice); n != 0 {
			t.Fatalf("%d records left after erasure", n)
		}
		rc, err = f.Sink.Erase(ctx, alice, f.Category, privacy.StrategyDelete)
		if err != nil || rc.Count != 0 {
			t.Fatalf("second erase: count %d err %v, want 0 and nil", rc.Count, err)
		}
		if count(t, f, bob) != bobBefore || count(t, f, aliceElsewhere) != elsewhereBefore {
			t.Fatal("erasure touched another subject or workspace")
		}
	})

	t.Run("PurgeInBatchesWithHolds", func(t *testing.T) {
		f := newFixture(t)
		for n := 10; n < 15; n++ {
			seed(t, f, Person("ws-a", n), old)
		}
		seed(t, f, bob, held)
		carol := Person("ws-a", 3)
		seed(t, f, carol, recent)
		bobBefore, carolBefore := count(t, f, bob), count(t, f, carol)
		hold := privacy.Hold{ID: "h", WorkspaceID: "ws-a", Category: f.Category, From: held.Add(-24 * time.Hour), To: held.Add(24 * time.Hour)}
		req := privacy.PurgeRequest{Category: f.Category, Cutoff: cutoff, Limit: 2, Holds: []privacy.Hold{hold}}
		deleted, batches := purgeAll(t, f, req)
		if deleted != 5 {
			t.Fatalf("purged %d, want 5 (held and recent rows survive)", deleted)
		}
		if batches < 3 {
			t.Fatalf("purge took %d batches with limit 2, want at least 3", batches)
		}
		if count(t, f, bob) != bobBefore {
			t.Fatal("a held row was purged")
		}
		if count(t, f, carol) != carolBefore {
			t.Fatal("a recent row was purged")
		}
		for n := 10; n < 15; n++ {
			if got := count(t, f, Person("ws-a", n)); got != 0 {
				t.Fatalf("person %d still has %d records after the purge", n, got)
			}
		}
		deleted, _ = purgeAll(t, f, privacy.PurgeRequest{Category: f.Category, Cutoff: cutoff, Limit: 100, Holds: req.Holds})
		if deleted != 0 {
			t.Fatalf("second purge deleted %d, want 0", deleted)
		}
	})

	t.Run("PurgeOneWorkspace", func(t *testing.T) {
		f := newFixture(t)
		seed(t, f, alice, old)
		seed(t, f, aliceElsewhere, old)
		seed(t, f, bob, recent)
		bobElsewhere := Person("ws-b", 2)
		seed(t, f, bobElsewhere, recent)
		deleted, _ := purgeAll(t, f, privacy.PurgeRequest{Category: f.Category, WorkspaceID: "ws-b", Cutoff: cutoff, Limit: 10})
		if deleted != 1 || count(t, f, aliceElsewhere) != 0 || count(t, f, alice) == 0 || count(t, f, bobElsewhere) == 0 {
			t.Fatalf("a purge of ws-b deleted %d; it must delete ws-b's record and nothing of ws-a", deleted)
		}
	})

	t.Run("PurgeRespectsSubjectHolds", func(t *testing.T) {
		f := newFixture(t)
		subject := seed(t, f, bob, old)
		if subject == "" {
			t.Skip("the sink's records have no subject")
		}
		seed(t, f, alice, old)
		hold := privacy.Hold{ID: "h", WorkspaceID: "ws-a", Subject: subject, Category: f.Category}
		deleted, _ := purgeAll(t, f, privacy.PurgeRequest{Category: f.Category, Cutoff: cutoff, Limit: 10, Holds: []privacy.Hold{hold}})
		if deleted != 1 || count(t, f, bob) == 0 || count(t, f, alice) != 0 {
			t.Fatalf("purge deleted %d; the held subject must survive and the other go", deleted)
		}
	})
}

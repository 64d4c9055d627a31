package privacytest

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/privacy"
)

// Store is everything a complete privacy store implements (privacy/memstore
// and privacy/pgstore both do).
type Store interface {
	privacy.AuditStore
	privacy.HoldStore
	privacy.AllHolds
	privacy.ConsentStore
	privacy.RequestStore
	privacy.CursorStore
	privacy.GrievanceStore
	privacy.IncidentStore
	privacy.DeletionStore
	privacy.SweepLog
	privacy.AuditPruner
}

// TestStore runs the conformance suite for a privacy store. newStore must
// return an empty store each call. Times used by the suite are whole
// microseconds (PostgreSQL's precision), except audit entries, whose hash
// covers nanoseconds and must round-trip exactly.
func TestStore(t *testing.T, newStore func(t *testing.T) Store) {
	t.Helper()
	t.Run("Audit", func(t *testing.T) { t.Parallel(); testAudit(t, newStore(t)) })
	t.Run("AuditPrune", func(t *testing.T) { t.Parallel(); testAuditPrune(t, newStore(t)) })
	t.Run("AuditConcurrentRecord", func(t *testing.T) { t.Parallel(); testAuditConcurrent(t, newStore(t)) })
	t.Run("Holds", func(t *testing.T) { t.Parallel(); testHolds(t, newStore(t)) })
	t.Run("Consents", func(t *testing.T) { t.Parallel(); testConsents(t, newStore(t)) })
	t.Run("Requests", func(t *testing.T) { t.Parallel(); testRequests(t, newStore(t)) })
	t.Run("Cursors", func(t *testing.T) { t.Parallel(); testCursors(t, newStore(t)) })
	t.Run("Grievances", func(t *testing.T) { t.Parallel(); testGrievances(t, newStore(t)) })
	t.Run("Incidents", func(t *testing.T) { t.Parallel(); testIncidents(t, newStore(t)) })
	t.Run("Deletions", func(t *testing.T) { t.Parallel(); testDeletions(t, newStore(t)) })
	t.Run("SweepLog", func(t *testing.T) { t.Parallel(); testSweepLog(t, newStore(t)) })
}

var base = time.Date(2026, 3, 14, 9, 26, 53, 589793000, time.UTC)

func testAudit(t *testing.T, st Store) {
	ctx := context.Background()
	_, err := st.LastAudit(ctx, "ws-a")
	require.ErrorIs(t, err, privacy.ErrNotFound)

	var entries []privacy.AuditEntry
	var prev *privacy.AuditEntry
	for i := range 5 {
		e := privacy.Seal(prev, privacy.AuditEntry{WorkspaceID: "ws-a", Actor: "user-1", Impersonator: "admin-9",
			Action: fmt.Sprintf("action.%d", i), Target: "lead:7", At: base.Add(time.Duration(i)*time.Second + 123)})
		require.NoError(t, st.AppendAudit(ctx, e))
		entries = append(entries, e)
		prev = &entries[len(entries)-1]
	}
	dup := privacy.Seal(&entries[3], privacy.AuditEntry{WorkspaceID: "ws-a", Actor: "x", Action: "dup", At: base})
	require.ErrorIs(t, st.AppendAudit(ctx, dup), privacy.ErrConflict, "an entry with an existing seq must conflict")
	gap := privacy.Seal(&privacy.AuditEntry{WorkspaceID: "ws-a", Seq: 9, Hash: "x"}, privacy.AuditEntry{WorkspaceID: "ws-a", Actor: "x", Action: "gap", At: base})
	require.ErrorIs(t, st.AppendAudit(ctx, gap), privacy.ErrConflict, "an entry leaving a gap must conflict")

	// Another workspace has its own chain from 1.
	other := privacy.Seal(nil, privacy.AuditEntry{WorkspaceID: "ws-b", Actor: "user-2", Action: "other", At: base})
	require.NoError(t, st.AppendAudit(ctx, other))

	last, err := st.LastAudit(ctx, "ws-a")
	require.NoError(t, err)
	assert.Equal(t, entries[4], last)

	got, err := st.ListAudit(ctx, "ws-a", 0, 3)
	require.NoError(t, err)
	require.Len(t, got, 3)
	assert.Equal(t, entries[:3], got)
	got2, err := st.ListAudit(ctx, "ws-a", 3, 10)
	require.NoError(t, err)
	assert.Equal(t, entries[3:], got2)
	require.NoError(t, privacy.VerifyChain(nil, append(got, got2...)), "entries must round-trip exactly")
	none, err := st.ListAudit(ctx, "ws-a", 5, 10)
	require.NoError(t, err)
	assert.Empty(t, none)

	b, err := st.ListAudit(ctx, "ws-b", 0, 10)
	require.NoError(t, err)
	assert.Equal(t, []privacy.AuditEntry{other}, b)
	_, err = st.LastAudit(ctx, "ws-c")
	require.ErrorIs(t, err, privacy.ErrNotFound)
}

func testAuditConcurrent(t *testing.T, st Store) {
	ctx := context.Background()
	log := privacy.NewAuditLog(st, func() time.Time { return base })
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 10 {
				_, err := log.Record(ctx, privacy.AuditEntry{WorkspaceID: "ws-a", Actor: fmt.Sprintf("w%d", w), Action: fmt.Sprintf("a%d", i)})
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	n, err := log.Verify(ctx, "ws-a", nil)
	require.NoError(t, err)
	assert.Equal(t, 40, n)
}

func testHolds(t *testing.T, st Store) {
	ctx := context.Background()
	us := base.Truncate(time.Microsecond)
	h1 := privacy.Hold{ID: "h1", WorkspaceID: "ws-a", Subject: "lead-1", Category: privacy.CategoryBilling,
		From: us.Add(-time.Hour), To: us.Add(time.Hour), Reason: "tax audit", CreatedBy: "user-1", CreatedAt: us}
	h2 := privacy.Hold{ID: "h2", WorkspaceID: "ws-a", Reason: "litigation", CreatedAt: us}
	h3 := privacy.Hold{ID: "h1", WorkspaceID: "ws-b", Reason: "other workspace", CreatedAt: us}
	for _, h := range []privacy.Hold{h1, h2, h3} {
		require.NoError(t, st.PutHold(ctx, h))
	}
	got, err := st.GetHold(ctx, "ws-a", "h1")
	require.NoError(t, err)
	assertHold(t, h1, got)
	_, err = st.GetHold(ctx, "ws-a", "missing")
	require.ErrorIs(t, err, privacy.ErrNotFound)
	_, err = st.GetHold(ctx, "ws-c", "h1")
	require.ErrorIs(t, err, privacy.ErrNotFound)

	active, err := st.ActiveHolds(ctx, "ws-a")
	require.NoError(t, err)
	require.Len(t, active, 2)
	assert.Equal(t, []string{"h1", "h2"}, []string{active[0].ID, active[1].ID})

	h2.ReleasedAt, h2.ReleasedBy = us.Add(time.Minute), "user-2"
	require.NoError(t, st.PutHold(ctx, h2))
	active, err = st.ActiveHolds(ctx, "ws-a")
	require.NoError(t, err)
	require.Len(t, active, 1)
	assert.Equal(t, "h1", active[0].ID)
	rel, err := st.GetHold(ctx, "ws-a", "h2")
	require.NoError(t, err)
	assertHold(t, h2, rel)

	all, err := st.AllActiveHolds(ctx)
	require.NoError(t, err)
	seen := map[string]bool{}
	for _, h := range all {
		seen[h.WorkspaceID+"/"+h.ID] = true
	}
	assert.Equal(t, map[string]bool{"ws-a/h1": true, "ws-b/h1": true}, seen)
}

func assertHold(t *testing.T, want, got privacy.Hold) {
	t.Helper()
	for _, p := range [][2]time.Time{{want.From, got.From}, {want.To, got.To}, {want.CreatedAt, got.CreatedAt}, {want.ReleasedAt, got.ReleasedAt}} {
		assert.True(t, p[0].Equal(p[1]), "time %v round-tripped as %v", p[0], p[1])
	}
	want.From, want.To, want.CreatedAt, want.ReleasedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	got.From, got.To, got.CreatedAt, got.ReleasedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	assert.Equal(t, want, got)
}

func testConsents(t *testing.T, st Store) {
	ctx := context.Background()
	us := base.Truncate(time.Microsecond)
	require.Error(t, st.AddConsent(ctx, privacy.ConsentRecord{WorkspaceID: "ws-a", Purpose: privacy.PurposeAIReplies}), "subject is required")
	grant := privacy.ConsentRecord{WorkspaceID: "ws-a", Subject: "lead-1", Purpose: privacy.PurposeMarketingMessages, Granted: true,
		Source: "whatsapp opt-in button", Evidence: "wamid.1", ByParent: true, At: us}
	withdraw := privacy.ConsentRecord{WorkspaceID: "ws-a", Subject: "lead-1", Purpose: privacy.PurposeMarketingMessages, Source: "STOP", At: us.Add(time.Hour)}
	elsewhere := privacy.ConsentRecord{WorkspaceID: "ws-b", Subject: "lead-1", Purpose: privacy.PurposeAIReplies, Granted: true, At: us}
	// Added out of order: the store returns oldest first.
	for _, r := range []privacy.ConsentRecord{withdraw, grant, elsewhere} {
		require.NoError(t, st.AddConsent(ctx, r))
	}
	got, err := st.Consents(ctx, "ws-a", "lead-1")
	require.NoError(t, err)
	require.Len(t, got, 2)
	for i, want := range []privacy.ConsentRecord{grant, withdraw} {
		assert.True(t, want.At.Equal(got[i].At))
		got[i].At = want.At
		assert.Equal(t, want, got[i])
	}
	none, err := st.Consents(ctx, "ws-a", "lead-2")
	require.NoError(t, err)
	assert.Empty(t, none)
	b, err := st.Consents(ctx, "ws-b", "lead-1")
	require.NoError(t, err)
	require.Len(t, b, 1)
	assert.Equal(t, privacy.PurposeAIReplies, b[0].Purpose)
}

func testRequests(t *testing.T, st Store) {
	ctx := context.Background()
	us := base.Truncate(time.Microsecond)
	_, err := st.GetRequest(ctx, "ws-a", "r1")
	require.ErrorIs(t, err, privacy.ErrNotFound)
	r := privacy.Request{ID: "r1", Type: privacy.RequestErasure, State: privacy.StateVerifying,
		Identifiers: privacy.Identifiers{WorkspaceID: "ws-a", SubjectIDs: []string{"lead-1"}, Phones: []string{"+919812345678"}, Emails: []string{"a@example.com"}, ChannelIDs: []string{"psid-1"}},
		Source:      "api", CreatedAt: us, UpdatedAt: us, CodeHash: "abc", CodeExpiresAt: us.Add(15 * time.Minute), Attempts: 2}
	require.NoError(t, st.PutRequest(ctx, r))
	require.ErrorIs(t, st.PutRequest(ctx, r), privacy.ErrConflict, "creating an existing request conflicts")
	got, err := st.GetRequest(ctx, "ws-a", "r1")
	require.NoError(t, err)
	r.Version = 1
	assertRequest(t, r, got)
	stale := got
	stale.Version = 0
	stale.State = privacy.StateRejected
	require.ErrorIs(t, st.PutRequest(ctx, stale), privacy.ErrConflict, "a write based on a stale read conflicts")
	unknown := got
	unknown.ID = "never-stored"
	require.ErrorIs(t, st.PutRequest(ctx, unknown), privacy.ErrConflict, "updating a request that does not exist conflicts")

	r.State, r.Attempts, r.CodeHash, r.CodeExpiresAt = privacy.StateCompleted, 0, "", time.Time{}
	r.Receipts = []privacy.Receipt{
		{Sink: "crm", Category: privacy.CategoryLeadConversation, Action: "erase", Strategy: privacy.StrategyDelete, Count: 3, At: base},
		{Sink: "vault", Category: privacy.CategoryAccount, Action: "held", At: base.Add(time.Second), Note: "hold h1"},
	}
	r.Export = []privacy.ExportRecord{{Sink: "crm", Category: privacy.CategoryLeadConversation, Kind: "lead", ID: "lead-1", Created: base, Data: json.RawMessage(`{"name":"x"}`)}}
	r.Certificate = "will be replaced"
	r.Error = "a sink failed"
	r.Certificate = privacy.CertificateOf(r)
	require.NoError(t, st.PutRequest(ctx, r))
	got, err = st.GetRequest(ctx, "ws-a", "r1")
	require.NoError(t, err)
	r.Version = 2
	assertRequest(t, r, got)
	assert.True(t, privacy.VerifyCertificate(got), "the certificate must verify after a round trip")

	open, err := st.OpenRequests(ctx, "ws-a")
	require.NoError(t, err)
	assert.Empty(t, open, "a completed request is not open")
	r3 := privacy.Request{ID: "r3", Type: privacy.RequestAccess, State: privacy.StateVerifying, Identifiers: privacy.Identifiers{WorkspaceID: "ws-a", Emails: []string{"b@example.com"}},
		CreatedAt: us.Add(time.Hour), UpdatedAt: us.Add(time.Hour), Deadline: privacy.Start(privacy.RequestResponseGDPR, "request:r3", us.Add(time.Hour))}
	require.NoError(t, r3.Deadline.Pause(us.Add(2*time.Hour)))
	r4 := r3
	r4.ID, r4.State, r4.CreatedAt = "r4", privacy.StateRejected, us
	r5 := r3
	r5.ID, r5.State, r5.CreatedAt = "r5", privacy.StateFailed, us
	for _, x := range []privacy.Request{r3, r4, r5} {
		require.NoError(t, st.PutRequest(ctx, x))
	}
	open, err = st.OpenRequests(ctx, "ws-a")
	require.NoError(t, err)
	require.Len(t, open, 2)
	assert.Equal(t, []string{"r5", "r3"}, []string{open[0].ID, open[1].ID}, "oldest first; completed and rejected left out")
	assert.Equal(t, privacy.RequestResponseGDPR, open[1].Deadline.Rule)
	require.Len(t, open[1].Deadline.Pauses, 1)
	assert.True(t, open[1].Deadline.Pauses[0].Start.Equal(us.Add(2*time.Hour)), "the deadline round-trips with its pause")

	// Same id in another workspace is another request.
	_, err = st.GetRequest(ctx, "ws-b", "r1")
	require.ErrorIs(t, err, privacy.ErrNotFound)
	rb := r
	rb.Identifiers = privacy.Identifiers{WorkspaceID: "ws-b", SubjectIDs: []string{"lead-9"}}
	rb.Receipts, rb.Export, rb.Certificate, rb.Version = nil, nil, "", 0
	require.NoError(t, st.PutRequest(ctx, rb))
	got, err = st.GetRequest(ctx, "ws-a", "r1")
	require.NoError(t, err)
	assert.Len(t, got.Receipts, 2, "another workspace's request must not overwrite this one")
	open, err = st.OpenRequests(ctx, "ws-b")
	require.NoError(t, err)
	assert.Empty(t, open, "ws-b's only request is completed")

	// Two writers that read the same version: exactly one wins.
	base, err := st.GetRequest(ctx, "ws-a", "r3")
	require.NoError(t, err)
	var wg sync.WaitGroup
	results := make(chan error, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := base
			w.Attempts = i
			results <- st.PutRequest(ctx, w)
		}()
	}
	wg.Wait()
	close(results)
	wins := 0
	for err := range results {
		if err == nil {
			wins++
		} else {
			require.ErrorIs(t, err, privacy.ErrConflict)
		}
	}
	assert.Equal(t, 1, wins)
}

func assertRequest(t *testing.T, want, got privacy.Request) {
	t.Helper()
	for _, p := range [][2]time.Time{{want.CreatedAt, got.CreatedAt}, {want.UpdatedAt, got.UpdatedAt}, {want.CodeExpiresAt, got.CodeExpiresAt}} {
		assert.True(t, p[0].Equal(p[1]), "time %v round-tripped as %v", p[0], p[1])
	}
	want.CreatedAt, want.UpdatedAt, want.CodeExpiresAt = time.Time{}, time.Time{}, time.Time{}
	got.CreatedAt, got.UpdatedAt, got.CodeExpiresAt = time.Time{}, time.Time{}, time.Time{}
	require.Len(t, got.Export, len(want.Export))
	for i := range want.Export {
		assert.JSONEq(t, string(want.Export[i].Data), string(got.Export[i].Data))
		want.Export[i].Data, got.Export[i].Data = nil, nil
	}
	for i := range want.Receipts {
		if i < len(got.Receipts) {
			assert.True(t, want.Receipts[i].At.Equal(got.Receipts[i].At))
		}
	}
	assert.Equal(t, want, got)
}

func testCursors(t *testing.T, st Store) {
	ctx := context.Background()
	c, err := st.SweepCursor(ctx, "crm", privacy.CategoryLeadConversation)
	require.NoError(t, err)
	assert.Empty(t, c)
	require.NoError(t, st.SaveSweepCursor(ctx, "crm", privacy.CategoryLeadConversation, "lead-10"))
	require.NoError(t, st.SaveSweepCursor(ctx, "crm", privacy.CategoryLeadConversation, "lead-20"))
	require.NoError(t, st.SaveSweepCursor(ctx, "logs", privacy.CategoryLeadConversation, "7"))
	c, err = st.SweepCursor(ctx, "crm", privacy.CategoryLeadConversation)
	require.NoError(t, err)
	assert.Equal(t, "lead-20", c)
	c, err = st.SweepCursor(ctx, "crm", privacy.CategoryKnowledge)
	require.NoError(t, err)
	assert.Empty(t, c)
	require.NoError(t, st.SaveSweepCursor(ctx, "crm", privacy.CategoryLeadConversation, ""))
	c, err = st.SweepCursor(ctx, "crm", privacy.CategoryLeadConversation)
	require.NoError(t, err)
	assert.Empty(t, c)
}

func testGrievances(t *testing.T, st Store) {
	ctx := context.Background()
	us := base.Truncate(time.Microsecond)
	g1 := privacy.Grievance{ID: "g1", WorkspaceID: "ws-a", Subject: "lead-1", Channel: "email", Reference: "ticket-1", ReceivedAt: us,
		Acknowledge: privacy.Start(privacy.GrievanceAcknowledge, "grievance:g1", us), Resolve: privacy.Start(privacy.GrievanceResolve, "grievance:g1", us)}
	require.NoError(t, g1.Acknowledge.Pause(us.Add(time.Hour)))
	require.NoError(t, g1.Acknowledge.Resume(us.Add(2*time.Hour)))
	g2 := privacy.Grievance{ID: "g2", WorkspaceID: "ws-a", ReceivedAt: us.Add(time.Hour),
		Acknowledge: privacy.Start(privacy.GrievanceAcknowledge, "grievance:g2", us.Add(time.Hour)), Resolve: privacy.Start(privacy.GrievanceResolve, "grievance:g2", us.Add(time.Hour))}
	gb := privacy.Grievance{ID: "g1", WorkspaceID: "ws-b", ReceivedAt: us,
		Acknowledge: privacy.Start(privacy.GrievanceAcknowledge, "grievance:g1", us), Resolve: privacy.Start(privacy.GrievanceResolve, "grievance:g1", us)}
	for _, g := range []privacy.Grievance{g2, g1, gb} {
		require.NoError(t, st.PutGrievance(ctx, g))
	}
	got, err := st.GetGrievance(ctx, "ws-a", "g1")
	require.NoError(t, err)
	cal := privacy.NewCalendar(time.UTC, nil)
	wantDue, _ := g1.Acknowledge.Due(cal, us)
	gotDue, err := got.Acknowledge.Due(cal, us)
	require.NoError(t, err)
	assert.True(t, wantDue.Equal(gotDue), "the acknowledge clock (with its pause) must round-trip")
	assert.Equal(t, "ticket-1", got.Reference)
	_, err = st.GetGrievance(ctx, "ws-c", "g1")
	require.ErrorIs(t, err, privacy.ErrNotFound)

	open, err := st.OpenGrievances(ctx, "ws-a")
	require.NoError(t, err)
	require.Len(t, open, 2)
	assert.Equal(t, "g1", open[0].ID, "oldest first")
	g1.ResolvedAt, g1.Resolution = us.Add(24*time.Hour), "answered"
	g1.Resolve.MarkMet(g1.ResolvedAt)
	require.NoError(t, st.PutGrievance(ctx, g1))
	open, err = st.OpenGrievances(ctx, "ws-a")
	require.NoError(t, err)
	require.Len(t, open, 1)
	assert.Equal(t, "g2", open[0].ID)
	got, err = st.GetGrievance(ctx, "ws-a", "g1")
	require.NoError(t, err)
	assert.True(t, got.ResolvedAt.Equal(g1.ResolvedAt))
	assert.True(t, got.Resolve.Met.Equal(g1.Resolve.Met))
}

func testIncidents(t *testing.T, st Store) {
	ctx := context.Background()
	us := base.Truncate(time.Microsecond)
	i1 := privacy.Incident{ID: "i1", WorkspaceID: "ws-a", Title: "token leak", BecameAware: us, Clocks: privacy.StartBreachClocks("incident:i1", us)}
	i1.Clocks[0].MarkMet(us.Add(2 * time.Hour))
	i2 := privacy.Incident{ID: "i2", WorkspaceID: "ws-a", BecameAware: us.Add(-time.Hour), Clocks: privacy.StartBreachClocks("incident:i2", us.Add(-time.Hour))}
	ib := privacy.Incident{ID: "i1", WorkspaceID: "ws-b", BecameAware: us, Clocks: privacy.StartBreachClocks("incident:i1", us)}
	for _, i := range []privacy.Incident{i1, i2, ib} {
		require.NoError(t, st.PutIncident(ctx, i))
	}
	got, err := st.GetIncident(ctx, "ws-a", "i1")
	require.NoError(t, err)
	require.Len(t, got.Clocks, len(privacy.BreachRules))
	assert.Equal(t, privacy.BreachCERTIn, got.Clocks[0].Rule)
	assert.True(t, got.Clocks[0].Met.Equal(us.Add(2*time.Hour)))
	assert.Equal(t, "token leak", got.Title)
	_, err = st.GetIncident(ctx, "ws-c", "i1")
	require.ErrorIs(t, err, privacy.ErrNotFound)

	open, err := st.OpenIncidents(ctx, "ws-a")
	require.NoError(t, err)
	require.Len(t, open, 2)
	assert.Equal(t, "i2", open[0].ID, "oldest first")
	i2.ClosedAt = us.Add(time.Hour)
	require.NoError(t, st.PutIncident(ctx, i2))
	open, err = st.OpenIncidents(ctx, "ws-a")
	require.NoError(t, err)
	require.Len(t, open, 1)
	assert.Equal(t, "i1", open[0].ID)
}

func testDeletions(t *testing.T, st Store) {
	ctx := context.Background()
	_, err := st.Deletion(ctx, "nope")
	require.ErrorIs(t, err, privacy.ErrNotFound)
	require.Error(t, st.PutDeletion(ctx, "h", nil, base), "a code needs a request")
	refs := []privacy.RequestRef{{WorkspaceID: "ws-b", RequestID: "r2"}, {WorkspaceID: "ws-a", RequestID: "r1"}}
	require.NoError(t, st.PutDeletion(ctx, "h1", refs, base))
	require.NoError(t, st.PutDeletion(ctx, "h1", refs[:1], base), "putting again is idempotent")
	require.NoError(t, st.PutDeletion(ctx, "h2", []privacy.RequestRef{{WorkspaceID: "ws-a", RequestID: "r3"}}, base))
	got, err := st.Deletion(ctx, "h1")
	require.NoError(t, err)
	assert.Equal(t, []privacy.RequestRef{{WorkspaceID: "ws-a", RequestID: "r1"}, {WorkspaceID: "ws-b", RequestID: "r2"}}, got)
	got, err = st.Deletion(ctx, "h2")
	require.NoError(t, err)
	assert.Equal(t, []privacy.RequestRef{{WorkspaceID: "ws-a", RequestID: "r3"}}, got)
}

func testSweepLog(t *testing.T, st Store) {
	ctx := context.Background()
	us := base.Truncate(time.Microsecond)
	none, err := st.RecentSweeps(ctx, 10)
	require.NoError(t, err)
	assert.Empty(t, none)
	r1 := privacy.SweepReceipt{Sink: "webhooks", Category: privacy.CategoryWebhookPayloads, Rule: "webhooks-90d", Cutoff: us,
		Deleted: 1000, Batches: 2, Done: true, StartedAt: us, FinishedAt: us.Add(time.Second)}
	r2 := privacy.SweepReceipt{Sink: "crm", Category: privacy.CategoryLeadConversation, Rule: "leads-after-closure-30d", WorkspaceID: "ws-closed",
		Cutoff: us.Add(time.Hour), Deleted: 3, Batches: 1, StartedAt: us.Add(time.Hour), FinishedAt: us.Add(time.Hour)}
	require.NoError(t, st.AddSweepReceipt(ctx, r1))
	require.NoError(t, st.AddSweepReceipt(ctx, r2))
	got, err := st.RecentSweeps(ctx, 10)
	require.NoError(t, err)
	assert.Equal(t, []privacy.SweepReceipt{r2, r1}, got, "newest first")
	got, err = st.RecentSweeps(ctx, 1)
	require.NoError(t, err)
	assert.Equal(t, []privacy.SweepReceipt{r2}, got)
}

func testAuditPrune(t *testing.T, st Store) {
	ctx := context.Background()
	now := base
	log := privacy.NewAuditLog(st, func() time.Time { return now })
	for i := range 10 {
		now = base.Add(time.Duration(i) * time.Minute)
		_, err := log.Record(ctx, privacy.AuditEntry{WorkspaceID: "ws-a", Actor: "user-1", Action: fmt.Sprintf("a%d", i)})
		require.NoError(t, err)
	}
	_, err := log.Record(ctx, privacy.AuditEntry{WorkspaceID: "ws-b", Actor: "user-2", Action: "b"})
	require.NoError(t, err)
	_, err = st.AuditCheckpoint(ctx, "ws-a")
	require.ErrorIs(t, err, privacy.ErrNotFound)

	n, err := log.Prune(ctx, "ws-a", base.Add(5*time.Minute), 3, nil)
	require.NoError(t, err)
	assert.Equal(t, 3, n)
	cp, err := st.AuditCheckpoint(ctx, "ws-a")
	require.NoError(t, err)
	assert.Equal(t, uint64(3), cp.Seq)
	left, err := log.Verify(ctx, "ws-a", nil)
	require.NoError(t, err, "a pruned chain verifies from its checkpoint")
	assert.Equal(t, 7, left)

	// A hold stops pruning at the first held entry.
	n, err = log.Prune(ctx, "ws-a", base.Add(5*time.Minute), 100, func(e privacy.AuditEntry) bool { return e.Seq == 5 })
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	n, err = log.Prune(ctx, "ws-a", base.Add(5*time.Minute), 100, nil)
	require.NoError(t, err)
	assert.Equal(t, 1, n, "entries 4 and 5 are now gone; 6 is not old enough")
	n, err = log.Prune(ctx, "ws-a", base.Add(5*time.Minute), 100, nil)
	require.NoError(t, err)
	assert.Zero(t, n)

	// The head is never pruned, so the chain goes on.
	n, err = log.Prune(ctx, "ws-a", base.Add(time.Hour), 100, nil)
	require.NoError(t, err)
	assert.Equal(t, 4, n)
	head, err := log.Head(ctx, "ws-a")
	require.NoError(t, err)
	assert.Equal(t, uint64(10), head.Seq)
	_, err = log.Record(ctx, privacy.AuditEntry{WorkspaceID: "ws-a", Actor: "user-1", Action: "after"})
	require.NoError(t, err)
	left, err = log.Verify(ctx, "ws-a", nil)
	require.NoError(t, err)
	assert.Equal(t, 2, left)

	// A checkpoint that does not match the stored entry is refused.
	entries, err := st.ListAudit(ctx, "ws-a", 0, 10)
	require.NoError(t, err)
	require.NotEmpty(t, entries)
	forged := entries[0]
	forged.Hash = "forged"
	_, err = st.PruneAudit(ctx, forged)
	require.ErrorIs(t, err, privacy.ErrConflict)

	b, err := log.Verify(ctx, "ws-b", nil)
	require.NoError(t, err)
	assert.Equal(t, 1, b, "pruning stays in its workspace")
}

package privacy_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/privacy"
	"github.com/botsync/botsync/privacy/memstore"
	"github.com/botsync/botsync/privacy/privacytest"
)

func TestRequestDeadlinePausesWhileVerifying(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		st := memstore.New()
		audit := privacy.NewAuditLog(st, time.Now)
		sink := privacytest.NewMemorySink("crm", privacy.CategoryLeadConversation)
		q := &privacy.Requests{Store: st, Sinks: []privacy.Sink{sink}, Holds: privacy.NewHolds(st, audit, time.Now), Audit: audit,
			Now: time.Now, Rule: privacy.RequestResponseGDPR, CodeTTL: 72 * time.Hour}
		cal := privacy.NewCalendar(time.UTC, nil)
		cases := &privacy.Cases{Grievances: st, Incidents: st, Requests: st, Calendar: cal, Now: time.Now}
		start := time.Now().UTC()
		who := privacytest.Person("ws", 1)

		r, err := q.Open(ctx, "r1", privacy.RequestErasure, who, "email")
		require.NoError(t, err)
		due, err := r.Deadline.Due(cal, start)
		require.NoError(t, err)
		assert.Equal(t, start.AddDate(0, 1, 0), due, "one month under the GDPR")

		time.Sleep(24 * time.Hour)
		code, err := q.IssueCode(ctx, "ws", "r1")
		require.NoError(t, err)
		time.Sleep(48 * time.Hour) // the person takes two days to answer
		_, err = q.IssueCode(ctx, "ws", "r1")
		require.NoError(t, err, "a reissued code keeps the running pause")
		code, err = q.IssueCode(ctx, "ws", "r1")
		require.NoError(t, err)
		require.NoError(t, q.Verify(ctx, "ws", "r1", code))
		r, err = st.GetRequest(ctx, "ws", "r1")
		require.NoError(t, err)
		due, err = r.Deadline.Due(cal, time.Now())
		require.NoError(t, err)
		assert.Equal(t, start.AddDate(0, 1, 0).Add(48*time.Hour), due, "the clock stopped while verification was awaited")

		review, err := cases.Review(ctx, "ws", 0)
		require.NoError(t, err)
		require.Len(t, review, 1, "an open request's clock is in the workspace's queries")
		assert.Equal(t, "request:r1", review[0].Deadline.Subject)

		// The extension: allowed within the first period, once.
		r, err = q.Extend(ctx, "ws", "r1", cal)
		require.NoError(t, err)
		due, _ = r.Deadline.Due(cal, time.Now())
		assert.Equal(t, start.AddDate(0, 3, 0).Add(48*time.Hour), due)
		_, err = q.Extend(ctx, "ws", "r1", cal)
		require.ErrorIs(t, err, privacy.ErrExtensionNotAllowed)

		r, err = q.Process(ctx, "ws", "r1")
		require.NoError(t, err)
		assert.True(t, r.Deadline.Met.Equal(time.Now()))
		review, err = cases.Review(ctx, "ws", 0)
		require.NoError(t, err)
		assert.Empty(t, review, "a completed request leaves the queries")
		_, err = q.Extend(ctx, "ws", "r1", cal)
		require.ErrorIs(t, err, privacy.ErrBadState)
	})
}

func TestExtensionAfterFirstMonthRefused(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		st := memstore.New()
		q := &privacy.Requests{Store: st, Now: time.Now, Rule: privacy.RequestResponseGDPR}
		_, err := q.Open(ctx, "r1", privacy.RequestAccess, privacytest.Person("ws", 1), "email")
		require.NoError(t, err)
		time.Sleep(40 * 24 * time.Hour)
		_, err = q.Extend(ctx, "ws", "r1", nil)
		require.ErrorIs(t, err, privacy.ErrExtensionNotAllowed, "the person must be told within the first month")
		q.Rule = privacy.Rule{}
		_, err = q.Open(ctx, "r2", privacy.RequestAccess, privacytest.Person("ws", 1), "email")
		require.NoError(t, err)
		_, err = q.Extend(ctx, "ws", "r2", nil)
		require.ErrorIs(t, err, privacy.ErrExtensionNotAllowed, "the DPDP rule has no extension")
	})
}

func TestErasureKeepsWhatTheLawRequiresAndFailsClosed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := memstore.New()
	who := privacytest.Person("ws", 1)
	billing := privacytest.NewMemorySink("billing", privacy.CategoryBilling)
	billing.Add("ws", who, privacy.CategoryBilling, time.Now(), "invoice")
	leads := privacytest.NewMemorySink("crm", privacy.CategoryLeadConversation)
	leads.Add("ws", who, privacy.CategoryLeadConversation, time.Now(), "lead")
	india, err := privacy.Compile(privacy.Policy{Rules: []privacy.RetentionRule{
		{Name: "billing-8y", Category: privacy.CategoryBilling, Trigger: privacy.TriggerCreated, Max: privacy.Retention{Years: 8}, Action: "delete"},
	}}, privacy.IndiaProfile)
	require.NoError(t, err)

	// Without holds, erasure refuses to run.
	q := &privacy.Requests{Store: st, Sinks: []privacy.Sink{billing, leads}}
	_, err = q.Open(ctx, "r0", privacy.RequestConsentWithdrawal, who, "api")
	require.NoError(t, err)
	require.NoError(t, q.MarkVerified(ctx, "ws", "r0", "test"))
	_, err = q.Process(ctx, "ws", "r0")
	require.ErrorContains(t, err, "Requests.Holds")
	assert.Equal(t, 1, leads.Len("ws"))

	// Holds that cannot be read stop the erasure; a retry succeeds.
	q.Holds = privacy.NewHolds(brokenHolds{st}, nil, nil)
	_, err = q.Process(ctx, "ws", "r0")
	require.ErrorIs(t, err, privacy.ErrHoldsUnavailable)
	assert.Equal(t, 1, leads.Len("ws"), "nothing erased while holds are unknown")
	r, err := st.GetRequest(ctx, "ws", "r0")
	require.NoError(t, err)
	assert.Equal(t, privacy.StateFailed, r.State)

	q.Holds = privacy.NewHolds(st, nil, nil)
	q.Policy = india
	r, err = q.Process(ctx, "ws", "r0")
	require.NoError(t, err)
	require.Len(t, r.Receipts, 2)
	assert.Equal(t, "retained", r.Receipts[0].Action)
	assert.Contains(t, r.Receipts[0].Note, "Companies Act 2013")
	assert.Equal(t, "erase", r.Receipts[1].Action)
	assert.Equal(t, 1, billing.Len("ws"), "invoices are kept for the legal floor")
	assert.Equal(t, 0, leads.Len("ws"))
	assert.True(t, privacy.VerifyCertificate(r))
}

func TestConsentWithdrawalRecordsWithdrawals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := memstore.New()
	now := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	audit := privacy.NewAuditLog(st, clock)
	who := privacytest.Person("ws", 1)
	for _, c := range []privacy.ConsentRecord{
		{WorkspaceID: "ws", Subject: "subject-1", Purpose: privacy.PurposeMarketingMessages, Granted: true, Source: "opt-in", At: now.AddDate(0, -2, 0)},
		{WorkspaceID: "ws", Subject: "subject-1", Purpose: privacy.PurposeAIReplies, Granted: true, Source: "opt-in", At: now.AddDate(0, -2, 0)},
		{WorkspaceID: "ws", Subject: "subject-1", Purpose: privacy.PurposeAIReplies, Granted: false, Source: "STOP", At: now.AddDate(0, -1, 0)},
	} {
		require.NoError(t, st.AddConsent(ctx, c))
	}
	q := &privacy.Requests{Store: st, Holds: privacy.NewHolds(st, audit, clock), Audit: audit, Consents: st, Now: clock,
		Sinks: []privacy.Sink{privacytest.NewMemorySink("crm", privacy.CategoryLeadConversation)}}
	_, err := q.Open(ctx, "w1", privacy.RequestConsentWithdrawal, who, "whatsapp")
	require.NoError(t, err)
	require.NoError(t, q.MarkVerified(ctx, "ws", "w1", "test"))
	_, err = q.Process(ctx, "ws", "w1")
	require.NoError(t, err)

	history, err := st.Consents(ctx, "ws", "subject-1")
	require.NoError(t, err)
	require.Len(t, history, 4, "one withdrawal added: AI replies were already withdrawn")
	latest, _ := privacy.Latest(history, privacy.PurposeMarketingMessages)
	assert.False(t, latest.Granted)
	assert.Equal(t, "request:w1", latest.Evidence)
	require.ErrorIs(t, privacy.CheckPurpose(privacy.SubjectFacts{}, history, privacy.PurposeMarketingMessages), privacy.ErrNoConsent)
}

// stuckSink blocks its first Erase until released, to hold a request in
// processing while another Process call arrives.
type stuckSink struct {
	*privacytest.MemorySink
	entered, release chan struct{}
}

func (s *stuckSink) Erase(ctx context.Context, id privacy.Identifiers, c privacy.Category, st privacy.Strategy) (privacy.Receipt, error) {
	if s.entered != nil {
		close(s.entered)
		s.entered = nil
		<-s.release
	}
	return s.MemorySink.Erase(ctx, id, c, st)
}

func TestProcessIsClaimedOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		st := memstore.New()
		who := privacytest.Person("ws", 1)
		sink := &stuckSink{MemorySink: privacytest.NewMemorySink("crm", privacy.CategoryLeadConversation), entered: make(chan struct{}), release: make(chan struct{})}
		sink.Add("ws", who, privacy.CategoryLeadConversation, time.Now(), "lead")
		q := &privacy.Requests{Store: st, Sinks: []privacy.Sink{sink}, Holds: privacy.NewHolds(st, nil, time.Now), Now: time.Now, Lease: time.Minute}
		_, err := q.Open(ctx, "r1", privacy.RequestErasure, who, "api")
		require.NoError(t, err)
		require.NoError(t, q.MarkVerified(ctx, "ws", "r1", "test"))

		entered := sink.entered
		done := make(chan error)
		go func() {
			_, err := q.Process(ctx, "ws", "r1")
			done <- err
		}()
		<-entered
		_, err = q.Process(ctx, "ws", "r1")
		require.ErrorIs(t, err, privacy.ErrConflict, "a second worker does not run the sinks while the first holds the lease")
		close(sink.release)
		require.NoError(t, <-done)
		r, err := st.GetRequest(ctx, "ws", "r1")
		require.NoError(t, err)
		assert.Equal(t, privacy.StateCompleted, r.State)
		assert.Len(t, r.Receipts, 1)
	})
}

func TestProcessTakesOverAfterLease(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		st := memstore.New()
		who := privacytest.Person("ws", 1)
		q := &privacy.Requests{Store: st, Sinks: []privacy.Sink{privacytest.NewMemorySink("crm", privacy.CategoryLeadConversation)},
			Holds: privacy.NewHolds(st, nil, time.Now), Now: time.Now, Lease: time.Minute}
		r, err := q.Open(ctx, "r1", privacy.RequestErasure, who, "api")
		require.NoError(t, err)
		require.NoError(t, q.MarkVerified(ctx, "ws", "r1", "test"))
		// A worker claimed it and crashed.
		r, err = st.GetRequest(ctx, "ws", "r1")
		require.NoError(t, err)
		r.State, r.UpdatedAt = privacy.StateProcessing, time.Now()
		require.NoError(t, st.PutRequest(ctx, r))
		_, err = q.Process(ctx, "ws", "r1")
		require.ErrorIs(t, err, privacy.ErrConflict)
		time.Sleep(2 * time.Minute)
		r, err = q.Process(ctx, "ws", "r1")
		require.NoError(t, err)
		assert.Equal(t, privacy.StateCompleted, r.State)
	})
}

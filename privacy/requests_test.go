package privacy_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/privacy"
	"github.com/botsync/botsync/privacy/memstore"
	"github.com/botsync/botsync/privacy/privacytest"
)

type flakySink struct {
	*privacytest.MemorySink
	failures int
}

func (f *flakySink) Erase(ctx context.Context, id privacy.Identifiers, c privacy.Category, s privacy.Strategy) (privacy.Receipt, error) {
	if f.failures > 0 {
		f.failures--
		return privacy.Receipt{}, errors.New("store unavailable")
	}
	return f.MemorySink.Erase(ctx, id, c, s)
}

func TestErasureEndToEnd(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		st := memstore.New()
		audit := privacy.NewAuditLog(st, time.Now)
		holds := privacy.NewHolds(st, audit, time.Now)
		crm := &flakySink{MemorySink: privacytest.NewMemorySink("crm", privacy.CategoryLeadConversation, privacy.CategoryCallActivity), failures: 1}
		kb := privacytest.NewMemorySink("knowledge", privacy.CategoryKnowledge)
		vault := privacytest.NewMemorySink("vault", privacy.CategoryConnectedChannel)
		lead := privacy.Identifiers{WorkspaceID: "ws", SubjectIDs: []string{"lead-7"}, Phones: []string{"+919812345678"}}
		other := privacy.Identifiers{WorkspaceID: "ws", SubjectIDs: []string{"lead-8"}}
		now := time.Now()
		crm.Add("ws", lead, privacy.CategoryLeadConversation, now, "conversation")
		crm.Add("ws", lead, privacy.CategoryCallActivity, now, "call")
		crm.Add("ws", other, privacy.CategoryLeadConversation, now, "someone else")
		kb.Add("ws", lead, privacy.CategoryKnowledge, now, "FAQ mentioning the lead")
		vault.Add("ws", lead, privacy.CategoryConnectedChannel, now, "subject key")

		_, err := holds.Place(ctx, privacy.Hold{ID: "h1", WorkspaceID: "ws", Subject: "lead-7", Category: privacy.CategoryCallActivity, Reason: "dispute"})
		require.NoError(t, err)

		q := &privacy.Requests{Store: st, Sinks: []privacy.Sink{crm, kb, vault}, Holds: holds, Audit: audit, Now: time.Now,
			Strategies: map[privacy.Category]privacy.Strategy{privacy.CategoryKnowledge: privacy.StrategyMask, privacy.CategoryConnectedChannel: privacy.StrategyCryptoShred}}
		_, err = q.Open(ctx, "req-1", privacy.RequestErasure, lead, "api")
		require.NoError(t, err)
		_, err = q.Process(ctx, "ws", "req-1")
		require.ErrorIs(t, err, privacy.ErrBadState, "not verified yet")

		code, err := q.IssueCode(ctx, "ws", "req-1")
		require.NoError(t, err)
		require.ErrorIs(t, q.Verify(ctx, "ws", "req-1", "000000x"), privacy.ErrCodeInvalid)
		require.NoError(t, q.Verify(ctx, "ws", "req-1", code))

		r, err := q.Process(ctx, "ws", "req-1")
		require.Error(t, err, "the CRM sink fails once")
		assert.Equal(t, privacy.StateFailed, r.State)
		assert.NotContains(t, r.Error, "+919812345678")

		r, err = q.Process(ctx, "ws", "req-1") // retry finds everything from the saved identifiers
		require.NoError(t, err)
		assert.Equal(t, privacy.StateCompleted, r.State)
		byKey := map[string]privacy.Receipt{}
		for _, rc := range r.Receipts {
			byKey[rc.Sink+"/"+string(rc.Category)] = rc
		}
		require.Len(t, byKey, 4)
		assert.Equal(t, 1, byKey["crm/lead_conversation"].Count)
		assert.Equal(t, "held", byKey["crm/call_activity"].Action, "the held category survives")
		assert.Equal(t, privacy.StrategyMask, byKey["knowledge/knowledge"].Strategy)
		assert.Equal(t, privacy.StrategyCryptoShred, byKey["vault/connected_channel"].Strategy)
		assert.True(t, privacy.VerifyCertificate(r))
		tampered := r
		tampered.Receipts = tampered.Receipts[1:]
		assert.False(t, privacy.VerifyCertificate(tampered))

		left, _ := crm.Export(ctx, lead)
		require.Len(t, left, 1)
		assert.Equal(t, privacy.CategoryCallActivity, left[0].Category)
		others, _ := crm.Export(ctx, other)
		assert.Len(t, others, 1)

		head, err := audit.Head(ctx, "ws")
		require.NoError(t, err)
		assert.Equal(t, "request.erasure_certificate:"+r.Certificate, head.Action)
		_, err = audit.Verify(ctx, "ws", &head)
		require.NoError(t, err)
	})
}

func TestAccessRequestAndVerificationLimits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		st := memstore.New()
		crm := privacytest.NewMemorySink("crm", privacy.CategoryLeadConversation)
		lead := privacy.Identifiers{WorkspaceID: "ws", Emails: []string{"a@example.com"}}
		crm.Add("ws", lead, privacy.CategoryLeadConversation, time.Now(), "hi")
		q := &privacy.Requests{Store: st, Sinks: []privacy.Sink{crm}, Now: time.Now, MaxAttempts: 3, CodeTTL: time.Minute}

		_, err := q.Open(ctx, "a1", privacy.RequestAccess, lead, "api")
		require.NoError(t, err)
		code, err := q.IssueCode(ctx, "ws", "a1")
		require.NoError(t, err)
		require.Len(t, code, 6)
		time.Sleep(2 * time.Minute)
		require.ErrorIs(t, q.Verify(ctx, "ws", "a1", code), privacy.ErrCodeExpired)
		code, err = q.IssueCode(ctx, "ws", "a1")
		require.NoError(t, err)
		require.NoError(t, q.Verify(ctx, "ws", "a1", code))
		r, err := q.Process(ctx, "ws", "a1")
		require.NoError(t, err)
		require.Len(t, r.Export, 1)
		assert.Empty(t, r.Certificate)

		_, err = q.Open(ctx, "a2", privacy.RequestAccess, lead, "api")
		require.NoError(t, err)
		_, err = q.IssueCode(ctx, "ws", "a2")
		require.NoError(t, err)
		require.ErrorIs(t, q.Verify(ctx, "ws", "a2", "bad1"), privacy.ErrCodeInvalid)
		require.ErrorIs(t, q.Verify(ctx, "ws", "a2", "bad2"), privacy.ErrCodeInvalid)
		require.ErrorIs(t, q.Verify(ctx, "ws", "a2", "bad3"), privacy.ErrTooManyTries)
		r, _ = st.GetRequest(ctx, "ws", "a2")
		assert.Equal(t, privacy.StateRejected, r.State)

		_, err = q.Open(ctx, "x", privacy.RequestType("delete_everything"), lead, "api")
		require.ErrorIs(t, err, privacy.ErrUnknownRequest)
		_, err = q.Open(ctx, "y", privacy.RequestErasure, privacy.Identifiers{WorkspaceID: "ws"}, "api")
		require.ErrorIs(t, err, privacy.ErrNoIdentifiers)
		_, err = st.GetRequest(ctx, "other-ws", "a1")
		require.ErrorIs(t, err, privacy.ErrNotFound, "requests do not cross workspaces")
	})
}

func TestSweeper(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := memstore.New()
	now := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	logs := privacytest.NewMemorySink("logs", privacy.CategoryTechnicalLogs, privacy.CategoryWebhookPayloads)
	for i := range 25 {
		logs.Add("ws", privacy.Identifiers{WorkspaceID: "ws"}, privacy.CategoryWebhookPayloads, now.AddDate(0, 0, -100-i), "old payload")
	}
	logs.Add("ws", privacy.Identifiers{WorkspaceID: "ws"}, privacy.CategoryWebhookPayloads, now.AddDate(0, 0, -10), "recent")
	logs.Add("held-ws", privacy.Identifiers{WorkspaceID: "held-ws"}, privacy.CategoryWebhookPayloads, now.AddDate(0, 0, -200), "held")
	require.NoError(t, st.PutHold(ctx, privacy.Hold{ID: "h", WorkspaceID: "held-ws", Category: privacy.CategoryWebhookPayloads, Reason: "investigation"}))

	compiled, err := privacy.Compile(privacy.SeedPolicy, privacy.GDPRProfile)
	require.NoError(t, err)
	sw := &privacy.Sweeper{Policy: compiled, Sinks: []privacy.Sink{logs}, Holds: st, Cursors: st, Batch: 10, Now: func() time.Time { return now }}

	recs, err := sw.Run(ctx, 1) // stop after one batch: a crash midway
	require.NoError(t, err)
	first := 0
	for _, r := range recs {
		first += r.Deleted
	}
	assert.Equal(t, 10, first)
	recs, err = sw.Run(ctx, 0) // resume from the saved cursor
	require.NoError(t, err)
	total := first
	for _, r := range recs {
		total += r.Deleted
		assert.True(t, r.Done)
	}
	assert.Equal(t, 25, total)
	assert.Equal(t, 1, logs.Len("ws"))
	assert.Equal(t, 1, logs.Len("held-ws"), "the hold keeps its rows")
	recs, err = sw.Run(ctx, 0)
	require.NoError(t, err)
	for _, r := range recs {
		assert.Zero(t, r.Deleted, "idempotent")
	}
}

package sinks_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/ai/knowledge"
	"github.com/botsync/botsync/ai/knowledge/knowledgetest"
	kbmem "github.com/botsync/botsync/ai/knowledge/memstore"
	"github.com/botsync/botsync/crm"
	crmmem "github.com/botsync/botsync/crm/memstore"
	"github.com/botsync/botsync/internal/pgtest"
	"github.com/botsync/botsync/privacy"
	privmem "github.com/botsync/botsync/privacy/memstore"
	"github.com/botsync/botsync/privacy/pgstore"
	"github.com/botsync/botsync/privacy/privacytest"
	"github.com/botsync/botsync/privacy/sinks/crmsink"
	"github.com/botsync/botsync/privacy/sinks/knowledgesink"
	"github.com/botsync/botsync/privacy/sinks/vaultsink"
	"github.com/botsync/botsync/secret"
	"github.com/botsync/botsync/vault"
	vaultmem "github.com/botsync/botsync/vault/memstore"
	"github.com/botsync/botsync/vault/vaulttest"
)

// TestErasureAcrossSinks is the issue's end-to-end test: a lead with
// conversations, knowledge mentions and a vault key; an erasure request
// verified by code; a receipt from every sink and a certificate chained into
// the audit trail; the knowledge category under a legal hold survives, and
// is erased by a later request once the hold is released.
func TestErasureAcrossSinks(t *testing.T) {
	t.Parallel()
	stores := map[string]func(t *testing.T) privacytest.Store{
		"memstore": func(*testing.T) privacytest.Store { return privmem.New() },
		"pgstore": func(t *testing.T) privacytest.Store {
			pool := pgtest.Postgres(t)
			require.NoError(t, pgstore.Migrate(t.Context(), pool))
			return pgstore.New(pool)
		},
	}
	for name, newStore := range stores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			testErasureAcrossSinks(t, newStore(t))
		})
	}
}

func testErasureAcrossSinks(t *testing.T, st privacytest.Store) {
	ctx := context.Background()
	now := time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	workspaces := func(context.Context) ([]string, error) { return []string{"ws"}, nil }

	// The CRM: Asha with a WhatsApp conversation and an Instagram one, and
	// Ravi, who must survive.
	crmSvc, err := crm.New(crmmem.New(), crm.WithClock(clock), crm.WithDefaultRegion("IN"))
	require.NoError(t, err)
	asha, _, err := crmSvc.FindOrCreate(ctx, "ws", crm.Contact{Name: "Asha", Source: crm.Source{Channel: "whatsapp"},
		Identities: []crm.Identity{crm.WAID("919812345678"), crm.Email("asha@example.com"), {Kind: crm.KindIGSID, Value: "igsid-asha-1"}}})
	require.NoError(t, err)
	ravi, _, err := crmSvc.FindOrCreate(ctx, "ws", crm.Contact{Name: "Ravi", Identities: []crm.Identity{crm.Phone("+919800000002")}})
	require.NoError(t, err)
	for _, ch := range []string{"whatsapp", "instagram"} {
		conv, err := crmSvc.OpenConversation(ctx, "ws", asha.ID, ch, "acct-"+ch)
		require.NoError(t, err)
		for i, text := range []string{"Is the NEET batch full?", "Please call me back"} {
			_, _, err := crmSvc.RecordMessage(ctx, "ws", crm.Message{ConversationID: conv.ID, Direction: crm.Inbound, Text: text, ProviderID: ch + "-" + string(rune('a'+i))})
			require.NoError(t, err)
		}
	}

	// The knowledge base: a testimonial that mentions Asha's number, and a
	// fee page that does not.
	kbStore := kbmem.New()
	kb, err := knowledge.New(kbStore, knowledgetest.NewHashEmbedder(32), knowledge.WithClock(clock))
	require.NoError(t, err)
	_, err = kb.Ingest(ctx, "ws", knowledge.Source{ID: "testimonials", Title: "Student stories", Format: knowledge.FormatText,
		Content: "Asha cleared NEET in her first attempt. Parents can call her at +91 98123 45678."})
	require.NoError(t, err)
	_, err = kb.Ingest(ctx, "ws", knowledge.Source{ID: "fees", Title: "Fees", Format: knowledge.FormatText, Content: "The NEET batch costs 1,20,000 rupees."})
	require.NoError(t, err)

	// The vault: Asha's PAN sealed under her subject key, and a channel
	// token that is nobody's personal data.
	vStore := vaultmem.New()
	v, err := vault.New(vaulttest.Keyring(t), vStore, vault.WithClock(clock))
	require.NoError(t, err)
	panRef := vault.Ref{WorkspaceID: "ws", Kind: "lead", RecordID: asha.ID, Field: "pan"}
	_, err = v.Put(ctx, panRef, secret.New("ABCDE1234F"), vault.ForSubject(asha.ID))
	require.NoError(t, err)
	tokenRef := vault.Ref{WorkspaceID: "ws", Kind: "whatsapp_number", RecordID: "pn-1", Field: "access_token"}
	_, err = v.Put(ctx, tokenRef, secret.New("EAAG-token"))
	require.NoError(t, err)

	crmSink, err := crmsink.New(crmSvc, crmsink.WithWorkspaces(workspaces))
	require.NoError(t, err)
	kbSink, err := knowledgesink.New(kbStore, knowledgesink.WithWorkspaces(workspaces))
	require.NoError(t, err)
	vaultSink, err := vaultsink.New(v, vStore, vaultsink.WithSubjects(crmSink.Subjects), vaultsink.WithWorkspaces(workspaces))
	require.NoError(t, err)

	audit := privacy.NewAuditLog(st, clock)
	holds := privacy.NewHolds(st, audit, clock)
	reqs := &privacy.Requests{Store: st, Audit: audit, Holds: holds, Now: clock,
		Sinks:          []privacy.Sink{crmSink, kbSink, vaultSink},
		Expand:         crmSink.Expand,
		SinkStrategies: map[string]privacy.Strategy{"vault": privacy.StrategyCryptoShred}}

	_, err = holds.Place(ctx, privacy.Hold{ID: "litigation-7", WorkspaceID: "ws", Category: privacy.CategoryKnowledge,
		Reason: "testimonial dispute before the consumer forum", CreatedBy: "dpo"})
	require.NoError(t, err)

	// First she asks for her data: every sink's records, as JSON and CSV,
	// the vault's as references only.
	_, err = reqs.Open(ctx, "access-1", privacy.RequestAccess, privacy.Identifiers{WorkspaceID: "ws", Emails: []string{"asha@example.com"}}, "email")
	require.NoError(t, err)
	require.NoError(t, reqs.MarkVerified(ctx, "ws", "access-1", "signed-in session"))
	acc, err := reqs.Process(ctx, "ws", "access-1")
	require.NoError(t, err)
	bySink := map[string]int{}
	for _, rec := range acc.Export {
		bySink[rec.Sink]++
	}
	assert.Equal(t, 1+2+4, bySink["crm"]-countKind(acc.Export, "activity"), "lead, two conversations, four messages (plus activities)")
	assert.Equal(t, 1, bySink["knowledge"], "the testimonial chunk")
	assert.Equal(t, 1, bySink["vault"], "the PAN's reference")
	var csvOut, jsonOut strings.Builder
	require.NoError(t, privacy.WriteCSV(&csvOut, acc.Export))
	require.NoError(t, privacy.NewExportDocument(acc, now).WriteJSON(&jsonOut))
	for _, out := range []string{csvOut.String(), jsonOut.String()} {
		assert.Contains(t, out, "Please call me back")
		assert.Contains(t, out, "98123 45678")
		assert.NotContains(t, out, "ABCDE1234F", "vault values never leave the vault")
		assert.NotContains(t, out, "EAAG-token")
	}

	// Asha writes from WhatsApp: only her number is known to the request.
	r, err := reqs.Open(ctx, "dsr-1", privacy.RequestErasure, privacy.Identifiers{WorkspaceID: "ws", Phones: []string{"+919812345678"}}, "whatsapp")
	require.NoError(t, err)
	assert.Equal(t, []string{asha.ID}, r.Identifiers.SubjectIDs, "identifiers are expanded and saved before anything is erased")
	assert.Contains(t, r.Identifiers.Emails, "asha@example.com")
	assert.Contains(t, r.Identifiers.ChannelIDs, "igsid-asha-1")
	code, err := reqs.IssueCode(ctx, "ws", "dsr-1")
	require.NoError(t, err)
	require.NoError(t, reqs.Verify(ctx, "ws", "dsr-1", code))
	now = now.Add(time.Minute)
	r, err = reqs.Process(ctx, "ws", "dsr-1")
	require.NoError(t, err)
	require.Equal(t, privacy.StateCompleted, r.State)

	got := map[string]privacy.Receipt{}
	for _, rc := range r.Receipts {
		t.Logf("receipt: sink=%s category=%s action=%s strategy=%s count=%d at=%s %s", rc.Sink, rc.Category, rc.Action, rc.Strategy, rc.Count, rc.At.Format(time.RFC3339), rc.Note)
		got[rc.Sink] = rc
	}
	require.Len(t, got, 3, "one receipt per sink")
	assert.Equal(t, privacy.Receipt{Sink: "crm", Category: privacy.CategoryLeadConversation, Action: "erase", Strategy: privacy.StrategyDelete, Count: 1, At: now}, stripNote(got["crm"]))
	assert.Equal(t, "held", got["knowledge"].Action)
	assert.Contains(t, got["knowledge"].Note, "litigation-7")
	assert.Equal(t, privacy.Receipt{Sink: "vault", Category: privacy.CategoryLeadConversation, Action: "erase", Strategy: privacy.StrategyCryptoShred, Count: 1, At: now}, stripNote(got["vault"]))
	t.Logf("certificate: %s", r.Certificate)
	assert.True(t, privacy.VerifyCertificate(r))

	// The CRM forgot Asha, not Ravi.
	_, err = crmSvc.LeadByIdentity(ctx, "ws", crm.Email("asha@example.com"))
	require.ErrorIs(t, err, crm.ErrNotFound)
	_, err = crmSvc.Lead(ctx, "ws", ravi.ID)
	require.NoError(t, err)
	// The vault can no longer open her PAN; the channel token still opens.
	_, err = v.Get(ctx, panRef)
	require.ErrorIs(t, err, vault.ErrShredded)
	tok, err := v.Get(ctx, tokenRef)
	require.NoError(t, err)
	assert.Equal(t, "EAAG-token", tok.Reveal())
	// The held category survives.
	chunks, err := kbStore.Chunks(ctx, "ws", "testimonials")
	require.NoError(t, err)
	require.NotEmpty(t, chunks)
	assert.Contains(t, chunks[0].Text, "98123 45678")

	// The audit trail chains the certificate and verifies.
	head, err := audit.Head(ctx, "ws")
	require.NoError(t, err)
	assert.Equal(t, "request.erasure_certificate:"+r.Certificate, head.Action)
	n, err := audit.Verify(ctx, "ws", &head)
	require.NoError(t, err)
	assert.Equal(t, 8, n, "hold placed, access opened, verified, completed, erasure opened, verified, held category skipped, certificate")

	// Once the hold is released, a new request with the saved identifiers
	// erases the mention too, although the CRM no longer knows her.
	require.NoError(t, holds.Release(ctx, "ws", "litigation-7", "dpo"))
	_, err = reqs.Open(ctx, "dsr-2", privacy.RequestErasure, r.Identifiers, "dpo")
	require.NoError(t, err)
	require.NoError(t, reqs.MarkVerified(ctx, "ws", "dsr-2", "repeat of dsr-1"))
	r2, err := reqs.Process(ctx, "ws", "dsr-2")
	require.NoError(t, err)
	for _, rc := range r2.Receipts {
		if rc.Sink == "knowledge" {
			assert.Equal(t, "erase", rc.Action)
			assert.Equal(t, 1, rc.Count)
		}
	}
	_, err = kbStore.Source(ctx, "ws", "testimonials")
	require.ErrorIs(t, err, knowledge.ErrNotFound, "the only chunk mentioned her, so the source is gone")
	_, err = kbStore.Source(ctx, "ws", "fees")
	require.NoError(t, err)
	recs, err := kbSink.Export(ctx, r.Identifiers)
	require.NoError(t, err)
	assert.Empty(t, recs)
	assert.False(t, strings.Contains(r2.Error, "+91"), "errors carry no personal data")
}

func countKind(recs []privacy.ExportRecord, kind string) int {
	n := 0
	for _, r := range recs {
		if r.Kind == kind {
			n++
		}
	}
	return n
}

func stripNote(rc privacy.Receipt) privacy.Receipt {
	rc.Note = ""
	return rc
}

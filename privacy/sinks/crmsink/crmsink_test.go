package crmsink_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/crm"
	"github.com/botsync/botsync/crm/memstore"
	"github.com/botsync/botsync/privacy"
	"github.com/botsync/botsync/privacy/privacytest"
	"github.com/botsync/botsync/privacy/sinks/crmsink"
)

type fixture struct {
	svc    *crm.Service
	sink   *crmsink.Sink
	mu     sync.Mutex
	now    time.Time
	spaces map[string]bool
}

func newFixture(t *testing.T) *fixture {
	f := &fixture{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), spaces: map[string]bool{}}
	var err error
	f.svc, err = crm.New(memstore.New(), crm.WithClock(f.clock), crm.WithDefaultRegion("IN"))
	require.NoError(t, err)
	f.sink, err = crmsink.New(f.svc, crmsink.WithWorkspaces(f.workspaces))
	require.NoError(t, err)
	return f
}

func (f *fixture) clock() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fixture) workspaces(context.Context) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for ws := range f.spaces {
		out = append(out, ws)
	}
	return out, nil
}

// seed creates the person's lead with a WhatsApp conversation and one
// inbound message, all at created.
func (f *fixture) seed(ctx context.Context, ids privacy.Identifiers, created time.Time) (*crm.Lead, error) {
	f.mu.Lock()
	f.now, f.spaces[ids.WorkspaceID] = created, true
	f.mu.Unlock()
	var idents []crm.Identity
	for _, p := range ids.Phones {
		idents = append(idents, crm.Phone(p))
	}
	for _, e := range ids.Emails {
		idents = append(idents, crm.Email(e))
	}
	lead, _, err := f.svc.FindOrCreate(ctx, ids.WorkspaceID, crm.Contact{Identities: idents, Name: "Asha", Source: crm.Source{Channel: "whatsapp"}})
	if err != nil {
		return nil, err
	}
	conv, err := f.svc.OpenConversation(ctx, ids.WorkspaceID, lead.ID, "whatsapp", "pn-1")
	if err != nil {
		return nil, err
	}
	_, _, err = f.svc.RecordMessage(ctx, ids.WorkspaceID, crm.Message{ConversationID: conv.ID, Direction: crm.Inbound, Text: "is the course still open?", ProviderID: "wamid." + lead.ID + created.Format("150405")})
	return lead, err
}

func TestSinkConformance(t *testing.T) {
	t.Parallel()
	privacytest.TestSink(t, func(t *testing.T) privacytest.Fixture {
		f := newFixture(t)
		return privacytest.Fixture{Sink: f.sink, Category: privacy.CategoryLeadConversation,
			Seed: func(ctx context.Context, ids privacy.Identifiers, _ privacy.Category, created time.Time) (string, error) {
				l, err := f.seed(ctx, ids, created)
				if err != nil {
					return "", err
				}
				return l.ID, nil
			}}
	})
}

func TestExportExpandAndStrategies(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	p := privacytest.Person("ws", 1)
	lead, err := f.seed(ctx, p, f.now)
	require.NoError(t, err)
	require.NoError(t, f.svc.AddIdentity(ctx, "ws", lead.ID, crm.Identity{Kind: crm.KindPSID, Value: "psid-77"}))

	recs, err := f.sink.Export(ctx, privacy.Identifiers{WorkspaceID: "ws", ChannelIDs: []string{"psid-77"}})
	require.NoError(t, err)
	kinds := map[string]int{}
	for _, r := range recs {
		kinds[r.Kind]++
		assert.Equal(t, privacy.CategoryLeadConversation, r.Category)
	}
	assert.Equal(t, 1, kinds["lead"])
	assert.Equal(t, 1, kinds["conversation"])
	assert.Equal(t, 1, kinds["message"])
	assert.GreaterOrEqual(t, kinds["activity"], 1)
	var csv strings.Builder
	require.NoError(t, privacy.WriteCSV(&csv, recs))
	assert.Contains(t, csv.String(), "is the course still open?")

	exp, err := f.sink.Expand(ctx, privacy.Identifiers{WorkspaceID: "ws", Emails: p.Emails})
	require.NoError(t, err)
	assert.Equal(t, []string{lead.ID}, exp.SubjectIDs)
	assert.Equal(t, p.Phones, exp.Phones)
	assert.Equal(t, []string{"psid-77"}, exp.ChannelIDs)

	_, err = f.sink.Erase(ctx, p, privacy.CategoryLeadConversation, privacy.StrategyMask)
	require.ErrorIs(t, err, crmsink.ErrStrategy)
	rc, err := f.sink.Erase(ctx, p, privacy.CategoryBilling, privacy.StrategyDelete)
	require.NoError(t, err)
	assert.Zero(t, rc.Count)

	// Erasure by the lead id alone, after a merge, deletes the survivor
	// with the merged lead.
	other, _, err := f.svc.FindOrCreate(ctx, "ws", crm.Contact{Identities: []crm.Identity{crm.Phone("+919800000055")}})
	require.NoError(t, err)
	_, err = f.svc.Merge(ctx, "ws", lead.ID, other.ID, crm.Actor{Kind: crm.ActorSystem})
	require.NoError(t, err)
	rc, err = f.sink.Erase(ctx, privacy.Identifiers{WorkspaceID: "ws", SubjectIDs: []string{other.ID}}, privacy.CategoryLeadConversation, privacy.StrategyDelete)
	require.NoError(t, err)
	assert.Equal(t, 1, rc.Count)
	_, err = f.svc.Lead(ctx, "ws", lead.ID)
	require.ErrorIs(t, err, crm.ErrNotFound)
	_, err = f.svc.Lead(ctx, "ws", other.ID)
	require.ErrorIs(t, err, crm.ErrNotFound)
}

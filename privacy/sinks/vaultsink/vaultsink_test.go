package vaultsink_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/privacy"
	"github.com/botsync/botsync/privacy/privacytest"
	"github.com/botsync/botsync/privacy/sinks/vaultsink"
	"github.com/botsync/botsync/secret"
	"github.com/botsync/botsync/vault"
	"github.com/botsync/botsync/vault/memstore"
	"github.com/botsync/botsync/vault/vaulttest"
)

// directory maps phones and emails to subject ids, as the CRM would.
type directory struct {
	mu     sync.Mutex
	byID   map[string]string
	spaces map[string]bool
}

func (d *directory) add(ids privacy.Identifiers) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.spaces[ids.WorkspaceID] = true
	for _, v := range append(slices.Clone(ids.Phones), ids.Emails...) {
		d.byID[ids.WorkspaceID+"/"+v] = ids.SubjectIDs[0]
	}
}

func (d *directory) subjects(_ context.Context, ids privacy.Identifiers) ([]string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []string
	for _, v := range append(slices.Clone(ids.Phones), ids.Emails...) {
		if s, ok := d.byID[ids.WorkspaceID+"/"+v]; ok {
			out = append(out, s)
		}
	}
	return out, nil
}

func (d *directory) workspaces(context.Context) ([]string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []string
	for ws := range d.spaces {
		out = append(out, ws)
	}
	return out, nil
}

type fixture struct {
	v     *vault.Vault
	st    *memstore.Store
	sink  *vaultsink.Sink
	clock *vaulttest.Clock
	dir   *directory
	n     int
}

func newFixture(t *testing.T) *fixture {
	f := &fixture{st: memstore.New(), clock: vaulttest.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)),
		dir: &directory{byID: map[string]string{}, spaces: map[string]bool{}}}
	var err error
	f.v, err = vault.New(vaulttest.Keyring(t), f.st, vault.WithClock(f.clock.Now))
	require.NoError(t, err)
	f.sink, err = vaultsink.New(f.v, f.st, vaultsink.WithSubjects(f.dir.subjects), vaultsink.WithWorkspaces(f.dir.workspaces))
	require.NoError(t, err)
	return f
}

func (f *fixture) seed(ctx context.Context, ids privacy.Identifiers, created time.Time) (string, error) {
	f.dir.add(ids)
	f.n++
	subject := ids.SubjectIDs[0]
	f.clock.Advance(created.Sub(f.clock.Now()))
	ref := vault.Ref{WorkspaceID: ids.WorkspaceID, Kind: "contact", RecordID: fmt.Sprintf("%s-%d", subject, f.n), Field: "pan"}
	_, err := f.v.Put(ctx, ref, secret.New("ABCDE1234F"), vault.ForSubject(subject))
	return subject, err
}

func TestSinkConformance(t *testing.T) {
	t.Parallel()
	privacytest.TestSink(t, func(t *testing.T) privacytest.Fixture {
		f := newFixture(t)
		return privacytest.Fixture{Sink: f.sink, Category: privacy.CategoryLeadConversation,
			Seed: func(ctx context.Context, ids privacy.Identifiers, _ privacy.Category, created time.Time) (string, error) {
				return f.seed(ctx, ids, created)
			}}
	})
}

func TestCryptoShredKeepsRowsAndListsRefsOnly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	alice := privacytest.Person("ws", 1)
	_, err := f.seed(ctx, alice, f.clock.Now())
	require.NoError(t, err)
	token := vault.Ref{WorkspaceID: "ws", Kind: "whatsapp_number", RecordID: "pn-1", Field: "access_token"}
	_, err = f.v.Put(ctx, token, secret.New("EAAG-token"))
	require.NoError(t, err)

	recs, err := f.sink.Export(ctx, privacy.Identifiers{WorkspaceID: "ws", Phones: alice.Phones})
	require.NoError(t, err)
	require.Len(t, recs, 1, "the channel token is not the subject's")
	assert.NotContains(t, string(recs[0].Data), "ABCDE1234F", "export never carries values")
	assert.Contains(t, string(recs[0].Data), `"readable":true`)

	rc, err := f.sink.Erase(ctx, alice, privacy.CategoryLeadConversation, privacy.StrategyCryptoShred)
	require.NoError(t, err)
	assert.Equal(t, 1, rc.Count)
	rc, err = f.sink.Erase(ctx, alice, privacy.CategoryLeadConversation, privacy.StrategyCryptoShred)
	require.NoError(t, err)
	assert.Equal(t, 0, rc.Count, "shredding twice makes nothing more unreadable")

	recs, err = f.sink.Export(ctx, alice)
	require.NoError(t, err)
	require.Len(t, recs, 1, "crypto-shredding keeps the row")
	assert.Contains(t, string(recs[0].Data), `"readable":false`)
	_, err = f.v.Get(ctx, vault.Ref{WorkspaceID: "ws", Kind: "contact", RecordID: "subject-1-1", Field: "pan"})
	require.ErrorIs(t, err, vault.ErrShredded)
	tok, err := f.v.Get(ctx, token)
	require.NoError(t, err)
	assert.Equal(t, "EAAG-token", tok.Reveal(), "other secrets are untouched")

	_, err = f.sink.Erase(ctx, alice, privacy.CategoryLeadConversation, privacy.Strategy("burn"))
	require.ErrorContains(t, err, "unknown strategy")
	rc, err = f.sink.Erase(ctx, alice, privacy.CategoryBilling, privacy.StrategyDelete)
	require.NoError(t, err)
	assert.Zero(t, rc.Count, "a category the sink does not hold erases nothing")
}

func TestPurgeNeedsWorkspacesAndValidCursor(t *testing.T) {
	t.Parallel()
	st := memstore.New()
	v, err := vault.New(vaulttest.Keyring(t), st)
	require.NoError(t, err)
	s, err := vaultsink.New(v, st)
	require.NoError(t, err)
	_, err = s.Purge(context.Background(), privacy.PurgeRequest{Category: privacy.CategoryLeadConversation, Limit: 10})
	require.ErrorContains(t, err, "WithWorkspaces")
	s, err = vaultsink.New(v, st, vaultsink.WithWorkspaces(func(context.Context) ([]string, error) { return []string{"ws"}, nil }))
	require.NoError(t, err)
	_, err = s.Purge(context.Background(), privacy.PurgeRequest{Category: privacy.CategoryLeadConversation, Limit: 10, Cursor: "{"})
	require.ErrorContains(t, err, "cursor")
	_, err = vaultsink.New(nil, st)
	require.Error(t, err)
}

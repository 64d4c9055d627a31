// Package vaulttest is the conformance suite every [vault.Store] passes,
// and small helpers for tests that use a vault.
//
//	func TestStore(t *testing.T) {
//		vaulttest.TestStore(t, func(t *testing.T) vault.Store { return memstore.New() })
//	}
//
// The suite checks the store contract directly (ordering, isolation between
// workspaces, compare-and-swap, counts) and then runs the [vault.Vault]
// service on the store: round trips, records bound to their reference,
// expiry, crypto-shredding with a backup taken before the shred, and a key
// rotation with a Rewrap stopped midway and resumed.
package vaulttest

import (
	"bytes"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/vault"
)

// TestStore runs the conformance suite. newStore returns a fresh, empty
// store for each subtest; subtests run in parallel.
func TestStore(t *testing.T, newStore func(t *testing.T) vault.Store) {
	t.Helper()
	for _, tc := range []struct {
		name string
		fn   func(*testing.T, vault.Store)
	}{
		{"PutSecretAndRead", testPutSecret},
		{"ReplaceKeepsCreatedAndLastUsed", testReplace},
		{"NotFound", testNotFound},
		{"DeleteSecret", testDelete},
		{"WorkspaceIsolation", testWorkspaceIsolation},
		{"ListOrderKindAndPaging", testList},
		{"TouchSecret", testTouch},
		{"StaleSecrets", testStaleSecrets},
		{"SwapSecretComparesCiphertext", testSwapSecret},
		{"SecretVersionCounts", testSecretCounts},
		{"SubjectKeys", testSubjectKeys},
		{"StaleAndSwapSubjectKeys", testStaleSubjectKeys},
		{"ConcurrentPuts", testConcurrentPuts},
		{"VaultRoundTrip", testVaultRoundTrip},
		{"VaultBindsRecords", testVaultBinding},
		{"VaultExpiryAndLastUsed", testVaultExpiry},
		{"VaultShredIncludingBackup", testVaultShred},
		{"VaultRotationResumable", testVaultRotation},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, newStore(t))
		})
	}
}

// Clock is a settable clock for tests, safe for concurrent use.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock stopped at t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// MasterSecret is a fixed 32-byte master secret for tests. Never use it
// outside tests.
var MasterSecret = []byte("vaulttest-master-secret-32-bytes")

// Keyring returns a keyring over [MasterSecret] with opts.
func Keyring(t testing.TB, opts ...vault.KeyringOption) *vault.Keyring {
	t.Helper()
	kr, err := vault.NewKeyring(MasterSecret, opts...)
	require.NoError(t, err)
	return kr
}

var epoch = time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)

func ref(ws, kind, rec, field string) vault.Ref {
	return vault.Ref{WorkspaceID: ws, Kind: kind, RecordID: rec, Field: field}
}

func record(r vault.Ref, ct string, version uint32, at time.Time) vault.Record {
	return vault.Record{Ref: r, Ciphertext: []byte(ct), KeyVersion: version, CreatedAt: at, RotatedAt: at}
}

func requireTime(t *testing.T, want, got time.Time, field string) {
	t.Helper()
	require.Truef(t, want.Equal(got), "%s: want %v, got %v", field, want, got)
}

func refsOf(recs []vault.Record) []vault.Ref {
	out := make([]vault.Ref, len(recs))
	for i, r := range recs {
		out[i] = r.Ref
	}
	return out
}

func testPutSecret(t *testing.T, s vault.Store) {
	ctx := t.Context()
	r := ref("ws1", "whatsapp_number", "1093", "access_token")
	rec := record(r, "sealed-bytes", 3, epoch)
	rec.ExpiresAt = epoch.Add(time.Hour)
	rec.SubjectID = "contact_9"
	rec.SubjectKeyID = []byte{1, 2, 3}
	stored, err := s.PutSecret(ctx, rec)
	require.NoError(t, err)
	require.Equal(t, r, stored.Ref)

	got, err := s.Secret(ctx, r)
	require.NoError(t, err)
	require.Equal(t, r, got.Ref)
	require.Equal(t, []byte("sealed-bytes"), got.Ciphertext)
	require.Equal(t, uint32(3), got.KeyVersion)
	require.Equal(t, "contact_9", got.SubjectID)
	require.Equal(t, []byte{1, 2, 3}, got.SubjectKeyID)
	requireTime(t, epoch, got.CreatedAt, "CreatedAt")
	requireTime(t, epoch, got.RotatedAt, "RotatedAt")
	requireTime(t, epoch.Add(time.Hour), got.ExpiresAt, "ExpiresAt")
	require.True(t, got.LastUsedAt.IsZero(), "LastUsedAt must start zero")

	got.Ciphertext[0] = 'X'
	again, err := s.Secret(ctx, r)
	require.NoError(t, err)
	require.Equal(t, []byte("sealed-bytes"), again.Ciphertext, "returned bytes must be a copy")
}

func testReplace(t *testing.T, s vault.Store) {
	ctx := t.Context()
	r := ref("ws1", "openai", "default", "api_key")
	_, err := s.PutSecret(ctx, record(r, "one", 1, epoch))
	require.NoError(t, err)
	require.NoError(t, s.TouchSecret(ctx, r, epoch.Add(time.Minute)))

	later := epoch.Add(time.Hour)
	stored, err := s.PutSecret(ctx, record(r, "two", 2, later))
	require.NoError(t, err)
	requireTime(t, epoch, stored.CreatedAt, "returned CreatedAt")
	got, err := s.Secret(ctx, r)
	require.NoError(t, err)
	require.Equal(t, []byte("two"), got.Ciphertext)
	require.Equal(t, uint32(2), got.KeyVersion)
	requireTime(t, epoch, got.CreatedAt, "CreatedAt")
	requireTime(t, later, got.RotatedAt, "RotatedAt")
	requireTime(t, epoch.Add(time.Minute), got.LastUsedAt, "LastUsedAt")
	require.True(t, got.ExpiresAt.IsZero())
}

func testNotFound(t *testing.T, s vault.Store) {
	ctx := t.Context()
	r := ref("ws1", "k", "r", "f")
	_, err := s.Secret(ctx, r)
	require.ErrorIs(t, err, vault.ErrNotFound)
	require.ErrorIs(t, s.DeleteSecret(ctx, r), vault.ErrNotFound)
	require.ErrorIs(t, s.TouchSecret(ctx, r, epoch), vault.ErrNotFound)
	_, err = s.SubjectKey(ctx, "ws1", "c1")
	require.ErrorIs(t, err, vault.ErrNotFound)
	require.ErrorIs(t, s.DeleteSubjectKey(ctx, "ws1", "c1"), vault.ErrNotFound)
	ok, err := s.SwapSecret(ctx, r, []byte("a"), []byte("b"), 2)
	require.NoError(t, err)
	require.False(t, ok)
}

func testDelete(t *testing.T, s vault.Store) {
	ctx := t.Context()
	a, b := ref("ws1", "k", "a", "f"), ref("ws1", "k", "b", "f")
	for _, r := range []vault.Ref{a, b} {
		_, err := s.PutSecret(ctx, record(r, "x", 1, epoch))
		require.NoError(t, err)
	}
	require.NoError(t, s.DeleteSecret(ctx, a))
	_, err := s.Secret(ctx, a)
	require.ErrorIs(t, err, vault.ErrNotFound)
	_, err = s.Secret(ctx, b)
	require.NoError(t, err)
}

func testWorkspaceIsolation(t *testing.T, s vault.Store) {
	ctx := t.Context()
	a, b := ref("ws_a", "razorpay", "acct", "key_secret"), ref("ws_b", "razorpay", "acct", "key_secret")
	_, err := s.PutSecret(ctx, record(a, "from-a", 1, epoch))
	require.NoError(t, err)
	_, err = s.PutSecret(ctx, record(b, "from-b", 1, epoch))
	require.NoError(t, err)

	got, err := s.Secret(ctx, b)
	require.NoError(t, err)
	require.Equal(t, []byte("from-b"), got.Ciphertext)

	listA, err := s.ListSecrets(ctx, "ws_a", "", vault.Ref{}, 10)
	require.NoError(t, err)
	require.Equal(t, []vault.Ref{a}, refsOf(listA))
	listC, err := s.ListSecrets(ctx, "ws_c", "", vault.Ref{}, 10)
	require.NoError(t, err)
	require.Empty(t, listC)

	require.NoError(t, s.DeleteSecret(ctx, a))
	_, err = s.Secret(ctx, b)
	require.NoError(t, err, "deleting in one workspace must not touch another")

	require.NoError(t, s.PutSubjectKey(ctx, vault.SubjectKey{WorkspaceID: "ws_a", SubjectID: "c1", KeyID: []byte("id"), Wrapped: []byte("w"), KeyVersion: 1, CreatedAt: epoch}))
	_, err = s.SubjectKey(ctx, "ws_b", "c1")
	require.ErrorIs(t, err, vault.ErrNotFound)
	require.ErrorIs(t, s.DeleteSubjectKey(ctx, "ws_b", "c1"), vault.ErrNotFound)
}

func testList(t *testing.T, s vault.Store) {
	ctx := t.Context()
	// Byte-wise order: upper case sorts before lower case.
	refs := []vault.Ref{
		ref("ws1", "Zeta", "1", "f"),
		ref("ws1", "meta_page", "a", "token"),
		ref("ws1", "meta_page", "b", "app_secret"),
		ref("ws1", "meta_page", "b", "token"),
		ref("ws1", "openai", "x", "api_key"),
	}
	for i := len(refs) - 1; i >= 0; i-- {
		_, err := s.PutSecret(ctx, record(refs[i], "ct", 1, epoch))
		require.NoError(t, err)
	}
	_, err := s.PutSecret(ctx, record(ref("ws2", "meta_page", "a", "token"), "ct", 1, epoch))
	require.NoError(t, err)

	all, err := s.ListSecrets(ctx, "ws1", "", vault.Ref{}, 100)
	require.NoError(t, err)
	require.Equal(t, refs, refsOf(all))

	page1, err := s.ListSecrets(ctx, "ws1", "", vault.Ref{}, 2)
	require.NoError(t, err)
	require.Equal(t, refs[:2], refsOf(page1))
	page2, err := s.ListSecrets(ctx, "ws1", "", page1[1].Ref, 2)
	require.NoError(t, err)
	require.Equal(t, refs[2:4], refsOf(page2))

	kind, err := s.ListSecrets(ctx, "ws1", "meta_page", vault.Ref{}, 100)
	require.NoError(t, err)
	require.Equal(t, refs[1:4], refsOf(kind))
	kindAfter, err := s.ListSecrets(ctx, "ws1", "meta_page", refs[2], 100)
	require.NoError(t, err)
	require.Equal(t, refs[3:4], refsOf(kindAfter))
}

func testTouch(t *testing.T, s vault.Store) {
	ctx := t.Context()
	r := ref("ws1", "k", "r", "f")
	_, err := s.PutSecret(ctx, record(r, "ct", 1, epoch))
	require.NoError(t, err)
	require.NoError(t, s.TouchSecret(ctx, r, epoch.Add(2*time.Hour)))
	got, err := s.Secret(ctx, r)
	require.NoError(t, err)
	requireTime(t, epoch.Add(2*time.Hour), got.LastUsedAt, "LastUsedAt")
	require.Equal(t, []byte("ct"), got.Ciphertext)
}

func testStaleSecrets(t *testing.T, s vault.Store) {
	ctx := t.Context()
	v1a := ref("ws_a", "k", "1", "f")
	v1b := ref("ws_b", "k", "1", "f")
	v2 := ref("ws_a", "k", "2", "f")
	v3 := ref("ws_c", "k", "3", "f")
	subj := ref("ws_a", "k", "0", "f")
	for _, rec := range []vault.Record{
		record(v1b, "b", 1, epoch), record(v1a, "a", 1, epoch), record(v2, "2", 2, epoch),
		record(v3, "3", 3, epoch), record(subj, "s", 0, epoch),
	} {
		_, err := s.PutSecret(ctx, rec)
		require.NoError(t, err)
	}
	stale, err := s.StaleSecrets(ctx, 2, vault.Ref{}, 100)
	require.NoError(t, err)
	require.Equal(t, []vault.Ref{v1a, v1b, v3}, refsOf(stale), "every workspace, byte-wise order, no active or subject-sealed rows")
	require.Equal(t, []byte("a"), stale[0].Ciphertext)

	first, err := s.StaleSecrets(ctx, 2, vault.Ref{}, 1)
	require.NoError(t, err)
	require.Equal(t, []vault.Ref{v1a}, refsOf(first))
	rest, err := s.StaleSecrets(ctx, 2, v1a, 100)
	require.NoError(t, err)
	require.Equal(t, []vault.Ref{v1b, v3}, refsOf(rest))
}

func testSwapSecret(t *testing.T, s vault.Store) {
	ctx := t.Context()
	r := ref("ws1", "k", "r", "f")
	_, err := s.PutSecret(ctx, record(r, "old", 1, epoch))
	require.NoError(t, err)
	require.NoError(t, s.TouchSecret(ctx, r, epoch.Add(time.Minute)))

	ok, err := s.SwapSecret(ctx, r, []byte("not-current"), []byte("new"), 2)
	require.NoError(t, err)
	require.False(t, ok, "swap must compare the stored ciphertext")

	ok, err = s.SwapSecret(ctx, r, []byte("old"), []byte("new"), 2)
	require.NoError(t, err)
	require.True(t, ok)
	got, err := s.Secret(ctx, r)
	require.NoError(t, err)
	require.Equal(t, []byte("new"), got.Ciphertext)
	require.Equal(t, uint32(2), got.KeyVersion)
	requireTime(t, epoch, got.RotatedAt, "RotatedAt (a swap is not a rotation)")
	requireTime(t, epoch.Add(time.Minute), got.LastUsedAt, "LastUsedAt")

	ok, err = s.SwapSecret(ctx, r, []byte("old"), []byte("newer"), 3)
	require.NoError(t, err)
	require.False(t, ok, "a second swap from the same previous value must fail")
}

func testSecretCounts(t *testing.T, s vault.Store) {
	ctx := t.Context()
	counts, err := s.SecretVersionCounts(ctx)
	require.NoError(t, err)
	require.Empty(t, counts)
	for i, v := range []uint32{1, 1, 2, 0, 1} {
		_, err := s.PutSecret(ctx, record(ref("ws"+string(rune('a'+i)), "k", "r", "f"), "ct", v, epoch))
		require.NoError(t, err)
	}
	counts, err = s.SecretVersionCounts(ctx)
	require.NoError(t, err)
	require.Equal(t, map[uint32]int{0: 1, 1: 3, 2: 1}, counts)
}

func testSubjectKeys(t *testing.T, s vault.Store) {
	ctx := t.Context()
	k := vault.SubjectKey{WorkspaceID: "ws1", SubjectID: "contact_1", KeyID: []byte("key-id"), Wrapped: []byte("wrapped"), KeyVersion: 1, CreatedAt: epoch}
	require.NoError(t, s.PutSubjectKey(ctx, k))
	dup := k
	dup.Wrapped = []byte("other")
	require.ErrorIs(t, s.PutSubjectKey(ctx, dup), vault.ErrExists)

	got, err := s.SubjectKey(ctx, "ws1", "contact_1")
	require.NoError(t, err)
	require.Equal(t, []byte("key-id"), got.KeyID)
	require.Equal(t, []byte("wrapped"), got.Wrapped, "a duplicate put must not overwrite")
	require.Equal(t, uint32(1), got.KeyVersion)
	requireTime(t, epoch, got.CreatedAt, "CreatedAt")

	require.NoError(t, s.DeleteSubjectKey(ctx, "ws1", "contact_1"))
	_, err = s.SubjectKey(ctx, "ws1", "contact_1")
	require.ErrorIs(t, err, vault.ErrNotFound)
	require.NoError(t, s.PutSubjectKey(ctx, dup), "a subject may get a fresh key after shredding")
}

func testStaleSubjectKeys(t *testing.T, s vault.Store) {
	ctx := t.Context()
	for _, k := range []vault.SubjectKey{
		{WorkspaceID: "ws_b", SubjectID: "c1", KeyVersion: 1},
		{WorkspaceID: "ws_a", SubjectID: "c2", KeyVersion: 1},
		{WorkspaceID: "ws_a", SubjectID: "c1", KeyVersion: 2},
		{WorkspaceID: "ws_a", SubjectID: "C3", KeyVersion: 3},
	} {
		k.KeyID, k.Wrapped, k.CreatedAt = []byte("id"), []byte(k.WorkspaceID+k.SubjectID), epoch
		require.NoError(t, s.PutSubjectKey(ctx, k))
	}
	ids := func(ks []vault.SubjectKey) []vault.SubjectRef {
		out := make([]vault.SubjectRef, len(ks))
		for i, k := range ks {
			out[i] = vault.SubjectRef{WorkspaceID: k.WorkspaceID, SubjectID: k.SubjectID}
		}
		return out
	}
	stale, err := s.StaleSubjectKeys(ctx, 2, vault.SubjectRef{}, 100)
	require.NoError(t, err)
	require.Equal(t, []vault.SubjectRef{{WorkspaceID: "ws_a", SubjectID: "C3"}, {WorkspaceID: "ws_a", SubjectID: "c2"}, {WorkspaceID: "ws_b", SubjectID: "c1"}}, ids(stale))
	after, err := s.StaleSubjectKeys(ctx, 2, vault.SubjectRef{WorkspaceID: "ws_a", SubjectID: "c2"}, 1)
	require.NoError(t, err)
	require.Equal(t, []vault.SubjectRef{{WorkspaceID: "ws_b", SubjectID: "c1"}}, ids(after))

	ok, err := s.SwapSubjectKey(ctx, "ws_b", "c1", []byte("wrong"), []byte("new"), 2)
	require.NoError(t, err)
	require.False(t, ok)
	ok, err = s.SwapSubjectKey(ctx, "ws_b", "c1", []byte("ws_bc1"), []byte("new"), 2)
	require.NoError(t, err)
	require.True(t, ok)
	got, err := s.SubjectKey(ctx, "ws_b", "c1")
	require.NoError(t, err)
	require.Equal(t, []byte("new"), got.Wrapped)
	require.Equal(t, uint32(2), got.KeyVersion)

	counts, err := s.SubjectKeyVersionCounts(ctx)
	require.NoError(t, err)
	require.Equal(t, map[uint32]int{1: 1, 2: 2, 3: 1}, counts)
}

func testConcurrentPuts(t *testing.T, s vault.Store) {
	ctx := t.Context()
	r := ref("ws1", "k", "r", "f")
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			_, err := s.PutSecret(ctx, record(r, string(rune('a'+i)), 1, epoch.Add(time.Duration(i)*time.Second)))
			assert.NoError(t, err)
			_, err = s.Secret(ctx, r)
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	got, err := s.Secret(ctx, r)
	require.NoError(t, err)
	require.Len(t, got.Ciphertext, 1)
	require.WithinRange(t, got.CreatedAt, epoch, epoch.Add(7*time.Second), "CreatedAt is the first writer's")
	require.True(t, bytes.ContainsAny(got.Ciphertext, "abcdefgh"), "the value is one writer's")
}

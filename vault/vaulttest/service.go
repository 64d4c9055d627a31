package vaulttest

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/secret"
	"github.com/botsync/botsync/vault"
)

func newVault(t *testing.T, s vault.Store, kr *vault.Keyring, clock *Clock) *vault.Vault {
	t.Helper()
	v, err := vault.New(kr, s, vault.WithClock(clock.Now))
	require.NoError(t, err)
	return v
}

func requireValue(t *testing.T, v *vault.Vault, r vault.Ref, want string) {
	t.Helper()
	got, err := v.Get(t.Context(), r)
	require.NoError(t, err, "get %s", r)
	require.Equal(t, want, got.Reveal(), "value at %s", r)
}

func testVaultRoundTrip(t *testing.T, s vault.Store) {
	ctx := t.Context()
	clock := NewClock(epoch)
	v := newVault(t, s, Keyring(t), clock)
	r := ref("ws1", "whatsapp_number", "109300", "access_token")
	meta, err := v.Put(ctx, r, secret.New("EAAG-first"))
	require.NoError(t, err)
	require.Equal(t, r, meta.Ref)
	require.Equal(t, uint32(1), meta.KeyVersion)
	requireValue(t, v, r, "EAAG-first")

	stored, err := s.Secret(ctx, r)
	require.NoError(t, err)
	require.NotContains(t, string(stored.Ciphertext), "EAAG-first", "the store must hold a ciphertext")

	clock.Advance(time.Hour)
	_, err = v.Put(ctx, r, secret.New("EAAG-second"))
	require.NoError(t, err)
	requireValue(t, v, r, "EAAG-second")
	md, err := v.Metadata(ctx, r)
	require.NoError(t, err)
	requireTime(t, epoch, md.CreatedAt, "CreatedAt")
	requireTime(t, epoch.Add(time.Hour), md.RotatedAt, "RotatedAt")

	other := ref("ws1", "openai", "default", "api_key")
	_, err = v.Put(ctx, other, secret.New("sk-test"))
	require.NoError(t, err)
	_, err = v.Put(ctx, ref("ws2", "openai", "default", "api_key"), secret.New("sk-other-workspace"))
	require.NoError(t, err)

	var listed []vault.Ref
	for m, err := range v.All(ctx, "ws1", "") {
		require.NoError(t, err)
		listed = append(listed, m.Ref)
	}
	require.Equal(t, []vault.Ref{other, r}, listed)
	page, err := v.List(ctx, "ws1", vault.ListOptions{Limit: 1})
	require.NoError(t, err)
	require.True(t, page.HasMore)
	require.Equal(t, other, page.Next)

	require.NoError(t, v.Delete(ctx, r))
	_, err = v.Get(ctx, r)
	require.ErrorIs(t, err, vault.ErrNotFound)
	require.ErrorIs(t, v.Delete(ctx, r), vault.ErrNotFound)
}

func testVaultBinding(t *testing.T, s vault.Store) {
	ctx := t.Context()
	v := newVault(t, s, Keyring(t), NewClock(epoch))
	src := ref("ws_a", "meta_page", "page_1", "access_token")
	_, err := v.Put(ctx, src, secret.New("page-token-a"))
	require.NoError(t, err)
	_, err = v.Put(ctx, ref("ws_a", "meta_page", "page_1", "subject_field"), secret.New("subject-bound"), vault.ForSubject("contact_1"))
	require.NoError(t, err)
	rec, err := s.Secret(ctx, src)
	require.NoError(t, err)
	subjRec, err := s.Secret(ctx, ref("ws_a", "meta_page", "page_1", "subject_field"))
	require.NoError(t, err)

	for _, dst := range []vault.Ref{
		ref("ws_b", "meta_page", "page_1", "access_token"), // another workspace
		ref("ws_a", "meta_page", "page_2", "access_token"), // another record
		ref("ws_a", "meta_page", "page_1", "app_secret"),   // another field
		ref("ws_a", "instagram", "page_1", "access_token"), // another kind
	} {
		for _, from := range []vault.Record{rec, subjRec} {
			copied := from
			copied.Ref = dst
			_, err := s.PutSecret(ctx, copied)
			require.NoError(t, err)
			_, err = v.Get(ctx, dst)
			if from.SubjectID != "" && dst.WorkspaceID != "ws_a" {
				require.ErrorIs(t, err, vault.ErrShredded, "subject key of another workspace at %s", dst)
				continue
			}
			require.ErrorIs(t, err, vault.ErrTampered, "copied ciphertext must not open at %s", dst)
		}
	}
	requireValue(t, v, src, "page-token-a")

	// Metadata columns are checked against the ciphertext.
	for name, alter := range map[string]func(*vault.Record){
		"key version":        func(r *vault.Record) { r.KeyVersion = 7 },
		"subject added":      func(r *vault.Record) { r.SubjectID = "contact_1" },
		"subject removed":    func(r *vault.Record) { r.SubjectID, r.KeyVersion = "", 1 },
		"subject key id":     func(r *vault.Record) { r.SubjectKeyID = []byte("other") },
		"subject, version 1": func(r *vault.Record) { r.KeyVersion = 1 },
	} {
		altered := rec
		if name != "key version" && name != "subject added" {
			altered = subjRec
		}
		alter(&altered)
		altered.Ref = ref("ws_a", "altered", name, "f")
		_, err := s.PutSecret(ctx, altered)
		require.NoError(t, err)
		_, err = v.Get(ctx, altered.Ref)
		require.Error(t, err, name)
		require.True(t, errors.Is(err, vault.ErrTampered) || errors.Is(err, vault.ErrShredded), "%s: %v", name, err)
	}
}

func testVaultExpiry(t *testing.T, s vault.Store) {
	ctx := t.Context()
	clock := NewClock(epoch)
	v, err := vault.New(Keyring(t), s, vault.WithClock(clock.Now), vault.WithTouchInterval(time.Minute))
	require.NoError(t, err)
	r := ref("ws1", "google", "acct", "oauth_access_token")
	_, err = v.Put(ctx, r, secret.New("ya29.token"), vault.ExpiresAt(epoch.Add(time.Hour)))
	require.NoError(t, err)

	clock.Advance(10 * time.Minute)
	requireValue(t, v, r, "ya29.token")
	md, err := v.Metadata(ctx, r)
	require.NoError(t, err)
	requireTime(t, epoch.Add(10*time.Minute), md.LastUsedAt, "LastUsedAt")
	requireTime(t, epoch.Add(time.Hour), md.ExpiresAt, "ExpiresAt")

	clock.Advance(30 * time.Second)
	requireValue(t, v, r, "ya29.token")
	md, err = v.Metadata(ctx, r)
	require.NoError(t, err)
	requireTime(t, epoch.Add(10*time.Minute), md.LastUsedAt, "LastUsedAt within the touch interval")

	clock.Advance(50 * time.Minute)
	_, err = v.Get(ctx, r)
	require.ErrorIs(t, err, vault.ErrExpired)
}

func testVaultShred(t *testing.T, s vault.Store) {
	ctx := t.Context()
	v := newVault(t, s, Keyring(t), NewClock(epoch))
	keep := ref("ws1", "contact", "c1", "national_id")
	gone := []vault.Ref{ref("ws1", "contact", "c2", "national_id"), ref("ws1", "contact", "c2", "bank_account")}
	_, err := v.Put(ctx, keep, secret.New("keep-1111"), vault.ForSubject("c1"))
	require.NoError(t, err)
	for i, r := range gone {
		_, err := v.Put(ctx, r, secret.New(fmt.Sprintf("gone-%d", i)), vault.ForSubject("c2"))
		require.NoError(t, err)
	}
	requireValue(t, v, gone[0], "gone-0")
	// Same subject id in another workspace: a different key.
	other := ref("ws2", "contact", "c2", "national_id")
	_, err = v.Put(ctx, other, secret.New("other-ws"), vault.ForSubject("c2"))
	require.NoError(t, err)

	// A backup of the secrets, taken before the shred.
	var backup []vault.Record
	for _, r := range gone {
		rec, err := s.Secret(ctx, r)
		require.NoError(t, err)
		require.Zero(t, rec.KeyVersion)
		backup = append(backup, rec)
	}

	require.NoError(t, v.Shred(ctx, "ws1", "c2"))
	require.NoError(t, v.Shred(ctx, "ws1", "c2"), "shred is idempotent")
	for _, r := range gone {
		_, err := v.Get(ctx, r)
		require.ErrorIs(t, err, vault.ErrShredded)
	}
	requireValue(t, v, keep, "keep-1111")
	requireValue(t, v, other, "other-ws")

	// Restoring the backup does not bring the values back, not even once the
	// subject has a fresh key.
	_, err = v.Put(ctx, ref("ws1", "contact", "c2", "new_field"), secret.New("after-erasure"), vault.ForSubject("c2"))
	require.NoError(t, err)
	for _, rec := range backup {
		_, err := s.PutSecret(ctx, rec)
		require.NoError(t, err)
		_, err = v.Get(ctx, rec.Ref)
		require.ErrorIs(t, err, vault.ErrShredded)
		_, err = v.Keyring().Open(rec.Ciphertext, rec.Ref.AssociatedData())
		require.Error(t, err, "the keyring alone cannot open a subject-sealed value")
	}
	requireValue(t, v, ref("ws1", "contact", "c2", "new_field"), "after-erasure")
}

// cancelAfter cancels a context after n successful swaps, to stop a Rewrap
// midway.
type cancelAfter struct {
	vault.Store
	n      atomic.Int64
	cancel context.CancelFunc
}

func (c *cancelAfter) SwapSecret(ctx context.Context, r vault.Ref, prev, next []byte, version uint32) (bool, error) {
	ok, err := c.Store.SwapSecret(ctx, r, prev, next, version)
	if c.n.Add(-1) == 0 {
		c.cancel()
	}
	return ok, err
}

func testVaultRotation(t *testing.T, s vault.Store) {
	ctx := t.Context()
	kr := Keyring(t)
	v := newVault(t, s, kr, NewClock(epoch))
	want := map[vault.Ref]string{}
	for i := range 7 {
		r := ref(fmt.Sprintf("ws%d", i%3), "whatsapp_number", fmt.Sprintf("num%d", i), "access_token")
		want[r] = fmt.Sprintf("token-%d", i)
		_, err := v.Put(ctx, r, secret.New(want[r]))
		require.NoError(t, err)
	}
	for i := range 2 {
		r := ref("ws0", "contact", fmt.Sprintf("c%d", i), "pan")
		want[r] = fmt.Sprintf("subject-%d", i)
		_, err := v.Put(ctx, r, secret.New(want[r]), vault.ForSubject(fmt.Sprintf("c%d", i)))
		require.NoError(t, err)
	}
	counts, err := v.VersionCounts(ctx)
	require.NoError(t, err)
	require.Equal(t, map[uint32]int{1: 9}, counts, "7 secrets and 2 subject keys under v1")

	v2, err := kr.AddVersion()
	require.NoError(t, err)
	require.NoError(t, kr.Promote(v2))
	fresh := ref("ws1", "openai", "default", "api_key")
	want[fresh] = "sk-new"
	_, err = v.Put(ctx, fresh, secret.New("sk-new"))
	require.NoError(t, err)
	for r, val := range want {
		requireValue(t, v, r, val)
	}

	// Stop after two batches of two, then after a cancelled context, then
	// resume to the end.
	res, err := v.Rewrap(ctx, vault.RewrapOptions{BatchSize: 2, MaxBatches: 2})
	require.NoError(t, err)
	require.False(t, res.Done)
	require.NotEmpty(t, res.Cursor)
	require.Equal(t, 2, res.Rewrapped, "first batch: the two subject keys; second batch: none left, phase changes")
	counts, err = v.VersionCounts(ctx)
	require.NoError(t, err)
	require.Equal(t, map[uint32]int{1: 7, 2: 3}, counts)

	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stopper := &cancelAfter{Store: s, cancel: cancel}
	stopper.n.Store(3)
	vs := newVault(t, stopper, kr, NewClock(epoch))
	res2, err := vs.Rewrap(cctx, vault.RewrapOptions{BatchSize: 2, Cursor: res.Cursor})
	require.ErrorIs(t, err, context.Canceled)
	require.False(t, res2.Done)
	require.Positive(t, res2.Rewrapped)
	counts, err = v.VersionCounts(ctx)
	require.NoError(t, err)
	require.Positive(t, counts[1], "stopped midway")
	require.Less(t, counts[1], 7)

	res3, err := v.Rewrap(ctx, vault.RewrapOptions{BatchSize: 2, Cursor: res2.Cursor})
	require.NoError(t, err)
	require.True(t, res3.Done)
	require.Empty(t, res3.Cursor)
	require.Equal(t, 9, res.Rewrapped+res2.Rewrapped+res3.Rewrapped, "each of the 7 secrets and 2 subject keys rewrapped once")
	counts, err = v.VersionCounts(ctx)
	require.NoError(t, err)
	require.Equal(t, map[uint32]int{2: 10}, counts)

	require.NoError(t, kr.Retire(1))
	for r, val := range want {
		requireValue(t, v, r, val)
	}
	// Rewrapping kept each value bound to its reference.
	moved, err := s.Secret(ctx, fresh)
	require.NoError(t, err)
	moved.Ref = ref("ws9", fresh.Kind, fresh.RecordID, fresh.Field)
	_, err = s.PutSecret(ctx, moved)
	require.NoError(t, err)
	_, err = v.Get(ctx, moved.Ref)
	require.ErrorIs(t, err, vault.ErrTampered)
	require.NoError(t, v.Delete(ctx, moved.Ref))

	again, err := v.Rewrap(ctx, vault.RewrapOptions{})
	require.NoError(t, err)
	require.True(t, again.Done)
	require.Zero(t, again.Rewrapped, "nothing left to rewrap")
}

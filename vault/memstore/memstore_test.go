package memstore_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/secret"
	"github.com/botsync/botsync/vault"
	"github.com/botsync/botsync/vault/memstore"
	"github.com/botsync/botsync/vault/vaulttest"
)

func TestStore(t *testing.T) {
	t.Parallel()
	vaulttest.TestStore(t, func(*testing.T) vault.Store { return memstore.New() })
}

func TestSnapshotRestoreAfterShred(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := memstore.New()
	v, err := vault.New(vaulttest.Keyring(t), s)
	require.NoError(t, err)
	ref := vault.Ref{WorkspaceID: "ws1", Kind: "contact", RecordID: "c1", Field: "aadhaar"}
	_, err = v.Put(ctx, ref, secret.New("1234-5678-9012"), vault.ForSubject("c1"))
	require.NoError(t, err)

	backup := s.Snapshot()
	require.Len(t, backup, 1)
	require.NoError(t, v.Shred(ctx, "ws1", "c1"))
	require.NoError(t, s.Restore(backup))
	_, err = v.Get(ctx, ref)
	require.ErrorIs(t, err, vault.ErrShredded)

	require.ErrorIs(t, s.Restore([]vault.Record{{}}), vault.ErrInvalid)
}

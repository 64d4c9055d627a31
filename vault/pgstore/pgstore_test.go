package pgstore_test

import (
	"encoding/hex"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/internal/pgtest"
	"github.com/botsync/botsync/secret"
	"github.com/botsync/botsync/vault"
	"github.com/botsync/botsync/vault/pgstore"
	"github.com/botsync/botsync/vault/vaulttest"
)

func newStore(t *testing.T) (*pgstore.Store, *pgxPool) {
	t.Helper()
	pool := pgtest.Postgres(t)
	require.NoError(t, pgstore.Migrate(t.Context(), pool))
	return pgstore.New(pool), pool
}

type pgxPool = pgxpool.Pool

func TestStore(t *testing.T) {
	t.Parallel()
	vaulttest.TestStore(t, func(t *testing.T) vault.Store {
		s, _ := newStore(t)
		return s
	})
}

func TestMigrateTwice(t *testing.T) {
	t.Parallel()
	_, pool := newStore(t)
	require.NoError(t, pgstore.Migrate(t.Context(), pool))
}

// TestNoPlaintextAnywhere stores secrets through the vault and then reads
// every column of every vault table as text: no plaintext, raw or hex, and
// only identifiers, ciphertexts (bytea), versions and times as columns.
func TestNoPlaintextAnywhere(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s, pool := newStore(t)
	v, err := vault.New(vaulttest.Keyring(t), s)
	require.NoError(t, err)
	plains := []string{"EAAG-plaintext-token-0001", "rzp_secret_plaintext_0002"}
	_, err = v.Put(ctx, vault.Ref{WorkspaceID: "ws1", Kind: "whatsapp_number", RecordID: "n1", Field: "access_token"}, secret.New(plains[0]))
	require.NoError(t, err)
	_, err = v.Put(ctx, vault.Ref{WorkspaceID: "ws1", Kind: "razorpay", RecordID: "acct", Field: "key_secret"}, secret.New(plains[1]), vault.ForSubject("c1"))
	require.NoError(t, err)

	rows, err := pool.Query(ctx, `SELECT table_name, column_name, data_type FROM information_schema.columns
WHERE table_schema = current_schema() AND table_name LIKE 'vault\_%' ORDER BY table_name, ordinal_position`)
	require.NoError(t, err)
	cols, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) ([3]string, error) {
		var c [3]string
		return c, r.Scan(&c[0], &c[1], &c[2])
	})
	require.NoError(t, err)
	require.NotEmpty(t, cols)
	identifiers := map[string]bool{"workspace_id": true, "kind": true, "record_id": true, "field": true, "subject_id": true}
	for _, c := range cols {
		if c[2] == "text" {
			require.True(t, identifiers[c[1]], "text column %s.%s must be an identifier", c[0], c[1])
		}
	}

	for _, table := range []string{"vault_secrets", "vault_subject_keys"} {
		var dump string
		require.NoError(t, pool.QueryRow(ctx, `SELECT coalesce(string_agg(t::text, E'\n'), '') FROM `+table+` t`).Scan(&dump))
		require.NotEmpty(t, dump)
		for _, p := range plains {
			require.NotContains(t, dump, p)
			require.NotContains(t, strings.ToLower(dump), hex.EncodeToString([]byte(p)))
		}
	}
}

// TestInTransaction composes a vault write with the caller's transaction:
// rolled back, it leaves nothing.
func TestInTransaction(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	_, pool := newStore(t)
	kr := vaulttest.Keyring(t)
	ref := vault.Ref{WorkspaceID: "ws1", Kind: "k", RecordID: "r", Field: "f"}

	tx, err := pool.Begin(ctx)
	require.NoError(t, err)
	vt, err := vault.New(kr, pgstore.New(tx))
	require.NoError(t, err)
	_, err = vt.Put(ctx, ref, secret.New("in-tx"))
	require.NoError(t, err)
	got, err := vt.Get(ctx, ref)
	require.NoError(t, err)
	require.Equal(t, "in-tx", got.Reveal())
	require.NoError(t, tx.Rollback(ctx))

	v, err := vault.New(kr, pgstore.New(pool))
	require.NoError(t, err)
	_, err = v.Get(ctx, ref)
	require.ErrorIs(t, err, vault.ErrNotFound)
}

package vault_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/secret"
	"github.com/botsync/botsync/vault"
	"github.com/botsync/botsync/vault/memstore"
	"github.com/botsync/botsync/vault/vaulttest"
)

func newVault(t testing.TB, opts ...vault.Option) (*vault.Vault, *memstore.Store) {
	t.Helper()
	s := memstore.New()
	v, err := vault.New(newKeyring(t), s, opts...)
	require.NoError(t, err)
	return v, s
}

var tokenRef = vault.Ref{WorkspaceID: "ws1", Kind: "whatsapp_number", RecordID: "109300", Field: "access_token"}

func TestRefValidation(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	v, _ := newVault(t)
	tests := []struct {
		name  string
		ref   vault.Ref
		field string
	}{
		{"empty workspace", vault.Ref{Kind: "k", RecordID: "r", Field: "f"}, "workspace id is empty"},
		{"empty kind", vault.Ref{WorkspaceID: "w", RecordID: "r", Field: "f"}, "kind is empty"},
		{"empty record", vault.Ref{WorkspaceID: "w", Kind: "k", Field: "f"}, "record id is empty"},
		{"empty field", vault.Ref{WorkspaceID: "w", Kind: "k", RecordID: "r"}, "field is empty"},
		{"long field", vault.Ref{WorkspaceID: "w", Kind: "k", RecordID: "r", Field: strings.Repeat("f", 201)}, "field is longer"},
		{"invalid utf8", vault.Ref{WorkspaceID: "w\xff", Kind: "k", RecordID: "r", Field: "f"}, "workspace id is not valid UTF-8"},
		{"nul", vault.Ref{WorkspaceID: "w", Kind: "k\x00", RecordID: "r", Field: "f"}, "kind contains a NUL"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := v.Put(ctx, tc.ref, secret.New("x"))
			require.ErrorIs(t, err, vault.ErrInvalid)
			require.ErrorContains(t, err, tc.field)
			_, err = v.Get(ctx, tc.ref)
			require.ErrorIs(t, err, vault.ErrInvalid)
			require.ErrorIs(t, v.Delete(ctx, tc.ref), vault.ErrInvalid)
			_, err = v.Metadata(ctx, tc.ref)
			require.ErrorIs(t, err, vault.ErrInvalid)
		})
	}
	_, err := v.Put(ctx, tokenRef, secret.New("x"), vault.ForSubject(""))
	require.ErrorContains(t, err, "subject id is empty")
	require.ErrorContains(t, v.Shred(ctx, "ws1", ""), "subject id is empty")
	require.ErrorContains(t, v.Shred(ctx, "", "c1"), "workspace id is empty")
	_, err = v.List(ctx, "", vault.ListOptions{})
	require.ErrorContains(t, err, "workspace id is empty")
	_, err = v.List(ctx, "ws1", vault.ListOptions{Limit: 1001})
	require.ErrorContains(t, err, "limit")
	_, err = v.Rewrap(ctx, vault.RewrapOptions{BatchSize: -1})
	require.ErrorContains(t, err, "batch size")
	_, err = v.Rewrap(ctx, vault.RewrapOptions{MaxBatches: -1})
	require.ErrorContains(t, err, "max batches")
	_, err = v.Rewrap(ctx, vault.RewrapOptions{Cursor: "!!!"})
	require.ErrorContains(t, err, "cursor is malformed")
	_, err = vault.New(newKeyring(t), memstore.New(), vault.WithClock(nil))
	require.ErrorContains(t, err, "clock is nil")
	_, err = vault.New(newKeyring(t), memstore.New(), vault.WithTouchInterval(-time.Second))
	require.ErrorContains(t, err, "touch interval")
}

func TestAssociatedDataIsUnambiguous(t *testing.T) {
	t.Parallel()
	refs := []vault.Ref{
		{WorkspaceID: "a", Kind: "bc", RecordID: "d", Field: "e"},
		{WorkspaceID: "ab", Kind: "c", RecordID: "d", Field: "e"},
		{WorkspaceID: "a", Kind: "b", RecordID: "cd", Field: "e"},
		{WorkspaceID: "a/b", Kind: "c", RecordID: "d", Field: "e"},
		{WorkspaceID: "a", Kind: "b/c", RecordID: "d", Field: "e"},
	}
	seen := map[string]vault.Ref{}
	for _, r := range refs {
		ad := string(r.AssociatedData())
		prev, dup := seen[ad]
		require.False(t, dup, "%v and %v share associated data", prev, r)
		seen[ad] = r
	}
}

// failingTouch makes TouchSecret fail, to exercise the vault's logger.
type failingTouch struct{ vault.Store }

func (failingTouch) TouchSecret(context.Context, vault.Ref, time.Time) error {
	return errors.New("store unavailable")
}

// TestNoPlaintextInOutput uses the vault through every operation with
// loggers at debug level, slog's default logger, os.Stdout and os.Stderr
// captured, prints every result with every fmt verb and as JSON, and checks
// that no plaintext appears (raw, hex or base64). It does not run in
// parallel: it swaps process-wide outputs.
func TestNoPlaintextInOutput(t *testing.T) {
	var out syncBuffer
	stdout, stderr, def := os.Stdout, os.Stderr, slog.Default()
	r, w, err := os.Pipe()
	require.NoError(t, err)
	os.Stdout, os.Stderr = w, w
	copied := make(chan struct{})
	go func() { _, _ = io.Copy(&out, r); close(copied) }()
	logger := slog.New(slog.NewTextHandler(&out, &slog.HandlerOptions{Level: slog.LevelDebug}))
	slog.SetDefault(slog.New(slog.NewJSONHandler(&out, &slog.HandlerOptions{Level: slog.LevelDebug})))
	defer func() {
		os.Stdout, os.Stderr = stdout, stderr
		slog.SetDefault(def)
	}()

	plains := []string{"EAAGplaintextWhatsAppToken0001", "sk-plaintext-openai-key-0002", "subject-plaintext-pan-0003"}
	ctx := t.Context()
	clock := vaulttest.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	kr, err := vault.NewKeyring(master, vault.WithLogger(logger), vault.WithSealWarning(1, nil))
	require.NoError(t, err)
	store := memstore.New()
	v, err := vault.New(kr, failingTouch{store}, vault.WithClock(clock.Now), vault.WithVaultLogger(logger))
	require.NoError(t, err)

	var results []any
	record := func(vals ...any) {
		results = append(results, vals...)
		for _, x := range vals {
			logger.Info("result", "value", x)
			slog.Info("result", "value", x)
		}
	}
	refs := []vault.Ref{tokenRef, {WorkspaceID: "ws1", Kind: "openai", RecordID: "default", Field: "api_key"}, {WorkspaceID: "ws1", Kind: "contact", RecordID: "c1", Field: "pan"}}
	for i, p := range plains {
		var opts []vault.PutOption
		if i == 2 {
			opts = append(opts, vault.ForSubject("c1"))
		}
		md, err := v.Put(ctx, refs[i], secret.New(p), opts...)
		record(md, err)
		val, err := v.Get(ctx, refs[i])
		require.NoError(t, err)
		require.Equal(t, p, val.Reveal())
		record(val, err)
	}
	page, err := v.List(ctx, "ws1", vault.ListOptions{})
	record(page, err)
	_, err = kr.AddVersion()
	require.NoError(t, err)
	require.NoError(t, kr.Promote(2))
	res, err := v.Rewrap(ctx, vault.RewrapOptions{})
	record(res, err)
	counts, err := v.VersionCounts(ctx)
	record(counts, err)
	rec, err := store.Secret(ctx, refs[0])
	require.NoError(t, err)
	rec.Ciphertext[len(rec.Ciphertext)-1] ^= 1
	_, err = store.PutSecret(ctx, rec)
	require.NoError(t, err)
	val, err := v.Get(ctx, refs[0])
	require.ErrorIs(t, err, vault.ErrTampered)
	record(val, err)
	_, err = v.Put(ctx, refs[1], secret.New(plains[1]), vault.ExpiresAt(clock.Now()))
	require.NoError(t, err)
	val, err = v.Get(ctx, refs[1])
	require.ErrorIs(t, err, vault.ErrExpired)
	record(val, err)
	require.NoError(t, v.Shred(ctx, "ws1", "c1"))
	val, err = v.Get(ctx, refs[2])
	require.ErrorIs(t, err, vault.ErrShredded)
	record(val, err)
	record(kr.Versions(), kr, *v)

	var printed strings.Builder
	for _, x := range results {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
			fmt.Fprintf(&printed, verb+"\n", x)
		}
		j, _ := json.Marshal(x)
		printed.Write(j)
	}
	require.NoError(t, w.Close())
	<-copied
	all := out.String() + printed.String()
	require.Contains(t, all, "store unavailable", "the touch failure was logged")
	require.Contains(t, all, "nearing its safe seal count", "the seal warning was logged")
	for _, enc := range []string{string(master), hex.EncodeToString(master), fmt.Sprint(master)} {
		require.NotContains(t, all, enc, "the master secret")
	}
	require.Contains(t, all, "vault.Keyring(env=default purpose=secrets active=2 versions=2)")
	for _, p := range plains {
		for _, enc := range []string{p, hex.EncodeToString([]byte(p)), base64.StdEncoding.EncodeToString([]byte(p))[:20]} {
			require.NotContains(t, all, enc)
		}
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestRewrapDuringServing(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	v, _ := newVault(t)
	kr := v.Keyring()
	refs := make([]vault.Ref, 40)
	for i := range refs {
		refs[i] = vault.Ref{WorkspaceID: fmt.Sprintf("ws%d", i%4), Kind: "k", RecordID: fmt.Sprintf("r%02d", i), Field: "f"}
		_, err := v.Put(ctx, refs[i], secret.New(fmt.Sprintf("v%d", i)))
		require.NoError(t, err)
	}
	v2, err := kr.AddVersion()
	require.NoError(t, err)
	require.NoError(t, kr.Promote(v2))

	var wg sync.WaitGroup
	for g := range 3 {
		wg.Go(func() {
			for i := range refs {
				if i%3 != g {
					continue
				}
				if g == 0 {
					if _, err := v.Put(ctx, refs[i], secret.New(fmt.Sprintf("v%d", i))); err != nil {
						t.Errorf("put %s while rewrapping: %v", refs[i], err)
					}
				}
				got, err := v.Get(ctx, refs[i])
				if err != nil || got.Reveal() != fmt.Sprintf("v%d", i) {
					t.Errorf("get %s while rewrapping: %v", refs[i], err)
				}
			}
		})
	}
	var res vault.RewrapResult
	for !res.Done {
		res, err = v.Rewrap(ctx, vault.RewrapOptions{BatchSize: 3, MaxBatches: 2, Cursor: res.Cursor})
		require.NoError(t, err)
	}
	wg.Wait()
	if _, err := v.Rewrap(ctx, vault.RewrapOptions{}); err != nil {
		t.Fatal(err)
	}
	counts, err := v.VersionCounts(ctx)
	require.NoError(t, err)
	require.Equal(t, map[uint32]int{2: 40}, counts)
	require.NoError(t, kr.Retire(1))
	for i, r := range refs {
		got, err := v.Get(ctx, r)
		require.NoError(t, err)
		require.Equal(t, fmt.Sprintf("v%d", i), got.Reveal())
	}
}

func TestRewrapStopsOnUnreadableValue(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	v, s := newVault(t)
	good := vault.Ref{WorkspaceID: "ws1", Kind: "k", RecordID: "a", Field: "f"}
	bad := vault.Ref{WorkspaceID: "ws1", Kind: "k", RecordID: "b", Field: "f"}
	for _, r := range []vault.Ref{good, bad} {
		_, err := v.Put(ctx, r, secret.New("x"))
		require.NoError(t, err)
	}
	rec, err := s.Secret(ctx, bad)
	require.NoError(t, err)
	rec.Ciphertext[20] ^= 0xff
	_, err = s.PutSecret(ctx, rec)
	require.NoError(t, err)
	_, err = v.Keyring().AddVersion()
	require.NoError(t, err)
	require.NoError(t, v.Keyring().Promote(2))

	res, err := v.Rewrap(ctx, vault.RewrapOptions{})
	require.ErrorIs(t, err, vault.ErrTampered)
	require.ErrorContains(t, err, bad.String())
	require.Equal(t, 1, res.Rewrapped)
	require.False(t, res.Done)

	require.NoError(t, v.Delete(ctx, bad))
	res, err = v.Rewrap(ctx, vault.RewrapOptions{Cursor: res.Cursor})
	require.NoError(t, err)
	require.True(t, res.Done)
}

func TestConcurrentVaultUse(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	v, _ := newVault(t, vault.WithTouchInterval(0))
	var wg sync.WaitGroup
	for g := range 6 {
		wg.Go(func() {
			r := vault.Ref{WorkspaceID: "ws1", Kind: "k", RecordID: fmt.Sprintf("r%d", g%3), Field: "f"}
			for i := range 50 {
				want := fmt.Sprintf("%d-%d", g, i)
				if _, err := v.Put(ctx, r, secret.New(want), vault.ForSubject(fmt.Sprintf("c%d", g%2))); err != nil {
					t.Error(err)
					return
				}
				if _, err := v.Get(ctx, r); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

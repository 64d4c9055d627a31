package vault_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"flag"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/vault"
	"github.com/botsync/botsync/vault/vaulttest"
)

var update = flag.Bool("update", false, "rewrite golden files")

var master = vaulttest.MasterSecret

func newKeyring(t testing.TB, opts ...vault.KeyringOption) *vault.Keyring {
	t.Helper()
	kr, err := vault.NewKeyring(master, opts...)
	require.NoError(t, err)
	return kr
}

func TestNewKeyringValidates(t *testing.T) {
	t.Parallel()
	long := bytes.Repeat([]byte{7}, 32)
	tests := []struct {
		name   string
		secret []byte
		opts   []vault.KeyringOption
		field  string
	}{
		{"nil secret", nil, nil, "master secret"},
		{"31 bytes", bytes.Repeat([]byte{1}, 31), nil, "at least 32 bytes"},
		{"environment", long, []vault.KeyringOption{vault.WithEnvironment("Prod uction")}, "environment"},
		{"empty purpose", long, []vault.KeyringOption{vault.WithPurpose("")}, "purpose"},
		{"active zero", long, []vault.KeyringOption{vault.WithActiveVersion(0)}, "active version"},
		{"latest zero", long, []vault.KeyringOption{vault.WithVersions(0)}, "latest version"},
		{"active above latest", long, []vault.KeyringOption{vault.WithVersions(2), vault.WithActiveVersion(3)}, "above the latest"},
		{"retire active", long, []vault.KeyringOption{vault.WithActiveVersion(2), vault.WithRetiredVersions(2)}, "is the active version"},
		{"retire unknown", long, []vault.KeyringOption{vault.WithRetiredVersions(5)}, "retired version 5"},
		{"short version secret", long, []vault.KeyringOption{vault.WithVersionSecret(1, []byte("short"))}, "version 1 secret"},
		{"version secret beyond latest", long, []vault.KeyringOption{vault.WithVersionSecret(4, long)}, "version secret for 4"},
		{"too many versions", long, []vault.KeyringOption{vault.WithVersions(1001)}, "above 1000"},
		{"seal warning zero", long, []vault.KeyringOption{vault.WithSealWarning(0, nil)}, "seal warning"},
		{"seal warning above 2^32", long, []vault.KeyringOption{vault.WithSealWarning(1<<32+1, nil)}, "seal warning"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			kr, err := vault.NewKeyring(tc.secret, tc.opts...)
			require.ErrorIs(t, err, vault.ErrInvalid)
			require.ErrorContains(t, err, tc.field)
			require.Nil(t, kr)
		})
	}
}

func TestSealOpenRoundTrip(t *testing.T) {
	t.Parallel()
	kr := newKeyring(t)
	for _, size := range []int{0, 1, 15, 16, 17, 256, 4096} {
		plain := bytes.Repeat([]byte{'p'}, size)
		for _, ad := range [][]byte{nil, {}, []byte("ws1/whatsapp_number/1093/access_token")} {
			ct, err := kr.Seal(plain, ad)
			require.NoError(t, err)
			require.Len(t, ct, size+vault.Overhead)
			require.Equal(t, vault.FormatV1, ct[0])
			require.Equal(t, []byte{0, 0, 0, 1}, ct[1:5], "big-endian key version")
			got, err := kr.Open(ct, ad)
			require.NoError(t, err)
			require.Equal(t, plain, append([]byte{}, got...))
		}
	}
}

func TestNoncesAreUnique(t *testing.T) {
	t.Parallel()
	kr := newKeyring(t)
	seen := map[string]bool{}
	for range 2000 {
		ct, err := kr.Seal([]byte("same"), nil)
		require.NoError(t, err)
		nonce := string(ct[5:17])
		require.False(t, seen[nonce], "nonce repeated")
		seen[nonce] = true
	}
}

func TestTamperEveryBit(t *testing.T) {
	t.Parallel()
	kr := newKeyring(t)
	ad := []byte("ws1/k/r/f")
	ct, err := kr.Seal([]byte("EAAG-token-value"), ad)
	require.NoError(t, err)
	for i := range len(ct) * 8 {
		bad := bytes.Clone(ct)
		bad[i/8] ^= 1 << (i % 8)
		got, err := kr.Open(bad, ad)
		require.Error(t, err, "bit %d", i)
		require.Nil(t, got)
		if i/8 >= 1 && i/8 < 5 {
			// Version 1 with a flipped bit names an unknown version, or
			// version 0, which no ciphertext carries.
			require.True(t, errors.Is(err, vault.ErrUnknownKey) || errors.Is(err, vault.ErrTampered), "bit %d in the version: %v", i, err)
		} else {
			require.ErrorIs(t, err, vault.ErrTampered, "bit %d", i)
		}
		require.NotContains(t, err.Error(), "EAAG")
	}
}

func TestTamperCases(t *testing.T) {
	t.Parallel()
	kr := newKeyring(t)
	ad := []byte("ws1/k/r/f")
	ct, err := kr.Seal([]byte("token"), ad)
	require.NoError(t, err)

	for n := range len(ct) {
		_, err := kr.Open(ct[:n], ad)
		require.ErrorIs(t, err, vault.ErrTampered, "truncated to %d bytes", n)
	}
	_, err = kr.Open(append(bytes.Clone(ct), 0), ad)
	require.ErrorIs(t, err, vault.ErrTampered, "extended")

	for _, other := range [][]byte{nil, []byte("ws2/k/r/f"), []byte("ws1/k/r/f "), ad[:len(ad)-1]} {
		_, err = kr.Open(ct, other)
		require.ErrorIs(t, err, vault.ErrTampered, "associated data %q", other)
	}

	unknown := bytes.Clone(ct)
	unknown[4] = 9
	_, err = kr.Open(unknown, ad)
	require.ErrorIs(t, err, vault.ErrUnknownKey)
	require.ErrorContains(t, err, "version 9")

	zero := bytes.Clone(ct)
	zero[4] = 0
	_, err = kr.Open(zero, ad)
	require.ErrorIs(t, err, vault.ErrTampered)

	_, err = vault.CiphertextVersion(ct[:10])
	require.ErrorIs(t, err, vault.ErrTampered)
	v, err := vault.CiphertextVersion(ct)
	require.NoError(t, err)
	require.Equal(t, uint32(1), v)
}

func TestLabelsSeparateKeys(t *testing.T) {
	t.Parallel()
	base := newKeyring(t, vault.WithEnvironment("production"), vault.WithPurpose("tokens"))
	ct, err := base.Seal([]byte("x"), nil)
	require.NoError(t, err)

	same := newKeyring(t, vault.WithEnvironment("production"), vault.WithPurpose("tokens"))
	got, err := same.Open(ct, nil)
	require.NoError(t, err, "the same secret and labels derive the same key")
	require.Equal(t, "x", string(got))

	for name, kr := range map[string]*vault.Keyring{
		"environment": newKeyring(t, vault.WithEnvironment("staging"), vault.WithPurpose("tokens")),
		"purpose":     newKeyring(t, vault.WithEnvironment("production"), vault.WithPurpose("pii")),
		"secret":      mustKeyring(t, bytes.Repeat([]byte{9}, 32), vault.WithEnvironment("production"), vault.WithPurpose("tokens")),
	} {
		_, err := kr.Open(ct, nil)
		require.ErrorIs(t, err, vault.ErrTampered, "another %s must not open", name)
	}
}

func mustKeyring(t *testing.T, secret []byte, opts ...vault.KeyringOption) *vault.Keyring {
	t.Helper()
	kr, err := vault.NewKeyring(secret, opts...)
	require.NoError(t, err)
	return kr
}

// TestGoldenCiphertext pins the key derivation: a ciphertext sealed by an
// earlier build must open forever.
func TestGoldenCiphertext(t *testing.T) {
	t.Parallel()
	kr := newKeyring(t, vault.WithEnvironment("test"), vault.WithPurpose("golden"), vault.WithVersions(2))
	path := filepath.Join("testdata", "keyring_v1.golden")
	ad := []byte("golden/ad")
	if *update {
		ct, err := kr.Seal([]byte("golden plaintext"), ad)
		require.NoError(t, err)
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(path, []byte(hex.EncodeToString(ct)+"\n"), 0o644))
	}
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	ct, err := hex.DecodeString(strings.TrimSpace(string(raw)))
	require.NoError(t, err)
	got, err := kr.Open(ct, ad)
	require.NoError(t, err)
	require.Equal(t, "golden plaintext", string(got))
}

func TestRotation(t *testing.T) {
	t.Parallel()
	kr := newKeyring(t)
	ad := []byte("ad")
	ct1, err := kr.Seal([]byte("one"), ad)
	require.NoError(t, err)

	v2, err := kr.AddVersion()
	require.NoError(t, err)
	require.Equal(t, uint32(2), v2)
	require.Equal(t, uint32(1), kr.ActiveVersion(), "a new version does not seal until promoted")
	require.NoError(t, kr.Promote(v2))
	require.Equal(t, uint32(2), kr.ActiveVersion())
	ct2, err := kr.Seal([]byte("two"), ad)
	require.NoError(t, err)
	v, _ := vault.CiphertextVersion(ct2)
	require.Equal(t, uint32(2), v)

	for ct, want := range map[*[]byte]string{&ct1: "one", &ct2: "two"} {
		got, err := kr.Open(*ct, ad)
		require.NoError(t, err)
		require.Equal(t, want, string(got))
	}

	require.ErrorIs(t, kr.Retire(2), vault.ErrInvalid, "the active version cannot be retired")
	require.ErrorIs(t, kr.Retire(7), vault.ErrUnknownKey)
	require.NoError(t, kr.Retire(1))
	_, err = kr.Open(ct1, ad)
	require.ErrorIs(t, err, vault.ErrKeyRetired)
	require.ErrorContains(t, err, "version 1")
	require.ErrorIs(t, kr.Promote(1), vault.ErrKeyRetired)
	require.Equal(t, []vault.KeyInfo{
		{Version: 1, State: vault.StateRetired, Seals: 1},
		{Version: 2, State: vault.StateActive, Seals: 1},
	}, kr.Versions())

	require.NoError(t, kr.Reinstate(1))
	got, err := kr.Open(ct1, ad)
	require.NoError(t, err)
	require.Equal(t, "one", string(got))
	require.NoError(t, kr.Promote(1), "rolling back to an older version is allowed")
	require.Equal(t, "open-only", kr.Versions()[1].State.String())
}

func TestRestartWithRotationState(t *testing.T) {
	t.Parallel()
	ad := []byte("ad")
	// Server A has promoted v2; server B restarts knowing v2 but still
	// sealing with v1 (step one of a rotation). Each opens the other's.
	a := newKeyring(t, vault.WithActiveVersion(2))
	b := newKeyring(t, vault.WithVersions(2), vault.WithActiveVersion(1))
	fromA, err := a.Seal([]byte("a"), ad)
	require.NoError(t, err)
	fromB, err := b.Seal([]byte("b"), ad)
	require.NoError(t, err)
	_, err = b.Open(fromA, ad)
	require.NoError(t, err)
	_, err = a.Open(fromB, ad)
	require.NoError(t, err)

	c := newKeyring(t, vault.WithActiveVersion(2), vault.WithRetiredVersions(1))
	_, err = c.Open(fromB, ad)
	require.ErrorIs(t, err, vault.ErrKeyRetired)
	_, err = c.Open(fromA, ad)
	require.NoError(t, err)
}

func TestMasterSecretRotation(t *testing.T) {
	t.Parallel()
	newSecret := bytes.Repeat([]byte{0x42}, 32)
	kr := newKeyring(t)
	v2, err := kr.AddVersionWithSecret(newSecret)
	require.NoError(t, err)
	require.NoError(t, kr.Promote(v2))
	ct, err := kr.Seal([]byte("x"), nil)
	require.NoError(t, err)

	restarted := newKeyring(t, vault.WithActiveVersion(2), vault.WithVersionSecret(2, newSecret))
	_, err = restarted.Open(ct, nil)
	require.NoError(t, err)
	withoutIt := newKeyring(t, vault.WithActiveVersion(2))
	_, err = withoutIt.Open(ct, nil)
	require.ErrorIs(t, err, vault.ErrTampered)

	_, err = kr.AddVersionWithSecret([]byte("short"))
	require.ErrorIs(t, err, vault.ErrInvalid)
}

func TestSealWarning(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	var calls atomic.Int32
	var gotVersion atomic.Uint32
	kr := newKeyring(t,
		vault.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))),
		vault.WithSealWarning(3, func(v uint32, n uint64) {
			calls.Add(1)
			gotVersion.Store(v)
			assert.Equal(t, uint64(3), n)
		}))
	for range 10 {
		_, err := kr.Seal([]byte("plaintext-in-warning-test"), nil)
		require.NoError(t, err)
	}
	require.Equal(t, int32(1), calls.Load(), "warn once per version")
	require.Equal(t, uint32(1), gotVersion.Load())
	require.Contains(t, logs.String(), "level=WARN")
	require.Contains(t, logs.String(), "version=1")
	require.NotContains(t, logs.String(), "plaintext-in-warning-test")
	require.Equal(t, uint64(10), kr.Versions()[0].Seals)
}

func TestUnusableKeyringDoesNotPanic(t *testing.T) {
	t.Parallel()
	for name, kr := range map[string]*vault.Keyring{"zero": {}, "nil": nil} {
		_, err := kr.Seal([]byte("x"), nil)
		require.ErrorIs(t, err, vault.ErrInvalid, name)
		_, err = kr.Open(make([]byte, 64), nil)
		require.ErrorIs(t, err, vault.ErrInvalid, name)
		_, err = kr.AddVersion()
		require.ErrorIs(t, err, vault.ErrInvalid, name)
		require.ErrorIs(t, kr.Promote(1), vault.ErrInvalid, name)
		require.Zero(t, kr.ActiveVersion(), name)
		require.Nil(t, kr.Versions(), name)
		_, err = vault.New(kr, nil)
		require.ErrorIs(t, err, vault.ErrInvalid, name)
	}
}

func TestAppendVariantsAllocateNothing(t *testing.T) {
	kr := newKeyring(t)
	plain := bytes.Repeat([]byte{'t'}, 256)
	ad := []byte("ws1/whatsapp_number/1093/access_token")
	sealBuf := make([]byte, 0, len(plain)+vault.Overhead)
	openBuf := make([]byte, 0, len(plain))
	var ct []byte
	allocs := testing.AllocsPerRun(100, func() {
		var err error
		ct, err = kr.SealAppend(sealBuf[:0], plain, ad)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := kr.OpenAppend(openBuf[:0], ct, ad); err != nil {
			t.Fatal(err)
		}
	})
	require.Zero(t, allocs)

	prefix := []byte("prefix:")
	out, err := kr.SealAppend(prefix, plain, ad)
	require.NoError(t, err)
	require.Equal(t, "prefix:", string(out[:7]))
	back, err := kr.OpenAppend([]byte("p:"), out[7:], ad)
	require.NoError(t, err)
	require.Equal(t, "p:"+string(plain), string(back))

	failed, err := kr.OpenAppend([]byte("keep"), out[:20], ad)
	require.ErrorIs(t, err, vault.ErrTampered)
	require.Equal(t, "keep", string(failed), "dst unchanged on error")
}

func TestConcurrentSealOpenAndRotate(t *testing.T) {
	t.Parallel()
	kr := newKeyring(t)
	ad := []byte("ad")
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			plain := []byte{byte(g), 'x', 'y'}
			buf := make([]byte, 0, 64)
			for range 300 {
				ct, err := kr.Seal(plain, ad)
				if !assert.NoError(t, err) {
					return
				}
				got, err := kr.OpenAppend(buf[:0], ct, ad)
				if !assert.NoError(t, err) || !assert.Equal(t, plain, got) {
					return
				}
			}
		})
	}
	wg.Go(func() {
		for range 5 {
			v, err := kr.AddVersion()
			if !assert.NoError(t, err) {
				return
			}
			assert.NoError(t, kr.Promote(v))
			_ = kr.Versions()
		}
	})
	wg.Wait()
	require.Equal(t, uint32(6), kr.ActiveVersion())
	var total uint64
	for _, k := range kr.Versions() {
		total += k.Seals
	}
	require.Equal(t, uint64(8*300), total)
}

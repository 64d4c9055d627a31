package vault_test

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/vault"
)

// bareAEAD derives the same key as the keyring's version 1 with the
// documented labels, so that the bare crypto/cipher benchmarks use the same
// key as the vault's.
func bareAEAD(tb testing.TB, env, purpose string) cipher.AEAD {
	tb.Helper()
	key, err := hkdf.Key(sha256.New, master, []byte("botsync vault keyring"),
		"botsync/vault/keyring/v1 env="+env+" purpose="+purpose+" version=1", 32)
	require.NoError(tb, err)
	block, err := aes.NewCipher(key)
	require.NoError(tb, err)
	aead, err := cipher.NewGCM(block)
	require.NoError(tb, err)
	return aead
}

// TestDerivationMatchesDocumentedLabels is a known-answer check of the key
// derivation: a bare AES-256-GCM with the HKDF key derived from the
// documented labels opens what the keyring seals.
func TestDerivationMatchesDocumentedLabels(t *testing.T) {
	t.Parallel()
	kr := newKeyring(t, vault.WithEnvironment("production"), vault.WithPurpose("tokens"))
	ct, err := kr.Seal([]byte("token"), []byte("ad"))
	require.NoError(t, err)
	aead := bareAEAD(t, "production", "tokens")
	got, err := aead.Open(nil, ct[5:17], ct[17:], []byte("ad"))
	require.NoError(t, err)
	require.Equal(t, "token", string(got))
}

var benchAD = []byte("ws_123/whatsapp_number/109300000000001/access_token")

func benchToken() []byte { return bytes.Repeat([]byte{'E'}, 256) }

// The vault benchmarks use the append variants with caller-supplied
// buffers, next to bare crypto/cipher AES-256-GCM with the same key and a
// fresh random nonce per seal (what correct bare use requires).

func BenchmarkSeal(b *testing.B) {
	plain := benchToken()
	b.Run("vault", func(b *testing.B) {
		kr := newKeyring(b)
		buf := make([]byte, 0, len(plain)+vault.Overhead)
		b.ReportAllocs()
		b.SetBytes(int64(len(plain)))
		for b.Loop() {
			if _, err := kr.SealAppend(buf[:0], plain, benchAD); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("vault-alloc", func(b *testing.B) {
		kr := newKeyring(b)
		b.ReportAllocs()
		b.SetBytes(int64(len(plain)))
		for b.Loop() {
			if _, err := kr.Seal(plain, benchAD); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("bare-gcm", func(b *testing.B) {
		aead := bareAEAD(b, "default", "secrets")
		buf := make([]byte, 0, len(plain)+vault.Overhead)
		b.ReportAllocs()
		b.SetBytes(int64(len(plain)))
		for b.Loop() {
			out := buf[:12]
			_, _ = rand.Read(out)
			_ = aead.Seal(out, out[:12], plain, benchAD)
		}
	})
}

func BenchmarkOpen(b *testing.B) {
	plain := benchToken()
	b.Run("vault", func(b *testing.B) {
		kr := newKeyring(b)
		ct, err := kr.Seal(plain, benchAD)
		require.NoError(b, err)
		buf := make([]byte, 0, len(plain))
		b.ReportAllocs()
		b.SetBytes(int64(len(plain)))
		for b.Loop() {
			if _, err := kr.OpenAppend(buf[:0], ct, benchAD); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("vault-alloc", func(b *testing.B) {
		kr := newKeyring(b)
		ct, err := kr.Seal(plain, benchAD)
		require.NoError(b, err)
		b.ReportAllocs()
		b.SetBytes(int64(len(plain)))
		for b.Loop() {
			if _, err := kr.Open(ct, benchAD); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("bare-gcm", func(b *testing.B) {
		aead := bareAEAD(b, "default", "secrets")
		nonce := make([]byte, 12)
		_, _ = rand.Read(nonce)
		ct := aead.Seal(nil, nonce, plain, benchAD)
		buf := make([]byte, 0, len(plain))
		b.ReportAllocs()
		b.SetBytes(int64(len(plain)))
		for b.Loop() {
			if _, err := aead.Open(buf[:0], nonce, ct, benchAD); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkSealOpen is the pair the target is stated on: the vault's
// Seal+Open within 1.5x of the bare pair.
func BenchmarkSealOpen(b *testing.B) {
	plain := benchToken()
	b.Run("vault", func(b *testing.B) {
		kr := newKeyring(b)
		sealBuf := make([]byte, 0, len(plain)+vault.Overhead)
		openBuf := make([]byte, 0, len(plain))
		b.ReportAllocs()
		b.SetBytes(int64(len(plain)))
		for b.Loop() {
			ct, err := kr.SealAppend(sealBuf[:0], plain, benchAD)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := kr.OpenAppend(openBuf[:0], ct, benchAD); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("bare-gcm", func(b *testing.B) {
		aead := bareAEAD(b, "default", "secrets")
		sealBuf := make([]byte, 0, len(plain)+vault.Overhead)
		openBuf := make([]byte, 0, len(plain))
		b.ReportAllocs()
		b.SetBytes(int64(len(plain)))
		for b.Loop() {
			out := sealBuf[:12]
			_, _ = rand.Read(out)
			ct := aead.Seal(out, out[:12], plain, benchAD)
			if _, err := aead.Open(openBuf[:0], ct[:12], ct[12:], benchAD); err != nil {
				b.Fatal(err)
			}
		}
	})
}

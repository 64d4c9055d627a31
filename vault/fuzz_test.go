package vault_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/botsync/botsync/secret"
	"github.com/botsync/botsync/vault"
	"github.com/botsync/botsync/vault/memstore"
)

// FuzzOpen feeds arbitrary bytes and associated data to Open: it never
// panics, fails only with the documented sentinels, and opens nothing but
// genuine ciphertexts with their own associated data.
func FuzzOpen(f *testing.F) {
	kr, err := vault.NewKeyring(master, vault.WithVersions(3), vault.WithActiveVersion(2), vault.WithRetiredVersions(1))
	if err != nil {
		f.Fatal(err)
	}
	ad := []byte("ws1/whatsapp_number/1093/access_token")
	genuine, err := kr.Seal([]byte("EAAG-token"), ad)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(genuine, ad)
	f.Add(genuine[:len(genuine)-1], ad)
	f.Add(genuine, []byte("ws2/whatsapp_number/1093/access_token"))
	f.Add([]byte{}, []byte{})
	f.Add([]byte{0x01, 0, 0, 0, 1}, ad)
	f.Add(append([]byte{0x01, 0, 0, 0, 9}, make([]byte, 40)...), ad)
	f.Add(append([]byte{0x02}, genuine[1:]...), ad)
	f.Fuzz(func(t *testing.T, ct, ad2 []byte) {
		got, err := kr.Open(ct, ad2)
		if err == nil {
			// Fuzzing workers seal their own genuine value (another nonce),
			// so only the plaintext and the associated data are compared.
			if !bytes.Equal(ad2, ad) || string(got) != "EAAG-token" {
				t.Fatalf("opened a forged ciphertext")
			}
			return
		}
		if got != nil {
			t.Fatalf("returned plaintext with error %v", err)
		}
		if !errors.Is(err, vault.ErrTampered) && !errors.Is(err, vault.ErrUnknownKey) && !errors.Is(err, vault.ErrKeyRetired) {
			t.Fatalf("unexpected error %v", err)
		}
		if _, verr := vault.CiphertextVersion(ct); verr != nil && !errors.Is(verr, vault.ErrTampered) {
			t.Fatalf("CiphertextVersion: unexpected error %v", verr)
		}
	})
}

// FuzzRewrapCursor feeds arbitrary resume cursors to Rewrap: malformed
// ones fail with ErrInvalid, well-formed ones run.
func FuzzRewrapCursor(f *testing.F) {
	kr, err := vault.NewKeyring(master)
	if err != nil {
		f.Fatal(err)
	}
	v, err := vault.New(kr, memstore.New())
	if err != nil {
		f.Fatal(err)
	}
	f.Add("")
	f.Add("!!")
	for _, c := range realCursors(f) {
		f.Add(c)
		f.Add(c[:len(c)-2])
	}
	f.Fuzz(func(t *testing.T, cursor string) {
		res, err := v.Rewrap(t.Context(), vault.RewrapOptions{Cursor: cursor, BatchSize: 10})
		if err != nil {
			if !errors.Is(err, vault.ErrInvalid) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if !res.Done {
			t.Fatalf("an empty store must finish in one run")
		}
	})
}

// realCursors returns cursors of interrupted runs, one per phase.
func realCursors(f *testing.F) []string {
	ctx := f.Context()
	kr, err := vault.NewKeyring(master)
	if err != nil {
		f.Fatal(err)
	}
	v, err := vault.New(kr, memstore.New())
	if err != nil {
		f.Fatal(err)
	}
	for _, id := range []string{"a", "b"} {
		r := vault.Ref{WorkspaceID: "ws1", Kind: "k", RecordID: id, Field: "f"}
		if _, err := v.Put(ctx, r, secret.New("x")); err != nil {
			f.Fatal(err)
		}
		r.Field = "g"
		if _, err := v.Put(ctx, r, secret.New("x"), vault.ForSubject(id)); err != nil {
			f.Fatal(err)
		}
	}
	if _, err := kr.AddVersion(); err != nil {
		f.Fatal(err)
	}
	if err := kr.Promote(2); err != nil {
		f.Fatal(err)
	}
	var out []string
	for _, max := range []int{1, 3} {
		res, err := v.Rewrap(ctx, vault.RewrapOptions{BatchSize: 1, MaxBatches: max})
		if err != nil || res.Cursor == "" {
			f.Fatalf("rewrap for a seed cursor: %v", err)
		}
		out = append(out, res.Cursor)
	}
	return out
}

package vault_test

import (
	"context"
	"fmt"
	"log"

	"github.com/botsync/botsync/secret"
	"github.com/botsync/botsync/vault"
	"github.com/botsync/botsync/vault/memstore"
)

// Seal a WhatsApp access token, rotate the key, and open it again.
func Example() {
	ctx := context.Background()
	// In production: 32 bytes from `head -c 32 /dev/urandom | base64`,
	// decoded, from the deployment's secret manager.
	masterSecret := []byte("example-master-secret-32-bytes!!")

	kr, err := vault.NewKeyring(masterSecret, vault.WithEnvironment("production"), vault.WithPurpose("tokens"))
	if err != nil {
		log.Fatal(err)
	}
	v, err := vault.New(kr, memstore.New())
	if err != nil {
		log.Fatal(err)
	}
	ref := vault.Ref{WorkspaceID: "ws_acme", Kind: "whatsapp_number", RecordID: "109300000000001", Field: "access_token"}
	if _, err := v.Put(ctx, ref, secret.New("EAAG-example-token")); err != nil {
		log.Fatal(err)
	}

	// Rotate: add and promote version 2, rewrap, check, retire version 1.
	v2, _ := kr.AddVersion()
	if err := kr.Promote(v2); err != nil {
		log.Fatal(err)
	}
	res, err := v.Rewrap(ctx, vault.RewrapOptions{})
	if err != nil {
		log.Fatal(err)
	}
	counts, _ := v.VersionCounts(ctx)
	fmt.Println("rewrapped:", res.Rewrapped, "done:", res.Done, "values under v1:", counts[1])
	if err := kr.Retire(1); err != nil {
		log.Fatal(err)
	}

	tok, err := v.Get(ctx, ref)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tok)                                  // redacted
	fmt.Println(tok.Reveal() == "EAAG-example-token") // only where it goes on the wire
	// Output:
	// rewrapped: 1 done: true values under v1: 0
	// [REDACTED]
	// true
}

func ExampleKeyring_SealAppend() {
	kr, err := vault.NewKeyring([]byte("example-master-secret-32-bytes!!"))
	if err != nil {
		log.Fatal(err)
	}
	ad := []byte("ws_acme/openai/default/api_key")
	plaintext := []byte("sk-example")
	// Reusable buffers: Seal and Open then allocate nothing.
	sealBuf := make([]byte, 0, len(plaintext)+vault.Overhead)
	openBuf := make([]byte, 0, len(plaintext))

	ct, _ := kr.SealAppend(sealBuf, plaintext, ad)
	version, _ := vault.CiphertextVersion(ct)
	pt, err := kr.OpenAppend(openBuf, ct, ad)
	fmt.Println(len(ct)-len(plaintext), version, err == nil, len(pt))

	_, err = kr.Open(ct, []byte("ws_other/openai/default/api_key"))
	fmt.Println(err)
	// Output:
	// 33 1 true 10
	// vault: open: vault: ciphertext is invalid or was tampered with
}

func ExampleVault_Shred() {
	ctx := context.Background()
	kr, _ := vault.NewKeyring([]byte("example-master-secret-32-bytes!!"))
	v, _ := vault.New(kr, memstore.New())
	ref := vault.Ref{WorkspaceID: "ws_acme", Kind: "contact", RecordID: "c_42", Field: "pan"}
	if _, err := v.Put(ctx, ref, secret.New("ABCDE1234F"), vault.ForSubject("c_42")); err != nil {
		log.Fatal(err)
	}
	if err := v.Shred(ctx, "ws_acme", "c_42"); err != nil {
		log.Fatal(err)
	}
	_, err := v.Get(ctx, ref)
	fmt.Println(err)
	// Output: vault: get ws_acme/contact/c_42/pan: vault: subject key destroyed
}

package memstore_test

import (
	"context"
	"fmt"
	"log"

	"github.com/botsync/botsync/secret"
	"github.com/botsync/botsync/vault"
	"github.com/botsync/botsync/vault/memstore"
)

func Example() {
	ctx := context.Background()
	kr, err := vault.NewKeyring([]byte("example-master-secret-32-bytes!!"))
	if err != nil {
		log.Fatal(err)
	}
	store := memstore.New()
	v, err := vault.New(kr, store)
	if err != nil {
		log.Fatal(err)
	}
	ref := vault.Ref{WorkspaceID: "ws_acme", Kind: "razorpay", RecordID: "acct_1", Field: "key_secret"}
	if _, err := v.Put(ctx, ref, secret.New("rzp-example-secret")); err != nil {
		log.Fatal(err)
	}
	for m, err := range v.All(ctx, "ws_acme", "") {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(m.Ref, "key version", m.KeyVersion)
	}
	backup := store.Snapshot()
	fmt.Println(len(backup), "sealed record in the backup")
	// Output:
	// ws_acme/razorpay/acct_1/key_secret key version 1
	// 1 sealed record in the backup
}

package vaulttest_test

import (
	"context"
	"fmt"
	"time"

	"github.com/botsync/botsync/secret"
	"github.com/botsync/botsync/vault"
	"github.com/botsync/botsync/vault/memstore"
	"github.com/botsync/botsync/vault/vaulttest"
)

// A fake clock drives expiry in tests.
func ExampleClock() {
	ctx := context.Background()
	clock := vaulttest.NewClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	kr, _ := vault.NewKeyring(vaulttest.MasterSecret)
	v, _ := vault.New(kr, memstore.New(), vault.WithClock(clock.Now))
	ref := vault.Ref{WorkspaceID: "ws1", Kind: "google", RecordID: "acct", Field: "oauth_access_token"}
	_, _ = v.Put(ctx, ref, secret.New("ya29.example"), vault.ExpiresAt(clock.Now().Add(time.Hour)))

	_, err := v.Get(ctx, ref)
	fmt.Println(err)
	clock.Advance(time.Hour)
	_, err = v.Get(ctx, ref)
	fmt.Println(err)
	// Output:
	// <nil>
	// vault: get ws1/google/acct/oauth_access_token: vault: secret expired
}

package vaultsink_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/botsync/botsync/privacy"
	"github.com/botsync/botsync/privacy/sinks/vaultsink"
	"github.com/botsync/botsync/secret"
	"github.com/botsync/botsync/vault"
	"github.com/botsync/botsync/vault/memstore"
)

func Example() {
	ctx := context.Background()
	kr, _ := vault.NewKeyring([]byte("example-master-secret-of-32-byte"))
	st := memstore.New()
	v, _ := vault.New(kr, st)
	ref := vault.Ref{WorkspaceID: "ws", Kind: "lead", RecordID: "lead-7", Field: "pan"}
	_, _ = v.Put(ctx, ref, secret.New("ABCDE1234F"), vault.ForSubject("lead-7"))

	sink, _ := vaultsink.New(v, st)
	rc, err := sink.Erase(ctx, privacy.Identifiers{WorkspaceID: "ws", SubjectIDs: []string{"lead-7"}},
		privacy.CategoryLeadConversation, privacy.StrategyCryptoShred)
	fmt.Println(rc.Count, err)
	_, err = v.Get(ctx, ref)
	fmt.Println(errors.Is(err, vault.ErrShredded))
	// Output:
	// 1 <nil>
	// true
}

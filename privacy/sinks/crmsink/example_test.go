package crmsink_test

import (
	"context"
	"fmt"

	"github.com/botsync/botsync/crm"
	"github.com/botsync/botsync/crm/memstore"
	"github.com/botsync/botsync/privacy"
	"github.com/botsync/botsync/privacy/sinks/crmsink"
)

func Example() {
	ctx := context.Background()
	svc, _ := crm.New(memstore.New(), crm.WithDefaultRegion("IN"))
	_, _, _ = svc.FindOrCreate(ctx, "ws", crm.Contact{Name: "Asha", Identities: []crm.Identity{crm.Phone("+91 98123 45678")}})

	sink, _ := crmsink.New(svc)
	who := privacy.Identifiers{WorkspaceID: "ws", Phones: []string{"+919812345678"}}
	recs, _ := sink.Export(ctx, who)
	fmt.Println(recs[0].Kind)
	rc, err := sink.Erase(ctx, who, privacy.CategoryLeadConversation, privacy.StrategyDelete)
	fmt.Println(rc.Count, err)
	// Output:
	// lead
	// 1 <nil>
}

package memstore_test

import (
	"context"
	"fmt"

	"github.com/botsync/botsync/crm"
	"github.com/botsync/botsync/crm/memstore"
)

func ExampleNew() {
	ctx := context.Background()
	svc, _ := crm.New(memstore.New(), crm.WithDefaultRegion("IN"))
	lead, created, _ := svc.FindOrCreate(ctx, "ws1", crm.Contact{Identities: []crm.Identity{crm.Email("Asha@Example.com")}})
	fmt.Println(created, lead.Email())
	// Output: true asha@example.com
}

package memstore_test

import (
	"context"
	"fmt"

	"github.com/botsync/botsync/whatsapp/broadcast"
	"github.com/botsync/botsync/whatsapp/broadcast/broadcasttest"
	"github.com/botsync/botsync/whatsapp/broadcast/memstore"
)

// Two worker pools share a campaign through one store: leases keep them
// from sending anyone twice.
func ExampleNew() {
	ctx := context.Background()
	store := memstore.New()
	fake := broadcasttest.NewSender(nil)
	a, _ := broadcast.New(store, fake)
	b, _ := broadcast.New(store, fake)
	c, _ := a.Create(ctx, *broadcasttest.NewCampaign("ws1", "june"), "user:1")
	_, _ = a.Plan(ctx, "ws1", c.ID, broadcasttest.Members(50), "user:1")
	_, _ = a.Start(ctx, "ws1", c.ID, "user:1")
	done := make(chan error)
	go func() { done <- b.Run(ctx, "ws1", c.ID, broadcast.WithOwner("instance-b")) }()
	_ = a.Run(ctx, "ws1", c.ID, broadcast.WithOwner("instance-a"))
	<-done
	dup := 0
	for _, n := range fake.Counts() {
		dup += n - 1
	}
	fmt.Println("sent:", len(fake.Sent()), "duplicates:", dup)
	// Output: sent: 50 duplicates: 0
}

package memstore_test

import (
	"context"
	"fmt"
	"time"

	"github.com/botsync/botsync/billing"
	"github.com/botsync/botsync/billing/memstore"
)

func Example() {
	store := memstore.New()
	ctx := context.Background()
	march := billing.MonthPeriod(time.Date(2026, 3, 5, 0, 0, 0, 0, billing.IST))
	ev := billing.UsageEvent{WorkspaceID: "ws_1", Metric: billing.MetricAITokens, Quantity: 1200, IdempotencyKey: "req_1", At: march.Start}
	added, total, _ := store.AddUsage(ctx, ev, march)
	fmt.Println(added, total)
	added, total, _ = store.AddUsage(ctx, ev, march)
	fmt.Println(added, total)
	// Output:
	// true 1200
	// false 1200
}

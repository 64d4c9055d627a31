package memstore_test

import (
	"context"
	"fmt"
	"time"

	"github.com/botsync/botsync/privacy"
	"github.com/botsync/botsync/privacy/memstore"
)

func Example() {
	ctx := context.Background()
	st := memstore.New()
	now := func() time.Time { return time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC) }
	audit := privacy.NewAuditLog(st, now)
	holds := privacy.NewHolds(st, audit, now)
	if _, err := holds.Place(ctx, privacy.Hold{ID: "gst-2025", WorkspaceID: "ws", Category: privacy.CategoryBilling, Reason: "GST assessment", CreatedBy: "dpo"}); err != nil {
		fmt.Println(err)
		return
	}
	err := holds.Check(ctx, privacy.Scope{WorkspaceID: "ws", Category: privacy.CategoryBilling})
	fmt.Println(err)
	n, err := audit.Verify(ctx, "ws", nil)
	fmt.Println(n, err)
	// Output:
	// privacy: legal hold in effect: hold gst-2025 covers billing
	// 1 <nil>
}

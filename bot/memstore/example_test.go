package memstore_test

import (
	"context"
	"fmt"

	"github.com/botsync/botsync/bot/memstore"
)

// The once-per-comment claim: the first claimant wins, every later one loses.
func ExampleStore_Claim() {
	st := memstore.New()
	ctx := context.Background()
	first, _ := st.Claim(ctx, "ws_1", "comment:17865799348012345")
	second, _ := st.Claim(ctx, "ws_1", "comment:17865799348012345")
	other, _ := st.Claim(ctx, "ws_2", "comment:17865799348012345")
	fmt.Println(first, second, other)
	// Output: true false true
}

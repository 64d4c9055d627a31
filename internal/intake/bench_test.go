package intake_test

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/botsync/botsync/internal/intake"
)

// BenchmarkAccept is the webhook hot path: store a 1 KiB delivery with its
// dedup key.
func BenchmarkAccept(b *testing.B) {
	q, err := intake.New(intake.NewMemStore(), func(context.Context, intake.Job) error { return nil })
	if err != nil {
		b.Fatal(err)
	}
	body := make([]byte, 1024)
	ctx := context.Background()
	b.ReportAllocs()
	var n atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, _, err := q.Accept(ctx, "meta", strconv.FormatInt(n.Add(1), 10), body); err != nil {
				b.Fatal(err)
			}
		}
	})
}

package knowledgetest_test

import (
	"context"
	"fmt"
	"math"

	"github.com/botsync/botsync/ai/knowledge/knowledgetest"
)

// The deterministic embedder: equal texts give equal vectors, texts that
// share words are closer than unrelated ones.
func ExampleHashEmbedder() {
	emb := knowledgetest.NewHashEmbedder(256)
	vecs, model, _ := emb.Embed(context.Background(), "ws", []string{
		"JEE batch fees", "fees of the JEE batch", "hostel near campus",
	})
	cos := func(a, b []float32) float64 {
		var s float64
		for i := range a {
			s += float64(a[i] * b[i])
		}
		return math.Round(s*100) / 100
	}
	fmt.Println(model, len(vecs[0]))
	fmt.Println(cos(vecs[0], vecs[1]) > cos(vecs[0], vecs[2]))
	// Output:
	// hash-embed-v1 256
	// true
}

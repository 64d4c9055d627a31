package knowledgetest

import (
	"math"
	"math/rand/v2"

	"github.com/botsync/botsync/ai/knowledge"
)

// RandomUnit returns n normalized vectors of dims dimensions from seed.
func RandomUnit(seed uint64, n, dims int) [][]float32 {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	out := make([][]float32, n)
	for i := range out {
		v := make([]float32, dims)
		for j := range v {
			v[j] = float32(r.NormFloat64())
		}
		out[i], _ = knowledge.Normalize(v)
	}
	return out
}

// ClusteredUnit returns n normalized vectors of dims dimensions drawn
// around clusters random centroids (each vector's cosine to its centroid
// is about 0.7), from seed — closer to real embeddings, which crowd around
// topics, than uniform random vectors. Equal seeds and centroidSeed give
// equal vectors; queries drawn with another seed and the same centroidSeed
// fall among the same clusters.
func ClusteredUnit(seed, centroidSeed uint64, n, dims, clusters int) [][]float32 {
	centroids := RandomUnit(centroidSeed, clusters, dims)
	r := rand.New(rand.NewPCG(seed, seed^0x51ed2701f3a5c7b9))
	sigma := 1 / math.Sqrt(float64(dims))
	out := make([][]float32, n)
	for i := range out {
		c := centroids[r.IntN(clusters)]
		v := make([]float32, dims)
		for j := range v {
			v[j] = c[j] + float32(r.NormFloat64()*sigma)
		}
		out[i], _ = knowledge.Normalize(v)
	}
	return out
}

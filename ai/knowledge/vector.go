package knowledge

import (
	"fmt"
	"math"
)

// Normalize returns v scaled to unit length. It fails on empty, zero or
// non-finite vectors.
func Normalize(v []float32) ([]float32, error) {
	if len(v) == 0 {
		return nil, fmt.Errorf("%w: empty vector", ErrEmbedding)
	}
	var sum float64
	for _, x := range v {
		f := float64(x)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("%w: non-finite component", ErrEmbedding)
		}
		sum += f * f
	}
	if sum == 0 {
		return nil, fmt.Errorf("%w: zero vector", ErrEmbedding)
	}
	inv := 1 / math.Sqrt(sum)
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(float64(x) * inv)
	}
	return out, nil
}

// IsNormalized reports whether v has unit length within tolerance.
func IsNormalized(v []float32) bool {
	var sum float64
	for _, x := range v {
		sum += float64(x) * float64(x)
	}
	return math.Abs(sum-1) < 1e-3
}

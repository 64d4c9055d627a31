package memstore

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestDot(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 7, 8, 9, 15, 16, 17, 1536, 1537} {
		a, b := make([]float32, n), make([]float32, n+3)
		var want float64
		for i := range a {
			a[i], b[i] = r.Float32()-0.5, r.Float32()-0.5
			want += float64(a[i]) * float64(b[i])
		}
		assert.InDelta(t, want, float64(dot(a, b)), 1e-4, "n=%d", n)
		assert.InDelta(t, want, float64(dotGeneric(a, b)), 1e-4, "generic n=%d", n)
	}
}

func TestTopK(t *testing.T) {
	t.Parallel()
	top := newTopK(3)
	for i, s := range []float32{0.1, 0.9, 0.5, 0.9, 0.2, 0.7, -1} {
		top.push(s, int32(i))
	}
	rows, scores := top.sorted()
	assert.Equal(t, []int32{1, 3, 5}, rows, "ties keep the earlier row first")
	assert.Equal(t, []float32{0.9, 0.9, 0.7}, scores)
}

func TestDot4(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 4))
	for _, d := range []int{16, 32, 1536} {
		q := make([]float32, d)
		for i := range q {
			q[i] = r.Float32() - 0.5
		}
		var rows [4][]float32
		for k := range rows {
			rows[k] = make([]float32, d)
			for i := range rows[k] {
				rows[k][i] = r.Float32() - 0.5
			}
		}
		var out [4]float32
		if !dot4(q, rows[0], rows[1], rows[2], rows[3], &out) {
			t.Skip("no AVX2")
		}
		for k := range rows {
			assert.InDelta(t, float64(dotGeneric(q, rows[k])), float64(out[k]), 1e-4, "d=%d row %d", d, k)
		}
	}
	var out [4]float32
	odd := make([]float32, 15)
	assert.False(t, dot4(odd, odd, odd, odd, odd, &out), "dims not a multiple of 16")
}

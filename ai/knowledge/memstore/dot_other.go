//go:build !amd64 || purego

package memstore

// dot returns the inner product of a and b (len(b) ≥ len(a)).
func dot(a, b []float32) float32 { return dotGeneric(a, b) }

// dot4Supported reports false: no four-row kernel without AVX2.
func dot4Supported(int) bool { return false }

// dot4 reports false: no four-row kernel without AVX2.
func dot4(_, _, _, _, _ []float32, _ *[4]float32) bool { return false }

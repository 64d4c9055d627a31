//go:build amd64 && !purego

package memstore

// useAVX2 is true when the CPU and OS support AVX2 and FMA.
var useAVX2 = hasAVX2FMA()

// dot returns the inner product of a and b (len(b) ≥ len(a)), with AVX2
// fused multiply-adds when available.
func dot(a, b []float32) float32 {
	n := len(a)
	if n == 0 {
		return 0
	}
	b = b[:n]
	if useAVX2 {
		return dotAVX2(&a[0], &b[0], n)
	}
	return dotGeneric(a, b)
}

// dotAVX2 is implemented in dot_amd64.s: four 8-wide accumulators, 32
// floats per iteration, then 8-wide and scalar tails.
//
//go:noescape
func dotAVX2(a, b *float32, n int) float32

func cpuid(leaf, sub uint32) (eax, ebx, ecx, edx uint32)

func xgetbv() (eax, edx uint32)

func hasAVX2FMA() bool {
	max, _, _, _ := cpuid(0, 0)
	if max < 7 {
		return false
	}
	_, _, ecx1, _ := cpuid(1, 0)
	const fma, osxsave, avx = 1 << 12, 1 << 27, 1 << 28
	if ecx1&(fma|osxsave|avx) != fma|osxsave|avx {
		return false
	}
	if xcr0, _ := xgetbv(); xcr0&6 != 6 { // XMM and YMM state enabled by the OS
		return false
	}
	_, ebx7, _, _ := cpuid(7, 0)
	return ebx7&(1<<5) != 0
}

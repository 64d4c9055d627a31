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

// dot4pAVX2 is implemented in dot_amd64.s: the inner products of q with
// four rows of dims floats (dims a positive multiple of 16).
//
//go:noescape
func dot4pAVX2(q, r0, r1, r2, r3 *float32, dims int, out *[4]float32)

// dot4Supported reports whether dot4 works for vectors of d dimensions.
func dot4Supported(d int) bool { return useAVX2 && d > 0 && d%16 == 0 }

// dot4 stores in out the inner products of q with rows r0..r3 (each at
// least len(q) long) and reports whether it could: it needs AVX2 and
// len(q) a multiple of 16.
func dot4(q, r0, r1, r2, r3 []float32, out *[4]float32) bool {
	d := len(q)
	if !dot4Supported(d) || len(r0) < d || len(r1) < d || len(r2) < d || len(r3) < d {
		return false
	}
	dot4pAVX2(&q[0], &r0[0], &r1[0], &r2[0], &r3[0], d, out)
	return true
}

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

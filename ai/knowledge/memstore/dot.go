package memstore

// dotGeneric returns the inner product of a and b (len(b) ≥ len(a)). It
// is unrolled eight ways with independent accumulators so the CPU overlaps
// the multiply-adds, and re-slices to let the compiler drop bounds checks.
// dot uses it where no vector instructions are available.
func dotGeneric(a, b []float32) float32 {
	n := len(a)
	b = b[:n]
	var s0, s1, s2, s3, s4, s5, s6, s7 float32
	i := 0
	for ; i <= n-8; i += 8 {
		x := a[i : i+8 : i+8]
		y := b[i : i+8 : i+8]
		s0 += x[0] * y[0]
		s1 += x[1] * y[1]
		s2 += x[2] * y[2]
		s3 += x[3] * y[3]
		s4 += x[4] * y[4]
		s5 += x[5] * y[5]
		s6 += x[6] * y[6]
		s7 += x[7] * y[7]
	}
	for ; i < n; i++ {
		s0 += a[i] * b[i]
	}
	return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
}

// topK keeps the k best (score, row) pairs seen, as a min-heap on score.
type topK struct {
	k     int
	score []float32
	row   []int32
}

func newTopK(k int) *topK {
	return &topK{k: k, score: make([]float32, 0, k), row: make([]int32, 0, k)}
}

// push offers a candidate; ties keep the earlier row.
func (t *topK) push(s float32, r int32) {
	if len(t.score) < t.k {
		t.score = append(t.score, s)
		t.row = append(t.row, r)
		for i := len(t.score) - 1; i > 0; {
			p := (i - 1) / 2
			if !t.less(i, p) {
				break
			}
			t.swap(i, p)
			i = p
		}
		return
	}
	if s <= t.score[0] {
		return
	}
	t.score[0], t.row[0] = s, r
	t.siftDown()
}

// less orders the heap: lower score first; on equal scores the later row
// is "smaller" so that earlier rows survive.
func (t *topK) less(i, j int) bool {
	if t.score[i] != t.score[j] {
		return t.score[i] < t.score[j]
	}
	return t.row[i] > t.row[j]
}

func (t *topK) swap(i, j int) {
	t.score[i], t.score[j] = t.score[j], t.score[i]
	t.row[i], t.row[j] = t.row[j], t.row[i]
}

// sorted returns the kept rows best first.
func (t *topK) sorted() ([]int32, []float32) {
	rows := make([]int32, 0, len(t.row))
	scores := make([]float32, 0, len(t.row))
	for len(t.score) > 0 {
		n := len(t.score) - 1
		rows = append(rows, t.row[0])
		scores = append(scores, t.score[0])
		t.swap(0, n)
		t.score, t.row = t.score[:n], t.row[:n]
		t.siftDown()
	}
	// Popped worst first.
	for i, j := 0, len(rows)-1; i < j; i, j = i+1, j-1 {
		rows[i], rows[j] = rows[j], rows[i]
		scores[i], scores[j] = scores[j], scores[i]
	}
	return rows, scores
}

func (t *topK) siftDown() {
	for i := 0; ; {
		l, m := 2*i+1, i
		if l < len(t.score) && t.less(l, m) {
			m = l
		}
		if r := l + 1; r < len(t.score) && t.less(r, m) {
			m = r
		}
		if m == i {
			return
		}
		t.swap(i, m)
		i = m
	}
}

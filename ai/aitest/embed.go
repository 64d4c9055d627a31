package aitest

import (
	"hash/fnv"
	"math"
	"strings"
	"unicode"
)

// DefaultDims is the vector size [Embed] uses when asked for fewer than one
// dimension, and the size the fake server returns when a request does not
// name "dimensions".
const DefaultDims = 64

// Embed returns a deterministic unit vector of dims dimensions for text. The
// same text always gives the same vector; texts that share words and
// character trigrams give vectors with a high cosine similarity, so retrieval
// tests can rank without a network or a model.
//
// Features are the lower-cased words and the character trigrams of each
// padded word, hashed (FNV-1a) into dims buckets with a hashed sign, then L2
// normalised. Text without any letters or digits maps to the first basis
// vector. dims < 1 means [DefaultDims]. Embed is safe for concurrent use.
func Embed(text string, dims int) []float32 {
	if dims < 1 {
		dims = DefaultDims
	}
	acc := make([]float64, dims)
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	for _, w := range words {
		add(acc, "w:"+w, 2)
		padded := []rune(" " + w + " ")
		for i := 0; i+3 <= len(padded); i++ {
			add(acc, "t:"+string(padded[i:i+3]), 1)
		}
	}
	var norm float64
	for _, v := range acc {
		norm += v * v
	}
	out := make([]float32, dims)
	if norm == 0 {
		out[0] = 1
		return out
	}
	norm = math.Sqrt(norm)
	for i, v := range acc {
		out[i] = float32(v / norm)
	}
	return out
}

func add(acc []float64, feature string, weight float64) {
	h := fnv.New64a()
	_, _ = h.Write([]byte(feature))
	sum := h.Sum64()
	idx := int(sum % uint64(len(acc)))
	if sum>>63 == 1 {
		weight = -weight
	}
	acc[idx] += weight
}

// Cosine returns the cosine similarity of two vectors of equal length (the dot
// product, for the unit vectors [Embed] returns). It returns 0 when the
// lengths differ or either vector is zero.
func Cosine(a, b []float32) float64 {
	if len(a) != len(b) || len(a) == 0 {
		return 0
	}
	var dot, na, nb float64
	for i := range a {
		dot += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	if na == 0 || nb == 0 {
		return 0
	}
	return dot / math.Sqrt(na*nb)
}

// Package knowledgetest holds test doubles for package knowledge — a
// deterministic embedder and fake answer models — and TestStore, the
// conformance suite every knowledge.Store implementation passes.
//
//	func TestStore(t *testing.T) {
//		knowledgetest.TestStore(t, func(t *testing.T) knowledge.Store { return memstore.New() })
//	}
package knowledgetest

import (
	"context"
	"errors"
	"hash/fnv"
	"math"
	"sync"

	"github.com/botsync/botsync/ai/knowledge"
)

// HashEmbedder is a deterministic embedder: it hashes words, word pairs and
// character trigrams of the lower-cased text into a fixed number of
// dimensions with random signs, and L2-normalizes the result. Equal texts
// get equal vectors and texts sharing words get close ones — enough to test
// retrieval without a provider. It is safe for concurrent use.
type HashEmbedder struct {
	mu    sync.Mutex
	model string
	dims  int
	calls int
	texts int
	err   error
}

// NewHashEmbedder returns an embedder of dims dimensions (256 when zero)
// reporting the model "hash-embed-v1".
func NewHashEmbedder(dims int) *HashEmbedder {
	if dims <= 0 {
		dims = 256
	}
	return &HashEmbedder{model: "hash-embed-v1", dims: dims}
}

// SetModel changes the model name the embedder reports (the vectors also
// change, as a real model change would change them).
func (e *HashEmbedder) SetModel(name string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.model = name
}

// FailWith makes every following Embed call return err (nil clears it).
func (e *HashEmbedder) FailWith(err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.err = err
}

// Calls returns the number of Embed calls and of texts embedded so far.
func (e *HashEmbedder) Calls() (calls, texts int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.calls, e.texts
}

// EmbeddingModel implements knowledge.Embedder.
func (e *HashEmbedder) EmbeddingModel() (string, int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.model, e.dims
}

// Embed implements knowledge.Embedder.
func (e *HashEmbedder) Embed(ctx context.Context, _ string, texts []string) ([][]float32, string, error) {
	if err := ctx.Err(); err != nil {
		return nil, "", err
	}
	e.mu.Lock()
	model, dims, err := e.model, e.dims, e.err
	if err == nil {
		e.calls++
		e.texts += len(texts)
	}
	e.mu.Unlock()
	if err != nil {
		return nil, "", err
	}
	out := make([][]float32, len(texts))
	for i, t := range texts {
		out[i] = HashVector(model, t, dims)
	}
	return out, model, nil
}

// HashVector is the vector HashEmbedder gives text under model.
func HashVector(model, text string, dims int) []float32 {
	v := make([]float32, dims)
	add := func(feature string, w float32) {
		h := fnv.New64a()
		h.Write([]byte(model))
		h.Write([]byte{0})
		h.Write([]byte(feature))
		s := h.Sum64()
		idx := int(s % uint64(dims))
		if s>>63 == 1 {
			w = -w
		}
		v[idx] += w
	}
	words := knowledge.TextTerms(text)
	if len(words) == 0 {
		words = knowledge.Terms(text)
	}
	for i, w := range words {
		add("w:"+w, 1)
		if i > 0 {
			add("b:"+words[i-1]+" "+w, 0.5)
		}
		r := []rune("^" + w + "$")
		for j := 0; j+3 <= len(r); j++ {
			add("c:"+string(r[j:j+3]), 0.35)
		}
	}
	var sum float64
	for _, x := range v {
		sum += float64(x) * float64(x)
	}
	if sum == 0 {
		v[0] = 1
		return v
	}
	inv := float32(1 / math.Sqrt(sum))
	for i := range v {
		v[i] *= inv
	}
	return v
}

// ErrScripted is returned by fakes that were given no reply.
var ErrScripted = errors.New("knowledgetest: no scripted reply")

package knowledge

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// checkSpans asserts the invariants every chunking must keep.
func checkSpans(t *testing.T, d document, spans []chunkSpan) {
	prevStart := -1
	for _, s := range spans {
		if s.start < 0 || s.end > len(d.text) || s.start >= s.end {
			t.Fatalf("bad span [%d,%d) of %d bytes", s.start, s.end, len(d.text))
		}
		if !utf8.ValidString(d.text[s.start:s.end]) {
			t.Fatalf("span [%d,%d) cuts a rune", s.start, s.end)
		}
		if s.start <= prevStart {
			t.Fatalf("spans not advancing: %d after %d", s.start, prevStart)
		}
		prevStart = s.start
	}
}

func FuzzMarkdownChunks(f *testing.F) {
	f.Add("# T\n\npara one. two!\n\n## S\ntext\n===\n```\ncode\n```", 16)
	f.Add("फीस कितनी है? JEE बैच की फीस ₹1,80,000 है।\n\n- a\n- b", 20)
	f.Add(strings.Repeat("word ", 300), 32)
	f.Fuzz(func(t *testing.T, text string, budget int) {
		if !utf8.ValidString(text) {
			return
		}
		budget = 16 + abs(budget)%500
		d := parseMarkdown(text)
		checkSpans(t, d, chunkDocument(d, ChunkOptions{MaxTokens: budget}))
		d = parseText(text)
		checkSpans(t, d, chunkDocument(d, ChunkOptions{MaxTokens: budget, Overlap: 0.3}))
	})
}

func FuzzHTML(f *testing.F) {
	f.Add("<html><head><title>x</title></head><body><h1>A</h1><p>b<br>c</p><table><tr><td>1</td><td>2</td></tr></table></body></html>")
	f.Add("<script><p>not text</script><pre>  x\n y</pre><ul><li>one<li>two</ul>")
	f.Add("<<<>>><!-- c --><p>&amp;&#8377;&bogus;")
	f.Fuzz(func(t *testing.T, src string) {
		if !utf8.ValidString(src) {
			return // Source.validate rejects it first
		}
		text, _, err := htmlToMarkdown(src)
		if err != nil {
			return
		}
		d := parseMarkdown(text)
		checkSpans(t, d, chunkDocument(d, ChunkOptions{MaxTokens: 64}))
	})
}

func FuzzCSV(f *testing.F) {
	f.Add("Batch,Fee\nJEE,\"1,80,000\"\nNEET,95000\n")
	f.Add("a\n\"x\"\"y\"\n,,,\n")
	f.Fuzz(func(t *testing.T, src string) {
		if !utf8.ValidString(src) {
			return // Source.validate rejects it first
		}
		d, err := csvDocument(src)
		if err != nil {
			return
		}
		checkSpans(t, d, chunkDocument(d, ChunkOptions{MaxTokens: 32}))
	})
}

func abs(n int) int {
	if n < 0 {
		if n == -n {
			return 0
		}
		return -n
	}
	return n
}

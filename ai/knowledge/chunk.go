package knowledge

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// ChunkOptions control how sources are cut into chunks.
type ChunkOptions struct {
	// MaxTokens is the budget of one chunk (default 500).
	MaxTokens int
	// Overlap is the share of MaxTokens repeated from the end of a chunk
	// at the start of the next one in the same section (default 0.15;
	// negative means none).
	Overlap float64
	// Tokens counts the tokens of a text (default EstimateTokens).
	Tokens func(string) int
}

// Chunking defaults.
const (
	DefaultMaxTokens = 500
	DefaultOverlap   = 0.15
)

func (o ChunkOptions) withDefaults() ChunkOptions {
	if o.MaxTokens == 0 {
		o.MaxTokens = DefaultMaxTokens
	}
	if o.Overlap == 0 {
		o.Overlap = DefaultOverlap
	}
	if o.Overlap < 0 {
		o.Overlap = 0
	}
	if o.Tokens == nil {
		o.Tokens = EstimateTokens
	}
	return o
}

func (o ChunkOptions) validate() error {
	if o.MaxTokens < 0 || o.MaxTokens > 8192 || (o.MaxTokens > 0 && o.MaxTokens < 16) {
		return invalid("chunk.max_tokens", "must be 16..8192, got %d", o.MaxTokens)
	}
	if o.Overlap >= 0.5 {
		return invalid("chunk.overlap", "must be below 0.5, got %g", o.Overlap)
	}
	return nil
}

// EstimateTokens approximates a text's token count for BPE tokenizers: one
// token per four bytes, and at least one per word.
func EstimateTokens(s string) int {
	words := 0
	in := false
	for _, r := range s {
		sp := unicode.IsSpace(r)
		if !sp && !in {
			words++
		}
		in = !sp
	}
	return max(words, (len(s)+3)/4)
}

// span is a piece [start,end) of the document text with its token count.
type span struct{ start, end, tokens int }

// chunkSpan is one chunk: a contiguous span of the document text.
type chunkSpan struct {
	start, end int
	heading    string
}

// chunker cuts a document into chunks.
type chunker struct {
	text    string
	o       ChunkOptions
	overlap int
	cur     []span
	curTok  int
	heading string
	out     []chunkSpan
}

// chunkDocument cuts d into token-budgeted chunks along headings and
// paragraphs. Chunks never cross a heading or a unit (FAQ pair, CSV row);
// consecutive chunks of one section share an overlap of trailing
// sentences.
func chunkDocument(d document, o ChunkOptions) []chunkSpan {
	o = o.withDefaults()
	c := &chunker{text: d.text, o: o, overlap: int(float64(o.MaxTokens) * o.Overlap)}
	var stack [7]string
	for _, b := range d.blocks {
		switch b.kind {
		case blockHeading:
			c.flush()
			stack[b.level] = b.title
			for l := b.level + 1; l < len(stack); l++ {
				stack[l] = ""
			}
			var parts []string
			for _, t := range stack[1:] {
				if t != "" {
					parts = append(parts, t)
				}
			}
			c.heading = strings.Join(parts, " › ")
		case blockUnit:
			c.flush()
			for _, p := range c.pieces(b.start, b.end) {
				c.add(p)
			}
			c.flush()
		default:
			for _, p := range c.pieces(b.start, b.end) {
				c.add(p)
			}
		}
	}
	c.flush()
	return c.out
}

// pieces returns [start,end) whole when it fits the budget, else its
// sentences (and the words of sentences that alone exceed it).
func (c *chunker) pieces(start, end int) []span {
	start, end = trimSpan(c.text, start, end)
	if start >= end {
		return nil
	}
	if t := c.o.Tokens(c.text[start:end]); t <= c.o.MaxTokens {
		return []span{{start, end, t}}
	}
	var out []span
	for _, s := range sentences(c.text, start, end) {
		t := c.o.Tokens(c.text[s.start:s.end])
		if t <= c.o.MaxTokens {
			out = append(out, span{s.start, s.end, t})
			continue
		}
		out = append(out, c.wordWindows(s.start, s.end)...)
	}
	return out
}

// wordWindows cuts [start,end) at word boundaries into pieces within
// budget, counting tokens word by word (BPE counts are close to additive
// over words), so a long run of words costs linear time.
func (c *chunker) wordWindows(start, end int) []span {
	var out []span
	ws := words(c.text, start, end)
	for i := 0; i < len(ws); {
		j, t := i, 0
		for j < len(ws) {
			wt := c.o.Tokens(c.text[ws[j].start:ws[j].end])
			if t+wt > c.o.MaxTokens && j > i {
				break
			}
			t += wt
			j++
		}
		out = append(out, span{ws[i].start, ws[j-1].end, t})
		i = j
	}
	return out
}

func (c *chunker) add(p span) {
	if len(c.cur) > 0 && c.curTok+p.tokens > c.o.MaxTokens {
		tail := c.tail()
		c.flush()
		tt := 0
		for _, s := range tail {
			tt += s.tokens
		}
		if tt+p.tokens <= c.o.MaxTokens {
			c.cur, c.curTok = tail, tt
		}
	}
	c.cur = append(c.cur, p)
	c.curTok += p.tokens
}

// tail returns the trailing pieces of the current chunk that fit the
// overlap budget, refining the last piece into sentences or words when it
// is larger than the budget.
func (c *chunker) tail() []span {
	if c.overlap <= 0 {
		return nil
	}
	pieces := c.cur
	var out []span
	budget := c.overlap
	for len(pieces) > 0 {
		last := pieces[len(pieces)-1]
		if last.tokens <= budget {
			out = append([]span{last}, out...)
			budget -= last.tokens
			pieces = pieces[:len(pieces)-1]
			continue
		}
		if len(out) > 0 {
			break
		}
		// Refine: sentences first, then words.
		var finer []span
		if ss := sentences(c.text, last.start, last.end); len(ss) > 1 {
			for _, s := range ss {
				finer = append(finer, span{s.start, s.end, c.o.Tokens(c.text[s.start:s.end])})
			}
		} else {
			for _, w := range words(c.text, last.start, last.end) {
				finer = append(finer, span{w.start, w.end, c.o.Tokens(c.text[w.start:w.end])})
			}
			if len(finer) <= 1 {
				break
			}
		}
		pieces = finer
	}
	return out
}

func (c *chunker) flush() {
	if len(c.cur) == 0 {
		return
	}
	start, end := c.cur[0].start, c.cur[len(c.cur)-1].end
	c.out = append(c.out, chunkSpan{start: start, end: end, heading: c.heading})
	c.cur, c.curTok = nil, 0
}

func trimSpan(text string, start, end int) (int, int) {
	for start < end {
		r, n := utf8.DecodeRuneInString(text[start:end])
		if !unicode.IsSpace(r) {
			break
		}
		start += n
	}
	for end > start {
		r, n := utf8.DecodeLastRuneInString(text[start:end])
		if !unicode.IsSpace(r) {
			break
		}
		end -= n
	}
	return start, end
}

// sentences splits [start,end) after line breaks and after sentence
// terminators (. ! ? ।) that are followed by white space.
func sentences(text string, start, end int) []span {
	var out []span
	s := start
	for i := start; i < end; {
		r, n := utf8.DecodeRuneInString(text[i:end])
		i += n
		if r != '.' && r != '!' && r != '?' && r != '।' && r != '\n' {
			continue
		}
		if i < end && r != '\n' {
			next, _ := utf8.DecodeRuneInString(text[i:end])
			if !unicode.IsSpace(next) {
				continue
			}
		}
		if a, b := trimSpan(text, s, i); a < b {
			out = append(out, span{start: a, end: b})
		}
		s = i
	}
	if a, b := trimSpan(text, s, end); a < b {
		out = append(out, span{start: a, end: b})
	}
	return out
}

// words returns the spans of the white-space separated words in [start,end).
func words(text string, start, end int) []span {
	var out []span
	ws := -1
	for i := start; i < end; {
		r, n := utf8.DecodeRuneInString(text[i:end])
		if unicode.IsSpace(r) {
			if ws >= 0 {
				out = append(out, span{start: ws, end: i})
				ws = -1
			}
		} else if ws < 0 {
			ws = i
		}
		i += n
	}
	if ws >= 0 {
		out = append(out, span{start: ws, end: end})
	}
	return out
}

package knowledge

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseMarkdown(t *testing.T) {
	t.Parallel()
	md := "# Bright Future Academy\n\nIntro line one\nline two.\n\n## Fees\n\nJEE fees.\n\nSetext Title\n------------\n\n```\n# not a heading\n\ncode\n```\n\n---\n\n### Deep #\ntext"
	d := parseMarkdown(md)
	var got []string
	for _, b := range d.blocks {
		switch b.kind {
		case blockHeading:
			got = append(got, strings.Repeat("#", b.level)+" "+b.title)
		default:
			got = append(got, "P:"+md[b.start:b.end])
		}
	}
	assert.Equal(t, []string{
		"# Bright Future Academy",
		"P:Intro line one\nline two.",
		"## Fees",
		"P:JEE fees.",
		"## Setext Title",
		"P:```\n# not a heading\n\ncode\n```",
		"### Deep",
		"P:text",
	}, got)
	assert.Equal(t, "Bright Future Academy", d.title)
}

func TestParseText(t *testing.T) {
	t.Parallel()
	text := "First para\nstill first.\r\n\r\n\nSecond.\n   \nThird"
	d := parseText(text)
	require.Len(t, d.blocks, 3)
	assert.Equal(t, "First para\nstill first.", text[d.blocks[0].start:d.blocks[0].end])
	assert.Equal(t, "Second.", text[d.blocks[1].start:d.blocks[1].end])
	assert.Equal(t, "Third", text[d.blocks[2].start:d.blocks[2].end])
}

func TestChunkDocumentBudgetAndOverlap(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("# Guide\n\n")
	for i := range 60 {
		b.WriteString("Sentence number ")
		b.WriteString(strings.Repeat("x", i%7+1))
		b.WriteString(" explains one more detail about admissions. ")
		if i%10 == 9 {
			b.WriteString("\n\n")
		}
	}
	b.WriteString("\n\n## Other\n\nShort section.")
	text := b.String()
	o := ChunkOptions{MaxTokens: 60, Overlap: 0.2}
	spans := chunkDocument(parseMarkdown(text), o)
	require.Greater(t, len(spans), 4)
	for i, s := range spans {
		chunk := text[s.start:s.end]
		assert.LessOrEqual(t, EstimateTokens(chunk), 60+6, "chunk %d within budget (estimates add up per piece)", i)
		assert.Equal(t, strings.TrimSpace(chunk), chunk)
		assert.NotContains(t, chunk, "# ", "chunks never include headings")
	}
	// Consecutive chunks of the Guide section overlap.
	overlaps := 0
	for i := 1; i < len(spans); i++ {
		if spans[i].heading == "Guide" && spans[i-1].heading == "Guide" && spans[i].start < spans[i-1].end {
			overlaps++
		}
	}
	assert.Positive(t, overlaps)
	last := spans[len(spans)-1]
	assert.Equal(t, "Guide › Other", last.heading)
	assert.Equal(t, "Short section.", text[last.start:last.end])
}

func TestChunkDocumentNoOverlap(t *testing.T) {
	t.Parallel()
	text := strings.Repeat("word ", 200)
	spans := chunkDocument(parseText(text), ChunkOptions{MaxTokens: 50, Overlap: -1})
	require.Greater(t, len(spans), 3)
	for i := 1; i < len(spans); i++ {
		assert.GreaterOrEqual(t, spans[i].start, spans[i-1].end)
	}
}

func TestChunkUnitsStayWhole(t *testing.T) {
	t.Parallel()
	d := faqDocument([]FAQ{{"What are the fees?", "₹1,80,000 for two years."}, {"Is there a hostel?", "No."}})
	spans := chunkDocument(d, ChunkOptions{})
	require.Len(t, spans, 2)
	assert.Equal(t, "Q: What are the fees?\nA: ₹1,80,000 for two years.", d.text[spans[0].start:spans[0].end])
	assert.Equal(t, "Q: Is there a hostel?\nA: No.", d.text[spans[1].start:spans[1].end])
}

func TestCSVDocument(t *testing.T) {
	t.Parallel()
	d, err := csvDocument("\ufeffBatch,Fee,Start\nJEE 2-year,\"1,80,000\",April\n,,\nNEET,95000,\n")
	require.NoError(t, err)
	require.Len(t, d.blocks, 2)
	assert.Equal(t, "Batch: JEE 2-year\nFee: 1,80,000\nStart: April", d.text[d.blocks[0].start:d.blocks[0].end])
	assert.Equal(t, "Batch: NEET\nFee: 95000", d.text[d.blocks[1].start:d.blocks[1].end])

	_, err = csvDocument("a,b\n\"unterminated")
	require.ErrorIs(t, err, ErrInvalid)
	d, err = csvDocument("")
	require.NoError(t, err)
	assert.Empty(t, d.blocks)
}

func TestSentencesAndWords(t *testing.T) {
	t.Parallel()
	text := "Fees are due. फीस जमा करें। Really? Yes!3.5 stays"
	var got []string
	for _, s := range sentences(text, 0, len(text)) {
		got = append(got, text[s.start:s.end])
	}
	assert.Equal(t, []string{"Fees are due.", "फीस जमा करें।", "Really?", "Yes!3.5 stays"}, got)
	ws := words(text, 0, 13)
	assert.Len(t, ws, 3)
}

func TestEstimateTokens(t *testing.T) {
	t.Parallel()
	assert.Equal(t, 0, EstimateTokens(""))
	assert.Equal(t, 3, EstimateTokens("a b c"))
	assert.Equal(t, 4, EstimateTokens("admissions open")) // 15 bytes: ⌈15/4⌉ beats 2 words
}

func TestParseTextHeadings(t *testing.T) {
	t.Parallel()
	text := "Refund policy\n\nFees are refunded within 15 days.\n\nNote: this line ends with a colon:\n\nLast line without body"
	d := parseText(text)
	require.Len(t, d.blocks, 4)
	assert.Equal(t, blockHeading, d.blocks[0].kind)
	assert.Equal(t, "Refund policy", d.blocks[0].title)
	assert.Equal(t, blockParagraph, d.blocks[1].kind)
	assert.Equal(t, blockParagraph, d.blocks[2].kind, "closing punctuation keeps a paragraph")
	assert.Equal(t, blockParagraph, d.blocks[3].kind, "a heading needs a following paragraph")
}

package knowledge

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHTMLToMarkdown(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile("testdata/brochure.html")
	require.NoError(t, err)
	text, title, err := htmlToMarkdown(string(src))
	require.NoError(t, err)
	assert.Equal(t, "Bright Future Academy — Admissions", title)
	assert.Equal(t, `# Admissions 2026

Admissions for the JEE and NEET batches open on 1 March 2026.

## Documents

- Class 10 mark sheet
- Two photographs

## Fee table

Batch | Fee
JEE two-year | ₹1,80,000

Questions? Call us
between 9 and 6.

Campus map`, text)
	for _, hidden := range []string{"tracking", "color", "Home", "Search", "©"} {
		assert.NotContains(t, text, hidden)
	}

	d, err := extract(&Source{ID: "x", Format: FormatHTML, Content: string(src)})
	require.NoError(t, err)
	assert.Equal(t, "Bright Future Academy — Admissions", d.title)
	spans := chunkDocument(d, ChunkOptions{})
	var headings []string
	for _, s := range spans {
		headings = append(headings, s.heading)
	}
	assert.Equal(t, []string{"Admissions 2026", "Admissions 2026 › Documents", "Admissions 2026 › Fee table"}, headings)
}

func TestHTMLEdgeCases(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"":                                "",
		"plain text":                      "plain text",
		"<p>a</p><p>b</p>":                "a\n\nb",
		"<div><script>x</script>y</div>":  "y",
		"<pre>  keep\n  spaces</pre>":     "keep\n  spaces",
		"<p>unclosed <b>bold":             "unclosed bold",
		"<svg><text>drawn</text></svg>ok": "ok",
		"<p>a &amp; b &lt;c&gt;</p>":      "a & b <c>",
		"<br/><br/>x":                     "x",
	}
	for in, want := range cases {
		got, _, err := htmlToMarkdown(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
}

func TestHTMLTitleFallsBackToH1(t *testing.T) {
	t.Parallel()
	d, err := extract(&Source{ID: "x", Format: FormatHTML, Content: "<h1>Admissions</h1><p>Open.</p>"})
	require.NoError(t, err)
	assert.Equal(t, "Admissions", d.title)
}

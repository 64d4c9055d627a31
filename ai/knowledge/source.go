package knowledge

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Format is how a source's content is written.
type Format int

// Source formats.
const (
	// FormatText is plain text; blank lines separate paragraphs.
	FormatText Format = iota + 1
	// FormatMarkdown is Markdown; ATX (#) and setext headings start sections.
	FormatMarkdown
	// FormatHTML is an HTML page; its readable text is extracted.
	FormatHTML
	// FormatFAQ is a list of question/answer pairs in Source.FAQ.
	FormatFAQ
	// FormatCSV is CSV with a header row; each row becomes one passage.
	FormatCSV
)

var formatNames = [...]string{FormatText: "text", FormatMarkdown: "markdown", FormatHTML: "html", FormatFAQ: "faq", FormatCSV: "csv"}

// String returns the format's name ("markdown").
func (f Format) String() string {
	if f > 0 && int(f) < len(formatNames) {
		return formatNames[f]
	}
	return fmt.Sprintf("Format(%d)", int(f))
}

// ParseFormat is the inverse of Format.String.
func ParseFormat(s string) (Format, error) {
	for i, n := range formatNames {
		if i > 0 && n == s {
			return Format(i), nil
		}
	}
	return 0, invalid("format", "unknown format %q", s)
}

// FAQ is one question/answer pair.
type FAQ struct {
	Question string
	Answer   string
}

// Source is one document of a workspace's knowledge.
type Source struct {
	// ID identifies the source in its workspace; re-ingesting the same ID
	// replaces it.
	ID       string
	Title    string
	URL      string
	Language string // BCP 47 tag such as "en", "hi", "hi-Latn"; optional
	Tags     []string
	Format   Format
	// Content is the document for every format but FormatFAQ.
	Content string
	// FAQ holds the pairs of a FormatFAQ source.
	FAQ []FAQ
}

// Limits on sources.
const (
	DefaultMaxSourceBytes = 8 << 20
	maxTitleLen           = 500
	maxURLLen             = 2048
	maxTags               = 32
	maxTagLen             = 64
	maxLanguageLen        = 35
)

func (s *Source) validate(maxBytes int) error {
	if err := validateID("source.id", s.ID); err != nil {
		return err
	}
	checks := []struct {
		field, v string
		max      int
	}{{"source.title", s.Title, maxTitleLen}, {"source.url", s.URL, maxURLLen}, {"source.language", s.Language, maxLanguageLen}}
	for _, c := range checks {
		if len(c.v) > c.max {
			return invalid(c.field, "longer than %d bytes", c.max)
		}
		if !utf8.ValidString(c.v) {
			return invalid(c.field, "not valid UTF-8")
		}
	}
	if len(s.Tags) > maxTags {
		return invalid("source.tags", "more than %d tags", maxTags)
	}
	for _, t := range s.Tags {
		if t == "" || len(t) > maxTagLen || !utf8.ValidString(t) {
			return invalid("source.tags", "each tag must be 1..%d bytes of UTF-8", maxTagLen)
		}
	}
	size := len(s.Content)
	for _, p := range s.FAQ {
		size += len(p.Question) + len(p.Answer)
	}
	if size > maxBytes {
		return fmt.Errorf("%w: source.content: %d bytes, limit %d", ErrTooLarge, size, maxBytes)
	}
	switch s.Format {
	case FormatText, FormatMarkdown, FormatHTML, FormatCSV:
		if len(s.FAQ) > 0 {
			return invalid("source.faq", "set for format %s", s.Format)
		}
		if !utf8.ValidString(s.Content) {
			return invalid("source.content", "not valid UTF-8")
		}
	case FormatFAQ:
		if s.Content != "" {
			return invalid("source.content", "set for format faq (use FAQ)")
		}
		for i, p := range s.FAQ {
			if strings.TrimSpace(p.Question) == "" || strings.TrimSpace(p.Answer) == "" {
				return invalid(fmt.Sprintf("source.faq[%d]", i), "question and answer are required")
			}
			if !utf8.ValidString(p.Question) || !utf8.ValidString(p.Answer) {
				return invalid(fmt.Sprintf("source.faq[%d]", i), "not valid UTF-8")
			}
		}
	default:
		return invalid("source.format", "unknown format %d", int(s.Format))
	}
	return nil
}

// blockKind says how the chunker treats a block.
type blockKind int

const (
	blockParagraph blockKind = iota
	blockHeading
	// blockUnit is a self-contained passage (an FAQ pair, a CSV row) that
	// gets a chunk of its own.
	blockUnit
)

// block is a span [start,end) of a document's text.
type block struct {
	kind       blockKind
	level      int    // heading level 1..6
	title      string // heading text
	start, end int
}

// document is a source's extracted text split into blocks.
type document struct {
	text   string
	blocks []block
	title  string // a title found in the content (HTML <title>, first h1)
}

// extract turns the source's content into a document.
func extract(s *Source) (document, error) {
	switch s.Format {
	case FormatText:
		return parseText(s.Content), nil
	case FormatMarkdown:
		return parseMarkdown(s.Content), nil
	case FormatHTML:
		md, title, err := htmlToMarkdown(s.Content)
		if err != nil {
			return document{}, invalid("source.content", "html: %v", err)
		}
		d := parseMarkdown(md)
		if title != "" {
			d.title = title // <title>, else the first h1 parseMarkdown found
		}
		return d, nil
	case FormatFAQ:
		return faqDocument(s.FAQ), nil
	case FormatCSV:
		return csvDocument(s.Content)
	}
	return document{}, invalid("source.format", "unknown format %d", int(s.Format))
}

// parseText splits plain text into paragraphs at blank lines. A short
// single-line paragraph without closing punctuation that is followed by
// another paragraph ("Refund policy") is taken as a section heading.
func parseText(text string) document {
	d := document{text: text}
	open, lines := false, 0
	forLines(text, func(start, end int, blank bool) {
		switch {
		case blank:
			open = false
		case open:
			d.blocks[len(d.blocks)-1].end = end
			lines++
		default:
			if n := len(d.blocks); n > 0 && lines == 1 && d.blocks[n-1].kind == blockParagraph {
				promoteHeading(text, &d.blocks[n-1])
			}
			d.blocks = append(d.blocks, block{kind: blockParagraph, start: start, end: end})
			open, lines = true, 1
		}
	})
	return d
}

// promoteHeading turns a one-line paragraph into a level-2 heading when it
// looks like one: at most eight words, no closing punctuation.
func promoteHeading(text string, b *block) {
	line := strings.TrimSpace(text[b.start:b.end])
	if line == "" || len(strings.Fields(line)) > 8 || strings.ContainsAny(line[len(line)-1:], ".!?:;,)\"|") || strings.HasSuffix(line, "।") {
		return
	}
	b.kind, b.level, b.title = blockHeading, 2, line
}

// forLines calls fn for every line of text with its byte span (without
// the newline) and whether it is blank.
func forLines(text string, fn func(start, end int, blank bool)) {
	for start := 0; start < len(text); {
		end := strings.IndexByte(text[start:], '\n')
		next := 0
		if end < 0 {
			end, next = len(text), len(text)
		} else {
			end += start
			next = end + 1
		}
		lineEnd := end
		if lineEnd > start && text[lineEnd-1] == '\r' {
			lineEnd--
		}
		fn(start, lineEnd, strings.TrimSpace(text[start:lineEnd]) == "")
		start = next
	}
}

// faqDocument renders pairs as "Q: …\nA: …" units.
func faqDocument(pairs []FAQ) document {
	var b strings.Builder
	d := document{}
	for _, p := range pairs {
		if b.Len() > 0 {
			b.WriteString("\n\n")
		}
		start := b.Len()
		b.WriteString("Q: ")
		b.WriteString(strings.TrimSpace(p.Question))
		b.WriteString("\nA: ")
		b.WriteString(strings.TrimSpace(p.Answer))
		d.blocks = append(d.blocks, block{kind: blockUnit, start: start, end: b.Len()})
	}
	d.text = b.String()
	return d
}

// csvDocument renders each row after the header as "Header: value" lines.
func csvDocument(content string) (document, error) {
	r := csv.NewReader(strings.NewReader(content))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return document{}, nil
	}
	if err != nil {
		return document{}, invalid("source.content", "csv header: %v", err)
	}
	for i := range header {
		header[i] = strings.TrimSpace(strings.TrimPrefix(header[i], "\ufeff"))
	}
	var b strings.Builder
	d := document{}
	for line := 2; ; line++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return document{}, invalid("source.content", "csv row %d: %v", line, err)
		}
		start := -1
		for i, v := range rec {
			v = strings.TrimSpace(v)
			if v == "" {
				continue
			}
			if start < 0 {
				if b.Len() > 0 {
					b.WriteString("\n\n")
				}
				start = b.Len()
			} else {
				b.WriteByte('\n')
			}
			name := fmt.Sprintf("column %d", i+1)
			if i < len(header) && header[i] != "" {
				name = header[i]
			}
			b.WriteString(name)
			b.WriteString(": ")
			b.WriteString(v)
		}
		if start >= 0 {
			d.blocks = append(d.blocks, block{kind: blockUnit, start: start, end: b.Len()})
		}
	}
	d.text = b.String()
	return d, nil
}

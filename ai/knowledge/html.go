package knowledge

import (
	"errors"
	"io"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// skipped elements hold no readable text (code, navigation, chrome).
var skipped = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true, atom.Svg: true,
	atom.Iframe: true, atom.Canvas: true, atom.Nav: true, atom.Footer: true, atom.Aside: true,
	atom.Form: true, atom.Button: true, atom.Select: true, atom.Head: true, atom.Object: true,
}

// blockLevel elements end a paragraph.
var blockLevel = map[atom.Atom]bool{
	atom.P: true, atom.Div: true, atom.Section: true, atom.Article: true, atom.Main: true,
	atom.Header: true, atom.Ul: true, atom.Ol: true, atom.Li: true, atom.Table: true, atom.Tr: true,
	atom.Blockquote: true, atom.Pre: true, atom.Dl: true, atom.Dt: true, atom.Dd: true, atom.Hr: true,
	atom.Figure: true, atom.Figcaption: true, atom.Address: true, atom.Details: true, atom.Summary: true,
	atom.Caption: true, atom.Thead: true, atom.Tbody: true, atom.Tfoot: true, atom.Body: true,
}

var headingLevel = map[atom.Atom]int{atom.H1: 1, atom.H2: 2, atom.H3: 3, atom.H4: 4, atom.H5: 5, atom.H6: 6}

// htmlWriter accumulates readable text as Markdown-like lines.
type htmlWriter struct {
	b       strings.Builder
	pending int  // line breaks owed before the next text: 1 newline, 2 blank line
	space   bool // a space is owed before the next text
	cells   int  // cells written in the current table row
}

func (w *htmlWriter) brk(n int) {
	w.pending = max(w.pending, n)
	w.space = false
}

func (w *htmlWriter) text(s string, pre bool) {
	if pre {
		if s != "" {
			w.flush()
			w.b.WriteString(s)
		}
		return
	}
	fields := strings.Fields(s)
	if len(fields) == 0 {
		if s != "" {
			w.space = true
		}
		return
	}
	if startsWithSpace(s) {
		w.space = true
	}
	for i, f := range fields {
		if (i > 0 || w.space) && w.pending == 0 && w.b.Len() > 0 {
			w.b.WriteByte(' ')
		}
		w.flush()
		w.b.WriteString(f)
	}
	w.space = endsWithSpace(s)
}

func (w *htmlWriter) raw(s string) {
	w.flush()
	w.b.WriteString(s)
	w.space = false
}

func (w *htmlWriter) flush() {
	if w.b.Len() > 0 && w.pending > 0 {
		w.b.WriteString(strings.Repeat("\n", w.pending))
	}
	w.pending = 0
}

func startsWithSpace(s string) bool { return s != "" && strings.TrimLeft(s, " \t\r\n\f") != s }
func endsWithSpace(s string) bool   { return s != "" && strings.TrimRight(s, " \t\r\n\f") != s }

// htmlToMarkdown extracts an HTML page's readable text: headings become
// "#" lines, block elements paragraphs, list items "- " lines, table rows
// " | "-separated lines; scripts, styles, navigation, footers and forms are
// dropped. It also returns the page's <title>.
func htmlToMarkdown(src string) (text, title string, err error) {
	z := html.NewTokenizer(strings.NewReader(src))
	z.SetMaxBuf(len(src) + 4096)
	var w htmlWriter
	skip := 0 // depth inside skipped elements
	pre := 0
	inTitle := false
	var titleB strings.Builder
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			if errors.Is(z.Err(), io.EOF) {
				return strings.TrimSpace(w.b.String()), strings.Join(strings.Fields(titleB.String()), " "), nil
			}
			return "", "", z.Err()
		case html.TextToken:
			if inTitle {
				titleB.Write(z.Text())
				continue
			}
			if skip == 0 {
				w.text(string(z.Text()), pre > 0)
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if a == atom.Title {
				inTitle = tt == html.StartTagToken
				continue
			}
			if skipped[a] {
				if tt == html.StartTagToken && !isVoid(a) {
					skip++
				}
				continue
			}
			if skip > 0 {
				continue
			}
			switch {
			case headingLevel[a] > 0:
				w.brk(2)
				w.raw(strings.Repeat("#", headingLevel[a]) + " ")
			case a == atom.Li:
				w.brk(1)
				w.raw("- ")
			case a == atom.Tr:
				w.brk(1)
				w.cells = 0
			case a == atom.Td || a == atom.Th:
				if w.cells > 0 {
					w.raw(" | ")
				}
				w.cells++
			case a == atom.Br:
				w.brk(1)
			case a == atom.Pre:
				w.brk(2)
				pre++
			case a == atom.Img:
				if alt := attr(z, "alt"); alt != "" {
					w.text(" "+alt+" ", false)
				}
			case blockLevel[a]:
				w.brk(2)
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if a == atom.Title {
				inTitle = false
				continue
			}
			if skipped[a] {
				if skip > 0 {
					skip--
				}
				continue
			}
			if skip > 0 {
				continue
			}
			switch {
			case headingLevel[a] > 0:
				w.brk(2)
			case a == atom.Pre:
				pre = max(0, pre-1)
				w.brk(2)
			case a == atom.Li || a == atom.Tr || a == atom.Dt || a == atom.Dd:
				w.brk(1)
			case blockLevel[a]:
				w.brk(2)
			}
		}
	}
}

func isVoid(a atom.Atom) bool {
	switch a {
	case atom.Br, atom.Img, atom.Hr, atom.Input, atom.Meta, atom.Link, atom.Source, atom.Embed, atom.Wbr:
		return true
	}
	return false
}

// attr returns the value of the current tag's attribute key.
func attr(z *html.Tokenizer, key string) string {
	for {
		k, v, more := z.TagAttr()
		if string(k) == key {
			return string(v)
		}
		if !more {
			return ""
		}
	}
}

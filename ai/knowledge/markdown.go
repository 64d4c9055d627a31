package knowledge

import "strings"

// parseMarkdown splits Markdown into headings and paragraphs. It knows ATX
// headings ("## Fees"), setext headings (a line underlined with === or
// ---), fenced code blocks (kept whole, never read as headings) and
// thematic breaks; everything else between blank lines is a paragraph.
func parseMarkdown(text string) document {
	d := document{text: text}
	open := false  // a paragraph is open
	openLines := 0 // lines in the open paragraph
	fence := ""    // the open code fence marker, "" outside code
	forLines(text, func(start, end int, blank bool) {
		line := text[start:end]
		trimmed := strings.TrimSpace(line)
		if fence != "" {
			d.blocks[len(d.blocks)-1].end = end
			if strings.HasPrefix(trimmed, fence) && strings.Trim(trimmed, fence[:1]) == "" {
				fence, open = "", false
			}
			return
		}
		if blank {
			open = false
			return
		}
		indent := len(line) - len(strings.TrimLeft(line, " "))
		if indent <= 3 {
			if m := fenceMarker(trimmed); m != "" {
				fence = m
				if open {
					d.blocks[len(d.blocks)-1].end = end
				} else {
					d.blocks = append(d.blocks, block{kind: blockParagraph, start: start, end: end})
					open = true
				}
				return
			}
			if level, title, ok := atxHeading(trimmed); ok {
				d.blocks = append(d.blocks, block{kind: blockHeading, level: level, title: title, start: start, end: end})
				open = false
				if d.title == "" && level == 1 {
					d.title = title
				}
				return
			}
			if lvl := setextLevel(trimmed); lvl > 0 && open && openLines == 1 {
				b := &d.blocks[len(d.blocks)-1]
				b.kind, b.level, b.title, b.end = blockHeading, lvl, strings.TrimSpace(text[b.start:b.end]), end
				if d.title == "" && lvl == 1 {
					d.title = b.title
				}
				open = false
				return
			}
			if isThematicBreak(trimmed) {
				open = false
				return
			}
		}
		if open {
			d.blocks[len(d.blocks)-1].end = end
			openLines++
			return
		}
		d.blocks = append(d.blocks, block{kind: blockParagraph, start: start, end: end})
		open, openLines = true, 1
	})
	return d
}

func fenceMarker(s string) string {
	for _, m := range []string{"```", "~~~"} {
		if strings.HasPrefix(s, m) {
			n := len(s) - len(strings.TrimLeft(s, m[:1]))
			return strings.Repeat(m[:1], n)
		}
	}
	return ""
}

func atxHeading(s string) (level int, title string, ok bool) {
	n := len(s) - len(strings.TrimLeft(s, "#"))
	if n < 1 || n > 6 || (len(s) > n && s[n] != ' ' && s[n] != '\t') {
		return 0, "", false
	}
	title = strings.TrimSpace(s[n:])
	if t := strings.TrimRight(title, "#"); t == "" || strings.HasSuffix(t, " ") {
		title = strings.TrimSpace(t)
	}
	return n, title, true
}

func setextLevel(s string) int {
	switch {
	case s != "" && strings.Trim(s, "=") == "":
		return 1
	case len(s) >= 2 && strings.Trim(s, "-") == "":
		return 2
	}
	return 0
}

func isThematicBreak(s string) bool {
	c := strings.ReplaceAll(s, " ", "")
	return len(c) >= 3 && (strings.Trim(c, "-") == "" || strings.Trim(c, "*") == "" || strings.Trim(c, "_") == "")
}

package instagram

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// MatchMode is how a [Matcher] compares a comment with its keywords.
type MatchMode int

// Match modes.
const (
	// MatchAny matches every comment.
	MatchAny MatchMode = iota + 1
	// MatchContainsAny matches a comment containing at least one keyword.
	MatchContainsAny
	// MatchContainsAll matches a comment containing every keyword.
	MatchContainsAll
	// MatchExact matches a comment equal to one of the keywords.
	MatchExact
)

// String returns the mode's name.
func (m MatchMode) String() string {
	switch m {
	case MatchAny:
		return "any"
	case MatchContainsAny:
		return "contains_any"
	case MatchContainsAll:
		return "contains_all"
	case MatchExact:
		return "exact"
	}
	return fmt.Sprintf("MatchMode(%d)", int(m))
}

// Matcher decides whether a comment triggers a rule. Comparison is on
// [Normalize]d text: case-, width- and diacritic-insensitive, punctuation
// and spacing ignored, emoji and every script kept. Containment starts at a
// word boundary; see [Matcher.Match].
//
// A Matcher is immutable and safe for concurrent use.
type Matcher struct {
	mode     MatchMode
	keywords []string
}

// NewMatcher returns a matcher. Keywords are required for every mode but
// [MatchAny]; a keyword that normalises to nothing (only punctuation or
// spaces) is an error naming its index.
func NewMatcher(mode MatchMode, keywords ...string) (*Matcher, error) {
	if mode < MatchAny || mode > MatchExact {
		return nil, invalid("match.mode", "unknown mode")
	}
	m := &Matcher{mode: mode}
	if mode == MatchAny {
		if len(keywords) > 0 {
			return nil, invalid("match.keywords", "mode any takes no keywords")
		}
		return m, nil
	}
	if len(keywords) == 0 {
		return nil, invalid("match.keywords", "at least one keyword")
	}
	for i, k := range keywords {
		n := Normalize(k)
		if n == "" {
			return nil, invalid(fmt.Sprintf("match.keywords[%d]", i), "empty after normalisation")
		}
		m.keywords = append(m.keywords, n)
	}
	return m, nil
}

// Mode returns the matcher's mode.
func (m *Matcher) Mode() MatchMode { return m.mode }

// Match reports whether text matches. For the contains modes a keyword
// matches when its normalised form occurs in the normalised text starting
// at a word boundary ("fee" matches "fees?" but not "coffee"); for
// [MatchExact] the whole normalised text must equal a keyword.
func (m *Matcher) Match(text string) bool {
	if m.mode == MatchAny {
		return true
	}
	t := Normalize(text)
	switch m.mode {
	case MatchExact:
		for _, k := range m.keywords {
			if t == k {
				return true
			}
		}
		return false
	case MatchContainsAll:
		for _, k := range m.keywords {
			if !containsWord(t, k) {
				return false
			}
		}
		return true
	default:
		for _, k := range m.keywords {
			if containsWord(t, k) {
				return true
			}
		}
		return false
	}
}

// containsWord reports whether k occurs in t starting at a word boundary:
// not directly after a letter, digit or mark when k also starts with one
// ("fee" is found in "fees" but not in "coffee"). Scripts written without
// spaces (Han, kana, Thai, Lao, Khmer, Myanmar) match anywhere, and so do
// keywords that start with an emoji or symbol.
func containsWord(t, k string) bool {
	first, _ := utf8.DecodeRuneInString(k)
	for i := 0; i <= len(t)-len(k); {
		j := strings.Index(t[i:], k)
		if j < 0 {
			return false
		}
		j += i
		if j == 0 {
			return true
		}
		prev, _ := utf8.DecodeLastRuneInString(t[:j])
		if !wordRune(prev) || !wordRune(first) || unspaced(prev) || unspaced(first) {
			return true
		}
		_, size := utf8.DecodeRuneInString(t[j:])
		i = j + size
	}
	return false
}

func wordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) }

var unspacedScripts = []*unicode.RangeTable{unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Thai, unicode.Lao, unicode.Khmer, unicode.Myanmar}

func unspaced(r rune) bool { return r >= 0x0E00 && unicode.In(r, unspacedScripts...) }

// Normalize folds text for matching: NFKC compatibility (full-width Latin,
// ligatures, superscripts become plain), lower case, diacritics removed
// from Latin, Greek and Cyrillic letters ("café" → "cafe") while the vowel
// signs and other marks of Indic and other scripts are kept (they carry
// meaning), emoji variation selectors dropped ("❤️" and "❤" compare
// equal), punctuation and whitespace collapsed to single spaces, and the
// result trimmed. Invalid UTF-8 bytes are dropped.
func Normalize(s string) string {
	if ascii(s) {
		return normalizeASCII(s)
	}
	d := norm.NFKD.String(s)
	var b strings.Builder
	b.Grow(len(d))
	var prev rune = -1
	space := true // collapse leading separators
	for _, r := range d {
		switch {
		case r == utf8.RuneError:
			continue
		case r == '\uFE0F' || r == '\uFE0E':
			continue
		case unicode.Is(unicode.Mn, r):
			if prev >= 0 && (unicode.Is(unicode.Latin, prev) || unicode.Is(unicode.Greek, prev) || unicode.Is(unicode.Cyrillic, prev)) {
				continue
			}
			b.WriteRune(r)
			space = false
			continue
		case r == '\u200D' || r == '\u200C':
			// Joiners: keep them (emoji ZWJ sequences, Indic conjuncts).
			b.WriteRune(r)
			continue
		case unicode.IsSpace(r) || unicode.IsPunct(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
			if !space {
				b.WriteByte(' ')
				space = true
			}
			prev = -1
			continue
		}
		b.WriteRune(unicode.ToLower(r))
		prev = r
		space = false
	}
	out := strings.TrimRight(b.String(), " ")
	return norm.NFC.String(out)
}

func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func normalizeASCII(s string) string {
	b := make([]byte, 0, len(s))
	space := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		case c <= ' ' || c == 0x7f || isASCIIPunct(c):
			if !space {
				b = append(b, ' ')
				space = true
			}
			continue
		}
		b = append(b, c)
		space = false
	}
	for len(b) > 0 && b[len(b)-1] == ' ' {
		b = b[:len(b)-1]
	}
	return string(b)
}

// isASCIIPunct matches what unicode.IsPunct reports for ASCII.
func isASCIIPunct(c byte) bool {
	switch c {
	case '!', '"', '#', '%', '&', '\'', '(', ')', '*', ',', '-', '.', '/', ':', ';', '?', '@', '[', '\\', ']', '_', '{', '}':
		return true
	}
	return false
}

package ai

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Category is a kind of personal data the redactor replaces.
type Category string

// Categories of personal data, used in placeholders: "[PHONE_3fa9c2]".
const (
	CategoryPhone Category = "PHONE"
	CategoryEmail Category = "EMAIL"
	CategoryName  Category = "NAME"
	CategoryCard  Category = "CARD"
	CategoryID    Category = "ID"
	// CategoryUPI is an Indian UPI payment address (name@bank).
	CategoryUPI Category = "UPI"
)

var (
	placeholderRE = regexp.MustCompile(`\[(?:PHONE|EMAIL|NAME|CARD|ID|UPI)_[0-9a-f]{6}\]`)
)

// Redactor replaces personal data with placeholders that are stable within
// a scope (a workspace's conversation): the same phone number always becomes
// the same "[PHONE_xxxxxx]" in that conversation, across calls, without
// storing anything — placeholders are a keyed HMAC of scope and value. A
// Redactor is safe for concurrent use.
//
// Detected: email addresses; UPI addresses (name@bank); phone numbers (8–15 digits, optional +,
// spaces, dots, dashes, parentheses; dates are left alone); card numbers
// (13–19 digits passing Luhn); ID numbers (12-digit Aadhaar-like numbers,
// 16+ digit numbers, PAN "ABCDE1234F"); and the names and values the caller
// marks as known (the lead's name, phone, email). Known names match as whole
// words, case-insensitively, with each part of a full name matched on its
// own; a name that is also a common word is replaced wherever it appears
// (and restored in the output). Known values restore to the spelling the
// caller gave; detected ones to the first spelling seen.
type Redactor struct {
	key []byte
}

// NewRedactor returns a Redactor keyed with key; an empty key draws a random
// one (placeholders are then stable only for this process).
func NewRedactor(key []byte) *Redactor {
	if len(key) == 0 {
		key = make([]byte, 32)
		_, _ = rand.Read(key)
	}
	return &Redactor{key: append([]byte(nil), key...)}
}

// Known is a value the caller knows is personal (the lead's name, phone,
// email), redacted wherever it appears, whatever the detector thinks.
type Known struct {
	Category Category
	Value    string
}

// Session is the placeholder mapping of one scope during one call. It is not
// safe for concurrent use.
type Session struct {
	r        *Redactor
	scope    string
	names    []string // longest first
	phones   []string // digits of known phones
	literals []Known
	byValue  map[string]string // category+normalised value → placeholder
	byToken  map[string]string // placeholder → original text
	count    int
}

// Session starts a mapping for scope (for example workspace + "/" +
// conversation id) with the known personal values.
func (r *Redactor) Session(scope string, known ...Known) *Session {
	s := &Session{r: r, scope: scope, byValue: map[string]string{}, byToken: map[string]string{}}
	var names []string
	for _, k := range known {
		v := strings.TrimSpace(k.Value)
		if v == "" {
			continue
		}
		switch k.Category {
		case CategoryName:
			names = append(names, v)
			for _, part := range strings.Fields(v) {
				if utf8.RuneCountInString(part) >= 2 {
					names = append(names, part)
				}
			}
		case CategoryPhone:
			if d := digits(v); len(d) >= 6 {
				s.phones = append(s.phones, d)
			}
			s.literals = append(s.literals, Known{Category: k.Category, Value: v})
		default:
			s.literals = append(s.literals, Known{Category: k.Category, Value: v})
		}
	}
	if len(names) > 0 {
		sort.SliceStable(names, func(i, j int) bool { return len(names[i]) > len(names[j]) })
		s.names = names
		for _, n := range names {
			s.placeholder(CategoryName, strings.ToLower(n), n)
		}
	}
	// Known values restore to the spelling the caller gave.
	for _, k := range s.literals {
		norm := strings.ToLower(k.Value)
		if k.Category == CategoryPhone {
			norm = digits(k.Value)
		}
		s.placeholder(k.Category, norm, k.Value)
	}
	return s
}

// Count returns how many personal values were replaced so far.
func (s *Session) Count() int { return s.count }

type span struct {
	start, end int
	cat        Category
	norm       string
}

func digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

func boundaryBefore(text string, i int) bool {
	if i == 0 {
		return true
	}
	r, _ := utf8.DecodeLastRuneInString(text[:i])
	return !isWordRune(r)
}

func boundaryAfter(text string, i int) bool {
	if i >= len(text) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(text[i:])
	return !isWordRune(r)
}

func luhn(d string) bool {
	sum, double := 0, false
	for i := len(d) - 1; i >= 0; i-- {
		n := int(d[i] - '0')
		if double {
			n *= 2
			if n > 9 {
				n -= 9
			}
		}
		sum += n
		double = !double
	}
	return sum%10 == 0
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

// numberSpans finds runs of digits joined by single separators.
func numberSpans(text string, out []span) []span {
	for i := 0; i < len(text); i++ {
		start := i
		plus := false
		if text[i] == '+' && i+1 < len(text) && isDigit(text[i+1]) {
			plus = true
			i++
		} else if text[i] == '(' && i+1 < len(text) && isDigit(text[i+1]) {
			i++
		}
		if !isDigit(text[i]) || !boundaryBefore(text, start) {
			continue
		}
		var groups []int
		n, end := 0, i
		for j := i; j < len(text); j++ {
			c := text[j]
			if isDigit(c) {
				n++
				end = j + 1
				continue
			}
			if (c == ' ' || c == '-' || c == '.' || c == '(' || c == ')') && j+1 < len(text) &&
				(isDigit(text[j+1]) || (text[j+1] == '(' || text[j+1] == ' ') && j+2 < len(text) && isDigit(text[j+2])) {
				if n > 0 {
					groups = append(groups, n)
				}
				n = 0
				continue
			}
			break
		}
		if n > 0 {
			groups = append(groups, n)
		}
		i = end - 1
		if !boundaryAfter(text, end) {
			continue
		}
		d := digits(text[start:end])
		cat := numberCategory(d, plus, groups)
		if cat == "" {
			continue
		}
		out = append(out, span{start: start, end: end, cat: cat, norm: d})
	}
	return out
}

func numberCategory(d string, plus bool, groups []int) Category {
	n := len(d)
	switch {
	case n < 8:
		return ""
	case plus && n <= 15:
		return CategoryPhone
	case n >= 13 && n <= 19 && luhn(d):
		return CategoryCard
	case n == 12:
		return CategoryID
	case n >= 16:
		return CategoryID
	case n == 8 && len(groups) == 3 && (groups[0] == 4 || groups[2] == 4):
		return "" // a date: 2026-11-27, 27.11.2026
	default:
		return CategoryPhone
	}
}

// find returns the non-overlapping personal-data spans of text.
func (s *Session) find(text string) []span {
	var spans []span
	spans = emailSpans(text, spans)
	spans = panSpans(text, spans)
	spans = numberSpans(text, spans)
	spans = s.nameSpans(text, spans)
	for _, k := range s.literals {
		for off := 0; ; {
			i := strings.Index(text[off:], k.Value)
			if i < 0 {
				break
			}
			st := off + i
			norm := k.Value
			if k.Category == CategoryPhone {
				norm = digits(k.Value)
			} else {
				norm = strings.ToLower(norm)
			}
			spans = append(spans, span{st, st + len(k.Value), k.Category, norm})
			off = st + len(k.Value)
		}
	}
	if len(spans) == 0 {
		return nil
	}
	// Earliest first; at equal starts the longest wins.
	sort.Slice(spans, func(i, j int) bool {
		if spans[i].start != spans[j].start {
			return spans[i].start < spans[j].start
		}
		return spans[i].end > spans[j].end
	})
	out := spans[:0]
	last := -1
	for _, sp := range spans {
		if sp.start < last {
			continue
		}
		out = append(out, sp)
		last = sp.end
	}
	return out
}

// canonical maps a detected phone to a known phone when one is a suffix of
// the other, so "98765 43210" and "+91 98765 43210" share a placeholder.
func (s *Session) canonical(sp span) string {
	if sp.cat == CategoryPhone {
		for _, p := range s.phones {
			if strings.HasSuffix(p, sp.norm) || strings.HasSuffix(sp.norm, p) {
				return p
			}
		}
	}
	return sp.norm
}

func (s *Session) placeholder(cat Category, norm, surface string) string {
	key := string(cat) + "\x00" + norm
	if ph, ok := s.byValue[key]; ok {
		return ph
	}
	mac := hmac.New(sha256.New, s.r.key)
	mac.Write([]byte(s.scope))
	mac.Write([]byte{0})
	mac.Write([]byte(key))
	sum := mac.Sum(nil)
	for i := 0; ; i++ {
		tag := fmt.Sprintf("%06x", i)
		if i < len(sum)-3 {
			tag = hex.EncodeToString(sum[i : i+3])
		}
		ph := "[" + string(cat) + "_" + tag + "]"
		if _, taken := s.byToken[ph]; !taken {
			s.byValue[key] = ph
			s.byToken[ph] = surface
			return ph
		}
	}
}

// Redact returns text with every personal value replaced by its placeholder.
func (s *Session) Redact(text string) string {
	spans := s.find(text)
	if len(spans) == 0 {
		return text
	}
	var b strings.Builder
	b.Grow(len(text))
	prev := 0
	for _, sp := range spans {
		b.WriteString(text[prev:sp.start])
		b.WriteString(s.placeholder(sp.cat, s.canonical(sp), text[sp.start:sp.end]))
		s.count++
		prev = sp.end
	}
	b.WriteString(text[prev:])
	return b.String()
}

// Restore replaces the placeholders this session issued with the original
// text. Placeholders it did not issue are left as they are; see
// [Session.Unknown].
func (s *Session) Restore(text string) string {
	if !strings.Contains(text, "_") {
		return text
	}
	return placeholderRE.ReplaceAllStringFunc(text, func(ph string) string {
		if v, ok := s.byToken[ph]; ok {
			return v
		}
		return ph
	})
}

// Unknown returns the placeholder-shaped strings in text this session did
// not issue (a model inventing a phone placeholder, say).
func (s *Session) Unknown(text string) []string {
	var out []string
	for _, ph := range placeholderRE.FindAllString(text, -1) {
		if _, ok := s.byToken[ph]; !ok {
			out = append(out, ph)
		}
	}
	return out
}

func isLocalByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || isDigit(c) || strings.IndexByte("._%+-", c) >= 0
}

func isDomainByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || isDigit(c) || c == '-' || c == '.'
}

func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// emailSpans finds local@domain.tld around every '@', in linear time.
func emailSpans(text string, out []span) []span {
	from := 0
	for {
		k := strings.IndexByte(text[from:], '@')
		if k < 0 {
			return out
		}
		at := from + k
		from = at + 1
		start := at
		for start > 0 && isLocalByte(text[start-1]) {
			start--
		}
		end := at + 1
		for end < len(text) && isDomainByte(text[end]) {
			end++
		}
		for end > at+1 && (text[end-1] == '.' || text[end-1] == '-') {
			end--
		}
		if start == at || end == at+1 {
			continue
		}
		dot := strings.LastIndexByte(text[at+1:end], '.')
		if dot < 0 {
			// name@bank: a UPI address when the handle is letters only.
			handle := text[at+1 : end]
			ok := at-start >= 2 && len(handle) >= 2
			for i := 0; i < len(handle) && ok; i++ {
				ok = isAlpha(handle[i])
			}
			if ok && boundaryAfter(text, end) {
				out = append(out, span{start, end, CategoryUPI, strings.ToLower(text[start:end])})
				from = end
			}
			continue
		}
		if dot == 0 {
			continue
		}
		tld := text[at+1+dot+1 : end]
		ok := len(tld) >= 2
		for i := 0; i < len(tld) && ok; i++ {
			ok = isAlpha(tld[i])
		}
		if !ok {
			continue
		}
		out = append(out, span{start, end, CategoryEmail, strings.ToLower(text[start:end])})
		from = end
	}
}

// panSpans finds Indian PAN numbers: five capitals, four digits, a capital.
func panSpans(text string, out []span) []span {
	isUpper := func(c byte) bool { return c >= 'A' && c <= 'Z' }
	for i := 0; i+10 <= len(text); i++ {
		if !isUpper(text[i]) || !boundaryBefore(text, i) {
			continue
		}
		ok := true
		for j := 0; j < 10 && ok; j++ {
			c := text[i+j]
			switch {
			case j < 5 || j == 9:
				ok = isUpper(c)
			default:
				ok = isDigit(c)
			}
		}
		if ok && boundaryAfter(text, i+10) {
			out = append(out, span{i, i + 10, CategoryID, text[i : i+10]})
			i += 9
		}
	}
	return out
}

// nameSpans finds the known names, case-insensitively, as whole words.
func (s *Session) nameSpans(text string, out []span) []span {
	if len(s.names) == 0 {
		return out
	}
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		if !isWordRune(r) || !boundaryBefore(text, i) {
			i += size
			continue
		}
		matched := false
		for _, n := range s.names {
			if len(n) <= len(text)-i && strings.EqualFold(text[i:i+len(n)], n) && boundaryAfter(text, i+len(n)) {
				out = append(out, span{i, i + len(n), CategoryName, strings.ToLower(n)})
				i += len(n)
				matched = true
				break
			}
		}
		if !matched {
			i += size
		}
	}
	return out
}

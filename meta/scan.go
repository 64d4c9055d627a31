package meta

import (
	"bytes"
	"errors"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// scanner is a small validating JSON reader over a byte slice. DecodeWebhook
// uses it to walk a webhook once, keep raw spans without copying, and read
// only the few fields it needs; encoding/json would scan every nested level
// again. It accepts exactly RFC 8259 JSON (fuzzed against json.Valid).
type scanner struct {
	b     []byte
	i     int
	depth int
}

const maxDepth = 1000

var (
	errSyntax = errors.New("invalid JSON")
	errDepth  = errors.New("JSON nested too deeply")
	errEOF    = errors.New("truncated JSON")
)

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// peek returns the next non-space byte, or 0 at the end.
func (s *scanner) peek() byte {
	s.ws()
	if s.i >= len(s.b) {
		return 0
	}
	return s.b[s.i]
}

func (s *scanner) fail() error {
	if s.i >= len(s.b) {
		return errEOF
	}
	return errSyntax
}

// skip consumes one value of any kind and returns its span.
func (s *scanner) skip() ([]byte, error) {
	c := s.peek()
	start := s.i
	var err error
	switch {
	case c == '{':
		err = s.object(func([]byte) error { _, err := s.skip(); return err })
	case c == '[':
		err = s.array(func() error { _, err := s.skip(); return err })
	case c == '"':
		_, _, err = s.stringSpan()
	case c == '-' || (c >= '0' && c <= '9'):
		_, err = s.number()
	case c == 't':
		err = s.literal("true")
	case c == 'f':
		err = s.literal("false")
	case c == 'n':
		err = s.literal("null")
	default:
		err = s.fail()
	}
	if err != nil {
		return nil, err
	}
	return s.b[start:s.i:s.i], nil
}

func (s *scanner) literal(word string) error {
	if !bytes.HasPrefix(s.b[s.i:], []byte(word)) {
		return s.fail()
	}
	s.i += len(word)
	return nil
}

// number consumes a JSON number and returns its text.
func (s *scanner) number() ([]byte, error) {
	start := s.i
	if s.i < len(s.b) && s.b[s.i] == '-' {
		s.i++
	}
	switch {
	case s.i < len(s.b) && s.b[s.i] == '0':
		s.i++
	case s.i < len(s.b) && s.b[s.i] >= '1' && s.b[s.i] <= '9':
		s.digits()
	default:
		return nil, s.fail()
	}
	if s.i < len(s.b) && s.b[s.i] == '.' {
		s.i++
		if !s.digits() {
			return nil, s.fail()
		}
	}
	if s.i < len(s.b) && (s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		s.i++
		if s.i < len(s.b) && (s.b[s.i] == '+' || s.b[s.i] == '-') {
			s.i++
		}
		if !s.digits() {
			return nil, s.fail()
		}
	}
	return s.b[start:s.i], nil
}

func (s *scanner) digits() bool {
	start := s.i
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		s.i++
	}
	return s.i > start
}

// stringSpan consumes a string and returns its contents between the quotes
// and whether they contain escapes.
func (s *scanner) stringSpan() (content []byte, escaped bool, err error) {
	if s.peek() != '"' {
		return nil, false, s.fail()
	}
	s.i++
	start := s.i
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			content = s.b[start:s.i]
			s.i++
			return content, escaped, nil
		case c == '\\':
			escaped = true
			if s.i+1 >= len(s.b) {
				return nil, false, errEOF
			}
			switch s.b[s.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.i += 2
			case 'u':
				if s.i+6 > len(s.b) {
					return nil, false, errEOF
				}
				for _, h := range s.b[s.i+2 : s.i+6] {
					if !isHex(h) {
						return nil, false, errSyntax
					}
				}
				s.i += 6
			default:
				return nil, false, errSyntax
			}
		case c < 0x20:
			return nil, false, errSyntax
		default:
			s.i++
		}
	}
	return nil, false, errEOF
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// str consumes a string and returns it unescaped.
func (s *scanner) str() (string, error) {
	content, escaped, err := s.stringSpan()
	if err != nil {
		return "", err
	}
	if !escaped && utf8.Valid(content) {
		return string(content), nil
	}
	return unescape(content), nil
}

// unescape decodes a string body already validated by stringSpan, replacing
// invalid UTF-8 with U+FFFD as encoding/json does.
func unescape(b []byte) string {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); {
		if c := b[i]; c != '\\' {
			if c < utf8.RuneSelf {
				out = append(out, c)
				i++
				continue
			}
			r, size := utf8.DecodeRune(b[i:])
			out = utf8.AppendRune(out, r) // invalid bytes become U+FFFD, as in encoding/json
			i += size
			continue
		}
		switch b[i+1] {
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r := rune(hex4(b[i+2 : i+6]))
			i += 6
			if utf16.IsSurrogate(r) && i+6 <= len(b) && b[i] == '\\' && b[i+1] == 'u' {
				if r2 := utf16.DecodeRune(r, rune(hex4(b[i+2:i+6]))); r2 != utf8.RuneError {
					r = r2
					i += 6
				}
			}
			if utf16.IsSurrogate(r) {
				r = utf8.RuneError
			}
			out = utf8.AppendRune(out, r)
			continue
		default: // '"', '\\', '/'
			out = append(out, b[i+1])
		}
		i += 2
	}
	return string(out)
}

func hex4(b []byte) uint16 {
	n, _ := strconv.ParseUint(string(b), 16, 16)
	return uint16(n)
}

// object consumes an object, calling fn with each key (raw, unescaped only
// when needed) positioned at its value; fn must consume the value.
func (s *scanner) object(fn func(key []byte) error) error {
	if s.peek() != '{' {
		return s.fail()
	}
	if s.depth++; s.depth > maxDepth {
		return errDepth
	}
	s.i++
	if s.peek() == '}' {
		s.i++
		s.depth--
		return nil
	}
	for {
		key, escaped, err := s.stringSpan()
		if err != nil {
			return err
		}
		if escaped {
			key = []byte(unescape(key))
		}
		if s.peek() != ':' {
			return s.fail()
		}
		s.i++
		if err := fn(key); err != nil {
			return err
		}
		switch s.peek() {
		case ',':
			s.i++
		case '}':
			s.i++
			s.depth--
			return nil
		default:
			return s.fail()
		}
	}
}

// array consumes an array, calling fn positioned at each element; fn must
// consume the element.
func (s *scanner) array(fn func() error) error {
	if s.peek() != '[' {
		return s.fail()
	}
	if s.depth++; s.depth > maxDepth {
		return errDepth
	}
	s.i++
	if s.peek() == ']' {
		s.i++
		s.depth--
		return nil
	}
	for {
		if err := fn(); err != nil {
			return err
		}
		switch s.peek() {
		case ',':
			s.i++
		case ']':
			s.i++
			s.depth--
			return nil
		default:
			return s.fail()
		}
	}
}

// end checks that only white space follows.
func (s *scanner) end() error {
	if s.ws(); s.i < len(s.b) {
		return errors.New("data after the top-level value")
	}
	return nil
}

// id reads a string or number id; null gives "".
func (s *scanner) id() (string, error) {
	switch c := s.peek(); {
	case c == '"':
		return s.str()
	case c == '-' || (c >= '0' && c <= '9'):
		n, err := s.number()
		return string(n), err
	case c == 'n':
		return "", s.literal("null")
	default:
		return "", errors.New("must be a string or a number")
	}
}

// int64Value reads a number (integer, or a float truncated); null gives 0.
func (s *scanner) int64Value() (int64, error) {
	if s.peek() == 'n' {
		return 0, s.literal("null")
	}
	if c := s.peek(); c != '-' && (c < '0' || c > '9') {
		return 0, errors.New("is not a number")
	}
	n, err := s.number()
	if err != nil {
		return 0, err
	}
	if v, err := strconv.ParseInt(string(n), 10, 64); err == nil {
		return v, nil
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil || f > 9.2e18 || f < -9.2e18 {
		return 0, errors.New("is out of range")
	}
	return int64(f), nil
}

// boolValue reads true, false or null.
func (s *scanner) boolValue() (bool, error) {
	switch s.peek() {
	case 't':
		return true, s.literal("true")
	case 'f':
		return false, s.literal("false")
	case 'n':
		return false, s.literal("null")
	}
	return false, errors.New("is not a boolean")
}

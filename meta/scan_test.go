package meta

import (
	"encoding/json"
	"testing"
)

func scanValid(b []byte) bool {
	s := &scanner{b: b}
	if _, err := s.skip(); err != nil {
		return false
	}
	return s.end() == nil
}

var scanSeeds = []string{
	`{}`, `[]`, `""`, `0`, `-0`, `1.5e10`, `-1E-2`, `true`, `false`, `null`,
	`{"a":[1,2,{"b":null}],"c":"\u00e9\n\"x\""}`, `"\ud83d\ude00"`, `"\ud800"`,
	`01`, `1.`, `.5`, `+1`, `1e`, `[1,]`, `{"a":1,}`, `{"a"}`, `{a:1}`, `"\x"`, `"\u12"`,
	"\"a\tb\"", `[`, `{"a":`, `tru`, `nul`, ` [ 1 , 2 ] `, `[] []`, `"abc`,
}

func TestScannerMatchesJSONValid(t *testing.T) {
	t.Parallel()
	for _, s := range scanSeeds {
		if got, want := scanValid([]byte(s)), json.Valid([]byte(s)); got != want {
			t.Errorf("%q: scanner valid=%v, json.Valid=%v", s, got, want)
		}
	}
}

func TestUnescapeMatchesJSON(t *testing.T) {
	t.Parallel()
	for _, in := range []string{`"plain"`, `"a\"b\\c\/d\b\f\n\r\t"`, `"\u00e9\u4e2d"`, `"\ud83d\ude00"`, `"\ud800x"`, `"\udc00"`} {
		var want string
		if err := json.Unmarshal([]byte(in), &want); err != nil {
			t.Fatal(err)
		}
		s := &scanner{b: []byte(in)}
		got, err := s.str()
		if err != nil || got != want {
			t.Errorf("%s: got %q (%v), want %q", in, got, err, want)
		}
	}
}

func TestScannerDepthLimit(t *testing.T) {
	t.Parallel()
	deep := make([]byte, 0, 4002)
	for range 2001 {
		deep = append(deep, '[')
	}
	if scanValid(deep) {
		t.Fatal("unterminated deep input accepted")
	}
	s := &scanner{b: deep}
	if _, err := s.skip(); err != errDepth {
		t.Fatalf("got %v, want depth error", err)
	}
}

// FuzzScanner checks the webhook scanner accepts exactly what encoding/json
// accepts and unescapes strings the same way.
func FuzzScanner(f *testing.F) {
	for _, s := range scanSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 0 && b[0] == '[' && len(b) > 3000 {
			return // deep nesting differs by design (depth limit)
		}
		got, want := scanValid(b), json.Valid(b)
		if got != want {
			t.Fatalf("scanner valid=%v, json.Valid=%v", got, want)
		}
		if want && len(b) > 0 {
			var v string
			if json.Unmarshal(b, &v) == nil {
				s := &scanner{b: b}
				str, err := s.str()
				if err == nil && str != v {
					t.Fatalf("unescape %q: got %q want %q", b, str, v)
				}
			}
		}
	})
}

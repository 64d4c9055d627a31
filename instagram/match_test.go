package instagram_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botsync/botsync/instagram"
)

func TestNormalize(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"  Fees   KITNI hai?? 🙏 ", "fees kitni hai 🙏"},
		{"ＰＲＩＣＥ", "price"},                         // full width
		{"Café crème brûlée", "cafe creme brulee"}, // diacritics
		{"ﬁnal", "final"},                          // ligature
		{"Привет, ЁЛКА!", "привет елка"},           // Cyrillic case and diacritic
		{"ΤΙΜΉ", "τιμη"},                           // Greek tonos
		{"फीस कितनी है?", "फीस कितनी है"},          // Devanagari vowel signs kept
		{"फ़ीस", "फ़ीस"},                           // nukta kept (normalised form)
		{"❤️ love", "❤ love"},                      // variation selector dropped
		{"👨‍👩‍👧 family", "👨‍👩‍👧 family"},           // ZWJ sequence intact
		{"价格多少？", "价格多少"},
		{"bad\xffbyte", "badbyte"},
		{"...", ""},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, instagram.Normalize(tt.in), "Normalize(%q)", tt.in)
	}
}

func TestMatcher(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		mode     instagram.MatchMode
		keywords []string
		text     string
		want     bool
	}{
		{"any", instagram.MatchAny, nil, "anything at all", true},
		{"any empty", instagram.MatchAny, nil, "", true},
		{"contains case", instagram.MatchContainsAny, []string{"price"}, "What's the PRICE?", true},
		{"contains one of", instagram.MatchContainsAny, []string{"fees", "price"}, "fees kitni hai", true},
		{"contains none", instagram.MatchContainsAny, []string{"fees", "price"}, "nice reel", false},
		{"word start", instagram.MatchContainsAny, []string{"fee"}, "fees please", true},
		{"not inside a word", instagram.MatchContainsAny, []string{"fee"}, "coffee time", false},
		{"hi not in this", instagram.MatchContainsAny, []string{"hi"}, "this is great", false},
		{"later occurrence", instagram.MatchContainsAny, []string{"fee"}, "coffee and fee", true},
		{"phrase", instagram.MatchContainsAny, []string{"how much"}, "Hey, how   much is it?", true},
		{"full width text", instagram.MatchContainsAny, []string{"price"}, "ＰＲＩＣＥ？", true},
		{"diacritic keyword", instagram.MatchContainsAny, []string{"café"}, "CAFE menu", true},
		{"diacritic text", instagram.MatchContainsAny, []string{"cafe"}, "Café menu", true},
		{"hindi", instagram.MatchContainsAny, []string{"फीस"}, "कोर्स की फीस कितनी है?", true},
		{"hindi no partial", instagram.MatchContainsAny, []string{"मत"}, "कीमत क्या है", false},
		{"hinglish all", instagram.MatchContainsAll, []string{"fees", "kitni"}, "Fees kitni hai? 🙏", true},
		{"all missing one", instagram.MatchContainsAll, []string{"fees", "batch"}, "Fees kitni hai?", false},
		{"emoji keyword", instagram.MatchContainsAny, []string{"🙏"}, "please🙏", true},
		{"emoji variation", instagram.MatchContainsAny, []string{"❤"}, "❤️❤️", true},
		{"tamil", instagram.MatchContainsAny, []string{"விலை"}, "இதன் விலை என்ன?", true},
		{"chinese substring", instagram.MatchContainsAny, []string{"价格"}, "请问价格多少", true},
		{"arabic", instagram.MatchContainsAny, []string{"السعر"}, "كم السعر؟", true},
		{"exact", instagram.MatchExact, []string{"info"}, "  INFO!! ", true},
		{"exact not contains", instagram.MatchExact, []string{"info"}, "more info", false},
		{"exact hindi", instagram.MatchExact, []string{"जानकारी"}, "जानकारी।", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m, err := instagram.NewMatcher(tt.mode, tt.keywords...)
			require.NoError(t, err)
			assert.Equal(t, tt.want, m.Match(tt.text))
		})
	}
}

func TestNewMatcherErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		mode     instagram.MatchMode
		keywords []string
		field    string
	}{
		{0, nil, "match.mode"},
		{instagram.MatchAny, []string{"x"}, "match.keywords"},
		{instagram.MatchContainsAny, nil, "match.keywords"},
		{instagram.MatchExact, []string{"ok", "?!"}, "match.keywords[1]"},
	}
	for _, tt := range tests {
		_, err := instagram.NewMatcher(tt.mode, tt.keywords...)
		var fe *instagram.FieldError
		require.ErrorAs(t, err, &fe)
		assert.Equal(t, tt.field, fe.Field)
	}
	assert.Equal(t, "contains_all", instagram.MatchContainsAll.String())
}

func FuzzMatcher(f *testing.F) {
	for _, s := range []string{"Fees kitni hai? 🙏", "फीस कितनी है?", "ＰＲＩＣＥ", "Café", "❤️", "价格", "a\xffb", "👨‍👩‍👧", "ﬁ", "İstanbul", "ǅ"} {
		f.Add(s, "price")
	}
	f.Fuzz(func(t *testing.T, text, keyword string) {
		n := instagram.Normalize(text)
		if utf8.ValidString(text) {
			require.True(t, utf8.ValidString(n))
		}
		require.Equal(t, strings.TrimSpace(n), n)
		require.NotContains(t, n, "  ")
		if n == "" {
			return
		}
		// A comment always matches itself, exactly and by containment.
		self, err := instagram.NewMatcher(instagram.MatchExact, text)
		require.NoError(t, err)
		require.True(t, self.Match(text), "exact self match")
		cont, err := instagram.NewMatcher(instagram.MatchContainsAll, text)
		require.NoError(t, err)
		require.True(t, cont.Match(text), "contains self match")
		if instagram.Normalize(keyword) != "" {
			m, err := instagram.NewMatcher(instagram.MatchContainsAny, keyword)
			require.NoError(t, err)
			_ = m.Match(text)
		}
	})
}

// mixedComments returns n comments mixing Latin, Hinglish, Devanagari,
// Tamil, Arabic, CJK, full-width text and emoji.
func mixedComments(n int) []string {
	parts := []string{"Fees kitni hai?", "price please 🙏", "कोर्स की फीस कितनी है?", "இதன் விலை என்ன?", "كم السعر؟",
		"请问价格多少", "ＰＲＩＣＥ？", "Café crème ❤️", "DM me the details", "nice reel 🔥🔥", "coffee time", "👨‍👩‍👧 family batch",
		"Is the NEET batch still open for 2027?", "sir link bhejo", "बहुत बढ़िया वीडियो"}
	r := rand.New(rand.NewPCG(1, 2))
	out := make([]string, n)
	for i := range out {
		k := 1 + r.IntN(3)
		var b strings.Builder
		for j := range k {
			if j > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(parts[r.IntN(len(parts))])
		}
		out[i] = b.String()
	}
	return out
}

func BenchmarkMatcher10kMixed(b *testing.B) {
	comments := mixedComments(10000)
	m, err := instagram.NewMatcher(instagram.MatchContainsAny, "price", "fees", "फीस", "விலை", "السعر", "价格", "details", "link")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	matched := 0
	for b.Loop() {
		matched = 0
		for _, c := range comments {
			if m.Match(c) {
				matched++
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(comments)), "ns/comment")
	if matched == 0 {
		b.Fatal(fmt.Sprint("no comment matched"))
	}
}

package search

import (
	"strings"
	"testing"
)

func TestTokens(t *testing.T) {
	for _, tc := range []struct{ in, doc, query string }{
		{"Hello, World!", "hello world", "hello world"},
		{"Café CRÈME naïve", "cafe creme naive", "cafe creme naive"},
		{"alice@corp.example +1 (202) 555-0143", "alice corp example 1 202 555 0143", "alice corp example 1 202 555 0143"},
		{"合同已经签好了", "合同 同已 已经 经签 签好 好了 了", "合同 同已 已经 经签 签好 好了"},
		{"Q3合同", "q3 合同 同", "q3 合同"},
		{"发", "发", "发"},
		{"عقد البيع", "عقد البيع", "عقد البيع"},
		{"e\u0301te\u0301", "ete", "ete"},
		{"4.35 €", "4 35", "4 35"},
	} {
		if got := strings.Join(Tokens(tc.in), " "); got != tc.doc {
			t.Errorf("Tokens(%q) = %q, want %q", tc.in, got, tc.doc)
		}
		if got := strings.Join(QueryTokens(tc.in), " "); got != tc.query {
			t.Errorf("QueryTokens(%q) = %q, want %q", tc.in, got, tc.query)
		}
	}
}

func TestSnippet(t *testing.T) {
	is := func(w ...string) func(string) bool {
		return func(tok string) bool {
			for _, x := range w {
				if tok == x {
					return true
				}
			}
			return false
		}
	}
	for _, tc := range []struct {
		text  string
		terms []string
		want  string
	}{
		{"Can you send the updated PRICE for the order?", []string{"price"}, "Can you send the updated **PRICE** for the order?"},
		{"合同已经签好了，明天发货。", []string{"合同"}, "**合同**已经签好了，明天发货。"},
		{"Le café est prêt", []string{"cafe"}, "Le **café** est prêt"},
		{"nothing here", []string{"x"}, "nothing here"},
		{strings.Repeat("word ", 40) + "needle " + strings.Repeat("tail ", 40), []string{"needle"},
			"…word word word word word word word **needle** tail tail tail tail tail tail tail tail tail tail tail tail tail tail…"},
	} {
		if got := Snippet(tc.text, 120, is(tc.terms...)); got != tc.want {
			t.Errorf("Snippet(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
}

// TestTokensASCII checks the ASCII fast path of the tokenizer against the
// general rules (isTokenRune, fold) for every ASCII character.
func TestTokensASCII(t *testing.T) {
	for r := rune(0); r < 0x80; r++ {
		got := Tokens("a" + string(r) + "b")
		want := []string{"a", "b"}
		if isTokenRune(r) {
			want = []string{"a" + string(fold(nil, r)) + "b"}
		}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("%q: got %q, want %q", r, got, want)
		}
	}
}

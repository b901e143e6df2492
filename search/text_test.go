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

// Package search is the archive's content search: the text an item is
// indexed under, the compilation of KQL queries (package kql parses them)
// into the index's language, and the search itself.
//
// Tokens are made here, in Go, for both the index and the queries, so the
// two always agree: text is split into runs of letters and digits, folded to
// lower case without diacritics (café = cafe), and runs of CJK characters
// (which have no spaces between words) become overlapping bigrams plus their
// last character, so any two-character word is found: 合同已经 is indexed as
// 合同 同已 已经 经. The index (SQLite FTS5, tokenizer unicode61) only splits
// that stream on spaces.
package search

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// isCJK reports whether r belongs to a script written without spaces.
func isCJK(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul) ||
		(r >= 0x3000 && r <= 0x303f && unicode.IsLetter(r))
}

func isTokenRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsNumber(r) || unicode.Is(unicode.Co, r)
}

// fold lower-cases r and strips its diacritics, returning the base runes.
func fold(dst []rune, r rune) []rune {
	if r < 0x80 {
		return append(dst, unicode.ToLower(r))
	}
	for _, d := range norm.NFD.String(string(r)) {
		if unicode.Is(unicode.Mn, d) {
			continue
		}
		dst = append(dst, unicode.ToLower(d))
	}
	return dst
}

// Tokens splits s into index tokens. For a document, CJK runs give bigrams
// and their last character; see the package comment.
func Tokens(s string) []string {
	return tokens(s, true)
}

// QueryTokens splits a query word or phrase into tokens: like Tokens, but a
// CJK run of two or more characters gives its bigrams only (they are matched
// as a phrase), and a single CJK character is returned alone (matched as a
// prefix of a bigram).
func QueryTokens(s string) []string {
	return tokens(s, false)
}

func tokens(s string, doc bool) []string {
	var out []string
	var cur []rune
	var cjk []rune
	flushWord := func() {
		if len(cur) > 0 {
			out = append(out, string(cur))
			cur = cur[:0]
		}
	}
	flushCJK := func() {
		switch n := len(cjk); {
		case n == 0:
			return
		case n == 1:
			out = append(out, string(cjk))
		default:
			for i := 0; i+1 < n; i++ {
				out = append(out, string(cjk[i:i+2]))
			}
			if doc {
				out = append(out, string(cjk[n-1]))
			}
		}
		cjk = cjk[:0]
	}
	for _, r := range s {
		switch {
		case isCJK(r):
			flushWord()
			cjk = append(cjk, r)
		case isTokenRune(r):
			flushCJK()
			cur = fold(cur, r)
		case unicode.Is(unicode.Mn, r) && len(cur) > 0:
			// a combining mark on a token: dropped, as diacritics are
		default:
			flushWord()
			flushCJK()
		}
	}
	flushWord()
	flushCJK()
	return out
}

// IndexText returns the token stream of s as the index stores it.
func IndexText(s string) string {
	return strings.Join(Tokens(s), " ")
}

// IsCJKToken reports whether a token is CJK (single characters of it are
// matched as prefixes).
func IsCJKToken(t string) bool {
	for _, r := range t {
		return isCJK(r)
	}
	return false
}

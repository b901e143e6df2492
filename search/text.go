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
	"unicode/utf8"

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
		if r < utf8.RuneSelf {
			// ASCII, most of the text: letters and digits, or a separator.
			switch {
			case 'a' <= r && r <= 'z' || '0' <= r && r <= '9':
				flushCJK()
				cur = append(cur, r)
			case 'A' <= r && r <= 'Z':
				flushCJK()
				cur = append(cur, r+'a'-'A')
			default:
				flushWord()
				flushCJK()
			}
			continue
		}
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

// IsCJKToken reports whether a token is CJK (single characters of it are
// matched as prefixes).
func IsCJKToken(t string) bool {
	for _, r := range t {
		return isCJK(r)
	}
	return false
}

// span is a token of a text and where it is.
type span struct {
	start, end int // byte offsets in the original text
	tok        string
}

// spans tokenises s like Tokens (for a document) and keeps where each token
// came from. A CJK bigram spans its two characters.
func spans(s string) []span {
	var out []span
	var cur []rune
	curStart := -1
	type cjkRune struct {
		r          rune
		start, end int
	}
	var cjk []cjkRune
	flushWord := func(end int) {
		if len(cur) > 0 {
			out = append(out, span{curStart, end, string(cur)})
			cur = cur[:0]
		}
		curStart = -1
	}
	flushCJK := func() {
		n := len(cjk)
		switch {
		case n == 0:
			return
		case n == 1:
			out = append(out, span{cjk[0].start, cjk[0].end, string(cjk[0].r)})
		default:
			for i := 0; i+1 < n; i++ {
				out = append(out, span{cjk[i].start, cjk[i+1].end, string([]rune{cjk[i].r, cjk[i+1].r})})
			}
			out = append(out, span{cjk[n-1].start, cjk[n-1].end, string(cjk[n-1].r)})
		}
		cjk = cjk[:0]
	}
	for i, r := range s {
		size := len(string(r))
		switch {
		case isCJK(r):
			flushWord(i)
			cjk = append(cjk, cjkRune{r, i, i + size})
		case isTokenRune(r):
			flushCJK()
			if curStart < 0 {
				curStart = i
			}
			cur = fold(cur, r)
		case unicode.Is(unicode.Mn, r) && len(cur) > 0:
		default:
			flushWord(i)
			flushCJK()
		}
	}
	flushWord(len(s))
	flushCJK()
	return out
}

// Snippet returns a piece of text around the first token that terms
// matches, at most about width runes, with every matching token wrapped in
// ** **. terms reports whether a token matches. Without a match it returns
// the start of the text.
func Snippet(text string, width int, terms func(tok string) bool) string {
	sp := spans(text)
	first := -1
	var marks []span
	for _, s := range sp {
		if terms(s.tok) {
			if first < 0 {
				first = s.start
			}
			if len(marks) == 0 || s.start >= marks[len(marks)-1].end {
				marks = append(marks, s)
			} else if s.end > marks[len(marks)-1].end {
				marks[len(marks)-1].end = s.end
			}
		}
	}
	start, end := 0, len(text)
	if first > 0 {
		start = first
		for n := 0; start > 0 && n < width/3; n++ {
			_, size := lastRune(text[:start])
			start -= size
		}
	}
	runes := 0
	for i := range text[start:] {
		if runes == width {
			end = start + i
			break
		}
		runes++
	}
	// Cut at spaces, not inside words (CJK text has none: cut anywhere).
	if start > 0 {
		if i := strings.IndexAny(text[start:min(len(text), start+24)], " \n\t"); i >= 0 && (first < 0 || start+i < first) {
			start += i + 1
		}
	}
	if end < len(text) {
		if i := strings.LastIndexAny(text[max(start, end-24):end], " \n\t"); i >= 0 {
			end = max(start, end-24) + i
		}
	}
	var b strings.Builder
	if start > 0 {
		b.WriteString("…")
	}
	pos := start
	for _, m := range marks {
		if m.end <= start || m.start >= end {
			continue
		}
		ms, me := max(m.start, start), min(m.end, end)
		b.WriteString(text[pos:ms])
		b.WriteString("**" + text[ms:me] + "**")
		pos = me
	}
	b.WriteString(text[pos:end])
	if end < len(text) {
		b.WriteString("…")
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

func lastRune(s string) (rune, int) {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i]&0xC0 != 0x80 {
			r := []rune(s[i:])
			return r[0], len(s) - i
		}
	}
	return 0, 1
}

package kql

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// tokKind is the kind of a token.
type tokKind int

const (
	tNone   tokKind = iota // before the first token
	tEOF                   // the end of the query
	tWord                  // a word, or a raw property value in a typed group
	tPhrase                // a quoted phrase
	tLParen                // (
	tRParen                // )
	tAnd                   // AND
	tOr                    // OR
	tNot                   // NOT
	tMinus                 // a leading -
	tNear                  // NEAR or NEAR(n)
	tProp                  // a property name and its operator
)

// token is a lexed token. pos and end are byte offsets of its text.
type token struct {
	kind     tokKind
	pos, end int
	text     string // word, phrase content, or property name as typed
	prefix   bool   // word followed by *
	dist     int    // NEAR distance
	op       string // property operator
	opPos    int    // offset of op
}

// describe names a token for error messages.
func (t token) describe() string {
	switch t.kind {
	case tAnd:
		return "AND"
	case tOr:
		return "OR"
	case tNot:
		return "NOT"
	case tMinus:
		return `"-"`
	case tNear:
		return "NEAR"
	case tLParen:
		return `"("`
	case tRParen:
		return `")"`
	case tEOF:
		return "the end of the query"
	}
	return strconv.Quote(t.text)
}

// isWordRune reports whether r is a letter, digit or mark: the runes words
// are made of.
func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsMark(r)
}

// isJoiner reports whether r joins two runs of word runes into one word.
func isJoiner(r rune) bool {
	switch r {
	case '\'', '\u2019', '-', '.', '_', '@', '+', '\u200c', '\u200d':
		return true
	}
	return false
}

// isQuote reports whether r opens or closes a phrase.
func isQuote(r rune) bool {
	return r == '"' || r == '\u201c' || r == '\u201d'
}

// runeAt decodes the rune at byte offset i of q, or returns -1, 0 at the end.
func runeAt(q string, i int) (rune, int) {
	if i >= len(q) {
		return -1, 0
	}
	return utf8.DecodeRuneInString(q[i:])
}

// wordStartAt reports whether a word starts at offset i: a word rune, or
// "+" and a digit.
func wordStartAt(q string, i int) bool {
	r, w := runeAt(q, i)
	if r == '+' {
		r2, _ := runeAt(q, i+w)
		return unicode.IsDigit(r2)
	}
	return r >= 0 && isWordRune(r)
}

// termStartAt reports whether something that can follow "-" starts at i.
func termStartAt(q string, i int) bool {
	r, _ := runeAt(q, i)
	return wordStartAt(q, i) || isQuote(r) || r == '(' || r == '-'
}

// isSyntax reports whether r has a meaning of its own at the start of a
// term; other runes that cannot start a word separate words.
func isSyntax(r rune) bool {
	switch r {
	case '(', ')', ':', '=', '<', '>', '*', '-':
		return true
	}
	return isQuote(r)
}

// scanWord scans the word at i (wordStartAt(q, i) holds) and returns its
// end.
func scanWord(q string, i int) int {
	if q[i] == '+' {
		i++
	}
	for i < len(q) {
		r, w := runeAt(q, i)
		if isWordRune(r) {
			i += w
			continue
		}
		if isJoiner(r) {
			if r2, _ := runeAt(q, i+w); r2 >= 0 && isWordRune(r2) {
				i += w
				continue
			}
		}
		break
	}
	return i
}

// scanRaw scans a raw property value at i: everything up to white space, a
// parenthesis, a quote or the end.
func scanRaw(q string, i int) int {
	for i < len(q) {
		r, w := runeAt(q, i)
		if unicode.IsSpace(r) || r == '(' || r == ')' || isQuote(r) {
			break
		}
		i += w
	}
	return i
}

// lex returns the token at or after offset i. typed is true inside a group
// of values of a non-text property, where values are lexed raw.
func (p *parser) lex(i int, typed bool) (token, *Error) {
	q := p.q
	for i < len(q) {
		r, w := runeAt(q, i)
		if unicode.IsSpace(r) {
			i += w
			continue
		}
		if typed || isSyntax(r) || wordStartAt(q, i) {
			break
		}
		i += w // punctuation, symbols and emoji separate words
	}
	if i >= len(q) {
		return token{kind: tEOF, pos: len(q), end: len(q)}, nil
	}
	r, w := runeAt(q, i)
	switch {
	case r == '(':
		return token{kind: tLParen, pos: i, end: i + w}, nil
	case r == ')':
		return token{kind: tRParen, pos: i, end: i + w}, nil
	case isQuote(r):
		return p.lexPhrase(i)
	case r == '-':
		if !termStartAt(q, i+w) {
			return token{}, errorAt(q, i, `"-" must be directly followed by the term to leave out, as in -spam`)
		}
		return token{kind: tMinus, pos: i, end: i + w}, nil
	}
	if typed {
		end := scanRaw(q, i)
		text := q[i:end]
		if kw, ok := keyword(text); ok {
			return token{kind: kw, pos: i, end: end, text: text, dist: DefaultNear}, nil
		}
		return token{kind: tWord, pos: i, end: end, text: text}, nil
	}
	switch r {
	case '*':
		return token{}, errorAt(q, i, `a wildcard "*" must end a word, as in pric*; leading wildcards are not supported`)
	case ':', '=', '<', '>':
		return token{}, errorAt(q, i, `unexpected %q: a property is written name%svalue with no spaces, as in from:alice or size>1MB`, string(r), string(r))
	}
	return p.lexWord(i, false)
}

// keyword returns the token kind of an upper-case keyword.
func keyword(s string) (tokKind, bool) {
	switch s {
	case "AND":
		return tAnd, true
	case "OR":
		return tOr, true
	case "NOT":
		return tNot, true
	case "NEAR":
		return tNear, true
	}
	return 0, false
}

// lexWord lexes a word, a prefix word, a keyword or a property name and
// operator at i. With value, it lexes a property's value: a word or a
// prefix word, never a keyword or a property.
func (p *parser) lexWord(i int, value bool) (token, *Error) {
	q := p.q
	end := scanWord(q, i)
	t := token{kind: tWord, pos: i, end: end, text: q[i:end]}
	r, _ := runeAt(q, end)
	switch r {
	case '*':
		t.prefix = true
		t.end++
		if wordStartAt(q, t.end) || strings.HasPrefix(q[t.end:], "*") {
			return token{}, errorAt(q, end, `a wildcard "*" can only end a word, as in pric*`)
		}
		return t, nil
	}
	if value {
		return t, nil
	}
	switch r {
	case ':', '=', '<', '>':
		t.kind, t.opPos = tProp, end
		t.op = string(r)
		if two := q[end:min(end+2, len(q))]; two == "<=" || two == ">=" || two == "<>" {
			t.op = two
		}
		t.end = end + len(t.op)
		return t, nil
	}
	kw, ok := keyword(t.text)
	if !ok {
		return t, nil
	}
	t.kind = kw
	if kw == tNear {
		t.dist = DefaultNear
		if r == '(' {
			return p.lexNearDistance(t)
		}
	}
	return t, nil
}

// lexNearDistance lexes the (n) of NEAR(n).
func (p *parser) lexNearDistance(t token) (token, *Error) {
	q := p.q
	open := t.end
	j := open + 1
	for j < len(q) && q[j] >= '0' && q[j] <= '9' {
		j++
	}
	if j == open+1 || j >= len(q) || q[j] != ')' {
		return token{}, errorAt(q, open, `NEAR( must be followed by a number of words and ")", as in NEAR(5)`)
	}
	digits := q[open+1 : j]
	n, err := strconv.Atoi(digits)
	if err != nil || n > MaxNear {
		return token{}, errorAt(q, open+1, "NEAR(%s) is too far: at most NEAR(%d)", digits, MaxNear)
	}
	t.dist = n
	t.end = j + 1
	return t, nil
}

// lexPhrase lexes the phrase whose opening quote is at i.
func (p *parser) lexPhrase(i int) (token, *Error) {
	q := p.q
	_, w := runeAt(q, i)
	start := i + w
	j := start
	hasWord := false
	star := -1
	for j < len(q) {
		r, w := runeAt(q, j)
		if isQuote(r) {
			break
		}
		if r == '*' && star < 0 {
			star = j
		}
		if isWordRune(r) {
			hasWord = true
		}
		j += w
	}
	if j >= len(q) {
		return token{}, errorAt(q, i, `unclosed quote: add a closing " to end the phrase`)
	}
	if star >= 0 {
		return token{}, errorAt(q, star, `a wildcard "*" does not work in a phrase; remove it, or search for a prefix outside quotes, as in pric*`)
	}
	if !hasWord {
		return token{}, errorAt(q, i, "empty phrase: there is no letter or digit between the quotes")
	}
	_, cw := runeAt(q, j)
	end := j + cw
	if strings.HasPrefix(q[end:], "*") {
		return token{}, errorAt(q, end, `a wildcard "*" does not work on a phrase; use a prefix word outside quotes, as in pric*`)
	}
	return token{kind: tPhrase, pos: i, end: end, text: q[start:j]}, nil
}

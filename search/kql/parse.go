package kql

import (
	"fmt"
	"strings"
	"time"
	"unicode"
)

// parser is a recursive-descent parser over tokens lexed on demand: the
// lexer needs to know where it is (a property's value is lexed differently
// from free text).
type parser struct {
	q     string
	now   time.Time
	tok   token  // the current token
	prev  token  // the token before it
	depth int    // nesting of parentheses, groups and NOTs
	group *group // the property whose group of values is being parsed
}

// group is a property whose parenthesised values are being parsed.
type group struct {
	field Field
	op    string // the operator applied to each value
	prop  token  // the property token
}

// typed reports whether tokens are lexed as raw values of a non-text
// property.
func (p *parser) typed() bool { return p.group != nil && !isTextField(p.group.field) }

// advance moves to the next token.
func (p *parser) advance() *Error {
	t, err := p.lex(p.tok.end, p.typed())
	if err != nil {
		return err
	}
	p.prev, p.tok = p.tok, t
	return nil
}

// enter counts one level of nesting at pos.
func (p *parser) enter(pos int) *Error {
	p.depth++
	if p.depth > MaxDepth {
		return errorAt(p.q, pos, "the query nests too deeply: at most %d levels of parentheses, groups and NOT", MaxDepth)
	}
	return nil
}

func (p *parser) parse() (Node, *Error) {
	t, err := p.lex(0, false)
	if err != nil {
		return nil, err
	}
	p.tok = t
	if t.kind == tEOF {
		if strings.TrimSpace(p.q) == "" {
			return nil, errorAt(p.q, 0, "empty query")
		}
		return nil, errorAt(p.q, 0, "empty query: there is no word to search for (punctuation and symbols are ignored)")
	}
	n, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	switch p.tok.kind {
	case tEOF:
		return n, nil
	case tRParen:
		return nil, errorAt(p.q, p.tok.pos, `unbalanced parenthesis: ")" has no "("`)
	}
	return nil, errorAt(p.q, p.tok.pos, "unexpected %s", p.tok.describe())
}

// parseOr parses: and { "OR" and }.
func (p *parser) parseOr() (Node, *Error) {
	left, err := p.parseAnd()
	if err != nil {
		return nil, err
	}
	for p.tok.kind == tOr {
		if err := p.advance(); err != nil {
			return nil, err
		}
		right, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		left = newOr(left, right)
	}
	return left, nil
}

// parseAnd parses: unary { ["AND"] unary }.
func (p *parser) parseAnd() (Node, *Error) {
	left, err := p.parseUnary()
	if err != nil {
		return nil, err
	}
	for {
		switch p.tok.kind {
		case tAnd:
			if err := p.advance(); err != nil {
				return nil, err
			}
		case tWord, tPhrase, tLParen, tNot, tMinus, tProp:
			// implicit AND
		default:
			return left, nil
		}
		right, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		left = newAnd(left, right)
	}
}

// parseUnary parses: ("NOT" | "-") unary | near.
func (p *parser) parseUnary() (Node, *Error) {
	if p.tok.kind != tNot && p.tok.kind != tMinus {
		return p.parseNear()
	}
	op := p.tok
	if err := p.enter(op.pos); err != nil {
		return nil, err
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	x, err := p.parseUnary()
	if err != nil {
		return nil, err
	}
	p.depth--
	return &Not{P: op.pos, X: x}, nil
}

// parseNear parses: primary [ NEAR primary ].
func (p *parser) parseNear() (Node, *Error) {
	left, err := p.parsePrimary()
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tNear {
		return left, nil
	}
	near := p.tok
	if p.group != nil {
		return nil, errorAt(p.q, near.pos, "NEAR cannot be used in a group of property values")
	}
	lt, ok := left.(Term)
	if !ok {
		return nil, errorAt(p.q, near.pos, "NEAR needs a word or phrase on its left")
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	if p.tok.kind != tWord && p.tok.kind != tPhrase {
		return nil, errorAt(p.q, near.pos, "NEAR needs a word or phrase on its right")
	}
	right, err := p.parsePrimary()
	if err != nil {
		return nil, err
	}
	if p.tok.kind == tNear {
		return nil, errorAt(p.q, p.tok.pos, "NEAR joins two words or phrases and cannot be chained: write (a NEAR b) AND (b NEAR c)")
	}
	return &Near{P: left.Pos(), Left: lt, Right: right.(Term), Distance: near.dist}, nil
}

// parsePrimary parses a word, a phrase, a parenthesised query or a
// property restriction; in a property's group, a value of that property.
func (p *parser) parsePrimary() (Node, *Error) {
	t := p.tok
	switch t.kind {
	case tWord, tPhrase:
		var n Node
		if g := p.group; g != nil {
			var err *Error
			if n, err = p.value(g.field, g.op, g.prop, t); err != nil {
				return nil, err
			}
		} else if t.kind == tWord {
			n = &Word{P: t.pos, Text: t.text, Prefix: t.prefix}
		} else {
			n = &Phrase{P: t.pos, Text: t.text}
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		return n, nil
	case tLParen:
		if err := p.enter(t.pos); err != nil {
			return nil, err
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		if p.tok.kind == tRParen {
			return nil, errorAt(p.q, t.pos, "empty parentheses: expected a query between ( and )")
		}
		x, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		if p.tok.kind != tRParen {
			return nil, errorAt(p.q, t.pos, `unclosed parenthesis: "(" has no ")"`)
		}
		p.depth--
		if err := p.advance(); err != nil {
			return nil, err
		}
		return x, nil
	case tProp:
		if _, err := p.field(t); err != nil {
			return nil, err
		}
		if g := p.group; g != nil {
			name := p.q[g.prop.pos:g.prop.end]
			return nil, errorAt(p.q, t.pos, "a property cannot be used in the group of %q values: write (from:alice OR to:bob), not from:(alice OR to:bob)", name)
		}
		return p.parseProperty()
	}
	return nil, p.missingTerm()
}

// missingTerm explains why there is no term where one is needed.
func (p *parser) missingTerm() *Error {
	switch p.prev.kind {
	case tAnd, tOr, tNot, tMinus, tNear:
		return errorAt(p.q, p.prev.pos, "%s needs a term on its right", p.prev.describe())
	case tLParen:
		if p.tok.kind == tEOF {
			return errorAt(p.q, p.prev.pos, `unclosed parenthesis: "(" has no ")"`)
		}
	}
	switch p.tok.kind {
	case tRParen:
		return errorAt(p.q, p.tok.pos, `unbalanced parenthesis: ")" has no "("`)
	case tNear:
		return errorAt(p.q, p.tok.pos, "NEAR needs a word or phrase on its left")
	case tAnd, tOr:
		return errorAt(p.q, p.tok.pos, "%s needs a term on its left", p.tok.describe())
	}
	return errorAt(p.q, p.tok.pos, `expected a word, a "phrase", a property or "(", found %s`, p.tok.describe())
}

// field returns the property a tProp token names.
func (p *parser) field(t token) (Field, *Error) {
	name := strings.ToLower(t.text)
	for _, f := range fields {
		if string(f) == name {
			return f, nil
		}
	}
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = string(f)
	}
	return "", errorAt(p.q, t.pos, "unknown property %q: the properties are %s; to search for text containing %q, put it in double quotes",
		t.text, strings.Join(names, ", "), t.op[:1])
}

func isTextField(f Field) bool {
	for _, t := range textFields {
		if f == t {
			return true
		}
	}
	return false
}

// parseProperty parses name op value and name op (values); the current
// token is the name and operator.
func (p *parser) parseProperty() (Node, *Error) {
	t := p.tok
	field, err := p.field(t)
	if err != nil {
		return nil, err
	}
	op := t.op
	switch field {
	case FieldSent, FieldReceived, FieldSize:
	default:
		if op != ":" && op != "=" && op != "<>" {
			return nil, errorAt(p.q, t.opPos, `%s takes ":", "=" or "<>", not %q`, field, op)
		}
	}
	negate := op == "<>"
	if negate {
		op = "="
	}
	typed := p.q[t.pos:t.end]
	i := t.end
	r, _ := runeAt(p.q, i)
	var n Node
	switch {
	case r < 0 || r == ')' || unicode.IsSpace(r):
		msg := fmt.Sprintf("expected a value after %q", typed)
		if r >= 0 && unicode.IsSpace(r) && strings.TrimSpace(p.q[i:]) != "" {
			msg += ": remove the space before the value"
		}
		return nil, errorAt(p.q, i, "%s", msg)
	case r == '(':
		if n, err = p.parseGroup(field, op, t); err != nil {
			return nil, err
		}
	default:
		var v token
		switch {
		case isQuote(r):
			v, err = p.lexPhrase(i)
		case isTextField(field):
			if !wordStartAt(p.q, i) {
				return nil, errorAt(p.q, i, `expected a value after %q: a word, a prefix word* or a "phrase"`, typed)
			}
			v, err = p.lexWord(i, true)
		default:
			end := scanRaw(p.q, i)
			v = token{kind: tWord, pos: i, end: end, text: p.q[i:end]}
		}
		if err != nil {
			return nil, err
		}
		if n, err = p.value(field, op, t, v); err != nil {
			return nil, err
		}
		next, err := p.lex(v.end, false)
		if err != nil {
			return nil, err
		}
		p.prev, p.tok = t, next
	}
	if negate {
		n = &Not{P: t.pos, X: n}
	}
	return n, nil
}

// parseGroup parses the parenthesised values of the property t, which
// start right after it, and the token after them.
func (p *parser) parseGroup(field Field, op string, t token) (Node, *Error) {
	open := token{kind: tLParen, pos: t.end, end: t.end + 1}
	if err := p.enter(open.pos); err != nil {
		return nil, err
	}
	p.group = &group{field: field, op: op, prop: t}
	p.tok = open
	if err := p.advance(); err != nil {
		return nil, err
	}
	if p.tok.kind == tRParen {
		return nil, errorAt(p.q, open.pos, "empty group: expected values after %q, as in from:(alice OR bob)", p.q[t.pos:open.end])
	}
	n, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tRParen {
		return nil, errorAt(p.q, open.pos, `unclosed parenthesis: "(" has no ")"`)
	}
	p.group = nil
	p.depth--
	if err := p.advance(); err != nil {
		return nil, err
	}
	return n, nil
}

// newAnd returns (and l r), flattened. It may extend l, which the parser
// built and nothing else holds.
func newAnd(l, r Node) Node {
	a, ok := l.(*And)
	if !ok {
		a = &And{P: l.Pos(), Operands: []Node{l}}
	}
	if ra, ok := r.(*And); ok {
		a.Operands = append(a.Operands, ra.Operands...)
	} else {
		a.Operands = append(a.Operands, r)
	}
	return a
}

// newOr returns (or l r), flattened, like newAnd.
func newOr(l, r Node) Node {
	o, ok := l.(*Or)
	if !ok {
		o = &Or{P: l.Pos(), Operands: []Node{l}}
	}
	if ro, ok := r.(*Or); ok {
		o.Operands = append(o.Operands, ro.Operands...)
	} else {
		o.Operands = append(o.Operands, r)
	}
	return o
}

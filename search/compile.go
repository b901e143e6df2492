package search

import (
	"fmt"
	"strings"

	"github.com/custos-archive/custos/connector/usermap"
	"github.com/custos-archive/custos/search/kql"
	"github.com/custos-archive/custos/store"
)

// Error is a query that parses but cannot be searched, with the position of
// the part at fault.
type Error struct {
	Pos, Column int
	Msg         string
}

func (e *Error) Error() string { return fmt.Sprintf("column %d: %s", e.Column, e.Msg) }

func errAt(q string, pos int, format string, args ...any) *Error {
	if pos > len(q) {
		pos = len(q)
	}
	return &Error{Pos: pos, Column: len([]rune(q[:pos])) + 1, Msg: fmt.Sprintf(format, args...)}
}

// compiler turns a parsed query into store conditions.
type compiler struct {
	q    string
	norm *usermap.Normalizer
}

// Compile turns a parsed KQL query into the store's search condition. norm
// normalises phone numbers in from:, to:, participants: and free text, so a
// number matches whatever way it is written.
func Compile(q string, n kql.Node, norm *usermap.Normalizer) (store.Cond, error) {
	c := &compiler{q: q, norm: norm}
	return c.node(n)
}

var fieldColumns = map[kql.Field][]string{
	kql.FieldFrom:            {store.ColSender},
	kql.FieldTo:              {store.ColRecipients},
	kql.FieldParticipants:    {store.ColSender, store.ColRecipients},
	kql.FieldSubject:         {store.ColSubject},
	kql.FieldBody:            {store.ColBody},
	kql.FieldAttachmentNames: {store.ColAttNames},
}

func (c *compiler) node(n kql.Node) (store.Cond, error) {
	switch n := n.(type) {
	case *kql.Word, *kql.Phrase:
		return c.term(n.(kql.Term), nil, true)
	case *kql.Text:
		switch n.Field {
		case kql.FieldFolder:
			return c.folder(n.Term, func(mb, f string) string { return f })
		case kql.FieldMailbox:
			return c.folder(n.Term, func(mb, f string) string { return mb })
		}
		cols, ok := fieldColumns[n.Field]
		if !ok {
			return nil, errAt(c.q, n.P, "the property %s: cannot be searched", n.Field)
		}
		phones := n.Field == kql.FieldFrom || n.Field == kql.FieldTo || n.Field == kql.FieldParticipants
		return c.term(n.Term, cols, phones)
	case *kql.Kind:
		var and store.And
		if len(n.Sources) > 0 {
			and.Conds = append(and.Conds, store.SourceIs{Sources: n.Sources})
		}
		if len(n.Kinds) > 0 {
			and.Conds = append(and.Conds, store.KindIs{Kinds: n.Kinds})
		}
		return and, nil
	case *kql.DateRange:
		return store.TimeIn{Field: string(n.Field), From: n.From, To: n.To}, nil
	case *kql.SizeRange:
		return store.SizeIn{Min: n.Min, Max: n.Max}, nil
	case *kql.HasAttachment:
		return store.HasAttachment{Value: n.Value}, nil
	case *kql.And:
		var and store.And
		for _, x := range n.Operands {
			y, err := c.node(x)
			if err != nil {
				return nil, err
			}
			and.Conds = append(and.Conds, y)
		}
		return and, nil
	case *kql.Or:
		var or store.Or
		for _, x := range n.Operands {
			y, err := c.node(x)
			if err != nil {
				return nil, err
			}
			or.Conds = append(or.Conds, y)
		}
		return or, nil
	case *kql.Not:
		y, err := c.node(n.X)
		if err != nil {
			return nil, err
		}
		return store.Not{C: y}, nil
	case *kql.Near:
		a, err := c.match(n.Left, nil)
		if err != nil {
			return nil, err
		}
		b, err := c.match(n.Right, nil)
		if err != nil {
			return nil, err
		}
		return store.Near{A: a, B: b, Distance: n.Distance}, nil
	}
	return nil, errAt(c.q, n.Pos(), "cannot search this part of the query")
}

// match is the text match of a word or phrase in cols.
func (c *compiler) match(t kql.Term, cols []string) (store.Match, error) {
	var text string
	var prefix bool
	switch t := t.(type) {
	case *kql.Word:
		text, prefix = t.Text, t.Prefix
	case *kql.Phrase:
		text = t.Text
	}
	toks := QueryTokens(text)
	if len(toks) == 0 {
		return store.Match{}, errAt(c.q, t.Pos(), "%q has no letters or digits to search for", text)
	}
	// A lone CJK character is found as the start of the bigrams it begins.
	if last := toks[len(toks)-1]; IsCJKToken(last) && len([]rune(last)) == 1 {
		prefix = true
	}
	return store.Match{Columns: cols, Tokens: toks, Prefix: prefix}, nil
}

// term is a word or phrase in cols; with phones, a word that is a phone
// number also matches the number however it was written.
func (c *compiler) term(t kql.Term, cols []string, phones bool) (store.Cond, error) {
	m, err := c.match(t, cols)
	if err != nil {
		return nil, err
	}
	var text string
	switch t := t.(type) {
	case *kql.Word:
		if t.Prefix {
			return m, nil
		}
		text = t.Text
	case *kql.Phrase:
		text = t.Text
	}
	if phones && IsAddress(text) {
		if cols == nil {
			// Free text: the address as words anywhere, or as a participant.
			return store.Or{Conds: []store.Cond{m, store.Match{Columns: []string{store.ColSender, store.ColRecipients},
				Tokens: []string{AddressToken(text)}}}}, nil
		}
		return store.Match{Columns: cols, Tokens: []string{AddressToken(text)}}, nil
	}
	if !phones || !phoneLike(text) {
		return m, nil
	}
	e164, _, err := c.norm.Normalize(text)
	if err != nil {
		return m, nil
	}
	or := store.Or{Conds: []store.Cond{m}}
	pcols := cols
	if pcols == nil {
		pcols = []string{store.ColSender, store.ColRecipients}
	}
	for _, tok := range PhoneTokens(e164)[:1] {
		or.Conds = append(or.Conds, store.Match{Columns: pcols, Tokens: []string{tok}})
	}
	return or, nil
}

// phoneLike reports whether s looks like a phone number: digits and the
// usual punctuation, with at least six digits.
func phoneLike(s string) bool {
	digits := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case strings.ContainsRune("+-(). /", r):
		default:
			return false
		}
	}
	return digits >= 6
}

// folder matches copies by folder name or mailbox address: the value's
// tokens must occur, in order, among the name's tokens.
func (c *compiler) folder(t kql.Term, pick func(mailbox, folder string) string) (store.Cond, error) {
	m, err := c.match(t, nil)
	if err != nil {
		return nil, err
	}
	return store.FolderIs{Match: func(mb, f string) bool {
		return len(phraseIn(Tokens(pick(mb, f)), m.Tokens, m.Prefix)) > 0
	}}, nil
}

// phraseIn returns where toks holds phrase (the last token a prefix when
// prefix is set).
func phraseIn(toks, phrase []string, prefix bool) []int {
	var at []int
	n := len(phrase)
	for i := 0; i+n <= len(toks); i++ {
		ok := true
		for j, p := range phrase {
			if j == n-1 && prefix {
				ok = strings.HasPrefix(toks[i+j], p)
			} else {
				ok = toks[i+j] == p
			}
			if !ok {
				break
			}
		}
		if ok {
			at = append(at, i)
		}
	}
	return at
}

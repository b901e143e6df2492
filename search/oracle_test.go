package search_test

import (
	"strings"

	"github.com/custos-archive/custos/item"
	"github.com/custos-archive/custos/store"
)

// candidate is one archived copy as the brute-force oracle sees it.
type candidate struct {
	it       *item.Item
	doc      map[string][]string // index column -> tokens
	mailbox  string
	folder   string
	size     int64
	attached bool
	archived int64 // ms
}

func newCandidate(it *item.Item, d store.Doc, mailbox, folder string, size int64, attached bool, archivedMS int64) *candidate {
	split := func(s string) []string { return strings.Fields(s) }
	return &candidate{it: it, mailbox: mailbox, folder: folder, size: size, attached: attached, archived: archivedMS,
		doc: map[string][]string{
			store.ColSender: split(d.Sender), store.ColRecipients: split(d.Recipients), store.ColSubject: split(d.Subject),
			store.ColBody: split(d.Body), store.ColAttNames: split(d.AttNames), store.ColAttText: split(d.AttText),
		}}
}

var allColumns = []string{store.ColSender, store.ColRecipients, store.ColSubject, store.ColBody, store.ColAttNames, store.ColAttText}

// phraseAt reports the positions in toks where m's phrase starts.
func phraseAt(toks []string, m store.Match) []int {
	var at []int
	n := len(m.Tokens)
	for i := 0; i+n <= len(toks); i++ {
		ok := true
		for j, t := range m.Tokens {
			if j == n-1 && m.Prefix {
				ok = strings.HasPrefix(toks[i+j], t)
			} else {
				ok = toks[i+j] == t
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

func cols(cs []string) []string {
	if len(cs) == 0 {
		return allColumns
	}
	return cs
}

// eval is the brute-force meaning of a condition, written without SQL.
func eval(c store.Cond, x *candidate) bool {
	switch c := c.(type) {
	case store.Match:
		for _, col := range cols(c.Columns) {
			if len(phraseAt(x.doc[col], c)) > 0 {
				return true
			}
		}
		return false
	case store.Near:
		for _, col := range cols(c.A.Columns) {
			toks := x.doc[col]
			for _, a := range phraseAt(toks, c.A) {
				for _, b := range phraseAt(toks, c.B) {
					// tokens between the end of one phrase and the start of the other
					gap := b - (a + len(c.A.Tokens))
					if b < a {
						gap = a - (b + len(c.B.Tokens))
					}
					if gap <= c.Distance {
						return true
					}
				}
			}
		}
		return false
	case store.And:
		for _, y := range c.Conds {
			if !eval(y, x) {
				return false
			}
		}
		return true
	case store.Or:
		for _, y := range c.Conds {
			if eval(y, x) {
				return true
			}
		}
		return false
	case store.Not:
		return !eval(c.C, x)
	case store.KindIs:
		for _, k := range c.Kinds {
			if x.it.Kind == k {
				return true
			}
		}
		return false
	case store.SourceIs:
		for _, s := range c.Sources {
			if x.it.Source == s {
				return true
			}
		}
		return false
	case store.TimeIn:
		t := x.it.Time.UnixMilli()
		if c.Field == "received" {
			t = x.archived
		}
		return (c.From == nil || t >= c.From.UnixMilli()) && (c.To == nil || t < c.To.UnixMilli())
	case store.SizeIn:
		return (c.Min == nil || x.size >= *c.Min) && (c.Max == nil || x.size <= *c.Max)
	case store.HasAttachment:
		return x.attached == c.Value
	case store.FolderIs:
		return c.Match(x.mailbox, x.folder)
	}
	panic("oracle: unknown condition")
}

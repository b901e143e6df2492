package search

import (
	"strings"

	"github.com/custos-archive/custos/store"
)

// Common-word pairs. A phrase of two very common words ("you to", "of the")
// is the slowest query a positional index answers: both doclists are huge
// and every document holding both must have its positions compared. So,
// after the tokens of each column, the index also holds a token for every
// two adjacent tokens that are both common words, the two joined by
// pairSep ("you\ue000to"), and such a phrase is looked up as that one token
// (the CommonGrams idea of Lucene). The pairs sit after the column's words,
// so the positions of the words, which phrases and NEAR use, do not move.
//
// commonWords is part of the index format: a word added to it later would
// have no pairs in the items already indexed. Stores record whether their
// index has had pairs from the start (store.Store.IndexHasPairs).
const pairSep = "\ue000" // a private-use character: a token character to FTS5, typed by nobody

var commonWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a about after all also am an and any are as at back be because been but by can
		come could day did do does even first for from get go going good had has have he her here him his how i if in
		into is it its just know like look make me more my new no not now of ok on one only or other our out over
		people please right say see she so some sure take than thanks that the their them then there these they
		think this time to two up us use want was way we well were what when which who will with work would yes you your`) {
		m[w] = true
	}
	return m
}()

// pairToken is the token of two adjacent common words.
func pairToken(a, b string) string { return a + pairSep + b }

// withPairs returns a column's token stream as the index stores it: the
// tokens separated by spaces, followed by the pair tokens of its adjacent
// common words.
func withPairs(toks []string) string {
	var b strings.Builder
	for i, t := range toks {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(t)
	}
	for i := 0; i+1 < len(toks); i++ {
		if commonWords[toks[i]] && commonWords[toks[i+1]] {
			b.WriteString(" " + pairToken(toks[i], toks[i+1]))
		}
	}
	return b.String()
}

// usePairs rewrites the phrases of c that contain adjacent common words for
// an index with pairs: a phrase of exactly two common words becomes their
// pair token; a longer phrase keeps its words and is also required to hold
// its pairs, which narrows the documents whose positions are compared.
// NEAR is left alone: pair tokens have no place among the words.
func usePairs(c store.Cond) store.Cond {
	switch c := c.(type) {
	case store.Match:
		if c.Prefix || len(c.Tokens) < 2 {
			return c
		}
		var pairs []store.Cond
		for i := 0; i+1 < len(c.Tokens); i++ {
			if commonWords[c.Tokens[i]] && commonWords[c.Tokens[i+1]] {
				pairs = append(pairs, store.Match{Columns: c.Columns, Tokens: []string{pairToken(c.Tokens[i], c.Tokens[i+1])}})
			}
		}
		switch {
		case len(pairs) == 0:
			return c
		case len(c.Tokens) == 2:
			return pairs[0]
		}
		return store.And{Conds: append([]store.Cond{c}, pairs...)}
	case store.And:
		out := store.And{Conds: make([]store.Cond, len(c.Conds))}
		for i, x := range c.Conds {
			out.Conds[i] = usePairs(x)
		}
		return out
	case store.Or:
		out := store.Or{Conds: make([]store.Cond, len(c.Conds))}
		for i, x := range c.Conds {
			out.Conds[i] = usePairs(x)
		}
		return out
	case store.Not:
		return store.Not{C: usePairs(c.C)}
	}
	return c
}

package search

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/custos-archive/custos/store"
)

// holds reports whether the column stream has the tokens as a phrase.
func holds(stream string, toks []string) bool {
	s := strings.Fields(stream)
	for i := 0; i+len(toks) <= len(s); i++ {
		if slices.Equal(s[i:i+len(toks)], toks) {
			return true
		}
	}
	return false
}

// matches is the meaning of a rewritten phrase condition over one column.
func matches(c store.Cond, stream string) bool {
	switch c := c.(type) {
	case store.Match:
		return holds(stream, c.Tokens)
	case store.And:
		for _, x := range c.Conds {
			if !matches(x, stream) {
				return false
			}
		}
		return true
	}
	panic("unexpected condition")
}

// TestPairsKeepPhrases checks, over random texts of common and other words,
// that every phrase found by its words in the text is found by its
// rewritten form in the text with pairs, and no other.
func TestPairsKeepPhrases(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	vocab := []string{"you", "to", "the", "that", "of", "price", "deal", "合同", "4"}
	rewritten := 0
	for range 3000 {
		words := make([]string, r.IntN(12))
		for i := range words {
			words[i] = vocab[r.IntN(len(vocab))]
		}
		text := strings.Join(words, " ")
		indexed := withPairs(words)
		if !strings.HasPrefix(indexed, text) {
			t.Fatalf("pairs moved the words: %q -> %q", text, indexed)
		}
		phrase := make([]string, 2+r.IntN(3))
		for i := range phrase {
			phrase[i] = vocab[r.IntN(len(vocab))]
		}
		m := store.Match{Tokens: phrase}
		c := usePairs(m)
		if _, same := c.(store.Match); !same || len(c.(store.Match).Tokens) != len(phrase) {
			rewritten++
		}
		if want, got := holds(text, phrase), matches(c, indexed); want != got {
			t.Fatalf("phrase %q in %q: %v by words, %v rewritten as %+v", phrase, text, want, got, c)
		}
	}
	if rewritten < 500 {
		t.Fatalf("only %d phrases rewritten", rewritten)
	}
	// Prefix phrases and NEAR keep their words.
	if c := usePairs(store.Match{Tokens: []string{"you", "to"}, Prefix: true}); len(c.(store.Match).Tokens) != 2 {
		t.Errorf("prefix phrase rewritten: %+v", c)
	}
	n := store.Near{A: store.Match{Tokens: []string{"you", "to"}}, B: store.Match{Tokens: []string{"the"}}, Distance: 2}
	if c := usePairs(n); c.(store.Near).A.Tokens[0] != "you" {
		t.Errorf("NEAR rewritten: %+v", c)
	}
}

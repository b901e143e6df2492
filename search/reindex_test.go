package search_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/custos-archive/custos/archive"
	"github.com/custos-archive/custos/connector/usermap"
	"github.com/custos-archive/custos/item"
	"github.com/custos-archive/custos/search"
	"github.com/custos-archive/custos/store"
)

// TestReindexAddsPairs makes an archive as it was before the common-word
// pairs (index text without them, no pairs feature), checks phrases are
// still found by their words, rebuilds the index and checks the pairs are
// there and used, with the same results.
func TestReindexAddsPairs(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(ctx, dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st.PutUser(ctx, store.User{Email: "alice@corp.example", Name: "Alice"})
	st.PutUser(ctx, store.User{Email: "bob@corp.example", Name: "Bob"})
	bob := item.Participant{Name: "Bob", Email: "bob@corp.example"}
	items := []*item.Item{msg("1", "I want you to send it", bob), msg("2", "you said to me", bob), msg("3", "tell you to wait", bob)}
	norm, _ := usermap.NewNormalizer("US")
	p, _ := archive.New(st, archive.Options{Normalizer: norm})
	if rep, err := p.ArchiveItems(ctx, items, "", archive.Mapping{Auto: true}); err != nil || rep.Copies != 6 { // in alice's and bob's mailboxes
		t.Fatalf("archiving: %v %+v", err, rep)
	}
	// The archive before the pairs: index text without them, no feature.
	if _, err := st.Reindex(ctx, func(ctx context.Context, si store.StoredItem) (store.Doc, error) {
		d := search.Document(si.Item, "")
		for _, col := range []*string{&d.Sender, &d.Recipients, &d.Subject, &d.Body, &d.AttNames, &d.AttText} {
			var keep []string
			for _, tok := range strings.Fields(*col) {
				if !strings.Contains(tok, "\ue000") {
					keep = append(keep, tok)
				}
			}
			*col = strings.Join(keep, " ")
		}
		return d, nil
	}, nil); err != nil {
		t.Fatal(err)
	}
	st.Close()
	db, _ := sql.Open("sqlite", "file:"+filepath.Join(dir, "custos.db"))
	if _, err := db.Exec(`DELETE FROM index_features`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	st, err = store.Open(ctx, dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	pair := store.SearchQuery{Cond: store.Match{Tokens: []string{"you\ue000to"}}}
	check := func(when string, wantPairs int64) {
		t.Helper()
		res, err := search.New(st, norm).Search(ctx, search.Request{Query: `"you to"`})
		if err != nil || res.Total != 4 {
			t.Fatalf("%s: \"you to\" found %v copies (%v), want 4 (items 1 and 3, twice each)", when, res.Total, err)
		}
		raw, err := st.Search(ctx, pair)
		if err != nil || raw.Total != wantPairs {
			t.Fatalf("%s: %d copies have the pair token (%v), want %d", when, raw.Total, err, wantPairs)
		}
	}
	if st.IndexHasPairs() {
		t.Fatal("the archive from before the pairs claims them")
	}
	check("before the rebuild", 0)
	var calls int
	n, err := search.Reindex(ctx, st, func(int64) { calls++ })
	if err != nil || n != 6 || calls == 0 {
		t.Fatalf("rebuild: %d copies, %d progress calls, %v", n, calls, err)
	}
	if !st.IndexHasPairs() {
		t.Fatal("the rebuilt index does not record its pairs")
	}
	check("after the rebuild", 4)
}

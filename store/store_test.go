package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/custos-archive/custos/connector/convert"
	"github.com/custos-archive/custos/item"
	"github.com/custos-archive/custos/store"
)

func open(t *testing.T, dir string) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestMigrationsOnce(t *testing.T) {
	dir := t.TempDir()
	st := open(t, dir)
	v, err := st.SchemaVersion(context.Background())
	if err != nil || v < 1 {
		t.Fatalf("schema version %d, %v", v, err)
	}
	st.Close()
	st2 := open(t, dir) // re-opening applies nothing twice
	if v2, _ := st2.SchemaVersion(context.Background()); v2 != v {
		t.Fatalf("version %d after reopen, want %d", v2, v)
	}
}

func TestPutUser(t *testing.T) {
	ctx := context.Background()
	st := open(t, t.TempDir())
	created, err := st.PutUser(ctx, store.User{Email: "Alice@Corp.example", Name: "Alice", Phones: []string{"+12025550143"}})
	if err != nil || !created {
		t.Fatalf("create: %v %v", created, err)
	}
	created, err = st.PutUser(ctx, store.User{Email: "alice@corp.example", Name: "Alice M", Phones: []string{"+12025550144"}})
	if err != nil || created {
		t.Fatalf("update: %v %v", created, err)
	}
	us, _ := st.Users(ctx)
	if len(us) != 1 || us[0].Name != "Alice M" || len(us[0].Phones) != 1 || us[0].Phones[0] != "+12025550144" {
		t.Fatalf("users %+v", us)
	}
	if _, err := st.Mailbox(ctx, "ALICE@corp.example"); err != nil {
		t.Fatalf("mailbox: %v", err)
	}
	if _, err := st.Mailbox(ctx, "bob@corp.example"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing mailbox: %v", err)
	}
	if _, err := st.CreateMailbox(ctx, "alice@corp.example"); !errors.Is(err, store.ErrExists) {
		t.Fatalf("second mailbox at the same address: %v", err)
	}
}

func newItem(id string) store.NewItem {
	it := &item.Item{Source: item.WhatsApp, Kind: item.Chat, SourceID: id, Conversation: item.Conversation{ID: "c"},
		From: item.Participant{Name: "x"}, Time: time.Unix(1_700_000_000, 0).UTC()}
	return store.NewItem{Item: it, Message: &convert.Message{Skeleton: []byte("Subject: " + id + "\r\n\r\nhi\r\n")}, SHA256: "00", Size: 20}
}

func TestArchiveUIDsAndDuplicates(t *testing.T) {
	ctx := context.Background()
	st := open(t, t.TempDir())
	st.PutUser(ctx, store.User{Email: "a@x.example", Name: "A"})
	st.PutUser(ctx, store.User{Email: "b@x.example", Name: "B"})
	idx, _ := st.MailboxIndex(ctx)
	a, b := idx["a@x.example"], idx["b@x.example"]
	batch := []store.NewItem{newItem("1"), newItem("2"), newItem("1"), newItem("3")}
	batch[0].Mailboxes = []int64{a, b}
	batch[1].Mailboxes = []int64{a}
	batch[2].Mailboxes = []int64{a, b} // the same item twice in one batch
	batch[3].Quarantine = &store.Quarantine{Reason: "nobody", Numbers: []string{"+1"}}
	out, err := st.Archive(ctx, batch, nil)
	if err != nil {
		t.Fatal(err)
	}
	if out[0].Copies != 2 || out[1].Copies != 1 || !out[2].Duplicate || !out[3].Quarantined {
		t.Fatalf("outcomes %+v", out)
	}
	out, err = st.Archive(ctx, []store.NewItem{newItem("4")}, nil)
	if err != nil || !out[0].Quarantined {
		t.Fatalf("item without mailboxes or reason: %+v %v", out, err)
	}
	f, err := st.Folder(ctx, a, "WhatsApp Archiver")
	if err != nil {
		t.Fatal(err)
	}
	var uids []uint32
	st.Copies(ctx, f.ID, func(c store.Copy) error { uids = append(uids, c.UID); return nil })
	if len(uids) != 2 || uids[0] != 1 || uids[1] != 2 || f.UIDNext != 3 || f.Items != 2 {
		t.Fatalf("uids %v, folder %+v", uids, f)
	}
	// Releasing the quarantined item files it once, however often asked.
	si, err := st.Item(ctx, item.WhatsApp, "3")
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		n, c, err := st.ReleaseQuarantined(ctx, []store.Release{{ItemID: si.ID, Source: item.WhatsApp, Mailboxes: []int64{a, a}}})
		if err != nil || (i == 0 && (n != 1 || c != 1)) || (i == 1 && (n != 0 || c != 0)) {
			t.Fatalf("release %d: %d items %d copies %v", i, n, c, err)
		}
	}
	cs, _ := st.Counts(ctx)
	if cs.Items != 4 || cs.Copies != 4 || cs.Quarantined != 1 {
		t.Fatalf("counts %+v", cs)
	}
	if _, err := st.Item(ctx, item.WeChat, "1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("item of another source: %v", err)
	}
}

// TestCopyIDsOfOneSecond files more items of one second into one folder
// than a second's 256 copy ids: they borrow the next seconds, every copy
// keeps its folder in its id, and filing them again adds nothing.
func TestCopyIDsOfOneSecond(t *testing.T) {
	ctx := context.Background()
	st := open(t, t.TempDir())
	st.PutUser(ctx, store.User{Email: "a@x.example", Name: "A"})
	idx, _ := st.MailboxIndex(ctx)
	a := idx["a@x.example"]
	var batch []store.NewItem
	for i := range 600 {
		n := newItem(fmt.Sprint(i))
		n.Mailboxes = []int64{a}
		batch = append(batch, n)
	}
	for _, part := range [][]store.NewItem{batch[:300], batch[300:], batch} {
		if _, err := st.Archive(ctx, part, nil); err != nil {
			t.Fatal(err)
		}
	}
	f, err := st.Folder(ctx, a, "WhatsApp Archiver")
	if err != nil {
		t.Fatal(err)
	}
	sec := int64(1_700_000_000)
	seen := map[int64]bool{}
	var uids []uint32
	st.Copies(ctx, f.ID, func(c store.Copy) error {
		if seen[c.CopyID] || store.CopyFolder(c.CopyID) != f.ID || c.CopyID>>29 < sec || c.CopyID>>29 > sec+2 {
			t.Errorf("copy id %d (second %d, folder %d)", c.CopyID, c.CopyID>>29, store.CopyFolder(c.CopyID))
		}
		seen[c.CopyID] = true
		uids = append(uids, c.UID)
		return nil
	})
	if len(uids) != 600 || uids[599] != 600 || f.UIDNext != 601 {
		t.Fatalf("%d copies, last uid %v, folder %+v", len(uids), uids[len(uids)-1:], f)
	}
}

// TestPrivateUseTokens checks that the index keeps a private-use character
// inside a token (package search joins common-word pairs with U+E000): the
// pair token finds only the copy indexed with it, not one whose words are
// the same two words side by side.
func TestPrivateUseTokens(t *testing.T) {
	ctx := context.Background()
	st := open(t, t.TempDir())
	if !st.IndexHasPairs() {
		t.Fatal("a new archive does not record that its index has pairs")
	}
	st.PutUser(ctx, store.User{Email: "a@x.example", Name: "A"})
	idx, _ := st.MailboxIndex(ctx)
	withPair, words := newItem("pair"), newItem("words")
	withPair.Mailboxes, words.Mailboxes = []int64{idx["a@x.example"]}, []int64{idx["a@x.example"]}
	withPair.Doc.Body = "you to you\ue000to"
	words.Doc.Body = "you to"
	if _, err := st.Archive(ctx, []store.NewItem{withPair, words}, nil); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		toks []string
		want int64
	}{{[]string{"you\ue000to"}, 1}, {[]string{"you", "to"}, 2}, {[]string{"you"}, 2}} {
		res, err := st.Search(ctx, store.SearchQuery{Cond: store.Match{Tokens: c.toks}})
		if err != nil || res.Total != c.want {
			t.Errorf("%q: %v hits (%v), want %d", c.toks, res.Total, err, c.want)
		}
	}
}

// TestPairsOnlyFromTheStart checks that an archive that held items before
// the common-word pairs came does not claim them: migration 0008, run over
// such an archive (simulated by undoing it), records no pairs.
func TestPairsOnlyFromTheStart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st := open(t, dir)
	st.PutUser(ctx, store.User{Email: "a@x.example", Name: "A"})
	idx, _ := st.MailboxIndex(ctx)
	n := newItem("1")
	n.Mailboxes = []int64{idx["a@x.example"]}
	if _, err := st.Archive(ctx, []store.NewItem{n}, nil); err != nil {
		t.Fatal(err)
	}
	st.Close()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "custos.db"))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`DROP TABLE index_features`, `DELETE FROM schema_migrations WHERE version = 8`} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	if open(t, dir).IndexHasPairs() {
		t.Fatal("an archive with items from before the pairs claims them")
	}
}

// TestReindexSkipsCopiesGoneMeanwhile removes a copy while Reindex is
// reading (as a purge would) and checks that no index row comes back for
// it, while the other copies get their new rows.
func TestReindexSkipsCopiesGoneMeanwhile(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st := open(t, dir)
	st.PutUser(ctx, store.User{Email: "a@x.example", Name: "A"})
	idx, _ := st.MailboxIndex(ctx)
	var batch []store.NewItem
	for i := range 3 {
		n := newItem(fmt.Sprint(i))
		n.Mailboxes = []int64{idx["a@x.example"]}
		n.Doc.Body = "old"
		batch = append(batch, n)
	}
	if _, err := st.Archive(ctx, batch, nil); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "custos.db")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var gone int64
	n, err := st.Reindex(ctx, func(ctx context.Context, si store.StoredItem) (store.Doc, error) {
		if si.Item.SourceID == "1" {
			if err := db.QueryRowContext(ctx, `DELETE FROM copies WHERE item_id = ? RETURNING id`, si.ID).Scan(&gone); err != nil {
				return store.Doc{}, err
			}
		}
		return store.Doc{Body: "new"}, nil
	}, nil)
	if err != nil || n != 3 {
		t.Fatalf("reindex: %d copies, %v", n, err)
	}
	count := func(q string, args ...any) int64 {
		var c int64
		if err := db.QueryRowContext(ctx, q, args...).Scan(&c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	if c := count(`SELECT COUNT(*) FROM items_fts WHERE rowid = ?`, gone); c != 0 {
		t.Errorf("the copy removed during the rebuild is back in the index")
	}
	if c := count(`SELECT COUNT(*) FROM items_fts WHERE items_fts MATCH 'new'`); c != 2 {
		t.Errorf("%d copies indexed anew, want 2", c)
	}
	if c := count(`SELECT COUNT(*) FROM items_fts WHERE items_fts MATCH 'old'`); c != 0 {
		t.Errorf("%d old index rows left", c)
	}
}

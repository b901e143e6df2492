package store_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/custos-archive/custos/compliance/audit"
	"github.com/custos-archive/custos/compliance/hold"
	"github.com/custos-archive/custos/compliance/retention"
	"github.com/custos-archive/custos/connector/convert"
	"github.com/custos-archive/custos/item"
	"github.com/custos-archive/custos/store"
	"github.com/custos-archive/custos/store/blob"
)

// clock is a test clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func (c *clock) days(n int) { c.t = c.t.Add(time.Duration(n) * 24 * time.Hour) }

// compliant opens a store with a test clock and two mailboxes.
func compliant(t *testing.T) (*store.Store, *clock, map[string]int64) {
	t.Helper()
	ctx := context.Background()
	c := &clock{time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	st, err := store.Open(ctx, t.TempDir(), store.Options{Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, _, err := st.PutUsers(ctx, []store.User{{Email: "a@x.example", Name: "A"}, {Email: "b@x.example", Name: "B"}}, "test"); err != nil {
		t.Fatal(err)
	}
	idx, _ := st.MailboxIndex(ctx)
	return st, c, idx
}

// textItem is an item indexed under its text, with an attachment blob.
func textItem(t *testing.T, st *store.Store, id, text string, sent time.Time, attachment string, mbs ...int64) store.NewItem {
	t.Helper()
	n := newItem(id)
	n.Item.Time = sent
	n.Item.Text = text
	n.Doc = store.Doc{Body: text}
	n.Mailboxes = mbs
	if attachment != "" {
		ref, err := st.Blobs().Put(context.Background(), strings.NewReader(attachment))
		if err != nil {
			t.Fatal(err)
		}
		n.Message.Holes = []convert.Hole{{Offset: 5, SHA256: ref.SHA256, Size: ref.Size}}
	}
	return n
}

func ids(t *testing.T, st *store.Store, q store.SearchQuery) []int64 {
	t.Helper()
	got, err := st.CopyIDs(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestDeleteRecoverPurge(t *testing.T) {
	ctx := context.Background()
	st, clk, idx := compliant(t)
	a, b := idx["a@x.example"], idx["b@x.example"]
	sent := clk.t.AddDate(0, 0, -10)
	batch := []store.NewItem{
		textItem(t, st, "1", "price update", sent, "shared bytes", a, b),
		textItem(t, st, "2", "price again", sent.Add(time.Hour), "shared bytes", a),
		textItem(t, st, "3", "lunch", sent.Add(2*time.Hour), "", a),
	}
	if _, err := st.Archive(ctx, batch, nil); err != nil {
		t.Fatal(err)
	}
	price := store.Match{Tokens: []string{"price"}}
	all := ids(t, st, store.SearchQuery{Cond: price})
	inA := ids(t, st, store.SearchQuery{Cond: price, Mailboxes: []string{"a@x.example"}})
	if len(all) != 3 || len(inA) != 2 {
		t.Fatalf("price: %v, in a: %v", all, inA)
	}

	// Delete the price copies of mailbox a.
	res, err := st.DeleteCopies(ctx, store.Deletion{Copies: inA, Actor: "op", Why: "cleanup", Object: "mailbox:a@x.example"})
	if err != nil || len(res.Deleted) != 2 || len(res.Held) != 0 {
		t.Fatalf("delete: %+v %v", res, err)
	}
	// Hidden from searches (the index-only path and the copies path),
	// listings and folder counts; found by a search of deleted copies.
	for _, q := range []store.SearchQuery{{Cond: price, Limit: 10, Stats: true}, {Cond: store.And{Conds: []store.Cond{price, store.KindIs{Kinds: []item.Kind{item.Chat}}}}, Limit: 10}} {
		sr, err := st.Search(ctx, q)
		if err != nil || sr.Total != 1 || len(sr.Hits) != 1 || sr.Hits[0].Mailbox != "b@x.example" {
			t.Fatalf("search after delete: %+v %v", sr, err)
		}
	}
	if got := ids(t, st, store.SearchQuery{Cond: price, Stage: store.Deleted}); len(got) != 2 {
		t.Fatalf("deleted copies: %v", got)
	}
	if got := ids(t, st, store.SearchQuery{Cond: price, Stage: store.AnyStage}); len(got) != 3 {
		t.Fatalf("all copies: %v", got)
	}
	f, _ := st.Folder(ctx, a, "WhatsApp Archiver")
	var uids []uint32
	st.Copies(ctx, f.ID, func(c store.Copy) error { uids = append(uids, c.UID); return nil })
	if f.Items != 1 || len(uids) != 1 {
		t.Fatalf("folder after delete: %+v %v", f, uids)
	}

	// IMAP does not see them either.
	mark, _ := st.FolderMark(ctx, f.ID)
	if got, _ := st.FolderUIDs(ctx, f.ID); len(got) != 1 || got[0] != uids[0] || mark.Count != 1 {
		t.Fatalf("IMAP UIDs after delete: %v, mark %+v", got, mark)
	}

	// Recovering brings one back with a new UID (IMAP clients see a new
	// message: UIDs are never reused).
	back, _, err := st.RecoverCopies(ctx, store.Recovery{Copies: inA[:1], Actor: "op", Object: "mailbox:a@x.example"})
	if err != nil || len(back) != 1 || back[0].UID != f.UIDNext {
		t.Fatalf("recover: %+v %v (uid next %d)", back, err, f.UIDNext)
	}
	if got, _ := st.FolderUIDs(ctx, f.ID); len(got) != 2 || got[1] != f.UIDNext {
		t.Fatalf("IMAP UIDs after recovery: %v", got)
	}

	// A hold on mailbox a refuses the purge of the other, naming the hold.
	h, err := st.PlaceHold(ctx, hold.Hold{Kind: hold.Mailbox, Mailboxes: []string{"A@x.example"}, Reason: "inquiry", PlacedBy: "cco"})
	if err != nil {
		t.Fatal(err)
	}
	pr, err := st.Purge(ctx, store.PurgeRequest{Copies: inA, Actor: "op"})
	if err != nil || len(pr.Purged) != 0 || len(pr.Held) != 1 || pr.Held[0].Hold.ID != h.ID || pr.Skipped != 1 {
		t.Fatalf("purge under hold: %+v %v", pr, err)
	}
	if !strings.Contains(pr.Held[0].Hold.String(), `hold 1 (Litigation Hold on a@x.example, "inquiry", placed by cco`) {
		t.Fatalf("hold named as %s", pr.Held[0].Hold)
	}
	// So does a retention policy, until it runs out.
	if _, err := st.ReleaseHold(ctx, h.ID, "cco", "closed", ""); err != nil {
		t.Fatal(err)
	}
	pol, err := st.AddPolicy(ctx, retention.Policy{Name: "keep", Action: retention.Retain, Days: 30, Scope: retention.Scope{Kind: retention.All}, CreatedBy: "cco"})
	if err != nil {
		t.Fatal(err)
	}
	pr, err = st.Purge(ctx, store.PurgeRequest{Copies: inA, Actor: "op"})
	if err != nil || len(pr.Purged) != 0 || len(pr.Retained) != 1 || pr.Retained[0].Policy.ID != pol.ID {
		t.Fatalf("purge under retention: %+v %v", pr, err)
	}
	// The recovery period is the caller's: a copy deleted after the cutoff
	// is skipped.
	clk.days(25)
	pr, err = st.Purge(ctx, store.PurgeRequest{Copies: inA, Actor: "op", DeletedBefore: clk.t.AddDate(0, 0, -30)})
	if err != nil || len(pr.Purged) != 0 || pr.Skipped != 2 {
		t.Fatalf("purge within the recovery period: %+v %v", pr, err)
	}
	// A dry run changes nothing; the real purge removes the copy, its index
	// row and its item (whose blob another item still uses).
	before, _ := st.Counts(ctx)
	pr, err = st.Purge(ctx, store.PurgeRequest{Copies: inA, Actor: "op", DryRun: true})
	if after, _ := st.Counts(ctx); err != nil || len(pr.Purged) != 1 || after != before {
		t.Fatalf("dry purge: %+v %v, counts %+v then %+v", pr, err, before, after)
	}
	pr, err = st.Purge(ctx, store.PurgeRequest{Copies: inA, Actor: "op", Why: "test"})
	if err != nil || len(pr.Purged) != 1 || pr.Items != 1 || pr.Blobs != 0 {
		t.Fatalf("purge: %+v %v", pr, err)
	}
	if _, err := st.Item(ctx, item.WhatsApp, "2"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("item 2 after its only copy was purged: %v", err)
	}
	if got := ids(t, st, store.SearchQuery{Cond: price, Stage: store.AnyStage}); len(got) != 2 {
		t.Fatalf("copies with price after the purge: %v", got)
	}
	// Purging the last copies of item 1 deletes the shared blob, and the
	// delivery state of a copy goes with it.
	last := ids(t, st, store.SearchQuery{Cond: price})
	db, err := sql.Open("sqlite", "file:"+filepath.Join(st.Dir(), "custos.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`INSERT INTO deliveries (copy_id, state, updated_at) VALUES (?, 'delivered', 0)`, last[0]); err != nil {
		t.Fatal(err)
	}
	del, _ := st.DeleteCopies(ctx, store.Deletion{Copies: last, Actor: "op", Object: "test"})
	clk.days(10)
	pr, err = st.Purge(ctx, store.PurgeRequest{Copies: copyIDs(del.Deleted), Actor: "op"})
	if err != nil || len(pr.Purged) != 2 || pr.Items != 1 || pr.Blobs != 1 {
		t.Fatalf("last purge: %+v %v", pr, err)
	}
	sha := batch[0].Message.Holes[0].SHA256
	if _, err := st.Blobs().Stat(ctx, sha); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("unused blob still there: %v", err)
	}
	// Each purged copy has its record; the chain holds.
	var purges int
	st.AuditSearch(ctx, store.AuditFilter{Action: audit.Purge}, func(r audit.Record) error {
		if r.Action == audit.Purge {
			purges++
		}
		return nil
	})
	if purges != 3 {
		t.Fatalf("%d purge records, want 3", purges)
	}
	if n, _, p, err := st.VerifyAudit(ctx); err != nil || p != nil || n < 10 {
		t.Fatalf("verify: %d %v %v", n, p, err)
	}
}

func copyIDs(cs []store.CopyState) []int64 {
	var out []int64
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}

func TestQueryHoldsAndDeletion(t *testing.T) {
	ctx := context.Background()
	st, clk, idx := compliant(t)
	a := idx["a@x.example"]
	if _, err := st.Archive(ctx, []store.NewItem{
		textItem(t, st, "1", "price update", clk.t, "", a),
		textItem(t, st, "2", "lunch", clk.t, "", a),
	}, nil); err != nil {
		t.Fatal(err)
	}
	h, err := st.PlaceHold(ctx, hold.Hold{Kind: hold.Query, Query: "price", Mailboxes: []string{"a@x.example"}, Reason: "r", PlacedBy: "cco"})
	if err != nil {
		t.Fatal(err)
	}
	everything := ids(t, st, store.SearchQuery{Cond: store.And{}})
	// Without the hold's condition, nothing is judged.
	_, err = st.DeleteCopies(ctx, store.Deletion{Copies: everything, Actor: "op", Object: "t"})
	if !errors.Is(err, store.ErrHoldsChanged) {
		t.Fatalf("deletion without the query hold's condition: %v", err)
	}
	compiled := 0
	holds := func(context.Context) (store.HoldConds, error) {
		compiled++
		return store.HoldConds{h.ID: store.Match{Tokens: []string{"price"}}}, nil
	}
	res, err := st.DeleteCopies(ctx, store.Deletion{Copies: everything, Actor: "op", Object: "t", Holds: holds})
	if err != nil || len(res.Deleted) != 1 || len(res.Held) != 1 || res.Held[0].Hold.ID != h.ID || compiled != 1 {
		t.Fatalf("deletion under a query hold: %+v %v", res, err)
	}
	held, err := st.HeldCopies(ctx, everything, holds)
	if err != nil || len(held) != 1 {
		t.Fatalf("held copies: %v %v", held, err)
	}
}

func TestBadRequestsChangeNothing(t *testing.T) {
	ctx := context.Background()
	st, _, _ := compliant(t)
	head, _ := st.AuditHead(ctx)
	if _, err := st.PlaceHold(ctx, hold.Hold{Kind: hold.Mailbox, Mailboxes: []string{"a@x.example", "nobody@x.example"}, Reason: "r", PlacedBy: "cco"}); !errors.Is(err, store.ErrNotFound) || !strings.Contains(err.Error(), "nobody@x.example") {
		t.Fatalf("hold on a missing mailbox: %v", err)
	}
	if _, err := st.ReleaseHold(ctx, 42, "cco", "done", ""); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("release of a missing hold: %v", err)
	}
	if _, err := st.AddPolicy(ctx, retention.Policy{Name: "x", Action: retention.Delete, Days: -1, Scope: retention.Scope{Kind: retention.All}, CreatedBy: "cco"}); !errors.Is(err, retention.ErrInvalid) {
		t.Fatalf("negative policy: %v", err)
	}
	if _, err := st.AddPolicy(ctx, retention.Policy{Name: "x", Action: retention.Delete, Days: 5, Scope: retention.Scope{Kind: retention.Mailboxes, Mailboxes: []string{"ghost@x.example"}}, CreatedBy: "cco"}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("policy on a missing mailbox: %v", err)
	}
	if _, err := st.AddPolicy(ctx, retention.Policy{Name: "x", Action: retention.Delete, Days: 5, Scope: retention.Scope{Kind: retention.All}, CreatedBy: "cco"}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddPolicy(ctx, retention.Policy{Name: "x", Action: retention.Retain, Days: 5, Scope: retention.Scope{Kind: retention.All}, CreatedBy: "cco"}); !errors.Is(err, store.ErrExists) {
		t.Fatalf("second policy of the same name: %v", err)
	}
	h, _ := st.PlaceHold(ctx, hold.Hold{Kind: hold.Mailbox, Mailboxes: []string{"a@x.example"}, Case: "SEC-1", Reason: "r", PlacedBy: "cco"})
	if _, err := st.ReleaseHold(ctx, h.ID, "cco", "done", ""); !errors.Is(err, store.ErrCaseHold) {
		t.Fatalf("release of a case's hold without the case: %v", err)
	}
	if _, err := st.ReleaseHold(ctx, h.ID, "cco", "done", "sec-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ReleaseHold(ctx, h.ID, "cco", "done", "sec-1"); !errors.Is(err, hold.ErrReleased) {
		t.Fatalf("second release: %v", err)
	}
	hs, _ := st.Holds(ctx, true)
	ps, _ := st.Policies(ctx)
	after, _ := st.AuditHead(ctx)
	// Only the good requests left anything: one policy, one hold placed and
	// released, three records.
	if len(hs) != 1 || len(ps) != 1 || after.Seq != head.Seq+3 {
		t.Fatalf("holds %+v, policies %+v, audit %d -> %d", hs, ps, head.Seq, after.Seq)
	}
}

// TestContentIsImmutable checks that the database itself refuses to
// change an archived item or a copy's facts, or to edit or delete an audit
// record.
func TestContentIsImmutable(t *testing.T) {
	ctx := context.Background()
	st, clk, idx := compliant(t)
	if _, err := st.Archive(ctx, []store.NewItem{textItem(t, st, "1", "price", clk.t, "", idx["a@x.example"])}, nil); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(st.Dir(), "custos.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		`UPDATE items SET item = '{}'`,
		`UPDATE items SET sha256 = 'x'`,
		`UPDATE copies SET item_id = 99`,
		`UPDATE copies SET sent_at = 0`,
		`UPDATE audit_log SET actor = 'mallory'`,
		`DELETE FROM audit_log`,
	} {
		if _, err := db.ExecContext(ctx, q); err == nil || !strings.Contains(err.Error(), "immutable") && !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v", q, err)
		}
	}
}

// TestBlobPurgedDuringImport checks that an import that stored an
// attachment's bytes before a purge deleted them fails rather than commit
// an item without its bytes, and succeeds when run again.
func TestBlobPurgedDuringImport(t *testing.T) {
	ctx := context.Background()
	st, clk, idx := compliant(t)
	a := idx["a@x.example"]
	if _, err := st.Archive(ctx, []store.NewItem{textItem(t, st, "1", "x", clk.t, "the bytes", a)}, nil); err != nil {
		t.Fatal(err)
	}
	// An import stores the same bytes (a no-op: they are there)…
	late := textItem(t, st, "2", "y", clk.t, "the bytes", a)
	// …then item 1 is purged and its blob collected…
	one := ids(t, st, store.SearchQuery{Cond: store.And{}})
	st.DeleteCopies(ctx, store.Deletion{Copies: one, Actor: "op", Object: "t"})
	pr, err := st.Purge(ctx, store.PurgeRequest{Copies: one, Actor: "op"})
	if err != nil || pr.Blobs != 1 {
		t.Fatalf("purge: %+v %v", pr, err)
	}
	// …and the import commits: refused.
	if _, err := st.Archive(ctx, []store.NewItem{late}, nil); !errors.Is(err, store.ErrBlobPurged) {
		t.Fatalf("archive of an item whose blob was purged meanwhile: %v", err)
	}
	// Run again, the import stores the bytes anew and commits.
	again := textItem(t, st, "2", "y", clk.t, "the bytes", a)
	if _, err := st.Archive(ctx, []store.NewItem{again}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Blobs().Stat(ctx, again.Message.Holes[0].SHA256); err != nil {
		t.Fatal(err)
	}
	// The blob is in use again: collecting deletes nothing.
	if n, err := st.CollectBlobs(ctx); err != nil || n != 0 {
		t.Fatalf("collect: %d %v", n, err)
	}
}

func TestRecoveryDays(t *testing.T) {
	ctx := context.Background()
	st, _, _ := compliant(t)
	if d, _ := st.RecoveryDays(ctx); d != store.DefaultRecoveryDays {
		t.Fatalf("default recovery period %d", d)
	}
	if _, err := st.SetRecoveryDays(ctx, -1, "cco"); !errors.Is(err, retention.ErrInvalid) {
		t.Fatalf("negative recovery period: %v", err)
	}
	if before, err := st.SetRecoveryDays(ctx, 30, "cco"); err != nil || before != store.DefaultRecoveryDays {
		t.Fatalf("set: %d %v", before, err)
	}
	if d, _ := st.RecoveryDays(ctx); d != 30 {
		t.Fatalf("recovery period %d", d)
	}
}

func TestLoginsAreAudited(t *testing.T) {
	ctx := context.Background()
	st, _, _ := compliant(t)
	if err := st.SetPassword(ctx, "a@x.example", "correct horse battery staple"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Authenticate(ctx, "A@x.example", "correct horse battery staple"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Authenticate(ctx, "a@x.example", "wrong"); !errors.Is(err, store.ErrAuth) {
		t.Fatalf("wrong password: %v", err)
	}
	if _, err := st.Authenticate(ctx, "nobody@x.example", "x"); !errors.Is(err, store.ErrAuth) {
		t.Fatalf("unknown user: %v", err)
	}
	var got []string
	st.AuditSearch(ctx, store.AuditFilter{Action: audit.Login}, func(r audit.Record) error {
		got = append(got, r.Actor+" "+r.Outcome)
		return nil
	})
	want := "a@x.example success,a@x.example failure,nobody@x.example failure"
	if strings.Join(got, ",") != want {
		t.Fatalf("login records %q, want %q", strings.Join(got, ","), want)
	}
}

package store_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/custos-archive/custos/store"
)

func TestDeliveryStates(t *testing.T) {
	ctx := context.Background()
	st := open(t, t.TempDir())
	st.PutUser(ctx, store.User{Email: "a@x.example", Name: "A"})
	st.PutUser(ctx, store.User{Email: "b@x.example", Name: "B"})
	idx, _ := st.MailboxIndex(ctx)
	batch := []store.NewItem{newItem("1"), newItem("2")}
	batch[0].Mailboxes = []int64{idx["a@x.example"], idx["b@x.example"]}
	batch[1].Mailboxes = []int64{idx["a@x.example"]}
	if _, err := st.Archive(ctx, batch, nil); err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1_800_000_000, 0)
	due, err := st.DueDeliveries(ctx, store.DeliveryFilter{}, now)
	if err != nil || len(due) != 3 {
		t.Fatalf("due %d %v", len(due), err)
	}
	if due[0].Mailbox != "a@x.example" || due[2].Mailbox != "b@x.example" || due[0].Folder != "WhatsApp Archiver" || due[0].State != "" {
		t.Fatalf("due %+v", due[0])
	}
	if d, _ := st.DueDeliveries(ctx, store.DeliveryFilter{Sources: []string{"wechat"}}, now); len(d) != 0 {
		t.Fatalf("source filter: %d", len(d))
	}
	a, b, c := due[0].CopyID, due[1].CopyID, due[2].CopyID

	// A fresh claim is certain; a second claim within the lease fails.
	cl, err := st.ClaimDelivery(ctx, a, "imap://t", now, time.Minute)
	if err != nil || !cl.OK || cl.Uncertain || cl.Attempt != 1 {
		t.Fatalf("claim %+v %v", cl, err)
	}
	if cl, _ := st.ClaimDelivery(ctx, a, "imap://t", now.Add(time.Second), time.Minute); cl.OK {
		t.Fatal("claimed twice within the lease")
	}
	// Left sending (a crash): due again after the lease, and uncertain.
	if d, _ := st.DueDeliveries(ctx, store.DeliveryFilter{}, now.Add(30*time.Second)); len(d) != 2 {
		t.Fatalf("due within the lease: %d", len(d))
	}
	cl, _ = st.ClaimDelivery(ctx, a, "imap://t", now.Add(2*time.Minute), time.Minute)
	if !cl.OK || !cl.Uncertain || cl.Attempt != 2 {
		t.Fatalf("claim after the lease %+v", cl)
	}
	if err := st.DeliveryDone(ctx, a, 7, "found"); err != nil {
		t.Fatal(err)
	}
	if cl, _ := st.ClaimDelivery(ctx, a, "imap://t", now.Add(time.Hour), time.Minute); cl.OK {
		t.Fatal("claimed a delivered copy")
	}

	// A failure waits for its retry time; giving up takes it out until retried.
	st.ClaimDelivery(ctx, b, "imap://t", now, time.Minute)
	if err := st.DeliveryFailed(ctx, b, "connection refused", now.Add(10*time.Second), false); err != nil {
		t.Fatal(err)
	}
	st.ClaimDelivery(ctx, c, "imap://t", now, time.Minute)
	st.DeliveryFailed(ctx, c, "NO mailbox is full", now, true)
	if d, _ := st.DueDeliveries(ctx, store.DeliveryFilter{}, now.Add(5*time.Second)); len(d) != 0 {
		t.Fatalf("due before the retry: %d", len(d))
	}
	if d, _ := st.DueDeliveries(ctx, store.DeliveryFilter{}, now.Add(10*time.Second)); len(d) != 1 || d[0].CopyID != b || d[0].State != "retry" || d[0].Attempts != 1 {
		t.Fatalf("due at the retry: %+v", d)
	}
	ps, err := st.DeliveryProblems(ctx, 0)
	byState := map[string]store.DeliveryProblem{}
	for _, p := range ps {
		byState[p.State] = p
	}
	if err != nil || len(ps) != 2 || byState["retry"].LastError != "connection refused" || byState["failed"].CopyID != c {
		t.Fatalf("problems %+v %v", ps, err)
	}
	counts, _ := st.DeliveryCounts(ctx)
	got := map[string]int64{}
	for _, c := range counts {
		got[c.State] += c.Copies
	}
	if got["delivered"] != 1 || got["retry"] != 1 || got["failed"] != 1 {
		t.Fatalf("counts %v", counts)
	}
	if n, err := st.RetryFailedDeliveries(ctx); err != nil || n != 1 {
		t.Fatalf("retry failed: %d %v", n, err)
	}
	cl, _ = st.ClaimDelivery(ctx, c, "imap://t", now.Add(time.Second), time.Minute)
	if !cl.OK || !cl.Uncertain {
		t.Fatalf("claim after retry %+v", cl)
	}
}

func TestDeliveryRowGoesWithTheCopy(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st := open(t, dir)
	st.PutUser(ctx, store.User{Email: "a@x.example", Name: "A"})
	idx, _ := st.MailboxIndex(ctx)
	batch := []store.NewItem{newItem("1")}
	batch[0].Mailboxes = []int64{idx["a@x.example"]}
	if _, err := st.Archive(ctx, batch, nil); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	due, _ := st.DueDeliveries(ctx, store.DeliveryFilter{}, now)
	st.ClaimDelivery(ctx, due[0].CopyID, "imap://t", now, time.Minute)
	st.DeliveryDone(ctx, due[0].CopyID, 1, "appended")
	// Deleting the copy (as a purge does) is not blocked by its delivery
	// record, and takes it along.
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "custos.db")+"?_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`DELETE FROM items_fts WHERE rowid = ?`, due[0].CopyID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`DELETE FROM copies WHERE id = ?`, due[0].CopyID); err != nil {
		t.Fatalf("deleting a delivered copy: %v", err)
	}
	var n int
	db.QueryRow(`SELECT COUNT(*) FROM deliveries`).Scan(&n)
	if n != 0 {
		t.Fatalf("%d delivery rows left", n)
	}
}

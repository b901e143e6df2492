package delivery_test

import (
	"bytes"
	"context"
	"io"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/custos-archive/custos/archive"
	"github.com/custos-archive/custos/delivery"
	"github.com/custos-archive/custos/delivery/deliverytest"
	"github.com/custos-archive/custos/demo"
	"github.com/custos-archive/custos/item"
	"github.com/custos-archive/custos/store"
)

func TestMemSinkConformance(t *testing.T) {
	s := newMemSink()
	deliverytest.Run(t, s, s.read, "alice@corp.example", "bob@corp.example")
}

// archiveDemo makes a store with the demo organisation and a day of traffic.
func archiveDemo(t *testing.T, perSource int) *store.Store {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	for _, p := range demo.Employees {
		st.PutUser(ctx, store.User{Email: p.Email, Name: p.Name, Phones: []string{p.Phone}})
	}
	archiveDay(t, st, time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), perSource, 1)
	return st
}

func archiveDay(t *testing.T, st *store.Store, day time.Time, perSource int, seed uint64) {
	t.Helper()
	ctx := context.Background()
	p, err := archive.New(st, archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.SetMapping(ctx, item.EnterpriseNumber, strings.NewReader(demo.MappingCSV()), "map.csv"); err != nil {
		t.Fatal(err)
	}
	for src, items := range demo.Day(day, perSource, seed) {
		if _, err := p.ArchiveItems(ctx, items, t.TempDir(), archive.Mapping{Name: archive.MappingName(src), Auto: true}); err != nil {
			t.Fatal(err)
		}
	}
}

// archivedCopies returns every copy's rendered bytes by mailbox/folder.
func archivedCopies(t *testing.T, st *store.Store) map[string][][]byte {
	t.Helper()
	ctx := context.Background()
	out := map[string][][]byte{}
	idx, _ := st.MailboxIndex(ctx)
	for addr, id := range idx {
		fs, _ := st.Folders(ctx, id)
		for _, f := range fs {
			st.Copies(ctx, f.ID, func(c store.Copy) error {
				var b bytes.Buffer
				_, err := c.Message.Render(&b, func(h string) (io.ReadCloser, error) {
					rc, _, err := st.Blobs().Open(ctx, h)
					return rc, err
				})
				out[addr+"/"+f.Name] = append(out[addr+"/"+f.Name], b.Bytes())
				return err
			})
		}
	}
	return out
}

// sameMessages reports whether two lists hold the same messages, each as
// often, in any order.
func sameMessages(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	x := make([]string, len(a))
	y := make([]string, len(b))
	for i := range a {
		x[i], y[i] = string(a[i]), string(b[i])
	}
	sort.Strings(x)
	sort.Strings(y)
	for i := range x {
		if x[i] != y[i] {
			return false
		}
	}
	return true
}

func checkExactlyOnce(t *testing.T, st *store.Store, read func(mailbox, folder string) [][]byte) int {
	t.Helper()
	n := 0
	for k, want := range archivedCopies(t, st) {
		mb, folder, _ := strings.Cut(k, "/")
		got := read(mb, folder)
		if !sameMessages(got, want) {
			t.Errorf("%s: %d messages at the target, %d archived (or they differ)", k, len(got), len(want))
		}
		n += len(want)
	}
	return n
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestRunnerDeliversEachCopyOnce(t *testing.T) {
	ctx := context.Background()
	st := archiveDemo(t, 8)
	sink := newMemSink()
	clk := &clock{time.Now()}
	r := delivery.New(st, sink, delivery.Options{Now: clk.now, Batch: 7})
	rep, err := r.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	total := checkExactlyOnce(t, st, sink.read)
	if rep.Delivered != total || total == 0 || rep.Retrying != 0 {
		t.Fatalf("report %+v, %d copies", rep, total)
	}
	rep, _ = r.Run(ctx)
	if rep.Delivered+rep.Found != 0 {
		t.Errorf("second run %+v", rep)
	}
	counts, _ := st.DeliveryCounts(ctx)
	for _, c := range counts {
		if c.State != store.DeliveryDelivered {
			t.Errorf("copies left %s: %+v", c.State, c)
		}
	}
	// Only some sources: a connector's own sink.
	archiveDay(t, st, time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC), 4, 2)
	wa := delivery.New(st, sink, delivery.Options{Now: clk.now, Sources: []string{"whatsapp"}})
	rep, _ = wa.Run(ctx)
	counts, _ = st.DeliveryCounts(ctx)
	pendingOthers := false
	for _, c := range counts {
		if c.Source == "whatsapp" && c.State != store.DeliveryDelivered {
			t.Errorf("after a WhatsApp-only run: %+v", c)
		}
		pendingOthers = pendingOthers || (c.Source != "whatsapp" && c.State == store.DeliveryPending)
	}
	if !pendingOthers {
		t.Error("the WhatsApp-only run delivered other sources")
	}
	if rep.Delivered == 0 {
		t.Error("the WhatsApp-only run delivered nothing")
	}
}

func TestRunnerRetriesWithoutDuplicates(t *testing.T) {
	ctx := context.Background()
	st := archiveDemo(t, 6)
	sink := newMemSink()
	clk := &clock{time.Now()}
	r := delivery.New(st, sink, delivery.Options{Now: clk.now, Backoff: func(int) time.Duration { return time.Minute }})

	// Three refusals and two lost replies (the message landed, the runner
	// did not hear so).
	sink.failNext, sink.lostReply = 3, 2
	rep, err := r.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Retrying != 5 || len(rep.Errors) != 5 {
		t.Fatalf("first run %+v", rep)
	}
	// Not due before the backoff.
	if rep, _ := r.Run(ctx); rep.Delivered+rep.Found+rep.Retrying != 0 {
		t.Fatalf("run within the backoff %+v", rep)
	}
	clk.t = clk.t.Add(2 * time.Minute)
	rep, err = r.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Delivered != 3 || rep.Found != 2 {
		t.Fatalf("retry run %+v: want 3 delivered and 2 found already there", rep)
	}
	checkExactlyOnce(t, st, sink.read)

	// The target down: the run stops at the first failure instead of
	// failing every copy.
	archiveDay(t, st, time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC), 6, 2)
	sink.down = true
	before := sink.delivers
	rep, _ = r.Run(ctx)
	if rep.Stopped == "" || rep.Retrying != 1 || sink.delivers != before+1 {
		t.Fatalf("run against a down target %+v (%d tries)", rep, sink.delivers-before)
	}
	sink.down = false
	clk.t = clk.t.Add(time.Hour)
	if _, err := r.Run(ctx); err != nil {
		t.Fatal(err)
	}
	checkExactlyOnce(t, st, sink.read)
}

func TestRunnerGivesUpAndRetriesFailed(t *testing.T) {
	ctx := context.Background()
	st := archiveDemo(t, 2)
	sink := newMemSink()
	clk := &clock{time.Now()}
	r := delivery.New(st, sink, delivery.Options{Now: clk.now, MaxAttempts: 2, Backoff: func(int) time.Duration { return time.Second }})
	sink.failNext = 1 << 20
	r.Run(ctx)
	clk.t = clk.t.Add(time.Minute)
	rep, _ := r.Run(ctx)
	if rep.GaveUp == 0 || rep.Retrying != 0 {
		t.Fatalf("second failing run %+v", rep)
	}
	ps, _ := st.DeliveryProblems(ctx, 0)
	if len(ps) != rep.GaveUp || ps[0].State != store.DeliveryFailed || !strings.Contains(ps[0].LastError, "OVERQUOTA") || ps[0].Attempts != 2 {
		t.Fatalf("problems %+v", ps)
	}
	sink.failNext = 0
	if n, _ := st.RetryFailedDeliveries(ctx); n != int64(rep.GaveUp) {
		t.Fatalf("retried %d", n)
	}
	if _, err := r.Run(ctx); err != nil {
		t.Fatal(err)
	}
	checkExactlyOnce(t, st, sink.read)
}

func TestRunnerAfterCrash(t *testing.T) {
	ctx := context.Background()
	st := archiveDemo(t, 3)
	sink := newMemSink()
	clk := &clock{time.Now()}
	// A runner claimed two copies and died: one had reached the target.
	due, _ := st.DueDeliveries(ctx, store.DeliveryFilter{Limit: 2}, clk.t)
	for i, d := range due {
		if _, err := st.ClaimDelivery(ctx, d.CopyID, "mem://", clk.t, time.Minute); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			var b bytes.Buffer
			d.Message.Render(&b, func(h string) (io.ReadCloser, error) { rc, _, err := st.Blobs().Open(ctx, h); return rc, err })
			sink.Deliver(ctx, delivery.Message{Mailbox: d.Mailbox, Folder: d.Folder, MessageID: d.MessageID,
				WriteTo: func(w io.Writer) error { _, err := w.Write(b.Bytes()); return err }})
		}
	}
	r := delivery.New(st, sink, delivery.Options{Now: clk.now})
	r.Run(ctx)
	// Within the dead runner's lease the two are left alone.
	if got := len(sink.read(due[0].Mailbox, due[0].Folder)); got != 1 {
		t.Logf("folder has %d", got)
	}
	clk.t = clk.t.Add(2 * time.Minute)
	rep, err := r.Run(ctx)
	if err != nil || rep.Found != 1 || rep.Delivered != 1 {
		t.Fatalf("after the lease: %+v %v", rep, err)
	}
	checkExactlyOnce(t, st, sink.read)
}

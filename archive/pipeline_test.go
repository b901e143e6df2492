package archive_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/custos-archive/custos/archive"
	"github.com/custos-archive/custos/connector/usermap"
	"github.com/custos-archive/custos/demo"
	"github.com/custos-archive/custos/item"
	"github.com/custos-archive/custos/store"
)

// env is a real store in a temp folder with a pipeline over it.
type env struct {
	t  *testing.T
	st *store.Store
	p  *archive.Pipeline
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	n, err := usermap.NewNormalizer("US")
	if err != nil {
		t.Fatal(err)
	}
	p, err := archive.New(st, archive.Options{Normalizer: n, BatchSize: 7})
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, st: st, p: p}
}

func (e *env) users(ps ...demo.Person) {
	e.t.Helper()
	for _, p := range ps {
		if _, err := e.st.PutUser(context.Background(), store.User{Email: p.Email, Name: p.Name, Phones: []string{p.Phone}}); err != nil {
			e.t.Fatal(err)
		}
	}
}

func (e *env) importItems(src item.Source, m archive.Mapping, items ...*item.Item) *archive.Report {
	e.t.Helper()
	var buf bytes.Buffer
	w := item.NewWriter(&buf)
	for _, it := range items {
		w.Write(it)
	}
	return e.importText(src, m, buf.String())
}

func (e *env) importText(src item.Source, m archive.Mapping, jsonl string) *archive.Report {
	e.t.Helper()
	rep, err := e.p.Import(context.Background(), strings.NewReader(jsonl), "items.jsonl", e.t.TempDir(), src, m)
	if err != nil {
		e.t.Fatal(err)
	}
	return rep
}

// contents maps "mailbox/folder" to the sorted source ids filed there, and
// checks that each copy renders to the SHA-256 and size stored for its item.
func (e *env) contents() map[string][]string {
	e.t.Helper()
	ctx := context.Background()
	idx, err := e.st.MailboxIndex(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[string][]string{}
	for addr, id := range idx {
		fs, err := e.st.Folders(ctx, id)
		if err != nil {
			e.t.Fatal(err)
		}
		for _, f := range fs {
			key := addr + "/" + f.Name
			err := e.st.Copies(ctx, f.ID, func(c store.Copy) error {
				h := sha256.New()
				n, err := c.Message.Render(h, func(s string) (io.ReadCloser, error) {
					rc, _, err := e.st.Blobs().Open(ctx, s)
					return rc, err
				})
				if err != nil {
					return err
				}
				if n != c.Size || hex.EncodeToString(h.Sum(nil)) != c.SHA256 {
					e.t.Errorf("%s %s renders to %d bytes sha %x, stored %d %s", key, c.Item.SourceID, n, h.Sum(nil), c.Size, c.SHA256)
				}
				out[key] = append(out[key], c.Item.SourceID)
				return nil
			})
			if err != nil {
				e.t.Fatal(err)
			}
			sort.Strings(out[key])
		}
	}
	return out
}

func (e *env) quarantined() []string {
	e.t.Helper()
	var ids []string
	err := e.st.QuarantineList(context.Background(), store.QuarantineFilter{}, func(q store.Quarantined) error {
		ids = append(ids, q.Item.SourceID)
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
	sort.Strings(ids)
	return ids
}

var (
	alice = demo.Employees[0]
	bob   = demo.Employees[1]
	ext   = demo.Outsiders[0]
	t0    = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
)

func chat(id string, from item.Participant, to ...item.Participant) *item.Item {
	return &item.Item{Source: item.WhatsApp, Kind: item.Chat, SourceID: id, Conversation: item.Conversation{ID: "c-" + id},
		From: from, To: to, Time: t0, Text: "text of " + id}
}

func withEmail(p demo.Person) item.Participant {
	return item.Participant{Name: p.Name, Phone: p.Phone, Email: p.Email}
}

func phoneOnly(p demo.Person) item.Participant {
	return item.Participant{Name: p.Name, Phone: p.Phone}
}

func TestFanOutAndFolders(t *testing.T) {
	e := newEnv(t)
	e.users(alice, bob)
	att := []item.Attachment{{Name: "a.jpg", ContentType: "image/jpeg", Data: bytes.Repeat([]byte{0xab}, 5000)}}
	it := chat("m1", withEmail(alice), withEmail(bob), phoneOnly(ext))
	it.Kind, it.Attachments = item.Media, att
	wc := &item.Item{Source: item.WeChat, Kind: item.Media, SourceID: "w1", Conversation: item.Conversation{ID: "g"},
		From: withEmail(bob), To: []item.Participant{withEmail(alice)}, Time: t0, Attachments: att}
	rep := e.importItems("", archive.Mapping{Auto: true}, it, wc)
	if rep.Imported != 2 || rep.Copies != 4 || rep.Unmapped != 0 || rep.Failed != 0 {
		t.Fatalf("report %+v", rep)
	}
	got := e.contents()
	want := map[string][]string{
		alice.Email + "/WhatsApp Archiver": {"m1"}, bob.Email + "/WhatsApp Archiver": {"m1"},
		alice.Email + "/WeChat Archiver": {"w1"}, bob.Email + "/WeChat Archiver": {"w1"},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("contents %v, want %v", got, want)
	}
	// The attachment that reached four copies of two items is stored once.
	c, err := e.st.Counts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if c.Items != 2 || c.Copies != 4 || c.Blobs != 1 {
		t.Fatalf("counts %+v, want 2 items, 4 copies, 1 blob", c)
	}
	var files int
	filepath.Walk(filepath.Join(e.st.Dir(), "blobs"), func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			files++
		}
		return nil
	})
	if files != 1 {
		t.Fatalf("%d blob files on disk, want 1", files)
	}
}

func TestMappingOrder(t *testing.T) {
	e := newEnv(t)
	e.users(alice, bob)
	ctx := context.Background()
	// The CSV maps alice's phone to bob's mailbox; the CSV wins over alice's
	// email property. The CSV maps the outsider to a mailbox that does not
	// exist: that mapping does not count.
	csv := "phone,email\n" + alice.Phone + "," + bob.Email + "\n" + ext.Phone + ",nobody@demo.example\n"
	if _, err := e.p.SetMapping(ctx, item.WhatsApp, strings.NewReader(csv), "map.csv"); err != nil {
		t.Fatal(err)
	}
	m := archive.Mapping{Name: archive.MappingName(item.WhatsApp), Auto: true}
	rep := e.importItems(item.WhatsApp, m, chat("m1", withEmail(alice), phoneOnly(ext)))
	if rep.Imported != 1 || rep.Copies != 1 {
		t.Fatalf("report %+v", rep)
	}
	got := e.contents()
	if fmt.Sprint(got) != fmt.Sprint(map[string][]string{bob.Email + "/WhatsApp Archiver": {"m1"}}) {
		t.Fatalf("contents %v", got)
	}
	// Automatic mapping off: the email property does not count.
	rep = e.importItems(item.WhatsApp, archive.Mapping{Name: "none"}, chat("m2", withEmail(bob), phoneOnly(ext)))
	if rep.Unmapped != 1 || !strings.Contains(rep.UnmappedItems[0].Reason, "automatic mapping is off") {
		t.Fatalf("report %+v", rep)
	}
}

func TestReassignedNumber(t *testing.T) {
	e := newEnv(t)
	e.users(alice, bob)
	ctx := context.Background()
	csv := "phone,email,valid_from,valid_to\n+13105550100," + alice.Email + ",,2026-02-28\n+13105550100," + bob.Email + ",2026-03-01,\n"
	if _, err := e.p.SetMapping(ctx, item.EnterpriseNumber, strings.NewReader(csv), "map.csv"); err != nil {
		t.Fatal(err)
	}
	mk := func(id string, at time.Time) *item.Item {
		return &item.Item{Source: item.EnterpriseNumber, Kind: item.SMS, SourceID: id, Conversation: item.Conversation{ID: "x"},
			From: item.Participant{Phone: "+13105550100"}, To: []item.Participant{phoneOnly(ext)}, Time: at, Text: "hi"}
	}
	e.importItems(item.EnterpriseNumber, archive.Mapping{Name: archive.MappingName(item.EnterpriseNumber)},
		mk("old", time.Date(2026, 2, 28, 23, 59, 0, 0, time.UTC)), mk("new", time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)))
	want := map[string][]string{alice.Email + "/Enterprise Number Archiver": {"old"}, bob.Email + "/Enterprise Number Archiver": {"new"}}
	if got := e.contents(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("contents %v, want %v", got, want)
	}
}

// TestNothingLost imports a mix of mapped, unmapped and bad lines and checks
// every input item is in each mapped mailbox, in the quarantine with a
// reason, or reported failed; then a mapping fix and a replay file the
// quarantined items exactly once.
func TestNothingLost(t *testing.T) {
	e := newEnv(t)
	e.users(alice)
	carol := demo.Employees[2]
	var buf bytes.Buffer
	w := item.NewWriter(&buf)
	w.Write(chat("ok1", withEmail(alice), phoneOnly(ext)))
	w.Write(chat("q1", withEmail(carol), phoneOnly(ext))) // carol has no mailbox yet
	buf.WriteString("{not json\n")
	w.Write(chat("q2", phoneOnly(ext), phoneOnly(carol)))
	buf.WriteString(`{"source":"whatsapp","kind":"chat","source_id":"x","conversation":{"id":"c"},"to":[],"time":"2026-03-02T09:00:00Z"}` + "\n")
	w.Write(chat("ok2", phoneOnly(ext), withEmail(alice), withEmail(carol)))
	rep := e.importText(item.WhatsApp, archive.Mapping{Name: archive.MappingName(item.WhatsApp), Auto: true}, buf.String())
	if rep.Fetched != 6 || rep.Imported != 2 || rep.Unmapped != 2 || rep.Failed != 2 || rep.Duplicates != 0 {
		t.Fatalf("report %+v", rep)
	}
	if rep.Fetched != rep.Imported+rep.Unmapped+rep.Failed+rep.Duplicates {
		t.Fatalf("counts do not add up: %+v", rep)
	}
	if rep.FailedItems[0].Line != 3 || rep.FailedItems[1].Line != 5 || !strings.Contains(rep.FailedItems[1].Error, "from") {
		t.Fatalf("failures %+v", rep.FailedItems)
	}
	for _, u := range rep.UnmappedItems {
		if u.Reason == "" || len(u.Numbers) != 2 {
			t.Fatalf("unmapped item without reason or numbers: %+v", u)
		}
	}
	if q := e.quarantined(); fmt.Sprint(q) != "[q1 q2]" {
		t.Fatalf("quarantine %v", q)
	}
	want := map[string][]string{alice.Email + "/WhatsApp Archiver": {"ok1", "ok2"}}
	if got := e.contents(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("contents %v", got)
	}

	// Fix: carol gets a mailbox; q1 maps by her email property. q2 has only
	// her number: it needs the custom CSV too.
	e.users(carol)
	ctx := context.Background()
	rr, err := e.p.Replay(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if rr.Examined != 2 || rr.Released != 1 || rr.Still != 1 {
		t.Fatalf("replay %+v", rr)
	}
	if _, err := e.p.SetMapping(ctx, item.WhatsApp, strings.NewReader("phone,email\n"+carol.Phone+","+carol.Email+"\n"), "m.csv"); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ { // replaying again never files twice
		if _, err := e.p.Replay(ctx, item.WhatsApp); err != nil {
			t.Fatal(err)
		}
	}
	if q := e.quarantined(); len(q) != 0 {
		t.Fatalf("still quarantined: %v", q)
	}
	// ok2 was filed for alice only: carol had no mailbox then. Items already
	// archived are not re-mapped by a replay (only quarantined ones are).
	want = map[string][]string{
		alice.Email + "/WhatsApp Archiver": {"ok1", "ok2"},
		carol.Email + "/WhatsApp Archiver": {"q1", "q2"},
	}
	if got := e.contents(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("contents %v, want %v", got, want)
	}
}

func TestIdempotent(t *testing.T) {
	e := newEnv(t)
	e.users(alice, bob)
	var buf bytes.Buffer
	if err := demo.WriteSynthetic(&buf, 300, 2, 10, 7, 1); err != nil {
		t.Fatal(err)
	}
	// Synthetic users are user0001.., so map them onto alice and bob.
	ctx := context.Background()
	csv := "phone,email\n" + demo.SyntheticUser(0).Phone + "," + alice.Email + "\n" + demo.SyntheticUser(1).Phone + "," + bob.Email + "\n"
	if _, err := e.p.SetMapping(ctx, item.WhatsApp, strings.NewReader(csv), "m.csv"); err != nil {
		t.Fatal(err)
	}
	m := archive.Mapping{Name: archive.MappingName(item.WhatsApp), Auto: true}
	first := e.importText(item.WhatsApp, m, buf.String())
	before := e.contents()
	c1, _ := e.st.Counts(ctx)
	second := e.importText(item.WhatsApp, m, buf.String())
	c2, _ := e.st.Counts(ctx)
	if first.Imported+first.Unmapped != 300 || first.Failed != 0 {
		t.Fatalf("first import %+v", first)
	}
	if second.Duplicates != 300 || second.Imported != 0 || second.Copies != 0 || second.Unmapped != 0 {
		t.Fatalf("second import %+v", second)
	}
	if c1 != c2 || fmt.Sprint(before) != fmt.Sprint(e.contents()) {
		t.Fatalf("second import changed the archive: %+v -> %+v", c1, c2)
	}
}

// TestBadInput checks each kind of bad line gets an error naming its line
// and what is wrong, and that nothing of a bad line is stored.
func TestBadInput(t *testing.T) {
	for _, tc := range []struct {
		name, line, want string
	}{
		{"malformed JSON", `{"source":"whatsapp",`, "line 1: malformed JSON"},
		{"not an object", `[1,2]`, "line 1"},
		{"unknown source", `{"source":"telegram","kind":"chat","source_id":"a","conversation":{"id":"c"},"from":{"name":"x"},"time":"2026-01-01T00:00:00Z"}`, `unknown source "telegram"`},
		{"source mismatch", `{"source":"wechat","kind":"chat","source_id":"a","conversation":{"id":"c"},"from":{"name":"x"},"time":"2026-01-01T00:00:00Z"}`, `this import is for "whatsapp"`},
		{"missing source id", `{"kind":"chat","conversation":{"id":"c"},"from":{"name":"x"},"time":"2026-01-01T00:00:00Z"}`, "source_id: missing"},
		{"missing time", `{"kind":"chat","source_id":"a","conversation":{"id":"c"},"from":{"name":"x"}}`, "time: missing"},
		{"bad time", `{"kind":"chat","source_id":"a","conversation":{"id":"c"},"from":{"name":"x"},"time":"yesterday"}`, "line 1"},
		{"bad phone", `{"kind":"chat","source_id":"a","conversation":{"id":"c"},"from":{"phone":"555-0100"},"time":"2026-01-01T00:00:00Z"}`, "from.phone"},
		{"unknown field", `{"kind":"chat","source_id":"a","conversation":{"id":"c"},"from":{"name":"x"},"time":"2026-01-01T00:00:00Z","txt":"hi"}`, `unknown field "txt"`},
		{"call without facts", `{"kind":"call","source_id":"a","conversation":{"id":"c"},"from":{"name":"x"},"time":"2026-01-01T00:00:00Z"}`, "call: missing"},
		{"attachment file missing", `{"kind":"file","source_id":"a","conversation":{"id":"c"},"from":{"name":"x"},"time":"2026-01-01T00:00:00Z","attachments":[{"name":"a.pdf","content_type":"application/pdf","path":"nope.pdf"}]}`, "nope.pdf"},
		{"attachment size wrong", `{"kind":"file","source_id":"a","conversation":{"id":"c"},"from":{"name":"x"},"time":"2026-01-01T00:00:00Z","attachments":[{"name":"a.pdf","content_type":"application/pdf","data":"aGk=","size":3}]}`, "size"},
		{"attachment hash wrong", `{"kind":"file","source_id":"a","conversation":{"id":"c"},"from":{"name":"x"},"time":"2026-01-01T00:00:00Z","attachments":[{"name":"a.pdf","content_type":"application/pdf","data":"aGk=","sha256":"` + strings.Repeat("0", 64) + `"}]}`, "sha256"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.users(alice)
			rep := e.importText(item.WhatsApp, archive.Mapping{Auto: true}, "\n"+tc.line+"\n")
			if rep.Failed != 1 || rep.Fetched != 1 {
				t.Fatalf("report %+v", rep)
			}
			msg := rep.FailedItems[0].Error
			if rep.FailedItems[0].Line != 2 || !strings.Contains(msg, ":2") && !strings.Contains(msg, "line 2") {
				t.Errorf("error %q does not name line 2", msg)
			}
			if !strings.Contains(msg, strings.ReplaceAll(tc.want, "line 1", "2")) && !strings.Contains(msg, tc.want) {
				t.Errorf("error %q, want it to contain %q", msg, tc.want)
			}
			c, _ := e.st.Counts(context.Background())
			if c != (store.Counts{}) {
				t.Errorf("a bad line left %+v in the store", c)
			}
		})
	}
}

func TestBadMappingChangesNothing(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.p.SetMapping(ctx, item.WhatsApp, strings.NewReader("phone,email\n+12025550143,a@b.example\n"), "good.csv"); err != nil {
		t.Fatal(err)
	}
	_, err := e.p.SetMapping(ctx, item.WhatsApp, strings.NewReader("phone,email\n+12025550143,a@b.example\nnot a phone,b@b.example\n"), "bad.csv")
	if err == nil || !strings.Contains(err.Error(), "bad.csv:3") || !strings.Contains(err.Error(), "phone") {
		t.Fatalf("error %v, want one naming bad.csv:3 and the phone field", err)
	}
	csv, err := e.st.Mapping(ctx, archive.MappingName(item.WhatsApp))
	if err != nil || !strings.Contains(string(csv), "+12025550143,a@b.example") || strings.Contains(string(csv), "b@b.example") {
		t.Fatalf("stored mapping changed: %q %v", csv, err)
	}
}

// TestBatchCutByBytes checks that a batch whose items carry more inline
// attachment bytes than BatchBytes is committed early, and that nothing is
// lost by it.
func TestBatchCutByBytes(t *testing.T) {
	e := newEnv(t)
	e.users(alice, bob)
	var batches int
	p, err := archive.New(e.st, archive.Options{BatchSize: 100, BatchBytes: 2500, Progress: func(archive.Progress) { batches++ }})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w := item.NewWriter(&buf)
	for i := range 10 {
		it := chat(fmt.Sprint("big-", i), withEmail(alice), withEmail(bob))
		it.Attachments = []item.Attachment{{Name: "a.bin", ContentType: "application/octet-stream", Data: bytes.Repeat([]byte{byte(i)}, 1000)}}
		w.Write(it)
	}
	rep, err := p.Import(context.Background(), &buf, "items.jsonl", t.TempDir(), item.WhatsApp, archive.Mapping{Auto: true})
	if err != nil || rep.Imported != 10 || rep.Copies != 20 {
		t.Fatalf("import: %v %+v", err, rep)
	}
	// 1,000 bytes each: a batch is cut at the third item.
	if batches != 4 {
		t.Fatalf("%d batches, want 4 (3+3+3+1 items)", batches)
	}
}

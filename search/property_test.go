package search_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/custos-archive/custos/archive"
	"github.com/custos-archive/custos/connector/usermap"
	"github.com/custos-archive/custos/item"
	"github.com/custos-archive/custos/search"
	"github.com/custos-archive/custos/store"
)

var propWords = []string{"price", "prices", "priced", "order", "deal", "café", "cafe", "naïve", "bond", "yield",
	"urgent", "q3", "4.35", "合同", "已经", "签好", "发货", "عقد", "البيع", "meeting", "tomorrow", "alpha", "alphabet",
	"you", "to", "the", "that"}

// commonPropWords are the common words of propWords, whose phrases the
// index answers with pair tokens.
var commonPropWords = []string{"you", "to", "the", "that"}

type person struct{ name, phone, email string }

var propPeople = []person{
	{"Alice Martin", "+12025550143", "alice@corp.example"},
	{"Bob Chen", "+12025550144", "bob@corp.example"},
	{"Carol Díaz", "+34600123456", "carol@corp.example"},
	{"Dana Lee", "+13105550188", ""},
	{"王伟", "+8613800138000", "wei@corp.example"},
	{"Ravi Patel", "+447700900123", ""},
}

func randText(r *rand.Rand, n int) string {
	ws := make([]string, n)
	for i := range ws {
		w := propWords[r.IntN(len(propWords))]
		if r.IntN(8) == 0 {
			w = strings.ToUpper(w)
		}
		ws[i] = w
	}
	// CJK words sometimes run together, as they are written.
	return strings.ReplaceAll(strings.Join(ws, " "), "合同 已经", "合同已经")
}

func randItems(r *rand.Rand, n int) []*item.Item {
	var out []*item.Item
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		src := item.Sources[r.IntN(3)]
		kinds := src.Kinds()
		k := kinds[r.IntN(len(kinds))]
		p := func() item.Participant {
			x := propPeople[r.IntN(len(propPeople))]
			return item.Participant{Name: x.name, Phone: x.phone, Email: x.email}
		}
		it := &item.Item{Source: src, Kind: k, SourceID: fmt.Sprintf("p-%d", i), Conversation: item.Conversation{ID: fmt.Sprintf("c%d", r.IntN(5)), Name: randText(r, 1)},
			From: p(), To: []item.Participant{p()}, Time: start.Add(time.Duration(r.IntN(60*24)) * time.Hour), Text: randText(r, 1+r.IntN(12))}
		if r.IntN(3) == 0 {
			it.To = append(it.To, p())
		}
		switch k {
		case item.Call, item.CallLog, item.VoiceRecording:
			it.Call = &item.CallInfo{Direction: "inbound", Status: "completed", Duration: int64(r.IntN(100))}
		case item.Location:
			it.Location = &item.Place{Latitude: 1, Longitude: 2, Name: randText(r, 2)}
		case item.Deleted, item.Recalled, item.Edit:
			it.Original = &item.Content{Text: randText(r, 3)}
		}
		if k == item.VoiceRecording || k == item.Media || k == item.File || k == item.MMS || r.IntN(6) == 0 {
			name := strings.ReplaceAll(randText(r, 2), " ", "-") + ".txt"
			it.Attachments = append(it.Attachments, item.Attachment{Name: name, ContentType: "text/plain", Data: []byte(randText(r, 5))})
			if r.IntN(2) == 0 {
				it.Attachments[0].ContentType = "application/octet-stream"
			}
		}
		out = append(out, it)
	}
	return out
}

// randQuery makes a random KQL query over the vocabulary and properties.
func randQuery(r *rand.Rand, depth int) string {
	if depth > 0 && r.IntN(3) > 0 {
		a, b := randQuery(r, depth-1), randQuery(r, depth-1)
		switch r.IntN(5) {
		case 0:
			return a + " " + b
		case 1:
			return "(" + a + " AND " + b + ")"
		case 2:
			return "(" + a + " OR " + b + ")"
		case 3:
			return "(" + a + " NOT " + b + ")"
		default:
			return "(" + a + " OR NOT " + b + ")"
		}
	}
	word := func() string { return propWords[r.IntN(len(propWords))] }
	switch r.IntN(16) {
	case 0:
		w := []rune(word())
		return strings.TrimRight(string(w[:max(1, len(w)/2)]), ".") + "*"
	case 1:
		if r.IntN(2) == 0 {
			common := func() string { return commonPropWords[r.IntN(len(commonPropWords))] }
			return `"` + strings.Join([]string{common(), common(), common()}[:2+r.IntN(2)], " ") + `"`
		}
		return `"` + word() + " " + word() + `"`
	case 2:
		return "from:" + []string{"alice", `"+1 (202) 555-0144"`, "12025550143", "carol@corp.example", "王伟", "dana*"}[r.IntN(6)]
	case 3:
		return "to:" + []string{"bob", `"+44 7700 900123"`, "2025550143", "patel"}[r.IntN(4)]
	case 4:
		return "participants:" + []string{"lee", `"+34 600 12 34 56"`, "wei"}[r.IntN(3)]
	case 5:
		return "kind:" + []string{"whatsapp", "wechat", "sms", "mms", "call", "voicemail", "chat", "deleted", "recalled", "attachment", "file", "externaldata"}[r.IntN(12)]
	case 6:
		d := time.Date(2026, 1, 1+r.IntN(60), 0, 0, 0, 0, time.UTC)
		switch r.IntN(3) {
		case 0:
			return "sent:" + d.Format("2006-01-02")
		case 1:
			return "sent>=" + d.Format("2006-01-02")
		default:
			return "sent:" + d.Format("2006-01-02") + ".." + d.AddDate(0, 0, r.IntN(20)).Format("2006-01-02")
		}
	case 7:
		return []string{"hasattachment:true", "hasattachment:false"}[r.IntN(2)]
	case 8:
		return "size" + []string{">", "<", ">="}[r.IntN(3)] + fmt.Sprint(2+r.IntN(4)) + "KB"
	case 9:
		return "subject:" + []string{"whatsapp", "call", "sms", "deleted", "alice"}[r.IntN(5)]
	case 10:
		return "attachmentnames:" + word()
	case 11:
		return "folder:" + []string{"whatsapp", `"wechat archiver"`, "enterprise"}[r.IntN(3)]
	case 12:
		return "mailbox:" + []string{"alice", "bob@corp.example", "carol"}[r.IntN(3)]
	case 13:
		return word() + " NEAR(" + fmt.Sprint(r.IntN(4)) + ") " + word()
	case 14:
		return "body:" + word()
	}
	return word()
}

// TestSearchMatchesBruteForce archives random items through the real
// pipeline into a real store and checks random queries against a brute-force
// scan of every stored copy.
func TestSearchMatchesBruteForce(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 1))
	ctx := context.Background()
	st, err := store.Open(ctx, t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, p := range propPeople[:3] {
		st.PutUser(ctx, store.User{Email: p.email, Name: p.name, Phones: []string{p.phone}})
	}
	st.PutUser(ctx, store.User{Email: "wei@corp.example", Name: "王伟"})
	norm, _ := usermap.NewNormalizer("US")
	p, _ := archive.New(st, archive.Options{Normalizer: norm})
	var buf bytes.Buffer
	w := item.NewWriter(&buf)
	for _, it := range randItems(r, 400) {
		w.Write(it)
	}
	rep, err := p.Import(ctx, &buf, "rand.jsonl", "", "", archive.Mapping{Auto: true})
	if err != nil || rep.Failed > 0 {
		t.Fatalf("import: %v %+v", err, rep.FailedItems)
	}

	// Every stored copy, as the oracle sees it.
	var cands []*candidate
	var copyIDs []int64
	idx, _ := st.MailboxIndex(ctx)
	for addr, id := range idx {
		fs, _ := st.Folders(ctx, id)
		for _, f := range fs {
			err := st.Copies(ctx, f.ID, func(c store.Copy) error {
				att, err := search.AttachmentText(ctx, st.Blobs(), c.Item)
				if err != nil {
					return err
				}
				cands = append(cands, newCandidate(c.Item, search.Document(c.Item, att), addr, f.Name, c.Size, len(c.Message.Holes) > 0, c.ArchivedAt.UnixMilli()))
				copyIDs = append(copyIDs, c.CopyID)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(cands) < 300 {
		t.Fatalf("only %d copies archived", len(cands))
	}
	// Deleted copies (in the recoverable stage) keep their index rows, for
	// query holds, but are not found: delete one copy in seven, and leave
	// them out of the oracle's view.
	var del []int64
	live := cands[:0]
	for i, c := range cands {
		if r.IntN(7) == 0 {
			del = append(del, copyIDs[i])
			continue
		}
		live = append(live, c)
	}
	cands = live
	if res, err := st.DeleteCopies(ctx, store.Deletion{Copies: del, Actor: "test", Why: "property test", Object: "test"}); err != nil || len(res.Deleted) != len(del) {
		t.Fatalf("deleting %d copies: %v", len(del), err)
	}
	key := func(mb, folder, id string) string { return mb + "|" + folder + "|" + id }

	eng := search.New(st, norm)
	nonEmpty := 0
	for i := 0; i < 600; i++ {
		q := randQuery(r, 3)
		_, cond, err := eng.Parse(q)
		if err != nil {
			t.Fatalf("query %q: %v", q, err)
		}
		var want []string
		byMailbox := map[string]int64{}
		for _, c := range cands {
			if eval(cond, c) {
				want = append(want, key(c.mailbox, c.folder, c.it.SourceID))
				byMailbox[c.mailbox]++
			}
		}
		res, err := eng.Search(ctx, search.Request{Query: q, Limit: 1000, Stats: true})
		if err != nil {
			t.Fatalf("query %q: %v", q, err)
		}
		var got []string
		for _, h := range res.Hits {
			got = append(got, key(h.Mailbox, h.Folder, h.SourceID))
		}
		sort.Strings(want)
		sort.Strings(got)
		if strings.Join(got, "\n") != strings.Join(want, "\n") || res.Total != int64(len(want)) {
			t.Fatalf("query %q (%s):\n got %d hits (total %d)\nwant %d\nonly got: %v\nonly want: %v", q, res.Explain, len(got), res.Total, len(want),
				diff(got, want), diff(want, got))
		}
		if fmt.Sprint(res.ByMailbox) != fmt.Sprint(byMailbox) && len(want) > 0 {
			t.Fatalf("query %q: by mailbox %v, want %v", q, res.ByMailbox, byMailbox)
		}
		for j := 1; j < len(res.Hits); j++ {
			if res.Hits[j].Time.After(res.Hits[j-1].Time) {
				t.Fatalf("query %q: hits not newest first", q)
			}
		}
		if len(want) > 0 {
			nonEmpty++
		}
	}
	if nonEmpty < 200 {
		t.Fatalf("only %d of 600 random queries matched anything: the generator is too narrow", nonEmpty)
	}
}

func diff(a, b []string) []string {
	in := map[string]bool{}
	for _, x := range b {
		in[x] = true
	}
	var out []string
	for _, x := range a {
		if !in[x] {
			out = append(out, x)
		}
	}
	if len(out) > 5 {
		out = append(out[:5], "…")
	}
	return out
}

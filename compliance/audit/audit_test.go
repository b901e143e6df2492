package audit

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

// chain makes n chained records.
func chain(t *testing.T, n int) []Record {
	t.Helper()
	var rs []Record
	prev := Genesis
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for i := 1; i <= n; i++ {
		r, err := New(Entry{Actor: "alice", Action: HoldPlace, Object: "hold:1", Details: map[string]any{"i": i, "reason": "<SEC> & co"}},
			int64(i), at.Add(time.Duration(i)*time.Second), prev)
		if err != nil {
			t.Fatal(err)
		}
		rs = append(rs, r)
		prev = r.Hash
	}
	return rs
}

func verify(rs []Record, head Head, anchors ...Head) *Problem {
	v := NewVerifier(anchors...)
	for _, r := range rs {
		if p := v.Add(r); p != nil {
			return p
		}
	}
	return v.End(head)
}

func headOf(rs []Record) Head { return Head{Seq: rs[len(rs)-1].Seq, Hash: rs[len(rs)-1].Hash} }

func TestVerifyFindsTampering(t *testing.T) {
	good := chain(t, 10)
	head := headOf(good)
	if p := verify(good, head); p != nil {
		t.Fatalf("intact chain: %v", p)
	}
	clone := func() []Record { return append([]Record(nil), good...) }
	for _, tc := range []struct {
		name string
		edit func([]Record) ([]Record, Head)
		kind string
		seq  int64
	}{
		{"edited actor", func(rs []Record) ([]Record, Head) { rs[3].Actor = "mallory"; return rs, head }, Edited, 4},
		{"edited details", func(rs []Record) ([]Record, Head) { rs[6].Details = []byte(`{"i":7}`); return rs, head }, Edited, 7},
		{"edited and rehashed", func(rs []Record) ([]Record, Head) {
			rs[4].Outcome = Failure
			rs[4].Hash = HashOf(rs[4])
			return rs, head
		}, Unlinked, 6},
		{"removed", func(rs []Record) ([]Record, Head) { return append(rs[:4], rs[5:]...), head }, Missing, 5},
		{"two removed", func(rs []Record) ([]Record, Head) { return append(rs[:4], rs[6:]...), head }, Missing, 5},
		{"swapped", func(rs []Record) ([]Record, Head) {
			rs[2], rs[3] = rs[3], rs[2]
			rs[2].Seq, rs[3].Seq = 3, 4 // the rows keep their places' numbers
			return rs, head
		}, Reordered, 3},
		{"truncated", func(rs []Record) ([]Record, Head) { return rs[:8], head }, Truncated, 9},
		{"truncated with its head", func(rs []Record) ([]Record, Head) { return rs[:8], headOf(rs[:8]) }, "", 0},
	} {
		rs, h := tc.edit(clone())
		p := verify(rs, h)
		if tc.kind == "" {
			if p != nil {
				t.Errorf("%s: %v", tc.name, p)
			}
			continue
		}
		if p == nil || p.Kind != tc.kind || p.Seq != tc.seq {
			t.Errorf("%s: got %+v, want %s at %d", tc.name, p, tc.kind, tc.seq)
		}
	}
	// A truncation that moved the head too is found against an anchor kept
	// outside.
	if p := verify(good[:8], headOf(good[:8]), head); p == nil || p.Kind != Anchor {
		t.Errorf("truncation under an anchor: %v", p)
	}
	// A chain rewritten from record 5 on is found against an anchor of 7.
	re := clone()
	re[4].Actor = "mallory"
	for i := 4; i < len(re); i++ {
		if i > 4 {
			re[i].PrevHash = re[i-1].Hash
		}
		re[i].Hash = HashOf(re[i])
	}
	if p := verify(re, headOf(re)); p != nil {
		t.Fatalf("a consistent rewrite is not found without an anchor: %v", p)
	}
	if p := verify(re, headOf(re), Head{Seq: 7, Hash: good[6].Hash}); p == nil || p.Kind != Anchor || p.Seq != 7 {
		t.Errorf("rewrite under an anchor: %v", p)
	}
}

func TestCanonicalIsUnambiguous(t *testing.T) {
	a := Record{Seq: 1, Actor: "ab", Action: "c", Details: []byte("{}"), PrevHash: Genesis}
	b := Record{Seq: 1, Actor: "a", Action: "bc", Details: []byte("{}"), PrevHash: Genesis}
	if bytes.Equal(Canonical(a), Canonical(b)) {
		t.Fatal("two records encode alike")
	}
}

func TestNewRefusesBadEntries(t *testing.T) {
	for _, e := range []Entry{{Action: Search}, {Actor: "a"}, {Actor: "a", Action: Search, Details: []string{"x"}}} {
		if _, err := New(e, 1, time.Now(), Genesis); err == nil {
			t.Errorf("%+v accepted", e)
		}
	}
}

func TestExportRoundTrip(t *testing.T) {
	rs := chain(t, 5)
	var b bytes.Buffer
	enc, err := NewEncoder(&b, JSONL)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		enc.Encode(r)
	}
	enc.Flush()
	rd := NewReader(&b)
	v := NewVerifier()
	n := 0
	for {
		r, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if p := v.Add(r); p != nil {
			t.Fatalf("exported record %d: %v", r.Seq, p)
		}
		n++
	}
	if n != 5 || v.End(headOf(rs)) != nil {
		t.Fatalf("read %d records", n)
	}
	b.Reset()
	enc, _ = NewEncoder(&b, CSV)
	for _, r := range rs {
		enc.Encode(r)
	}
	enc.Flush()
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil || len(rows) != 6 || rows[0][0] != "seq" || rows[1][6] != string(rs[0].Details) || rows[5][8] != rs[4].Hash {
		t.Fatalf("csv: %v %q", err, rows)
	}
	if _, err := NewEncoder(&b, "xml"); err == nil || !strings.Contains(err.Error(), "jsonl") {
		t.Fatalf("unknown format: %v", err)
	}
}

func TestMatchAction(t *testing.T) {
	for _, tc := range []struct {
		p, a string
		want bool
	}{{"hold", "hold.place", true}, {"hold.*", "hold.release", true}, {"hold.place", "hold.place", true},
		{"hold", "holdings", false}, {"purge", "purge.run", true}, {"purge", "purge", true}, {"search", "audit.search", false}} {
		if got := MatchAction(tc.p, tc.a); got != tc.want {
			t.Errorf("MatchAction(%q, %q) = %v", tc.p, tc.a, got)
		}
	}
}

// FuzzReader checks that the export reader never panics and that what it
// reads it writes back the same.
func FuzzReader(f *testing.F) {
	var b bytes.Buffer
	enc, _ := NewEncoder(&b, JSONL)
	for _, r := range chain(&testing.T{}, 2) {
		enc.Encode(r)
	}
	enc.Flush()
	f.Add(b.String())
	f.Add(`{"seq":1,"time":"x"}`)
	f.Add("\n\n{}\n")
	f.Fuzz(func(t *testing.T, s string) {
		rd := NewReader(strings.NewReader(s))
		for {
			r, err := rd.Next()
			if err != nil {
				return
			}
			if HashOf(r) == "" {
				t.Fatal("no hash")
			}
		}
	})
}

package kql

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/custos-archive/custos/item"
)

// now is the current time the tests parse with: a Sunday afternoon in UTC.
var now = time.Date(2026, 3, 1, 15, 4, 5, 0, time.UTC)

// parse parses q with Options{Now: now} and prints the tree, or fails.
func parse(t *testing.T, q string) string {
	t.Helper()
	n, err := Parse(q, Options{Now: now})
	if err != nil {
		t.Fatalf("Parse(%q): %v", q, err)
	}
	checkTree(t, q, n)
	return n.String()
}

// checkTree checks the invariants of a parsed tree: positions within the
// query, and/or with two or more unflattened operands, Near over terms,
// ranges that are not empty.
func checkTree(t testing.TB, q string, n Node) {
	t.Helper()
	walk(n, func(n Node) {
		if p := n.Pos(); p < 0 || p >= len(q) {
			t.Fatalf("Parse(%q): %s at %d, outside the query", q, n, p)
		}
		switch n := n.(type) {
		case *And:
			for _, x := range n.Operands {
				if _, ok := x.(*And); ok {
					t.Fatalf("Parse(%q): and in and: %s", q, n)
				}
			}
			if len(n.Operands) < 2 {
				t.Fatalf("Parse(%q): and with %d operands", q, len(n.Operands))
			}
		case *Or:
			for _, x := range n.Operands {
				if _, ok := x.(*Or); ok {
					t.Fatalf("Parse(%q): or in or: %s", q, n)
				}
			}
			if len(n.Operands) < 2 {
				t.Fatalf("Parse(%q): or with %d operands", q, len(n.Operands))
			}
		case *Text:
			if !isTextField(n.Field) || n.Term == nil {
				t.Fatalf("Parse(%q): bad text node %s", q, n)
			}
		case *DateRange:
			if n.From == nil && n.To == nil || n.From != nil && n.To != nil && !n.From.Before(*n.To) {
				t.Fatalf("Parse(%q): bad date range %s", q, n)
			}
			if n.Field != FieldSent && n.Field != FieldReceived {
				t.Fatalf("Parse(%q): date range of %s", q, n.Field)
			}
		case *SizeRange:
			if n.Min == nil && n.Max == nil || n.Min != nil && *n.Min < 0 || n.Max != nil && *n.Max < 0 ||
				n.Min != nil && n.Max != nil && *n.Min > *n.Max {
				t.Fatalf("Parse(%q): bad size range %s", q, n)
			}
		case *Near:
			if n.Left == nil || n.Right == nil || n.Distance < 0 || n.Distance > MaxNear {
				t.Fatalf("Parse(%q): bad near %s", q, n)
			}
		case *Word:
			if n.Text == "" || strings.ContainsAny(n.Text, " *\"") {
				t.Fatalf("Parse(%q): bad word %s", q, n)
			}
		}
	})
}

// walk calls fn for n and every node under it.
func walk(n Node, fn func(Node)) {
	fn(n)
	switch n := n.(type) {
	case *And:
		for _, x := range n.Operands {
			walk(x, fn)
		}
	case *Or:
		for _, x := range n.Operands {
			walk(x, fn)
		}
	case *Not:
		walk(n.X, fn)
	case *Near:
		walk(n.Left, fn)
		walk(n.Right, fn)
	case *Text:
		walk(n.Term, fn)
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		q, want string
	}{
		// words
		{`price`, `(word "price")`},
		{`  price  `, `(word "price")`},
		{`Price`, `(word "Price")`},
		{`q3-report`, `(word "q3-report")`},
		{`alice@corp.example`, `(word "alice@corp.example")`},
		{`+1555-0100`, `(word "+1555-0100")`},
		{`4.35`, `(word "4.35")`},
		{`snake_case`, `(word "snake_case")`},
		{`don't`, `(word "don't")`},
		{`don’t`, `(word "don’t")`},
		{`a+b`, `(word "a+b")`},
		{`students' work`, `(and (word "students") (word "work"))`},
		{`end.`, `(word "end")`},
		{`c++`, `(word "c")`},
		{`hello, world!`, `(and (word "hello") (word "world"))`},
		{`a/b`, `(and (word "a") (word "b"))`},
		{`a..b`, `(and (word "a") (word "b"))`},
		{`+price`, `(word "price")`},
		{`👍 ok`, `(word "ok")`},
		// Unicode
		{`合同已经`, `(word "合同已经")`},
		{`合同，已经。`, `(and (word "合同") (word "已经"))`},
		{`عقد`, `(word "عقد")`},
		{`عَقْد`, `(word "عَقْد")`},
		{`café`, `(word "café")`},
		{"cafe\u0301", "(word \"cafe\u0301\")"},
		{`Ærø straße`, `(and (word "Ærø") (word "straße"))`},
		{`合同 عقد café`, `(and (word "合同") (word "عقد") (word "café"))`},
		{"a\u3000b", `(and (word "a") (word "b"))`},
		// keywords are upper case only
		{`and or not near`, `(and (word "and") (word "or") (word "not") (word "near"))`},
		{`And Or`, `(and (word "And") (word "Or"))`},
		{`ANDROID NOTE ORDER NEARBY`, `(and (word "ANDROID") (word "NOTE") (word "ORDER") (word "NEARBY"))`},
		// prefix
		{`pric*`, `(prefix "pric")`},
		{`q3-rep*`, `(prefix "q3-rep")`},
		{`合*`, `(prefix "合")`},
		{`pric* list`, `(and (prefix "pric") (word "list"))`},
		{`(pric*)`, `(prefix "pric")`},
		// phrases
		{`"annual report"`, `(phrase "annual report")`},
		{`“annual report”`, `(phrase "annual report")`},
		{`"annual report”`, `(phrase "annual report")`},
		{`“annual report"`, `(phrase "annual report")`},
		{`"meet at 10:30"`, `(phrase "meet at 10:30")`},
		{`"http://x.example/a?b=c"`, `(phrase "http://x.example/a?b=c")`},
		{`"AND OR NOT"`, `(phrase "AND OR NOT")`},
		{`"合同已经"`, `(phrase "合同已经")`},
		{`" spaced "`, `(phrase " spaced ")`},
		{`a"b"c`, `(and (word "a") (phrase "b") (word "c"))`},
		// implicit and explicit AND, OR, precedence
		{`a b`, `(and (word "a") (word "b"))`},
		{`a AND b`, `(and (word "a") (word "b"))`},
		{`a b c d`, `(and (word "a") (word "b") (word "c") (word "d"))`},
		{`a OR b`, `(or (word "a") (word "b"))`},
		{`a OR b c`, `(or (word "a") (and (word "b") (word "c")))`},
		{`a b OR c`, `(or (and (word "a") (word "b")) (word "c"))`},
		{`a AND b OR c AND d`, `(or (and (word "a") (word "b")) (and (word "c") (word "d")))`},
		{`a OR b OR c`, `(or (word "a") (word "b") (word "c"))`},
		{`a OR (b OR c)`, `(or (word "a") (word "b") (word "c"))`},
		{`(a b) c`, `(and (word "a") (word "b") (word "c"))`},
		{`a (b c)`, `(and (word "a") (word "b") (word "c"))`},
		{`(a OR b) OR (c OR d)`, `(or (word "a") (word "b") (word "c") (word "d"))`},
		{`(a OR b) c`, `(and (or (word "a") (word "b")) (word "c"))`},
		{`a (b OR c)`, `(and (word "a") (or (word "b") (word "c")))`},
		{`((a))`, `(word "a")`},
		{`a(b)`, `(and (word "a") (word "b"))`},
		// NOT forms
		{`NOT a`, `(not (word "a"))`},
		{`-spam`, `(not (word "spam"))`},
		{`NOT a b`, `(and (not (word "a")) (word "b"))`},
		{`NOT a OR b`, `(or (not (word "a")) (word "b"))`},
		{`NOT (a OR b)`, `(not (or (word "a") (word "b")))`},
		{`NOT(a)`, `(not (word "a"))`},
		{`a NOT b`, `(and (word "a") (not (word "b")))`},
		{`a AND NOT b`, `(and (word "a") (not (word "b")))`},
		{`a OR NOT b`, `(or (word "a") (not (word "b")))`},
		{`a -b`, `(and (word "a") (not (word "b")))`},
		{`-"a b"`, `(not (phrase "a b"))`},
		{`-(a OR b)`, `(not (or (word "a") (word "b")))`},
		{`--a`, `(not (not (word "a")))`},
		{`NOT NOT a`, `(not (not (word "a")))`},
		{`NOT -a`, `(not (not (word "a")))`},
		{`-from:alice`, `(not (from (word "alice")))`},
		{`NOT-a`, `(word "NOT-a")`},
		{`-1`, `(not (word "1"))`},
		// NEAR
		{`a NEAR b`, `(near 5 (word "a") (word "b"))`},
		{`a NEAR(3) b`, `(near 3 (word "a") (word "b"))`},
		{`a NEAR(0) b`, `(near 0 (word "a") (word "b"))`},
		{`a NEAR(1000) b`, `(near 1000 (word "a") (word "b"))`},
		{`"a b" NEAR(2) "c d"`, `(near 2 (phrase "a b") (phrase "c d"))`},
		{`pric* NEAR list`, `(near 5 (prefix "pric") (word "list"))`},
		{`x a NEAR b y`, `(and (word "x") (near 5 (word "a") (word "b")) (word "y"))`},
		{`a NEAR b OR c`, `(or (near 5 (word "a") (word "b")) (word "c"))`},
		{`NOT a NEAR b`, `(not (near 5 (word "a") (word "b")))`},
		{`(a) NEAR b`, `(near 5 (word "a") (word "b"))`},
		// text properties
		{`from:alice`, `(from (word "alice"))`},
		{`From:Alice`, `(from (word "Alice"))`},
		{`FROM=alice`, `(from (word "alice"))`},
		{`from<>alice`, `(not (from (word "alice")))`},
		{`from:alice*`, `(from (prefix "alice"))`},
		{`from:"Alice Smith"`, `(from (phrase "Alice Smith"))`},
		{`from:“Alice Smith”`, `(from (phrase "Alice Smith"))`},
		{`from:alice@corp.example`, `(from (word "alice@corp.example"))`},
		{`to:bob`, `(to (word "bob"))`},
		{`participants:+15550100`, `(participants (word "+15550100"))`},
		{`subject:"q3 report"`, `(subject (phrase "q3 report"))`},
		{`body:合同`, `(body (word "合同"))`},
		{`attachmentnames:invoice.pdf`, `(attachmentnames (word "invoice.pdf"))`},
		{`folder:"WhatsApp Archiver"`, `(folder (phrase "WhatsApp Archiver"))`},
		{`mailbox:alice@corp.example`, `(mailbox (word "alice@corp.example"))`},
		{`from:NOT`, `(from (word "NOT"))`},
		{`(from:alice)`, `(from (word "alice"))`},
		{`price from:alice`, `(and (word "price") (from (word "alice")))`},
		// distributing a property over a group
		{`from:(alice OR bob)`, `(or (from (word "alice")) (from (word "bob")))`},
		{`from:(alice bob)`, `(and (from (word "alice")) (from (word "bob")))`},
		{`from:(alice AND bob)`, `(and (from (word "alice")) (from (word "bob")))`},
		{`from:(alice -bob)`, `(and (from (word "alice")) (not (from (word "bob"))))`},
		{`from:(alice NOT bob)`, `(and (from (word "alice")) (not (from (word "bob"))))`},
		{`from:(NOT bob)`, `(not (from (word "bob")))`},
		{`from:("Alice Smith" OR ali*)`, `(or (from (phrase "Alice Smith")) (from (prefix "ali")))`},
		{`from:((a OR b) c)`, `(and (or (from (word "a")) (from (word "b"))) (from (word "c")))`},
		{`from:(a) b`, `(and (from (word "a")) (word "b"))`},
		{`from:(a OR b) OR c`, `(or (from (word "a")) (from (word "b")) (word "c"))`},
		{`from<>(a OR b)`, `(not (or (from (word "a")) (from (word "b"))))`},
		{`-from:(a OR b)`, `(not (or (from (word "a")) (from (word "b"))))`},
		{`kind:(sms OR mms)`, `(or (kind sms) (kind mms))`},
		{`source:(whatsapp OR wechat)`, `(or (kind source=whatsapp) (kind source=wechat))`},
		{`sent:(2026-01-01 OR 1/31/2026)`, `(or (sent [2026-01-01T00:00:00Z, 2026-01-02T00:00:00Z)) (sent [2026-01-31T00:00:00Z, 2026-02-01T00:00:00Z)))`},
		{`sent:(2026-01-31T09:15:00Z OR today)`, `(or (sent [2026-01-31T09:15:00Z, 2026-01-31T09:15:01Z)) (sent [2026-03-01T00:00:00Z, 2026-03-02T00:00:00Z)))`},
		{`size>(1MB OR 2KB)`, `(or (size [1048577, +inf]) (size [2049, +inf]))`},
		{`size:(10KB..2MB -1MB)`, `(and (size [10240, 2097152]) (not (size [1048576, 1048576])))`},
		{`hasattachment:(true)`, `(hasattachment true)`},
		// kind and source
		{`kind:whatsapp`, `(kind source=whatsapp)`},
		{`kind:WeChat`, `(kind source=wechat)`},
		{`kind:enterprise-number`, `(kind source=enterprise-number)`},
		{`kind:externaldata`, `(kind any)`},
		{`kind:sms`, `(kind sms)`},
		{`kind:mms`, `(kind mms)`},
		{`kind:call`, `(kind call call_log voice_recording)`},
		{`kind:voicemail`, `(kind voice_recording)`},
		{`kind:chat`, `(kind chat)`},
		{`kind:attachment`, `(kind attachment)`},
		{`kind:file`, `(kind file)`},
		{`kind:deleted`, `(kind deleted)`},
		{`kind:recalled`, `(kind recalled)`},
		{`kind:edit`, `(kind edit)`},
		{`kind:reaction`, `(kind reaction)`},
		{`kind:location`, `(kind location)`},
		{`kind:contact`, `(kind contact)`},
		{`kind:system`, `(kind system)`},
		{`kind:call_log`, `(kind call_log)`},
		{`kind:voice_recording`, `(kind voice_recording)`},
		{`kind="sms"`, `(kind sms)`},
		{`kind<>sms`, `(not (kind sms))`},
		{`source:whatsapp`, `(kind source=whatsapp)`},
		{`source:WECHAT`, `(kind source=wechat)`},
		{`source=enterprise-number`, `(kind source=enterprise-number)`},
		// hasattachment
		{`hasattachment:true`, `(hasattachment true)`},
		{`hasattachment:yes`, `(hasattachment true)`},
		{`HasAttachment:False`, `(hasattachment false)`},
		{`hasattachment=no`, `(hasattachment false)`},
		{`hasattachment<>true`, `(not (hasattachment true))`},
		// everything together
		{`price from:alice sent>=2026-01-01 sent<2026-02-01`, `(and (word "price") (from (word "alice")) (sent [2026-01-01T00:00:00Z, +inf)) (sent [-inf, 2026-02-01T00:00:00Z)))`},
		{`(from:alice OR to:alice) kind:whatsapp hasattachment:yes -kind:deleted`, `(and (or (from (word "alice")) (to (word "alice"))) (kind source=whatsapp) (hasattachment true) (not (kind deleted)))`},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			if got := parse(t, tt.q); got != tt.want {
				t.Errorf("Parse(%q)\n got %s\nwant %s", tt.q, got, tt.want)
			}
		})
	}
}

func TestDates(t *testing.T) {
	tests := []struct {
		q, want string
	}{
		{`sent:2026-01-31`, `(sent [2026-01-31T00:00:00Z, 2026-02-01T00:00:00Z))`},
		{`sent=2026-01-31`, `(sent [2026-01-31T00:00:00Z, 2026-02-01T00:00:00Z))`},
		{`sent>=2026-01-01`, `(sent [2026-01-01T00:00:00Z, +inf))`},
		{`sent>2026-01-01`, `(sent [2026-01-02T00:00:00Z, +inf))`},
		{`sent<2026-01-01`, `(sent [-inf, 2026-01-01T00:00:00Z))`},
		{`sent<=2026-01-31`, `(sent [-inf, 2026-02-01T00:00:00Z))`},
		{`sent<>2026-01-31`, `(not (sent [2026-01-31T00:00:00Z, 2026-02-01T00:00:00Z)))`},
		{`sent:2026-01-01..2026-01-31`, `(sent [2026-01-01T00:00:00Z, 2026-02-01T00:00:00Z))`},
		{`sent=2026-01-01..2026-01-01`, `(sent [2026-01-01T00:00:00Z, 2026-01-02T00:00:00Z))`},
		{`sent:2025-12-31`, `(sent [2025-12-31T00:00:00Z, 2026-01-01T00:00:00Z))`},
		{`sent<=2025-12-31`, `(sent [-inf, 2026-01-01T00:00:00Z))`},
		{`sent:2028-02-29`, `(sent [2028-02-29T00:00:00Z, 2028-03-01T00:00:00Z))`},
		{`received:2026-02-28`, `(received [2026-02-28T00:00:00Z, 2026-03-01T00:00:00Z))`},
		{`RECEIVED>2026-02-28`, `(received [2026-03-01T00:00:00Z, +inf))`},
		// US dates
		{`sent:1/31/2026`, `(sent [2026-01-31T00:00:00Z, 2026-02-01T00:00:00Z))`},
		{`sent:01/05/2026`, `(sent [2026-01-05T00:00:00Z, 2026-01-06T00:00:00Z))`},
		{`sent:12/1/2026..1/2/2027`, `(sent [2026-12-01T00:00:00Z, 2027-01-03T00:00:00Z))`},
		{`sent:2/29/2028`, `(sent [2028-02-29T00:00:00Z, 2028-03-01T00:00:00Z))`},
		// RFC 3339 times: a second, or the written fraction of one
		{`sent:2026-01-31T09:15:00Z`, `(sent [2026-01-31T09:15:00Z, 2026-01-31T09:15:01Z))`},
		{`sent>=2026-01-31T09:15:00Z`, `(sent [2026-01-31T09:15:00Z, +inf))`},
		{`sent>2026-01-31T09:15:00Z`, `(sent [2026-01-31T09:15:01Z, +inf))`},
		{`sent<2026-01-31T09:15:00Z`, `(sent [-inf, 2026-01-31T09:15:00Z))`},
		{`sent<=2026-01-31T09:15:00Z`, `(sent [-inf, 2026-01-31T09:15:01Z))`},
		{`sent>2026-01-31T09:15:00.5Z`, `(sent [2026-01-31T09:15:00.6Z, +inf))`},
		{`sent:2026-01-31T09:15:00.123456789Z`, `(sent [2026-01-31T09:15:00.123456789Z, 2026-01-31T09:15:00.12345679Z))`},
		{`sent:2026-01-31t09:15:00z`, `(sent [2026-01-31T09:15:00Z, 2026-01-31T09:15:01Z))`},
		{`sent>=2026-01-01T00:30:00+01:00`, `(sent [2025-12-31T23:30:00Z, +inf))`},
		{`sent:2026-01-01T00:00:00Z..2026-01-01T12:00:00Z`, `(sent [2026-01-01T00:00:00Z, 2026-01-01T12:00:01Z))`},
		{`sent:2026-01-01..2026-01-01T12:00:00Z`, `(sent [2026-01-01T00:00:00Z, 2026-01-01T12:00:01Z))`},
		// relative days are the UTC days of Options.Now
		{`sent:today`, `(sent [2026-03-01T00:00:00Z, 2026-03-02T00:00:00Z))`},
		{`sent:TODAY`, `(sent [2026-03-01T00:00:00Z, 2026-03-02T00:00:00Z))`},
		{`sent:yesterday`, `(sent [2026-02-28T00:00:00Z, 2026-03-01T00:00:00Z))`},
		{`sent>=yesterday`, `(sent [2026-02-28T00:00:00Z, +inf))`},
		{`sent<today`, `(sent [-inf, 2026-03-01T00:00:00Z))`},
		{`received:yesterday..today`, `(received [2026-02-28T00:00:00Z, 2026-03-02T00:00:00Z))`},
		{`sent:"2026-01-31"`, `(sent [2026-01-31T00:00:00Z, 2026-02-01T00:00:00Z))`},
		{`sent:" today "`, `(sent [2026-03-01T00:00:00Z, 2026-03-02T00:00:00Z))`},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			if got := parse(t, tt.q); got != tt.want {
				t.Errorf("Parse(%q)\n got %s\nwant %s", tt.q, got, tt.want)
			}
		})
	}
}

func TestRelativeDays(t *testing.T) {
	hk := time.FixedZone("HKT", 8*3600)
	tests := []struct {
		now  time.Time
		q    string
		want string
	}{
		{time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), `sent:yesterday`, `(sent [2025-12-31T00:00:00Z, 2026-01-01T00:00:00Z))`},
		{time.Date(2028, 3, 1, 23, 59, 59, 0, time.UTC), `sent:yesterday`, `(sent [2028-02-29T00:00:00Z, 2028-03-01T00:00:00Z))`},
		{time.Date(2026, 12, 31, 23, 59, 59, 999, time.UTC), `sent:today`, `(sent [2026-12-31T00:00:00Z, 2027-01-01T00:00:00Z))`},
		// 07:00 on 2 March in Hong Kong is still 1 March in UTC.
		{time.Date(2026, 3, 2, 7, 0, 0, 0, hk), `sent:today`, `(sent [2026-03-01T00:00:00Z, 2026-03-02T00:00:00Z))`},
	}
	for _, tt := range tests {
		t.Run(tt.now.String()+" "+tt.q, func(t *testing.T) {
			n, err := Parse(tt.q, Options{Now: tt.now})
			if err != nil {
				t.Fatal(err)
			}
			if got := n.String(); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
	if _, err := Parse(`sent:today`, Options{}); err == nil || !strings.Contains(err.Error(), "Options.Now") {
		t.Errorf("today without Now: %v", err)
	}
}

func TestSizes(t *testing.T) {
	tests := []struct {
		q, want string
	}{
		{`size:500`, `(size [500, 500])`},
		{`size=500`, `(size [500, 500])`},
		{`size>500`, `(size [501, +inf])`},
		{`size>=500`, `(size [500, +inf])`},
		{`size<500`, `(size [-inf, 499])`},
		{`size<=500`, `(size [-inf, 500])`},
		{`size<>500`, `(not (size [500, 500]))`},
		{`size>1MB`, `(size [1048577, +inf])`},
		{`size>=1mb`, `(size [1048576, +inf])`},
		{`size<10KB`, `(size [-inf, 10239])`},
		{`size<=2Gb`, `(size [-inf, 2147483648])`},
		{`size:10KB..2MB`, `(size [10240, 2097152])`},
		{`size:0..1`, `(size [0, 1])`},
		{`size:1.5MB`, `(size [1572864, 1572864])`},
		{`size>1.3KB`, `(size [1332, +inf])`},  // 1331.2
		{`size>=1.3KB`, `(size [1332, +inf])`}, // 1331.2
		{`size<1.3KB`, `(size [-inf, 1331])`},
		{`size<=1.3KB`, `(size [-inf, 1331])`},
		{`size:1.3KB..1.4KB`, `(size [1332, 1433])`}, // 1331.2..1433.6
		{`size<1`, `(size [-inf, 0])`},
		{`size<0.5`, `(size [-inf, 0])`},
		{`size>=0`, `(size [0, +inf])`},
		{`size:1073741824GB`, `(size [1152921504606846976, 1152921504606846976])`},
		{`size:"1MB"`, `(size [1048576, 1048576])`},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			if got := parse(t, tt.q); got != tt.want {
				t.Errorf("Parse(%q)\n got %s\nwant %s", tt.q, got, tt.want)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	const knownProps = "from, to, participants, subject, body, attachmentnames, folder, mailbox, kind, source, sent, received, size, hasattachment"
	tests := []struct {
		q    string
		want string // the whole Error(), column included
	}{
		// empty
		{``, `column 1: empty query`},
		{`   `, `column 1: empty query`},
		{`!!! ,, 👍`, `column 1: empty query: there is no word to search for (punctuation and symbols are ignored)`},
		// quotes
		{`"price from:`, `column 1: unclosed quote: add a closing " to end the phrase`},
		{`price "from: alice`, `column 7: unclosed quote: add a closing " to end the phrase`},
		{`合同 “已经`, `column 4: unclosed quote: add a closing " to end the phrase`},
		{`""`, `column 1: empty phrase: there is no letter or digit between the quotes`},
		{`a " , "`, `column 3: empty phrase: there is no letter or digit between the quotes`},
		// wildcards
		{`*`, `column 1: a wildcard "*" must end a word, as in pric*; leading wildcards are not supported`},
		{`*pric`, `column 1: a wildcard "*" must end a word, as in pric*; leading wildcards are not supported`},
		{`pr*ce`, `column 3: a wildcard "*" can only end a word, as in pric*`},
		{`pric**`, `column 5: a wildcard "*" can only end a word, as in pric*`},
		{`"annual rep*"`, `column 12: a wildcard "*" does not work in a phrase; remove it, or search for a prefix outside quotes, as in pric*`},
		{`"annual report"*`, `column 16: a wildcard "*" does not work on a phrase; use a prefix word outside quotes, as in pric*`},
		// parentheses
		{`a)`, `column 2: unbalanced parenthesis: ")" has no "("`},
		{`(a OR b))`, `column 9: unbalanced parenthesis: ")" has no "("`},
		{`) a`, `column 1: unbalanced parenthesis: ")" has no "("`},
		{`(a b`, `column 1: unclosed parenthesis: "(" has no ")"`},
		{`a (`, `column 3: unclosed parenthesis: "(" has no ")"`},
		{`((a)`, `column 1: unclosed parenthesis: "(" has no ")"`},
		{`()`, `column 1: empty parentheses: expected a query between ( and )`},
		{`a ( ) b`, `column 3: empty parentheses: expected a query between ( and )`},
		// operators without operands
		{`AND a`, `column 1: AND needs a term on its left`},
		{`a OR (AND b)`, `column 7: AND needs a term on its left`},
		{`OR`, `column 1: OR needs a term on its left`},
		{`a AND`, `column 3: AND needs a term on its right`},
		{`a OR`, `column 3: OR needs a term on its right`},
		{`a OR OR b`, `column 3: OR needs a term on its right`},
		{`a AND OR b`, `column 3: AND needs a term on its right`},
		{`(a OR) b`, `column 4: OR needs a term on its right`},
		{`NOT`, `column 1: NOT needs a term on its right`},
		{`a NOT`, `column 3: NOT needs a term on its right`},
		{`(NOT)`, `column 2: NOT needs a term on its right`},
		{`a -`, `column 3: "-" must be directly followed by the term to leave out, as in -spam`},
		{`a - b`, `column 3: "-" must be directly followed by the term to leave out, as in -spam`},
		{`合同 AND`, `column 4: AND needs a term on its right`},
		// NEAR
		{`NEAR b`, `column 1: NEAR needs a word or phrase on its left`},
		{`a NEAR`, `column 3: NEAR needs a word or phrase on its right`},
		{`a NEAR (b c)`, `column 3: NEAR needs a word or phrase on its right`},
		{`a NEAR -b`, `column 3: NEAR needs a word or phrase on its right`},
		{`a NEAR from:b`, `column 3: NEAR needs a word or phrase on its right`},
		{`from:a NEAR b`, `column 8: NEAR needs a word or phrase on its left`},
		{`(a b) NEAR c`, `column 7: NEAR needs a word or phrase on its left`},
		{`a NEAR b NEAR c`, `column 10: NEAR joins two words or phrases and cannot be chained: write (a NEAR b) AND (b NEAR c)`},
		{`a NEAR() b`, `column 7: NEAR( must be followed by a number of words and ")", as in NEAR(5)`},
		{`a NEAR(x) b`, `column 7: NEAR( must be followed by a number of words and ")", as in NEAR(5)`},
		{`a NEAR(5 b`, `column 7: NEAR( must be followed by a number of words and ")", as in NEAR(5)`},
		{`a NEAR(1001) b`, `column 8: NEAR(1001) is too far: at most NEAR(1000)`},
		{`a NEAR(99999999999999999999999) b`, `column 8: NEAR(99999999999999999999999) is too far: at most NEAR(1000)`},
		// properties
		{`foo:bar`, `column 1: unknown property "foo": the properties are ` + knownProps + `; to search for text containing ":", put it in double quotes`},
		{`price Date>2026-01-01`, `column 7: unknown property "Date": the properties are ` + knownProps + `; to search for text containing ">", put it in double quotes`},
		{`http://x.example`, `column 1: unknown property "http": the properties are ` + knownProps + `; to search for text containing ":", put it in double quotes`},
		{`meet 10:30`, `column 6: unknown property "10": the properties are ` + knownProps + `; to search for text containing ":", put it in double quotes`},
		{`from:`, `column 6: expected a value after "from:"`},
		{`From:`, `column 6: expected a value after "From:"`},
		{`(from:)`, `column 7: expected a value after "from:"`},
		{`from: alice`, `column 6: expected a value after "from:": remove the space before the value`},
		{`size>= 1MB`, `column 7: expected a value after "size>=": remove the space before the value`},
		{`from:,alice`, `column 6: expected a value after "from:": a word, a prefix word* or a "phrase"`},
		{`from:*`, `column 6: expected a value after "from:": a word, a prefix word* or a "phrase"`},
		{`from:"alice`, `column 6: unclosed quote: add a closing " to end the phrase`},
		{`from:ali*ce`, `column 9: a wildcard "*" can only end a word, as in pric*`},
		{`from:alice:bob`, `column 11: unexpected ":": a property is written name:value with no spaces, as in from:alice or size>1MB`},
		{`from>alice`, `column 5: from takes ":", "=" or "<>", not ">"`},
		{`subject<=x`, `column 8: subject takes ":", "=" or "<>", not "<="`},
		{`kind<sms`, `column 5: kind takes ":", "=" or "<>", not "<"`},
		{`hasattachment>=true`, `column 14: hasattachment takes ":", "=" or "<>", not ">="`},
		{`a :b`, `column 3: unexpected ":": a property is written name:value with no spaces, as in from:alice or size>1MB`},
		{`a = b`, `column 3: unexpected "=": a property is written name=value with no spaces, as in from:alice or size>1MB`},
		{`<a>`, `column 1: unexpected "<": a property is written name<value with no spaces, as in from:alice or size>1MB`},
		// property groups
		{`from:()`, `column 6: empty group: expected values after "from:(", as in from:(alice OR bob)`},
		{`from:(a`, `column 6: unclosed parenthesis: "(" has no ")"`},
		{`from:(a OR`, `column 9: OR needs a term on its right`},
		{`from:(to:b)`, `column 7: a property cannot be used in the group of "from:" values: write (from:alice OR to:bob), not from:(alice OR to:bob)`},
		{`from:(a x:b)`, `column 9: unknown property "x": the properties are ` + knownProps + `; to search for text containing ":", put it in double quotes`},
		{`from:(a NEAR b)`, `column 9: NEAR cannot be used in a group of property values`},
		{`kind:(sms OR foo)`, `column 14: unknown kind "foo": use one of whatsapp, wechat, sms, mms, call, voicemail, chat, attachment, file, deleted, recalled, edit, reaction, location, contact, system, call_log, voice_recording, enterprise-number, externaldata`},
		{`sent:(2026-01-01 OR x)`, `column 21: invalid date "x": write 2026-01-31, 1/31/2026, 2026-01-31T09:15:00Z, today or yesterday`},
		// kind and source
		{`kind:foo`, `column 6: unknown kind "foo": use one of whatsapp, wechat, sms, mms, call, voicemail, chat, attachment, file, deleted, recalled, edit, reaction, location, contact, system, call_log, voice_recording, enterprise-number, externaldata`},
		{`kind:email`, `column 6: unknown kind "email": use one of whatsapp, wechat, sms, mms, call, voicemail, chat, attachment, file, deleted, recalled, edit, reaction, location, contact, system, call_log, voice_recording, enterprise-number, externaldata`},
		{`source:sms`, `column 8: unknown source "sms": use one of whatsapp, wechat, enterprise-number`},
		// dates
		{`sent:2026-01`, `column 6: invalid date "2026-01": write 2026-01-31, 1/31/2026, 2026-01-31T09:15:00Z, today or yesterday`},
		{`sent:31/01/2026`, `column 6: no such date: "31/01/2026"`},
		{`sent:2026-02-30`, `column 6: no such date: "2026-02-30"`},
		{`sent:2026-13-01`, `column 6: no such date: "2026-13-01"`},
		{`sent:2026-00-10`, `column 6: no such date: "2026-00-10"`},
		{`sent:2/29/2027`, `column 6: no such date: "2/29/2027"`},
		{`sent:1/31/26`, `column 6: invalid date "1/31/26": write 2026-01-31, 1/31/2026, 2026-01-31T09:15:00Z, today or yesterday`},
		{`sent:2026-01-31T09:15:00`, `column 6: invalid time "2026-01-31T09:15:00": write RFC 3339 with a time zone, as in 2026-01-31T09:15:00Z`},
		{`sent:2026-01-31T25:00:00Z`, `column 6: invalid time "2026-01-31T25:00:00Z": write RFC 3339 with a time zone, as in 2026-01-31T09:15:00Z`},
		{`sent:"this week"`, `column 7: invalid date "this week": write 2026-01-31, 1/31/2026, 2026-01-31T09:15:00Z, today or yesterday`},
		{`sent<2026-01-01..2026-02-01`, `column 5: a range takes ":", as in sent:2026-01-01..2026-01-31`},
		{`sent:2026-02-01..2026-01-01`, `column 6: empty range: 2026-02-01..2026-01-01 ends before it starts`},
		{`sent:..2026-01-01`, `column 6: a range needs a start and an end, as in sent:2026-01-01..2026-01-31; for an open range write sent>=2026-01-01`},
		{`received:2026-01-01..`, `column 10: a range needs a start and an end, as in received:2026-01-01..2026-01-31; for an open range write received>=2026-01-01`},
		{`sent:2026-01-01..2026-01-32`, `column 18: no such date: "2026-01-32"`},
		{`sent:2026-01-01..2026-01-02..2026-01-03`, `column 18: invalid date "2026-01-02..2026-01-03": write 2026-01-31, 1/31/2026, 2026-01-31T09:15:00Z, today or yesterday`},
		// sizes
		{`size>abc`, `column 6: invalid size "abc": write a number of bytes, KB, MB or GB, as in 500, 10KB or 1.5MB`},
		{`size>1TB`, `column 6: invalid size "1TB": write a number of bytes, KB, MB or GB, as in 500, 10KB or 1.5MB`},
		{`size>-1`, `column 6: invalid size "-1": write a number of bytes, KB, MB or GB, as in 500, 10KB or 1.5MB`},
		{`size>.5MB`, `column 6: invalid size ".5MB": write a number of bytes, KB, MB or GB, as in 500, 10KB or 1.5MB`},
		{`size>5.MB`, `column 6: invalid size "5.MB": write a number of bytes, KB, MB or GB, as in 500, 10KB or 1.5MB`},
		{`size:1.3KB`, `column 6: size 1.3KB is not a whole number of bytes`},
		{`size<0`, `column 6: no size is smaller than 0`},
		{`size:2MB..1MB`, `column 6: empty range: 2MB..1MB ends before it starts`},
		{`size:1.1..1.9`, `column 6: empty range: 1.1..1.9 ends before it starts`},
		{`size>1..2`, `column 5: a range takes ":", as in size:10KB..2MB`},
		{`size:1073741825GB`, `column 6: size "1073741825GB" is too large: at most 1073741824GB`},
		{`size:99999999999999999999999999`, `column 6: invalid size "99999999999999999999999999": write a number of bytes, KB, MB or GB, as in 500, 10KB or 1.5MB`},
		// hasattachment
		{`hasattachment:maybe`, `column 15: hasattachment takes true, false, yes or no, not "maybe"`},
		{`hasattachment:1`, `column 15: hasattachment takes true, false, yes or no, not "1"`},
		// encoding
		{"a\xffb", `column 2: invalid UTF-8 byte 0xff`},
		{"合同\xe5", `column 3: invalid UTF-8 byte 0xe5`},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			n, err := Parse(tt.q, Options{Now: now})
			if err == nil {
				t.Fatalf("Parse(%q) = %s, want error %q", tt.q, n, tt.want)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse(%q): error %T, want *Error", tt.q, err)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("Parse(%q)\n got %s\nwant %s", tt.q, got, tt.want)
			}
			if e.Pos < 0 || e.Pos > len(tt.q) || e.Column != column(tt.q, e.Pos) {
				t.Errorf("Parse(%q): Pos %d, Column %d do not agree", tt.q, e.Pos, e.Column)
			}
		})
	}
}

func TestPositions(t *testing.T) {
	q := `合同 -from:(alice OR "bob x") sent>2026-01-01 a NEAR(2) b`
	n, err := Parse(q, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	walk(n, func(n Node) {
		got = append(got, q[n.Pos():])
	})
	want := []string{
		q,                        // and: where its first operand begins
		q,                        // 合同
		`-from:(alice`,           // not
		`from:(alice`,            // or: where its first operand begins
		`from:(alice`,            // from:alice: where the property name begins
		`alice OR`,               // alice
		`from:(alice`,            // from:"bob x"
		`"bob x"`,                // "bob x"
		`sent>2026-01-01 a NEAR`, // sent
		`a NEAR(2) b`,            // near
		`a NEAR(2) b`,            // a
		`b`,                      // b
	}
	if len(got) != len(want) {
		t.Fatalf("got %d nodes, want %d: %s", len(got), len(want), n)
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("node %d is at %q, want %q", i, got[i], want[i])
		}
	}
}

func TestLimits(t *testing.T) {
	t.Run("length", func(t *testing.T) {
		ok := strings.Repeat("ab ", MaxLen/3) + strings.Repeat("x", MaxLen%3)
		if _, err := Parse(ok, Options{}); err != nil {
			t.Errorf("%d bytes: %v", len(ok), err)
		}
		_, err := Parse(ok+"y", Options{})
		var e *Error
		if !errors.As(err, &e) || e.Pos != MaxLen || !strings.Contains(e.Msg, "too long") {
			t.Errorf("%d bytes: %v", len(ok)+1, err)
		}
		// a long multi-byte query: the position is at the start of a rune
		_, err = Parse(strings.Repeat("é", MaxLen), Options{})
		if !errors.As(err, &e) || e.Pos != MaxLen || e.Column != MaxLen/2+1 {
			t.Errorf("multi-byte: %+v", err)
		}
		_, err = Parse("a"+strings.Repeat("é", MaxLen), Options{})
		if !errors.As(err, &e) || e.Pos != MaxLen-1 {
			t.Errorf("multi-byte, odd: %+v", err)
		}
	})
	nest := func(open, close string, n int) string {
		return strings.Repeat(open, n) + "a" + strings.Repeat(close, n)
	}
	tests := []struct {
		name string
		q    string
		ok   bool
	}{
		{"parentheses", nest("(", ")", MaxDepth), true},
		{"parentheses", nest("(", ")", MaxDepth+1), false},
		{"NOT", nest("NOT ", "", MaxDepth), true},
		{"NOT", nest("NOT ", "", MaxDepth+1), false},
		{"minus", nest("-", "", MaxDepth), true},
		{"minus", nest("-", "", MaxDepth+1), false},
		{"mixed", nest("(-", ")", MaxDepth/2), true},
		{"mixed", nest("(-", ")", MaxDepth/2+1), false},
		{"group", "from:" + nest("(", ")", MaxDepth), true},
		{"group", "from:" + nest("(", ")", MaxDepth+1), false},
		{"siblings", strings.Repeat(nest("(", ")", MaxDepth)+" ", 20), true},
		{"unclosed", strings.Repeat("(", MaxLen), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := Parse(tt.q, Options{})
			if tt.ok {
				if err != nil {
					t.Fatal(err)
				}
				checkTree(t, tt.q, n)
				return
			}
			if err == nil || !strings.Contains(err.Error(), "nests too deeply") {
				t.Fatalf("got %v, want too deep", err)
			}
		})
	}
}

// TestLongQueries checks that the largest queries parse quickly: there is
// no quadratic work.
func TestLongQueries(t *testing.T) {
	for _, q := range []string{
		strings.Repeat("a ", MaxLen/2),
		strings.Repeat("a OR ", MaxLen/5),
		strings.Repeat("from:a ", MaxLen/7),
		"from:(" + strings.Repeat("a OR ", MaxLen/5-2) + "b)",
		strings.Repeat(",", MaxLen-1) + "a",
		`"` + strings.Repeat("a", MaxLen-1),
	} {
		start := time.Now()
		n, err := Parse(q, Options{})
		if err == nil {
			checkTree(t, q, n)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("%.20q…: %v", q, d)
		}
	}
}

func TestString(t *testing.T) {
	day := func(d int) *time.Time {
		v := time.Date(2026, 1, d, 0, 0, 0, 0, time.FixedZone("X", 3600))
		return &v
	}
	n := func(v int64) *int64 { return &v }
	a, b, c := &Word{Text: "a"}, &Word{Text: `b "q"`, Prefix: true}, &Phrase{Text: "c\nd"}
	tests := []struct {
		node Node
		want string
	}{
		{&And{Operands: []Node{a, &And{Operands: []Node{b, c}}}}, `(and (word "a") (prefix "b \"q\"") (phrase "c\nd"))`},
		{&Or{Operands: []Node{&Or{Operands: []Node{a, b}}, &And{Operands: []Node{a, c}}}}, `(or (word "a") (prefix "b \"q\"") (and (word "a") (phrase "c\nd")))`},
		{&Not{X: &Or{Operands: []Node{a, nil}}}, `(not (or (word "a") (nil)))`},
		{&Near{Left: a, Right: c, Distance: 7}, `(near 7 (word "a") (phrase "c\nd"))`},
		{&Text{Field: FieldAttachmentNames, Term: c}, `(attachmentnames (phrase "c\nd"))`},
		{&Kind{Sources: []item.Source{item.WeChat}, Kinds: []item.Kind{item.Chat, item.File}}, `(kind chat file source=wechat)`},
		{&Kind{}, `(kind any)`},
		{&DateRange{Field: FieldReceived, From: day(1), To: day(2)}, `(received [2025-12-31T23:00:00Z, 2026-01-01T23:00:00Z))`},
		{&DateRange{Field: FieldSent}, `(sent [-inf, +inf))`},
		{&SizeRange{Min: n(0), Max: n(1 << 40)}, `(size [0, 1099511627776])`},
		{&HasAttachment{}, `(hasattachment false)`},
	}
	for _, tt := range tests {
		if got := tt.node.String(); got != tt.want {
			t.Errorf("got %s\nwant %s", got, tt.want)
		}
	}
}

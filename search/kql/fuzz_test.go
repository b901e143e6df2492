package kql

import (
	"errors"
	"testing"
	"unicode/utf8"
)

// FuzzParse checks that Parse never panics, that every error is an *Error
// with a position in the query, and that every tree keeps its invariants
// (see checkTree) and prints.
func FuzzParse(f *testing.F) {
	for _, q := range []string{
		`price`, `"annual report" NEAR(3) pric*`, `a OR b c -d NOT e`,
		`from:(alice OR "bob smith") to:bob* participants:+15550100`,
		`kind:(sms OR whatsapp) source:wechat hasattachment:yes`,
		`sent:2026-01-01..1/31/2026 received>=2026-01-31T09:15:00.5Z sent<today`,
		`size:10KB..2MB size>1.5MB`, `合同已经 عقد café`, `“typo”`, `"price from:`,
		`((a)`, `from:()`, `x NEAR y NEAR z`, `http://x`, "\xff",
	} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, q string) {
		n, err := Parse(q, Options{Now: now})
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse(%q): error %T %v, want *Error", q, err, err)
			}
			if e.Pos < 0 || e.Pos > len(q) || e.Column < 1 || e.Msg == "" {
				t.Fatalf("Parse(%q): bad error %+v", q, e)
			}
			if utf8.ValidString(q) && len(q) <= MaxLen && e.Column != column(q, e.Pos) {
				t.Fatalf("Parse(%q): column %d for offset %d", q, e.Column, e.Pos)
			}
			return
		}
		if n == nil {
			t.Fatalf("Parse(%q): nil node and nil error", q)
		}
		checkTree(t, q, n)
		if n.String() == "" {
			t.Fatalf("Parse(%q): empty String", q)
		}
	})
}

package retention

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/custos-archive/custos/item"
)

var sent = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func day(n int) time.Time { return sent.AddDate(0, 0, n) }

func TestEvaluatePrinciples(t *testing.T) {
	all := Scope{Kind: All}
	wa := Scope{Kind: Source, Source: item.WhatsApp}
	alice := Scope{Kind: Mailboxes, Mailboxes: []string{"alice@corp.example"}}
	c := Copy{Source: "whatsapp", Folder: "WhatsApp Archiver", Mailbox: "alice@corp.example", Sent: sent}
	pol := func(id int64, a Action, days int, sc Scope) Policy {
		return Policy{ID: id, Name: fmt.Sprint(id), Action: a, Days: days, Scope: sc}
	}
	for _, tc := range []struct {
		name      string
		ps        []Policy
		retain    time.Time // zero: none
		due       time.Time // zero: never
		retainer  int64
		deleterID int64
	}{
		{"none", nil, time.Time{}, time.Time{}, 0, 0},
		{"retain only", []Policy{pol(1, Retain, 30, all)}, day(30), time.Time{}, 1, 0},
		{"delete only", []Policy{pol(1, Delete, 30, all)}, time.Time{}, day(30), 0, 1},
		{"retain then delete", []Policy{pol(1, RetainDelete, 30, all)}, day(30), day(30), 1, 1},
		{"retention beats deletion", []Policy{pol(1, Delete, 30, all), pol(2, Retain, 90, all)}, day(90), day(90), 2, 1},
		{"longest retention wins", []Policy{pol(1, Retain, 90, all), pol(2, RetainDelete, 365, wa), pol(3, Retain, 30, alice)}, day(365), day(365), 2, 2},
		{"explicit deletion beats broad", []Policy{pol(1, Delete, 10, all), pol(2, Delete, 400, alice)}, time.Time{}, day(400), 0, 2},
		{"source beats all", []Policy{pol(1, Delete, 10, all), pol(2, Delete, 50, wa)}, time.Time{}, day(50), 0, 2},
		{"shortest deletion among equals", []Policy{pol(1, Delete, 50, wa), pol(2, Delete, 20, Scope{Kind: Folder, Folder: "whatsapp archiver"})}, time.Time{}, day(20), 0, 2},
		{"out of scope", []Policy{pol(1, Delete, 5, Scope{Kind: Source, Source: item.WeChat}), pol(2, Retain, 5, Scope{Kind: Mailboxes, Mailboxes: []string{"bob@corp.example"}})}, time.Time{}, time.Time{}, 0, 0},
	} {
		d := Evaluate(tc.ps, c)
		due, ok := d.Due()
		if !d.RetainUntil.Equal(tc.retain) || ok != !tc.due.IsZero() || ok && !due.Equal(tc.due) {
			t.Errorf("%s: retain until %v, due %v %v; want %v, %v", tc.name, d.RetainUntil, due, ok, tc.retain, tc.due)
		}
		if tc.retainer != 0 && (d.Retainer == nil || d.Retainer.ID != tc.retainer) || tc.deleterID != 0 && (d.Deleter == nil || d.Deleter.ID != tc.deleterID) {
			t.Errorf("%s: retainer %v deleter %v", tc.name, d.Retainer, d.Deleter)
		}
		if ok && (d.DueBy(due.Add(-time.Millisecond)) || !d.DueBy(due)) {
			t.Errorf("%s: DueBy wrong at the edge", tc.name)
		}
		if !tc.retain.IsZero() && (!d.Retained(tc.retain.Add(-time.Millisecond)) || d.Retained(tc.retain)) {
			t.Errorf("%s: Retained wrong at the edge", tc.name)
		}
	}
}

func TestValidate(t *testing.T) {
	ok := Policy{Name: "seven years", Action: RetainDelete, Days: 2555, Scope: Scope{Kind: All}}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		edit func(*Policy)
		want string
	}{
		{func(p *Policy) { p.Days = -1 }, "negative"},
		{func(p *Policy) { p.Days = 0 }, "1 or more"},
		{func(p *Policy) { p.Name = " " }, "name"},
		{func(p *Policy) { p.Action = "keep" }, "retain, delete or retain-delete"},
		{func(p *Policy) { p.Scope = Scope{Kind: Source, Source: "telegram"} }, "telegram"},
		{func(p *Policy) { p.Scope = Scope{Kind: Folder} }, "folder"},
		{func(p *Policy) { p.Scope = Scope{Kind: Mailboxes} }, "mailbox"},
		{func(p *Policy) { p.Scope = Scope{Kind: "everything"} }, "want all"},
	} {
		p := ok
		tc.edit(&p)
		err := p.Validate()
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", p, err, tc.want)
		}
	}
}

func ExampleEvaluate() {
	ps := []Policy{
		{ID: 1, Name: "chats", Action: Delete, Days: 365, Scope: Scope{Kind: Source, Source: item.WhatsApp}},
		{ID: 2, Name: "books and records", Action: Retain, Days: 6 * 365, Scope: Scope{Kind: Mailboxes, Mailboxes: []string{"trader@corp.example"}}},
	}
	c := Copy{Source: "whatsapp", Folder: "WhatsApp Archiver", Mailbox: "trader@corp.example", Sent: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	d := Evaluate(ps, c)
	due, _ := d.Due()
	fmt.Println(due.Format("2006-01-02"))
	fmt.Println(d.Why())
	// Output:
	// 2031-12-31
	// policy 1 "chats" (delete after 365 days, source whatsapp), after policy 2 "books and records" (retain 2190 days, mailboxes trader@corp.example)'s retention ran out on 2031-12-31
}

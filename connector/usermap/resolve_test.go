package usermap

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestResolve(t *testing.T) {
	tab, err := parseString(t, "US", `phone,email,valid_from,valid_to
+12025550143,alice@corp.example,,2024-06-30
+12025550143,bob@corp.example,2024-07-01,
+12025550199,Carol@Corp.Example,,
+12025550177,gone@corp.example,,
`)
	if err != nil {
		t.Fatal(err)
	}
	mailboxes := map[string]bool{
		"alice@corp.example": true,
		"bob@corp.example":   true,
		"carol@corp.example": true,
		"dave@corp.example":  true,
	}
	exists := func(a string) bool { return mailboxes[a] }
	june := time.Date(2024, 6, 15, 12, 0, 0, 0, time.UTC)
	july := time.Date(2024, 7, 15, 12, 0, 0, 0, time.UTC)

	alice := Participant{Name: "Alice", Phone: "+12025550143"}
	carol := Participant{Name: "Carol", Phone: "+12025550199", Email: "carol@partner.example"}
	dave := Participant{Name: "Dave", Phone: "+12025550111", Email: " Dave@Corp.Example "}
	gone := Participant{Name: "Gone", Phone: "+12025550177", Email: "dave@corp.example"}
	goneNoEmail := Participant{Name: "Gone", Phone: "+12025550177"}
	ext := Participant{Name: "Ext", Phone: "+12025550100", Email: "ext@partner.example"}
	noPhone := Participant{Name: "Web", Email: "ext@partner.example"}
	nobody := Participant{}

	tests := []struct {
		name      string
		at        time.Time
		ps        []Participant
		o         Options
		mailboxes []string
		misses    []string // reasons
	}{
		{
			name:      "CSV first",
			at:        june,
			ps:        []Participant{alice, carol},
			o:         Options{Table: tab, Auto: true, MailboxExists: exists},
			mailboxes: []string{"alice@corp.example", "carol@corp.example"},
		},
		{
			name:      "reassigned number",
			at:        july,
			ps:        []Participant{alice},
			o:         Options{Table: tab, Auto: true, MailboxExists: exists},
			mailboxes: []string{"bob@corp.example"},
		},
		{
			name:      "fallback to the email property",
			at:        june,
			ps:        []Participant{dave, ext},
			o:         Options{Table: tab, Auto: true, MailboxExists: exists},
			mailboxes: []string{"dave@corp.example"},
			misses:    []string{"+12025550100: not in the mapping CSV; email property ext@partner.example names no mailbox"},
		},
		{
			name:      "CSV names no mailbox: fallback",
			at:        june,
			ps:        []Participant{gone},
			o:         Options{Table: tab, Auto: true, MailboxExists: exists},
			mailboxes: []string{"dave@corp.example"},
		},
		{
			name:   "CSV names no mailbox, no email property",
			at:     june,
			ps:     []Participant{goneNoEmail},
			o:      Options{Table: tab, Auto: true, MailboxExists: exists},
			misses: []string{"+12025550177: mapping CSV names gone@corp.example, which is not a mailbox; no email property"},
		},
		{
			name:      "automatic mapping off",
			at:        june,
			ps:        []Participant{alice, dave, gone},
			o:         Options{Table: tab, MailboxExists: exists},
			mailboxes: []string{"alice@corp.example"},
			misses: []string{
				"+12025550111: not in the mapping CSV; automatic mapping is off",
				"+12025550177: mapping CSV names gone@corp.example, which is not a mailbox; automatic mapping is off",
			},
		},
		{
			name:      "no CSV",
			at:        june,
			ps:        []Participant{alice, dave},
			o:         Options{Auto: true, MailboxExists: exists},
			mailboxes: []string{"dave@corp.example"},
			misses:    []string{"+12025550143: no mapping CSV; no email property"},
		},
		{
			name:      "deduplicated, in participant order",
			at:        june,
			ps:        []Participant{carol, alice, {Phone: "+12025550188", Email: "ALICE@corp.example"}, carol, dave},
			o:         Options{Table: tab, Auto: true, MailboxExists: exists},
			mailboxes: []string{"carol@corp.example", "alice@corp.example", "dave@corp.example"},
		},
		{
			name: "nothing maps",
			at:   june,
			ps:   []Participant{ext, noPhone, nobody, {Name: "Just A Name"}},
			o:    Options{Table: tab, Auto: true, MailboxExists: exists},
			misses: []string{
				"+12025550100: not in the mapping CSV; email property ext@partner.example names no mailbox",
				"ext@partner.example: no phone number to look up in the mapping CSV; email property ext@partner.example names no mailbox",
				"participant without phone, email or name: no phone number to look up in the mapping CSV; no email property",
				"Just A Name: no phone number to look up in the mapping CSV; no email property",
			},
		},
		{
			name:      "reassigned number at the first instant of the new holder",
			at:        time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC),
			ps:        []Participant{{Phone: "+12025550143"}},
			o:         Options{Table: parseFile(t, "US", "validity.csv"), MailboxExists: exists},
			mailboxes: []string{"bob@corp.example"},
		},
		{
			name:   "number known, but before its first mapping",
			at:     time.Date(2022, 7, 1, 0, 0, 0, 0, time.UTC),
			ps:     []Participant{{Phone: "+12025550143"}},
			o:      Options{Table: parseFile(t, "US", "validity.csv"), MailboxExists: exists},
			misses: []string{"+12025550143: no mapping in the mapping CSV holds at 2022-07-01T00:00:00Z; automatic mapping is off"},
		},
		{
			name:      "nil MailboxExists takes every address",
			at:        june,
			ps:        []Participant{goneNoEmail, ext},
			o:         Options{Table: tab, Auto: true},
			mailboxes: []string{"gone@corp.example", "ext@partner.example"},
		},
		{
			name: "no participants",
			at:   june,
			o:    Options{Table: tab, Auto: true, MailboxExists: exists},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := Resolve(tt.at, tt.ps, tt.o)
			if !slices.Equal(res.Mailboxes, tt.mailboxes) {
				t.Errorf("Mailboxes = %q, want %q", res.Mailboxes, tt.mailboxes)
			}
			var reasons []string
			for _, m := range res.Unmapped {
				reasons = append(reasons, m.Reason)
			}
			if !slices.Equal(reasons, tt.misses) {
				t.Errorf("Unmapped reasons:\n%s\nwant:\n%s", strings.Join(reasons, "\n"), strings.Join(tt.misses, "\n"))
			}
		})
	}
}

func TestResolveMissKeepsParticipant(t *testing.T) {
	p := Participant{Name: "Ext", Phone: "+12025550100", Email: "Ext@Partner.Example"}
	res := Resolve(time.Now(), []Participant{p}, Options{Auto: true, MailboxExists: func(string) bool { return false }})
	if len(res.Unmapped) != 1 || res.Unmapped[0].Participant != p {
		t.Errorf("Unmapped = %+v, want the participant as given", res.Unmapped)
	}
}

func TestResolveAsksLowercase(t *testing.T) {
	var asked []string
	exists := func(a string) bool { asked = append(asked, a); return false }
	tab, err := parseString(t, "US", "phone,email\n+12025550143,Bob@Corp.Example\n")
	if err != nil {
		t.Fatal(err)
	}
	Resolve(time.Now(), []Participant{{Phone: "+12025550143", Email: "Bob.Ext@Partner.Example"}}, Options{Table: tab, Auto: true, MailboxExists: exists})
	if want := []string{"bob@corp.example", "bob.ext@partner.example"}; !slices.Equal(asked, want) {
		t.Errorf("MailboxExists asked %q, want %q", asked, want)
	}
}

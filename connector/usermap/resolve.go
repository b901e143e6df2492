package usermap

import (
	"strings"
	"time"
)

// Participant is what Resolve needs to know of one participant of an item.
type Participant struct {
	// Name is the display name; it only labels misses.
	Name string
	// Phone is the number in E.164 form, as items carry it.
	Phone string
	// Email is the participant's email property ("User's Email address"),
	// used by automatic mapping.
	Email string
}

// Options are a connector's user-mapping settings.
type Options struct {
	// Table is the custom mapping CSV; nil when none was uploaded.
	Table *Table
	// Auto turns on automatic mapping by the participant's email property.
	Auto bool
	// MailboxExists reports whether a (lowercased) address names an existing
	// mailbox. A mapping counts only if it names one. nil takes every address
	// to be a mailbox.
	MailboxExists func(address string) bool
}

// Result is where an item goes.
type Result struct {
	// Mailboxes are the addresses of the mailboxes the item goes into:
	// distinct, lowercased, in the order of the participants.
	Mailboxes []string
	// Unmapped are the participants that mapped to no mailbox, in order.
	Unmapped []Miss
}

// Miss is a participant that mapped to no mailbox, and why.
type Miss struct {
	Participant Participant
	// Reason says in words why neither the mapping CSV nor the email property
	// gave a mailbox, e.g. "+12025550143: not in the mapping CSV; email
	// property ext@partner.example names no mailbox".
	Reason string
}

// Resolve applies the mapping rule of the seeds to the participants ps of an
// item sent at at. For each participant, in order:
//
//  1. the custom mapping: the address o.Table maps the participant's phone to
//     at the instant at, if it names an existing mailbox;
//  2. else, if o.Auto is set, the participant's email property (lowercased),
//     if it names an existing mailbox.
//
// A participant mapped by neither is reported in Result.Unmapped with the
// reason. An item mapped to no mailbox at all has every participant in
// Unmapped.
func Resolve(at time.Time, ps []Participant, o Options) Result {
	exists := o.MailboxExists
	if exists == nil {
		exists = func(string) bool { return true }
	}
	var res Result
	seen := map[string]bool{}
	for _, p := range ps {
		addr, reason := resolveOne(at, p, o, exists)
		if addr == "" {
			res.Unmapped = append(res.Unmapped, Miss{Participant: p, Reason: reason})
			continue
		}
		if !seen[addr] {
			seen[addr] = true
			res.Mailboxes = append(res.Mailboxes, addr)
		}
	}
	return res
}

// resolveOne returns the mailbox of one participant, or "" and the reason
// there is none.
func resolveOne(at time.Time, p Participant, o Options, exists func(string) bool) (string, string) {
	phone := strings.TrimSpace(p.Phone)
	var csvReason string
	switch {
	case o.Table == nil:
		csvReason = "no mapping CSV"
	case phone == "":
		csvReason = "no phone number to look up in the mapping CSV"
	default:
		addr, ok, known := o.Table.lookup(phone, at)
		switch {
		case ok && exists(addr):
			return addr, ""
		case ok:
			csvReason = "mapping CSV names " + addr + ", which is not a mailbox"
		case known:
			csvReason = "no mapping in the mapping CSV holds at " + at.UTC().Format(time.RFC3339)
		default:
			csvReason = "not in the mapping CSV"
		}
	}

	var autoReason string
	email := strings.ToLower(strings.TrimSpace(p.Email))
	switch {
	case !o.Auto:
		autoReason = "automatic mapping is off"
	case email == "":
		autoReason = "no email property"
	case exists(email):
		return email, ""
	default:
		autoReason = "email property " + email + " names no mailbox"
	}
	return "", label(p) + ": " + csvReason + "; " + autoReason
}

// label names a participant in a reason.
func label(p Participant) string {
	for _, s := range []string{p.Phone, p.Email, p.Name} {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return "participant without phone, email or name"
}

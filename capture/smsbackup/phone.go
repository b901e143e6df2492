package smsbackup

import (
	"slices"
	"strings"

	"github.com/custos-archive/custos/item"
)

// party returns the participant for a number as the phone stored it and
// the contact name the backup gave it. ok is false when raw names nobody
// ("", "null", Android's "insert-address-token").
func (p *parser) party(raw, contact string) (item.Participant, bool) {
	raw = strings.TrimSpace(raw)
	if raw == "" || raw == "null" || raw == "insert-address-token" {
		return item.Participant{}, false
	}
	pt := item.Participant{Name: contactName(contact)}
	if p.o.Normalize != nil {
		if e, err := p.o.Normalize(raw); err == nil && item.IsE164(e) {
			pt.Phone = e
			return pt, true
		}
	}
	if s, ok := stripNumber(raw); ok {
		if item.IsE164(s) {
			pt.Phone = s
		} else {
			pt.ID = s
		}
		return pt, true
	}
	pt.ID = raw
	return pt, true
}

// stripNumber removes the separators people and phones write in numbers
// (spaces, dashes, dots, slashes, parentheses). ok is false when s holds
// anything else than those, digits, a leading "+", "*" and "#": it is then
// not a number (an email address, an RCS group id) and is left alone.
func stripNumber(s string) (string, bool) {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9', r == '*', r == '#':
			b.WriteRune(r)
		case r == '+' && b.Len() == 0:
			b.WriteRune(r)
		case r == ' ', r == '-', r == '.', r == '/', r == '(', r == ')',
			r == '\u00a0', r == '\u2010', r == '\u2011', r == '\u2012', r == '\u2013':
		default:
			return "", false
		}
	}
	if b.Len() == 0 || b.String() == "+" {
		return "", false
	}
	return b.String(), true
}

// contactName returns the backup's contact name, or "" for none.
func contactName(s string) string {
	s = strings.TrimSpace(s)
	if s == "(Unknown)" || s == "null" {
		return ""
	}
	return s
}

// key returns what identifies a participant in a conversation id.
func key(pt item.Participant) string {
	if pt.Phone != "" {
		return pt.Phone
	}
	return pt.ID
}

// isOwner reports whether pt is the owner: the same E.164 number, or a
// national number of at least 8 digits (leading zeros dropped) that the
// owner's number ends with ("5550000007" for +15550000007, "07700900123"
// for +447700900123). Used only to leave the owner out of an MMS's list of
// other parties.
func (p *parser) isOwner(pt item.Participant) bool {
	if pt.Phone != "" {
		return pt.Phone == p.o.Owner.Phone
	}
	d := strings.TrimLeft(pt.ID, "0")
	if len(d) < 8 || strings.ContainsAny(d, "+*#") {
		return false
	}
	return strings.HasSuffix(p.o.Owner.Phone, d)
}

// conversation returns the conversation of the owner and the others: its
// id is their numbers (or ids), sorted and joined by ",".
func (p *parser) conversation(others []item.Participant, name string) item.Conversation {
	keys := []string{p.o.Owner.Phone}
	for _, o := range others {
		keys = append(keys, key(o))
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	c := item.Conversation{ID: strings.Join(keys, ","), Type: item.Direct, Name: name}
	if len(others) > 1 {
		c.Type = item.Group
	}
	return c
}

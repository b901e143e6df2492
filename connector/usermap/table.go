package usermap

import (
	"time"
)

// Entry is one mapping of the mapping CSV: a number and the mailbox address
// it maps to during a period.
type Entry struct {
	// Phone is the number in E.164 form.
	Phone string
	// Email is the mailbox address, lowercased.
	Email string
	// ValidFrom is the first instant the mapping holds, in UTC; nil means
	// since ever.
	ValidFrom *time.Time
	// ValidTo is the instant the mapping stops holding (exclusive), in UTC:
	// for a valid_to date it is midnight at the start of the next day. nil
	// means without end.
	ValidTo *time.Time
	// Line is the line of the CSV the mapping was read from.
	Line int
	// AssumedRegion is the default region whose country code was applied
	// because the CSV wrote the number without one, or "" if it had one. Write
	// does not keep it: it writes the number in E.164.
	AssumedRegion string
}

// contains reports whether the entry's period contains at.
func (e *Entry) contains(at time.Time) bool {
	if e.ValidFrom != nil && at.Before(*e.ValidFrom) {
		return false
	}
	if e.ValidTo != nil && !at.Before(*e.ValidTo) {
		return false
	}
	return true
}

// Table is a parsed mapping CSV: numbers to mailbox addresses over time. In a
// Table, a number never maps to two different addresses at the same instant.
// A Table is immutable and safe for concurrent use; a nil *Table is empty.
type Table struct {
	entries []Entry          // in file order, duplicates removed
	byPhone map[string][]int // E.164 → indexes into entries, by ValidFrom
}

// Lookup returns the address phoneE164 maps to at the instant at: the one
// whose period contains at (ValidFrom <= at < ValidTo). ok is false if no
// mapping of the number holds at that instant. phoneE164 must be in E.164
// form, as Normalizer.Normalize returns it.
func (t *Table) Lookup(phoneE164 string, at time.Time) (email string, ok bool) {
	email, ok, _ = t.lookup(phoneE164, at)
	return email, ok
}

// lookup is Lookup that also reports whether the number has any mapping at
// all, at any time.
func (t *Table) lookup(phone string, at time.Time) (email string, ok, known bool) {
	if t == nil {
		return "", false, false
	}
	idx := t.byPhone[phone]
	for _, i := range idx {
		if e := &t.entries[i]; e.contains(at) {
			return e.Email, true, true
		}
	}
	return "", false, len(idx) > 0
}

// Entries returns the mappings in the order of the file, each once. The
// slice and the times are copies.
func (t *Table) Entries() []Entry {
	if t == nil {
		return nil
	}
	out := make([]Entry, len(t.entries))
	for i, e := range t.entries {
		e.ValidFrom = copyTime(e.ValidFrom)
		e.ValidTo = copyTime(e.ValidTo)
		out[i] = e
	}
	return out
}

// Len returns the number of mappings.
func (t *Table) Len() int {
	if t == nil {
		return 0
	}
	return len(t.entries)
}

func copyTime(p *time.Time) *time.Time {
	if p == nil {
		return nil
	}
	t := *p
	return &t
}

// isMidnightUTC reports whether t is midnight at the start of a day in UTC.
func isMidnightUTC(t time.Time) bool {
	t = t.UTC()
	return t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0
}

// formatFrom writes a ValidFrom the way the canonical CSV holds it: a date
// when it is a midnight UTC, an RFC 3339 timestamp otherwise, "" for nil.
func formatFrom(p *time.Time) string {
	if p == nil {
		return ""
	}
	if isMidnightUTC(*p) {
		return p.UTC().Format(time.DateOnly)
	}
	return p.UTC().Format(time.RFC3339Nano)
}

// formatTo writes a ValidTo (an exclusive end) the way the canonical CSV
// holds it: the inclusive last day when the end is a midnight UTC, an RFC
// 3339 timestamp otherwise (or when the last day would be out of range), ""
// for nil.
func formatTo(p *time.Time) string {
	if p == nil {
		return ""
	}
	if last := p.UTC().AddDate(0, 0, -1); isMidnightUTC(*p) && last.Year() >= minYear {
		return last.Format(time.DateOnly)
	}
	return p.UTC().Format(time.RFC3339Nano)
}

// describePeriod says in words when an entry holds, for error messages.
func describePeriod(e *Entry) string {
	switch {
	case e.ValidFrom == nil && e.ValidTo == nil:
		return "at all times"
	case e.ValidTo == nil:
		return "from " + formatFrom(e.ValidFrom) + " on"
	case e.ValidFrom == nil:
		return "until " + formatTo(e.ValidTo)
	default:
		return "from " + formatFrom(e.ValidFrom) + " to " + formatTo(e.ValidTo)
	}
}

package kql

import (
	"math/big"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/custos-archive/custos/item"
)

// kindValue is a value of kind: and what it matches.
type kindValue struct {
	name    string
	sources []item.Source
	kinds   []item.Kind
}

// kindValues are the values of kind:. Sources name their items, call is
// any call (a chat-app call, a phone call log or recording), voicemail a
// recorded call, externaldata every archived item (as in Purview, where it
// is everything data connectors archived); the rest are item kinds.
var kindValues = []kindValue{
	{name: "whatsapp", sources: []item.Source{item.WhatsApp}},
	{name: "wechat", sources: []item.Source{item.WeChat}},
	{name: "sms", kinds: []item.Kind{item.SMS}},
	{name: "mms", kinds: []item.Kind{item.MMS}},
	{name: "call", kinds: []item.Kind{item.Call, item.CallLog, item.VoiceRecording}},
	{name: "voicemail", kinds: []item.Kind{item.VoiceRecording}},
	{name: "chat", kinds: []item.Kind{item.Chat}},
	{name: "attachment", kinds: []item.Kind{item.Media}},
	{name: "file", kinds: []item.Kind{item.File}},
	{name: "deleted", kinds: []item.Kind{item.Deleted}},
	{name: "recalled", kinds: []item.Kind{item.Recalled}},
	{name: "edit", kinds: []item.Kind{item.Edit}},
	{name: "reaction", kinds: []item.Kind{item.Reaction}},
	{name: "location", kinds: []item.Kind{item.Location}},
	{name: "contact", kinds: []item.Kind{item.Contact}},
	{name: "system", kinds: []item.Kind{item.System}},
	{name: "call_log", kinds: []item.Kind{item.CallLog}},
	{name: "voice_recording", kinds: []item.Kind{item.VoiceRecording}},
	{name: "enterprise-number", sources: []item.Source{item.EnterpriseNumber}},
	{name: "externaldata"},
}

// sourceValues are the values of source:.
var sourceValues = []item.Source{item.WhatsApp, item.WeChat, item.EnterpriseNumber}

// value returns the node for one value v (a tWord or tPhrase token) of the
// property t, with operator op (never "<>").
func (p *parser) value(field Field, op string, t token, v token) (Node, *Error) {
	if isTextField(field) {
		var term Term
		if v.kind == tPhrase {
			term = &Phrase{P: v.pos, Text: v.text}
		} else {
			term = &Word{P: v.pos, Text: v.text, Prefix: v.prefix}
		}
		return &Text{P: t.pos, Field: field, Term: term}, nil
	}
	raw, pos := v.text, v.pos
	if v.kind == tPhrase {
		_, w := utf8.DecodeRuneInString(p.q[v.pos:])
		pos += w + len(raw) - len(strings.TrimLeftFunc(raw, unicode.IsSpace))
		raw = strings.TrimSpace(raw)
	}
	switch field {
	case FieldKind, FieldSource:
		return p.kind(field, t, raw, pos)
	case FieldSent, FieldReceived:
		return p.dates(field, op, t, raw, pos)
	case FieldSize:
		return p.sizes(op, t, raw, pos)
	case FieldHasAttachment:
		switch strings.ToLower(raw) {
		case "true", "yes":
			return &HasAttachment{P: t.pos, Value: true}, nil
		case "false", "no":
			return &HasAttachment{P: t.pos, Value: false}, nil
		}
		return nil, errorAt(p.q, pos, "hasattachment takes true, false, yes or no, not %q", raw)
	}
	return nil, errorAt(p.q, t.pos, "unknown property %q", t.text) // not reached
}

// kind resolves a value of kind: or source:.
func (p *parser) kind(field Field, t token, raw string, pos int) (Node, *Error) {
	v := strings.ToLower(raw)
	var names []string
	if field == FieldSource {
		for _, s := range sourceValues {
			if string(s) == v {
				return &Kind{P: t.pos, Sources: []item.Source{s}}, nil
			}
			names = append(names, string(s))
		}
		return nil, errorAt(p.q, pos, "unknown source %q: use one of %s", raw, strings.Join(names, ", "))
	}
	for _, k := range kindValues {
		if k.name == v {
			return &Kind{P: t.pos, Sources: append([]item.Source(nil), k.sources...), Kinds: append([]item.Kind(nil), k.kinds...)}, nil
		}
		names = append(names, k.name)
	}
	return nil, errorAt(p.q, pos, "unknown kind %q: use one of %s", raw, strings.Join(names, ", "))
}

// dates resolves a value of sent: or received: to a DateRange.
func (p *parser) dates(field Field, op string, t token, raw string, pos int) (Node, *Error) {
	if i := strings.Index(raw, ".."); i >= 0 {
		if op != ":" && op != "=" {
			return nil, errorAt(p.q, t.opPos, `a range takes ":", as in %s:2026-01-01..2026-01-31`, field)
		}
		a, b := raw[:i], raw[i+2:]
		if a == "" || b == "" {
			return nil, errorAt(p.q, pos, "a range needs a start and an end, as in %s:2026-01-01..2026-01-31; for an open range write %s>=2026-01-01", field, field)
		}
		from, _, err := p.instant(a, pos)
		if err != nil {
			return nil, err
		}
		_, to, err := p.instant(b, pos+i+2)
		if err != nil {
			return nil, err
		}
		if !from.Before(to) {
			return nil, errorAt(p.q, pos, "empty range: %s ends before it starts", raw)
		}
		return &DateRange{P: t.pos, Field: field, From: &from, To: &to}, nil
	}
	start, end, err := p.instant(raw, pos)
	if err != nil {
		return nil, err
	}
	d := &DateRange{P: t.pos, Field: field}
	switch op {
	case "<":
		d.To = &start
	case "<=":
		d.To = &end
	case ">":
		d.From = &end
	case ">=":
		d.From = &start
	default:
		d.From, d.To = &start, &end
	}
	return d, nil
}

// instant resolves one date or time to the UTC interval [start, end) it
// stands for: a day for a date, a second (or the written fraction of one)
// for a time.
func (p *parser) instant(s string, pos int) (start, end time.Time, err *Error) {
	day := func(y, m, d int) (time.Time, time.Time, *Error) {
		t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
		if m < 1 || m > 12 || d < 1 || t.Day() != d || int(t.Month()) != m {
			return time.Time{}, time.Time{}, errorAt(p.q, pos, "no such date: %q", s)
		}
		return t, t.AddDate(0, 0, 1), nil
	}
	switch lower := strings.ToLower(s); {
	case lower == "today" || lower == "yesterday":
		if p.now.IsZero() {
			return start, end, errorAt(p.q, pos, "%s needs the current time, which the caller did not give (Options.Now)", lower)
		}
		n := p.now.UTC()
		d := n.Day()
		if lower == "yesterday" {
			d--
		}
		start = time.Date(n.Year(), n.Month(), d, 0, 0, 0, 0, time.UTC)
		return start, start.AddDate(0, 0, 1), nil
	case isISODate(s):
		return day(atoi(s[0:4]), atoi(s[5:7]), atoi(s[8:10]))
	case len(s) > 10 && isISODate(s[:10]) && (s[10] == 'T' || s[10] == 't'):
		t, perr := time.Parse(time.RFC3339Nano, strings.ToUpper(s))
		if perr != nil {
			return start, end, errorAt(p.q, pos, "invalid time %q: write RFC 3339 with a time zone, as in 2026-01-31T09:15:00Z", s)
		}
		unit := time.Second
		if len(s) > 19 && s[19] == '.' {
			digits := 0
			for j := 20; j < len(s) && s[j] >= '0' && s[j] <= '9'; j++ {
				digits++
			}
			for unit = time.Second; digits > 0 && unit > 1; digits-- {
				unit /= 10
			}
		}
		start = t.UTC()
		return start, start.Add(unit), nil
	}
	if parts := strings.Split(s, "/"); len(parts) == 3 && isDigits(parts[0], 1, 2) && isDigits(parts[1], 1, 2) && isDigits(parts[2], 4, 4) {
		return day(atoi(parts[2]), atoi(parts[0]), atoi(parts[1]))
	}
	return start, end, errorAt(p.q, pos, "invalid date %q: write 2026-01-31, 1/31/2026, 2026-01-31T09:15:00Z, today or yesterday", s)
}

// isISODate reports whether s is YYYY-MM-DD.
func isISODate(s string) bool {
	return len(s) == 10 && s[4] == '-' && s[7] == '-' &&
		isDigits(s[0:4], 4, 4) && isDigits(s[5:7], 2, 2) && isDigits(s[8:10], 2, 2)
}

// isDigits reports whether s is lo to hi ASCII digits.
func isDigits(s string, lo, hi int) bool {
	if len(s) < lo || len(s) > hi {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// atoi converts digits that isDigits accepted.
func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// maxSize is the largest size a query may name: 1 EiB.
const maxSize = 1 << 60

// sizes resolves a value of size: to a SizeRange.
func (p *parser) sizes(op string, t token, raw string, pos int) (Node, *Error) {
	if i := strings.Index(raw, ".."); i >= 0 {
		if op != ":" && op != "=" {
			return nil, errorAt(p.q, t.opPos, `a range takes ":", as in size:10KB..2MB`)
		}
		a, b := raw[:i], raw[i+2:]
		if a == "" || b == "" {
			return nil, errorAt(p.q, pos, "a range needs a start and an end, as in size:10KB..2MB; for an open range write size>=10KB")
		}
		lo, err := p.size(a, pos)
		if err != nil {
			return nil, err
		}
		hi, err := p.size(b, pos+i+2)
		if err != nil {
			return nil, err
		}
		from, to := ceil(lo), floor(hi)
		if from > to {
			return nil, errorAt(p.q, pos, "empty range: %s ends before it starts", raw)
		}
		return &SizeRange{P: t.pos, Min: &from, Max: &to}, nil
	}
	v, err := p.size(raw, pos)
	if err != nil {
		return nil, err
	}
	s := &SizeRange{P: t.pos}
	switch op {
	case "<":
		hi := ceil(v) - 1
		if hi < 0 {
			return nil, errorAt(p.q, pos, "no size is smaller than %s", raw)
		}
		s.Max = &hi
	case "<=":
		hi := floor(v)
		s.Max = &hi
	case ">":
		lo := floor(v) + 1
		s.Min = &lo
	case ">=":
		lo := ceil(v)
		s.Min = &lo
	default:
		if !v.IsInt() {
			return nil, errorAt(p.q, pos, "size %s is not a whole number of bytes", raw)
		}
		n := v.Num().Int64()
		s.Min, s.Max = &n, &n
	}
	return s, nil
}

// size parses a number of bytes with an optional unit KB, MB or GB.
func (p *parser) size(s string, pos int) (*big.Rat, *Error) {
	num, unit := s, int64(1)
	lower := strings.ToLower(s)
	for _, u := range []struct {
		suffix string
		n      int64
	}{{"kb", 1 << 10}, {"mb", 1 << 20}, {"gb", 1 << 30}} {
		if strings.HasSuffix(lower, u.suffix) {
			num, unit = s[:len(s)-2], u.n
			break
		}
	}
	intPart, frac, hasDot := strings.Cut(num, ".")
	if !isDigits(intPart, 1, 20) || (hasDot && !isDigits(frac, 1, 20)) {
		return nil, errorAt(p.q, pos, "invalid size %q: write a number of bytes, KB, MB or GB, as in 500, 10KB or 1.5MB", s)
	}
	v, ok := new(big.Rat).SetString(num)
	if !ok {
		return nil, errorAt(p.q, pos, "invalid size %q", s)
	}
	v.Mul(v, new(big.Rat).SetInt64(unit))
	if v.Cmp(new(big.Rat).SetInt64(maxSize)) > 0 {
		return nil, errorAt(p.q, pos, "size %q is too large: at most 1073741824GB", s)
	}
	return v, nil
}

// floor returns ⌊v⌋ for 0 <= v <= maxSize.
func floor(v *big.Rat) int64 {
	return new(big.Int).Quo(v.Num(), v.Denom()).Int64()
}

// ceil returns ⌈v⌉ for 0 <= v <= maxSize.
func ceil(v *big.Rat) int64 {
	n := floor(v)
	if !v.IsInt() {
		n++
	}
	return n
}

package waexport

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// header is what the first line of a message says before its text: the date
// and time as written, the layout, and the rest of the line.
type header struct {
	bracket bool   // iOS layout: "[date, time] rest"
	comma   bool   // a comma between date and time
	sep     byte   // the date separator: '/', '.' or '-'
	f       [3]int // the three date fields in written order
	w       [3]int // their widths in digits
	hour    int    // 0-23, after applying the AM/PM marker
	min     int    //
	sec     int    //
	hasSec  bool   //
	mer     byte   // 0 for a 24-hour clock, 'a' or 'p' for a 12-hour one
	unsaved bool   // "- ~ Name:": the author is not in the owner's contacts
	rest    string // everything after the delimiter
}

// headerKind says whether a line starts a message.
type headerKind int

const (
	notHeader headerKind = iota // a continuation line
	isHeader                    // starts a message
	badHeader                   // shaped like a header but impossible (reason says why)
)

// invisible reports whether r is a formatting character that WhatsApp puts
// around fields: byte order marks, directional marks and bidi embeddings.
func invisible(r rune) bool {
	switch {
	case r == '\ufeff', r == '\u200e', r == '\u200f':
		return true
	case r >= '\u202a' && r <= '\u202e':
		return true
	case r >= '\u2066' && r <= '\u2069':
		return true
	}
	return false
}

// space reports whether r is a space as written in headers: an ordinary
// space, a tab, U+00A0 NO-BREAK SPACE or U+202F NARROW NO-BREAK SPACE.
func space(r rune) bool {
	return r == ' ' || r == '\t' || r == '\u00a0' || r == '\u202f'
}

// trimInvisible removes invisible characters from the start of s.
func trimInvisible(s string) string {
	for len(s) > 0 {
		r, n := utf8.DecodeRuneInString(s)
		if !invisible(r) {
			return s
		}
		s = s[n:]
	}
	return s
}

// trimLead removes invisible characters and spaces from the start of s.
func trimLead(s string) string {
	for len(s) > 0 {
		r, n := utf8.DecodeRuneInString(s)
		if !invisible(r) && !space(r) {
			return s
		}
		s = s[n:]
	}
	return s
}

// skipSpaces removes spaces (not invisible characters) from the start of s.
func skipSpaces(s string) string {
	for len(s) > 0 {
		r, n := utf8.DecodeRuneInString(s)
		if !space(r) {
			return s
		}
		s = s[n:]
	}
	return s
}

// stripInvisible removes every invisible character from s.
func stripInvisible(s string) string {
	if !hasInvisible(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if !invisible(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func hasInvisible(s string) bool {
	for i := 0; i < len(s); i++ {
		// Every invisible rune is encoded starting with 0xE2 or 0xEF.
		if s[i] == 0xe2 || s[i] == 0xef {
			for _, r := range s[i:] {
				if invisible(r) {
					return true
				}
			}
			return false
		}
	}
	return false
}

// number reads 1 to max digits from the start of s.
func number(s string, max int) (v, width int, tail string, ok bool) {
	for width < len(s) && width < max && s[width] >= '0' && s[width] <= '9' {
		v = v*10 + int(s[width]-'0')
		width++
	}
	if width == 0 || (width < len(s) && s[width] >= '0' && s[width] <= '9') {
		return 0, 0, s, false
	}
	return v, width, s[width:], true
}

// maxMarker is the longest AM/PM marker looked for between the time and the
// delimiter, in bytes ("p.\u00a0m." is 7).
const maxMarker = 16

// parseHeader reads the header of line. A line is a header when it has a
// date (three numbers separated by '/', '.' or '-'), a comma or space, a time
// (H:MM or H:MM:SS, or with dots), an optional AM/PM marker, and the delimiter: " - " on
// Android, "]" on iOS when the line opened with "[". Invisible characters and
// spaces of any kind are skipped where they can occur. A line with that shape
// whose time is impossible is a badHeader with the reason; the date is checked
// later, once the day/month order of the file is known.
func parseHeader(line string) (h header, kind headerKind, reason string) {
	s := trimInvisible(line)
	if strings.HasPrefix(s, "[") {
		h.bracket = true
		s = trimLead(s[1:])
	}
	var ok bool
	for i := 0; i < 3; i++ {
		if i > 0 {
			if len(s) == 0 || s[0] != h.sep {
				return h, notHeader, ""
			}
			s = s[1:]
			if h.sep == '.' {
				s = skipSpaces(s) // "2020. 01. 15."
			}
		}
		h.f[i], h.w[i], s, ok = number(s, 4)
		if !ok {
			return h, notHeader, ""
		}
		if i == 0 {
			if len(s) == 0 || (s[0] != '/' && s[0] != '.' && s[0] != '-') {
				return h, notHeader, ""
			}
			h.sep = s[0]
		}
	}
	if h.sep == '.' && strings.HasPrefix(s, ".") {
		s = s[1:]
	}
	if strings.HasPrefix(s, ",") {
		h.comma = true
		s = s[1:]
	}
	t := skipSpaces(s)
	if len(t) == len(s) && !h.comma {
		return h, notHeader, ""
	}
	s = t
	var mw, sw int
	h.hour, _, s, ok = number(s, 2)
	if !ok || len(s) == 0 || (s[0] != ':' && s[0] != '.') {
		return h, notHeader, ""
	}
	tsep := s[0] // ':', or '.' in Danish and Finnish exports
	h.min, mw, s, ok = number(s[1:], 2)
	if !ok || mw != 2 {
		return h, notHeader, ""
	}
	if len(s) > 0 && s[0] == tsep {
		h.sec, sw, s, ok = number(s[1:], 2)
		if !ok || sw != 2 {
			return h, notHeader, ""
		}
		h.hasSec = true
	}

	// Between the time and the delimiter: nothing, or an AM/PM marker.
	var marker string
	if h.bracket {
		i := strings.IndexByte(s, ']')
		if i < 0 || i > maxMarker {
			return h, notHeader, ""
		}
		marker, s = s[:i], s[i+1:]
		if s != "" {
			r, _ := utf8.DecodeRuneInString(s)
			if !space(r) && !invisible(r) {
				return h, notHeader, ""
			}
		}
	} else {
		i := delimiter(s)
		if i < 0 {
			return h, notHeader, ""
		}
		marker = s[:i]
		switch {
		case s[i] == '~':
			h.unsaved = true
			s = s[i+1:]
		case s[i] == '-':
			s = s[i+1:]
		default: // en dash, 3 bytes
			s = s[i+3:]
		}
		if s != "" {
			r, _ := utf8.DecodeRuneInString(s)
			if !space(r) && !invisible(r) {
				return h, notHeader, ""
			}
		}
	}
	h.rest = s
	marker = strings.TrimFunc(marker, func(r rune) bool { return space(r) || invisible(r) })
	if marker != "" {
		// A marker is short: "PM", "a. m.", "vorm.", "μ.μ.". Anything
		// longer is text that happens to follow a date and a time.
		letters := 0
		for _, r := range marker {
			switch {
			case r >= '0' && r <= '9':
				return h, notHeader, ""
			case !space(r) && !invisible(r) && r != '.':
				letters++
			}
		}
		if letters > 6 {
			return h, notHeader, ""
		}
		h.mer = meridiem(marker)
		if h.mer == 0 {
			return h, badHeader, fmt.Sprintf("unknown AM/PM marker %q after the time", marker)
		}
	}
	if h.min > 59 || h.sec > 59 {
		return h, badHeader, fmt.Sprintf("time %s does not exist", h.clock())
	}
	switch h.mer {
	case 0:
		if h.hour > 23 {
			return h, badHeader, fmt.Sprintf("time %s does not exist", h.clock())
		}
	case 'a':
		// "12:05 AM" is 00:05; "00:04 AM" (seen in real exports) too.
		switch {
		case h.hour == 12:
			h.hour = 0
		case h.hour > 12:
			return h, badHeader, fmt.Sprintf("time %s AM does not exist", h.clock())
		}
	case 'p':
		// "13:00 PM" .. "23:59 PM" occur in real exports: a 24-hour time with
		// a redundant marker. "00:30 PM" is read as 12:30.
		switch {
		case h.hour > 23:
			return h, badHeader, fmt.Sprintf("time %s PM does not exist", h.clock())
		case h.hour < 12:
			h.hour += 12
		}
	}
	return h, isHeader, ""
}

// delimiter finds the Android delimiter after the time: '-', an en dash or
// '~' ("PM ~ Name:"), within maxMarker bytes, preceded by a space. It returns
// its index or -1.
func delimiter(s string) int {
	for i := 0; i < len(s) && i <= maxMarker; i++ {
		var ok bool
		switch {
		case s[i] == '-' || s[i] == '~':
			ok = true
		case strings.HasPrefix(s[i:], "\u2013"):
			ok = true
		}
		if !ok {
			continue
		}
		if i == 0 {
			return -1
		}
		r, _ := utf8.DecodeLastRuneInString(s[:i])
		if space(r) {
			return i
		}
		return -1
	}
	return -1
}

// meridiem reads an AM/PM marker: AM, PM, am, pm, a.m., p.m., "a. m.", with
// any spaces. It returns 'a', 'p' or 0 when the marker is not one of these.
func meridiem(m string) byte {
	var b [8]byte
	n := 0
	for _, r := range m {
		if space(r) || invisible(r) || r == '.' {
			continue
		}
		if n == len(b) {
			return 0
		}
		if r >= 'A' && r <= 'Z' {
			r += 'a' - 'A'
		}
		if r > 0x7f {
			return 0
		}
		b[n] = byte(r)
		n++
	}
	switch string(b[:n]) {
	case "am":
		return 'a'
	case "pm":
		return 'p'
	}
	return 0
}

// clock formats the time as written (before AM/PM is applied).
func (h *header) clock() string {
	if h.hasSec {
		return fmt.Sprintf("%d:%02d:%02d", h.hour, h.min, h.sec)
	}
	return fmt.Sprintf("%d:%02d", h.hour, h.min)
}

// date formats the date as written.
func (h *header) date() string {
	var b strings.Builder
	for i := 0; i < 3; i++ {
		if i > 0 {
			b.WriteByte(h.sep)
		}
		fmt.Fprintf(&b, "%0*d", h.w[i], h.f[i])
	}
	return b.String()
}

package usermap

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// CSVError is a problem in a mapping CSV. Its text names the file, the line
// and the column, says what is wrong and what to do, for example:
//
//	map.csv:3: field "phone": "abc" is not a phone number: it contains letters ...
type CSVError struct {
	// File is the file name given to Parse.
	File string
	// Line is the 1-based line of the problem; 0 when the problem is the whole
	// file (it is empty, or could not be read).
	Line int
	// Field is the column the problem is in, as the header names it (or the
	// canonical name of a missing column); "" when the problem is not in one
	// column.
	Field string
	// Err says what is wrong.
	Err error
}

// Error returns "file:line: field "name": problem".
func (e *CSVError) Error() string {
	var b strings.Builder
	if e.File == "" {
		b.WriteString("mapping CSV")
	} else {
		b.WriteString(e.File)
	}
	if e.Line > 0 {
		b.WriteString(":")
		b.WriteString(strconv.Itoa(e.Line))
	}
	b.WriteString(": ")
	if e.Field != "" {
		fmt.Fprintf(&b, "field %q: ", e.Field)
	}
	if e.Err != nil {
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the underlying problem.
func (e *CSVError) Unwrap() error { return e.Err }

// errNoHeader is the problem of a file without a header line.
var errNoHeader = errors.New("the file is empty: it has no header line; the first line must be phone,email (or External User ID,Microsoft 365 User Mailbox), optionally followed by valid_from,valid_to")

// column is the meaning of a column of the mapping CSV.
type column int

const (
	colPhone column = iota
	colEmail
	colFrom
	colTo
	numColumns
)

// canonical names, as Write writes them.
var columnNames = [numColumns]string{"phone", "email", "valid_from", "valid_to"}

// columnAliases maps lowercased header names to their meaning.
var columnAliases = map[string]column{
	"phone":                      colPhone,
	"external user id":           colPhone,
	"email":                      colEmail,
	"microsoft 365 user mailbox": colEmail,
	"valid_from":                 colFrom,
	"valid_to":                   colTo,
}

const columnsHint = "the header must name the columns phone (or External User ID) and email (or Microsoft 365 User Mailbox), optionally valid_from and valid_to, e.g. phone,email"

// header is the parsed header line.
type header struct {
	names []string        // the header's cells, trimmed
	index [numColumns]int // position of each column; -1 when absent
}

// name returns the column's name as the header writes it.
func (h *header) name(c column) string {
	if i := h.index[c]; i >= 0 {
		return h.names[i]
	}
	return columnNames[c]
}

// Parse reads a mapping CSV (see the package documentation for its format)
// and returns its mappings as a Table. file names the input in errors. Each
// number is normalised with n; a nil n has no default region, so every
// number must carry its country code.
//
// Every error Parse returns is a *CSVError.
func Parse(r io.Reader, file string, n *Normalizer) (*Table, error) {
	br := bufio.NewReader(r)
	if b, err := br.Peek(3); err == nil && string(b) == "\uFEFF" {
		_, _ = br.Discard(3)
	}
	p := &parser{file: file, n: n, cr: csv.NewReader(br)}
	p.cr.FieldsPerRecord = -1
	return p.parse()
}

type parser struct {
	file string
	n    *Normalizer
	cr   *csv.Reader
}

func (p *parser) errorf(line int, field, format string, args ...any) *CSVError {
	return &CSVError{File: p.file, Line: line, Field: field, Err: fmt.Errorf(format, args...)}
}

// line returns the line field i of the last record starts on.
func (p *parser) line(i int) int {
	line, _ := p.cr.FieldPos(i)
	return line
}

// read returns the next record with cells trimmed, skipping records whose
// cells are all empty; nil at the end of the file.
func (p *parser) read() ([]string, error) {
	for {
		rec, err := p.cr.Read()
		if err == io.EOF {
			return nil, nil
		}
		if err != nil {
			return nil, p.readError(err)
		}
		blank := true
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
			if rec[i] != "" {
				blank = false
			}
		}
		if !blank {
			return rec, nil
		}
	}
}

// readError translates an error of encoding/csv.
func (p *parser) readError(err error) error {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		return &CSVError{File: p.file, Err: fmt.Errorf("reading the mapping CSV: %w", err)}
	}
	var hint string
	switch {
	case errors.Is(pe.Err, csv.ErrBareQuote):
		hint = `a field that contains " must be in double quotes as a whole, with each " inside it written as ""`
	case errors.Is(pe.Err, csv.ErrQuote) && pe.StartLine != pe.Line:
		hint = fmt.Sprintf(`the quoted field that starts on line %d is not closed: end it with " and write each " inside it as ""`, pe.StartLine)
	case errors.Is(pe.Err, csv.ErrQuote):
		hint = `a quoted field must end with " followed by a comma or the end of the line (is the closing " missing?); write each " inside it as ""`
	default:
		hint = "check the quoting of this line"
	}
	return &CSVError{File: p.file, Line: max(pe.Line, 1), Err: fmt.Errorf("malformed CSV: %w (column %d); %s", pe.Err, pe.Column, hint)}
}

func (p *parser) parse() (*Table, error) {
	rec, err := p.read()
	if err != nil {
		return nil, err
	}
	if rec == nil {
		return nil, &CSVError{File: p.file, Err: errNoHeader}
	}
	h, err := p.header(rec)
	if err != nil {
		return nil, err
	}

	t := &Table{byPhone: map[string][]int{}}
	type key struct{ phone, email, from, to string }
	seen := map[key]bool{}
	for {
		rec, err := p.read()
		if err != nil {
			return nil, err
		}
		if rec == nil {
			break
		}
		e, err := p.entry(rec, h)
		if err != nil {
			return nil, err
		}
		k := key{e.Phone, e.Email, formatFrom(e.ValidFrom), formatTo(e.ValidTo)}
		if seen[k] {
			continue
		}
		seen[k] = true
		t.byPhone[e.Phone] = append(t.byPhone[e.Phone], len(t.entries))
		t.entries = append(t.entries, e)
	}
	if err := p.checkOverlaps(t, h); err != nil {
		return nil, err
	}
	return t, nil
}

// header reads the header line.
func (p *parser) header(rec []string) (*header, error) {
	h := &header{names: rec}
	for c := range h.index {
		h.index[c] = -1
	}
	var unknown []string
	firstUnknown := -1
	for i, name := range rec {
		name = strings.TrimSpace(strings.TrimPrefix(name, "\uFEFF"))
		rec[i] = name
		if name == "" {
			return nil, p.errorf(p.line(i), "", "column %d of the header has no name; %s", i+1, columnsHint)
		}
		c, ok := columnAliases[strings.ToLower(name)]
		if !ok {
			unknown = append(unknown, strconv.Quote(name))
			if firstUnknown < 0 {
				firstUnknown = i
			}
			continue
		}
		if j := h.index[c]; j >= 0 {
			return nil, p.errorf(p.line(i), name, "columns %q and %q are the same column; keep one", rec[j], name)
		}
		h.index[c] = i
	}
	if len(unknown) > 0 {
		noun := "column"
		if len(unknown) > 1 {
			noun = "columns"
		}
		return nil, p.errorf(p.line(firstUnknown), rec[firstUnknown], "unknown %s %s; %s (if this line is already a mapping, add the header line above it)",
			noun, strings.Join(unknown, ", "), columnsHint)
	}
	for _, c := range []column{colPhone, colEmail} {
		if h.index[c] < 0 {
			return nil, p.errorf(p.line(0), columnNames[c], "the header has no %s column; %s", columnNames[c], columnsHint)
		}
	}
	return h, nil
}

// entry reads one mapping line.
func (p *parser) entry(rec []string, h *header) (Entry, error) {
	line := p.line(0)
	if len(rec) != len(h.names) {
		return Entry{}, p.errorf(line, "", "the line has %d fields but the header has %d (%s); put a field that contains a comma in double quotes",
			len(rec), len(h.names), strings.Join(h.names, ","))
	}
	cell := func(c column) (string, int) {
		i := h.index[c]
		if i < 0 {
			return "", line
		}
		return rec[i], p.line(i)
	}

	e := Entry{Line: line}
	s, l := cell(colPhone)
	if s == "" {
		return Entry{}, p.errorf(l, h.name(colPhone), "empty; every line needs the mobile number, with its country code, e.g. +12025550143")
	}
	phone, assumed, err := p.n.Normalize(s)
	if err != nil {
		return Entry{}, &CSVError{File: p.file, Line: l, Field: h.name(colPhone), Err: err}
	}
	e.Phone = phone
	if assumed {
		e.AssumedRegion = p.n.Region()
	}

	s, l = cell(colEmail)
	if e.Email, err = normalizeEmail(s); err != nil {
		return Entry{}, &CSVError{File: p.file, Line: l, Field: h.name(colEmail), Err: err}
	}

	s, l = cell(colFrom)
	if e.ValidFrom, err = parseInstant(s, false); err != nil {
		return Entry{}, &CSVError{File: p.file, Line: l, Field: h.name(colFrom), Err: err}
	}
	s, l = cell(colTo)
	if e.ValidTo, err = parseInstant(s, true); err != nil {
		return Entry{}, &CSVError{File: p.file, Line: l, Field: h.name(colTo), Err: err}
	}
	if e.ValidFrom != nil && e.ValidTo != nil && !e.ValidTo.After(*e.ValidFrom) {
		from, _ := cell(colFrom)
		what := "is before"
		if e.ValidTo.Equal(*e.ValidFrom) {
			what = "is the same instant as"
		}
		return Entry{}, p.errorf(l, h.name(colTo), "%q %s valid_from %q, so the mapping would never hold; fix the dates (a valid_to date includes that whole day)", s, what, from)
	}
	return e, nil
}

// checkOverlaps returns an error if a number maps to different addresses in
// overlapping periods.
func (p *parser) checkOverlaps(t *Table, h *header) error {
	for phone, idx := range t.byPhone {
		// Sort by start (since ever first), then by line, and sweep: for each
		// entry, the earlier-starting entry with the latest end among those
		// of a different address is the one it may overlap. best holds the
		// entry with the latest end so far; other the one with the latest
		// end among those whose address differs from best's.
		slices.SortStableFunc(idx, func(a, b int) int {
			return compareStart(t.entries[a].ValidFrom, t.entries[b].ValidFrom)
		})
		t.byPhone[phone] = idx
		var best, other *Entry
		for _, i := range idx {
			e := &t.entries[i]
			cand := best
			if best != nil && best.Email == e.Email {
				cand = other
			}
			if cand != nil && endsAfterStart(cand.ValidTo, e.ValidFrom) {
				return p.overlapError(cand, e, h)
			}
			switch {
			case best == nil:
				best = e
			case compareEnd(e.ValidTo, best.ValidTo) > 0:
				if e.Email != best.Email {
					other = best
				}
				best = e
			case e.Email != best.Email && (other == nil || compareEnd(e.ValidTo, other.ValidTo) > 0):
				other = e
			}
		}
	}
	return nil
}

func (p *parser) overlapError(a, b *Entry, h *header) error {
	if a.Line > b.Line {
		a, b = b, a
	}
	hint := "make the periods not overlap (a valid_to date includes that whole day)"
	if h.index[colFrom] < 0 && h.index[colTo] < 0 {
		hint = "add valid_from and valid_to columns to say when each mapping holds, or remove one line"
	}
	return p.errorf(b.Line, h.name(colPhone), "%s maps to %s %s, but line %d maps it to %s %s; a number can name only one mailbox at a time: %s",
		b.Phone, b.Email, describePeriod(b), a.Line, a.Email, describePeriod(a), hint)
}

// compareStart orders starts; nil (since ever) is first.
func compareStart(a, b *time.Time) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	return a.Compare(*b)
}

// compareEnd orders ends; nil (without end) is last.
func compareEnd(a, b *time.Time) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return 1
	case b == nil:
		return -1
	}
	return a.Compare(*b)
}

// endsAfterStart reports whether a period ending at end (exclusive) reaches
// past start.
func endsAfterStart(end, start *time.Time) bool {
	if end == nil || start == nil {
		return true
	}
	return end.After(*start)
}

// Bounds of the years valid_from and valid_to may name.
const (
	minYear = 1900
	maxYear = 9999
)

const instantHint = "want a date YYYY-MM-DD (a day in UTC) or an RFC 3339 timestamp with a zone, e.g. 2024-03-01T09:00:00Z, or leave it empty for no limit"

// parseInstant reads a valid_from (end false) or valid_to (end true) cell. A
// date is midnight UTC at its start, or for an end at the start of the next
// day. "" is nil.
func parseInstant(s string, end bool) (*time.Time, error) {
	if s == "" {
		return nil, nil
	}
	var t time.Time
	var err error
	isDate := !strings.ContainsAny(s, "Tt:")
	if isDate {
		t, err = time.Parse(time.DateOnly, s)
	} else {
		t, err = time.Parse(time.RFC3339, s)
	}
	if err != nil {
		detail := ""
		var pe *time.ParseError
		if errors.As(err, &pe) && pe.Message != "" {
			detail = " (" + strings.TrimPrefix(pe.Message, ": ") + ")"
		}
		kind := "a date"
		if !isDate {
			kind = "a timestamp"
		}
		return nil, fmt.Errorf("%s is not %s%s; %s", quoteInput(s), kind, detail, instantHint)
	}
	t = t.UTC()
	if y := t.Year(); y < minYear || y > maxYear {
		return nil, fmt.Errorf("%s is out of range: the year must be between %d and %d", quoteInput(s), minYear, maxYear)
	}
	if isDate && end {
		t = t.AddDate(0, 0, 1)
	}
	return &t, nil
}

const emailHint = "write the mailbox address, e.g. alice@corp.example"

// normalizeEmail checks that s looks like a mailbox address and lowercases it.
func normalizeEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", fmt.Errorf("empty; every line needs the mailbox address, e.g. alice@corp.example")
	}
	if len(s) > 254 {
		return "", fmt.Errorf("%s is not an email address: it is longer than 254 characters", quoteInput(s))
	}
	if !utf8.ValidString(s) {
		return "", fmt.Errorf("%s is not an email address: it is not valid UTF-8 text", quoteInput(s))
	}
	for _, r := range s {
		if unicode.IsSpace(r) || !unicode.IsPrint(r) || strings.ContainsRune(`"<>()[]\,;:`, r) {
			return "", fmt.Errorf("%s is not an email address: %q cannot appear in one; %s", quoteInput(s), r, emailHint)
		}
	}
	lower := strings.ToLower(s)
	local, domain, ok := strings.Cut(lower, "@")
	switch {
	case !ok:
		return "", fmt.Errorf("%s is not an email address: it has no @; %s", quoteInput(s), emailHint)
	case strings.Contains(domain, "@"):
		return "", fmt.Errorf("%s is not an email address: it has more than one @; %s", quoteInput(s), emailHint)
	case local == "":
		return "", fmt.Errorf("%s is not an email address: nothing comes before the @; %s", quoteInput(s), emailHint)
	case !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") || strings.Contains(domain, ".."):
		return "", fmt.Errorf("%s is not an email address: %q is not a domain name such as corp.example; %s", quoteInput(s), domain, emailHint)
	}
	if a, err := mail.ParseAddress(lower); err != nil || a.Name != "" || a.Address != lower {
		return "", fmt.Errorf("%s is not an email address; %s", quoteInput(s), emailHint)
	}
	return lower, nil
}

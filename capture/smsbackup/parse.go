package smsbackup

import (
	"bufio"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/custos-archive/custos/item"
)

// Options say whose backup is read.
type Options struct {
	// Owner is the phone the backup was made on: the participant on the
	// owner's side of every item. Owner.Phone is required and must be E.164;
	// Name and Email are copied into every item as given.
	Owner item.Participant
	// Normalize, when set, turns a number as the phone stored it into
	// E.164, or returns an error when it cannot. Without it only numbers
	// already in E.164 (after removing spaces, dashes, dots, slashes and
	// parentheses) become phones; see the package documentation.
	Normalize func(raw string) (e164 string, err error)
}

// Stats counts what Parse did with the elements of a file. Every <sms>,
// <mms> and <call> under the root is in exactly one of SMS, MMS, Calls,
// Duplicates, RejectedCount and Unfinished.
type Stats struct {
	SMS   int `json:"sms"`   // <sms> elements emitted as items
	MMS   int `json:"mms"`   // <mms> elements emitted as items
	Calls int `json:"calls"` // <call> elements emitted as items
	// Duplicates counts elements skipped because an element with the same
	// content key came shortly before in the file (see DedupWindow).
	Duplicates int `json:"duplicates"`
	// Rejected lists broken elements in file order, at most MaxRejected.
	Rejected []Rejected `json:"rejected,omitempty"`
	// RejectedCount counts all broken elements, listed or not.
	RejectedCount int `json:"rejected_count"`
	// Unfinished is 1 when the input ended, or broke with a syntax error,
	// inside an <sms>, <mms> or <call>: that element was not emitted.
	Unfinished int `json:"unfinished"`
	// Unknown counts other elements under the root, which are skipped.
	Unknown int `json:"unknown"`
	// Lines is the number of the last line read.
	Lines int `json:"lines"`
}

// Items returns the number of items emitted.
func (s Stats) Items() int { return s.SMS + s.MMS + s.Calls }

// Elements returns the number of <sms>, <mms> and <call> elements seen.
func (s Stats) Elements() int { return s.Items() + s.Duplicates + s.RejectedCount + s.Unfinished }

// Rejected is a broken element that was skipped.
type Rejected struct {
	File    string `json:"file"`
	Line    int    `json:"line"`    // the line the element starts on
	Element string `json:"element"` // "sms", "mms" or "call"
	Reason  string `json:"reason"`  // what is wrong, naming the attribute
}

func (r Rejected) String() string {
	return fmt.Sprintf("%s:%d: <%s> skipped: %s", r.File, r.Line, r.Element, r.Reason)
}

// MaxRejected bounds Stats.Rejected, so that a file of garbage cannot fill
// the memory; RejectedCount counts on.
const MaxRejected = 1000

// DedupWindow is how many recent content keys Parse remembers to skip
// repeated elements. Repeats further apart are emitted again with the same
// SourceID (the store keeps one copy); the window only bounds memory.
const DedupWindow = 8192

// ErrTruncated is matched (errors.Is) by the error of a file that ends
// inside an element: the backup was cut off.
var ErrTruncated = errors.New("truncated backup")

// ErrNotBackup is matched by the error of a file whose root element is not
// <smses> or <calls>.
var ErrNotBackup = errors.New("not an SMS Backup & Restore file")

// Error is why Parse stopped before the end of a file. Items emitted before
// it are complete; the file's import is not.
type Error struct {
	File string
	Line int // the line the problem is on, or the line the cut element starts on
	Err  error
}

func (e *Error) Error() string { return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err) }

func (e *Error) Unwrap() error { return e.Err }

// Parse reads an SMS Backup & Restore XML file from r and calls emit with
// each item, in file order, as soon as its element is read. file names the
// input in errors and rejections. A non-nil error means the file was not
// read completely (see Error and the package documentation); the Stats say
// how far it got. An error returned by emit stops Parse and is returned
// wrapped in an *Error.
func Parse(r io.Reader, file string, o Options, emit func(*item.Item) error) (Stats, error) {
	var st Stats
	if !item.IsE164(o.Owner.Phone) {
		return st, fmt.Errorf("reading %s: Options.Owner.Phone %q is not an E.164 number (+ and 6 to 15 digits): give the number of the phone the backup was made on", file, o.Owner.Phone)
	}
	p := &parser{
		file:  file,
		o:     o,
		emit:  emit,
		st:    &st,
		dedup: newWindow(DedupWindow),
	}
	p.in = &tracker{br: bufio.NewReaderSize(r, 64<<10)}
	p.d = xml.NewDecoder(p.in)
	p.d.CharsetReader = func(charset string, _ io.Reader) (io.Reader, error) {
		return nil, fmt.Errorf("encoding %q is not supported: SMS Backup & Restore writes UTF-8; convert the file to UTF-8", charset)
	}
	err := p.run()
	if st.Lines == 0 {
		st.Lines, _ = p.d.InputPos()
	}
	return st, err
}

type parser struct {
	file  string
	o     Options
	emit  func(*item.Item) error
	st    *Stats
	d     *xml.Decoder
	in    *tracker
	dedup *window
	roots int // root elements seen
}

// run reads the whole document.
func (p *parser) run() error {
	depth := 0
	for {
		line, _ := p.d.InputPos()
		p.in.mark()
		tok, err := p.d.Token()
		if err == io.EOF {
			p.st.Lines, _ = p.d.InputPos()
			if p.roots == 0 {
				return &Error{p.file, line, fmt.Errorf("%w: the file has no root element (empty or not XML)", ErrNotBackup)}
			}
			return nil
		}
		if err != nil {
			// The input may break inside the start tag of an
			// element that the decoder never returned: name it
			// from the bytes read since the last token.
			element := ""
			if depth == 1 {
				element = p.in.element()
			}
			return p.fail(err, line, element)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				if t.Name.Local != "smses" && t.Name.Local != "calls" {
					return &Error{p.file, line, fmt.Errorf("%w: the root element is <%s>, want <smses> or <calls>", ErrNotBackup, t.Name.Local)}
				}
				p.roots++
				depth = 1
				continue
			}
			if err := p.element(t, line); err != nil {
				return err
			}
		case xml.EndElement:
			depth--
		}
	}
}

// element reads one element directly under the root, whose start tag is t
// on line, up to its end tag, and emits or rejects it.
func (p *parser) element(t xml.StartElement, line int) error {
	name := t.Name.Local
	var it *item.Item
	var problem error
	switch name {
	case "sms":
		if err := p.d.Skip(); err != nil {
			return p.fail(err, line, name)
		}
		it, problem = p.sms(t.Attr)
	case "call":
		if err := p.d.Skip(); err != nil {
			return p.fail(err, line, name)
		}
		it, problem = p.call(t.Attr)
	case "mms":
		m, err := p.readMMS(t)
		if err != nil {
			return p.fail(err, line, name)
		}
		it, problem = p.mms(m)
	default:
		if err := p.d.Skip(); err != nil {
			return p.fail(err, line, "")
		}
		p.st.Unknown++
		return nil
	}
	if problem == nil {
		problem = it.Validate()
	}
	if problem != nil {
		p.reject(line, name, problem.Error())
		return nil
	}
	if !p.dedup.add(it.SourceID) {
		p.st.Duplicates++
		return nil
	}
	if err := p.emit(it); err != nil {
		return &Error{p.file, line, fmt.Errorf("handing on the <%s> item: %w", name, err)}
	}
	switch name {
	case "sms":
		p.st.SMS++
	case "mms":
		p.st.MMS++
	case "call":
		p.st.Calls++
	}
	return nil
}

func (p *parser) reject(line int, element, reason string) {
	p.st.RejectedCount++
	if len(p.st.Rejected) < MaxRejected {
		p.st.Rejected = append(p.st.Rejected, Rejected{File: p.file, Line: line, Element: element, Reason: reason})
	}
}

// fail turns a decoder error into the error Parse returns. start is the
// line the current element (named element, "" for none) starts on.
func (p *parser) fail(err error, start int, element string) error {
	end, _ := p.d.InputPos()
	p.st.Lines = end
	if element != "" {
		p.st.Unfinished = 1
	}
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		if strings.Contains(se.Msg, "unexpected EOF") {
			what := "before the end of the document"
			if element != "" {
				what = fmt.Sprintf("inside the <%s> that starts on line %d", element, start)
			}
			return &Error{p.file, start, fmt.Errorf("%w: the file ends on line %d %s; everything before it was read (copy the backup again and import it again: nothing is duplicated)", ErrTruncated, end, what)}
		}
		return &Error{p.file, se.Line, fmt.Errorf("XML syntax error: %s", se.Msg)}
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return &Error{p.file, start, fmt.Errorf("%w: the file ends on line %d", ErrTruncated, end)}
	}
	return &Error{p.file, end, fmt.Errorf("reading: %w", err)}
}

// attrs is the attributes of one element.
type attrs []xml.Attr

// get returns the value of the attribute name, with ok false when it is
// absent or the literal "null" (the app's way of writing no value).
func (as attrs) get(name string) (v string, ok bool) {
	for _, a := range as {
		if a.Name.Local == name && a.Name.Space == "" {
			if a.Value == "null" {
				return "", false
			}
			return a.Value, true
		}
	}
	return "", false
}

// str returns the value of the attribute name, or "".
func (as attrs) str(name string) string {
	v, _ := as.get(name)
	return v
}

// tracker is the decoder's byte source. It remembers the first bytes after
// a mark (leading white space skipped), so that Parse can tell which
// element a start tag cut off by the end of the input belonged to. The
// decoder reads an io.ByteReader byte by byte, without reading ahead.
type tracker struct {
	br   *bufio.Reader
	head [8]byte
	n    int
}

func (t *tracker) Read(p []byte) (int, error) { return t.br.Read(p) }

func (t *tracker) ReadByte() (byte, error) {
	b, err := t.br.ReadByte()
	if err == nil && t.n < len(t.head) && (t.n > 0 || !isSpace(b)) {
		t.head[t.n] = b
		t.n++
	}
	return b, err
}

// mark forgets the bytes read so far.
func (t *tracker) mark() { t.n = 0 }

// element returns "sms", "mms" or "call" when the bytes read since the
// mark are the start of such an element's start tag (its name followed by
// white space, "/" or ">"), else "".
func (t *tracker) element() string {
	h := t.head[:t.n]
	if len(h) > 0 && h[0] == '<' {
		h = h[1:]
	}
	for _, name := range []string{"sms", "mms", "call"} {
		if len(h) > len(name) && string(h[:len(name)]) == name {
			if c := h[len(name)]; isSpace(c) || c == '/' || c == '>' {
				return name
			}
		}
	}
	return ""
}

func isSpace(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\r' }

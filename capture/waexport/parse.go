package waexport

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/custos-archive/custos/item"
)

// ErrNotExport is returned (wrapped) for input that is not a WhatsApp chat
// export at all: empty, binary, UTF-16, or without a single line that starts
// with a date and time.
var ErrNotExport = errors.New("not a WhatsApp chat export")

// ErrOptions is returned (wrapped) when the Options are unusable.
var ErrOptions = errors.New("waexport: bad options")

// MaxLine is the longest line ParseText reads, in bytes. WhatsApp limits a
// message to 65,536 characters; a longer line means the input is not an
// export.
const MaxLine = 16 << 20

// Options says whose export it is and how to read its times.
type Options struct {
	// Owner is the person whose phone the export came from. Phone (E.164)
	// is required; Name is the owner's name as it appears as the author of
	// their own messages, when the caller knows it.
	Owner item.Participant
	// Chat is the conversation's name. By default it is read from the file
	// name ("WhatsApp Chat with Bob.txt" is "Bob"), else from the export
	// itself (see the package documentation).
	Chat string
	// Location is the phone's time zone: exports give local times without
	// an offset. Nil means UTC.
	Location *time.Location
	// DayFirst decides between day/month and month/day when the file does
	// not: when no date in it has a first or second field above 12, or
	// dates have both. Nil means infer (see the package documentation).
	DayFirst *bool
}

// Rejected is a line that starts like a message but could not be read, or a
// non-empty line before the first message. Continuation lines after a
// rejected header belong to it and are in Text.
type Rejected struct {
	File   string // the file name given to ParseText (for a zip: "x.zip/_chat.txt")
	Line   int    // 1-based line number
	Reason string // what is wrong, e.g. "date 31/02/2020 does not exist (read as day/month/year)"
	Text   string // the line as written, and its continuation lines
}

func (r Rejected) String() string { return fmt.Sprintf("%s:%d: %s", r.File, r.Line, r.Reason) }

// Result is what ParseText and ParseZip read from an export.
type Result struct {
	// Items are the messages in file order (which need not be time order).
	// Items with the same sender share one To slice: copy it before
	// changing it.
	Items []*item.Item
	// Rejected are the lines that could not be read, in file order.
	Rejected []Rejected
	// Format is the detected header layout, e.g. "d/m/yyyy, HH:mm -" or
	// "[m/d/yy, h:mm:ss a]"; several, joined by " | ", for a mixed file.
	Format string
	// OrderAssumed is true when no date in the file told day/month from
	// month/day and the order in Format was assumed (see Options.DayFirst).
	OrderAssumed bool
	// Chat is the conversation name used for the items.
	Chat string
	// Lines is the number of lines read.
	Lines int
}

// record is one message (or rejected header) while the file is read.
type record struct {
	line    int
	h       header
	author  string   // as written, invisible characters removed; "" for a system line
	colon   bool     // no "Author: " found but the rest has a ':' ("Name:." messages)
	lrm     bool     // the text began with U+200E, as iOS system lines do
	text    string   // the first line's text
	more    []string // continuation lines
	full    string   // text and continuation lines, once the file is read
	reject  string   // non-empty: the record is rejected for this reason
	raw     string   // the line as written (shares the line's memory)
	when    time.Time
	wall    string // the local time as written, for the source id
	cls     class
	unsaved bool
}

// fullText joins the text and the continuation lines, without trailing
// blank lines (WhatsApp never sends a message ending in newlines; exports
// often end in blank lines).
func (r *record) fullText(first string) string {
	end := len(r.more)
	for end > 0 && strings.TrimFunc(r.more[end-1], func(c rune) bool { return space(c) || invisible(c) }) == "" {
		end--
	}
	if end == 0 {
		return first
	}
	n := len(first)
	for _, l := range r.more[:end] {
		n += 1 + len(l)
	}
	var b strings.Builder
	b.Grow(n)
	b.WriteString(first)
	for _, l := range r.more[:end] {
		b.WriteByte('\n')
		b.WriteString(l)
	}
	return b.String()
}

type parser struct {
	file      string // for Rejected and errors
	name      string // for item meta: the file's base name
	chatHint  string // a chat name from a zip's file name
	scratch   []byte // for source ids
	o         Options
	recs      []*record
	pre       []Rejected // non-empty lines before the first message
	lines     int
	headers   int
	firstLine string
}

func newParser(file string, o Options) (*parser, error) {
	if o.Owner.Phone == "" {
		return nil, fmt.Errorf("%w: Owner.Phone is required (the E.164 number of the phone the export came from)", ErrOptions)
	}
	if !item.IsE164(o.Owner.Phone) {
		return nil, fmt.Errorf("%w: Owner.Phone %q is not an E.164 number (+ and 6 to 15 digits, e.g. +15550100)", ErrOptions, o.Owner.Phone)
	}
	if err := (&item.Item{Source: item.WhatsApp, Kind: item.Chat, SourceID: "-", Conversation: item.Conversation{ID: "-"}, From: o.Owner, Time: time.Unix(1, 0)}).Validate(); err != nil {
		return nil, fmt.Errorf("%w: Owner: %v", ErrOptions, err)
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	o.Chat = strings.TrimSpace(o.Chat)
	return &parser{file: file, name: filepath.Base(file), o: o}, nil
}

// ParseText reads a WhatsApp chat export (.txt, Android or iOS layout, any
// date format) from r. file names the input in Rejected lines, in item meta
// and, unless o.Chat is set, gives the chat name. Media named in the export
// cannot be attached from a text file alone: such items keep their text and
// carry meta "media": "omitted" and "media-file" (see ParseZip).
//
// The error is non-nil only when r cannot be read or holds no export at all
// (ErrNotExport) or the options are unusable (ErrOptions); lines that cannot
// be read are in Result.Rejected.
func ParseText(r io.Reader, file string, o Options) (*Result, error) {
	p, err := newParser(file, o)
	if err != nil {
		return nil, err
	}
	if err := p.read(r); err != nil {
		return nil, err
	}
	res, refs, err := p.finish()
	if err != nil {
		return nil, err
	}
	for _, ref := range refs {
		markOmitted(ref)
	}
	return res, nil
}

// read splits r into lines and records.
func (p *parser) read(r io.Reader) error {
	br := bufio.NewReaderSize(r, 64<<10)
	if head, _ := br.Peek(2); len(head) == 2 && (head[0] == 0xff && head[1] == 0xfe || head[0] == 0xfe && head[1] == 0xff) {
		return fmt.Errorf("%s: %w: the file is UTF-16; WhatsApp writes UTF-8, so it was converted on the way: export the chat again", p.file, ErrNotExport)
	}
	sc := bufio.NewScanner(br)
	sc.Buffer(make([]byte, 0, 64<<10), MaxLine)
	sc.Split(splitLines)
	var cur *record
	for sc.Scan() {
		p.lines++
		line := sc.Text()
		if !utf8.ValidString(line) {
			line = strings.ToValidUTF8(line, "\uFFFD")
		}
		if p.firstLine == "" && strings.TrimSpace(stripInvisible(line)) != "" {
			p.firstLine = line
		}
		h, kind, reason := parseHeader(line)
		switch kind {
		case isHeader:
			p.headers++
			cur = p.newRecord(h, line)
		case badHeader:
			p.headers++
			cur = &record{line: p.lines, reject: reason, raw: trimInvisible(line)}
			p.recs = append(p.recs, cur)
		default:
			l := trimInvisible(line)
			if cur == nil {
				if strings.TrimFunc(l, func(c rune) bool { return space(c) || invisible(c) }) != "" {
					p.pre = append(p.pre, Rejected{File: p.file, Line: p.lines, Reason: "text before the first message", Text: l})
				}
				continue
			}
			cur.more = append(cur.more, l)
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return fmt.Errorf("%s: line %d is longer than %d MiB: %w", p.file, p.lines+1, MaxLine>>20, ErrNotExport)
		}
		return fmt.Errorf("%s: reading line %d: %w", p.file, p.lines+1, err)
	}
	if p.headers == 0 {
		if p.firstLine == "" {
			return fmt.Errorf("%s: %w: the file is empty", p.file, ErrNotExport)
		}
		return fmt.Errorf("%s: %w: no line starts with a date and time the way WhatsApp writes them; the first line is %q", p.file, ErrNotExport, clip(p.firstLine, 80))
	}
	return nil
}

// splitLines is a bufio.SplitFunc for lines ended by LF, CRLF or a bare CR.
func splitLines(data []byte, atEOF bool) (int, []byte, error) {
	if len(data) == 0 {
		return 0, nil, nil
	}
	end := bytes.IndexByte(data, '\n')
	search := data
	if end >= 0 {
		search = data[:end]
	}
	if cr := bytes.IndexByte(search, '\r'); cr >= 0 {
		switch {
		case cr+1 < len(data) && data[cr+1] == '\n':
			return cr + 2, data[:cr], nil
		case cr+1 < len(data) || atEOF:
			return cr + 1, data[:cr], nil
		default:
			return 0, nil, nil // is it CRLF? read on
		}
	}
	if end >= 0 {
		return end + 1, data[:end], nil
	}
	if atEOF {
		return len(data), data, nil
	}
	return 0, nil, nil
}

// newRecord starts a message from its header line.
func (p *parser) newRecord(h header, line string) *record {
	r := &record{line: p.lines, h: h, unsaved: h.unsaved, raw: trimInvisible(line)}
	rest := trimLead(h.rest)
	if strings.HasPrefix(rest, "~") {
		if t := trimLead(rest[1:]); len(t) < len(rest)-1 {
			r.unsaved = true
			rest = t
		}
	}
	author, text, ok := splitAuthor(rest)
	if ok {
		author = cleanName(author)
	}
	if ok && author != "" {
		r.author = author
		r.lrm = strings.HasPrefix(skipSpaces(text), "\u200e")
		r.text = trimLead(text)
	} else {
		r.text = rest
		r.colon = strings.IndexByte(rest, ':') > 0
	}
	p.recs = append(p.recs, r)
	return r
}

// maxAuthor is the longest author name looked for before ": ", in bytes.
const maxAuthor = 256

// splitAuthor splits "Author: text" at the first ": " (or a ':' ending the
// line) that comes before any quotation mark: system lines quote group names,
// which may hold ": ".
func splitAuthor(rest string) (author, text string, ok bool) {
	for i := 0; i < len(rest) && i <= maxAuthor; i++ {
		switch rest[i] {
		case '"':
			return "", "", false
		case 0xe2: // “ ” „ are E2 80 9C/9D/9E
			if i+2 < len(rest) && rest[i+1] == 0x80 && rest[i+2] >= 0x9c && rest[i+2] <= 0x9e {
				return "", "", false
			}
		case 0xc2: // « » are C2 AB/BB
			if i+1 < len(rest) && (rest[i+1] == 0xab || rest[i+1] == 0xbb) {
				return "", "", false
			}
		case ':':
			if i == len(rest)-1 {
				return rest[:i], "", true
			}
			if rest[i+1] == ' ' {
				return rest[:i], rest[i+2:], true
			}
			if r, n := utf8.DecodeRuneInString(rest[i+1:]); space(r) || invisible(r) {
				return rest[:i], rest[i+1+n:], true
			}
		}
	}
	return "", "", false
}

// cleanName removes invisible characters and surrounding spaces from a name.
func cleanName(s string) string {
	return strings.TrimFunc(stripInvisible(s), space)
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// finish resolves what needs the whole file (date order, "Name:." authors,
// the chat name, the participants) and builds the items. It returns the
// media references for the caller to attach or mark omitted.
func (p *parser) finish() (*Result, []mediaRef, error) {
	res := &Result{Lines: p.lines}

	// "John Doe:." — an author followed by a colon and no space is known
	// only when the name also authors other messages.
	known := map[string]bool{}
	for _, r := range p.recs {
		if r.reject == "" && r.author != "" {
			known[r.author] = true
		}
	}
	for _, r := range p.recs {
		if r.reject != "" || r.author != "" || !r.colon {
			continue
		}
		if a, t, ok := strings.Cut(r.text, ":"); ok && known[cleanName(a)] {
			r.author = cleanName(a)
			r.lrm = strings.HasPrefix(t, "\u200e")
			r.text = trimLead(t)
		}
	}

	// Dates, once the day/month order of each date shape is known.
	layouts := p.resolveDates(res)

	// What each message is.
	chat := p.namedChat()
	for _, r := range p.recs {
		if r.reject != "" {
			continue
		}
		r.full = r.fullText(r.text)
		r.text, r.more = "", nil
		r.cls = classify(r, r.full, chat, true)
	}

	ctx := p.people(res)

	var refs []mediaRef
	seen := map[[32]byte]int{}
	for i, r := range p.recs {
		p.recs[i] = nil // let the records go as the items are made
		if r.reject != "" {
			res.Rejected = append(res.Rejected, Rejected{File: p.file, Line: r.line, Reason: r.reject, Text: r.fullText(r.raw)})
			continue
		}
		it, ref := p.build(r, ctx, seen)
		if err := ctx.validate(it); err != nil {
			// Never expected; keep the line rather than lose it silently.
			res.Rejected = append(res.Rejected, Rejected{File: p.file, Line: r.line, Reason: "cannot make an item of it: " + err.Error(), Text: r.raw})
			continue
		}
		res.Items = append(res.Items, it)
		if ref.name != "" || ref.omitted {
			ref.it = it
			refs = append(refs, ref)
		}
	}
	res.Rejected = append(res.Rejected, p.pre...)
	sort.SliceStable(res.Rejected, func(i, j int) bool { return res.Rejected[i].Line < res.Rejected[j].Line })
	res.Format = strings.Join(layouts, " | ")
	p.recs = nil
	return res, refs, nil
}

// validate validates an item. When every participant has been found valid
// (see people), it leaves out To, which costs most and is shared.
func (c *chatContext) validate(it *item.Item) error {
	if c.bad != "" {
		return it.Validate()
	}
	to := it.To
	it.To = nil
	err := it.Validate()
	it.To = to
	return err
}

// build makes the item of one record.
func (p *parser) build(r *record, ctx *chatContext, seen map[[32]byte]int) (*item.Item, mediaRef) {
	c := &r.cls
	text := r.full

	// The content key: same export, same ids.
	p.scratch = appendFields(p.scratch[:0], r.wall, r.author, text)
	key := sha256.Sum256(p.scratch)
	occ := seen[key]
	seen[key] = occ + 1
	p.scratch = appendFields(p.scratch[:0], p.o.Owner.Phone, ctx.chat, r.wall, r.author, text, strconv.Itoa(occ))
	id := sha256.Sum256(p.scratch)

	it := &item.Item{
		Source:       item.WhatsApp,
		Kind:         c.kind,
		SourceID:     hex.EncodeToString(id[:]),
		Conversation: item.Conversation{ID: ctx.convID, Name: ctx.chat, Type: ctx.typ},
		Time:         r.when,
		Owner:        p.o.Owner.Phone,
		Call:         c.call,
		Location:     c.place,
		Meta: map[string]string{
			"export-file": p.name,
			"export-line": strconv.Itoa(r.line),
		},
	}
	var fromOwner bool
	it.From, it.To, fromOwner = ctx.fromTo(r)
	switch {
	case c.kind == item.Edit:
		it.Text = c.edited
	default:
		it.Text = text
	}
	if c.event != "" {
		it.Meta["event"] = c.event
	}
	if c.live {
		it.Meta["location"] = "live"
	}
	if r.unsaved {
		it.Meta["author-unsaved"] = "true"
	}
	if c.call != nil && fromOwner {
		call := *c.call
		call.Direction = "outbound" // the owner placed it
		it.Call = &call
	}
	var ref mediaRef
	if c.media != "" || c.omitted {
		ref = mediaRef{name: c.media, omitted: c.omitted, caption: c.caption}
	}
	return it, ref
}

// appendFields appends each field as its length in decimal, a colon and its
// bytes, so that no two lists of fields give the same bytes.
func appendFields(b []byte, fields ...string) []byte {
	for _, f := range fields {
		b = strconv.AppendInt(b, int64(len(f)), 10)
		b = append(b, ':')
		b = append(b, f...)
	}
	return b
}

// wallClock formats a local time as written, for the source id.
func wallClock(y, m, d, hh, mm, ss int) string {
	var b [19]byte
	t := time.Date(y, time.Month(m), d, hh, mm, ss, 0, time.UTC)
	return string(t.AppendFormat(b[:0], "2006-01-02T15:04:05"))
}

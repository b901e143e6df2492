// Package convert turns an item into one RFC 5322 / MIME message: From the
// sender, To the other participants, Date the item's time, a Subject that says
// what it is, a text and an HTML body, the attachments with their original
// names and types, and X-Custos-* headers carrying the source metadata.
//
// Conversion is deterministic: the same item and attachment refs give the same
// bytes. The result is a Message, a skeleton of the MIME text with holes where
// the base64 bodies of attachments go; Render fills the holes from the blob
// store as it streams. So the archive keeps each attachment once, as raw bytes
// in the content-addressed blob store, and a message of any size is written
// without being held in memory.
package convert

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/custos-archive/custos/item"
	"github.com/custos-archive/custos/store/blob"
	gomail "github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"
)

// Domain is the domain of Message-IDs and of the addresses made up for
// participants who have no email address. ".invalid" (RFC 2606) cannot be
// mistaken for, or deliver to, a real domain.
const Domain = "custos.invalid"

// Hole is a place in a skeleton where the base64 body of a blob goes.
type Hole struct {
	Offset int    // byte offset in the skeleton
	SHA256 string // the blob
	Size   int64  // the blob's size in bytes
}

// Message is a converted item: the MIME text with holes for attachment bodies.
type Message struct {
	Skeleton []byte
	Holes    []Hole
}

// Size returns the length of the rendered message in bytes.
func (m *Message) Size() int64 {
	n := int64(len(m.Skeleton))
	for _, h := range m.Holes {
		n += Base64Len(h.Size)
	}
	return n
}

// Base64Len returns the length of n bytes in base64 with CRLF after every 76
// characters and after the last line, as Render writes them.
func Base64Len(n int64) int64 {
	if n == 0 {
		return 0
	}
	enc := (n + 2) / 3 * 4
	lines := (enc + 75) / 76
	return enc + 2*lines
}

// Opener opens a blob by its SHA-256.
type Opener func(sha256 string) (io.ReadCloser, error)

// Render writes the message to w, streaming each attachment from open.
func (m *Message) Render(w io.Writer, open Opener) (int64, error) {
	var total int64
	pos := 0
	for _, h := range m.Holes {
		n, err := w.Write(m.Skeleton[pos:h.Offset])
		total += int64(n)
		if err != nil {
			return total, err
		}
		pos = h.Offset
		rc, err := open(h.SHA256)
		if err != nil {
			return total, fmt.Errorf("rendering attachment %s: %w", h.SHA256, err)
		}
		bw := &base64Lines{w: w}
		enc := base64.NewEncoder(base64.StdEncoding, bw)
		copied, err := io.Copy(enc, rc)
		rc.Close()
		if err == nil {
			err = enc.Close()
		}
		if err == nil {
			err = bw.close()
		}
		total += bw.n
		if err != nil {
			return total, fmt.Errorf("rendering attachment %s: %w", h.SHA256, err)
		}
		if copied != h.Size {
			return total, fmt.Errorf("rendering attachment %s: blob has %d bytes, want %d", h.SHA256, copied, h.Size)
		}
	}
	n, err := w.Write(m.Skeleton[pos:])
	total += int64(n)
	return total, err
}

// base64Lines breaks base64 text into CRLF-terminated lines of 76 characters.
type base64Lines struct {
	w    io.Writer
	col  int
	n    int64
	buf  [4096]byte
	fill int
}

func (b *base64Lines) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		if b.fill > len(b.buf)-78 {
			if err := b.flush(); err != nil {
				return 0, err
			}
		}
		k := copy(b.buf[b.fill:b.fill+76-b.col], p)
		p = p[k:]
		b.fill += k
		b.col += k
		if b.col == 76 {
			b.buf[b.fill] = '\r'
			b.buf[b.fill+1] = '\n'
			b.fill += 2
			b.col = 0
		}
	}
	return n, nil
}

func (b *base64Lines) flush() error {
	n, err := b.w.Write(b.buf[:b.fill])
	b.n += int64(n)
	b.fill = 0
	return err
}

func (b *base64Lines) close() error {
	if b.col > 0 {
		b.buf[b.fill] = '\r'
		b.buf[b.fill+1] = '\n'
		b.fill += 2
		b.col = 0
	}
	return b.flush()
}

// MessageID returns the Message-ID (without angle brackets) of the message
// made from the item with this source and source id: the same item always
// gets the same Message-ID, whatever mailbox it is filed in.
func MessageID(src item.Source, sourceID string) string {
	sum := sha256.Sum256([]byte(string(src) + "\x00" + sourceID))
	return hex.EncodeToString(sum[:16]) + "." + string(src) + "@" + Domain
}

// Address returns the email address a participant appears under: the
// participant's email property when known, else an address made from the
// phone number or the platform id under the source's subdomain of Domain.
func Address(src item.Source, p item.Participant) string {
	if p.Email != "" {
		return p.Email
	}
	local := ""
	switch {
	case p.Phone != "":
		local = p.Phone
	case p.ID != "":
		local = atom(p.ID)
	default:
		local = "unknown"
	}
	return local + "@" + string(src) + "." + Domain
}

// atom keeps the characters of s that are allowed unquoted in an address's
// local part, replacing the others with '-'.
func atom(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
			strings.ContainsRune("!#$%&'*+-/=?^_`{|}~", r)) {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	out := strings.Trim(b.String(), "-")
	if out == "" || len(out) > 64 {
		sum := sha256.Sum256([]byte(s))
		return "id-" + hex.EncodeToString(sum[:8])
	}
	return out
}

// Subject returns the subject line of the message made from the item.
func Subject(it *item.Item) string {
	s := it.Source.Label() + " " + it.Kind.Label()
	if it.Source == item.EnterpriseNumber && (it.Kind == item.SMS || it.Kind == item.MMS) {
		s = it.Kind.Label()
	}
	name := it.Conversation.Name
	if name == "" {
		name = displayName(it.From)
	}
	switch {
	case it.Conversation.Type == item.Group:
		s += " in " + name
	case it.Kind == item.Call || it.Kind == item.CallLog || it.Kind == item.VoiceRecording:
		s += " with " + otherParty(it)
	default:
		s += " from " + displayName(it.From)
	}
	if it.Call != nil {
		s += " (" + it.Call.Direction + ", " + it.Call.Status + ", " + Duration(it.Call.Duration) + ")"
	}
	return s
}

func otherParty(it *item.Item) string {
	if it.Call != nil && it.Call.Direction == "outbound" && len(it.To) > 0 {
		return displayName(it.To[0])
	}
	return displayName(it.From)
}

func displayName(p item.Participant) string {
	switch {
	case p.Name != "":
		return p.Name
	case p.Phone != "":
		return p.Phone
	case p.Email != "":
		return p.Email
	}
	return p.ID
}

// Duration formats seconds as 1h02m03s, 2m05s or 7s.
func Duration(sec int64) string {
	d := time.Duration(sec) * time.Second
	h, m, s := int64(d.Hours()), int64(d.Minutes())%60, sec%60
	switch {
	case h > 0:
		return fmt.Sprintf("%dh%02dm%02ds", h, m, s)
	case m > 0:
		return fmt.Sprintf("%dm%02ds", m, s)
	}
	return fmt.Sprintf("%ds", s)
}

// Convert builds the message for the item. refs holds the stored blob of
// each attachment, in the order of it.AllAttachments().
func Convert(it *item.Item, refs []blob.Ref) (*Message, error) {
	atts := it.AllAttachments()
	if len(refs) != len(atts) {
		return nil, fmt.Errorf("converting %s item %q: %d attachments but %d blob refs", it.Source, it.SourceID, len(atts), len(refs))
	}
	c := &counter{}
	fields := headerFields(it)
	tos := make([]*gomail.Address, 0, len(it.To))
	for _, p := range it.To {
		tos = append(tos, address(it.Source, p))
	}
	// Addresses are formatted through go-message so that names are RFC 2047
	// encoded exactly as mail clients expect.
	var addrs gomail.Header
	addrs.SetAddressList("From", []*gomail.Address{address(it.Source, it.From)})
	if len(tos) > 0 {
		addrs.SetAddressList("To", tos)
	} else {
		addrs.Set("To", "undisclosed-recipients:;")
	}
	addrs.SetDate(it.Time)
	addrs.SetSubject(Subject(it))
	addrs.SetMessageID(MessageID(it.Source, it.SourceID))
	if it.RefersTo != "" {
		ref := MessageID(it.Source, it.RefersTo)
		addrs.SetMsgIDList("In-Reply-To", []string{ref})
		addrs.SetMsgIDList("References", []string{ref})
	}
	addrs.Set("MIME-Version", "1.0")
	// The top-level fields, in the order they are written.
	var top [][2]string
	for _, k := range []string{"From", "To", "Date", "Subject", "Message-Id", "In-Reply-To", "References", "Mime-Version"} {
		if v := addrs.Get(k); v != "" {
			top = append(top, [2]string{k, v})
		}
	}
	top = append(top, fields...)
	header := func(ctype string) textproto.Header {
		var h textproto.Header
		// WriteHeader writes the field added last first.
		h.Add("Content-Type", ctype)
		for i := len(top) - 1; i >= 0; i-- {
			h.Add(top[i][0], top[i][1])
		}
		return h
	}

	boundary := boundaryFor(it)
	v := makeView(it, refs)
	textBody, htmlBody := textBody(&v), htmlBody(&v)
	msg := &Message{}
	// Sized for the headers and both bodies with their quoted-printable
	// growth, so the buffer is not grown by doubling (that was a fifth of
	// the pipeline's allocated bytes).
	var buf bytes.Buffer
	buf.Grow(2048 + (len(textBody)+len(htmlBody))*9/8)
	c.w = &buf

	alt := "alt-" + boundary
	if len(atts) == 0 {
		textproto.WriteHeader(c, header(mime.FormatMediaType("multipart/alternative", map[string]string{"boundary": alt})))
		writeAlternative(c, alt, textBody, htmlBody)
	} else {
		mixed := "mix-" + boundary
		textproto.WriteHeader(c, header(mime.FormatMediaType("multipart/mixed", map[string]string{"boundary": mixed})))
		fmt.Fprintf(c, "--%s\r\n", mixed)
		var ph textproto.Header
		ph.Add("Content-Type", mime.FormatMediaType("multipart/alternative", map[string]string{"boundary": alt}))
		textproto.WriteHeader(c, ph)
		writeAlternative(c, alt, textBody, htmlBody)
		for i, a := range atts {
			fmt.Fprintf(c, "\r\n--%s\r\n", mixed)
			var ah textproto.Header
			// Added in reverse: WriteHeader writes the last added first.
			ah.Add("Content-Transfer-Encoding", "base64")
			disp := "attachment"
			if i >= len(it.Attachments) {
				ah.Add("X-Custos-Original", "yes")
			}
			ah.Add("Content-Disposition", formatMediaType(disp, "filename", a.Name, refs[i].Size))
			ah.Add("Content-Type", contentType(a.ContentType, a.Name))
			textproto.WriteHeader(c, ah)
			msg.Holes = append(msg.Holes, Hole{Offset: int(c.n), SHA256: refs[i].SHA256, Size: refs[i].Size})
		}
		fmt.Fprintf(c, "\r\n--%s--\r\n", mixed)
	}
	msg.Skeleton = buf.Bytes()
	return msg, nil
}

func writeAlternative(w io.Writer, boundary, text, html string) {
	fmt.Fprintf(w, "--%s\r\n", boundary)
	writeTextPart(w, "text/plain", text)
	fmt.Fprintf(w, "\r\n--%s\r\n", boundary)
	writeTextPart(w, "text/html", html)
	fmt.Fprintf(w, "\r\n--%s--\r\n", boundary)
}

func writeTextPart(w io.Writer, ctype, body string) {
	var h textproto.Header
	h.Add("Content-Transfer-Encoding", "quoted-printable")
	h.Add("Content-Type", mime.FormatMediaType(ctype, map[string]string{"charset": "utf-8"}))
	textproto.WriteHeader(w, h)
	qp := quotedprintable.NewWriter(w)
	io.WriteString(qp, strings.ReplaceAll(body, "\n", "\r\n"))
	qp.Close()
}

func contentType(ct, name string) string {
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		mt, params = "application/octet-stream", nil
	}
	if params == nil {
		params = map[string]string{}
	}
	params["name"] = name
	if s := mime.FormatMediaType(mt, params); s != "" {
		return s
	}
	return mime.FormatMediaType("application/octet-stream", map[string]string{"name": name})
}

func formatMediaType(disp, key, name string, size int64) string {
	return mime.FormatMediaType(disp, map[string]string{key: name, "size": strconv.FormatInt(size, 10)})
}

func boundaryFor(it *item.Item) string {
	sum := sha256.Sum256([]byte("boundary\x00" + string(it.Source) + "\x00" + it.SourceID))
	return "custos-" + hex.EncodeToString(sum[:12])
}

func address(src item.Source, p item.Participant) *gomail.Address {
	return &gomail.Address{Name: p.Name, Address: Address(src, p)}
}

// headerFields returns the X-Custos-* source headers of the item, in order.
func headerFields(it *item.Item) [][2]string {
	f := [][2]string{
		{"X-Custos-Source", string(it.Source)},
		{"X-Custos-Kind", string(it.Kind)},
		{"X-Custos-Source-Id", encodeText(it.SourceID)},
		{"X-Custos-Conversation-Id", encodeText(it.Conversation.ID)},
		{"X-Custos-Conversation-Type", string(it.Conversation.Type)},
	}
	if it.Conversation.Name != "" {
		f = append(f, [2]string{"X-Custos-Conversation-Name", encodeText(it.Conversation.Name)})
	}
	f = append(f, [2]string{"X-Custos-Participant", participantField("from", it.From)})
	for _, p := range it.To {
		f = append(f, [2]string{"X-Custos-Participant", participantField("to", p)})
	}
	if it.Owner != "" {
		f = append(f, [2]string{"X-Custos-Owner", it.Owner})
	}
	if it.Call != nil {
		f = append(f,
			[2]string{"X-Custos-Call-Direction", it.Call.Direction},
			[2]string{"X-Custos-Call-Status", encodeText(it.Call.Status)},
			[2]string{"X-Custos-Call-Duration", strconv.FormatInt(it.Call.Duration, 10)},
		)
		if it.Call.Video {
			f = append(f, [2]string{"X-Custos-Call-Video", "yes"})
		}
	}
	if it.RefersTo != "" {
		f = append(f, [2]string{"X-Custos-Refers-To", encodeText(it.RefersTo)})
	}
	switch it.Kind {
	case item.Deleted:
		f = append(f, [2]string{"X-Custos-Deleted", "yes"})
	case item.Recalled:
		f = append(f, [2]string{"X-Custos-Recalled", "yes"})
	case item.Edit:
		f = append(f, [2]string{"X-Custos-Edited", "yes"})
	}
	keys := make([]string, 0, len(it.Meta))
	for k := range it.Meta {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		f = append(f, [2]string{"X-Custos-Meta-" + k, encodeText(it.Meta[k])})
	}
	return f
}

// participantField formats a participant as a MIME-parameter header value:
// `from; phone=+15550100; email=a@b.example; name="Alice Smith"`. Non-ASCII
// names are RFC 2231 encoded.
func participantField(role string, p item.Participant) string {
	params := map[string]string{}
	if p.Phone != "" {
		params["phone"] = p.Phone
	}
	if p.Email != "" {
		params["email"] = p.Email
	}
	if p.Name != "" {
		params["name"] = p.Name
	}
	if p.ID != "" {
		params["id"] = p.ID
	}
	s := mime.FormatMediaType(role, params)
	if s == "" {
		return role
	}
	return s
}

// encodeText makes a header value safe: RFC 2047 for non-ASCII, control
// characters replaced.
func encodeText(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	return mime.QEncoding.Encode("utf-8", s)
}

type counter struct {
	w io.Writer
	n int64
}

func (c *counter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

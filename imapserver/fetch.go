package imapserver

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"github.com/custos-archive/custos/store"
	"github.com/emersion/go-imap/v2"
	goimap "github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-message/textproto"
)

// errEnough stops a render once a partial fetch has what it asked for.
var errEnough = errors.New("enough")

func (s *session) Fetch(w *goimap.FetchWriter, numSet imap.NumSet, options *imap.FetchOptions) error {
	sel := s.sel
	if sel == nil {
		return nil
	}
	refs := sel.resolve(numSet)
	if len(refs) == 0 || sel.folder.ID == 0 {
		return nil
	}
	seqOf := make(map[uint32]uint32, len(refs))
	uids := make([]uint32, len(refs))
	for i, r := range refs {
		seqOf[r.uid] = r.seq
		uids[i] = r.uid
	}
	// A copy removed from the store since the client learnt of it is
	// skipped: its EXPUNGE follows.
	err := s.srv.st.CopiesByUID(s.ctx, sel.folder.ID, uids, func(c store.Copy) error {
		return s.fetchOne(w.CreateMessage(seqOf[c.UID]), c, options)
	})
	var ie *imap.Error
	if err != nil && !errors.As(err, &ie) {
		var we writeError
		if errors.As(err, &we) {
			return we.err
		}
		return s.internal("fetching", err)
	}
	return err
}

// writeError is an error writing to the client: the connection is broken.
type writeError struct{ err error }

func (e writeError) Error() string { return e.err.Error() }

// headerLen returns the length of the message header, blank line included,
// which the skeleton always holds whole (holes are in attachment bodies).
func headerLen(c store.Copy) int {
	i := bytes.Index(c.Message.Skeleton, []byte("\r\n\r\n"))
	if i < 0 || (len(c.Message.Holes) > 0 && i+4 > c.Message.Holes[0].Offset) {
		return -1
	}
	return i + 4
}

func (s *session) fetchOne(w *goimap.FetchResponseWriter, c store.Copy, o *imap.FetchOptions) error {
	w.WriteUID(imap.UID(c.UID))
	if o.Flags {
		w.WriteFlags([]imap.Flag{imap.FlagSeen})
	}
	if o.InternalDate {
		w.WriteInternalDate(c.Item.Time)
	}
	if o.RFC822Size {
		w.WriteRFC822Size(c.Size)
	}
	hl := headerLen(c)
	if o.Envelope {
		var h textproto.Header
		if hl > 0 {
			h, _ = textproto.ReadHeader(bufio.NewReader(bytes.NewReader(c.Message.Skeleton[:hl])))
		}
		w.WriteEnvelope(goimap.ExtractEnvelope(h))
	}
	if o.BodyStructure != nil {
		var bs imap.BodyStructure
		err := s.withRendered(c, func(r io.Reader) { bs = goimap.ExtractBodyStructure(r) })
		if err != nil {
			return err
		}
		w.WriteBodyStructure(bs)
	}
	for _, sec := range o.BodySection {
		if err := s.fetchSection(w, c, hl, sec); err != nil {
			return err
		}
	}
	for _, sec := range o.BinarySection {
		var b []byte
		if err := s.withRendered(c, func(r io.Reader) { b = goimap.ExtractBinarySection(r, sec) }); err != nil {
			return err
		}
		if err := writeLiteral(w.WriteBinarySection(sec, int64(len(b))), b); err != nil {
			return err
		}
	}
	for _, sec := range o.BinarySectionSize {
		var n uint32
		if err := s.withRendered(c, func(r io.Reader) { n = goimap.ExtractBinarySectionSize(r, sec) }); err != nil {
			return err
		}
		w.WriteBinarySectionSize(sec, n)
	}
	if err := w.Close(); err != nil {
		return writeError{err}
	}
	return nil
}

func writeLiteral(wc io.WriteCloser, b []byte) error {
	_, err := wc.Write(b)
	if cerr := wc.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return writeError{err}
	}
	return nil
}

// fetchSection writes one BODY[...] item. The whole message, its text and
// their partial ranges are streamed from the store; headers come from the
// skeleton; a nested part is cut from the rendered message.
func (s *session) fetchSection(w *goimap.FetchResponseWriter, c store.Copy, hl int, sec *imap.FetchItemBodySection) error {
	top := len(sec.Part) == 0
	switch {
	case top && sec.Specifier == imap.PartSpecifierNone && len(sec.HeaderFields) == 0 && len(sec.HeaderFieldsNot) == 0:
		return s.stream(w, c, sec, 0, c.Size)
	case top && sec.Specifier == imap.PartSpecifierText && hl > 0:
		return s.stream(w, c, sec, int64(hl), c.Size-int64(hl))
	case top && sec.Specifier == imap.PartSpecifierHeader && hl > 0:
		b := goimap.ExtractBodySection(bytes.NewReader(c.Message.Skeleton[:hl]), sec)
		return writeLiteral(w.WriteBodySection(sec, int64(len(b))), b)
	}
	var b []byte
	if err := s.withRendered(c, func(r io.Reader) { b = goimap.ExtractBodySection(r, sec) }); err != nil {
		return err
	}
	return writeLiteral(w.WriteBodySection(sec, int64(len(b))), b)
}

// stream writes the bytes [from, from+n) of the rendered message, cut to
// the section's partial range, as a literal, without holding them.
func (s *session) stream(w *goimap.FetchResponseWriter, c store.Copy, sec *imap.FetchItemBodySection, from, n int64) error {
	skip, size := from, n
	if p := sec.Partial; p != nil {
		if p.Offset >= n {
			size = 0
		} else {
			size = min(p.Size, n-p.Offset)
		}
		skip += p.Offset
	}
	lit := w.WriteBodySection(sec, size)
	win := &window{w: lit, skip: skip, left: size}
	whole := skip == 0 && size == c.Size
	h := sha256.New()
	var dst io.Writer = win
	if whole {
		dst = io.MultiWriter(h, win)
	}
	_, err := c.Message.Render(dst, s.opener())
	if errors.Is(err, errEnough) {
		err = nil
	}
	if err == nil && win.left > 0 {
		err = fmt.Errorf("message %s rendered %d bytes short", c.MessageID, win.left)
	}
	if err != nil {
		// The literal is cut short: the connection cannot go on.
		s.srv.log.Error("imap: rendering a message", "user", s.user.Email, "message_id", c.MessageID, "error", err)
		lit.Close()
		s.conn.NetConn().Close()
		return writeError{err}
	}
	if err := lit.Close(); err != nil {
		return writeError{err}
	}
	if whole && hex.EncodeToString(h.Sum(nil)) != c.SHA256 {
		// Sent already; the integrity failure is for the operators.
		s.srv.log.Error("imap: a message's bytes do not match its stored SHA-256", "message_id", c.MessageID, "item", c.ID)
	}
	return nil
}

// window passes through the bytes after the first skip, at most left of
// them, and then stops the render with errEnough.
type window struct {
	w          io.Writer
	skip, left int64
}

func (x *window) Write(p []byte) (int, error) {
	n := len(p)
	if x.skip > 0 {
		if int64(len(p)) <= x.skip {
			x.skip -= int64(len(p))
			return n, nil
		}
		p = p[x.skip:]
		x.skip = 0
	}
	if x.left <= 0 {
		return n, errEnough
	}
	if int64(len(p)) > x.left {
		p = p[:x.left]
	}
	k, err := x.w.Write(p)
	x.left -= int64(k)
	if err != nil {
		return n, writeError{err}
	}
	return n, nil
}

func (s *session) opener() func(string) (io.ReadCloser, error) {
	return func(sha string) (io.ReadCloser, error) {
		rc, _, err := s.srv.st.Blobs().Open(s.ctx, sha)
		return rc, err
	}
}

// withRendered calls fn with a reader of the rendered message, streamed
// from the store as fn reads.
func (s *session) withRendered(c store.Copy, fn func(io.Reader)) error {
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		_, err := c.Message.Render(pw, s.opener())
		pw.CloseWithError(err)
		done <- err
	}()
	fn(pr)
	// fn may stop reading early: the render stops too.
	pr.CloseWithError(errEnough)
	if err := <-done; err != nil && !errors.Is(err, errEnough) {
		return s.internal("rendering a message", err)
	}
	return nil
}

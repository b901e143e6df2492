// Package export writes archived messages out in standard formats.
package export

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"time"
)

// Mbox writes messages in the mboxrd format: each message starts with a
// "From " line, line endings are LF, and body lines that begin with any
// number of '>' followed by "From " get one more '>', so every reader can
// split the file and restore the messages exactly.
type Mbox struct {
	w *bufio.Writer
}

// NewMbox returns an Mbox writing to w. Call Flush at the end.
func NewMbox(w io.Writer) *Mbox {
	return &Mbox{w: bufio.NewWriterSize(w, 64<<10)}
}

// Add writes one message. sender and t fill the "From " separator line;
// render writes the message's RFC 5322 bytes (CRLF or LF line endings).
func (m *Mbox) Add(sender string, t time.Time, render func(io.Writer) error) error {
	if sender == "" {
		sender = "MAILER-DAEMON"
	}
	if _, err := fmt.Fprintf(m.w, "From %s %s\n", sender, t.UTC().Format("Mon Jan _2 15:04:05 2006")); err != nil {
		return err
	}
	lw := &lineWriter{w: m.w, bol: true}
	if err := render(lw); err != nil {
		return err
	}
	if err := lw.finish(); err != nil {
		return err
	}
	_, err := m.w.WriteString("\n")
	return err
}

// Flush writes buffered data.
func (m *Mbox) Flush() error { return m.w.Flush() }

// lineWriter converts CRLF to LF and quotes From_ lines, streaming.
type lineWriter struct {
	w       *bufio.Writer
	bol     bool   // at the beginning of a line
	pending []byte // start of a line held back to decide on quoting
	cr      bool   // a CR was seen and not yet written
	ended   bool   // the last byte written was LF
}

var from = []byte("From ")

func (l *lineWriter) Write(p []byte) (int, error) {
	for _, c := range p {
		if err := l.byte(c); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

func (l *lineWriter) byte(c byte) error {
	if l.cr {
		l.cr = false
		if c != '\n' {
			if err := l.emit('\r'); err != nil {
				return err
			}
		}
	}
	if c == '\r' {
		l.cr = true
		return nil
	}
	return l.emit(c)
}

func (l *lineWriter) emit(c byte) error {
	if l.bol || l.pending != nil {
		l.bol = false
		l.pending = append(l.pending, c)
		rest := bytes.TrimLeft(l.pending, ">")
		switch {
		case c == '\n':
		case len(rest) < len(from) && bytes.HasPrefix(from, rest):
			return nil // still undecided
		}
		if bytes.HasPrefix(rest, from) {
			l.w.WriteByte('>')
		}
		_, err := l.w.Write(l.pending)
		l.ended = c == '\n'
		l.bol = c == '\n'
		l.pending = nil
		return err
	}
	l.ended = c == '\n'
	if c == '\n' {
		l.bol = true
	}
	return l.w.WriteByte(c)
}

func (l *lineWriter) finish() error {
	if l.cr {
		l.cr = false
		if err := l.emit('\r'); err != nil {
			return err
		}
	}
	if l.pending != nil {
		if _, err := l.w.Write(l.pending); err != nil {
			return err
		}
		l.ended = l.pending[len(l.pending)-1] == '\n'
		l.pending = nil
	}
	if !l.ended {
		l.ended = true
		return l.w.WriteByte('\n')
	}
	return nil
}

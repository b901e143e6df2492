package imapserver

import (
	"bytes"
	"crypto/tls"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
)

// wireConn sits between a client's connection and go-imap's protocol code,
// for three things go-imap v2 beta.8 gets wrong and offers no hook for:
//
//   - It answers some syntax errors (a malformed message set, an unknown
//     search key, a bad date, a mailbox name that is not modified UTF-7)
//     "NO [SERVERBUG] Internal server error", because its parser reports
//     them as plain errors, before any of this package's code is called.
//     wireConn remembers each command; when its tagged answer is that line
//     and diagnose finds the syntax error in the command, the answer becomes
//     "BAD [CLIENTBUG]" with what was wrong and what was expected. A command
//     diagnose finds nothing wrong with keeps the library's answer.
//   - It answers SELECT "[READ-WRITE]" whatever the session says; the
//     archive is read-only, so the answer becomes "[READ-ONLY]".
//   - Doing so needs the clear text, so TLS ends here rather than in
//     go-imap: implicit TLS, and STARTTLS (answered here, before go-imap
//     sees it). go-imap is told logins are always allowed; the session
//     refuses them without TLS, and the capability lines say STARTTLS and
//     LOGINDISABLED until then, as go-imap itself would.
//
// Nothing else is changed: literals (message bodies among them) are passed
// through untouched, and only whole tagged lines answering a remembered
// command are rewritten.
type wireConn struct {
	net.Conn             // the client's TCP connection
	cfg      *tls.Config // for STARTTLS; nil when it is not offered
	insecure bool        // Config.InsecureAuth

	mu    sync.Mutex // cur, while STARTTLS switches it
	cur   net.Conn   // Conn, or the TLS connection over it
	isTLS atomic.Bool
	// authed is set on login: STARTTLS is then go-imap's to refuse.
	authed atomic.Bool

	// Reading. Before STARTTLS, whole lines are held back until seen not to
	// be STARTTLS (vetting).
	vetting bool
	rbuf    []byte // read from the client, not yet handed to go-imap
	ready   []byte // vetted, to hand to go-imap
	rerr    error  // read error to return once rbuf is handed on
	in      inTracker

	// Commands awaiting their tagged answer, oldest first.
	cmu  sync.Mutex
	cmds []command

	// Writing.
	wmu     sync.Mutex
	litLeft int64  // bytes of an outgoing literal still to pass through
	line    []byte // the current outgoing line, held back while short
	passing bool   // the current line is too long to be rewritten: pass it on
	tail    []byte // last bytes of a passed-on line, to find a literal's size
	out     []byte
}

// command is a command line as the client sent it, literals left out.
type command struct {
	tag       string
	text      string // without the CRLF; "{n}" where a literal was
	truncated bool
}

const (
	maxCommands    = 32   // remembered commands awaiting an answer
	maxCommandText = 4096 // bytes of a command remembered
	maxHeldLine    = 512  // outgoing lines longer than this are never rewritten
	maxVetLine     = 64 * 1024
)

// wireListener wraps accepted connections in wireConns.
type wireListener struct {
	net.Listener
	srv         *Server
	implicitTLS bool
}

func (l wireListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	w := &wireConn{Conn: c, cur: c, insecure: l.srv.cfg.InsecureAuth}
	if l.implicitTLS {
		w.cur = tls.Server(c, l.srv.cfg.TLS)
		w.isTLS.Store(true)
	} else if l.srv.cfg.TLS != nil {
		w.cfg = l.srv.cfg.TLS
		w.vetting = true
	}
	return w, nil
}

func (c *wireConn) conn() net.Conn {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cur
}

func (c *wireConn) Close() error { return c.conn().Close() }

// secure reports whether the connection is encrypted.
func (c *wireConn) secure() bool { return c.isTLS.Load() }

func (c *wireConn) Read(p []byte) (int, error) {
	if !c.vetting {
		n, err := c.conn().Read(p)
		c.observe(p[:n])
		return n, err
	}
	for len(c.ready) == 0 {
		if err := c.vet(); err != nil {
			return 0, err
		}
		if !c.vetting {
			return c.Read(p)
		}
	}
	n := copy(p, c.ready)
	c.ready = c.ready[n:]
	return n, nil
}

// vet moves the next whole line (or literal bytes) from rbuf to ready,
// reading more when needed, and answers STARTTLS itself.
func (c *wireConn) vet() error {
	release := func(n int) {
		b := c.rbuf[:n]
		c.observe(b)
		c.ready = append(c.ready[:0], b...)
		c.rbuf = c.rbuf[n:]
	}
	if len(c.rbuf) > 0 && c.in.litLeft > 0 {
		release(int(min(c.in.litLeft, int64(len(c.rbuf)))))
		return nil
	}
	if i := bytes.IndexByte(c.rbuf, '\n'); i >= 0 {
		if c.in.atCommandStart() && !c.authed.Load() {
			if tag, ok := isStartTLS(c.rbuf[:i+1]); ok {
				c.rbuf = c.rbuf[i+1:]
				return c.startTLS(tag)
			}
		}
		release(i + 1)
		return nil
	}
	if len(c.rbuf) >= maxVetLine || (c.rerr != nil && len(c.rbuf) > 0) {
		release(len(c.rbuf))
		return nil
	}
	if c.rerr != nil {
		return c.rerr
	}
	var buf [4096]byte
	n, err := c.Conn.Read(buf[:])
	c.rbuf = append(c.rbuf, buf[:n]...)
	c.rerr = err
	return nil
}

// isStartTLS reports whether line is "tag STARTTLS".
func isStartTLS(line []byte) (string, bool) {
	f := bytes.Fields(line)
	if len(f) != 2 || !bytes.EqualFold(f[1], []byte("STARTTLS")) || !bytes.HasSuffix(line, []byte("\n")) {
		return "", false
	}
	return string(f[0]), true
}

// startTLS answers STARTTLS and makes the connection TLS. Bytes the client
// sent after the command are the start of its TLS handshake.
func (c *wireConn) startTLS(tag string) error {
	c.wmu.Lock()
	_, err := c.Conn.Write([]byte(tag + " OK Begin TLS negotiation now\r\n"))
	c.wmu.Unlock()
	if err != nil {
		return err
	}
	t := tls.Server(&prefixConn{Conn: c.Conn, buf: c.rbuf, err: c.rerr}, c.cfg)
	c.rbuf, c.rerr = nil, nil
	if err := t.Handshake(); err != nil {
		return err
	}
	c.mu.Lock()
	c.cur = t
	c.mu.Unlock()
	c.isTLS.Store(true)
	c.vetting = false
	c.in = inTracker{}
	return nil
}

// prefixConn reads buf (and then err, if any) before the connection.
type prefixConn struct {
	net.Conn
	buf []byte
	err error
}

func (p *prefixConn) Read(b []byte) (int, error) {
	if len(p.buf) > 0 {
		n := copy(b, p.buf)
		p.buf = p.buf[n:]
		return n, nil
	}
	if p.err != nil {
		return 0, p.err
	}
	return p.Conn.Read(b)
}

// inTracker splits what the client sends into command lines.
type inTracker struct {
	line    []byte
	over    bool  // the line is longer than maxCommandText
	litLeft int64 // bytes of a literal still to come
	cont    bool  // the line continues a command after a literal
}

func (t *inTracker) atCommandStart() bool {
	return len(t.line) == 0 && !t.over && !t.cont && t.litLeft == 0
}

// observe remembers the commands in bytes handed to go-imap.
func (c *wireConn) observe(b []byte) {
	t := &c.in
	for len(b) > 0 {
		if t.litLeft > 0 {
			k := min(t.litLeft, int64(len(b)))
			b, t.litLeft = b[k:], t.litLeft-k
			continue
		}
		i := bytes.IndexByte(b, '\n')
		seg := b
		if i >= 0 {
			seg = b[:i+1]
		}
		b = b[len(seg):]
		if room := maxCommandText - len(t.line); room >= len(seg) {
			t.line = append(t.line, seg...)
		} else {
			t.line = append(t.line, seg[:max(room, 0)]...)
			t.over = true
		}
		if i < 0 {
			return
		}
		text := string(bytes.TrimRight(t.line, "\r\n"))
		n := int64(-1)
		if !t.over {
			n = literalSize(text)
		}
		c.remember(text, t.cont, t.over)
		t.line, t.over = t.line[:0], false
		t.cont = n >= 0
		if n > 0 {
			t.litLeft = n
		}
	}
}

// literalSize returns n when line ends with a literal's "{n}" or "{n+}",
// -1 otherwise.
func literalSize(line string) int64 {
	if len(line) < 3 || line[len(line)-1] != '}' {
		return -1
	}
	i := len(line) - 2
	if line[i] == '+' || line[i] == '-' {
		i--
	}
	j := i
	for j >= 0 && line[j] >= '0' && line[j] <= '9' {
		j--
	}
	if j < 0 || j == i || line[j] != '{' {
		return -1
	}
	n, err := strconv.ParseInt(line[j+1:i+1], 10, 64)
	if err != nil {
		return -1
	}
	return n
}

func (c *wireConn) remember(text string, cont, truncated bool) {
	c.cmu.Lock()
	defer c.cmu.Unlock()
	if cont && len(c.cmds) > 0 {
		last := &c.cmds[len(c.cmds)-1]
		if len(last.text)+len(text) > maxCommandText {
			last.truncated = true
			return
		}
		last.text += text
		last.truncated = last.truncated || truncated
		return
	}
	tag, _, _ := bytesCut(text, ' ')
	if len(c.cmds) == maxCommands {
		c.cmds = append(c.cmds[:0], c.cmds[1:]...)
	}
	c.cmds = append(c.cmds, command{tag: tag, text: text, truncated: truncated})
}

func bytesCut(s string, sep byte) (string, string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == sep {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// forget forgets the remembered command a tagged line too long to be
// rewritten answers.
func (c *wireConn) forget(line []byte) {
	if tag, _, ok := bytesCut(string(line), ' '); ok && tag != "*" && tag != "+" {
		c.answered(tag)
	}
}

// answered returns the remembered command of that tag, forgetting it and
// those before it (answered already: go-imap answers in order).
func (c *wireConn) answered(tag string) (command, bool) {
	c.cmu.Lock()
	defer c.cmu.Unlock()
	for i, cmd := range c.cmds {
		if cmd.tag == tag {
			c.cmds = append(c.cmds[:0], c.cmds[i+1:]...)
			return cmd, true
		}
	}
	return command{}, false
}

func (c *wireConn) Write(p []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.out = c.out[:0]
	for b := p; len(b) > 0; {
		if c.litLeft > 0 {
			k := min(c.litLeft, int64(len(b)))
			c.out = append(c.out, b[:k]...)
			b, c.litLeft = b[k:], c.litLeft-k
			continue
		}
		i := bytes.IndexByte(b, '\n')
		seg := b
		if i >= 0 {
			seg = b[:i+1]
		}
		b = b[len(seg):]
		if !c.passing {
			c.line = append(c.line, seg...)
			if i < 0 {
				if len(c.line) > maxHeldLine {
					c.forget(c.line)
					c.out = append(c.out, c.line...)
					c.keepTail(c.line)
					c.line, c.passing = c.line[:0], true
				}
				continue
			}
			// A line too long to hold is passed as it is, however it was
			// cut into writes.
			line := c.line
			if len(line) <= maxHeldLine {
				line = c.rewrite(line)
			} else {
				c.forget(line)
			}
			c.out = append(c.out, line...)
			c.tail = append(c.tail[:0], line...)
			c.line = c.line[:0]
		} else {
			c.out = append(c.out, seg...)
			c.keepTail(seg)
			if i < 0 {
				continue
			}
			c.passing = false
		}
		if n := literalSize(string(bytes.TrimRight(c.tail, "\r\n"))); n > 0 {
			c.litLeft = n
		}
		c.tail = c.tail[:0]
	}
	if len(c.out) > 0 {
		if _, err := c.conn().Write(c.out); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

func (c *wireConn) keepTail(b []byte) {
	c.tail = append(c.tail, b...)
	if len(c.tail) > 32 {
		c.tail = append(c.tail[:0], c.tail[len(c.tail)-32:]...)
	}
}

var (
	serverBug = []byte("NO [SERVERBUG] Internal server error\r\n")
	readWrite = []byte("OK [READ-WRITE] ")
)

// rewrite returns the outgoing line (with its CRLF) to send instead of line.
func (c *wireConn) rewrite(line []byte) []byte {
	if !c.secure() {
		if bytes.HasPrefix(line, []byte("* CAPABILITY ")) || bytes.HasPrefix(line, []byte("* OK [CAPABILITY ")) {
			return c.plainCaps(line)
		}
	}
	tag, rest, ok := bytesCut(string(line), ' ')
	if !ok || tag == "*" || tag == "+" {
		return line
	}
	cmd, ok := c.answered(tag)
	if !ok {
		return line
	}
	switch {
	case bytes.Equal([]byte(rest), serverBug):
		if cmd.truncated {
			return line
		}
		if msg, bad := diagnose(cmd.text); bad {
			return []byte(tag + " BAD [CLIENTBUG] " + msg + "\r\n")
		}
	case bytes.HasPrefix([]byte(rest), readWrite) && commandName(cmd.text) == "SELECT":
		return []byte(tag + " OK [READ-ONLY] " + rest[len(readWrite):])
	}
	return line
}

// plainCaps is a capability line for a connection without TLS: go-imap
// offers AUTH=PLAIN, as it is told logins are allowed; they are not (unless
// Config.InsecureAuth), and STARTTLS is offered when there is a certificate.
func (c *wireConn) plainCaps(line []byte) []byte {
	auth := " AUTH=PLAIN"
	if !c.insecure {
		auth = " LOGINDISABLED"
	}
	if c.cfg != nil && !c.authed.Load() {
		auth = " STARTTLS" + auth
	}
	return bytes.Replace(line, []byte(" AUTH=PLAIN"), []byte(auth), 1)
}

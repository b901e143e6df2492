package delivery

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-sasl"
)

// IMAPConfig configures the IMAP sink.
type IMAPConfig struct {
	// URL is the server: imaps://host:993 (implicit TLS),
	// imap+starttls://host:143, or imap://host:port (no TLS; loopback only).
	URL string
	// User and Password are a master user's: the sink logs in to each
	// person's mailbox with SASL PLAIN, authenticating as User and
	// authorised as the mailbox's address (Dovecot master users, Cyrus and
	// Stalwart admins work this way).
	User, Password string
	// CAFile, when set, is a PEM file of the certificates to trust instead
	// of the system's (for a server with a private CA).
	CAFile string
	// Timeout bounds each network step (default 30 s).
	Timeout time.Duration
}

// IMAPSink appends messages to mailboxes on an IMAP server. It keeps one
// connection, to the mailbox of the last message; the runner hands it one
// mailbox's copies after another.
type IMAPSink struct {
	cfg     IMAPConfig
	u       *url.URL
	tls     *tls.Config
	c       *imapclient.Client
	user    string          // whose mailbox c is logged in to
	created map[string]bool // folders known to exist, for user
}

// NewIMAP returns an IMAP sink. It does not connect yet.
func NewIMAP(cfg IMAPConfig) (*IMAPSink, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("delivery URL %q: want imaps://host:port, imap+starttls://host:port or imap://127.0.0.1:port", cfg.URL)
	}
	s := &IMAPSink{cfg: cfg, u: u}
	if s.cfg.Timeout <= 0 {
		s.cfg.Timeout = 30 * time.Second
	}
	host := u.Hostname()
	switch u.Scheme {
	case "imaps", "imap+starttls":
		if u.Port() == "" {
			port := "993"
			if u.Scheme == "imap+starttls" {
				port = "143"
			}
			u.Host = net.JoinHostPort(host, port)
		}
		s.tls = &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
		if cfg.CAFile != "" {
			pem, err := os.ReadFile(cfg.CAFile)
			if err != nil {
				return nil, fmt.Errorf("delivery CA file: %w", err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("delivery CA file %s: no PEM certificate in it", cfg.CAFile)
			}
			s.tls.RootCAs = pool
		}
	case "imap":
		// Credentials and archived messages never cross a network in clear.
		if ip := net.ParseIP(host); (ip == nil || !ip.IsLoopback()) && host != "localhost" {
			return nil, fmt.Errorf("delivery URL %q: imap:// (no TLS) is allowed to a loopback address only; use imaps:// or imap+starttls://", cfg.URL)
		}
	default:
		return nil, fmt.Errorf("delivery URL %q: the scheme must be imaps, imap+starttls or imap", cfg.URL)
	}
	if cfg.User == "" || cfg.Password == "" {
		return nil, errors.New("delivery needs the master user's name and password (CUSTOS_DELIVER_IMAP_USER, CUSTOS_DELIVER_IMAP_PASSWORD)")
	}
	return s, nil
}

// Target is the server's URL without credentials.
func (s *IMAPSink) Target() string { return s.u.Scheme + "://" + s.u.Host }

// Close logs out.
func (s *IMAPSink) Close() error {
	if s.c == nil {
		return nil
	}
	s.c.Logout().Wait()
	err := s.c.Close()
	s.c = nil
	return err
}

func (s *IMAPSink) drop() {
	if s.c != nil {
		s.c.Close()
		s.c = nil
	}
}

// client returns a connection logged in to the mailbox.
func (s *IMAPSink) client(ctx context.Context, mailbox string) (*imapclient.Client, error) {
	if s.c != nil && s.user == mailbox {
		select {
		case <-s.c.Closed():
			s.c = nil
		default:
			return s.c, nil
		}
	}
	s.drop()
	d := &net.Dialer{Timeout: s.cfg.Timeout}
	conn, err := d.DialContext(ctx, "tcp", s.u.Host)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	conn = &deadlineConn{Conn: conn, timeout: s.cfg.Timeout}
	var c *imapclient.Client
	switch s.u.Scheme {
	case "imaps":
		c = imapclient.New(tls.Client(conn, s.tls), nil)
	case "imap+starttls":
		c, err = imapclient.NewStartTLS(conn, &imapclient.Options{TLSConfig: s.tls})
	default:
		c = imapclient.New(conn, nil)
	}
	if err == nil {
		err = c.WaitGreeting()
	}
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("%w: %s: %v", ErrUnavailable, s.Target(), err)
	}
	if err := c.Authenticate(sasl.NewPlainClient(mailbox, s.cfg.User, s.cfg.Password)); err != nil {
		c.Close()
		if isNetErr(err) {
			return nil, fmt.Errorf("%w: %s: %v", ErrUnavailable, s.Target(), err)
		}
		return nil, fmt.Errorf("logging in to %s at %s as %s: %w (check the master user and that the mailbox exists there)", mailbox, s.Target(), s.cfg.User, err)
	}
	s.c, s.user, s.created = c, mailbox, map[string]bool{}
	return c, nil
}

// isNetErr reports whether err is the connection failing rather than the
// server answering NO or BAD.
func isNetErr(err error) bool {
	var ie *imap.Error
	return err != nil && !errors.As(err, &ie)
}

// wrap classifies an error of a command: a broken connection is dropped
// and reported as the target being unavailable.
func (s *IMAPSink) wrap(what string, err error) error {
	if err == nil {
		return nil
	}
	if isNetErr(err) {
		s.drop()
		return fmt.Errorf("%w: %s: %s: %v", ErrUnavailable, s.Target(), what, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// Has looks for the Message-ID in the folder.
func (s *IMAPSink) Has(ctx context.Context, m Message) (bool, uint32, error) {
	c, err := s.client(ctx, m.Mailbox)
	if err != nil {
		return false, 0, err
	}
	if _, err := c.Select(m.Folder, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		var ie *imap.Error
		if errors.As(err, &ie) && ie.Type == imap.StatusResponseTypeNo {
			return false, 0, nil // no folder, no message
		}
		return false, 0, s.wrap("opening "+m.Folder, err)
	}
	defer func() { c.Unselect().Wait() }()
	res, err := c.UIDSearch(&imap.SearchCriteria{Header: []imap.SearchCriteriaHeaderField{{Key: "Message-ID", Value: "<" + m.MessageID + ">"}}}, nil).Wait()
	if err != nil {
		return false, 0, s.wrap("searching "+m.Folder, err)
	}
	uids := res.AllUIDs()
	if len(uids) == 0 {
		return false, 0, nil
	}
	return true, uint32(uids[0]), nil
}

// Deliver appends the message, creating the folder first if needed.
func (s *IMAPSink) Deliver(ctx context.Context, m Message) (uint32, error) {
	c, err := s.client(ctx, m.Mailbox)
	if err != nil {
		return 0, err
	}
	if !s.created[m.Folder] {
		if err := c.Create(m.Folder, nil).Wait(); err != nil {
			var ie *imap.Error
			if !errors.As(err, &ie) || (ie.Code != imap.ResponseCodeAlreadyExists && !strings.Contains(strings.ToLower(ie.Text), "exists")) {
				return 0, s.wrap("creating "+m.Folder, err)
			}
		}
		s.created[m.Folder] = true
	}
	cmd := c.Append(m.Folder, m.Size, &imap.AppendOptions{Time: m.Date})
	ew := &errWriter{w: cmd}
	werr := m.WriteTo(ew)
	cerr := cmd.Close()
	data, err := cmd.Wait()
	if werr != nil && ew.err == nil {
		// The message could not be read from the archive: the connection
		// holds a cut literal and is dropped.
		s.drop()
		return 0, fmt.Errorf("reading the archived message: %w", werr)
	}
	if err == nil {
		err = cerr
	}
	if err == nil {
		err = werr
	}
	if err != nil {
		return 0, s.wrap("appending to "+m.Folder, err)
	}
	return uint32(data.UID), nil
}

// errWriter remembers a write error, to tell the network failing from the
// archive failing to render.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	n, err := e.w.Write(p)
	if err != nil && e.err == nil {
		e.err = err
	}
	return n, err
}

// deadlineConn gives every read and write a deadline, so a server that
// stops answering is an error, not a hang.
type deadlineConn struct {
	net.Conn
	timeout time.Duration
}

func (c *deadlineConn) Read(p []byte) (int, error) {
	c.Conn.SetReadDeadline(time.Now().Add(c.timeout))
	return c.Conn.Read(p)
}

func (c *deadlineConn) Write(p []byte) (int, error) {
	c.Conn.SetWriteDeadline(time.Now().Add(c.timeout))
	return c.Conn.Write(p)
}

var _ io.Closer = (*IMAPSink)(nil)

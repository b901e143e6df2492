// Package imapserver is read-only IMAP access to the archive: each user logs
// in with their Custos password or an app password and sees their own
// mailbox's folders ("WhatsApp Archiver", …), with FETCH, SEARCH and IDLE.
//
// Invariants:
//   - Nothing a client sends changes the archive. STORE, COPY, MOVE, APPEND,
//     CREATE, DELETE and RENAME are answered NO [CANNOT] with the reason;
//     EXPUNGE has nothing to remove (no message can be flagged \Deleted).
//   - A message's bytes are exactly what the store renders from the item's
//     skeleton and blobs (what `custos mailbox export` writes), and its size
//     is the stored size. BODY[] is streamed, never held whole in memory.
//   - UIDs and UIDVALIDITY are the store's (copies.uid, folders.uid_validity):
//     a UID names one copy for the folder's life and is never reused.
//   - Every message carries the flag \Seen; no flag is permanent.
//   - Logins need TLS: implicit (ServeTLS) or after STARTTLS (Serve).
//
// The protocol itself is github.com/emersion/go-imap/v2's imapserver, which
// parses every command and recovers a panic per connection; this package is
// the backend, and ends TLS itself to correct a few of the library's answers
// (wireConn: BAD for syntax errors, READ-ONLY for SELECT).
package imapserver

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync/atomic"
	"time"

	"github.com/custos-archive/custos/store"
	"github.com/custos-archive/custos/store/blob"
	"github.com/emersion/go-imap/v2"
	goimap "github.com/emersion/go-imap/v2/imapserver"
)

// Store is what the IMAP server needs of the archive's store.
type Store interface {
	Authenticate(ctx context.Context, email, secret string) (store.User, error)
	Mailbox(ctx context.Context, address string) (store.Mailbox, error)
	Folders(ctx context.Context, mailboxID int64) ([]store.Folder, error)
	FolderByID(ctx context.Context, folderID int64) (store.Folder, error)
	FolderMark(ctx context.Context, folderID int64) (store.FolderMark, error)
	FolderUIDs(ctx context.Context, folderID int64) ([]uint32, error)
	CopiesByUID(ctx context.Context, folderID int64, uids []uint32, fn func(store.Copy) error) error
	SearchUIDs(ctx context.Context, folderID int64, cond store.Cond) ([]uint32, error)
	Blobs() blob.Store
}

// Config configures a Server.
type Config struct {
	// TLS is the certificate configuration, for implicit TLS and STARTTLS.
	// Without it nobody can log in (logins need TLS).
	TLS *tls.Config
	// Logger receives the server's logs; nil discards them. Message content
	// and credentials are never logged.
	Logger *slog.Logger
	// PollInterval is how often an idling client's folder is checked for new
	// items, and the least time between two checks after commands (default
	// 2s).
	PollInterval time.Duration
	// FailedLoginDelay is the pause before a failed login is answered
	// (default 1s), and MaxFailedLogins the failures after which the
	// connection is closed (default 3).
	FailedLoginDelay time.Duration
	MaxFailedLogins  int
	// InsecureAuth allows logins without TLS. For tests on loopback only.
	InsecureAuth bool
}

// Server serves the archive over IMAP.
type Server struct {
	st     Store
	cfg    Config
	log    *slog.Logger
	imap   *goimap.Server
	ctx    context.Context
	cancel context.CancelFunc
	panics atomic.Int64
	// noPrefilter makes SEARCH check every message in Go, for the test
	// that the store's narrowing never drops a match.
	noPrefilter bool
}

// New returns a server over st.
func New(st Store, cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 2 * time.Second
	}
	if cfg.FailedLoginDelay == 0 {
		cfg.FailedLoginDelay = time.Second
	}
	if cfg.MaxFailedLogins <= 0 {
		cfg.MaxFailedLogins = 3
	}
	s := &Server{st: st, cfg: cfg, log: cfg.Logger}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.imap = goimap.New(&goimap.Options{
		NewSession: s.newSession,
		Caps: imap.CapSet{
			imap.CapIMAP4rev1: {},
			imap.CapNamespace: {},
			imap.CapESearch:   {},
			imap.CapChildren:  {},
		},
		Logger: logAdapter{s},
		// TLS ends in wireConn (see there), which go-imap cannot tell:
		// it is told logins are always allowed, and the session refuses
		// them without TLS.
		InsecureAuth: true,
	})
	return s
}

// Serve serves plain IMAP on ln, with STARTTLS when the server has a TLS
// configuration. It returns when the server is closed.
func (s *Server) Serve(ln net.Listener) error {
	return s.imap.Serve(wireListener{Listener: ln, srv: s})
}

// ServeTLS serves IMAP over implicit TLS (port 993 style) on ln.
func (s *Server) ServeTLS(ln net.Listener) error {
	if s.cfg.TLS == nil {
		return fmt.Errorf("imap: implicit TLS needs a certificate")
	}
	return s.imap.Serve(wireListener{Listener: ln, srv: s, implicitTLS: true})
}

// Close closes the listeners and every connection.
func (s *Server) Close() error {
	s.cancel()
	return s.imap.Close()
}

// Panics returns the number of panics recovered while serving connections.
// Tests fail when it is not zero.
func (s *Server) Panics() int64 { return s.panics.Load() }

// logAdapter turns the protocol library's Printf logs into slog records:
// panics are errors, the rest (clients that hang up, bad commands) debug.
type logAdapter struct{ s *Server }

func (l logAdapter) Printf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if strings.Contains(msg, "panic") {
		l.s.panics.Add(1)
		l.s.log.Error("imap: recovered from a panic", "error", msg)
		return
	}
	l.s.log.Debug("imap: " + msg)
}

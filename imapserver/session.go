package imapserver

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/custos-archive/custos/store"
	"github.com/emersion/go-imap/v2"
	goimap "github.com/emersion/go-imap/v2/imapserver"
)

// Delim is the hierarchy delimiter. Archive folder names have none.
const Delim = '/'

// inbox is the name of the empty INBOX every IMAP account has: the archive
// files nothing there, but clients expect it.
const inbox = "INBOX"

// Refusals. Each says what was refused and why.
var (
	errReadOnly = &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeCannot,
		Text: "archived items are read-only: Custos keeps them unaltered as records"}
	errNoAppend = &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeCannot,
		Text: "archived items are read-only: nothing can be added to the archive over IMAP"}
	errFolders = &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeCannot,
		Text: "archive folders are read-only: Custos makes them, they cannot be created, renamed or deleted over IMAP"}
	errInternal = &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeServerBug,
		Text: "the archive could not be read; try again later (the server log says why)"}
)

// session is one IMAP connection.
type session struct {
	srv      *Server
	conn     *goimap.Conn
	ctx      context.Context
	cancel   context.CancelFunc
	user     store.User
	mailbox  store.Mailbox
	failures int
	sel      *selected // nil when no folder is selected
}

// selected is the client's view of the selected folder: the UIDs it knows,
// in sequence-number order.
type selected struct {
	folder  store.Folder // ID 0 for the INBOX
	uids    []uint32
	mark    store.FolderMark
	stale   bool // copies gone from the store are still in uids (EXPUNGE not sent yet)
	checked time.Time
}

var _ goimap.SessionNamespace = (*session)(nil)

func (s *Server) newSession(c *goimap.Conn) (goimap.Session, *goimap.GreetingData, error) {
	ctx, cancel := context.WithCancel(s.ctx)
	return &session{srv: s, conn: c, ctx: ctx, cancel: cancel}, nil, nil
}

func (s *session) Close() error {
	s.cancel()
	return nil
}

// internal logs a store error and returns the response the client sees.
func (s *session) internal(what string, err error) error {
	if errors.Is(err, context.Canceled) {
		return err
	}
	s.srv.log.Error("imap: "+what, "user", s.user.Email, "error", err)
	return errInternal
}

func (s *session) Login(username, password string) error {
	w, _ := s.conn.NetConn().(*wireConn)
	if !s.srv.cfg.InsecureAuth && (w == nil || !w.secure()) {
		return &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodePrivacyRequired,
			Text: "logins need TLS: send STARTTLS first, or use the implicit-TLS port"}
	}
	u, err := s.srv.st.Authenticate(s.ctx, username, password)
	if errors.Is(err, store.ErrAuth) {
		s.failures++
		s.srv.log.Info("imap: login failed", "user", username, "remote", s.conn.NetConn().RemoteAddr().String())
		select {
		case <-time.After(s.srv.cfg.FailedLoginDelay):
		case <-s.ctx.Done():
		}
		if s.failures >= s.srv.cfg.MaxFailedLogins {
			s.conn.Bye("too many failed logins")
		}
		return &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeAuthenticationFailed,
			Text: "wrong user name or password (use your Custos email address and password, or an app password)"}
	}
	if err != nil {
		return s.internal("checking a login", err)
	}
	mb, err := s.srv.st.Mailbox(s.ctx, u.Email)
	if errors.Is(err, store.ErrNotFound) {
		return &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeAuthorizationFailed,
			Text: "you have no archive mailbox; ask an administrator"}
	}
	if err != nil {
		return s.internal("opening a mailbox", err)
	}
	s.user, s.mailbox = u, mb
	if w != nil {
		w.authed.Store(true)
	}
	s.srv.log.Info("imap: login", "user", u.Email)
	return nil
}

// folderByName returns the mailbox's folder of that name; the INBOX is an
// empty folder with ID 0.
func (s *session) folderByName(name string) (store.Folder, error) {
	if strings.EqualFold(name, inbox) {
		return store.Folder{Name: inbox, UIDValidity: 1, UIDNext: 1}, nil
	}
	fs, err := s.srv.st.Folders(s.ctx, s.mailbox.ID)
	if err != nil {
		return store.Folder{}, s.internal("listing folders", err)
	}
	for _, f := range fs {
		if f.Name == name {
			return f, nil
		}
	}
	names := []string{inbox}
	for _, f := range fs {
		names = append(names, fmt.Sprintf("%q", f.Name))
	}
	return store.Folder{}, &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeNonExistent,
		Text: fmt.Sprintf("no folder %q in your archive mailbox; there are: %s", name, strings.Join(names, ", "))}
}

func (s *session) folders() ([]store.Folder, error) {
	fs, err := s.srv.st.Folders(s.ctx, s.mailbox.ID)
	if err != nil {
		return nil, s.internal("listing folders", err)
	}
	all := append([]store.Folder{{Name: inbox, UIDValidity: 1, UIDNext: 1}}, fs...)
	sort.SliceStable(all[1:], func(i, j int) bool { return all[1+i].Name < all[1+j].Name })
	return all, nil
}

func (s *session) List(w *goimap.ListWriter, ref string, patterns []string, options *imap.ListOptions) error {
	if len(patterns) == 0 {
		// LIST "" "": the hierarchy delimiter.
		return w.WriteList(&imap.ListData{Attrs: []imap.MailboxAttr{imap.MailboxAttrNoSelect}, Delim: Delim})
	}
	if options.SelectSpecialUse {
		return nil // no archive folder has a special use
	}
	fs, err := s.folders()
	if err != nil {
		return err
	}
	for _, f := range fs {
		match := false
		for _, p := range patterns {
			if goimap.MatchList(f.Name, Delim, ref, p) {
				match = true
				break
			}
		}
		if !match {
			continue
		}
		data := &imap.ListData{Mailbox: f.Name, Delim: Delim, Attrs: []imap.MailboxAttr{imap.MailboxAttrHasNoChildren}}
		if options.SelectSubscribed || options.ReturnSubscribed {
			data.Attrs = append(data.Attrs, imap.MailboxAttrSubscribed)
		}
		if options.ReturnStatus != nil {
			data.Status = statusData(f, options.ReturnStatus)
		}
		if err := w.WriteList(data); err != nil {
			return err
		}
	}
	return nil
}

func statusData(f store.Folder, o *imap.StatusOptions) *imap.StatusData {
	d := &imap.StatusData{Mailbox: f.Name}
	zero := uint32(0)
	if o.NumMessages {
		n := uint32(f.Items)
		d.NumMessages = &n
	}
	if o.UIDNext {
		d.UIDNext = imap.UID(f.UIDNext)
	}
	if o.UIDValidity {
		d.UIDValidity = f.UIDValidity
	}
	if o.NumUnseen {
		d.NumUnseen = &zero
	}
	if o.NumDeleted {
		d.NumDeleted = &zero
	}
	if o.NumRecent {
		d.NumRecent = &zero
	}
	if o.Size {
		n := f.Bytes
		d.Size = &n
	}
	return d
}

func (s *session) Status(name string, options *imap.StatusOptions) (*imap.StatusData, error) {
	f, err := s.folderByName(name)
	if err != nil {
		return nil, err
	}
	return statusData(f, options), nil
}

func (s *session) Select(name string, options *imap.SelectOptions) (*imap.SelectData, error) {
	s.sel = nil
	f, err := s.folderByName(name)
	if err != nil {
		return nil, err
	}
	sel := &selected{folder: f, checked: time.Now()}
	if f.ID != 0 {
		// The mark first: a copy filed in between shows up at the next poll.
		if sel.mark, err = s.srv.st.FolderMark(s.ctx, f.ID); err != nil {
			return nil, s.internal("opening a folder", err)
		}
		if sel.uids, err = s.srv.st.FolderUIDs(s.ctx, f.ID); err != nil {
			return nil, s.internal("opening a folder", err)
		}
		if f, err = s.srv.st.FolderByID(s.ctx, f.ID); err != nil {
			return nil, s.internal("opening a folder", err)
		}
		sel.folder = f
	}
	s.sel = sel
	next := f.UIDNext
	if n := len(sel.uids); n > 0 && sel.uids[n-1] >= next {
		next = sel.uids[n-1] + 1
	}
	return &imap.SelectData{
		Flags:          []imap.Flag{imap.FlagSeen},
		PermanentFlags: []imap.Flag{},
		NumMessages:    uint32(len(sel.uids)),
		UIDNext:        imap.UID(next),
		UIDValidity:    f.UIDValidity,
	}, nil
}

func (s *session) Unselect() error {
	s.sel = nil
	return nil
}

func (s *session) Namespace() (*imap.NamespaceData, error) {
	return &imap.NamespaceData{Personal: []imap.NamespaceDescriptor{{Prefix: "", Delim: Delim}}}, nil
}

// Subscriptions are the client's business; every folder counts as
// subscribed, and (un)subscribing changes nothing.
func (s *session) Subscribe(name string) error {
	_, err := s.folderByName(name)
	return err
}

func (s *session) Unsubscribe(name string) error { return nil }

func (s *session) Create(name string, options *imap.CreateOptions) error { return errFolders }
func (s *session) Delete(name string) error                              { return errFolders }
func (s *session) Rename(from, to string, options *imap.RenameOptions) error {
	return errFolders
}

func (s *session) Append(name string, r imap.LiteralReader, options *imap.AppendOptions) (*imap.AppendData, error) {
	return nil, errNoAppend
}

func (s *session) Store(w *goimap.FetchWriter, numSet imap.NumSet, flags *imap.StoreFlags, options *imap.StoreOptions) error {
	return errReadOnly
}

func (s *session) Copy(numSet imap.NumSet, dest string) (*imap.CopyData, error) {
	return nil, errReadOnly
}

// Expunge removes the messages flagged \Deleted: there are none, as no flag
// can be stored. (CLOSE calls it too, and must succeed.)
func (s *session) Expunge(w *goimap.ExpungeWriter, uids *imap.UIDSet) error {
	return nil
}

// Move is refused like COPY (MOVE is not advertised, but clients try it).
func (s *session) Move(w *goimap.MoveWriter, numSet imap.NumSet, dest string) error {
	return errReadOnly
}

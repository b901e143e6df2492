// Package dovecottest runs Debian's Dovecot (dovecot-imapd) for tests: a
// throwaway configuration on loopback, a free port, passwd-file users and a
// master user, Maildir mailboxes under a temporary folder, the namespace
// separator "/", no TLS, no full-text search plugin. Tests stop it and
// start it again to see how clients cope.
package dovecottest

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-sasl"
)

// Master is the master user's name and password.
const (
	MasterUser     = "custos"
	MasterPassword = "master-password-for-tests"
)

// Server is a running (or stopped) Dovecot.
type Server struct {
	t    testing.TB
	Dir  string
	Addr string // 127.0.0.1:port
	conf string
	cmd  *exec.Cmd
	log  *bytes.Buffer
}

// Need returns the dovecot binary, skipping the test when it is missing
// outside CI (CI set: a failure; scripts/test.sh installs dovecot-imapd).
func Need(t testing.TB) string {
	t.Helper()
	for _, p := range []string{"dovecot", "/usr/sbin/dovecot"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("dovecot is not installed; scripts/test.sh installs dovecot-imapd (CI is set, so this is a failure)")
	}
	t.Skip("dovecot is not installed (apt-get install dovecot-imapd, or run scripts/test.sh); skipping")
	return ""
}

// Start writes a configuration for users (address → password) and starts
// Dovecot. It is stopped when the test ends.
func Start(t testing.TB, users map[string]string) *Server {
	t.Helper()
	bin := Need(t)
	// Dovecot's login processes run as dovenull and mail processes as
	// dovecot: the folder must be reachable by them, which a test's own
	// temporary folder (0700) is not.
	dir, err := os.MkdirTemp("", "custos-dovecot-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	mail := filepath.Join(dir, "mail")
	if err := os.MkdirAll(mail, 0o755); err != nil {
		t.Fatal(err)
	}
	mailUser := "dovecot"
	if os.Geteuid() != 0 {
		u, _ := user.Current()
		mailUser = u.Username
	} else if u, err := user.Lookup(mailUser); err == nil {
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		os.Chown(mail, uid, gid)
	}
	var pw strings.Builder
	names := make([]string, 0, len(users))
	for u := range users {
		names = append(names, u)
	}
	sort.Strings(names)
	for _, u := range names {
		fmt.Fprintf(&pw, "%s:{PLAIN}%s::::::\n", u, users[u])
	}
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	usersFile := write("users", pw.String())
	masters := write("masters", fmt.Sprintf("%s:{PLAIN}%s::::::\n", MasterUser, MasterPassword))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, port, _ := net.SplitHostPort(addr)
	conf := write("dovecot.conf", fmt.Sprintf(`protocols = imap
listen = 127.0.0.1
base_dir = %[1]s/run
state_dir = %[1]s/state
instance_name = custos-test-%[2]s
log_path = /dev/stderr
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
mail_location = maildir:%[1]s/mail/%%u
first_valid_uid = 1
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = %[2]s
  }
  inet_listener imaps {
    port = 0
  }
  chroot =
}
service anvil {
  chroot =
}
namespace inbox {
  inbox = yes
  separator = /
}
passdb {
  driver = passwd-file
  master = yes
  args = %[3]s
  pass = yes
}
passdb {
  driver = passwd-file
  args = %[4]s
}
userdb {
  driver = static
  args = uid=%[5]s gid=%[5]s home=%[1]s/mail/%%u
}
`, dir, port, masters, usersFile, mailUser))
	s := &Server{t: t, Dir: dir, Addr: addr, conf: conf}
	_ = bin
	s.Start()
	t.Cleanup(s.Stop)
	return s
}

// Start starts Dovecot (again) and waits until it answers.
func (s *Server) Start() {
	s.t.Helper()
	if s.cmd != nil {
		return
	}
	s.log = &bytes.Buffer{}
	cmd := exec.Command(Need(s.t), "-F", "-c", s.conf)
	cmd.Stdout, cmd.Stderr = s.log, s.log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("starting dovecot: %v", err)
	}
	s.cmd = cmd
	deadline := time.Now().Add(15 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", s.Addr, time.Second)
		if err == nil {
			buf := make([]byte, 64)
			c.SetReadDeadline(time.Now().Add(2 * time.Second))
			n, _ := c.Read(buf)
			c.Close()
			if strings.HasPrefix(string(buf[:n]), "* OK") {
				return
			}
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("dovecot did not start on %s:\n%s", s.Addr, s.log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop kills Dovecot and its child processes, as a crash would.
func (s *Server) Stop() {
	if s.cmd == nil {
		return
	}
	syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
	s.cmd.Wait()
	s.cmd = nil
	// The port is free once nothing listens on it.
	for i := 0; i < 100; i++ {
		c, err := net.DialTimeout("tcp", s.Addr, 100*time.Millisecond)
		if err != nil {
			return
		}
		c.Close()
		time.Sleep(20 * time.Millisecond)
	}
}

// Log returns what Dovecot logged since it last started.
func (s *Server) Log() string {
	if s.log == nil {
		return ""
	}
	return s.log.String()
}

// Messages returns the messages of a user's folder, as the server serves
// them (CRLF line endings), by UID; nil when the folder does not exist.
func (s *Server) Messages(mailbox, folder string) map[uint32][]byte {
	s.t.Helper()
	c, err := imapclient.DialInsecure(s.Addr, nil)
	if err != nil {
		s.t.Fatalf("connecting to dovecot: %v", err)
	}
	defer c.Close()
	if err := c.Authenticate(sasl.NewPlainClient(mailbox, MasterUser, MasterPassword)); err != nil {
		s.t.Fatalf("logging in to dovecot as %s: %v", mailbox, err)
	}
	if _, err := c.Select(folder, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		return nil
	}
	var all imap.UIDSet
	all.AddRange(1, 0)
	body := &imap.FetchItemBodySection{Peek: true}
	msgs, err := c.Fetch(all, &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{body}}).Collect()
	if err != nil {
		s.t.Fatalf("fetching from dovecot: %v", err)
	}
	out := map[uint32][]byte{}
	for _, m := range msgs {
		out[uint32(m.UID)] = m.FindBodySection(body)
	}
	return out
}

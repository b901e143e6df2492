package imapserver

import (
	"bufio"
	"context"
	"net"
	"strings"
	"testing"
	"time"
)

// FuzzCommand sends arbitrary command lines to a logged-in session with a
// folder selected. The commands are parsed by go-imap; what is fuzzed is
// that no input makes the backend panic or stops the server serving others.
//
//	go test ./imapserver -run '^$' -fuzz FuzzCommand -fuzztime 60s
func FuzzCommand(f *testing.F) {
	for _, s := range []string{
		"a FETCH 1:* (BODY[])", "a UID FETCH 1,3:5,* (BODY.PEEK[1.2.MIME]<0.10>)", "a FETCH 0 FLAGS",
		"a FETCH 4294967295:1 (BODYSTRUCTURE ENVELOPE)", "a FETCH * (BODY[HEADER.FIELDS (FROM TO)])",
		"a FETCH 1 (BODY[TEXT]<4294967295.1>)", "a FETCH 1 (BINARY[2] BINARY.SIZE[1])", "a FETCH 1 BODY[99.99]",
		"a SEARCH OR (FROM a) NOT (SINCE 1-Jan-1970) LARGER 0", "a UID SEARCH RETURN (MIN MAX COUNT) ALL",
		"a SEARCH HEADER Message-ID \"\"", "a SEARCH TEXT {3+}\r\nabc", "a SEARCH UID $", "a SEARCH 1:*,*:2 NOT NOT NOT ALL",
		"a SEARCH SENTBEFORE 31-Dec-9999 SMALLER 1", "a STORE 1:* +FLAGS.SILENT (\\Deleted)", "a COPY 1 INBOX",
		"a MOVE 1 INBOX", "a EXPUNGE", "a UID EXPUNGE 1", "a APPEND INBOX {5+}\r\nhello", "a CREATE x/y",
		"a RENAME INBOX x", "a DELETE \"WhatsApp Archiver\"", "a SELECT \"\"", "a EXAMINE {3}", "a STATUS INBOX (MESSAGES SIZE)",
		"a LIST \"\" \"%\"", "a LIST (SUBSCRIBED) \"\" * RETURN (STATUS (MESSAGES))", "a LSUB \"\" *", "a IDLE\r\nDONE",
		"a ENABLE IMAP4rev2", "a NAMESPACE", "a UNSELECT", "a CLOSE", "a LOGOUT", "a \x00\xff", "(((((((", "a FETCH 1 (" + strings.Repeat("(", 200),
	} {
		f.Add(s)
	}
	fx := newFixture(f)
	ctx := context.Background()
	app, err := fx.st.AddAppPassword(ctx, alice, "fuzz")
	if err != nil {
		f.Fatal(err)
	}
	plain := New(fx.st, Config{InsecureAuth: true, PollInterval: 10 * time.Millisecond, Logger: testLogger()})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		f.Fatal(err)
	}
	go plain.Serve(ln)
	defer plain.Close()
	session := func(t *testing.T, wait time.Duration, lines ...string) (string, bool) {
		c, err := net.DialTimeout("tcp", ln.Addr().String(), 5*time.Second)
		if err != nil {
			t.Fatalf("the server stopped accepting connections: %v", err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(wait))
		r := bufio.NewReader(c)
		r.ReadString('\n')
		for _, l := range lines {
			c.Write([]byte(l + "\r\n"))
		}
		c.Write([]byte("zz NOOP\r\n"))
		var all strings.Builder
		for {
			l, err := r.ReadString('\n')
			all.WriteString(l)
			if err != nil {
				return all.String(), false
			}
			if strings.HasPrefix(l, "zz ") {
				return all.String(), true
			}
		}
	}
	login := `l LOGIN "` + alice + `" "` + app + `"`
	f.Fuzz(func(t *testing.T, cmd string) {
		// The fuzzed session's answer is not checked: an input that leaves
		// a literal open would only be waited for.
		session(t, 300*time.Millisecond, login, `s SELECT "WhatsApp Archiver"`, cmd)
		if n := plain.Panics(); n > 0 {
			t.Fatalf("%q: the server recovered from a panic", cmd)
		}
		if out, ok := session(t, 5*time.Second, login, "n NOOP"); !ok || !strings.Contains(out, "n OK") {
			t.Fatalf("after %q the server does not answer: %q", cmd, out)
		}
	})
}

package imapserver

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/custos-archive/custos/store"
	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

func TestLoginCredentials(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	app, err := f.st.AddAppPassword(ctx, alice, "thunderbird")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		user, pw string
		ok       bool
	}{
		{alice, alicePW, true},
		{strings.ToUpper(alice), alicePW, true},
		{alice, app, true},
		{alice, "wrong password", false},
		{bob, alicePW, false},
		{"nobody@demo.example", alicePW, false},
		{"carol@demo.example", "", false}, // a user without a password
	} {
		cl := f.dial(t, "", "", nil)
		err := cl.Login(c.user, c.pw).Wait()
		if c.ok != (err == nil) {
			t.Errorf("login %s/%q: %v", c.user, c.pw, err)
		}
		var ie *imap.Error
		if !c.ok && (!errors.As(err, &ie) || ie.Code != imap.ResponseCodeAuthenticationFailed || !strings.Contains(ie.Text, "wrong user name or password")) {
			t.Errorf("login %s: want NO [AUTHENTICATIONFAILED] with a clear text, got %v", c.user, err)
		}
		cl.Close()
	}
	// A revoked app password no longer works.
	if err := f.st.RevokeAppPassword(ctx, alice, "thunderbird"); err != nil {
		t.Fatal(err)
	}
	cl := f.dial(t, "", "", nil)
	if err := cl.Login(alice, app).Wait(); err == nil {
		t.Error("revoked app password accepted")
	}
	// After three failures the server hangs up.
	cl = f.dial(t, "", "", nil)
	for i := 0; i < 3; i++ {
		cl.Login(alice, "nope").Wait()
	}
	select {
	case <-cl.Closed():
	case <-time.After(5 * time.Second):
		t.Error("connection still open after three failed logins")
	}
}

func TestLoginNeedsTLS(t *testing.T) {
	f := newFixture(t)
	c, err := imapclient.DialInsecure(f.addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if !c.Caps().Has(imap.CapStartTLS) || !c.Caps().Has(imap.CapLoginDisabled) {
		t.Errorf("cleartext capabilities %v: want STARTTLS and LOGINDISABLED", c.Caps())
	}
	var ie *imap.Error
	if err := c.Login(alice, alicePW).Wait(); !errors.As(err, &ie) || ie.Code != imap.ResponseCodePrivacyRequired {
		t.Errorf("login without TLS: %v", err)
	}
	// With STARTTLS it works.
	s, err := imapclient.DialStartTLS(f.addr, &imapclient.Options{TLSConfig: f.tlsConfig()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Login(alice, alicePW).Wait(); err != nil {
		t.Fatalf("login after STARTTLS: %v", err)
	}
	if _, err := s.List("", "*", nil).Collect(); err != nil {
		t.Fatal(err)
	}
}

func TestListStatusSelect(t *testing.T) {
	f := newFixture(t)
	c := f.dial(t, alice, alicePW, nil)
	list, err := c.List("", "*", nil).Collect()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, l := range list {
		names = append(names, l.Mailbox)
		if l.Delim != '/' {
			t.Errorf("delimiter %q", l.Delim)
		}
	}
	want := "INBOX,Enterprise Number Archiver,WeChat Archiver,WhatsApp Archiver"
	if strings.Join(names, ",") != want {
		t.Errorf("LIST: %v, want %s", names, want)
	}
	// Bob sees his own folders only.
	archived, copies := f.archived(t, alice, waFolder)
	st, err := c.Status(waFolder, &imap.StatusOptions{NumMessages: true, UIDNext: true, UIDValidity: true, NumUnseen: true, Size: true}).Wait()
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, b := range archived {
		total += int64(len(b))
	}
	if *st.NumMessages != uint32(len(archived)) || *st.NumUnseen != 0 || *st.Size != total || st.UIDValidity == 0 {
		t.Errorf("STATUS %+v, want %d messages of %d bytes", st, len(archived), total)
	}
	sel, err := c.Select(waFolder, nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	mb, _ := f.st.Mailbox(context.Background(), alice)
	fo, _ := f.st.Folder(context.Background(), mb.ID, waFolder)
	if sel.NumMessages != uint32(len(copies)) || sel.UIDValidity != fo.UIDValidity || uint32(sel.UIDNext) != fo.UIDNext || len(sel.PermanentFlags) != 0 {
		t.Errorf("SELECT %+v, folder %+v", sel, fo)
	}
	var ie *imap.Error
	if _, err := c.Select("Sent", nil).Wait(); !errors.As(err, &ie) || ie.Code != imap.ResponseCodeNonExistent || !strings.Contains(ie.Text, `"WhatsApp Archiver"`) {
		t.Errorf("SELECT of a missing folder: %v", err)
	}
	if _, err := c.Status("Nope", &imap.StatusOptions{NumMessages: true}).Wait(); !errors.As(err, &ie) || ie.Code != imap.ResponseCodeNonExistent {
		t.Errorf("STATUS of a missing folder: %v", err)
	}
	if sel, err := c.Select("inbox", nil).Wait(); err != nil || sel.NumMessages != 0 {
		t.Errorf("INBOX: %+v %v", sel, err)
	}
}

func TestFetch(t *testing.T) {
	f := newFixture(t)
	archived, copies := f.archived(t, alice, waFolder)
	c := f.dial(t, alice, alicePW, nil)
	if _, err := c.Select(waFolder, nil).Wait(); err != nil {
		t.Fatal(err)
	}
	whole := &imap.FetchItemBodySection{Peek: true}
	header := &imap.FetchItemBodySection{Specifier: imap.PartSpecifierHeader, Peek: true}
	text := &imap.FetchItemBodySection{Specifier: imap.PartSpecifierText, Peek: true}
	partial := &imap.FetchItemBodySection{Peek: true, Partial: &imap.SectionPartial{Offset: 10, Size: 100}}
	fields := &imap.FetchItemBodySection{Specifier: imap.PartSpecifierHeader, HeaderFields: []string{"Subject", "Message-ID"}, Peek: true}
	part1 := &imap.FetchItemBodySection{Part: []int{1}, Peek: true}
	var all imap.UIDSet
	all.AddRange(1, 0)
	msgs, err := c.Fetch(all, &imap.FetchOptions{UID: true, Flags: true, InternalDate: true, RFC822Size: true, Envelope: true,
		BodyStructure: &imap.FetchItemBodyStructure{Extended: true},
		BodySection:   []*imap.FetchItemBodySection{whole, header, text, partial, fields, part1}}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != len(archived) || len(msgs) == 0 {
		t.Fatalf("fetched %d messages, archived %d", len(msgs), len(archived))
	}
	withAttachment := 0
	for i, m := range msgs {
		uid := uint32(m.UID)
		want := archived[uid]
		cp := copies[uid]
		if m.SeqNum != uint32(i+1) {
			t.Errorf("seq %d at %d", m.SeqNum, i)
		}
		got := m.FindBodySection(whole)
		if !bytes.Equal(got, want) {
			t.Fatalf("UID %d: BODY[] differs from the archived message (%d vs %d bytes)", uid, len(got), len(want))
		}
		sum := sha256.Sum256(got)
		if hex.EncodeToString(sum[:]) != cp.SHA256 || m.RFC822Size != cp.Size || int64(len(got)) != cp.Size {
			t.Errorf("UID %d: sha256/size differ from the stored ones", uid)
		}
		hl := bytes.Index(want, []byte("\r\n\r\n")) + 4
		if !bytes.Equal(m.FindBodySection(header), want[:hl]) || !bytes.Equal(m.FindBodySection(text), want[hl:]) {
			t.Errorf("UID %d: HEADER/TEXT do not split the message", uid)
		}
		if !bytes.Equal(m.FindBodySection(partial), want[10:110]) {
			t.Errorf("UID %d: BODY[]<10.100> = %q", uid, m.FindBodySection(partial))
		}
		if fs := string(m.FindBodySection(fields)); !strings.Contains(fs, "Message-Id: <"+cp.MessageID+">") && !strings.Contains(fs, "Message-ID: <"+cp.MessageID+">") {
			t.Errorf("UID %d: HEADER.FIELDS = %q", uid, fs)
		}
		if len(m.FindBodySection(part1)) == 0 {
			t.Errorf("UID %d: BODY[1] empty", uid)
		}
		if m.Envelope == nil || m.Envelope.MessageID != cp.MessageID || m.Envelope.Subject == "" || len(m.Envelope.From) == 0 {
			t.Errorf("UID %d: envelope %+v", uid, m.Envelope)
		}
		if !m.InternalDate.Equal(cp.Item.Time.Truncate(time.Second)) {
			t.Errorf("UID %d: internal date %v, item time %v", uid, m.InternalDate, cp.Item.Time)
		}
		if len(m.Flags) != 1 || m.Flags[0] != imap.FlagSeen {
			t.Errorf("UID %d: flags %v", uid, m.Flags)
		}
		if mp, ok := m.BodyStructure.(*imap.BodyStructureMultiPart); !ok {
			t.Errorf("UID %d: body structure %T", uid, m.BodyStructure)
		} else if mp.Subtype == "mixed" {
			withAttachment++
		}
	}
	if withAttachment == 0 {
		t.Error("no message with an attachment in the fixture")
	}
	// A partial range past the end is empty; a UID that is not there, nothing.
	last := msgs[len(msgs)-1]
	past := &imap.FetchItemBodySection{Peek: true, Partial: &imap.SectionPartial{Offset: last.RFC822Size + 5, Size: 10}}
	m2, err := c.Fetch(imap.UIDSetNum(last.UID, last.UID+1000), &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{past}}).Collect()
	if err != nil || len(m2) != 1 || len(m2[0].FindBodySection(past)) != 0 {
		t.Errorf("fetch past the end: %v %v", m2, err)
	}
}

func TestReadOnly(t *testing.T) {
	f := newFixture(t)
	c := f.dial(t, alice, alicePW, nil)
	if _, err := c.Select(waFolder, nil).Wait(); err != nil {
		t.Fatal(err)
	}
	seq1 := imap.SeqSetNum(1)
	refused := func(what string, err error) {
		t.Helper()
		var ie *imap.Error
		if !errors.As(err, &ie) || ie.Type != imap.StatusResponseTypeNo || ie.Code != imap.ResponseCodeCannot || !strings.Contains(ie.Text, "read-only") {
			t.Errorf("%s: want NO [CANNOT] … read-only, got %v", what, err)
		}
	}
	_, err := c.Store(seq1, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Collect()
	refused("STORE +FLAGS \\Deleted", err)
	_, err = c.Copy(seq1, "INBOX").Wait()
	refused("COPY", err)
	_, err = c.Move(seq1, "INBOX").Wait()
	if err == nil {
		t.Error("MOVE accepted")
	}
	refused("CREATE", c.Create("Mine", nil).Wait())
	refused("DELETE", c.Delete(waFolder).Wait())
	refused("RENAME", c.Rename(waFolder, "X", nil).Wait())
	msg := "Subject: forged\r\n\r\nforged\r\n"
	ap := c.Append(waFolder, int64(len(msg)), nil)
	ap.Write([]byte(msg))
	ap.Close()
	_, err = ap.Wait()
	refused("APPEND", err)
	// EXPUNGE removes nothing (nothing can be flagged \Deleted), and the
	// folder is as it was.
	if _, err := c.Expunge().Collect(); err != nil {
		t.Errorf("EXPUNGE: %v", err)
	}
	if err := c.Noop().Wait(); err != nil {
		t.Fatal(err)
	}
	archived, _ := f.archived(t, alice, waFolder)
	if c.Mailbox().NumMessages != uint32(len(archived)) {
		t.Errorf("%d messages after the write attempts, %d archived", c.Mailbox().NumMessages, len(archived))
	}
	if err := c.Unselect().Wait(); err != nil {
		t.Error(err)
	}
}

// raw is a line-level IMAP session for what a client library would not send.
type raw struct {
	t *testing.T
	r *bufio.Reader
	w *tls.Conn
	n int
}

func (f *fixture) raw(t *testing.T) *raw {
	c, err := tls.Dial("tcp", f.tlsAddr, f.tlsConfig())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	x := &raw{t: t, r: bufio.NewReader(c), w: c}
	x.line() // greeting
	return x
}

func (x *raw) line() string {
	x.t.Helper()
	x.w.SetReadDeadline(time.Now().Add(5 * time.Second))
	l, err := x.r.ReadString('\n')
	if err != nil {
		x.t.Fatalf("reading: %v (after %q)", err, l)
	}
	return strings.TrimRight(l, "\r\n")
}

// cmd sends a command and returns the untagged lines and the tagged reply.
func (x *raw) cmd(line string) ([]string, string) {
	x.t.Helper()
	x.n++
	tag := fmt.Sprintf("t%d", x.n)
	fmt.Fprintf(x.w, "%s %s\r\n", tag, line)
	var untagged []string
	for {
		l := x.line()
		if strings.HasPrefix(l, tag+" ") {
			return untagged, strings.TrimPrefix(l, tag+" ")
		}
		untagged = append(untagged, l)
	}
}

func TestBadCommands(t *testing.T) {
	f := newFixture(t)
	x := f.raw(t)
	if _, r := x.cmd("SELECT " + waFolder); !strings.HasPrefix(r, "BAD") && !strings.HasPrefix(r, "NO") {
		t.Errorf("SELECT before login: %s", r)
	}
	if _, r := x.cmd(`LOGIN "` + alice + `" "` + alicePW + `"`); !strings.HasPrefix(r, "OK") {
		t.Fatalf("login: %s", r)
	}
	for _, c := range []struct{ cmd, want string }{
		{`SELECT WhatsApp Archiver"`, "BAD"},
		{`FETCH 1:* (BODY[`, "BAD"}, // not selected, and malformed
		// The archive is read-only: SELECT says so, as EXAMINE does.
		{`SELECT "WhatsApp Archiver"`, "OK [READ-ONLY] SELECT completed"},
		{`FETCH 1:* (BODY[`, "BAD"},
		// Syntax errors go-imap v2 beta.8 answers NO [SERVERBUG] (its parser
		// reports them as plain errors) are BAD, with what was wrong.
		{`FETCH abc FLAGS`, `BAD [CLIENTBUG] FETCH: "abc" is not a message set`},
		{`UID FETCH 0:x FLAGS`, `BAD [CLIENTBUG] UID FETCH: "0:x" is not a message set`},
		{`COPY 1,,2 "WhatsApp Archiver"`, `BAD [CLIENTBUG] COPY: "1,,2" is not a message set`},
		{`FETCH 1 (NOSUCHITEM)`, "BAD"},
		{`UID FETCH 4294967295 FLAGS`, "OK"},
		{`FETCH 999999 FLAGS`, "OK"},
		{`SEARCH NOSUCHKEY`, `BAD [CLIENTBUG] SEARCH: unknown search key "NOSUCHKEY"`},
		{`UID SEARCH NOT (FROM x NOSUCHKEY)`, `BAD [CLIENTBUG] UID SEARCH: unknown search key "NOSUCHKEY"`},
		{`SEARCH SINCE 31-Foo-2026`, `BAD [CLIENTBUG] SEARCH: SINCE "31-Foo-2026" is not a date`},
		{`SEARCH OR TEXT x BEFORE "2026-03-02"`, `BAD [CLIENTBUG] SEARCH: BEFORE "2026-03-02" is not a date`},
		{`SEARCH (OR SUBJECT`, "BAD"},
		// NO [BADCHARSET] is RFC 3501's answer to a charset the server lacks.
		{`SEARCH CHARSET KOI8-R TEXT x`, "NO [BADCHARSET]"},
		{`SEARCH CHARSET UTF-8 SINCE 1-Mar-2026 1:*`, "OK"},
		{`STATUS "a&b" (MESSAGES)`, `BAD [CLIENTBUG] STATUS: the folder name "a&b" is not valid modified UTF-7`},
		{`STORE 1 +FLAGS (\Seen)`, "NO"},
		{`UID EXPUNGE 1:*`, "OK"},
		{`XYZZY`, "BAD"},
		{`SELECT "Sent"`, "NO [NONEXISTENT]"},
		{`SELECT "&ZeVnLIqe-"`, "NO [NONEXISTENT]"}, // valid modified UTF-7, no such folder
		{`EXAMINE "WhatsApp Archiver"`, "OK [READ-ONLY]"},
		{`NOOP`, "OK"},
	} {
		if _, r := x.cmd(c.cmd); !strings.HasPrefix(r, c.want) {
			t.Errorf("%s: got %q, want %s", c.cmd, r, c.want)
		}
	}
	// "*" names the highest UID, even in a range whose other end is above it.
	untagged, r := x.cmd(`UID FETCH 4000000000:* (UID)`)
	if !strings.HasPrefix(r, "OK") || len(untagged) != 1 || !strings.Contains(untagged[0], "FETCH (UID ") {
		t.Errorf("UID FETCH n:* above the last UID: %q %s", untagged, r)
	}
	// A command longer than the server takes (50 KiB) ends the connection;
	// the server goes on serving others.
	fmt.Fprintf(x.w, "t99 SEARCH TEXT %s\r\n", strings.Repeat("x", 60*1024))
	x.w.SetReadDeadline(time.Now().Add(5 * time.Second))
	if l, err := x.r.ReadString('\n'); err == nil && strings.HasPrefix(l, "t99 OK") {
		t.Errorf("60 KiB command: %s", l)
	}
	y := f.raw(t)
	if _, r := y.cmd("NOOP"); !strings.HasPrefix(r, "OK") {
		t.Errorf("NOOP on a new connection: %s", r)
	}
}

func TestIdle(t *testing.T) {
	f := newFixture(t)
	updates := make(chan uint32, 10)
	c := f.dial(t, alice, alicePW, &imapclient.Options{UnilateralDataHandler: &imapclient.UnilateralDataHandler{
		Mailbox: func(d *imapclient.UnilateralDataMailbox) {
			if d.NumMessages != nil {
				updates <- *d.NumMessages
			}
		},
	}})
	sel, err := c.Select(waFolder, nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	idle, err := c.Idle()
	if err != nil {
		t.Fatal(err)
	}
	// A new day of traffic is archived while the client idles.
	day, _ := time.Parse(time.DateOnly, testDay)
	f.archiveDay(t, day.AddDate(0, 0, 1), 12, 2)
	archived, _ := f.archived(t, alice, waFolder)
	if len(archived) <= int(sel.NumMessages) {
		t.Fatalf("the new day added nothing to alice's folder")
	}
	select {
	case n := <-updates:
		if n != uint32(len(archived)) {
			t.Errorf("EXISTS %d, want %d", n, len(archived))
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no EXISTS while idling")
	}
	if err := idle.Close(); err != nil {
		t.Fatal(err)
	}
	if err := idle.Wait(); err != nil {
		t.Fatal(err)
	}
	msgs, err := c.Fetch(imap.SeqSetNum(uint32(len(archived))), &imap.FetchOptions{UID: true}).Collect()
	if err != nil || len(msgs) != 1 {
		t.Fatalf("fetching the new last message: %v %v", msgs, err)
	}
	if _, ok := archived[uint32(msgs[0].UID)]; !ok {
		t.Errorf("new message's UID %d is not archived", msgs[0].UID)
	}
}

func TestSearchBasics(t *testing.T) {
	f := newFixture(t)
	_, copies := f.archived(t, alice, waFolder)
	c := f.dial(t, alice, alicePW, nil)
	if _, err := c.Select(waFolder, nil).Wait(); err != nil {
		t.Fatal(err)
	}
	uidsWhere := func(pred func(store.Copy) bool) []uint32 {
		var out []uint32
		for u, cp := range copies {
			if pred(cp) {
				out = append(out, u)
			}
		}
		return sortUIDs(out)
	}
	var any store.Copy
	for _, cp := range copies {
		if len(cp.Item.Text) > 12 {
			any = cp
			break
		}
	}
	phrase := any.Item.Text[2:12]
	day := any.Item.Time
	for _, tc := range []struct {
		name string
		crit *imap.SearchCriteria
		want []uint32
	}{
		{"ALL", &imap.SearchCriteria{}, uidsWhere(func(store.Copy) bool { return true })},
		{"BODY", &imap.SearchCriteria{Body: []string{strings.ToUpper(phrase)}}, uidsWhere(func(cp store.Copy) bool {
			return strings.Contains(strings.ToLower(cp.Item.Text), strings.ToLower(phrase)) ||
				(cp.Item.Original != nil && strings.Contains(strings.ToLower(cp.Item.Original.Text), strings.ToLower(phrase)))
		})},
		{"ON", &imap.SearchCriteria{Since: dayOf(day), Before: dayOf(day).AddDate(0, 0, 1)}, uidsWhere(func(cp store.Copy) bool {
			return dayOf(cp.Item.Time).Equal(dayOf(day))
		})},
		{"BEFORE the day", &imap.SearchCriteria{Before: dayOf(day)}, uidsWhere(func(cp store.Copy) bool {
			return dayOf(cp.Item.Time).Before(dayOf(day))
		})},
		{"LARGER", &imap.SearchCriteria{Larger: any.Size}, uidsWhere(func(cp store.Copy) bool { return cp.Size > any.Size })},
		{"SMALLER", &imap.SearchCriteria{Smaller: any.Size}, uidsWhere(func(cp store.Copy) bool { return cp.Size < any.Size })},
		{"NOT LARGER", &imap.SearchCriteria{Not: []imap.SearchCriteria{{Larger: any.Size}}}, uidsWhere(func(cp store.Copy) bool { return cp.Size <= any.Size })},
		{"HEADER Message-ID", &imap.SearchCriteria{Header: []imap.SearchCriteriaHeaderField{{Key: "Message-ID", Value: any.MessageID}}}, []uint32{any.UID}},
		{"UID", &imap.SearchCriteria{UID: []imap.UIDSet{imap.UIDSetNum(imap.UID(any.UID))}}, []uint32{any.UID}},
		{"UNSEEN", &imap.SearchCriteria{NotFlag: []imap.Flag{imap.FlagSeen}}, nil},
		{"DELETED", &imap.SearchCriteria{Flag: []imap.Flag{imap.FlagDeleted}}, nil},
	} {
		got, err := c.UIDSearch(tc.crit, nil).Wait()
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		var gotUIDs []uint32
		for _, u := range got.AllUIDs() {
			gotUIDs = append(gotUIDs, uint32(u))
		}
		if fmt.Sprint(gotUIDs) != fmt.Sprint(tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, gotUIDs, tc.want)
		}
	}
}

func sortUIDs(u []uint32) []uint32 {
	for i := 1; i < len(u); i++ {
		for j := i; j > 0 && u[j] < u[j-1]; j-- {
			u[j], u[j-1] = u[j-1], u[j]
		}
	}
	return u
}

// TestExpungeAfterRemoval: a copy removed from the store (as retention
// does) is reported with EXPUNGE, only where EXPUNGE is allowed (not after
// FETCH or SEARCH), and the sequence numbers stay right.
func TestExpungeAfterRemoval(t *testing.T) {
	f := newFixture(t)
	expunged := make(chan uint32, 10)
	c := f.dial(t, alice, alicePW, &imapclient.Options{UnilateralDataHandler: &imapclient.UnilateralDataHandler{
		Expunge: func(seq uint32) { expunged <- seq },
	}})
	sel, err := c.Select(waFolder, nil).Wait()
	if err != nil || sel.NumMessages < 3 {
		t.Fatalf("select: %+v %v", sel, err)
	}
	all, err := c.Fetch(imap.SeqSetNum(1, 2, 3), &imap.FetchOptions{UID: true}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(f.st.Dir(), "custos.db")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	mb, _ := f.st.Mailbox(context.Background(), alice)
	fo, _ := f.st.Folder(context.Background(), mb.ID, waFolder)
	var copyID int64
	if err := db.QueryRow(`SELECT id FROM copies WHERE folder_id = ? AND uid = ?`, fo.ID, all[1].UID).Scan(&copyID); err != nil {
		t.Fatal(err)
	}
	db.Exec(`DELETE FROM items_fts WHERE rowid = ?`, copyID)
	if _, err := db.Exec(`DELETE FROM copies WHERE id = ?`, copyID); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // past the poll interval
	// FETCH may not announce it; the removed message is simply not sent.
	msgs, err := c.Fetch(imap.SeqSetNum(2), &imap.FetchOptions{UID: true}).Collect()
	if err != nil || len(msgs) != 0 {
		t.Errorf("fetching the removed message: %v %v", msgs, err)
	}
	select {
	case seq := <-expunged:
		t.Fatalf("EXPUNGE %d after FETCH", seq)
	default:
	}
	if err := c.Noop().Wait(); err != nil {
		t.Fatal(err)
	}
	select {
	case seq := <-expunged:
		if seq != 2 {
			t.Errorf("EXPUNGE %d, want 2", seq)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no EXPUNGE after NOOP")
	}
	// Sequence number 2 is now the former third message.
	msgs, err = c.Fetch(imap.SeqSetNum(2), &imap.FetchOptions{UID: true}).Collect()
	if err != nil || len(msgs) != 1 || msgs[0].UID != all[2].UID {
		t.Errorf("seq 2 after the EXPUNGE: %+v %v", msgs, err)
	}
}

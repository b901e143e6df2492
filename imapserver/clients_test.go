package imapserver

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Tests with IMAP clients nobody here wrote: Python's imaplib (and its email
// parser) and mbsync (isync).

const pyClient = `
import email, email.policy, hashlib, imaplib, json, ssl, sys
host, port, cafile, user, pw, folder, phrase = sys.argv[1:8]
ctx = ssl.create_default_context(cafile=cafile)
out = {}
m = imaplib.IMAP4_SSL(host, int(port), ssl_context=ctx)
try:
    m.login(user, "not the password")
    out["bad_login"] = "accepted"
except imaplib.IMAP4.error as e:
    out["bad_login"] = str(e)
m.login(user, pw)
typ, boxes = m.list()
out["list"] = [b.decode() for b in boxes]
# The archive is read-only: SELECT answers [READ-ONLY], which imaplib
# reports unless asked for a read-only folder (EXAMINE).
try:
    m.select('"%s"' % folder)
    out["select"] = "read-write"
except imaplib.IMAP4.readonly as e:
    out["select"] = "readonly: " + str(e)
typ, data = m.select('"%s"' % folder, readonly=True)
out["exists"] = int(data[0])
typ, data = m.uid("SEARCH", None, "ALL")
out["all"] = [int(x) for x in data[0].split()]
typ, data = m.uid("SEARCH", "CHARSET", "UTF-8", "BODY", '"%s"' % phrase)
out["body"] = [int(x) for x in data[0].split()]
typ, data = m.uid("SEARCH", None, "SINCE", "02-Mar-2026", "BEFORE", "03-Mar-2026")
out["on_day"] = [int(x) for x in data[0].split()]
typ, data = m.uid("SEARCH", None, "NOT", "SUBJECT", '"chat message"')
out["not_subject"] = [int(x) for x in data[0].split()]
out["messages"] = {}
for uid in out["all"]:
    typ, data = m.uid("FETCH", str(uid), "(RFC822.SIZE BODY.PEEK[])")
    raw = data[0][1]
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    out["messages"][str(uid)] = {
        "sha256": hashlib.sha256(raw).hexdigest(),
        "message_id": msg["Message-ID"],
        "subject": str(msg["Subject"]),
        "parts": sum(1 for _ in msg.walk()),
    }
refusals = {}
typ, data = m.uid("STORE", str(out["all"][0]), "+FLAGS", "(\\Deleted)")
refusals["store"] = typ + " " + data[0].decode()
typ, data = m.append('"%s"' % folder, None, None, b"Subject: forged\r\n\r\nforged\r\n")
refusals["append"] = typ + " " + data[0].decode()
typ, data = m.create("Mine")
refusals["create"] = typ + " " + data[0].decode()
typ, data = m.uid("COPY", str(out["all"][0]), "INBOX")
refusals["copy"] = typ + " " + data[0].decode()
out["refusals"] = refusals
typ, data = m.select('"No Such Folder"')
out["missing_folder"] = typ + " " + data[0].decode()
m.logout()
json.dump(out, sys.stdout)
`

func TestPythonImaplib(t *testing.T) {
	py := needTool(t, "python3")
	f := newFixture(t)
	archived, copies := f.archived(t, alice, waFolder)
	// A phrase from one item's text, to search the bodies for.
	var phrase string
	for _, c := range copies {
		if len(c.Item.Text) > 20 {
			phrase = strings.ToUpper(c.Item.Text[4:16])
			break
		}
	}
	host, port, _ := net.SplitHostPort(f.tlsAddr)
	cmd := exec.Command(py, "-c", pyClient, host, port, f.certFile, alice, alicePW, waFolder, phrase)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	if err != nil {
		t.Fatalf("python imaplib: %v\n%s", err, stderr.String())
	}
	var out struct {
		BadLogin      string   `json:"bad_login"`
		Select        string   `json:"select"`
		List          []string `json:"list"`
		Exists        int      `json:"exists"`
		All           []uint32 `json:"all"`
		Body          []uint32 `json:"body"`
		OnDay         []uint32 `json:"on_day"`
		NotSubject    []uint32 `json:"not_subject"`
		MissingFolder string   `json:"missing_folder"`
		Messages      map[string]struct {
			SHA256    string `json:"sha256"`
			MessageID string `json:"message_id"`
			Subject   string `json:"subject"`
			Parts     int    `json:"parts"`
		} `json:"messages"`
		Refusals map[string]string `json:"refusals"`
	}
	if err := json.Unmarshal(stdout, &out); err != nil {
		t.Fatalf("python output: %v\n%s", err, stdout)
	}
	if !strings.Contains(out.BadLogin, "AUTHENTICATIONFAILED") {
		t.Errorf("wrong password: %q", out.BadLogin)
	}
	if !strings.HasPrefix(out.Select, "readonly:") {
		t.Errorf("SELECT: imaplib says %q, want it told the folder is read-only", out.Select)
	}
	if len(out.List) != 4 || !strings.Contains(strings.Join(out.List, "\n"), `"/" "WhatsApp Archiver"`) {
		t.Errorf("LIST: %q", out.List)
	}
	if out.Exists != len(archived) || len(out.All) != len(archived) || len(out.Messages) != len(archived) {
		t.Fatalf("python saw %d messages (%d searched, %d fetched), archived %d", out.Exists, len(out.All), len(out.Messages), len(archived))
	}
	for uid, c := range copies {
		m, ok := out.Messages[strconv.Itoa(int(uid))]
		if !ok {
			t.Errorf("UID %d not fetched", uid)
			continue
		}
		if m.SHA256 != c.SHA256 {
			t.Errorf("UID %d: python's SHA-256 %s, archived %s", uid, m.SHA256, c.SHA256)
		}
		if m.MessageID != "<"+c.MessageID+">" || m.Subject == "" || m.Parts < 3 {
			t.Errorf("UID %d: python's email parser read %+v", uid, m)
		}
	}
	var wantBody, wantNotChat []uint32
	for uid, c := range copies {
		if strings.Contains(strings.ToLower(c.Item.Text), strings.ToLower(phrase)) {
			wantBody = append(wantBody, uid)
		}
		if !strings.Contains(strings.ToLower(subjectOf(archived[uid])), "chat message") {
			wantNotChat = append(wantNotChat, uid)
		}
	}
	if fmt.Sprint(out.Body) != fmt.Sprint(sortUIDs(wantBody)) || len(wantBody) == 0 {
		t.Errorf("BODY %q: %v, want %v", phrase, out.Body, sortUIDs(wantBody))
	}
	if len(out.OnDay) != len(archived) {
		t.Errorf("SINCE/BEFORE the day: %d of %d", len(out.OnDay), len(archived))
	}
	if fmt.Sprint(out.NotSubject) != fmt.Sprint(sortUIDs(wantNotChat)) {
		t.Errorf("NOT SUBJECT: %v, want %v", out.NotSubject, sortUIDs(wantNotChat))
	}
	for what, r := range out.Refusals {
		if !strings.HasPrefix(r, "NO [CANNOT]") || !strings.Contains(r, "read-only") {
			t.Errorf("%s: %q, want NO [CANNOT] … read-only", what, r)
		}
	}
	if !strings.HasPrefix(out.MissingFolder, "NO [NONEXISTENT]") {
		t.Errorf("missing folder: %q", out.MissingFolder)
	}
}

func subjectOf(msg []byte) string {
	for _, l := range strings.Split(string(msg), "\r\n") {
		if strings.HasPrefix(l, "Subject: ") {
			return strings.TrimPrefix(l, "Subject: ")
		}
		if l == "" {
			break
		}
	}
	return ""
}

func TestMbsync(t *testing.T) {
	mbsync := needTool(t, "mbsync")
	f := newFixture(t)
	// mbsync gets an app password (it reads it from its configuration).
	app, err := f.st.AddAppPassword(context.Background(), alice, "mbsync")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	// mbsync matches the certificate by DNS name only: "localhost".
	_, port, _ := net.SplitHostPort(f.tlsAddr)
	host := "localhost"
	maildir := filepath.Join(dir, "Maildir")
	if err := os.MkdirAll(maildir, 0o700); err != nil {
		t.Fatal(err)
	}
	rc := filepath.Join(dir, "mbsyncrc")
	conf := fmt.Sprintf(`IMAPAccount custos
Host %s
Port %s
User %s
Pass %s
SSLType IMAPS
CertificateFile %s

IMAPStore custos
Account custos

MaildirStore local
Path %s/
Inbox %s/INBOX
SubFolders Verbatim

Channel archive
Far :custos:
Near :local:
Patterns *
Create Near
Sync Pull
SyncState *
`, host, port, alice, app, f.certFile, maildir, maildir)
	if err := os.WriteFile(rc, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	sync := func() string {
		t.Helper()
		cmd := exec.Command(mbsync, "-c", rc, "-a")
		cmd.Env = append(os.Environ(), "HOME="+dir)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("mbsync: %v\n%s", err, out)
		}
		return string(out)
	}
	start := time.Now()
	sync()
	t.Logf("first sync: %v", time.Since(start))
	compared := 0
	check := func() int {
		t.Helper()
		total := 0
		for _, folder := range []string{"WhatsApp Archiver", "WeChat Archiver", "Enterprise Number Archiver"} {
			archived, copies := f.archived(t, alice, folder)
			got := maildirMessages(t, filepath.Join(maildir, folder))
			if len(got) != len(archived) {
				t.Errorf("%s: %d messages in the Maildir, %d archived", folder, len(got), len(archived))
			}
			for uid, want := range archived {
				b, ok := got[uid]
				if !ok {
					t.Errorf("%s: UID %d missing from the Maildir", folder, uid)
					continue
				}
				// mbsync writes Maildir messages with the local line ending
				// (LF, the archive's are CRLF) and adds its own tracking
				// header (X-TUID) to the header. Undoing exactly that gives
				// the archived bytes.
				restored, ok := undoMbsync(b)
				if !ok {
					t.Errorf("%s: UID %d: no X-TUID line where mbsync puts it", folder, uid)
				}
				if !bytes.Equal(restored, want) {
					t.Errorf("%s: UID %d differs from the archived message (%d vs %d bytes)", folder, uid, len(restored), len(want))
				}
				if sum := sha256.Sum256(restored); hex.EncodeToString(sum[:]) != copies[uid].SHA256 {
					t.Errorf("%s: UID %d: SHA-256 differs from the stored one", folder, uid)
				}
				compared++
			}
			total += len(archived)
		}
		return total
	}
	n1 := check()
	// A second sync changes nothing; after a new day is archived, a third
	// brings exactly the new items.
	sync()
	if n := check(); n != n1 {
		t.Errorf("second sync: %d messages, first %d", n, n1)
	}
	day, _ := time.Parse(time.DateOnly, testDay)
	f.archiveDay(t, day.AddDate(0, 0, 1), 12, 3)
	sync()
	n3 := check()
	if n3 <= n1 {
		t.Errorf("after a new day: %d messages, before %d", n3, n1)
	}
	t.Logf("mbsync copied %d messages, then %d more; %d byte-for-byte comparisons", n1, n3-n1, compared)
}

var tuidLine = regexp.MustCompile(`(?m)^X-TUID: [A-Za-z0-9+/]+\n`)

// undoMbsync removes the X-TUID line mbsync adds to a message's header
// and restores CRLF line endings.
func undoMbsync(b []byte) ([]byte, bool) {
	end := bytes.Index(b, []byte("\n\n"))
	if end < 0 {
		return nil, false
	}
	loc := tuidLine.FindIndex(b[:end+1])
	if loc == nil {
		return bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n")), false
	}
	b = append(append([]byte{}, b[:loc[0]]...), b[loc[1]:]...)
	return bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n")), true
}

var maildirUID = regexp.MustCompile(`,U=(\d+)`)

// maildirMessages reads a Maildir folder's messages by the UID mbsync
// records in their file names.
func maildirMessages(t *testing.T, dir string) map[uint32][]byte {
	t.Helper()
	out := map[uint32][]byte{}
	for _, sub := range []string{"cur", "new"} {
		es, err := os.ReadDir(filepath.Join(dir, sub))
		if err != nil {
			t.Fatalf("Maildir %s: %v", dir, err)
		}
		for _, e := range es {
			m := maildirUID.FindStringSubmatch(e.Name())
			if m == nil {
				t.Errorf("Maildir file %s has no UID", e.Name())
				continue
			}
			uid, _ := strconv.Atoi(m[1])
			b, err := os.ReadFile(filepath.Join(dir, sub, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			if _, dup := out[uint32(uid)]; dup {
				t.Errorf("UID %d twice in %s", uid, dir)
			}
			out[uint32(uid)] = b
		}
	}
	return out
}

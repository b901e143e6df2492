package imapserver

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/custos-archive/custos/archive"
	"github.com/custos-archive/custos/demo"
	"github.com/custos-archive/custos/item"
	"github.com/custos-archive/custos/store"
	"github.com/emersion/go-imap/v2/imapclient"
)

const (
	alice    = "alice@demo.example"
	alicePW  = "alice's long password"
	bob      = "bob@demo.example"
	bobPW    = "bob's long password!"
	testDay  = "2026-03-02"
	waFolder = "WhatsApp Archiver"
)

// fixture is an archive with the demo organisation and a day of traffic,
// served over IMAP on loopback.
type fixture struct {
	st       *store.Store
	pipe     *archive.Pipeline
	srv      *Server
	tlsAddr  string // implicit TLS
	addr     string // STARTTLS
	certFile string
	roots    *x509.CertPool
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(ctx, dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	for _, p := range demo.Employees {
		if _, err := st.PutUser(ctx, store.User{Email: p.Email, Name: p.Name, Phones: []string{p.Phone}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.SetPassword(ctx, alice, alicePW); err != nil {
		t.Fatal(err)
	}
	if err := st.SetPassword(ctx, bob, bobPW); err != nil {
		t.Fatal(err)
	}
	p, err := archive.New(st, archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{st: st, pipe: p}
	day, _ := time.Parse(time.DateOnly, testDay)
	f.archiveDay(t, day, 12, 1)

	tlsCfg, certFile, err := TLSConfig("", "", dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	f.certFile = certFile
	pem, _ := os.ReadFile(certFile)
	f.roots = x509.NewCertPool()
	f.roots.AppendCertsFromPEM(pem)
	f.srv = New(st, Config{TLS: tlsCfg, PollInterval: 50 * time.Millisecond, FailedLoginDelay: 10 * time.Millisecond,
		Logger: testLogger()})
	lnTLS, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f.tlsAddr, f.addr = lnTLS.Addr().String(), ln.Addr().String()
	go f.srv.ServeTLS(lnTLS)
	go f.srv.Serve(ln)
	t.Cleanup(func() {
		f.srv.Close()
		if n := f.srv.Panics(); n > 0 {
			t.Errorf("the server recovered from %d panics", n)
		}
	})
	return f
}

// archiveDay archives a demo day of all three sources.
func (f *fixture) archiveDay(t testing.TB, day time.Time, perSource int, seed uint64) {
	t.Helper()
	ctx := context.Background()
	if _, err := f.pipe.SetMapping(ctx, item.EnterpriseNumber, strings.NewReader(demo.MappingCSV()), "map.csv"); err != nil {
		t.Fatal(err)
	}
	for src, items := range demo.Day(day, perSource, seed) {
		m := archive.Mapping{Name: archive.MappingName(src), Auto: true}
		if _, err := f.pipe.ArchiveItems(ctx, items, t.TempDir(), m); err != nil {
			t.Fatal(err)
		}
	}
}

func (f *fixture) tlsConfig() *tls.Config {
	return &tls.Config{RootCAs: f.roots, ServerName: "localhost"}
}

// dial logs in as user over implicit TLS.
func (f *fixture) dial(t *testing.T, user, pw string, opt *imapclient.Options) *imapclient.Client {
	t.Helper()
	if opt == nil {
		opt = &imapclient.Options{}
	}
	opt.TLSConfig = f.tlsConfig()
	c, err := imapclient.DialTLS(f.tlsAddr, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if user != "" {
		if err := c.Login(user, pw).Wait(); err != nil {
			t.Fatalf("login %s: %v", user, err)
		}
	}
	return c
}

// archived returns the rendered bytes of each copy in a user's folder, by UID.
func (f *fixture) archived(t *testing.T, user, folder string) (map[uint32][]byte, map[uint32]store.Copy) {
	t.Helper()
	ctx := context.Background()
	mb, err := f.st.Mailbox(ctx, user)
	if err != nil {
		t.Fatal(err)
	}
	fo, err := f.st.Folder(ctx, mb.ID, folder)
	if err != nil {
		t.Fatal(err)
	}
	out := map[uint32][]byte{}
	copies := map[uint32]store.Copy{}
	err = f.st.Copies(ctx, fo.ID, func(c store.Copy) error {
		var b bytes.Buffer
		_, err := c.Message.Render(&b, func(h string) (io.ReadCloser, error) {
			rc, _, err := f.st.Blobs().Open(ctx, h)
			return rc, err
		})
		out[c.UID] = b.Bytes()
		copies[c.UID] = c
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out, copies
}

// needTool returns the path of a program the test drives. Without it the
// test is skipped, except in CI (CI set), where it fails: scripts/test.sh
// installs it.
func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is not installed; scripts/test.sh installs it (CI is set, so this is a failure)", name)
	}
	t.Skipf("%s is not installed (apt-get install it, or run scripts/test.sh); skipping", name)
	return ""
}

// testLogger discards the server's logs unless CUSTOS_TEST_LOG is set.
func testLogger() *slog.Logger {
	if os.Getenv("CUSTOS_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

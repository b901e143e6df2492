package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/custos-archive/custos/demo"
	"github.com/custos-archive/custos/internal/dovecottest"
	"github.com/custos-archive/custos/store"
	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// archiveForIMAP makes a data folder with the demo users and a day of
// WhatsApp traffic, and returns it.
func archiveForIMAP(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	users := writeFile(t, dir, "users.csv", demo.UsersCSV())
	if code, _, errs := custos(t, "--data", data, "users", "import", users); code != 0 {
		t.Fatalf("users import: %s", errs)
	}
	var buf bytes.Buffer
	for _, it := range demo.Day(time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), 10, 1)["whatsapp"] {
		b, _ := json.Marshal(it)
		buf.Write(b)
		buf.WriteByte('\n')
	}
	items := writeFile(t, dir, "wa.jsonl", buf.String())
	if code, out, errs := custos(t, "--data", data, "import", "--source", "whatsapp", items); code != 0 {
		t.Fatalf("import: %s %s", out, errs)
	}
	return data
}

func TestUsersPasswordsCLI(t *testing.T) {
	data := archiveForIMAP(t)
	alice := demo.Employees[0].Email
	if code, _, errs := custos(t, "--data", data, "users", "password", alice); code == 0 || !strings.Contains(errs, "--password-stdin") {
		t.Errorf("password without --password-stdin: %d %s", code, errs)
	}
	g := &globals{data: data, stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}}
	g.log = discardLogger()
	ctx := context.Background()
	if err := runUsersPassword(ctx, g, alice, strings.NewReader("short\n")); err == nil || !strings.Contains(err.Error(), "at least 12") {
		t.Errorf("short password: %v", err)
	}
	if err := runUsersPassword(ctx, g, "nobody@demo.example", strings.NewReader("a long enough password\n")); err == nil || !strings.Contains(err.Error(), "users import") {
		t.Errorf("unknown user: %v", err)
	}
	if err := runUsersPassword(ctx, g, alice, strings.NewReader("a long enough password\n")); err != nil {
		t.Fatal(err)
	}
	code, out, _ := custos(t, "--data", data, "--json", "users", "app-password", "add", alice, "--name", "phone")
	var added struct {
		AppPassword string `json:"app_password"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &added) != nil || len(added.AppPassword) != 29 {
		t.Fatalf("app-password add: %d %s", code, out)
	}
	if code, out, _ := custos(t, "--data", data, "users", "app-password", "list", alice); code != 0 || !strings.Contains(out, "phone") || !strings.Contains(out, "never") || strings.Contains(out, added.AppPassword) {
		t.Errorf("app-password list: %s", out)
	}
	if code, _, _ := custos(t, "--data", data, "users", "app-password", "revoke", alice, "--name", "phone"); code != 0 {
		t.Error("revoke failed")
	}
	if code, _, errs := custos(t, "--data", data, "users", "app-password", "revoke", alice, "--name", "phone"); code == 0 || !strings.Contains(errs, "not found") {
		t.Errorf("second revoke: %s", errs)
	}
}

func TestServeIMAP(t *testing.T) {
	data := archiveForIMAP(t)
	alice := demo.Employees[0].Email
	g := &globals{data: data, stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}, region: "US"}
	g.log = discardLogger()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := runUsersPassword(ctx, g, alice, strings.NewReader("alice's IMAP password\n")); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	o := serveOptions{http: "127.0.0.1:0", role: "archive", imap: imapServeOptions{imaps: addr, starttls: freeAddr(t)}}
	ready := make(chan string, 1)
	errc := make(chan error, 1)
	go func() { errc <- runServe(ctx, g, o, ready) }()
	select {
	case <-ready:
	case err := <-errc:
		t.Fatalf("serve: %v", err)
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not start")
	}
	pem, err := os.ReadFile(filepath.Join(data, "imap-cert.pem"))
	if err != nil {
		t.Fatalf("no self-signed certificate in the data folder: %v", err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	c, err := imapclient.DialTLS(addr, &imapclient.Options{TLSConfig: &tls.Config{RootCAs: roots, ServerName: "localhost"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(alice, "alice's IMAP password").Wait(); err != nil {
		t.Fatal(err)
	}
	sel, err := c.Select("WhatsApp Archiver", nil).Wait()
	if err != nil || sel.NumMessages == 0 {
		t.Fatalf("select: %+v %v", sel, err)
	}
	code, out, _ := custos(t, "--data", data, "--json", "mailbox", "list", alice)
	var ml struct {
		Folders []folderRow `json:"folders"`
	}
	json.Unmarshal([]byte(out), &ml)
	for _, f := range ml.Folders {
		if f.Name == "WhatsApp Archiver" && int64(sel.NumMessages) != f.Items {
			t.Errorf("IMAP shows %d messages, mailbox list %d", sel.NumMessages, f.Items)
		}
	}
	_ = code
	if err := c.Store(imap.SeqSetNum(1), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close(); err == nil {
		t.Error("STORE accepted")
	}
	cancel()
	if err := <-errc; err != nil {
		t.Errorf("serve: %v", err)
	}
}

func TestDeliverCLI(t *testing.T) {
	data := archiveForIMAP(t)
	users := map[string]string{}
	for _, p := range demo.Employees {
		users[p.Email] = "x"
	}
	dv := dovecottest.Start(t, users)
	t.Setenv("CUSTOS_DELIVER_IMAP_USER", dovecottest.MasterUser)
	t.Setenv("CUSTOS_DELIVER_IMAP_PASSWORD", dovecottest.MasterPassword)
	code, out, errs := custos(t, "--data", data, "deliver", "run", "--imap", "imap://"+dv.Addr)
	if code != 0 || !strings.Contains(out, "failed 0") {
		t.Fatalf("deliver run: %d %s %s", code, out, errs)
	}
	code, out, _ = custos(t, "--data", data, "--json", "deliver", "status")
	var st deliverStatus
	if code != 0 || json.Unmarshal([]byte(out), &st) != nil {
		t.Fatalf("deliver status: %s", out)
	}
	wa := st.Sources["whatsapp"]
	if wa["delivered"] == 0 || wa["pending"] != 0 || len(st.Problems) != 0 {
		t.Fatalf("status %+v", st)
	}
	var n int64
	for _, p := range demo.Employees {
		n += int64(len(dv.Messages(p.Email, "WhatsApp Archiver")))
	}
	if n != wa["delivered"] {
		t.Errorf("dovecot holds %d messages, %d delivered", n, wa["delivered"])
	}
	// Again: nothing to do. With Dovecot down: exit 1, the error shown, and
	// the status lists it.
	if code, out, _ := custos(t, "--data", data, "deliver", "run", "--imap", "imap://"+dv.Addr); code != 0 || !strings.Contains(out, "delivered 0") {
		t.Errorf("second run: %s", out)
	}
	archiveMore(t, data)
	dv.Stop()
	code, out, errs = custos(t, "--data", data, "deliver", "run", "--imap", "imap://"+dv.Addr)
	if code != 1 || !strings.Contains(out, "stopped:") || !strings.Contains(errs, "retried at the next run") {
		t.Errorf("run against a stopped Dovecot: %d %s %s", code, out, errs)
	}
	if _, out, _ := custos(t, "--data", data, "deliver", "status"); !strings.Contains(out, "retry: ") {
		t.Errorf("status after the failure:\n%s", out)
	}
	if code, _, errs := custos(t, "--data", data, "deliver", "run", "--imap", "imap://mail.corp.example:143"); code == 0 || !strings.Contains(errs, "loopback") {
		t.Errorf("cleartext to a remote host: %s", errs)
	}
	// The connector's report carries the delivery line of its source.
	ctx := context.Background()
	s, err := store.Open(ctx, data, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var buf bytes.Buffer
	printDeliverySummary(&globals{stdout: &buf}, deliverySummary(ctx, s, "whatsapp"))
	if !strings.Contains(buf.String(), fmt.Sprintf("%d delivered, ", wa["delivered"])) || !strings.Contains(buf.String(), " 1 retrying, 0 failed") {
		t.Errorf("connector report line: %q", buf.String())
	}
	if deliverySummary(ctx, s, "wechat")[store.DeliveryDelivered] != 0 {
		t.Error("wechat copies delivered")
	}
}

// archiveMore imports a second day of WhatsApp traffic.
func archiveMore(t *testing.T, data string) {
	t.Helper()
	var buf bytes.Buffer
	for _, it := range demo.Day(time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC), 5, 2)["whatsapp"] {
		b, _ := json.Marshal(it)
		buf.Write(b)
		buf.WriteByte('\n')
	}
	items := writeFile(t, t.TempDir(), "wa2.jsonl", buf.String())
	if code, out, errs := custos(t, "--data", data, "import", "--source", "whatsapp", items); code != 0 {
		t.Fatalf("import: %s %s", out, errs)
	}
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

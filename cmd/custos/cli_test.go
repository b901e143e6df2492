package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/custos-archive/custos/demo"
	"github.com/custos-archive/custos/internal/testclock"
)

// custos runs the CLI in-process and returns its exit code and output.
func custos(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := runWithClock(context.Background(), testclock.Now, args, &out, &errb)
	return code, out.String(), errb.String()
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDemo(t *testing.T) {
	data := filepath.Join(t.TempDir(), "demo")
	code, out, errs := custos(t, "--data", data, "demo")
	if code != 0 {
		t.Fatalf("demo exit %d: %s\n%s", code, out, errs)
	}
	for _, want := range []string{"5 created", "unmapped 1", "1 filed (1 copies), 0 still quarantined", "WhatsApp Archiver", "exported"} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
	// A second demo replaces the first; a folder that is not a demo's is refused.
	if code, _, errs := custos(t, "--data", data, "demo"); code != 0 {
		t.Fatalf("second demo: %s", errs)
	}
	other := t.TempDir()
	writeFile(t, other, "precious.txt", "x")
	if code, _, errs := custos(t, "--data", other, "demo"); code == 0 || !strings.Contains(errs, "not a demo folder") {
		t.Fatalf("demo over a non-demo folder: exit %d, %s", code, errs)
	}
	// The exported mbox is read by Python's mailbox module.
	mbox := filepath.Join(data, "alice-whatsapp.mbox")
	py, err := exec.Command("python3", "-c", "import mailbox,sys; print(len(mailbox.mbox(sys.argv[1])))", mbox).Output()
	if err != nil {
		t.Fatal(err)
	}
	code, out, _ = custos(t, "--data", data, "--json", "mailbox", "list", demo.Employees[0].Email)
	var ml struct {
		Folders []folderRow `json:"folders"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &ml) != nil {
		t.Fatalf("mailbox list --json: %d %s", code, out)
	}
	for _, f := range ml.Folders {
		if f.Name == "WhatsApp Archiver" && fmt.Sprint(f.Items) != strings.TrimSpace(string(py)) {
			t.Errorf("mbox has %s messages, folder %d", py, f.Items)
		}
	}
}

func TestImportCLI(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	users := writeFile(t, dir, "users.csv", demo.UsersCSV())
	if code, out, errs := custos(t, "--data", data, "users", "import", users); code != 0 || !strings.Contains(out, "5 created") {
		t.Fatalf("users import: %d %s %s", code, out, errs)
	}
	code, out, _ := custos(t, "--data", data, "--json", "users", "list")
	var ul []map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &ul) != nil || len(ul) != 5 {
		t.Fatalf("users list --json: %s", out)
	}
	day := demo.Day(time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), 20, 1)
	var buf bytes.Buffer
	for _, it := range day["enterprise-number"] {
		b, _ := json.Marshal(it)
		buf.Write(b)
		buf.WriteByte('\n')
	}
	buf.WriteString("{\"kind\": \"sms\"}\n")
	items := writeFile(t, dir, "en.jsonl", buf.String())
	mapping := writeFile(t, dir, "map.csv", demo.MappingCSV())

	// Enterprise Number items carry numbers only: without the mapping they all
	// go to the quarantine.
	code, out, errs := custos(t, "--data", data, "--json", "import", "--source", "enterprise-number", items)
	var rep struct{ Fetched, Imported, Unmapped, Failed, Duplicates int }
	json.Unmarshal([]byte(out), &rep)
	if code != 1 || rep.Fetched != 21 || rep.Unmapped != 20 || rep.Failed != 1 || !strings.Contains(errs, "1 of 21 items failed") {
		t.Fatalf("import without mapping: exit %d %+v %s", code, rep, errs)
	}
	code, out, _ = custos(t, "--data", data, "quarantine", "list", "--source", "enterprise-number")
	if code != 0 || !strings.Contains(out, "20 items in the quarantine") || !strings.Contains(out, "no mapping CSV") {
		t.Fatalf("quarantine list: %s", out)
	}
	// Replay with the mapping files them.
	code, out, errs = custos(t, "--data", data, "quarantine", "replay", "--source", "enterprise-number", "--mapping", mapping)
	if code != 0 || !strings.Contains(out, "20 filed") {
		t.Fatalf("replay: %d %s %s", code, out, errs)
	}
	// Re-import: everything is a duplicate now (and the bad line still fails).
	code, out, _ = custos(t, "--data", data, "import", "--source", "enterprise-number", "--mapping", mapping, items)
	if code != 1 || !strings.Contains(out, "imported 0, duplicates 20") || !strings.Contains(out, "en.jsonl:21") {
		t.Fatalf("re-import: %d %s", code, out)
	}
	// Export a folder and check the messages are there.
	var total int64
	for _, e := range demo.Employees {
		code, out, _ := custos(t, "--data", data, "--json", "mailbox", "list", e.Email)
		var ml struct{ Folders []folderRow }
		json.Unmarshal([]byte(out), &ml)
		if code != 0 {
			t.Fatal(out)
		}
		for _, f := range ml.Folders {
			total += f.Items
		}
	}
	if total != 20 {
		t.Fatalf("%d copies across mailboxes, want 20 (one owner per SMS)", total)
	}
	mb := filepath.Join(dir, "out.mbox")
	code, _, errs = custos(t, "--data", data, "mailbox", "export", demo.Employees[0].Email, "--folder", "Enterprise Number Archiver", "--mbox", mb)
	if code != 0 {
		t.Fatalf("export: %s", errs)
	}
	b, _ := os.ReadFile(mb)
	if !bytes.HasPrefix(b, []byte("From ")) || !bytes.Contains(b, []byte("X-Custos-Source: enterprise-number")) {
		t.Fatalf("mbox looks wrong:\n%.300s", b)
	}
}

func TestCLIErrors(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	bad := writeFile(t, dir, "users.csv", "email,name,phones\nalice@x.example,Alice,+12025550143\nbroken,Bob,\n")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"users", "import", bad}, "users.csv:3: field \"email\""},
		{[]string{"users", "import", filepath.Join(dir, "missing.csv")}, "no such file"},
		{[]string{"import", "--source", "telegram", bad}, "unknown source \"telegram\""},
		{[]string{"import", bad}, "required flag(s) \"source\""},
		{[]string{"import", "--source", "whatsapp", "--mapping", writeFile(t, dir, "m.csv", "phone,email\n+1202555014x,a@b.example\n"), bad}, "m.csv:2"},
		{[]string{"mailbox", "list", "nobody@x.example"}, "not found"},
		{[]string{"quarantine", "replay", "--mapping", bad}, "--mapping needs --source"},
		{[]string{"--region", "XX", "import", "--source", "whatsapp", bad}, "--region"},
	} {
		code, _, errs := custos(t, append([]string{"--data", data}, tc.args...)...)
		if code == 0 || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want it to contain %q", tc.args, code, errs, tc.want)
		}
	}
	// The failed users import changed nothing.
	_, out, _ := custos(t, "--data", data, "--json", "users", "list")
	if strings.TrimSpace(out) != "[]" {
		t.Errorf("a refused users file left users: %s", out)
	}
}

func TestServeHealth(t *testing.T) {
	g := &globals{data: t.TempDir(), stdout: io.Discard, stderr: io.Discard, region: "US"}
	g.log = testLogger()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- runServe(ctx, g, serveOptions{http: "127.0.0.1:0"}, ready) }()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatal(err)
	}
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	var h map[string]any
	json.NewDecoder(resp.Body).Decode(&h)
	resp.Body.Close()
	if resp.StatusCode != 200 || h["status"] != "ok" || h["schema_version"] == nil || h["schema_version"].(float64) < 1 {
		t.Fatalf("health: %d %v", resp.StatusCode, h)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func testLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

func TestSearchCLI(t *testing.T) {
	data := filepath.Join(t.TempDir(), "demo")
	if code, _, errs := custos(t, "--data", data, "demo"); code != 0 {
		t.Fatal(errs)
	}
	code, out, errs := custos(t, "--data", data, "search", "kind:deleted OR kind:recalled")
	if code != 0 || !strings.Contains(out, "hits") || !strings.Contains(out, "by source:") {
		t.Fatalf("search: %d %s %s", code, out, errs)
	}
	code, out, _ = custos(t, "--data", data, "--json", "search", "合同", "--mailbox", demo.Employees[0].Email+","+demo.Employees[1].Email)
	var res struct {
		Total int64
		Hits  []struct{ Mailbox, Snippet string }
	}
	if code != 0 || json.Unmarshal([]byte(out), &res) != nil || res.Total == 0 {
		t.Fatalf("search --json: %d %s", code, out)
	}
	for _, h := range res.Hits {
		if h.Mailbox != demo.Employees[0].Email && h.Mailbox != demo.Employees[1].Email {
			t.Fatalf("hit outside the chosen mailboxes: %+v", h)
		}
		if !strings.Contains(h.Snippet, "**合同**") {
			t.Fatalf("snippet without highlight: %q", h.Snippet)
		}
	}
	code, out, _ = custos(t, "--data", data, "search", "--explain", "price from:alice sent>=2026-01-01")
	if code != 0 || !strings.HasPrefix(out, "(and (word \"price\") (from (word \"alice\")) (sent [2026-01-01") {
		t.Fatalf("explain: %s", out)
	}
	code, _, errs = custos(t, "--data", data, "search", `price "unclosed`)
	if code == 0 || !strings.Contains(errs, "column 7: unclosed quote") {
		t.Fatalf("bad query: %d %s", code, errs)
	}
	// Rebuilding the index changes no result, and is audited.
	_, before, _ := custos(t, "--data", data, "--json", "search", "price OR 合同 OR \"can you\"")
	code, out, errs = custos(t, "--data", data, "--json", "index", "rebuild")
	var rb struct {
		Copies int64
		Pairs  bool
	}
	if code != 0 || json.Unmarshal([]byte(out), &rb) != nil || rb.Copies == 0 || !rb.Pairs {
		t.Fatalf("index rebuild: %d %s %s", code, out, errs)
	}
	if _, after, _ := custos(t, "--data", data, "--json", "search", "price OR 合同 OR \"can you\""); after != before {
		t.Fatalf("results changed by the rebuild:\n%s\n%s", before, after)
	}
	if code, out, _ := custos(t, "--data", data, "audit", "search", "--action", "index.rebuild"); code != 0 || !strings.Contains(out, "index.rebuild") {
		t.Fatalf("rebuild not audited: %s", out)
	}
}

func TestCaptureCLI(t *testing.T) {
	data := t.TempDir()
	run := func(stdin string, args ...string) (int, string, string) {
		t.Helper()
		var out, errb bytes.Buffer
		g := &globals{stdout: &out, stderr: &errb}
		root := newRoot(g)
		root.SetArgs(append([]string{"--data", data}, args...))
		root.SetIn(strings.NewReader(stdin))
		root.SetOut(&out)
		root.SetErr(&errb)
		if err := root.ExecuteContext(context.Background()); err != nil {
			return 1, out.String(), err.Error()
		}
		return 0, out.String(), errb.String()
	}
	if code, _, errs := run("short\n", "capture", "org", "--username", "admin", "--password-stdin"); code == 0 || !strings.Contains(errs, "12 characters") {
		t.Fatalf("short password accepted: %s", errs)
	}
	if code, out, errs := run("a long enough secret\n", "capture", "org", "--username", "admin", "--password-stdin"); code != 0 || !strings.Contains(out, "admin") {
		t.Fatalf("org: %s %s", out, errs)
	}
	if code, out, errs := run("", "capture", "users", "add", "--email", "Alice@Corp.example", "--name", "Alice", "--phone", "+1 202-555-0143"); code != 0 {
		t.Fatalf("users add: %s %s", out, errs)
	}
	_, out, _ := run("", "--json", "capture", "users", "list")
	if !strings.Contains(out, `"+12025550143"`) || !strings.Contains(out, "alice@corp.example") {
		t.Fatalf("users list: %s", out)
	}
	// One file of each format; the second import of each stores nothing.
	for _, tc := range []struct {
		format, file string
		owner        []string
	}{
		{"whatsapp-export", "../../capture/waexport/testdata/android_en_12h.txt", []string{"--owner", "+12025550143"}},
		{"sms-backup", "../../capture/smsbackup/testdata/sms_types.xml", []string{"--owner", "+12025550143"}},
		{"wecom", "../../capture/wecom/testdata/records.jsonl", nil},
	} {
		args := append([]string{"--json", "capture", "import", "--format", tc.format}, append(tc.owner, tc.file)...)
		_, out, _ := run("", args...)
		var rep struct {
			Stored, Duplicates int
			Rejected           []struct {
				File, Reason string
				Line         int
			}
		}
		if err := json.Unmarshal([]byte(out), &rep); err != nil || rep.Stored == 0 {
			t.Fatalf("%s: %s", tc.format, out)
		}
		_, out2, _ := run("", args...)
		var rep2 struct{ Stored, Duplicates int }
		json.Unmarshal([]byte(out2), &rep2)
		if rep2.Stored != 0 || rep2.Duplicates != rep.Stored {
			t.Fatalf("%s imported twice: %+v then %+v", tc.format, rep, rep2)
		}
		for _, r := range rep.Rejected {
			if r.File == "" || r.Line == 0 || r.Reason == "" {
				t.Fatalf("%s: a rejected line without file, line and reason: %+v", tc.format, r)
			}
		}
	}
	_, out, _ = run("", "capture", "items", "--source", "enterprise-number")
	if !strings.Contains(out, "items") || !strings.Contains(out, "sms") {
		t.Fatalf("items: %s", out)
	}
	if code, _, errs := run("", "capture", "import", "--format", "sms-backup", "../../capture/smsbackup/testdata/sms_types.xml"); code == 0 || !strings.Contains(errs, "--owner") {
		t.Fatalf("sms-backup without --owner: %s", errs)
	}
	if code, out, _ := run("", "capture", "import", "--format", "sms-backup", "--owner", "+12025550143", "../../capture/smsbackup/testdata/broken_elements.xml"); code == 0 || !strings.Contains(out, "broken_elements.xml:") {
		t.Fatalf("broken elements not listed: %s", out)
	}
}

package connector_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/custos-archive/custos/archive"
	"github.com/custos-archive/custos/capture"
	"github.com/custos-archive/custos/capture/spool"
	"github.com/custos-archive/custos/compliance/audit"
	"github.com/custos-archive/custos/connector"
	"github.com/custos-archive/custos/connector/siteclient"
	"github.com/custos-archive/custos/item"
	"github.com/custos-archive/custos/store"
)

const sitePassword = "correct horse battery"

type env struct {
	t    *testing.T
	sp   *spool.Spool
	site *httptest.Server
	down atomic.Bool // the site answers 503
	st   *store.Store
	m    *connector.Manager
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{t: t}
	var err error
	e.sp, err = spool.Open(ctx, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.sp.Close() })
	e.sp.SetOrg(ctx, "acme", sitePassword)
	e.sp.PutUser(ctx, spool.User{Email: "alice@corp.example", Name: "Alice", Phones: []string{"+12025550143"}})
	mux := http.NewServeMux()
	capture.New(e.sp, capture.Config{}, nil).Routes(mux)
	e.site = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if e.down.Load() {
			http.Error(w, "maintenance", http.StatusServiceUnavailable)
			return
		}
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(e.site.Close)

	dir := t.TempDir()
	e.st, err = store.Open(ctx, dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.st.Close() })
	e.st.PutUser(ctx, store.User{Email: "alice@corp.example", Name: "Alice"})
	p, _ := archive.New(e.st, archive.Options{BatchSize: 100})
	seal, err := connector.OpenSealer(filepath.Join(dir, "key", "secret.key"))
	if err != nil {
		t.Fatal(err)
	}
	e.m = connector.NewManager(e.st, p, seal, connector.Options{Retry: connector.RetryPolicy{Attempts: 3, First: time.Millisecond, Max: 5 * time.Millisecond}})
	return e
}

// capture puts n SMS items at the site between alice and an outsider (or,
// with outsider, between two outsiders, so they map to nobody).
func (e *env) capture(from, n int, outsider bool) {
	e.t.Helper()
	var cs []spool.Capture
	for i := from; i < from+n; i++ {
		a := item.Participant{Phone: "+12025550143"}
		if outsider {
			a = item.Participant{Phone: "+12025550199"}
		}
		it := &item.Item{Source: item.EnterpriseNumber, Kind: item.SMS, SourceID: fmt.Sprintf("SM%05d", i),
			Conversation: item.Conversation{ID: "c"}, From: a, To: []item.Participant{{Phone: "+13105550188"}},
			Time: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second), Text: fmt.Sprintf("message %d", i)}
		if i%10 == 0 {
			ref, _ := e.sp.Blobs().Put(context.Background(), bytes.NewReader([]byte(fmt.Sprintf("attachment %d", i))))
			it.Kind = item.MMS
			it.Attachments = []item.Attachment{{Name: "a.txt", ContentType: "text/plain", Blob: ref.String()}}
		}
		cs = append(cs, spool.Capture{Item: it, Channel: "test"})
	}
	if _, err := e.sp.Put(context.Background(), cs); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) create(name string) {
	e.t.Helper()
	ctx := context.Background()
	must := func(err error) {
		e.t.Helper()
		if err != nil {
			e.t.Fatal(err)
		}
	}
	_, err := e.m.Draft(ctx, name, item.EnterpriseNumber, e.site.URL)
	must(err)
	must(e.m.AcceptTerms(ctx, name))
	must(e.m.Login(ctx, name, "acme", sitePassword))
	must(e.m.Mapping(ctx, name, true, nil, ""))
	must(e.m.Consent(ctx, name, "Jane Admin"))
	_, _, err = e.m.Review(ctx, name)
	must(err)
	must(e.m.Create(ctx, name, ""))
}

func (e *env) folderCount(addr string) int64 {
	e.t.Helper()
	ctx := context.Background()
	mb, err := e.st.Mailbox(ctx, addr)
	if err != nil {
		return 0
	}
	f, err := e.st.Folder(ctx, mb.ID, item.EnterpriseNumber.Folder())
	if err != nil {
		return 0
	}
	return f.Items
}

func TestStepsInOrder(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.m.Draft(ctx, "en", item.EnterpriseNumber, "ftp://x"); err == nil {
		t.Fatal("a bad site URL was accepted")
	}
	e.m.Draft(ctx, "en", item.EnterpriseNumber, e.site.URL)
	var se *connector.StepError
	if err := e.m.Consent(ctx, "en", "Jane"); !errors.As(err, &se) || !strings.Contains(err.Error(), `"terms"`) {
		t.Fatalf("consent before terms: %v", err)
	}
	e.m.AcceptTerms(ctx, "en")
	if err := e.m.Login(ctx, "en", "acme", "wrong password"); !errors.As(err, &se) || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("wrong password: %v", err)
	}
	if err := e.m.Login(ctx, "en", "acme", sitePassword); err != nil {
		t.Fatal(err)
	}
	c, _ := e.st.Connector(ctx, "en")
	if bytes.Contains(c.PasswordEnc, []byte(sitePassword)) {
		t.Fatal("the password is stored in clear")
	}
	if err := e.m.Mapping(ctx, "en", false, nil, ""); err == nil {
		t.Fatal("automatic mapping off without a CSV was accepted")
	}
	if err := e.m.Mapping(ctx, "en", true, strings.NewReader("phone,email\nnot a number,x@y.example\n"), "map.csv"); err == nil || !strings.Contains(err.Error(), "map.csv:2") {
		t.Fatalf("bad CSV: %v", err)
	}
	e.m.Mapping(ctx, "en", true, strings.NewReader("phone,email\n+12025550199,alice@corp.example\n"), "map.csv")
	e.m.Consent(ctx, "en", "Jane Admin")
	e.m.Review(ctx, "en")
	if err := e.m.Create(ctx, "en", "every day please"); err == nil {
		t.Fatal("a bad schedule was accepted")
	}
	if err := e.m.Create(ctx, "en", "@every 6h"); err != nil {
		t.Fatal(err)
	}
	c, _ = e.st.Connector(ctx, "en")
	if c.State != connector.StateActive || c.NextRunAt.IsZero() {
		t.Fatalf("created connector %+v", c)
	}
}

func TestRunFilesEverythingOnce(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.create("en")
	e.capture(0, 1200, false)
	run, err := e.m.Run(ctx, "en", "manual")
	if err != nil {
		t.Fatal(err)
	}
	if run.Fetched != 1200 || run.Imported != 1200 || run.Total != 1200 || run.Status != "succeeded" {
		t.Fatalf("run %+v", run)
	}
	if n := e.folderCount("alice@corp.example"); n != 1200 {
		t.Fatalf("%d items filed, want 1200", n)
	}
	// A missed day loses nothing: more is captured, the next run takes all of it.
	e.capture(1200, 300, false)
	e.capture(5000, 20, true) // unmapped
	run, err = e.m.Run(ctx, "en", "schedule")
	if err != nil || run.Fetched != 320 || run.Imported != 300 || run.Unmapped != 20 {
		t.Fatalf("second run %+v %v", run, err)
	}
	// Nothing new: a third run fetches nothing and files nothing twice.
	run, _ = e.m.Run(ctx, "en", "manual")
	if run.Fetched != 0 || e.folderCount("alice@corp.example") != 1500 {
		t.Fatalf("third run %+v, %d filed", run, e.folderCount("alice@corp.example"))
	}
	// Completeness: captured = archived + duplicates + quarantined + failed.
	recs, _ := e.st.Completeness(ctx, run.ConnectorID)
	if len(recs) == 0 {
		t.Fatal("no completeness records")
	}
	for _, r := range recs {
		if !r.Closes() {
			t.Errorf("day %s does not close: %+v", r.Day, r)
		}
	}
	if alerts, _ := e.m.Alerts(ctx, "en"); len(alerts) != 0 {
		t.Fatalf("alerts %+v", alerts)
	}
	// Fixing the mapping fixes the past: the next run files the quarantined
	// items, and a replay afterwards finds nothing left.
	if _, err := e.m.SetMappingCSV(ctx, "en", strings.NewReader("phone,email\n+12025550199,alice@corp.example\n"), "fix.csv"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.m.Run(ctx, "en", "schedule"); err != nil || e.folderCount("alice@corp.example") != 1520 {
		t.Fatalf("run after the fix: %v, %d filed", err, e.folderCount("alice@corp.example"))
	}
	rep, err := e.m.Replay(ctx, "en")
	if err != nil || rep.Examined != 0 || e.folderCount("alice@corp.example") != 1520 {
		t.Fatalf("replay %+v %v, %d filed", rep, err, e.folderCount("alice@corp.example"))
	}
}

func TestSiteDownAndWrongPassword(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.create("en")
	e.capture(0, 700, false)
	e.down.Store(true)
	run, err := e.m.Run(ctx, "en", "manual")
	var te *siteclient.TransientError
	if !errors.As(err, &te) || run.Status != "failed" || run.Fetched != 0 {
		t.Fatalf("site down: %+v %v", run, err)
	}
	c, _ := e.st.Connector(ctx, "en")
	if c.State != connector.StateActive || !strings.Contains(c.Error, "unavailable") {
		t.Fatalf("after a transient failure the connector is %q (%s)", c.State, c.Error)
	}
	e.down.Store(false)
	if run, err = e.m.Run(ctx, "en", "manual"); err != nil || run.Imported != 700 {
		t.Fatalf("after the site is back: %+v %v", run, err)
	}
	// The organisation changes its password at the site.
	e.sp.SetOrg(ctx, "acme", "a brand new password")
	e.capture(700, 5, false)
	run, err = e.m.Run(ctx, "en", "manual")
	c, _ = e.st.Connector(ctx, "en")
	if !errors.Is(err, siteclient.ErrAuth) || c.State != connector.StateError || !strings.Contains(c.Error, "refused") {
		t.Fatalf("wrong credentials: %v, connector %q %q", err, c.State, c.Error)
	}
	if e.folderCount("alice@corp.example") != 700 {
		t.Fatal("a failed run filed something")
	}
}

func TestAuditRecords(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.create("en")
	e.capture(0, 10, false)
	if _, err := e.m.Run(ctx, "en", "manual"); err != nil {
		t.Fatal(err)
	}
	e.m.Login(ctx, "en", "acme", "wrong") // out of order: a failure record
	var changes, runs, failures int
	err := e.st.AuditSearch(ctx, store.AuditFilter{Action: "connector"}, func(r audit.Record) error {
		switch r.Action {
		case audit.ConnectorChange:
			changes++
		case audit.ConnectorRun:
			runs++
		}
		if r.Outcome == audit.Failure {
			failures++
		}
		if strings.Contains(string(r.Details), sitePassword) {
			t.Errorf("the password is in the audit log: %s", r.Details)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if changes != 8 || runs != 1 || failures != 1 {
		t.Fatalf("audit: %d changes, %d runs, %d failures; want 8, 1, 1", changes, runs, failures)
	}
}

// TestAnotherProcessRunning checks that a connector another live process
// is running is not run a second time, and is taken over at once when that
// process dies, or when it has been silent too long.
func TestAnotherProcessRunning(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.create("en")
	e.capture(0, 50, false)
	c, err := e.st.Connector(ctx, "en")
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(e.st.Dir(), "custos.db")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	host, _ := os.Hostname()
	running := func(pid int, silent time.Duration) {
		t.Helper()
		now := time.Now()
		if _, err := db.ExecContext(ctx, `INSERT INTO connector_runs (connector_id, started_at, status, trigger, host, pid, heartbeat_at)
			VALUES (?, ?, 'running', 'schedule', ?, ?, ?)`, c.ID, now.Add(-time.Hour).UnixMilli(), host, pid, now.Add(-silent).UnixMilli()); err != nil {
			t.Fatal(err)
		}
	}
	other := exec.Command("sleep", "60")
	if err := other.Start(); err != nil {
		t.Fatal(err)
	}
	defer other.Process.Kill()
	running(other.Process.Pid, time.Second)
	before, _ := e.st.Runs(ctx, c.ID, 100)
	var busy *store.BusyError
	if _, err := e.m.Run(ctx, "en", "manual"); !errors.As(err, &busy) || busy.Run.Owner.PID != other.Process.Pid {
		t.Fatalf("run while process %d runs the connector: %v", other.Process.Pid, err)
	}
	if after, _ := e.st.Runs(ctx, c.ID, 100); len(after) != len(before) || e.folderCount("alice@corp.example") != 0 {
		t.Fatalf("a refused run recorded a run or filed items")
	}
	other.Process.Kill()
	other.Wait()
	run, err := e.m.Run(ctx, "en", "manual")
	if err != nil || run.Imported != 50 {
		t.Fatalf("run after the other process died: %+v %v", run, err)
	}
	runs, _ := e.st.Runs(ctx, c.ID, 2)
	if len(runs) != 2 || runs[1].Status != "interrupted" {
		t.Fatalf("the dead process's run was not marked interrupted: %+v", runs)
	}
	// A live process silent longer than the lease is taken over too.
	running(os.Getppid(), 2*time.Minute)
	if _, err := e.m.Run(ctx, "en", "manual"); err != nil {
		t.Fatalf("run after a silent process: %v", err)
	}
}

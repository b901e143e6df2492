package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/custos-archive/custos/item"
	"github.com/custos-archive/custos/store"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startServer runs `custos serve` as a child process and waits for it.
func startServer(t *testing.T, bin, data, addr string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"--data", data, "serve", "--http", addr}, args...)...)
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for i := 0; i < 100; i++ {
		if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
			resp.Body.Close()
			return cmd
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("server on %s did not start: %s", addr, errb.String())
	return nil
}

type site struct {
	t    *testing.T
	base string
	tok  string
}

func (s *site) login(user, pw string) {
	body, _ := json.Marshal(map[string]string{"username": user, "password": pw})
	resp, err := http.Post(s.base+"/export/v1/login", "application/json", bytes.NewReader(body))
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ Token string }
	json.NewDecoder(resp.Body).Decode(&out)
	if out.Token == "" {
		s.t.Fatalf("login to the capture site failed: %s", resp.Status)
	}
	s.tok = out.Token
}

func (s *site) post(path string, body []byte) map[string]any {
	s.t.Helper()
	req, _ := http.NewRequest("POST", s.base+path, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+s.tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	json.Unmarshal(b, &out)
	if resp.StatusCode != 200 {
		s.t.Fatalf("POST %s: %s %s", path, resp.Status, b)
	}
	return out
}

func smsItems(from, n int) []byte {
	var b bytes.Buffer
	w := item.NewWriter(&b)
	for i := from; i < from+n; i++ {
		owner := fmt.Sprintf("+1202555%04d", i%5)
		w.Write(&item.Item{Source: item.EnterpriseNumber, Kind: item.SMS, SourceID: fmt.Sprintf("SM%08d", i),
			Conversation: item.Conversation{ID: owner + "/+13105550188"}, From: item.Participant{Phone: owner},
			To: []item.Participant{{Phone: "+13105550188", Name: "Dana Lee"}}, Time: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second),
			Text: fmt.Sprintf("message %d", i)})
	}
	return b.Bytes()
}

// setupTwoSides starts the capture site as its own process, registers five
// users there and in the archive's directory, and adds a connector.
func setupTwoSides(t *testing.T, bin string, schedule string) (capData, archData string, s *site) {
	t.Helper()
	work := t.TempDir()
	capData, archData = filepath.Join(work, "capture-side"), filepath.Join(work, "archive-side")
	run := func(data, stdin string, args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, append([]string{"--data", data}, args...)...)
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("custos %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	var users strings.Builder
	users.WriteString("email,name,phones\n")
	for i := 0; i < 5; i++ {
		fmt.Fprintf(&users, "user%d@corp.example,User %d,+1202555%04d\n", i, i, i)
	}
	usersCSV := filepath.Join(work, "users.csv")
	os.WriteFile(usersCSV, []byte(users.String()), 0o644)
	run(capData, "acme site password\n", "capture", "org", "--username", "acme", "--password-stdin")
	run(capData, "", "capture", "users", "import", usersCSV)
	run(archData, "", "users", "import", usersCSV)
	capAddr := freeAddr(t)
	startServer(t, bin, capData, capAddr, "--role", "capture")
	s = &site{t: t, base: "http://" + capAddr}
	s.login("acme", "acme site password")
	run(archData, "acme site password\n", "connector", "add", "en", "--type", "enterprise-number", "--site", s.base, "--username", "acme",
		"--password-stdin", "--accept-terms", "--consent-by", "Jane Admin", "--schedule", schedule)
	return capData, archData, s
}

// archived returns, per mailbox, the number of copies in the Enterprise
// Number folder, and the number of distinct items.
func archived(t *testing.T, data string) (map[string]int64, int64) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, data, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	idx, _ := st.MailboxIndex(ctx)
	out := map[string]int64{}
	for addr, id := range idx {
		if f, err := st.Folder(ctx, id, item.EnterpriseNumber.Folder()); err == nil {
			out[addr] = f.Items
		}
	}
	c, _ := st.Counts(ctx)
	return out, c.Items
}

// TestTwoProcesses runs the capture site and the archive as separate
// processes on loopback: traffic posted to the capture APIs reaches the
// right folders of the right mailboxes, each item exactly once.
func TestTwoProcesses(t *testing.T) {
	bin := buildCustos(t)
	_, archData, s := setupTwoSides(t, bin, "@every 1s")
	s.post("/capture/v1/items", smsItems(0, 250))
	s.post("/capture/v1/items", smsItems(100, 50)) // retried webhook deliveries: duplicates
	archAddr := freeAddr(t)
	startServer(t, bin, archData, archAddr, "--role", "archive", "--scheduler-tick", "200ms")
	var per map[string]int64
	var items int64
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		per, items = archived(t, archData)
		if items == 250 {
			break
		}
		time.Sleep(300 * time.Millisecond)
	}
	if items != 250 {
		t.Fatalf("%d items archived, want 250", items)
	}
	// More traffic while both run: the schedule picks it up.
	s.post("/capture/v1/items", smsItems(250, 50))
	for time.Now().Before(deadline) {
		if per, items = archived(t, archData); items == 300 {
			break
		}
		time.Sleep(300 * time.Millisecond)
	}
	for i := 0; i < 5; i++ {
		if n := per[fmt.Sprintf("user%d@corp.example", i)]; n != 60 {
			t.Errorf("user%d has %d items, want 60", i, n)
		}
	}
	if items != 300 {
		t.Fatalf("%d items archived, want 300", items)
	}
}

// TestConnectorSurvivesKill9 kills the archive side with SIGKILL at random
// moments during a run of 20,000 items, restarts it, lets it finish, and
// checks every item is filed exactly once and the run history adds up.
func TestConnectorSurvivesKill9(t *testing.T) {
	const n, kills = 20000, 10
	bin := buildCustos(t)
	_, archData, s := setupTwoSides(t, bin, "@daily")
	for i := 0; i < n; i += 2000 {
		s.post("/capture/v1/items", smsItems(i, 2000))
	}
	r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 2))
	killed := 0
	est := 2 * time.Second
	for attempt := 0; killed < kills && attempt < 4*kills; attempt++ {
		cmd := exec.Command(bin, "--data", archData, "connector", "run", "en")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		began := time.Now()
		select {
		case <-time.After(time.Duration(r.Int64N(int64(est))) + 20*time.Millisecond):
			cmd.Process.Signal(syscall.SIGKILL)
			<-done
			killed++
		case err := <-done:
			if err != nil {
				t.Fatalf("run failed on its own: %v", err)
			}
			est = max(time.Since(began), 50*time.Millisecond)
		}
	}
	if killed < kills {
		t.Fatalf("only %d runs killed", killed)
	}
	out, err := exec.Command(bin, "--data", archData, "--json", "connector", "run", "en").Output()
	if err != nil {
		t.Fatalf("final run: %v\n%s", err, out)
	}
	per, items := archived(t, archData)
	if items != n {
		t.Fatalf("%d items archived, want %d", items, n)
	}
	for i := 0; i < 5; i++ {
		if got := per[fmt.Sprintf("user%d@corp.example", i)]; got != n/5 {
			t.Errorf("user%d has %d copies, want %d", i, got, n/5)
		}
	}
	// The run history adds up: every item fetched and imported once across
	// all runs, the killed ones marked interrupted.
	ctx := context.Background()
	st, err := store.Open(ctx, archData, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	c, err := st.Connector(ctx, "en")
	if err != nil {
		t.Fatal(err)
	}
	runs, err := st.Runs(ctx, c.ID, 10000)
	if err != nil {
		t.Fatal(err)
	}
	var fetched, imported, dups int64
	interrupted := 0
	for _, r := range runs {
		fetched += r.Fetched
		imported += r.Imported
		dups += r.Duplicates
		if r.Status == "interrupted" {
			interrupted++
		}
	}
	t.Logf("%d kills, %d runs in history (%d interrupted): fetched %d, imported %d, duplicates %d", killed, len(runs), interrupted, fetched, imported, dups)
	if fetched != n || imported != n || dups != 0 {
		t.Errorf("run history: fetched %d, imported %d, duplicates %d; want %d, %d, 0", fetched, imported, dups, n, n)
	}
	if interrupted == 0 {
		t.Error("no run was marked interrupted")
	}
	days, _ := st.Completeness(ctx, c.ID)
	for _, d := range days {
		if !d.Closes() {
			t.Errorf("completeness of %s does not close: %+v", d.Day, d)
		}
	}
}

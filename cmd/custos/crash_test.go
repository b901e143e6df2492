package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/custos-archive/custos/demo"
	"github.com/custos-archive/custos/store"
)

// buildCustos builds the custos binary into a temp folder.
func buildCustos(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "custos")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// snapshot describes an archive: per mailbox folder the items filed there
// with their message hashes, the quarantine, and the totals.
func snapshot(t *testing.T, dir string) (map[string]string, store.Counts) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	idx, err := st.MailboxIndex(ctx)
	if err != nil {
		t.Fatal(err)
	}
	snap := map[string]string{}
	for addr, id := range idx {
		fs, err := st.Folders(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range fs {
			var lines []string
			var uids []uint32
			err := st.Copies(ctx, f.ID, func(c store.Copy) error {
				lines = append(lines, c.Item.SourceID+"="+c.SHA256)
				uids = append(uids, c.UID)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			for i := 1; i < len(uids); i++ {
				if uids[i] <= uids[i-1] {
					t.Fatalf("%s/%s: UIDs not increasing: %v", addr, f.Name, uids[i-1:i+1])
				}
			}
			if len(uids) > 0 && f.UIDNext <= uids[len(uids)-1] {
				t.Fatalf("%s/%s: uid_next %d not above the last UID %d", addr, f.Name, f.UIDNext, uids[len(uids)-1])
			}
			sort.Strings(lines)
			snap[addr+"/"+f.Name] = strings.Join(lines, "\n")
		}
	}
	var q []string
	err = st.QuarantineList(ctx, store.QuarantineFilter{}, func(x store.Quarantined) error {
		q = append(q, x.Item.SourceID+"="+x.SHA256)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(q)
	snap["quarantine"] = strings.Join(q, "\n")
	c, err := st.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return snap, c
}

// TestImportSurvivesKill9 starts `custos import` as a child process, kills it
// with SIGKILL at random moments, runs it again, and checks the archive ends
// up exactly as one uninterrupted import leaves it: every item once in each
// mapped mailbox or in the quarantine, none twice.
func TestImportSurvivesKill9(t *testing.T) {
	const n, users, kills = 8000, 100, 20
	bin := buildCustos(t)
	work := t.TempDir()
	items := filepath.Join(work, "items.jsonl")
	f, err := os.Create(items)
	if err != nil {
		t.Fatal(err)
	}
	if err := demo.WriteSynthetic(f, n, users, 20, 50, 3); err != nil {
		t.Fatal(err)
	}
	f.Close()
	usersCSV := filepath.Join(work, "users.csv")
	os.WriteFile(usersCSV, []byte(demo.SyntheticUsersCSV(users)), 0o644)

	custos := func(data string, args ...string) *exec.Cmd {
		return exec.Command(bin, append([]string{"--data", data}, args...)...)
	}
	mustRun := func(c *exec.Cmd) {
		t.Helper()
		if out, err := c.CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", c.Args, err, out)
		}
	}

	ref := filepath.Join(work, "ref")
	mustRun(custos(ref, "users", "import", usersCSV))
	start := time.Now()
	mustRun(custos(ref, "import", "--source", "whatsapp", items))
	full := time.Since(start)
	want, wantCounts := snapshot(t, ref)
	if wantCounts.Items != n {
		t.Fatalf("reference import stored %d items, want %d", wantCounts.Items, n)
	}

	data := filepath.Join(work, "crash")
	mustRun(custos(data, "users", "import", usersCSV))
	r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	killed := 0
	runs := 0
	est := full // how long a run takes; re-runs over imported items are quicker
	for i := 0; killed < kills && i < 3*kills; i++ {
		runs++
		c := custos(data, "import", "--source", "whatsapp", items)
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		delay := time.Duration(r.Int64N(int64(est)*9/10)) + 5*time.Millisecond
		began := time.Now()
		done := make(chan error, 1)
		go func() { done <- c.Wait() }()
		select {
		case <-time.After(delay):
			c.Process.Signal(syscall.SIGKILL)
			<-done
			killed++
		case err := <-done:
			if err != nil {
				t.Fatalf("import %d failed on its own: %v", i, err)
			}
			est = time.Since(began)
		}
	}
	t.Logf("%d of %d runs killed with SIGKILL (one full import takes %v)", killed, runs, full)
	if killed < kills {
		t.Fatalf("only %d runs were killed mid-import, want %d", killed, kills)
	}
	out, err := custos(data, "--json", "import", "--source", "whatsapp", items).Output()
	if err != nil {
		t.Fatalf("final import: %v\n%s", err, out)
	}
	got, gotCounts := snapshot(t, data)
	if gotCounts != wantCounts {
		t.Errorf("counts after kills %+v, want %+v", gotCounts, wantCounts)
	}
	if len(got) != len(want) {
		t.Errorf("%d folders after kills, want %d", len(got), len(want))
	}
	for k, w := range want {
		if got[k] != w {
			g := strings.Count(got[k], "\n") + 1
			t.Errorf("%s differs after kills: %d entries, want %d", k, g, strings.Count(w, "\n")+1)
		}
	}
	// And a further run adds nothing.
	out, err = custos(data, "--json", "import", "--source", "whatsapp", items).Output()
	if err != nil || !strings.Contains(string(out), fmt.Sprintf(`"duplicates": %d`, n)) {
		t.Errorf("re-run after recovery: %v\n%s", err, out)
	}
}

package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/custos-archive/custos/demo"
	"github.com/custos-archive/custos/item"
)

// custosAt runs the CLI in-process with a clock of the test's.
func custosAt(t *testing.T, now func() time.Time, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	g := &globals{stdout: &out, stderr: &errb, now: now}
	root := newRoot(g)
	root.SetArgs(args)
	root.SetOut(&out)
	root.SetErr(&errb)
	err := root.ExecuteContext(context.Background())
	if err == nil {
		return 0, out.String(), errb.String()
	}
	code := 1
	var ee *exitError
	if errors.As(err, &ee) {
		code = ee.code
	}
	fmt.Fprintln(&errb, "custos:", err)
	return code, out.String(), errb.String()
}

// complianceData makes a data folder with the demo users and a WhatsApp
// chat between each pair of the first four, sent on 2026-01-10.
func complianceData(t *testing.T, clk func() time.Time) string {
	t.Helper()
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	if code, _, errs := custosAt(t, clk, "--data", data, "users", "import", writeFile(t, dir, "users.csv", demo.UsersCSV())); code != 0 {
		t.Fatal(errs)
	}
	var b bytes.Buffer
	w := item.NewWriter(&b)
	n := 0
	for i, a := range demo.Employees[:4] {
		for _, c := range demo.Employees[i+1 : 4] {
			n++
			w.Write(&item.Item{Source: item.WhatsApp, Kind: item.Chat, SourceID: fmt.Sprintf("wa-%d", n), Conversation: item.Conversation{ID: "c"},
				From: item.Participant{Name: a.Name, Phone: a.Phone, Email: a.Email}, To: []item.Participant{{Name: c.Name, Phone: c.Phone, Email: c.Email}},
				Time: time.Date(2026, 1, 10, 9, n, 0, 0, time.UTC), Text: fmt.Sprintf("the price is %d", n)})
		}
	}
	if code, out, errs := custosAt(t, clk, "--data", data, "import", "--source", "whatsapp", writeFile(t, dir, "wa.jsonl", b.String())); code != 0 {
		t.Fatal(out, errs)
	}
	return data
}

func TestComplianceCLI(t *testing.T) {
	now := time.Date(2026, 2, 1, 9, 0, 0, 0, time.UTC)
	clk := func() time.Time { return now }
	data := complianceData(t, clk)
	alice, bob, carol, dan := demo.Employees[0].Email, demo.Employees[1].Email, demo.Employees[2].Email, demo.Employees[3].Email
	c := func(args ...string) (int, string, string) {
		t.Helper()
		return custosAt(t, clk, append([]string{"--data", data, "--actor", "cco@corp.example"}, args...)...)
	}
	count := func(mailbox string) int {
		t.Helper()
		_, out, _ := c("--json", "mailbox", "list", mailbox)
		var ml struct{ Folders []folderRow }
		json.Unmarshal([]byte(out), &ml)
		n := 0
		for _, f := range ml.Folders {
			n += int(f.Items)
		}
		return n
	}
	// Six chats, each in two mailboxes: three copies per mailbox.
	if count(alice) != 3 || count(dan) != 3 {
		t.Fatalf("copies: alice %d dan %d", count(alice), count(dan))
	}

	// Bad requests: clear errors, nothing changed.
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"hold", "place", "--mailbox", "nobody@demo.example", "--reason", "x"}, "mailbox nobody@demo.example: not found"},
		{[]string{"hold", "place", "--mailbox", alice, "--days", "-3", "--reason", "x"}, "duration -3 days is negative"},
		{[]string{"hold", "place", "--mailbox", alice}, `required flag(s) "reason"`},
		{[]string{"hold", "place", "--mailbox", alice, "--query", `price "open`, "--reason", "x"}, "column 7: unclosed quote"},
		{[]string{"hold", "release", "42", "--reason", "x"}, "hold 42: not found"},
		{[]string{"hold", "release", "first", "--reason", "x"}, "give the hold's number"},
		{[]string{"retention", "policy", "add", "p", "--action", "delete", "--days", "-5"}, "duration -5 days is negative"},
		{[]string{"retention", "policy", "add", "p", "--action", "keep", "--days", "5"}, "want retain, delete or retain-delete"},
		{[]string{"retention", "policy", "add", "p", "--action", "delete", "--days", "5", "--source", "telegram"}, `unknown source "telegram"`},
		{[]string{"retention", "policy", "add", "p", "--action", "delete", "--days", "5", "--mailbox", "ghost@demo.example"}, "ghost@demo.example: not found"},
		{[]string{"retention", "policy", "update", "nope", "--days", "5"}, "retention policy nope: not found"},
		{[]string{"retention", "recovery-period", "--", "-1"}, "give 0 or more days"},
		{[]string{"delete", "--mailbox", "ghost@demo.example", "--query", "price"}, "not found"},
		{[]string{"audit", "export", "--format", "xml"}, "want jsonl or csv"},
	} {
		code, _, errs := c(tc.args...)
		if code == 0 || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want %q", tc.args, code, errs, tc.want)
		}
	}
	_, out, _ := c("--json", "hold", "list", "--all")
	_, pol, _ := c("--json", "retention", "policy", "list")
	if strings.TrimSpace(out) != "[]" || !strings.Contains(pol, `"policies": []`) || !strings.Contains(pol, `"recovery_days": 14`) {
		t.Fatalf("bad requests left holds or policies: %s %s", out, pol)
	}

	// A Litigation Hold on alice, a query hold on bob's "price 1" chats for
	// a case.
	code, out, errs := c("--json", "hold", "place", "--mailbox", alice, "--reason", "SEC inquiry 2026-14")
	var h struct {
		ID       int64
		Kind     string
		PlacedBy string `json:"placed_by"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &h) != nil || h.ID != 1 || h.Kind != "mailbox" || h.PlacedBy != "cco@corp.example" {
		t.Fatalf("hold place: %d %s %s", code, out, errs)
	}
	if code, out, errs = c("hold", "place", "--mailbox", bob, "--query", `"price is 1"`, "--case", "SEC-14", "--reason", "custodian"); code != 0 || !strings.Contains(out, `placed hold 2 (query hold "\"price is 1\"" on bob@demo.example for case SEC-14`) {
		t.Fatalf("query hold: %d %s %s", code, out, errs)
	}
	if _, out, _ = c("hold", "list"); !strings.Contains(out, "Litigation Hold on alice@demo.example") || !strings.Contains(out, "SEC inquiry") {
		t.Fatalf("hold list: %s", out)
	}
	_, out, _ = c("--json", "hold", "list")
	var hl []struct {
		ID     int64
		Copies int
	}
	if json.Unmarshal([]byte(out), &hl) != nil || len(hl) != 2 || hl[0].Copies != 3 || hl[1].Copies != 1 {
		t.Fatalf("hold coverage: %s", out)
	}
	if code, _, errs = c("hold", "release", "2", "--reason", "x"); code == 0 || !strings.Contains(errs, `belongs to an eDiscovery case "SEC-14"`) {
		t.Fatalf("release of a case hold without --case: %s", errs)
	}

	// A policy deletes WhatsApp after 30 days. A dry run 40 days on shows
	// what it would do and changes nothing.
	if code, out, errs = c("retention", "policy", "add", "chats", "--action", "delete", "--days", "30", "--source", "whatsapp"); code != 0 {
		t.Fatal(out, errs)
	}
	if code, out, errs = c("retention", "policy", "add", "keep-dan", "--action", "retain", "--days", "90", "--mailbox", dan); code != 0 {
		t.Fatal(out, errs)
	}
	now = now.AddDate(0, 0, 40)
	code, out, _ = c("retention", "run", "--dry-run")
	if code != 0 || !strings.Contains(out, "dry run: nothing was changed") || !strings.Contains(out, "would be deleted (moved to the recoverable stage): 5\n") ||
		strings.Contains(out, dan) || !strings.Contains(out, "due for deletion but kept under a hold: 4") ||
		!strings.Contains(out, `under hold 2 (query hold "\"price is 1\"" on bob@demo.example for case SEC-14, "custodian", placed by cco@corp.example on 2026-02-01)`) {
		t.Fatalf("dry run:\n%s", out)
	}
	if count(alice)+count(bob)+count(carol)+count(dan) != 12 {
		t.Fatal("the dry run changed something")
	}
	// Run: alice's three copies and bob's "price is 1" are held; dan's are
	// retained for 90 days; so bob's other two and carol's three go.
	_, out, _ = c("--json", "retention", "run")
	var rep struct {
		Deleted []struct {
			Mailbox  string
			SourceID string `json:"source_id"`
		}
		Kept []struct {
			HoldID int64 `json:"hold_id"`
		}
	}
	json.Unmarshal([]byte(out), &rep)
	if len(rep.Deleted) != 5 || len(rep.Kept) != 4 || rep.Kept[0].HoldID != 1 {
		t.Fatalf("run: %s", out)
	}
	if count(carol) != 0 || count(bob) != 1 || count(dan) != 3 {
		t.Fatalf("carol has %d copies after the sweep", count(carol))
	}
	// Deleted copies are not found.
	_, out, _ = c("--json", "search", "price")
	if !strings.Contains(out, `"total": 7`) {
		t.Fatalf("search after deletion: %s", out)
	}

	// An operator deletes dan's copies: recoverable, and a hold placed
	// meanwhile keeps the purge away, naming the hold.
	if code, out, errs = c("delete", "--mailbox", dan, "--query", "price", "--reason", "misfiled"); code != 0 || !strings.Contains(out, "deleted (recoverable until purged): 3") {
		t.Fatalf("delete: %d %s %s", code, out, errs)
	}
	if code, out, _ = c("recover", "--mailbox", dan, "--query", `"price is 3"`); code != 0 || !strings.Contains(out, "recovered: 1") || count(dan) != 1 {
		t.Fatalf("recover: %s (dan has %d)", out, count(dan))
	}
	if code, _, _ = c("hold", "place", "--mailbox", dan, "--reason", "late custodian"); code != 0 {
		t.Fatal("hold on dan")
	}
	_, out, _ = c("purge")
	if !strings.Contains(out, "purged (recovery period 14 days): 0") {
		t.Fatalf("purge within the recovery period: %s", out)
	}
	now = now.AddDate(0, 0, 30)
	_, out, _ = c("purge", "--dry-run")
	if !strings.Contains(out, "would be purged (recovery period 14 days): 5") || !strings.Contains(out, "purge refused: under a hold: 2") ||
		!strings.Contains(out, `hold 3 (Litigation Hold on dan@demo.example, "late custodian", placed by cco@corp.example`) {
		t.Fatalf("purge dry run:\n%s", out)
	}
	code, out, _ = c("purge")
	if code != 0 || !strings.Contains(out, "purged (recovery period 14 days): 5") || !strings.Contains(out, "purge refused: under a hold: 2") ||
		!strings.Contains(out, "items removed with their last copy: 1; attachment blobs deleted: 0") {
		t.Fatalf("purge:\n%s", out)
	}
	if code, out, _ = c("hold", "release", "2", "--reason", "closed", "--case", "sec-14"); code != 0 || !strings.Contains(out, "released hold 2") {
		t.Fatalf("release: %s", out)
	}

	// The audit log has it all, and verifies.
	code, out, _ = c("audit", "verify")
	if code != 0 || !strings.Contains(out, "chain intact") {
		t.Fatalf("verify: %d %s", code, out)
	}
	head := strings.Fields(strings.Split(out, "head ")[1])[0]
	_, out, _ = c("--json", "audit", "search", "--action", "hold")
	var recs []struct{ Action, Object, Actor, Outcome string }
	json.Unmarshal([]byte(out), &recs)
	var actions []string
	for _, r := range recs {
		actions = append(actions, r.Action+" "+r.Object+" "+r.Outcome)
	}
	want := []string{"hold.release hold:2 success", "hold.place hold:3 success", "hold.release hold:2 failure", "hold.place hold:2 success",
		"hold.place hold:1 success", "hold.release hold:42 failure", "hold.place mailbox:alice@demo.example failure",
		"hold.place mailbox:alice@demo.example failure", "hold.place mailbox:nobody@demo.example failure"}
	if strings.Join(actions, "\n") != strings.Join(want, "\n") {
		t.Fatalf("hold records, newest first:\n%s\nwant\n%s", strings.Join(actions, "\n"), strings.Join(want, "\n"))
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"audit", "search", "--action", "purge"}, "copy:"},
		{[]string{"audit", "search", "--action", "search"}, `"query":"price"`},
		{[]string{"audit", "search", "--action", "import"}, "source:whatsapp"},
		{[]string{"audit", "search", "--action", "user"}, "user:alice@demo.example"},
		{[]string{"audit", "search", "--object", "policy:*"}, "policy.create"},
		{[]string{"audit", "search", "--user", "cco@corp.example", "--since", "2026-03-01"}, "purge.run"},
		{[]string{"--json", "audit", "search", "--action", "delete", "--object", "mailbox:dan*"}, `"reason": "misfiled"`},
	} {
		if _, out, _ := c(tc.args...); !strings.Contains(out, tc.want) {
			t.Errorf("%v: %s", tc.args, out)
		}
	}
	dir := filepath.Dir(data)
	jl, csvf := filepath.Join(dir, "audit.jsonl"), filepath.Join(dir, "audit.csv")
	if code, _, errs = c("audit", "export", "--format", "jsonl", "--out", jl); code != 0 {
		t.Fatal(errs)
	}
	if code, out, errs = c("audit", "verify", "--file", jl, "--head", head); code != 0 || !strings.Contains(out, "chain intact") {
		t.Fatalf("verify of the export: %d %s %s", code, out, errs)
	}
	if code, _, errs = c("audit", "export", "--format", "csv", "--out", csvf, "--action", "purge"); code != 0 {
		t.Fatal(errs)
	}
	b, _ := os.ReadFile(csvf)
	if !bytes.HasPrefix(b, []byte("seq,time,actor,action,object,outcome,details,prev_hash,hash\n")) || !bytes.Contains(b, []byte(",purge,copy:")) {
		t.Fatalf("csv export:\n%s", b)
	}
}

// TestAuditTamper edits, deletes and swaps rows of the audit log directly in
// the database file, as someone with the file and an SQLite shell would, and
// checks that `custos audit verify` finds each.
func TestAuditTamper(t *testing.T) {
	now := time.Date(2026, 2, 1, 9, 0, 0, 0, time.UTC)
	clk := func() time.Time { now = now.Add(time.Second); return now }
	data := complianceData(t, clk)
	for i := 0; i < 5; i++ {
		custosAt(t, clk, "--data", data, "search", fmt.Sprintf("price %d", i))
	}
	custosAt(t, clk, "--data", data, "hold", "place", "--mailbox", demo.Employees[0].Email, "--reason", "r")
	var n int
	if code, out, _ := custosAt(t, clk, "--data", data, "--json", "audit", "verify"); code != 0 {
		t.Fatalf("verify before tampering: %s", out)
	} else {
		var r verifyResult
		json.Unmarshal([]byte(out), &r)
		n = int(r.Records)
	}
	if n < 10 {
		t.Fatalf("only %d records", n)
	}
	for _, tc := range []struct {
		name string
		sql  []string
		want string
	}{
		{"edit an actor", []string{`UPDATE audit_log SET actor = 'mallory' WHERE seq = 4`}, "broken at record 4 (edited)"},
		{"edit details", []string{`UPDATE audit_log SET details = replace(details, 'price', 'pricy') WHERE seq = 7`}, "broken at record 7 (edited)"},
		{"edit a time", []string{`UPDATE audit_log SET at = at - 86400000 WHERE seq = 9`}, "broken at record 9 (edited)"},
		{"edit and rehash", []string{`UPDATE audit_log SET outcome = 'failure', hash = '` + strings.Repeat("ab", 32) + `' WHERE seq = 5`}, "broken at record 5 (edited)"},
		{"delete a record", []string{`DELETE FROM audit_log WHERE seq = 6`}, "broken at record 6 (missing)"},
		{"delete the first", []string{`DELETE FROM audit_log WHERE seq = 1`}, "broken at record 1 (missing)"},
		{"delete the last", []string{`DELETE FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)`}, fmt.Sprintf("broken at record %d (truncated)", n+1)},
		{"swap two", []string{`UPDATE audit_log SET seq = -1 WHERE seq = 3`, `UPDATE audit_log SET seq = 3 WHERE seq = 8`, `UPDATE audit_log SET seq = 8 WHERE seq = -1`},
			"broken at record 3 (reordered)"},
		{"swap neighbours", []string{`UPDATE audit_log SET seq = -1 WHERE seq = 5`, `UPDATE audit_log SET seq = 5 WHERE seq = 6`, `UPDATE audit_log SET seq = 6 WHERE seq = -1`},
			"broken at record 5 (reordered): record 5 is record 6 of the chain"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := copyDir(t, data)
			db, err := sql.Open("sqlite", "file:"+filepath.Join(d, "custos.db"))
			if err != nil {
				t.Fatal(err)
			}
			// The log refuses edits through SQL; someone with the file drops
			// the guards first.
			if _, err := db.Exec(tc.sql[0]); err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Fatalf("tampering through the triggers: %v", err)
			}
			for _, q := range append([]string{`DROP TRIGGER audit_log_no_update`, `DROP TRIGGER audit_log_no_delete`}, tc.sql...) {
				if _, err := db.Exec(q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			db.Close()
			code, out, errs := custosAt(t, clk, "--data", d, "audit", "verify")
			if code != 1 || !strings.Contains(errs, tc.want) {
				t.Fatalf("verify after %s: exit %d\n%s%s\nwant %q", tc.name, code, out, errs, tc.want)
			}
		})
	}
}

// copyDir copies a data folder (the database and its WAL; blobs are not
// needed) to a new temporary folder.
func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	ents, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// TestVerifyItems archives the demo, checks 'custos verify' finds every
// message intact, then damages one attachment's bytes on disk and one
// stored message in the database (past the immutability trigger, as an
// attacker with the file would) and checks both items are named.
func TestVerifyItems(t *testing.T) {
	data := filepath.Join(t.TempDir(), "demo")
	if code, _, errs := custos(t, "--data", data, "demo"); code != 0 {
		t.Fatal(errs)
	}
	code, out, errs := custos(t, "--data", data, "verify")
	if code != 0 || !strings.Contains(out, "every message is as archived") {
		t.Fatalf("verify of an intact archive: %d %s %s", code, out, errs)
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(data, "custos.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var blobItem, blobSHA string
	if err := db.QueryRow(`SELECT i.source_id, b.sha256 FROM item_blobs b JOIN items i ON i.id = b.item_id ORDER BY i.id LIMIT 1`).Scan(&blobItem, &blobSHA); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(data, "blobs", blobSHA[0:2], blobSHA[2:4], blobSHA)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0xff
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	// One byte of a stored (packed) message changed.
	var textItem string
	if err := db.QueryRow(`SELECT source_id FROM items WHERE holes = '' ORDER BY id LIMIT 1`).Scan(&textItem); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`DROP TRIGGER items_immutable`,
		`UPDATE items SET skeleton = substr(skeleton, 1, 40) || X'7A' || substr(skeleton, 42) WHERE source_id = '` + textItem + `'`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	code, out, _ = custos(t, "--data", data, "--json", "verify")
	var res struct {
		Checked  int64
		Problems []struct {
			SourceID string `json:"source_id"`
			Problem  string
		}
	}
	if code != 1 || json.Unmarshal([]byte(out), &res) != nil {
		t.Fatalf("verify of a damaged archive: exit %d, %s", code, out)
	}
	got := map[string]string{}
	for _, p := range res.Problems {
		got[p.SourceID] = p.Problem
	}
	if len(got) != 2 || !strings.Contains(got[blobItem], "SHA-256") || got[textItem] == "" {
		t.Fatalf("problems %+v, want %s (attachment) and %s (message)", res.Problems, blobItem, textItem)
	}
}

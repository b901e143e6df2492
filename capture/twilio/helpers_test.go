package twilio

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/custos-archive/custos/item"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// ours are the organisation's numbers in the tests: two Enterprise
// Numbers, the number and short code of the courier samples, and an RCS
// agent.
var ours = map[string]bool{
	"+12025550143": true, "+12025550188": true,
	"+12028831111": true, "384387": true,
	"custos_demo_agent": true,
}

// now is when the test webhooks are received.
var now = time.Date(2026, 3, 2, 15, 4, 5, 0, time.UTC)

func testOptions() Options {
	return Options{Numbers: func(a string) bool { return ours[a] }, Now: now}
}

// readForm reads a form-encoded body from a file.
func readForm(t testing.TB, path string) url.Values {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	form, err := url.ParseQuery(strings.TrimRight(string(data), "\r\n"))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return form
}

// parseAs parses form with the parser its file name says: message_…,
// call_… or recording_… (with the call of call_completed_inbound.form,
// whose CallSid the recording callbacks name).
func parseAs(t testing.TB, name string, form url.Values) (*Record, *Status, error) {
	t.Helper()
	o := testOptions()
	switch {
	case strings.HasPrefix(name, "message_"):
		return ParseMessage(form, o)
	case strings.HasPrefix(name, "call_"):
		return ParseCallStatus(form, o)
	case strings.HasPrefix(name, "recording_"):
		return ParseRecording(form, RecordingOptions{Options: o, Call: knownCall(t)})
	}
	t.Fatalf("%s: no parser for this name (want message_, call_ or recording_)", name)
	return nil, nil, nil
}

// knownCall is the call log of testdata/call_completed_inbound.form.
func knownCall(t testing.TB) *item.Item {
	t.Helper()
	rec, _, err := ParseCallStatus(readForm(t, filepath.Join("testdata", "call_completed_inbound.form")), testOptions())
	if err != nil {
		t.Fatal(err)
	}
	return rec.Item
}

// checkResult checks the invariants of a parser's result: exactly one of
// record, status and error; a record's item valid (a recording's with its
// audio attached) and marshalling; an error a *ParamError saying what is
// wrong.
func checkResult(t testing.TB, rec *Record, st *Status, err error) {
	t.Helper()
	if err != nil {
		if rec != nil || st != nil {
			t.Fatalf("a result and an error %v", err)
		}
		var pe *ParamError
		if !errors.As(err, &pe) || pe.Param == "" || pe.Problem == "" {
			t.Fatalf("error %T %q is not a *ParamError naming the parameter", err, err)
		}
		return
	}
	if (rec == nil) == (st == nil) {
		t.Fatalf("want exactly one of a record and a status, got %v and %v", rec, st)
	}
	if st != nil {
		if st.SID == "" || st.Status == "" || st.Resource == "" || st.Time.IsZero() {
			t.Fatalf("incomplete status %+v", st)
		}
		if _, err := json.Marshal(st); err != nil {
			t.Fatal(err)
		}
		return
	}
	it := *rec.Item
	if it.Source != item.EnterpriseNumber {
		t.Fatalf("source %q", it.Source)
	}
	if it.Kind == item.VoiceRecording {
		if len(rec.Media) != 1 || len(it.Attachments) != 0 {
			t.Fatalf("recording with %d media and %d attachments", len(rec.Media), len(it.Attachments))
		}
		if err := it.Validate(); err == nil {
			t.Fatal("a recording without its audio validates: the exception the package documents is gone")
		}
	}
	for _, m := range rec.Media {
		a := m.Attachment()
		a.Blob = "sha256:" + strings.Repeat("0", 64)
		it.Attachments = append(it.Attachments, a)
	}
	if err := it.Validate(); err != nil {
		t.Fatalf("item does not validate: %v\n%+v", err, it)
	}
	if err := rec.Item.Validate(); err != nil && rec.Item.Kind != item.VoiceRecording {
		t.Fatalf("item without its media does not validate: %v", err)
	}
	if _, err := json.Marshal(rec); err != nil {
		t.Fatal(err)
	}
}

// result is what the golden files hold.
type result struct {
	Record *Record `json:"record,omitempty"`
	Status *Status `json:"status,omitempty"`
	Param  string  `json:"param,omitempty"`
	Error  string  `json:"error,omitempty"`
}

func newResult(rec *Record, st *Status, err error) result {
	r := result{Record: rec, Status: st}
	if err != nil {
		r.Error = err.Error()
		var pe *ParamError
		if errors.As(err, &pe) {
			r.Param = pe.Param
		}
	}
	return r
}

// golden compares v, as indented JSON, with testdata/golden/name.json, or
// writes it there with -update.
func golden(t *testing.T, name string, v any) {
	t.Helper()
	got, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", "golden", name+".json")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from %s (run go test -update after checking):\n%s", name, path, got)
	}
}

func eq[T any](t testing.TB, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s: got %#v, want %#v", what, got, want)
	}
}

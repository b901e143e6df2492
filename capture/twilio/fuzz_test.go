package twilio

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// addForms adds the bodies of testdata/<prefix>*.form to the seed corpus;
// testdata/fuzz/<Fuzz…> holds more.
func addForms(f *testing.F, prefix string) {
	files, err := filepath.Glob(filepath.Join("testdata", prefix+"*.form"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(data))
	}
}

// fuzzForm is the body of a fuzz input as the HTTP layer would read it.
// url.ParseQuery stops at nothing: what it could read is parsed even when
// it reports an error, so the parsers see every shape of url.Values.
func fuzzForm(raw string) url.Values {
	form, _ := url.ParseQuery(raw)
	return form
}

// checkFuzz checks what every parser promises on any input: no panic,
// exactly one of record, status and error, items valid (recordings with
// their audio) and marshalling, errors *ParamError, and the same answer
// twice.
func checkFuzz(t *testing.T, parse func(url.Values) (*Record, *Status, error), form url.Values) {
	rec, st, err := parse(form)
	checkResult(t, rec, st, err)
	rec2, st2, err2 := parse(form)
	if !reflect.DeepEqual(rec, rec2) || !reflect.DeepEqual(st, st2) || (err == nil) != (err2 == nil) || err != nil && err.Error() != err2.Error() {
		t.Fatalf("two answers for one input: %v %v %v / %v %v %v", rec, st, err, rec2, st2, err2)
	}
	if rec != nil {
		data, err := json.Marshal(rec.Item)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(data), `"enterprise-number"`) {
			t.Fatalf("not an enterprise-number item: %s", data)
		}
	}
}

// FuzzParseMessage parses arbitrary form bodies as message webhooks, and
// checks that their signature round-trips.
func FuzzParseMessage(f *testing.F) {
	addForms(f, "message_")
	o := testOptions()
	f.Fuzz(func(t *testing.T, raw string) {
		form := fuzzForm(raw)
		checkFuzz(t, func(v url.Values) (*Record, *Status, error) { return ParseMessage(v, o) }, form)
		const u = "https://capture.example.org/twilio/messages?org=1"
		if err := ValidateSignature("token", u, form, Sign("token", u, form)); err != nil {
			t.Fatalf("own signature refused: %v", err)
		}
	})
}

// FuzzParseCallStatus parses arbitrary form bodies as call status
// callbacks.
func FuzzParseCallStatus(f *testing.F) {
	addForms(f, "call_")
	o := testOptions()
	f.Fuzz(func(t *testing.T, raw string) {
		checkFuzz(t, func(v url.Values) (*Record, *Status, error) { return ParseCallStatus(v, o) }, fuzzForm(raw))
	})
}

// FuzzParseRecording parses arbitrary form bodies as recording callbacks,
// with and without the call.
func FuzzParseRecording(f *testing.F) {
	addForms(f, "recording_")
	addForms(f, "call_completed_recorded")
	o := testOptions()
	call := knownCall(f)
	f.Fuzz(func(t *testing.T, raw string) {
		form := fuzzForm(raw)
		checkFuzz(t, func(v url.Values) (*Record, *Status, error) {
			return ParseRecording(v, RecordingOptions{Options: o})
		}, form)
		checkFuzz(t, func(v url.Values) (*Record, *Status, error) {
			return ParseRecording(v, RecordingOptions{Options: o, Call: call, Format: "mp3"})
		}, form)
	})
}

package wecom

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParseRecord checks that ParseRecord never panics, that every error is
// a *RecordError, and that every record it returns has an item that passes
// item.Validate and marshals, and media that make valid attachments. The
// seed corpus is this package's fixtures (testdata/*.json and the lines of
// testdata/records.jsonl) and testdata/fuzz/FuzzParseRecord.
func FuzzParseRecord(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json*"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		for _, line := range strings.Split(string(data), "\n") {
			f.Add([]byte(line))
		}
	}
	o := Options{Names: map[string]string{"alice.martin": "Alice Martin"}}
	f.Fuzz(func(t *testing.T, raw []byte) {
		rec, err := ParseRecord(raw, o)
		if err != nil {
			var re *RecordError
			if !errors.As(err, &re) || re.Problem == "" {
				t.Fatalf("error %T %q is not a *RecordError saying what is wrong", err, err)
			}
			if rec != nil {
				t.Fatal("a record and an error")
			}
			return
		}
		checkRecord(t, rec)
		if _, err := json.Marshal(rec.Media); err != nil {
			t.Fatal(err)
		}
	})
}

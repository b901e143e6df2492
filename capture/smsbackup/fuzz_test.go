package smsbackup

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/custos-archive/custos/item"
)

// FuzzParse checks that Parse never panics, that every item it emits passes
// item.Validate and marshals to JSON, that its counts agree with what it
// emitted, and that every error is an *Error naming the file and a line of
// the input. The seed corpus is this package's fixtures (testdata/*.xml)
// and testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.xml"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	o := Options{Owner: item.Participant{Phone: "+12025550100", Name: "Owner"}}
	f.Fuzz(func(t *testing.T, data []byte) {
		kinds := map[item.Kind]int{}
		ids := map[string]bool{}
		st, err := Parse(bytes.NewReader(data), "fuzz.xml", o, func(it *item.Item) error {
			if err := it.Validate(); err != nil {
				t.Fatalf("emitted an invalid item: %v\n%+v", err, it)
			}
			if _, err := json.Marshal(it); err != nil {
				t.Fatalf("emitted an item that does not marshal: %v\n%+v", err, it)
			}
			if it.Source != item.EnterpriseNumber || it.Owner != o.Owner.Phone {
				t.Fatalf("source %q owner %q", it.Source, it.Owner)
			}
			kinds[it.Kind]++
			ids[it.SourceID] = true
			return nil
		})
		if kinds[item.SMS] != st.SMS || kinds[item.MMS] != st.MMS || kinds[item.CallLog] != st.Calls {
			t.Fatalf("emitted %v, Stats %+v", kinds, st)
		}
		if len(st.Rejected) > MaxRejected || st.RejectedCount < len(st.Rejected) || st.Unfinished > 1 {
			t.Fatalf("inconsistent Stats %+v", st)
		}
		lines := bytes.Count(data, []byte("\n")) + 1
		for _, r := range st.Rejected {
			if r.File != "fuzz.xml" || r.Line < 1 || r.Line > lines || r.Reason == "" {
				t.Fatalf("rejection %+v outside the input's %d lines", r, lines)
			}
		}
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) || pe.File != "fuzz.xml" || pe.Line < 1 || pe.Line > lines || !strings.HasPrefix(err.Error(), "fuzz.xml:") {
				t.Fatalf("error %q is not an *Error naming the file and one of its %d lines", err, lines)
			}
		}
	})
}

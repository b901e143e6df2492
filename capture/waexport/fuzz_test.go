package waexport

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/custos-archive/custos/item"
)

// FuzzParseText checks that ParseText never panics, that it fails only with
// ErrNotExport, that every item is a valid WhatsApp item with a distinct
// source id and a line of the input, that every rejected line has a line
// number and a reason, that every non-empty line is accounted for, and that
// parsing again gives the same ids. The seed corpus is in testdata/fuzz/FuzzParseText
// and the exports of testdata.
func FuzzParseText(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.txt"))
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
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := ParseText(bytes.NewReader(data), "fuzz.txt", Options{Owner: item.Participant{Phone: ownerPhone}})
		if err != nil {
			if !errors.Is(err, ErrNotExport) {
				t.Fatalf("error %v is not ErrNotExport", err)
			}
			return
		}
		ids := map[string]bool{}
		prev := 0
		for i, it := range res.Items {
			if it.Source != item.WhatsApp {
				t.Fatalf("item %d: source %q", i, it.Source)
			}
			if err := it.Validate(); err != nil {
				t.Fatalf("item %d: %v", i, err)
			}
			if ids[it.SourceID] {
				t.Fatalf("item %d: duplicate source id", i)
			}
			ids[it.SourceID] = true
			n, err := strconv.Atoi(it.Meta["export-line"])
			if err != nil || n <= prev || n > res.Lines {
				t.Fatalf("item %d: export-line %q after %d (of %d lines)", i, it.Meta["export-line"], prev, res.Lines)
			}
			prev = n
		}
		for _, r := range res.Rejected {
			if r.Line < 1 || r.Line > res.Lines || r.Reason == "" {
				t.Fatalf("rejected %+v (of %d lines)", r, res.Lines)
			}
		}
		if len(res.Items)+len(res.Rejected) == 0 {
			t.Fatal("no items and nothing rejected, but no error")
		}
		checkAccounted(t, data, res, false)
		// The same input gives the same ids.
		again, err := ParseText(bytes.NewReader(data), "fuzz.txt", Options{Owner: item.Participant{Phone: ownerPhone}})
		if err != nil || len(again.Items) != len(res.Items) {
			t.Fatalf("second parse: %v", err)
		}
		for i := range again.Items {
			if again.Items[i].SourceID != res.Items[i].SourceID {
				t.Fatalf("item %d: id changed between two parses", i)
			}
		}
	})
}

package usermap

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// FuzzParse checks that Parse never panics, that every error it returns is a
// *CSVError naming the file and a line of the input (line 0 only for a file
// without a header), that Lookup agrees with every entry, and that a Table
// survives Write and Parse unchanged. The seed corpus is in
// testdata/fuzz/FuzzParse and the CSV files of testdata.
func FuzzParse(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.csv"))
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
	n := normalizer(f, "US")
	f.Fuzz(func(t *testing.T, data []byte) {
		tab, err := Parse(bytes.NewReader(data), "fuzz.csv", n)
		if err != nil {
			ce, ok := err.(*CSVError)
			if !ok {
				t.Fatalf("error %T is not a *CSVError: %v", err, err)
			}
			if lines := bytes.Count(data, []byte("\n")) + 1; ce.Line < 0 || ce.Line > lines {
				t.Fatalf("error line %d outside the input's %d lines: %v", ce.Line, lines, err)
			}
			if ce.Line == 0 && !errors.Is(err, errNoHeader) {
				t.Fatalf("error of line 0 for a problem of a line: %v", err)
			}
			if ce.File != "fuzz.csv" || !strings.HasPrefix(err.Error(), "fuzz.csv") || ce.Err == nil {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}

		entries := tab.Entries()
		if len(entries) != tab.Len() {
			t.Fatalf("Len() = %d, but %d entries", tab.Len(), len(entries))
		}
		for _, e := range entries {
			if !e164.MatchString(e.Phone) {
				t.Fatalf("line %d: phone %q is not E.164", e.Line, e.Phone)
			}
			if e.Email != strings.ToLower(e.Email) || !strings.Contains(e.Email, "@") {
				t.Fatalf("line %d: email %q is not a lowercased address", e.Line, e.Email)
			}
			if e.ValidFrom != nil && e.ValidTo != nil && !e.ValidTo.After(*e.ValidFrom) {
				t.Fatalf("line %d: empty period %v..%v", e.Line, e.ValidFrom, e.ValidTo)
			}
			// Lookup at the first and the last instant of the period
			// returns this entry's address.
			var probes []time.Time
			if e.ValidFrom != nil {
				probes = append(probes, *e.ValidFrom)
			}
			if e.ValidTo != nil {
				probes = append(probes, e.ValidTo.Add(-time.Nanosecond))
			}
			if len(probes) == 0 {
				probes = append(probes, time.Time{})
			}
			for _, at := range probes {
				if got, ok := tab.Lookup(e.Phone, at); !ok || got != e.Email {
					t.Fatalf("line %d: Lookup(%s, %v) = %q, %v; want %q", e.Line, e.Phone, at, got, ok, e.Email)
				}
			}
		}

		var buf bytes.Buffer
		if err := Write(&buf, entries); err != nil {
			t.Fatalf("Write: %v", err)
		}
		written := buf.String()
		again, err := Parse(&buf, "again.csv", n)
		if err != nil {
			t.Fatalf("Parse of what Write wrote: %v\n%s", err, written)
		}
		got := again.Entries()
		if len(got) != len(entries) {
			t.Fatalf("round trip: %d entries, want %d\n%s", len(got), len(entries), written)
		}
		for i := range got {
			if !sameEntry(got[i], entries[i], false) {
				t.Fatalf("round trip: entry %d = %s, want %s\n%s", i, showEntries(got[i:i+1]), showEntries(entries[i:i+1]), written)
			}
		}
	})
}

// e164 is the form of a phone number the item model accepts.
var e164 = regexp.MustCompile(`^\+[1-9][0-9]{5,14}$`)

// FuzzNormalize checks that Normalize never panics, that its errors match
// ErrNotPhone, and that what it returns is E.164 and reads back as itself.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{
		"+1 202-555-0143", "(202) 555-0143", "0044 20 7946 0958", "+44 20 7946 0958",
		"020 7946 0958", "tel:+12025550143", "12025550143", "447700900123", "+1 555-0100",
		"abc", "", "+44 (0) 20 7946 0958", "\u202a+1 202-555-0143\u202c", "011 44 20 7946 0958",
	} {
		f.Add(s, "US")
		f.Add(s, "GB")
	}
	f.Add("030 901820", "DE")
	f.Add("12025550143", "")
	f.Fuzz(func(t *testing.T, raw, region string) {
		n, err := NewNormalizer(region)
		if err != nil {
			return
		}
		got, assumed, err := n.Normalize(raw)
		if err != nil {
			if !errors.Is(err, ErrNotPhone) {
				t.Fatalf("Normalize(%q) error %v does not match ErrNotPhone", raw, err)
			}
			return
		}
		if !e164.MatchString(got) {
			t.Fatalf("Normalize(%q) = %q, not E.164", raw, got)
		}
		if assumed && n.Region() == "" {
			t.Fatalf("Normalize(%q) assumed a region, but there is none", raw)
		}
		if again, assumed, err := n.Normalize(got); err != nil || again != got || assumed {
			t.Fatalf("Normalize(%q) = %q, but Normalize(%q) = %q, %v, %v", raw, got, got, again, assumed, err)
		}
	})
}

package usermap

import (
	"bytes"
	"encoding/csv"
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
		checkParse(t, n, data)
	})
}

// FuzzParseLines is FuzzParse with well-formed CSV around fuzzed cells, so
// that the fuzzer spends its time on numbers, addresses and dates rather than
// on the CSV syntax.
func FuzzParseLines(f *testing.F) {
	f.Add("+1 202-555-0143", "Alice@Corp.Example", "2023-01-01", "2024-06-30", "(202) 555-0143", "bob@corp.example", "2024-07-01", "")
	f.Add("12025550143", "a@corp.example", "", "2024-12-31T12:00:00Z", "+12025550143", "b@corp.example", "2024-12-31T13:00:00+01:00", "")
	f.Add("+44 20 7946 0958", "a@corp.example", "2024-03-01T09:00:00.123456789-05:00", "", "0044 20 7946 0958", "a@corp.example", "", "")
	f.Add("tel:+12025550143", "a.b+c@sub.corp.example", "1900-01-01", "9999-12-31", "447700900123", "b@corp.example", "", "1900-01-01T00:00:00Z")
	n := normalizer(f, "US")
	f.Fuzz(func(t *testing.T, phone1, email1, from1, to1, phone2, email2, from2, to2 string) {
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		_ = w.Write([]string{"phone", "email", "valid_from", "valid_to"})
		_ = w.Write([]string{phone1, email1, from1, to1})
		_ = w.Write([]string{phone2, email2, from2, to2})
		w.Flush()
		checkParse(t, n, buf.Bytes())
	})
}

// checkParse parses data and checks the invariants of Parse, Lookup and
// Write.
func checkParse(t *testing.T, n *Normalizer, data []byte) {
	t.Helper()
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
}

// e164 is the form of a phone number the item model accepts.
var e164 = regexp.MustCompile(`^\+[1-9][0-9]{5,14}$`)

// FuzzNormalize checks that Normalize never panics, that its errors match
// ErrNotPhone, and that what it returns is E.164 and reads back as itself.
func FuzzNormalize(f *testing.F) {
	regions := []string{"", "US", "GB", "DE", "FR", "IT", "IN", "CN", "BR", "RU", "JP", "AU", "MX", "NG"}
	for i, s := range []string{
		"+1 202-555-0143", "(202) 555-0143", "0044 20 7946 0958", "+44 20 7946 0958",
		"020 7946 0958", "tel:+12025550143", "12025550143", "447700900123", "+1 555-0100",
		"abc", "", "+44 (0) 20 7946 0958", "\u202a+1 202-555-0143\u202c", "011 44 20 7946 0958",
		"030 901820", "0000000000", "+39 06 1234 5678", "8 912 345-67-89",
	} {
		f.Add(s, uint8(i))
	}
	normalizers := make([]*Normalizer, len(regions))
	for i, r := range regions {
		normalizers[i] = normalizer(f, r)
	}
	f.Fuzz(func(t *testing.T, raw string, region uint8) {
		n := normalizers[int(region)%len(normalizers)]
		got, assumed, err := n.Normalize(raw)
		if err != nil {
			if !errors.Is(err, ErrNotPhone) {
				t.Fatalf("Normalize(%q) error %v does not match ErrNotPhone", raw, err)
			}
			return
		}
		if !e164.MatchString(got) {
			t.Fatalf("[%s] Normalize(%q) = %q, not E.164", n.Region(), raw, got)
		}
		if assumed && n.Region() == "" {
			t.Fatalf("Normalize(%q) assumed a region, but there is none", raw)
		}
		if again, assumed, err := n.Normalize(got); err != nil || again != got || assumed {
			t.Fatalf("[%s] Normalize(%q) = %q, but Normalize(%q) = %q, %v, %v", n.Region(), raw, got, got, again, assumed, err)
		}
	})
}

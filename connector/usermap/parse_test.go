package usermap

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// day returns midnight UTC at the start of the day.
func day(y int, m time.Month, d int) *time.Time {
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return &t
}

// at returns a pointer to t.
func at(t time.Time) *time.Time { return &t }

// instant parses an RFC 3339 timestamp.
func instant(t testing.TB, s string) *time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	v = v.UTC()
	return &v
}

// parseString parses a mapping CSV held in a string, as map.csv.
func parseString(t testing.TB, region, data string) (*Table, error) {
	t.Helper()
	return Parse(strings.NewReader(data), "map.csv", normalizer(t, region))
}

// parseFile parses a file of testdata.
func parseFile(t testing.TB, region, name string) *Table {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tab, err := Parse(f, name, normalizer(t, region))
	if err != nil {
		t.Fatalf("Parse(%s): %v", name, err)
	}
	return tab
}

func equalTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

// sameEntry compares two entries, Line and AssumedRegion included when
// withLine is set.
func sameEntry(a, b Entry, withLine bool) bool {
	if a.Phone != b.Phone || a.Email != b.Email || !equalTime(a.ValidFrom, b.ValidFrom) || !equalTime(a.ValidTo, b.ValidTo) {
		return false
	}
	return !withLine || a.Line == b.Line && a.AssumedRegion == b.AssumedRegion
}

func checkEntries(t *testing.T, got, want []Entry, withLine bool) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d entries, want %d:\ngot  %v\nwant %v", len(got), len(want), showEntries(got), showEntries(want))
	}
	for i := range got {
		if !sameEntry(got[i], want[i], withLine) {
			t.Errorf("entry %d = %v, want %v", i, showEntries(got[i:i+1]), showEntries(want[i:i+1]))
		}
	}
}

func showEntries(es []Entry) string {
	var b strings.Builder
	for _, e := range es {
		b.WriteString("{" + e.Phone + " " + e.Email + " " + formatFrom(e.ValidFrom) + ".." + formatTo(e.ValidTo))
		b.WriteString(" line " + strconv.Itoa(e.Line) + " " + e.AssumedRegion + "} ")
	}
	return b.String()
}

func TestParseFiles(t *testing.T) {
	tests := []struct {
		file, region string
		want         []Entry
	}{
		{"phone_email.csv", "US", []Entry{
			{Phone: "+12025550143", Email: "alice@corp.example", Line: 2},
			{Phone: "+12025550199", Email: "bob@corp.example", Line: 3, AssumedRegion: "US"},
			{Phone: "+442079460958", Email: "carol@corp.example", Line: 5},
		}},
		{"purview.csv", "GB", []Entry{
			{Phone: "+12025550143", Email: "alice@corp.example", Line: 2},
			{Phone: "+447700900123", Email: "dave@corp.example", Line: 3},
			{Phone: "+12025550199", Email: "bob@corp.example", Line: 4},
		}},
		{"validity.csv", "US", []Entry{
			{Phone: "+12025550143", Email: "alice@corp.example", ValidFrom: day(2023, 1, 1), ValidTo: day(2024, 7, 1), Line: 2},
			{Phone: "+12025550143", Email: "bob@corp.example", ValidFrom: day(2024, 7, 1), Line: 3},
			{Phone: "+12025550199", Email: "carol@corp.example", ValidTo: instant(t, "2024-12-31T12:00:00Z"), Line: 4},
			// line 5 repeats line 4.
			{Phone: "+12025550199", Email: "erin@corp.example", ValidFrom: instant(t, "2024-12-31T12:00:00Z"), Line: 6},
			{Phone: "+12025550177", Email: "dan@corp.example", ValidFrom: instant(t, "2024-03-01T08:00:00Z"), Line: 7, AssumedRegion: "US"},
		}},
		{"reordered.csv", "US", []Entry{
			{Phone: "+12025550143", Email: "alice@corp.example", ValidTo: day(2024, 7, 1), Line: 2},
			{Phone: "+12025550143", Email: "bob@corp.example", ValidFrom: day(2024, 7, 1), Line: 3},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			tab := parseFile(t, tt.region, tt.file)
			checkEntries(t, tab.Entries(), tt.want, true)
			if tab.Len() != len(tt.want) {
				t.Errorf("Len() = %d, want %d", tab.Len(), len(tt.want))
			}
		})
	}
}

func TestParseEmptyTable(t *testing.T) {
	for _, data := range []string{"phone,email\n", "phone,email", "\n\nphone,email\n\n,\n", "External User ID,Microsoft 365 User Mailbox,valid_from,valid_to\r\n"} {
		tab, err := parseString(t, "US", data)
		if err != nil {
			t.Errorf("Parse(%q): %v", data, err)
			continue
		}
		if tab.Len() != 0 {
			t.Errorf("Parse(%q).Len() = %d, want 0", data, tab.Len())
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name   string
		region string // default US
		data   string
		line   int
		field  string
		want   string // part of the error text
	}{
		{name: "empty file", data: "", line: 0, want: "map.csv: the file is empty: it has no header line"},
		{name: "blank lines only", data: "\n\r\n  \n,,\n", line: 0, want: "the file is empty"},
		{name: "BOM only", data: "\uFEFF", line: 0, want: "the file is empty"},
		{name: "no email column", data: "phone\n+12025550143\n", line: 1, field: "email", want: "the header has no email column"},
		{name: "no phone column", data: "\n\nemail,valid_from\n", line: 3, field: "phone", want: "the header has no phone column"},
		{name: "unknown column", data: "phone,email,name\n", line: 1, field: "name", want: `unknown column "name"; the header must name`},
		{name: "unknown columns", data: "phone,email,name,dept\n", line: 1, field: "name", want: `unknown columns "name", "dept"`},
		{name: "no header", data: "+12025550143,alice@corp.example\n", line: 1, field: "+12025550143", want: "add the header line above it"},
		{name: "column twice", data: "phone,External User ID,email\n", line: 1, field: "External User ID", want: `columns "phone" and "External User ID" are the same column`},
		{name: "column without name", data: "phone,,email\n", line: 1, want: "column 2 of the header has no name"},
		{
			name: "letters in phone",
			data: "phone,email\n+12025550143,a@corp.example\nabc,b@corp.example\n",
			line: 3, field: "phone",
			want: `map.csv:3: field "phone": "abc" is not a phone number: it contains letters`,
		},
		{
			name: "bad phone in Purview column",
			data: "External User ID,Microsoft 365 User Mailbox\n+1 555-0100,a@corp.example\n",
			line: 2, field: "External User ID",
			want: `field "External User ID": "+1 555-0100" is not a phone number: it lacks the area code`,
		},
		{name: "empty phone", data: "phone,email\n,b@corp.example\n", line: 2, field: "phone", want: "empty; every line needs the mobile number"},
		{name: "national number without region", region: "-", data: "phone,email\n(202) 555-0143,b@corp.example\n", line: 2, field: "phone", want: "no default region is set"},
		{name: "empty email", data: "phone,email\n+12025550143,\n", line: 2, field: "email", want: "empty; every line needs the mailbox address"},
		{name: "email without domain", data: "phone,email\n+12025550143,bob@\n", line: 2, field: "email", want: `"bob@" is not an email address`},
		{name: "email without @", data: "phone,email\n+12025550143,bob.corp.example\n", line: 2, field: "email", want: "it has no @"},
		{name: "email with two @", data: "phone,email\n+12025550143,bob@x@corp.example\n", line: 2, field: "email", want: "more than one @"},
		{name: "email with name", data: "phone,email\n+12025550143,Bob <bob@corp.example>\n", line: 2, field: "email", want: "' ' cannot appear in one"},
		{name: "email with bare domain", data: "phone,email\n+12025550143,bob@localhost\n", line: 2, field: "email", want: `"localhost" is not a domain name`},
		{name: "email with dots", data: "phone,email\n+12025550143,bob..x@corp.example\n", line: 2, field: "email", want: "is not an email address"},
		{name: "too many fields", data: "phone,email\n+12025550143,a@corp.example,x\n", line: 2, want: "the line has 3 fields but the header has 2 (phone,email)"},
		{name: "too few fields", data: "phone,email,valid_from\n\n+12025550143,a@corp.example\n", line: 3, want: "the line has 2 fields but the header has 3"},
		{name: "bad date", data: "phone,email,valid_from\n+12025550143,a@corp.example,2024-13-01\n", line: 2, field: "valid_from", want: `"2024-13-01" is not a date (month out of range); want a date YYYY-MM-DD`},
		{name: "bad day", data: "phone,email,valid_to\n+12025550143,a@corp.example,2023-02-29\n", line: 2, field: "valid_to", want: "day out of range"},
		{name: "date with slashes", data: "phone,email,valid_from\n+12025550143,a@corp.example,01/03/2024\n", line: 2, field: "valid_from", want: "is not a date"},
		{name: "timestamp without zone", data: "phone,email,valid_from\n+12025550143,a@corp.example,2024-03-01T09:00:00\n", line: 2, field: "valid_from", want: `"2024-03-01T09:00:00" is not a timestamp`},
		{name: "year out of range", data: "phone,email,Valid_From\n+12025550143,a@corp.example,0024-03-01\n", line: 2, field: "Valid_From", want: "the year must be between 1900 and 9999"},
		{
			name: "valid_to before valid_from",
			data: "phone,email,valid_from,valid_to\n+12025550143,a@corp.example,2024-03-01,2024-02-28\n",
			line: 2, field: "valid_to",
			want: `"2024-02-28" is before valid_from "2024-03-01", so the mapping would never hold`,
		},
		{
			name: "empty period",
			data: "phone,email,valid_from,valid_to\n+12025550143,a@corp.example,2024-03-01T00:00:00Z,2024-03-01T00:00:00Z\n",
			line: 2, field: "valid_to",
			want: "is the same instant as valid_from",
		},
		{
			name: "two mailboxes without dates",
			data: "phone,email\n+12025550143,alice@corp.example\n(202) 555-0143,bob@corp.example\n",
			line: 3, field: "phone",
			want: "+12025550143 maps to bob@corp.example at all times, but line 2 maps it to alice@corp.example at all times; a number can name only one mailbox at a time: add valid_from and valid_to columns",
		},
		{
			name: "overlap on the boundary day",
			data: "phone,email,valid_from,valid_to\n" +
				"+12025550143,alice@corp.example,2024-01-01,2024-06-30\n" +
				"+12025550143,bob@corp.example,2024-06-30,\n",
			line: 3, field: "phone",
			want: "maps to bob@corp.example from 2024-06-30 on, but line 2 maps it to alice@corp.example from 2024-01-01 to 2024-06-30; a number can name only one mailbox at a time: make the periods not overlap (a valid_to date includes that whole day)",
		},
		{
			name: "overlap found out of order",
			data: "phone,email,valid_from,valid_to\n" +
				"+12025550143,carol@corp.example,2025-01-01,\n" +
				"+12025550143,alice@corp.example,,2023-12-31\n" +
				"+12025550143,bob@corp.example,2024-01-01,2025-01-01\n",
			line: 4, field: "phone",
			want: "but line 2 maps it to carol@corp.example",
		},
		{
			name: "overlap hidden behind the same address",
			data: "phone,email,valid_from,valid_to\n" +
				"+12025550143,bob@corp.example,2020-01-01,2030-12-31\n" +
				"+12025550143,alice@corp.example,2021-01-01,2021-12-31\n" +
				"+12025550143,alice@corp.example,2022-01-01,2022-12-31\n",
			line: 3, field: "phone",
			want: "line 2 maps it to bob@corp.example",
		},
		{
			name: "overlap with an open start",
			data: "phone,valid_to,email\n+12025550143,2024-06-30,alice@corp.example\n+12025550143,2020-01-01,bob@corp.example\n",
			line: 3, field: "phone",
			want: "maps to bob@corp.example until 2020-01-01, but line 2 maps it to alice@corp.example until 2024-06-30",
		},
		{name: "unclosed quote", data: "phone,email\n\"+12025550143,a@corp.example\n", line: 2, want: `malformed CSV: extraneous or missing " in quoted-field (column 30); a quoted field must end with " followed by a comma or the end of the line (is the closing " missing?)`},
		{name: "unclosed quote over lines", data: "phone,email\n\"+12025550143,a@corp.example\n+12025550199,b@corp.example\n", line: 3, want: `the quoted field that starts on line 2 is not closed`},
		{name: "bare quote", data: "phone,email\n+1202\"5550143,a@corp.example\n", line: 2, want: `malformed CSV: bare " in non-quoted-field (column 6); a field that contains " must be in double quotes`},
		{name: "text after quote", data: "phone,email\n\"+12025550143\"x,a@corp.example\n", line: 2, want: `a quoted field must end with " followed by a comma`},
		{name: "quote in header", data: "pho\"ne,email\n", line: 1, want: "bare \""},
		{
			name: "field on a later line of a quoted record",
			data: "phone,email\n\"+1 202\n555 0143\",bob@\n",
			line: 3, field: "email",
			want: `map.csv:3: field "email": "bob@" is not an email address`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			region := tt.region
			switch region {
			case "":
				region = "US"
			case "-":
				region = ""
			}
			tab, err := parseString(t, region, tt.data)
			if err == nil {
				t.Fatalf("Parse: no error, %d entries", tab.Len())
			}
			var ce *CSVError
			if !errors.As(err, &ce) {
				t.Fatalf("error %T %q is not a *CSVError", err, err)
			}
			if ce.File != "map.csv" || ce.Line != tt.line || ce.Field != tt.field {
				t.Errorf("error at %q line %d field %q, want map.csv line %d field %q (%v)", ce.File, ce.Line, ce.Field, tt.line, tt.field, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %q\nwant it to contain %q", err, tt.want)
			}
		})
	}
}

func TestCSVErrorText(t *testing.T) {
	tests := []struct {
		err  *CSVError
		want string
	}{
		{&CSVError{File: "map.csv", Line: 3, Field: "phone", Err: errors.New("bad")}, `map.csv:3: field "phone": bad`},
		{&CSVError{File: "map.csv", Line: 3, Err: errors.New("bad")}, `map.csv:3: bad`},
		{&CSVError{File: "map.csv", Err: errors.New("bad")}, `map.csv: bad`},
		{&CSVError{Line: 2, Err: errors.New("bad")}, `mapping CSV:2: bad`},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
	inner := errors.New("inner")
	if err := error(&CSVError{Err: inner}); !errors.Is(err, inner) {
		t.Errorf("CSVError does not unwrap to its Err")
	}
}

func TestParsePhoneErrorUnwraps(t *testing.T) {
	_, err := parseString(t, "US", "phone,email\nabc,a@corp.example\n")
	if !errors.Is(err, ErrNotPhone) {
		t.Errorf("error %v does not match ErrNotPhone", err)
	}
}

func TestParseReadError(t *testing.T) {
	boom := errors.New("disk on fire")
	r := io.MultiReader(strings.NewReader("phone,email\n+12025550143,a@corp.example\n"), iotest.ErrReader(boom))
	_, err := Parse(r, "map.csv", normalizer(t, "US"))
	var ce *CSVError
	if !errors.As(err, &ce) || ce.Line != 0 || !errors.Is(err, boom) {
		t.Fatalf("error = %v, want a *CSVError of line 0 wrapping the read error", err)
	}
	if want := "map.csv: reading the mapping CSV: disk on fire"; err.Error() != want {
		t.Errorf("error = %q, want %q", err, want)
	}
}

func TestParseNilNormalizer(t *testing.T) {
	tab, err := Parse(strings.NewReader("phone,email\n12025550143,a@corp.example\n"), "map.csv", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := tab.Entries()[0].Phone; got != "+12025550143" {
		t.Errorf("phone = %q", got)
	}
}

func TestWriteRoundTrip(t *testing.T) {
	tab := parseFile(t, "US", "validity.csv")
	var buf bytes.Buffer
	if err := Write(&buf, tab.Entries()); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "canonical.golden")
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got := buf.String(); got != string(want) {
		t.Errorf("Write wrote\n%s\nwant (%s)\n%s", got, golden, want)
	}
	again, err := Parse(&buf, "canonical.csv", normalizer(t, "US"))
	if err != nil {
		t.Fatalf("Parse of the written CSV: %v", err)
	}
	checkEntries(t, again.Entries(), tab.Entries(), false)
}

func TestWriteBounds(t *testing.T) {
	// Bounds at the edges of the allowed years, midnight and not.
	entries := []Entry{
		{Phone: "+12025550143", Email: "a@corp.example", ValidFrom: day(1900, 1, 1), ValidTo: at(day(1900, 1, 1).Add(time.Hour))},
		{Phone: "+12025550143", Email: "b@corp.example", ValidFrom: day(1900, 1, 2), ValidTo: day(1900, 1, 3)},
		{Phone: "+12025550143", Email: "c@corp.example", ValidFrom: instant(t, "9999-12-31T23:59:59.999999999Z"), ValidTo: day(10000, 1, 1)},
		{Phone: "+12025550199", Email: "d@corp.example", ValidFrom: at(day(1899, 12, 31).Add(25 * time.Hour)), ValidTo: at(day(1900, 1, 1).Add(48 * time.Hour))},
		{Phone: "+12025550177", Email: "e@corp.example", ValidTo: at(day(1900, 1, 1).Add(time.Nanosecond))},
		{Phone: "+12025550178", Email: "f@corp.example", ValidTo: instant(t, "1900-01-01T00:00:00+00:00")},
	}
	// The last one is valid_to 1900-01-01T00:00:00Z, whose last day (1899-12-31)
	// is out of range: Write writes it as a timestamp.
	var buf bytes.Buffer
	if err := Write(&buf, entries); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "+12025550178,f@corp.example,,1900-01-01T00:00:00Z\n") {
		t.Errorf("Write wrote\n%s", buf.String())
	}
	tab, err := Parse(&buf, "bounds.csv", normalizer(t, "US"))
	if err != nil {
		t.Fatalf("Parse: %v\n%s", err, buf.String())
	}
	checkEntries(t, tab.Entries(), entries, false)
}

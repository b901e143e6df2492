package wecom

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/custos-archive/custos/item"
)

// TestParseLines reads a JSON-lines file with good records, blank lines,
// a byte-order mark, CRLF, bad lines and no final newline.
func TestParseLines(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "records.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var got []string
	st, err := ParseLines(f, "records.jsonl", Options{}, func(rec *Record) error {
		checkRecord(t, rec)
		got = append(got, rec.Item.SourceID+" "+string(rec.Item.Kind)+" "+rec.Item.Text)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "records", got, []string{
		"2020202020202020202_1772445700 chat first",
		"3030303030303030303_1772445701 chat second, CRLF",
		"6060606060606060606_1772445705 recalled ",
		"7070707070707070707 system alice.martin switched to another enterprise account",
		"9090909090909090909_1772445708 chat last, no newline",
	})
	eq(t, "stats", [4]int{st.Records, st.RejectedCount, st.Lines, st.Media}, [4]int{5, 4, 11, 0})
	eq(t, "kinds", st.Kinds, map[item.Kind]int{item.Chat: 3, item.Recalled: 1, item.System: 1})
	eq(t, "rejected", st.Rejected, []Rejected{
		{"records.jsonl", 5, `wecom record "4040404040404040404_1772445702": msgtime: not a number: invalid number literal, trying to unmarshal "\"abc\"" into Number`},
		{"records.jsonl", 6, "wecom record: not valid JSON (at byte 102): unexpected end of JSON input"},
		{"records.jsonl", 7, "wecom record: msgid: missing: every record has its message id"},
		{"records.jsonl", 10, `wecom record "8080808080808080808_1772445707": location.latitude: 95.0 is not between -90 and 90`},
	})
	eq(t, "String", st.Rejected[0].String()[:32], "records.jsonl:5: skipped: wecom ")
}

// TestParseLinesLongLine checks that a line longer than MaxLine is
// rejected and the next line read.
func TestParseLinesLongLine(t *testing.T) {
	var b bytes.Buffer
	b.WriteString(`{"msgid":"m1","from":"a","tolist":["b"],"msgtime":1772445600000,"msgtype":"text","text":{"content":"` + strings.Repeat("x", MaxLine) + `"}}` + "\n")
	b.WriteString(`{"msgid":"m2","from":"a","tolist":["b"],"msgtime":1772445600000,"msgtype":"text","text":{"content":"short"}}` + "\n")
	var ids []string
	st, err := ParseLines(&b, "long.jsonl", Options{}, func(rec *Record) error {
		ids = append(ids, rec.Item.SourceID)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "ids", ids, []string{"m2"})
	eq(t, "rejected", st.Rejected, []Rejected{{"long.jsonl", 1, "longer than 16 MB: not a record"}})
}

// TestParseLinesStops checks that an error of emit or of the reader stops
// ParseLines with the line number.
func TestParseLinesStops(t *testing.T) {
	input := `{"msgid":"m1","from":"a","tolist":["b"],"msgtime":1772445600000,"msgtype":"text","text":{"content":"x"}}` + "\n"
	full := errors.New("spool full")
	_, err := ParseLines(strings.NewReader("\n"+input), "stop.jsonl", Options{}, func(*Record) error { return full })
	if !errors.Is(err, full) || !strings.HasPrefix(err.Error(), `stop.jsonl:2: handing on record "m1"`) {
		t.Errorf("error %v", err)
	}
	broken := errors.New("connection reset")
	st, err := ParseLines(&failingReader{data: []byte(input), err: broken}, "net.jsonl", Options{}, func(*Record) error { return nil })
	if !errors.Is(err, broken) || !strings.HasPrefix(err.Error(), "reading net.jsonl line 2") || st.Records != 1 {
		t.Errorf("%+v, error %v", st, err)
	}
}

// failingReader returns data, then err.
type failingReader struct {
	data []byte
	err  error
}

func (r *failingReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

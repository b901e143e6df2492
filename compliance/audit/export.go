package audit

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"
)

// Formats of an export.
const (
	JSONL = "jsonl"
	CSV   = "csv"
)

// Encoder writes records in an export format.
type Encoder interface {
	Encode(Record) error
	// Flush writes what is buffered; call it once at the end.
	Flush() error
}

// NewEncoder returns an encoder of format (JSONL or CSV) writing to w.
//
// JSON lines: one record per line, the fields of Record, details as a JSON
// object. CSV: a header row, then seq, time (RFC 3339 with milliseconds,
// UTC), actor, action, object, outcome, details (the JSON text), prev_hash,
// hash. Both carry every hashed field, so a complete export can be verified
// away from Custos (`custos audit verify --file` reads the JSON lines).
func NewEncoder(w io.Writer, format string) (Encoder, error) {
	switch format {
	case JSONL:
		bw := bufio.NewWriter(w)
		enc := json.NewEncoder(bw)
		enc.SetEscapeHTML(false)
		return &jsonlEncoder{bw: bw, enc: enc}, nil
	case CSV:
		cw := csv.NewWriter(w)
		if err := cw.Write(csvHeader); err != nil {
			return nil, err
		}
		return &csvEncoder{cw: cw}, nil
	}
	return nil, fmt.Errorf("export format %q: want %s or %s", format, JSONL, CSV)
}

var csvHeader = []string{"seq", "time", "actor", "action", "object", "outcome", "details", "prev_hash", "hash"}

const timeFormat = "2006-01-02T15:04:05.000Z07:00"

type jsonlEncoder struct {
	bw  *bufio.Writer
	enc *json.Encoder
}

// jsonRecord keeps the time at millisecond precision in the output.
type jsonRecord struct {
	Seq      int64           `json:"seq"`
	Time     string          `json:"time"`
	Actor    string          `json:"actor"`
	Action   string          `json:"action"`
	Object   string          `json:"object"`
	Outcome  string          `json:"outcome"`
	Details  json.RawMessage `json:"details"`
	PrevHash string          `json:"prev_hash"`
	Hash     string          `json:"hash"`
}

func (e *jsonlEncoder) Encode(r Record) error {
	return e.enc.Encode(jsonRecord{r.Seq, r.Time.UTC().Format(timeFormat), r.Actor, r.Action, r.Object, r.Outcome, r.Details, r.PrevHash, r.Hash})
}

func (e *jsonlEncoder) Flush() error { return e.bw.Flush() }

type csvEncoder struct{ cw *csv.Writer }

func (e *csvEncoder) Encode(r Record) error {
	return e.cw.Write([]string{strconv.FormatInt(r.Seq, 10), r.Time.UTC().Format(timeFormat), r.Actor, r.Action,
		r.Object, r.Outcome, string(r.Details), r.PrevHash, r.Hash})
}

func (e *csvEncoder) Flush() error {
	e.cw.Flush()
	return e.cw.Error()
}

// Reader reads records from a JSON-lines export.
type Reader struct {
	sc   *bufio.Scanner
	line int
}

// NewReader returns a reader of the JSON-lines export in r.
func NewReader(r io.Reader) *Reader {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	return &Reader{sc: sc}
}

// Next returns the next record, or io.EOF after the last. A line that is
// not a record is an error naming the line.
func (r *Reader) Next() (Record, error) {
	for r.sc.Scan() {
		r.line++
		b := r.sc.Bytes()
		if len(b) == 0 {
			continue
		}
		var j jsonRecord
		if err := json.Unmarshal(b, &j); err != nil {
			return Record{}, fmt.Errorf("line %d: not an audit record: %w", r.line, err)
		}
		t, err := time.Parse(timeFormat, j.Time)
		if err != nil {
			return Record{}, fmt.Errorf("line %d: time %q: %w", r.line, j.Time, err)
		}
		if len(j.Details) == 0 {
			j.Details = json.RawMessage("{}")
		}
		return Record{Seq: j.Seq, Time: t.UTC(), Actor: j.Actor, Action: j.Action, Object: j.Object, Outcome: j.Outcome,
			Details: j.Details, PrevHash: j.PrevHash, Hash: j.Hash}, nil
	}
	if err := r.sc.Err(); err != nil {
		return Record{}, fmt.Errorf("line %d: %w", r.line+1, err)
	}
	return Record{}, io.EOF
}

package wecom

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/custos-archive/custos/item"
)

// MaxLine bounds the length of one line of a JSON-lines file. Records do
// not carry media, so real ones are a few KB; a longer line is rejected
// and skipped.
const MaxLine = 16 << 20

// MaxRejected bounds Stats.Rejected; RejectedCount counts on.
const MaxRejected = 1000

// Rejected is a line that was skipped.
type Rejected struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	Reason string `json:"reason"`
}

func (r Rejected) String() string { return fmt.Sprintf("%s:%d: skipped: %s", r.File, r.Line, r.Reason) }

// Stats counts what ParseLines did. Every non-blank line is in exactly one
// of Records and RejectedCount.
type Stats struct {
	Records       int               `json:"records"` // records emitted
	Kinds         map[item.Kind]int `json:"kinds"`   // records emitted per item kind
	Media         int               `json:"media"`   // pending media of the records emitted
	Rejected      []Rejected        `json:"rejected,omitempty"`
	RejectedCount int               `json:"rejected_count"`
	Lines         int               `json:"lines"` // lines read
}

// ParseLines reads JSON lines from r, one record per line, and calls emit
// with each record in order. Blank lines and a byte-order mark are
// skipped; a line that is not a valid record is listed in Stats.Rejected
// with its line number and the field that is wrong, and reading goes on.
// file names the input in rejections and errors. An error from emit or
// from reading r stops ParseLines and is returned; the file's import is
// then incomplete.
func ParseLines(r io.Reader, file string, o Options, emit func(*Record) error) (Stats, error) {
	st := Stats{Kinds: map[item.Kind]int{}}
	br := bufio.NewReaderSize(r, 64<<10)
	reject := func(reason string) {
		st.RejectedCount++
		if len(st.Rejected) < MaxRejected {
			st.Rejected = append(st.Rejected, Rejected{File: file, Line: st.Lines, Reason: reason})
		}
	}
	var buf []byte
	for {
		line, tooLong, err := readLine(br, buf[:0])
		buf = line
		if len(line) == 0 && !tooLong && err == io.EOF {
			return st, nil
		}
		st.Lines++
		if err != nil && err != io.EOF {
			return st, fmt.Errorf("reading %s line %d: %w", file, st.Lines, err)
		}
		if st.Lines == 1 {
			line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf"))
		}
		switch {
		case tooLong:
			reject(fmt.Sprintf("longer than %d MB: not a record", MaxLine>>20))
		case len(bytes.TrimSpace(line)) == 0:
		default:
			rec, perr := ParseRecord(line, o)
			if perr != nil {
				reject(perr.Error())
				break
			}
			if eerr := emit(rec); eerr != nil {
				return st, fmt.Errorf("%s:%d: handing on record %q: %w", file, st.Lines, rec.Item.SourceID, eerr)
			}
			st.Records++
			st.Kinds[rec.Item.Kind]++
			st.Media += len(rec.Media)
		}
		if err == io.EOF {
			return st, nil
		}
	}
}

// readLine reads one line into buf, without its end of line. A line longer
// than MaxLine is read to its end and dropped: tooLong is true.
func readLine(br *bufio.Reader, buf []byte) (line []byte, tooLong bool, err error) {
	for {
		chunk, err := br.ReadSlice('\n')
		if !tooLong {
			if len(buf)+len(chunk) > MaxLine+2 {
				tooLong, buf = true, buf[:0]
			} else {
				buf = append(buf, chunk...)
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		buf = bytes.TrimSuffix(buf, []byte("\n"))
		buf = bytes.TrimSuffix(buf, []byte("\r"))
		return buf, tooLong, err
	}
}

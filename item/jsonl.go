package item

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// LineError is a problem with one line of a JSON-lines items file.
type LineError struct {
	File   string // the file's name, when known
	Line   int    // 1-based line number
	Column int    // 1-based column of a JSON syntax error, or 0
	Field  string // the field that is wrong, or ""
	Err    error
}

func (e *LineError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteByte(':')
	} else {
		b.WriteString("line ")
	}
	fmt.Fprintf(&b, "%d", e.Line)
	if e.Column > 0 {
		fmt.Fprintf(&b, ":%d", e.Column)
	}
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *LineError) Unwrap() error { return e.Err }

// Reader reads items from JSON lines: one item object per line. Blank lines
// are skipped. Each line is decoded strictly (an unknown field is an error,
// to catch misspelt names) and validated.
type Reader struct {
	r    *bufio.Reader
	file string
	line int
	// Default is the source assumed for lines that give none. When set, a
	// line naming another source is an error.
	Default Source
}

// NewReader returns a Reader over r. file names the input in errors.
func NewReader(r io.Reader, file string) *Reader {
	return &Reader{r: bufio.NewReaderSize(r, 64<<10), file: file}
}

// Line returns the number of the line last read.
func (r *Reader) Line() int { return r.line }

// Next returns the next item and its line number. At the end of the input it
// returns io.EOF. A bad line returns a *LineError; reading may go on after it.
func (r *Reader) Next() (*Item, int, error) {
	for {
		raw, err := r.r.ReadBytes('\n')
		if len(raw) == 0 && err != nil {
			if err == io.EOF {
				return nil, r.line, io.EOF
			}
			return nil, r.line, fmt.Errorf("reading %s after line %d: %w", r.name(), r.line, err)
		}
		r.line++
		if err != nil && err != io.EOF {
			return nil, r.line, fmt.Errorf("reading %s line %d: %w", r.name(), r.line, err)
		}
		if r.line == 1 {
			raw = bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf"))
		}
		if len(bytes.TrimSpace(raw)) == 0 {
			continue
		}
		it, perr := r.parse(raw)
		if perr != nil {
			return nil, r.line, perr
		}
		return it, r.line, nil
	}
}

func (r *Reader) name() string {
	if r.file == "" {
		return "input"
	}
	return r.file
}

func (r *Reader) parse(raw []byte) (*Item, error) {
	lerr := func(col int, field string, err error) error {
		return &LineError{File: r.file, Line: r.line, Column: col, Field: field, Err: err}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var it Item
	if err := dec.Decode(&it); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syn):
			return nil, lerr(int(syn.Offset), "", fmt.Errorf("malformed JSON: %v", syn))
		case errors.As(err, &typ):
			return nil, lerr(int(typ.Offset), typ.Field, fmt.Errorf("field %q: a %s where a %s was expected", typ.Field, typ.Value, typ.Type))
		case strings.HasPrefix(err.Error(), "json: unknown field"):
			f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			return nil, lerr(0, f, fmt.Errorf("unknown field %q (see docs/items.md for the schema)", f))
		case err == io.ErrUnexpectedEOF:
			return nil, lerr(len(raw), "", errors.New("malformed JSON: the object is not closed"))
		default:
			return nil, lerr(0, "", fmt.Errorf("malformed item: %v", err))
		}
	}
	if dec.More() {
		return nil, lerr(int(dec.InputOffset())+1, "", errors.New("malformed JSON: more than one value on the line"))
	}
	if it.Source == "" {
		it.Source = r.Default
	} else if _, err := ParseSource(string(it.Source)); err != nil {
		return nil, lerr(0, "source", err)
	} else if r.Default != "" && it.Source != r.Default {
		return nil, lerr(0, "source", fmt.Errorf("source %q, but this import is for %q", it.Source, r.Default))
	}
	if err := it.Validate(); err != nil {
		var fe *FieldError
		field := ""
		if errors.As(err, &fe) {
			field = fe.Field
		}
		return nil, lerr(0, field, err)
	}
	return &it, nil
}

// Writer writes items as JSON lines.
type Writer struct {
	enc *json.Encoder
}

// NewWriter returns a Writer that writes to w.
func NewWriter(w io.Writer) *Writer {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return &Writer{enc: enc}
}

// Write writes one item as one line.
func (w *Writer) Write(it *Item) error {
	return w.enc.Encode(it)
}

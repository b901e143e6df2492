package store

import (
	"bytes"
	"compress/flate"
	_ "embed"
	"fmt"
	"io"
	"sync"
)

// Message skeletons (headers, text and HTML parts) and item JSON are
// stored deflated with a preset dictionary of what every message repeats
// (header names, the HTML body's markup, the JSON field names). A stored
// value starting with packMagic is deflated with skeleton.dict; any other is
// stored as is (MIME text and JSON never start with NUL). skeleton.dict is
// part of the on-disk format: never change it; a new dictionary needs a new
// magic.
var packMagic = []byte("\x00Z1")

//go:embed skeleton.dict
var packDict []byte

var flaters = sync.Pool{New: func() any {
	w, _ := flate.NewWriterDict(nil, 2, packDict) // level 1 ignores the dictionary
	return w
}}

// packSkeleton returns the form a skeleton is stored in.
func packSkeleton(skel []byte) []byte {
	var b bytes.Buffer
	b.Grow(len(skel)/3 + 16)
	b.Write(packMagic)
	w := flaters.Get().(*flate.Writer)
	w.Reset(&b)
	w.Write(skel)
	w.Close()
	flaters.Put(w)
	if b.Len() >= len(skel) {
		return skel
	}
	return b.Bytes()
}

// unpackSkeleton returns the skeleton from its stored form.
func unpackSkeleton(stored []byte) ([]byte, error) {
	if !bytes.HasPrefix(stored, packMagic) {
		return stored, nil
	}
	r := flate.NewReaderDict(bytes.NewReader(stored[len(packMagic):]), packDict)
	defer r.Close()
	skel, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("inflating a stored message: %w", err)
	}
	return skel, nil
}

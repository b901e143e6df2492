package store

import (
	"bytes"
	"compress/flate"
	_ "embed"
	"fmt"
	"io"
	"sync"

	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"
)

// Message skeletons (headers, text and HTML parts) and item JSON are
// stored compressed with a preset dictionary of what every message repeats
// (header names, the HTML body's markup, the JSON field names):
//
//	"\x00S1" + S2 block     S2 with skeleton.dict (written)
//	"\x00Z2" + zstd frame   zstd with skeleton.dict as raw dictionary 1 (read only)
//	"\x00Z1" + deflate      deflate with skeleton.dict (read only)
//	anything else           stored as is (MIME text and JSON never start with NUL)
//
// S2 replaced zstd for writing: on the benchmark corpus's skeletons and item
// JSON (1,762 bytes on average) zstd at its fastest level took 16.0 µs per
// value for 26.1% of the size, S2 3.3 µs for 33.3% — zstd resets a 256 KB
// table for the dictionary on every call, and two calls per item were an
// eighth of the pipeline's CPU.
//
// skeleton.dict is part of the on-disk format: never change it; a new
// dictionary needs a new magic.
var (
	s2Magic    = []byte("\x00S1")
	zstdMagic  = []byte("\x00Z2")
	flateMagic = []byte("\x00Z1")
)

//go:embed skeleton.dict
var packDict []byte

var (
	s2dict = sync.OnceValue(func() *s2.Dict { return s2.MakeDict(packDict, nil) })
	zdec   = sync.OnceValue(func() *zstd.Decoder {
		d, err := zstd.NewReader(nil, zstd.WithDecoderDictRaw(1, packDict), zstd.WithDecoderConcurrency(0))
		if err != nil {
			panic(err)
		}
		return d
	})
)

// packSkeleton returns the form a skeleton (or item JSON) is stored in.
func packSkeleton(skel []byte) []byte {
	if len(skel) == 0 {
		return skel
	}
	buf := packBufs.Get().(*[]byte)
	defer packBufs.Put(buf)
	if need := len(s2Magic) + s2.MaxEncodedLen(len(skel)); cap(*buf) < need {
		*buf = make([]byte, need)
	}
	out := (*buf)[:cap(*buf)]
	copy(out, s2Magic)
	n := len(s2Magic) + len(s2dict().Encode(out[len(s2Magic):], skel))
	if n >= len(skel) {
		return skel
	}
	return bytes.Clone(out[:n])
}

// packBufs are scratch buffers for packSkeleton: what it returns is cut to
// size, as batches of packed items wait in memory for the writer.
var packBufs = sync.Pool{New: func() any { return new([]byte) }}

// unpackSkeleton returns the skeleton from its stored form.
func unpackSkeleton(stored []byte) ([]byte, error) {
	switch {
	case bytes.HasPrefix(stored, s2Magic):
		skel, err := s2dict().Decode(nil, stored[len(s2Magic):])
		if err != nil {
			return nil, fmt.Errorf("decompressing a stored message: %w", err)
		}
		return skel, nil
	case bytes.HasPrefix(stored, zstdMagic):
		skel, err := zdec().DecodeAll(stored[len(zstdMagic):], nil)
		if err != nil {
			return nil, fmt.Errorf("decompressing a stored message: %w", err)
		}
		return skel, nil
	case bytes.HasPrefix(stored, flateMagic):
		r := flate.NewReaderDict(bytes.NewReader(stored[len(flateMagic):]), packDict)
		defer r.Close()
		skel, err := io.ReadAll(r)
		if err != nil {
			return nil, fmt.Errorf("inflating a stored message: %w", err)
		}
		return skel, nil
	}
	return stored, nil
}

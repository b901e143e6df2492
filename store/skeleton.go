package store

import (
	"bytes"
	"compress/flate"
	_ "embed"
	"fmt"
	"io"
	"sync"

	"github.com/klauspost/compress/zstd"
)

// Message skeletons (headers, text and HTML parts) and item JSON are
// stored compressed with a preset dictionary of what every message repeats
// (header names, the HTML body's markup, the JSON field names):
//
//	"\x00Z2" + zstd frame   zstd with skeleton.dict as raw dictionary 1 (written)
//	"\x00Z1" + deflate      deflate with skeleton.dict (read only)
//	anything else           stored as is (MIME text and JSON never start with NUL)
//
// skeleton.dict is part of the on-disk format: never change it; a new
// dictionary needs a new magic.
var (
	zstdMagic  = []byte("\x00Z2")
	flateMagic = []byte("\x00Z1")
)

//go:embed skeleton.dict
var packDict []byte

var (
	zenc = sync.OnceValue(func() *zstd.Encoder {
		e, err := zstd.NewWriter(nil, zstd.WithEncoderDictRaw(1, packDict), zstd.WithEncoderLevel(zstd.SpeedFastest),
			zstd.WithEncoderConcurrency(1), zstd.WithZeroFrames(true))
		if err != nil {
			panic(err) // only for bad options, fixed above
		}
		return e
	})
	zdec = sync.OnceValue(func() *zstd.Decoder {
		d, err := zstd.NewReader(nil, zstd.WithDecoderDictRaw(1, packDict), zstd.WithDecoderConcurrency(0))
		if err != nil {
			panic(err)
		}
		return d
	})
)

// packSkeleton returns the form a skeleton (or item JSON) is stored in.
func packSkeleton(skel []byte) []byte {
	out := make([]byte, len(zstdMagic), len(skel)/3+16)
	copy(out, zstdMagic)
	out = zenc().EncodeAll(skel, out)
	if len(out) >= len(skel) {
		return skel
	}
	return out
}

// unpackSkeleton returns the skeleton from its stored form.
func unpackSkeleton(stored []byte) ([]byte, error) {
	switch {
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

package store

import (
	"bytes"
	"compress/flate"
	"testing"

	"github.com/klauspost/compress/zstd"
)

func TestSkeletonPacking(t *testing.T) {
	for _, skel := range [][]byte{
		[]byte("From: a@b.example\r\nSubject: x\r\n\r\n" + string(bytes.Repeat([]byte("quoted-printable text =\r\n"), 40))),
		[]byte("x"),
		{},
	} {
		stored := packSkeleton(skel)
		if len(stored) > len(skel) {
			t.Errorf("packing made %d bytes into %d", len(skel), len(stored))
		}
		got, err := unpackSkeleton(stored)
		if err != nil || !bytes.Equal(got, skel) {
			t.Errorf("round trip of %d bytes: %v", len(skel), err)
		}
	}
	big := bytes.Repeat([]byte("Content-Type: text/plain; charset=utf-8\r\n"), 100)
	if n := len(packSkeleton(big)); n*4 > len(big) {
		t.Errorf("a repetitive skeleton of %d bytes packed to %d", len(big), n)
	}
}

// TestSkeletonFlateStillRead keeps the first stored form (deflate with the
// dictionary) readable.
func TestSkeletonFlateStillRead(t *testing.T) {
	skel := []byte("Content-Type: multipart/alternative; boundary=x\r\n\r\n--x\r\nhello\r\n--x--\r\n")
	var b bytes.Buffer
	b.Write(flateMagic)
	w, _ := flate.NewWriterDict(&b, 2, packDict)
	w.Write(skel)
	w.Close()
	got, err := unpackSkeleton(b.Bytes())
	if err != nil || !bytes.Equal(got, skel) {
		t.Fatalf("%q %v", got, err)
	}
}

// TestSkeletonZstdStillRead keeps the second stored form (zstd with the
// dictionary) readable.
func TestSkeletonZstdStillRead(t *testing.T) {
	skel := []byte("Content-Type: multipart/alternative; boundary=x\r\n\r\n--x\r\nhello\r\n--x--\r\n")
	e, err := zstd.NewWriter(nil, zstd.WithEncoderDictRaw(1, packDict))
	if err != nil {
		t.Fatal(err)
	}
	stored := e.EncodeAll(skel, append([]byte{}, zstdMagic...))
	got, err := unpackSkeleton(stored)
	if err != nil || !bytes.Equal(got, skel) {
		t.Fatalf("%q %v", got, err)
	}
}

// Package blobtest is the conformance suite every blob.Store implementation
// runs.
package blobtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"testing"

	"github.com/custos-archive/custos/store/blob"
)

// Run checks that the store made by open behaves as blob.Store says.
func Run(t *testing.T, open func(t *testing.T) blob.Store) {
	ctx := context.Background()
	t.Run("PutOpen", func(t *testing.T) {
		s := open(t)
		data := bytes.Repeat([]byte("custos "), 10000)
		ref, err := s.Put(ctx, bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		if ref.SHA256 != hex.EncodeToString(sum[:]) || ref.Size != int64(len(data)) {
			t.Fatalf("ref %+v, want sha256 %x size %d", ref, sum, len(data))
		}
		rc, n, err := s.Open(ctx, ref.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(rc)
		rc.Close()
		if n != int64(len(data)) || !bytes.Equal(got, data) {
			t.Fatalf("read back %d bytes (size %d), want %d", len(got), n, len(data))
		}
	})
	t.Run("Dedup", func(t *testing.T) {
		s := open(t)
		r1, err := s.Put(ctx, bytes.NewReader([]byte("same")))
		if err != nil {
			t.Fatal(err)
		}
		r2, err := s.Put(ctx, bytes.NewReader([]byte("same")))
		if err != nil {
			t.Fatal(err)
		}
		if r1 != r2 {
			t.Fatalf("same bytes, different refs: %v %v", r1, r2)
		}
	})
	t.Run("Empty", func(t *testing.T) {
		s := open(t)
		ref, err := s.Put(ctx, bytes.NewReader(nil))
		if err != nil {
			t.Fatal(err)
		}
		if n, err := s.Stat(ctx, ref.SHA256); err != nil || n != 0 {
			t.Fatalf("stat of empty blob: %d, %v", n, err)
		}
	})
	t.Run("NotFound", func(t *testing.T) {
		s := open(t)
		missing := hex.EncodeToString(make([]byte, 32))
		if _, _, err := s.Open(ctx, missing); !errors.Is(err, blob.ErrNotFound) {
			t.Fatalf("open missing: %v, want ErrNotFound", err)
		}
		if _, err := s.Stat(ctx, missing); !errors.Is(err, blob.ErrNotFound) {
			t.Fatalf("stat missing: %v, want ErrNotFound", err)
		}
		if err := s.Delete(ctx, missing); err != nil {
			t.Fatalf("delete missing: %v", err)
		}
	})
	t.Run("BadHash", func(t *testing.T) {
		s := open(t)
		for _, h := range []string{"", "../../etc/passwd", "ABCD", string(bytes.Repeat([]byte("G"), 64))} {
			if _, _, err := s.Open(ctx, h); err == nil || errors.Is(err, blob.ErrNotFound) {
				t.Errorf("open %q: %v, want a bad-hash error", h, err)
			}
		}
	})
	t.Run("Delete", func(t *testing.T) {
		s := open(t)
		ref, err := s.Put(ctx, bytes.NewReader([]byte("gone")))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Delete(ctx, ref.SHA256); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Stat(ctx, ref.SHA256); !errors.Is(err, blob.ErrNotFound) {
			t.Fatalf("stat after delete: %v", err)
		}
	})
	t.Run("FailedReader", func(t *testing.T) {
		s := open(t)
		boom := errors.New("boom")
		_, err := s.Put(ctx, io.MultiReader(bytes.NewReader([]byte("partial")), errReader{boom}))
		if !errors.Is(err, boom) {
			t.Fatalf("put from failing reader: %v, want boom", err)
		}
		sum := sha256.Sum256([]byte("partial"))
		if _, err := s.Stat(ctx, hex.EncodeToString(sum[:])); !errors.Is(err, blob.ErrNotFound) {
			t.Fatalf("a failed put left a blob: %v", err)
		}
	})
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

package blob

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// Disk is a Store in a folder of the local file system. A blob with hash
// abcdef… lives at ab/cd/abcdef…; bytes are written to tmp/, fsync'd, and
// renamed into place, so a blob is either whole or absent.
//
// Durability is batched: Put leaves the new file and its rename in the page
// cache, and Sync flushes them all with one syncfs(2) of the file system
// (Linux), or an fsync of each file and folder elsewhere.
type Disk struct {
	dir     string
	mu      sync.Mutex
	pending []string // files and folders written since the last Sync
	made    sync.Map // fan-out folders known to exist
}

// OpenDisk opens (creating if needed) a disk blob store in dir.
func OpenDisk(dir string) (*Disk, error) {
	if err := os.MkdirAll(filepath.Join(dir, "tmp"), 0o750); err != nil {
		return nil, fmt.Errorf("opening blob store: %w", err)
	}
	// Leftovers of writes a crash interrupted are garbage: no ref to them was
	// ever returned.
	tmps, _ := os.ReadDir(filepath.Join(dir, "tmp"))
	for _, t := range tmps {
		os.Remove(filepath.Join(dir, "tmp", t.Name()))
	}
	return &Disk{dir: dir}, nil
}

func (d *Disk) path(h string) string {
	return filepath.Join(d.dir, h[0:2], h[2:4], h)
}

// Put implements Store.
func (d *Disk) Put(ctx context.Context, r io.Reader) (Ref, error) {
	f, err := os.CreateTemp(filepath.Join(d.dir, "tmp"), "put-*")
	if err != nil {
		return Ref{}, fmt.Errorf("storing blob: %w", err)
	}
	tmp := f.Name()
	fail := func(err error) (Ref, error) {
		f.Close()
		os.Remove(tmp)
		return Ref{}, fmt.Errorf("storing blob: %w", err)
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), ctxReader{ctx, r})
	if err != nil {
		return fail(err)
	}
	ref := Ref{SHA256: hex.EncodeToString(h.Sum(nil)), Size: n}
	final := d.path(ref.SHA256)
	if st, err := os.Stat(final); err == nil && st.Size() == n {
		f.Close()
		os.Remove(tmp)
		return ref, nil
	}
	if err := f.Close(); err != nil {
		return fail(err)
	}
	dir := filepath.Dir(final)
	if _, ok := d.made.Load(dir); !ok {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			os.Remove(tmp)
			return Ref{}, fmt.Errorf("storing blob: %w", err)
		}
		d.made.Store(dir, true)
	}
	if err := os.Rename(tmp, final); err != nil {
		os.Remove(tmp)
		return Ref{}, fmt.Errorf("storing blob: %w", err)
	}
	d.mu.Lock()
	d.pending = append(d.pending, final, dir)
	d.mu.Unlock()
	return ref, nil
}

// Sync implements Store.
func (d *Disk) Sync(ctx context.Context) error {
	d.mu.Lock()
	pending := d.pending
	d.pending = nil
	d.mu.Unlock()
	if len(pending) == 0 {
		return nil
	}
	if err := syncAll(d.dir, pending); err != nil {
		d.mu.Lock()
		d.pending = append(d.pending, pending...)
		d.mu.Unlock()
		return fmt.Errorf("syncing blobs: %w", err)
	}
	return nil
}

// Open implements Store.
func (d *Disk) Open(ctx context.Context, h string) (io.ReadCloser, int64, error) {
	if err := CheckHash(h); err != nil {
		return nil, 0, err
	}
	f, err := os.Open(d.path(h))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0, fmt.Errorf("opening blob %s: %w", h, ErrNotFound)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("opening blob %s: %w", h, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, fmt.Errorf("opening blob %s: %w", h, err)
	}
	return f, st.Size(), nil
}

// Stat implements Store.
func (d *Disk) Stat(ctx context.Context, h string) (int64, error) {
	if err := CheckHash(h); err != nil {
		return 0, err
	}
	st, err := os.Stat(d.path(h))
	if errors.Is(err, fs.ErrNotExist) {
		return 0, fmt.Errorf("blob %s: %w", h, ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("blob %s: %w", h, err)
	}
	return st.Size(), nil
}

// Delete implements Store.
func (d *Disk) Delete(ctx context.Context, h string) error {
	if err := CheckHash(h); err != nil {
		return err
	}
	err := os.Remove(d.path(h))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("deleting blob %s: %w", h, err)
	}
	return nil
}

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

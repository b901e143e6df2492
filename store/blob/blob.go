// Package blob stores content-addressed byte streams: each blob is named by
// the SHA-256 of its bytes, so the same attachment reaching fifty mailboxes,
// or arriving twice, is stored once.
//
// Store is the plug point for the embedded disk store (this package) and the
// S3-compatible store of the scale-out deployment; blobtest holds the
// conformance suite every implementation runs.
package blob

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
)

// ErrNotFound is returned when no blob has the given hash.
var ErrNotFound = errors.New("blob not found")

// Ref names a stored blob.
type Ref struct {
	SHA256 string // lowercase hex
	Size   int64
}

// String returns the ref as "sha256:<hex>", the form items use.
func (r Ref) String() string { return "sha256:" + r.SHA256 }

// Store is a content-addressed blob store.
type Store interface {
	// Put streams r into the store and returns its ref. When Put returns
	// without error the blob is whole and readable; it is durable (survives
	// a crash of the machine) after the next Sync. Putting bytes already
	// stored is cheap and harmless.
	Put(ctx context.Context, r io.Reader) (Ref, error)
	// Sync makes every blob Put so far durable. Callers Sync once per batch,
	// before committing the metadata that refers to the blobs.
	Sync(ctx context.Context) error
	// Open returns the blob's bytes and size, or an error wrapping ErrNotFound.
	Open(ctx context.Context, sha256 string) (io.ReadCloser, int64, error)
	// Stat returns the blob's size, or an error wrapping ErrNotFound.
	Stat(ctx context.Context, sha256 string) (int64, error)
	// Delete removes the blob. Deleting a missing blob is not an error.
	Delete(ctx context.Context, sha256 string) error
}

// CheckHash returns an error unless s is a lowercase hex SHA-256.
func CheckHash(s string) error {
	if len(s) != 64 {
		return fmt.Errorf("blob hash %q: want 64 hex digits", s)
	}
	if _, err := hex.DecodeString(s); err != nil {
		return fmt.Errorf("blob hash %q: not hex", s)
	}
	for _, c := range s {
		if c >= 'A' && c <= 'F' {
			return fmt.Errorf("blob hash %q: want lowercase hex", s)
		}
	}
	return nil
}

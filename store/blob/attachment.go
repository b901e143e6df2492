package blob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/custos-archive/custos/item"
)

// ErrUnreadable marks an attachment file that cannot be opened.
var ErrUnreadable = errors.New("the attachment's file cannot be opened")

// PutAttachment puts an attachment's bytes into the store: its file (Path,
// relative to dir), streamed, or its inline Data. An attachment already
// in the store (Blob set) is not read here; callers check it with Stat.
func PutAttachment(ctx context.Context, bs Store, a *item.Attachment, dir string) (Ref, error) {
	if a.Path == "" {
		return bs.Put(ctx, bytes.NewReader(a.Data))
	}
	p := a.Path
	if !filepath.IsAbs(p) {
		p = filepath.Join(dir, p)
	}
	f, err := os.Open(p)
	if err != nil {
		return Ref{}, fmt.Errorf("%w: %v", ErrUnreadable, err)
	}
	defer f.Close()
	return bs.Put(ctx, f)
}

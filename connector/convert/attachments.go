package convert

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/custos-archive/custos/item"
	"github.com/custos-archive/custos/store/blob"
)

// ErrAttachment marks an attachment whose bytes cannot be had or do not
// match what the item says of them.
var ErrAttachment = errors.New("bad attachment")

// StoreAttachments puts the bytes of every attachment of the item (in the
// order of it.AllAttachments) into the blob store and returns their refs.
// Path attachments are read relative to dir and streamed; Blob attachments
// must already be in the store. Sizes and hashes the item states are checked.
func StoreAttachments(ctx context.Context, bs blob.Store, it *item.Item, dir string) ([]blob.Ref, error) {
	atts := it.AllAttachments()
	refs := make([]blob.Ref, len(atts))
	for i, a := range atts {
		ref, err := storeOne(ctx, bs, a, dir)
		if err != nil {
			return nil, fmt.Errorf("attachment %q: %w", a.Name, err)
		}
		if a.Size != 0 && ref.Size != a.Size {
			return nil, fmt.Errorf("attachment %q: %w: item says %d bytes, got %d", a.Name, ErrAttachment, a.Size, ref.Size)
		}
		if a.SHA256 != "" && ref.SHA256 != a.SHA256 {
			return nil, fmt.Errorf("attachment %q: %w: item says sha256 %s, bytes hash to %s", a.Name, ErrAttachment, a.SHA256, ref.SHA256)
		}
		refs[i] = ref
	}
	return refs, nil
}

func storeOne(ctx context.Context, bs blob.Store, a *item.Attachment, dir string) (blob.Ref, error) {
	switch {
	case a.Blob != "":
		h := strings.TrimPrefix(a.Blob, "sha256:")
		n, err := bs.Stat(ctx, h)
		if err != nil {
			return blob.Ref{}, fmt.Errorf("%w: %v", ErrAttachment, err)
		}
		return blob.Ref{SHA256: h, Size: n}, nil
	}
	ref, err := blob.PutAttachment(ctx, bs, a, dir)
	if errors.Is(err, blob.ErrUnreadable) {
		return blob.Ref{}, fmt.Errorf("%w: %v", ErrAttachment, err)
	}
	return ref, err
}

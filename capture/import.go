package capture

import (
	"context"
	"fmt"
	"strings"

	"github.com/custos-archive/custos/capture/spool"
	"github.com/custos-archive/custos/item"
	"github.com/custos-archive/custos/store/blob"
)

// Rejected is an input line or element that was not stored, and why.
type Rejected struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	Reason string `json:"reason"`
}

// ImportReport is what a file import stored.
type ImportReport struct {
	Stored     int        `json:"stored"`
	Duplicates int        `json:"duplicates"`
	Rejected   []Rejected `json:"rejected"`
}

// Importer stores parsed items in the spool in batches.
type Importer struct {
	sp    *spool.Spool
	batch []spool.Capture
	rep   *ImportReport
	dir   string
	chan_ string
}

// NewImporter returns an importer; attachment paths are relative to dir.
func NewImporter(sp *spool.Spool, dir, channel string, rep *ImportReport) *Importer {
	return &Importer{sp: sp, dir: dir, chan_: channel, rep: rep}
}

// Add stores an item's attachments and queues the item.
func (im *Importer) Add(ctx context.Context, it *item.Item, media []spool.Media) error {
	if err := storeAttachments(ctx, im.sp.Blobs(), it, im.dir); err != nil {
		return fmt.Errorf("item %q: %w", it.SourceID, err)
	}
	im.batch = append(im.batch, spool.Capture{Item: it, Media: media, Channel: im.chan_})
	if len(im.batch) >= 500 {
		return im.Flush(ctx)
	}
	return nil
}

// Flush stores the queued items durably.
func (im *Importer) Flush(ctx context.Context) error {
	if len(im.batch) == 0 {
		return nil
	}
	res, err := im.sp.Put(ctx, im.batch)
	if err != nil {
		return err
	}
	for _, r := range res {
		if r.Duplicate {
			im.rep.Duplicates++
		} else {
			im.rep.Stored++
		}
	}
	im.batch = im.batch[:0]
	return nil
}

// storeAttachments puts attachment bytes (inline or in files) into the blob
// store and leaves blob refs in the item.
func storeAttachments(ctx context.Context, bs blob.Store, it *item.Item, dir string) error {
	for _, a := range it.AllAttachments() {
		if a.Blob != "" {
			continue
		}
		ref, err := blob.PutAttachment(ctx, bs, a, dir)
		if err != nil {
			return fmt.Errorf("attachment %q: %w", a.Name, err)
		}
		if a.SHA256 != "" && !strings.EqualFold(a.SHA256, ref.SHA256) {
			return fmt.Errorf("attachment %q: sha256 says %s, the bytes hash to %s", a.Name, a.SHA256, ref.SHA256)
		}
		a.Data, a.Path, a.Blob, a.Size, a.SHA256 = nil, "", ref.String(), ref.Size, ref.SHA256
	}
	return nil
}

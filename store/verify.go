package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
)

// ItemProblem is an archived item that is no longer as it was archived.
type ItemProblem struct {
	ItemID   int64  `json:"item_id"`
	Source   string `json:"source"`
	SourceID string `json:"source_id"`
	Problem  string `json:"problem"`
}

// verifyChunk is how many items VerifyItems reads at a time.
const verifyChunk = 500

// VerifyItems renders every archived item (those in the recoverable stage
// too) from its stored form and its attachments' blobs, and checks the
// message against the size and SHA-256 recorded when it was archived: a
// changed or damaged skeleton, item or blob is reported to problem, and the
// check goes on. It returns the number of items checked; the error is for
// what stops the whole check. progress, when set, gets the items checked.
func (s *Store) VerifyItems(ctx context.Context, progress func(checked int64), problem func(ItemProblem)) (int64, error) {
	open := func(h string) (io.ReadCloser, error) {
		rc, _, err := s.blobs.Open(ctx, h)
		return rc, err
	}
	var after, checked int64
	for {
		rows, err := s.r.QueryContext(ctx, `SELECT i.source, i.source_id, `+itemColumns+` FROM items i WHERE i.id > ? ORDER BY i.id LIMIT ?`,
			after, verifyChunk)
		if err != nil {
			return checked, fmt.Errorf("verifying items: %w", err)
		}
		n := 0
		for rows.Next() {
			var p ItemProblem
			var si StoredItem
			var raw rawItem
			if err := rows.Scan(&p.Source, &p.SourceID, &si.ID, &si.MessageID, &si.Size, &si.SHA256, &raw.skel, &raw.holes, &raw.meta, &raw.archived); err != nil {
				rows.Close()
				return checked, fmt.Errorf("verifying items after %d: %w", after, err)
			}
			n++
			after, p.ItemID = si.ID, si.ID
			checked++
			if err := raw.decode(&si); err != nil {
				p.Problem = "the stored message or item cannot be read: " + err.Error()
				problem(p)
				continue
			}
			h := sha256.New()
			size, err := si.Message.Render(h, open)
			switch sum := hex.EncodeToString(h.Sum(nil)); {
			case err != nil:
				p.Problem = "the message cannot be rendered: " + err.Error()
			case size != si.Size:
				p.Problem = fmt.Sprintf("the message renders to %d bytes; %d were archived", size, si.Size)
			case sum != si.SHA256:
				p.Problem = fmt.Sprintf("the message's SHA-256 is %s; %s was archived", sum, si.SHA256)
			}
			if p.Problem != "" {
				problem(p)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return checked, fmt.Errorf("verifying items: %w", err)
		}
		if progress != nil && n > 0 {
			progress(checked)
		}
		if n < verifyChunk {
			return checked, nil
		}
	}
}

package store

import (
	"context"
	"database/sql"
	"fmt"
)

// reindexChunk is the number of copies whose full-text rows one
// transaction of Reindex rewrites.
const reindexChunk = 2000

// Reindex rewrites the full-text row of every copy, in copy id order, from
// the stored item: doc makes an item's index text (package search's
// Document). It records that the index has the features of that text (the
// common-word pairs) when every copy has been rewritten, and merges the
// index into one segment. progress, when
// set, is called after each chunk with the copies done so far.
//
// It may run while items are archived (they are indexed as they are filed)
// and while copies are purged (a copy purged meanwhile gets no row back).
// Interrupted, it is run again from the start; rewriting a row twice is
// harmless.
func (s *Store) Reindex(ctx context.Context, doc func(context.Context, StoredItem) (Doc, error), progress func(done int64)) (int64, error) {
	type row struct {
		copyID int64
		doc    Doc
	}
	var after, done int64
	for {
		rows, err := s.r.QueryContext(ctx, `SELECT c.id, `+itemColumns+` FROM copies c JOIN items i ON i.id = c.item_id
			WHERE c.id > ? ORDER BY c.id LIMIT ?`, after, reindexChunk)
		if err != nil {
			return done, fmt.Errorf("reindexing: %w", err)
		}
		var chunk []row
		docs := map[int64]Doc{} // by item: a fan-out's copies share one
		for rows.Next() {
			var r row
			var si StoredItem
			if err := scanItem(rows, &si, []any{&r.copyID}); err != nil {
				rows.Close()
				return done, fmt.Errorf("reindexing after copy %d: %w", after, err)
			}
			d, ok := docs[si.ID]
			if !ok {
				if d, err = doc(ctx, si); err != nil {
					rows.Close()
					return done, fmt.Errorf("reindexing copy %d: %w", r.copyID, err)
				}
				docs[si.ID] = d
			}
			r.doc = d
			chunk = append(chunk, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return done, fmt.Errorf("reindexing: %w", err)
		}
		if len(chunk) == 0 {
			break
		}
		err = s.write(ctx, func(tx *sql.Tx) error {
			for _, r := range chunk {
				// Only copies still there: one purged since it was read
				// must not come back into the index.
				if _, err := tx.ExecContext(ctx, `DELETE FROM items_fts WHERE rowid = ?`, r.copyID); err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO items_fts (rowid, sender, recipients, subject, body, attnames, atttext)
					SELECT ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM copies WHERE id = ?)`,
					r.copyID, r.doc.Sender, r.doc.Recipients, r.doc.Subject, r.doc.Body, r.doc.AttNames, r.doc.AttText, r.copyID); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return done, fmt.Errorf("reindexing copies %d to %d: %w", chunk[0].copyID, chunk[len(chunk)-1].copyID, err)
		}
		done += int64(len(chunk))
		after = chunk[len(chunk)-1].copyID
		if progress != nil {
			progress(done)
		}
	}
	// Rows deleted and written anew, a chunk at a time, leave the index in
	// many segments: merged into one, queries are as fast as on an archive
	// indexed as it was filed (at 1.2 million copies: 9 s, during which
	// archiving waits; a common word 27 -> 18 ms).
	if _, err := s.w.ExecContext(ctx, `INSERT INTO items_fts (items_fts) VALUES ('optimize')`); err != nil {
		return done, fmt.Errorf("reindexing: merging the index: %w", err)
	}
	if _, err := s.w.ExecContext(ctx, `INSERT OR IGNORE INTO index_features (name) VALUES ('pairs')`); err != nil {
		return done, fmt.Errorf("reindexing: %w", err)
	}
	s.pairs.Store(true)
	return done, nil
}

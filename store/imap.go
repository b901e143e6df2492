package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// What the IMAP server reads: a folder's UIDs, its copies by UID, and the
// UIDs of the copies that match a search condition. Deleted copies (in the
// recoverable stage) are not there; a recovered copy comes back with a new
// UID.

// FolderByID returns the folder with that id, with its counts.
func (s *Store) FolderByID(ctx context.Context, folderID int64) (Folder, error) {
	var f Folder
	err := s.r.QueryRowContext(ctx, `SELECT f.id, f.mailbox_id, f.name, f.uid_validity, f.uid_next,
			(SELECT COUNT(*) FROM copies c WHERE c.folder_id = f.id AND c.deleted_at IS NULL),
			(SELECT COALESCE(SUM(c.size), 0) FROM copies c WHERE c.folder_id = f.id AND c.deleted_at IS NULL)
		FROM folders f WHERE f.id = ?`, folderID).Scan(&f.ID, &f.MailboxID, &f.Name, &f.UIDValidity, &f.UIDNext, &f.Items, &f.Bytes)
	if errors.Is(err, sql.ErrNoRows) {
		return Folder{}, fmt.Errorf("folder %d: %w", folderID, ErrNotFound)
	}
	if err != nil {
		return Folder{}, fmt.Errorf("folder %d: %w", folderID, err)
	}
	return f, nil
}

// FolderMark is a cheap fingerprint of a folder's contents: as UIDs are
// never reused, the contents are unchanged while the count and the highest
// UID are.
type FolderMark struct {
	Count  int64
	MaxUID uint32
}

// FolderMark returns the folder's fingerprint.
func (s *Store) FolderMark(ctx context.Context, folderID int64) (FolderMark, error) {
	var m FolderMark
	err := s.r.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(MAX(uid), 0) FROM copies WHERE folder_id = ? AND deleted_at IS NULL`, folderID).Scan(&m.Count, &m.MaxUID)
	if err != nil {
		return m, fmt.Errorf("folder %d: %w", folderID, err)
	}
	return m, nil
}

// FolderUIDs returns the UIDs of the folder's copies, ascending.
func (s *Store) FolderUIDs(ctx context.Context, folderID int64) ([]uint32, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT uid FROM copies WHERE folder_id = ? AND deleted_at IS NULL ORDER BY uid`, folderID)
	if err != nil {
		return nil, fmt.Errorf("listing folder %d: %w", folderID, err)
	}
	defer rows.Close()
	var uids []uint32
	for rows.Next() {
		var u uint32
		if err := rows.Scan(&u); err != nil {
			return nil, fmt.Errorf("listing folder %d: %w", folderID, err)
		}
		uids = append(uids, u)
	}
	return uids, rows.Err()
}

// CopiesByUID calls fn for each copy of the folder whose UID is in uids
// (ascending), in UID order. UIDs no longer in the folder are skipped.
func (s *Store) CopiesByUID(ctx context.Context, folderID int64, uids []uint32, fn func(Copy) error) error {
	const chunk = 256
	for len(uids) > 0 {
		n := min(chunk, len(uids))
		part := uids[:n]
		uids = uids[n:]
		ph := make([]string, len(part))
		args := make([]any, 0, len(part)+1)
		args = append(args, folderID)
		for i, u := range part {
			ph[i] = "?"
			args = append(args, u)
		}
		err := func() error {
			rows, err := s.r.QueryContext(ctx, `SELECT c.uid, `+itemColumns+`
				FROM copies c JOIN items i ON i.id = c.item_id WHERE c.folder_id = ? AND c.deleted_at IS NULL AND c.uid IN (`+strings.Join(ph, ",")+`) ORDER BY c.uid`, args...)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var c Copy
				if err := scanItem(rows, &c.StoredItem, []any{&c.UID}); err != nil {
					return err
				}
				if err := fn(c); err != nil {
					return err
				}
			}
			return rows.Err()
		}()
		if err != nil {
			return fmt.Errorf("reading folder %d: %w", folderID, err)
		}
	}
	return nil
}

// SearchUIDs returns the UIDs of the folder's copies for which cond holds
// (all when cond is nil), ascending. FolderIs conditions are not allowed:
// the folder is given.
func (s *Store) SearchUIDs(ctx context.Context, folderID int64, cond Cond) ([]uint32, error) {
	b := &sqlBuilder{}
	where, err := b.cond(cond)
	if err != nil {
		return nil, err
	}
	args := append([]any{folderID}, b.args...)
	rows, err := s.r.QueryContext(ctx, `SELECT c.uid FROM copies c WHERE c.folder_id = ? AND c.deleted_at IS NULL AND (`+where+`) ORDER BY c.uid`, args...)
	if err != nil {
		return nil, fmt.Errorf("searching folder %d: %w", folderID, err)
	}
	defer rows.Close()
	var uids []uint32
	for rows.Next() {
		var u uint32
		if err := rows.Scan(&u); err != nil {
			return nil, fmt.Errorf("searching folder %d: %w", folderID, err)
		}
		uids = append(uids, u)
	}
	return uids, rows.Err()
}

package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/custos-archive/custos/item"
)

func insertQuarantine(ctx context.Context, tx *sql.Tx, itemID int64, q *Quarantine, now time.Time) error {
	nums, err := json.Marshal(q.Numbers)
	if err != nil {
		return err
	}
	auto := 0
	if q.Auto {
		auto = 1
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO quarantine (item_id, reason, numbers, mapping, auto, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		itemID, q.Reason, string(nums), q.Mapping, auto, now.UnixMilli())
	return err
}

// Quarantined is an item waiting in the quarantine.
type Quarantined struct {
	StoredItem
	Quarantine
	Since time.Time
}

// QuarantineFilter narrows a quarantine listing.
type QuarantineFilter struct {
	Source  item.Source // "" for all
	Mapping string      // only items quarantined under this mapping name; "" for all
	Limit   int         // 0 for all
	After   int64       // item id to start after, for paging
}

// QuarantineList calls fn for each quarantined item, in item order.
func (s *Store) QuarantineList(ctx context.Context, f QuarantineFilter, fn func(Quarantined) error) error {
	q := `SELECT ` + itemColumns + `,
			q.reason, q.numbers, q.mapping, q.auto, q.created_at
		FROM quarantine q JOIN items i ON i.id = q.item_id WHERE i.id > ?`
	args := []any{f.After}
	if f.Source != "" {
		q += ` AND i.source = ?`
		args = append(args, string(f.Source))
	}
	if f.Mapping != "" {
		q += ` AND q.mapping = ?`
		args = append(args, f.Mapping)
	}
	q += ` ORDER BY i.id`
	if f.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("listing quarantine: %w", err)
	}
	defer rows.Close()
	var batch []Quarantined
	for rows.Next() {
		var x Quarantined
		var nums string
		var auto int
		var since int64
		if err := scanItem(rows, &x.StoredItem, nil, &x.Reason, &nums, &x.Mapping, &auto, &since); err != nil {
			return fmt.Errorf("listing quarantine: %w", err)
		}
		json.Unmarshal([]byte(nums), &x.Numbers)
		x.Auto = auto == 1
		x.Since = time.UnixMilli(since).UTC()
		batch = append(batch, x)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("listing quarantine: %w", err)
	}
	rows.Close()
	for _, x := range batch {
		if err := fn(x); err != nil {
			return err
		}
	}
	return nil
}

// Release files a quarantined item into mailboxes and takes it out of the
// quarantine.
type Release struct {
	ItemID    int64
	Source    item.Source
	Mailboxes []int64
	Doc       Doc // the text the item is indexed under
}

// ReleaseQuarantined files each released item into its mailboxes and removes
// it from the quarantine, all in one transaction. An item no longer in the
// quarantine (released by a concurrent replay) is skipped, so a replay never
// files an item twice. It returns the number of items released and copies
// filed.
func (s *Store) ReleaseQuarantined(ctx context.Context, rs []Release) (items, copies int, err error) {
	now := s.now()
	err = s.write(ctx, func(tx *sql.Tx) error {
		f := newFiler(ctx, tx, now)
		defer f.close()
		for _, r := range rs {
			res, err := tx.ExecContext(ctx, `DELETE FROM quarantine WHERE item_id = ?`, r.ItemID)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				continue
			}
			if len(r.Mailboxes) == 0 {
				return errors.New("release without mailboxes")
			}
			facts := copyFacts{itemID: r.ItemID}
			var has int
			err = tx.QueryRowContext(ctx, `SELECT source, kind, sent_at, archived_at, size, has_attachment FROM items WHERE id = ?`, r.ItemID).
				Scan(&facts.source, &facts.kind, &facts.sentAt, &facts.archivedAt, &facts.size, &has)
			if err != nil {
				return err
			}
			facts.hasAttachment = has == 1
			c, err := f.file(facts, r.Mailboxes, r.Source.Folder(), r.Doc)
			if err != nil {
				return err
			}
			items++
			copies += c
		}
		return f.index()
	})
	if err != nil {
		return 0, 0, fmt.Errorf("releasing quarantined items: %w", err)
	}
	return items, copies, nil
}

package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/custos-archive/custos/compliance/audit"
	"github.com/custos-archive/custos/compliance/hold"
)

// ErrHoldsChanged is returned by a deletion or purge when a query hold was
// placed after the caller compiled the holds' queries: compile them again
// and retry.
var ErrHoldsChanged = errors.New("the holds changed while the request was prepared; try again")

// ErrCaseHold is wrapped by the error for releasing an eDiscovery case's
// hold without naming the case.
var ErrCaseHold = errors.New("the hold belongs to an eDiscovery case")

// PlaceHold validates and places a hold, dated by the store's clock, and
// records it in the audit log in the same transaction. Every mailbox must
// exist; when one does not, nothing is written and the error wraps
// ErrNotFound.
func (s *Store) PlaceHold(ctx context.Context, h hold.Hold) (hold.Hold, error) {
	h.ID, h.Released = 0, nil
	h.PlacedAt = time.UnixMilli(s.now().UnixMilli()).UTC()
	h.Mailboxes = normAddresses(h.Mailboxes)
	if err := h.Validate(); err != nil {
		return hold.Hold{}, err
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		ids, err := mailboxIDs(ctx, tx, h.Mailboxes)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO holds (kind, query, case_name, days, reason, placed_by, placed_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			string(h.Kind), h.Query, h.Case, h.Days, h.Reason, h.PlacedBy, h.PlacedAt.UnixMilli())
		if err != nil {
			return err
		}
		h.ID, _ = res.LastInsertId()
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, `INSERT INTO hold_mailboxes (hold_id, mailbox_id) VALUES (?, ?)`, h.ID, id); err != nil {
				return err
			}
		}
		_, err = s.appendAudit(ctx, tx, audit.Entry{Actor: h.PlacedBy, Action: audit.HoldPlace, Object: holdObject(h.ID), Details: holdDetails(h)})
		return err
	})
	if err != nil {
		return hold.Hold{}, fmt.Errorf("placing hold: %w", err)
	}
	return h, nil
}

func holdObject(id int64) string { return fmt.Sprintf("hold:%d", id) }

func holdDetails(h hold.Hold) map[string]any {
	d := map[string]any{"kind": h.Kind, "mailboxes": h.Mailboxes, "reason": h.Reason, "days": h.Days}
	if h.Query != "" {
		d["query"] = h.Query
	}
	if h.Case != "" {
		d["case"] = h.Case
	}
	return d
}

// ReleaseHold releases a hold in place, saying who, why, and (for a hold an
// eDiscovery case owns) which case, and records it in the audit log in the
// same transaction. A hold that does not exist (ErrNotFound), was released
// already (hold.ErrReleased) or belongs to another case (ErrCaseHold) is
// left as it is.
func (s *Store) ReleaseHold(ctx context.Context, id int64, by, reason, caseName string) (hold.Hold, error) {
	if strings.TrimSpace(reason) == "" {
		return hold.Hold{}, fmt.Errorf("releasing hold %d: %w: give the reason for the release", id, hold.ErrInvalid)
	}
	if strings.TrimSpace(by) == "" {
		return hold.Hold{}, fmt.Errorf("releasing hold %d: %w: say who releases it", id, hold.ErrInvalid)
	}
	var h hold.Hold
	err := s.write(ctx, func(tx *sql.Tx) error {
		hs, err := loadHolds(ctx, tx, "WHERE h.id = ?", id)
		if err != nil {
			return err
		}
		if len(hs) == 0 {
			return fmt.Errorf("hold %d: %w (see 'custos hold list')", id, ErrNotFound)
		}
		h = hs[0]
		if r := h.Released; r != nil {
			return fmt.Errorf("hold %d: %w by %s on %s", id, hold.ErrReleased, r.By, r.At.Format("2006-01-02 15:04"))
		}
		if h.Case != "" && !strings.EqualFold(h.Case, caseName) {
			return fmt.Errorf("hold %d: %w %q: release it from the case, or name the case", id, ErrCaseHold, h.Case)
		}
		h.Released = &hold.Release{By: by, At: time.UnixMilli(s.now().UnixMilli()).UTC(), Reason: reason}
		if _, err := tx.ExecContext(ctx, `UPDATE holds SET released_by = ?, released_at = ?, release_reason = ? WHERE id = ?`,
			by, h.Released.At.UnixMilli(), reason, id); err != nil {
			return err
		}
		d := holdDetails(h)
		d["release_reason"] = reason
		_, err = s.appendAudit(ctx, tx, audit.Entry{Actor: by, Action: audit.HoldRelease, Object: holdObject(id), Details: d})
		return err
	})
	if err != nil {
		return hold.Hold{}, fmt.Errorf("releasing hold %d: %w", id, err)
	}
	return h, nil
}

// Holds lists holds, in the order they were placed: those in place, or with
// all also the released ones.
func (s *Store) Holds(ctx context.Context, all bool) ([]hold.Hold, error) {
	where := "WHERE h.released_at IS NULL"
	if all {
		where = ""
	}
	hs, err := loadHolds(ctx, s.r, where)
	if err != nil {
		return nil, fmt.Errorf("listing holds: %w", err)
	}
	return hs, nil
}

// Hold returns the hold with that id.
func (s *Store) Hold(ctx context.Context, id int64) (hold.Hold, error) {
	hs, err := loadHolds(ctx, s.r, "WHERE h.id = ?", id)
	if err != nil {
		return hold.Hold{}, fmt.Errorf("hold %d: %w", id, err)
	}
	if len(hs) == 0 {
		return hold.Hold{}, fmt.Errorf("hold %d: %w", id, ErrNotFound)
	}
	return hs[0], nil
}

// querier is a database or a transaction.
type querier interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

func loadHolds(ctx context.Context, q querier, where string, args ...any) ([]hold.Hold, error) {
	rows, err := q.QueryContext(ctx, `SELECT h.id, h.kind, h.query, h.case_name, h.days, h.reason, h.placed_by, h.placed_at,
			h.released_by, h.released_at, h.release_reason, COALESCE((SELECT group_concat(m.address, char(10)) FROM hold_mailboxes hm
				JOIN mailboxes m ON m.id = hm.mailbox_id WHERE hm.hold_id = h.id), '')
		FROM holds h `+where+` ORDER BY h.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var hs []hold.Hold
	for rows.Next() {
		var h hold.Hold
		var kind, mbs string
		var placed int64
		var relBy, relWhy string
		var relAt sql.NullInt64
		if err := rows.Scan(&h.ID, &kind, &h.Query, &h.Case, &h.Days, &h.Reason, &h.PlacedBy, &placed, &relBy, &relAt, &relWhy, &mbs); err != nil {
			return nil, err
		}
		h.Kind = hold.Kind(kind)
		h.PlacedAt = time.UnixMilli(placed).UTC()
		if mbs != "" {
			h.Mailboxes = strings.Split(mbs, "\n")
			sort.Strings(h.Mailboxes)
		}
		if relAt.Valid {
			h.Released = &hold.Release{By: relBy, At: time.UnixMilli(relAt.Int64).UTC(), Reason: relWhy}
		}
		hs = append(hs, h)
	}
	return hs, rows.Err()
}

// normAddresses lowercases, trims and de-duplicates addresses, sorted.
func normAddresses(as []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, a := range as {
		a = strings.ToLower(strings.TrimSpace(a))
		if a != "" && !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	sort.Strings(out)
	return out
}

// mailboxIDs returns the ids of the mailboxes at addresses, or an error
// wrapping ErrNotFound naming those that do not exist.
func mailboxIDs(ctx context.Context, q querier, addresses []string) ([]int64, error) {
	var ids []int64
	var missing []string
	for _, a := range addresses {
		var id int64
		err := q.QueryRowContext(ctx, `SELECT id FROM mailboxes WHERE address = ?`, a).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			missing = append(missing, a)
			continue
		}
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	if len(missing) == 1 {
		return nil, fmt.Errorf("mailbox %s: %w (create it with 'custos users import')", missing[0], ErrNotFound)
	}
	if len(missing) > 1 {
		return nil, fmt.Errorf("mailboxes %s: %w (create them with 'custos users import')", strings.Join(missing, ", "), ErrNotFound)
	}
	return ids, nil
}

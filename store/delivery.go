package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Delivery states of a copy (table deliveries). A copy without a row is
// pending.
const (
	DeliveryPending   = "pending"
	DeliverySending   = "sending"
	DeliveryRetry     = "retry"
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed"
)

// DeliveryCopy is a copy due for delivery, with what is needed to send it.
type DeliveryCopy struct {
	CopyID   int64
	Mailbox  string // the mailbox's address
	Folder   string
	Source   string
	State    string // "" when the copy was never taken up
	Attempts int
	StoredItem
}

// DeliveryFilter selects copies due for delivery.
type DeliveryFilter struct {
	Sources []string // only copies of these sources; all when empty
	Limit   int      // at most this many (default 100)
}

// DueDeliveries returns copies that are due for delivery at now: never taken
// up, waiting for a retry whose time has come, or left sending by a process
// whose lease ran out. They are ordered by mailbox, so a sink can deliver
// one mailbox's copies over one connection.
func (s *Store) DueDeliveries(ctx context.Context, f DeliveryFilter, now time.Time) ([]DeliveryCopy, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	q := `SELECT c.id, m.address, fo.name, c.source, COALESCE(d.state, ''), COALESCE(d.attempts, 0),
			` + itemColumns + `
		FROM copies c
		JOIN folders fo ON fo.id = c.folder_id
		JOIN mailboxes m ON m.id = fo.mailbox_id
		JOIN items i ON i.id = c.item_id
		LEFT JOIN deliveries d ON d.copy_id = c.id
		WHERE c.deleted_at IS NULL AND (d.copy_id IS NULL OR (d.state IN ('retry', 'sending') AND d.next_at <= ?))`
	args := []any{now.UnixMilli()}
	if len(f.Sources) > 0 {
		ph := make([]string, len(f.Sources))
		for i, src := range f.Sources {
			ph[i] = "?"
			args = append(args, src)
		}
		q += ` AND c.source IN (` + strings.Join(ph, ",") + `)`
	}
	q += ` ORDER BY m.address, c.id LIMIT ?`
	args = append(args, limit)
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("listing copies due for delivery: %w", err)
	}
	defer rows.Close()
	var out []DeliveryCopy
	for rows.Next() {
		var d DeliveryCopy
		if err := scanItem(rows, &d.StoredItem, []any{&d.CopyID, &d.Mailbox, &d.Folder, &d.Source, &d.State, &d.Attempts}); err != nil {
			return nil, fmt.Errorf("listing copies due for delivery: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// Claim is the outcome of ClaimDelivery.
type Claim struct {
	OK bool // the copy is ours to deliver until the lease ends
	// Uncertain is true when an earlier attempt was made: it may have
	// reached the server, so the sink must look before it sends again.
	Uncertain bool
	Attempt   int // this attempt's number, from 1
}

// ClaimDelivery marks the copy as being sent, until now+lease, and counts
// the attempt. It is committed before anything is sent, so after a crash
// the copy is known to be uncertain. A copy already delivered, given up, or
// claimed by another process whose lease has not run out is not claimed.
func (s *Store) ClaimDelivery(ctx context.Context, copyID int64, target string, now time.Time, lease time.Duration) (Claim, error) {
	var c Claim
	err := s.write(ctx, func(tx *sql.Tx) error {
		var state string
		var attempts int
		var next int64
		err := tx.QueryRowContext(ctx, `SELECT state, attempts, next_at FROM deliveries WHERE copy_id = ?`, copyID).Scan(&state, &attempts, &next)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			_, err = tx.ExecContext(ctx, `INSERT INTO deliveries (copy_id, state, attempts, next_at, target, updated_at) VALUES (?, 'sending', 1, ?, ?, ?)`,
				copyID, now.Add(lease).UnixMilli(), target, now.UnixMilli())
			if err != nil {
				return err
			}
			c = Claim{OK: true, Attempt: 1}
			return nil
		case err != nil:
			return err
		}
		if (state != DeliveryRetry && state != DeliverySending) || next > now.UnixMilli() {
			return nil
		}
		_, err = tx.ExecContext(ctx, `UPDATE deliveries SET state = 'sending', attempts = attempts + 1, next_at = ?, target = ?, updated_at = ? WHERE copy_id = ?`,
			now.Add(lease).UnixMilli(), target, now.UnixMilli(), copyID)
		if err != nil {
			return err
		}
		c = Claim{OK: true, Uncertain: true, Attempt: attempts + 1}
		return nil
	})
	if err != nil {
		return Claim{}, fmt.Errorf("claiming copy %d for delivery: %w", copyID, err)
	}
	return c, nil
}

// DeliveryDone records that the copy is on the target server: appended now
// (how "appended") or found there (how "found"), with its UID there when
// known.
func (s *Store) DeliveryDone(ctx context.Context, copyID int64, remoteUID uint32, how string) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE deliveries SET state = 'delivered', remote_uid = ?, how = ?, last_error = '', next_at = 0, updated_at = ? WHERE copy_id = ?`,
			remoteUID, how, s.now().UnixMilli(), copyID)
		return err
	})
	if err != nil {
		return fmt.Errorf("recording the delivery of copy %d: %w", copyID, err)
	}
	return nil
}

// DeliveryFailed records a failed attempt: the copy is tried again at next,
// or given up (state failed) when giveUp is set.
func (s *Store) DeliveryFailed(ctx context.Context, copyID int64, errText string, next time.Time, giveUp bool) error {
	state := DeliveryRetry
	if giveUp {
		state = DeliveryFailed
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE deliveries SET state = ?, last_error = ?, next_at = ?, updated_at = ? WHERE copy_id = ?`,
			state, errText, next.UnixMilli(), s.now().UnixMilli(), copyID)
		return err
	})
	if err != nil {
		return fmt.Errorf("recording a failed delivery of copy %d: %w", copyID, err)
	}
	return nil
}

// RetryFailedDeliveries makes every given-up copy due again now. Their
// attempts stay counted, so the sink looks before sending again.
func (s *Store) RetryFailedDeliveries(ctx context.Context) (int64, error) {
	var n int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE deliveries SET state = 'retry', next_at = 0, updated_at = ? WHERE state = 'failed'`, s.now().UnixMilli())
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("retrying failed deliveries: %w", err)
	}
	return n, nil
}

// DeliveryCount is the number of copies of a source in a delivery state.
type DeliveryCount struct {
	Source string
	State  string
	Copies int64
}

// DeliveryCounts counts the copies by source and delivery state (pending
// for copies never taken up).
func (s *Store) DeliveryCounts(ctx context.Context) ([]DeliveryCount, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT c.source, COALESCE(d.state, 'pending'), COUNT(*)
		FROM copies c LEFT JOIN deliveries d ON d.copy_id = c.id GROUP BY 1, 2 ORDER BY 1, 2`)
	if err != nil {
		return nil, fmt.Errorf("counting deliveries: %w", err)
	}
	defer rows.Close()
	var out []DeliveryCount
	for rows.Next() {
		var c DeliveryCount
		if err := rows.Scan(&c.Source, &c.State, &c.Copies); err != nil {
			return nil, fmt.Errorf("counting deliveries: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// DeliveryProblem is a copy whose delivery failed at least once and is not
// delivered yet.
type DeliveryProblem struct {
	CopyID    int64
	Mailbox   string
	Folder    string
	Source    string
	MessageID string
	State     string
	Attempts  int
	LastError string
	NextAt    time.Time // when it is tried again (state retry)
}

// DeliveryProblems lists copies waiting for a retry or given up, oldest
// change first, at most limit (default 100).
func (s *Store) DeliveryProblems(ctx context.Context, limit int) ([]DeliveryProblem, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := s.r.QueryContext(ctx, `SELECT d.copy_id, m.address, fo.name, c.source, i.message_id, d.state, d.attempts, d.last_error, d.next_at
		FROM deliveries d JOIN copies c ON c.id = d.copy_id JOIN folders fo ON fo.id = c.folder_id
		JOIN mailboxes m ON m.id = fo.mailbox_id JOIN items i ON i.id = c.item_id
		WHERE d.state IN ('retry', 'failed') ORDER BY d.updated_at, d.copy_id LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("listing delivery problems: %w", err)
	}
	defer rows.Close()
	var out []DeliveryProblem
	for rows.Next() {
		var p DeliveryProblem
		var next int64
		if err := rows.Scan(&p.CopyID, &p.Mailbox, &p.Folder, &p.Source, &p.MessageID, &p.State, &p.Attempts, &p.LastError, &next); err != nil {
			return nil, fmt.Errorf("listing delivery problems: %w", err)
		}
		p.NextAt = time.UnixMilli(next).UTC()
		out = append(out, p)
	}
	return out, rows.Err()
}

package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/custos-archive/custos/compliance/audit"
)

// appendAudit appends records to the audit log within tx: numbered after
// the head, chained to it, dated by the store's clock. Appends serialise on
// the write transaction, so the chain has one order.
func (s *Store) appendAudit(ctx context.Context, tx *sql.Tx, es ...audit.Entry) ([]audit.Record, error) {
	var head audit.Head
	if err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&head.Seq, &head.Hash); err != nil {
		return nil, fmt.Errorf("reading the audit log's head: %w", err)
	}
	now := s.now()
	out := make([]audit.Record, 0, len(es))
	for _, e := range es {
		r, err := audit.New(e, head.Seq+1, now, head.Hash)
		if err != nil {
			return nil, err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO audit_log (seq, at, actor, action, object, outcome, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.Seq, r.Time.UnixMilli(), r.Actor, r.Action, r.Object, r.Outcome, string(r.Details), r.PrevHash, r.Hash)
		if err != nil {
			return nil, fmt.Errorf("appending to the audit log: %w", err)
		}
		head = audit.Head{Seq: r.Seq, Hash: r.Hash}
		out = append(out, r)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1`, head.Seq, head.Hash); err != nil {
		return nil, fmt.Errorf("moving the audit log's head: %w", err)
	}
	return out, nil
}

// Audit appends records to the audit log in one transaction of their own,
// for actions that are not a store write of their own (a search, an export)
// or that span many transactions (an import).
func (s *Store) Audit(ctx context.Context, es ...audit.Entry) ([]audit.Record, error) {
	var out []audit.Record
	err := s.write(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = s.appendAudit(ctx, tx, es...)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("recording %d audit entries: %w", len(es), err)
	}
	return out, nil
}

// AuditFilter narrows an audit search; zero fields match everything.
type AuditFilter struct {
	Actor  string
	Action string // an action, or a family ("hold" finds hold.place and hold.release)
	// Object is an object ("hold:3"), or a prefix ending in '*'
	// ("mailbox:alice*").
	Object     string
	Since      time.Time // at or after
	Until      time.Time // before
	AfterSeq   int64     // records after this number, for paging
	Limit      int       // 0 for all
	Descending bool      // newest first
}

// AuditSearch calls fn for each matching record, in the order of their
// numbers (newest first with Descending).
func (s *Store) AuditSearch(ctx context.Context, f AuditFilter, fn func(audit.Record) error) error {
	var where []string
	var args []any
	if f.Actor != "" {
		where = append(where, "actor = ?")
		args = append(args, f.Actor)
	}
	if f.Action != "" {
		a := strings.TrimSuffix(strings.TrimSuffix(f.Action, "*"), ".")
		where = append(where, "(action = ? OR substr(action, 1, ?) = ?)")
		args = append(args, a, len(a)+1, a+".")
	}
	if f.Object != "" {
		if p, ok := strings.CutSuffix(f.Object, "*"); ok {
			where = append(where, "substr(object, 1, ?) = ?")
			args = append(args, len(p), p)
		} else {
			where = append(where, "object = ?")
			args = append(args, f.Object)
		}
	}
	if !f.Since.IsZero() {
		where = append(where, "at >= ?")
		args = append(args, f.Since.UnixMilli())
	}
	if !f.Until.IsZero() {
		where = append(where, "at < ?")
		args = append(args, f.Until.UnixMilli())
	}
	if f.AfterSeq > 0 {
		if f.Descending {
			where = append(where, "seq < ?")
		} else {
			where = append(where, "seq > ?")
		}
		args = append(args, f.AfterSeq)
	}
	q := `SELECT seq, at, actor, action, object, outcome, details, prev_hash, hash FROM audit_log`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY seq"
	if f.Descending {
		q += " DESC"
	}
	if f.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("searching the audit log: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r audit.Record
		var at int64
		var details string
		if err := rows.Scan(&r.Seq, &at, &r.Actor, &r.Action, &r.Object, &r.Outcome, &details, &r.PrevHash, &r.Hash); err != nil {
			return fmt.Errorf("searching the audit log: %w", err)
		}
		r.Time = time.UnixMilli(at).UTC()
		r.Details = []byte(details)
		if err := fn(r); err != nil {
			return err
		}
	}
	return rows.Err()
}

// AuditHead returns the number and hash of the last record appended, as
// kept beside the log.
func (s *Store) AuditHead(ctx context.Context) (audit.Head, error) {
	var h audit.Head
	if err := s.r.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&h.Seq, &h.Hash); err != nil {
		return h, fmt.Errorf("reading the audit log's head: %w", err)
	}
	return h, nil
}

// VerifyAudit walks the whole audit log in the order of record numbers and
// returns what the verifier found: the records checked, the last good head,
// and the first problem (nil when the chain holds end to end). The walk and
// the head are read in one snapshot, so appends made meanwhile do not count
// against it.
func (s *Store) VerifyAudit(ctx context.Context, anchors ...audit.Head) (int64, audit.Head, *audit.Problem, error) {
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return 0, audit.Head{}, nil, fmt.Errorf("verifying the audit log: %w", err)
	}
	defer tx.Rollback()
	var head audit.Head
	if err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&head.Seq, &head.Hash); err != nil {
		return 0, audit.Head{}, nil, fmt.Errorf("verifying the audit log: reading its head: %w", err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT seq, at, actor, action, object, outcome, details, prev_hash, hash FROM audit_log ORDER BY seq`)
	if err != nil {
		return 0, audit.Head{}, nil, fmt.Errorf("verifying the audit log: %w", err)
	}
	defer rows.Close()
	v := audit.NewVerifier(anchors...)
	for rows.Next() {
		var r audit.Record
		var at int64
		var details string
		if err := rows.Scan(&r.Seq, &at, &r.Actor, &r.Action, &r.Object, &r.Outcome, &details, &r.PrevHash, &r.Hash); err != nil {
			return 0, audit.Head{}, nil, fmt.Errorf("verifying the audit log: %w", err)
		}
		r.Time = time.UnixMilli(at).UTC()
		r.Details = []byte(details)
		if p := v.Add(r); p != nil {
			n, last := v.Verified()
			return n, last, p, nil
		}
	}
	if err := rows.Err(); err != nil {
		return 0, audit.Head{}, nil, fmt.Errorf("verifying the audit log: %w", err)
	}
	p := v.End(head)
	n, last := v.Verified()
	return n, last, p, nil
}

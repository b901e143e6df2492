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
	"github.com/custos-archive/custos/compliance/retention"
	"github.com/custos-archive/custos/store/blob"
)

// The life of a copy: live (in its folder, searched, listed, exported);
// deleted, by an operator or a retention policy (hidden, but kept whole and
// recoverable, with who, when and why); then purged (its row and its index
// row removed; the item too when no copy of it is left and it is not in the
// quarantine; and the blobs no item refers to any more). A copy under a hold
// is never deleted and never purged; a copy within a retention period is
// never purged. Those rules are checked in the transaction that deletes or
// purges, against the holds and policies as they are in it.

// ErrBlobPurged is returned by Archive when an attachment's bytes were
// deleted, as no longer used, between the moment the import stored them and
// the moment it committed. Import the items again: nothing is lost.
var ErrBlobPurged = errors.New("an attachment's bytes were purged while the batch was being archived; import again")

// chunk is how many copies one deletion, recovery or purge transaction
// handles, so that the write lock is never held for long.
const chunk = 500

// CopyState is an archived copy as holds and retention see it.
type CopyState struct {
	ID         int64
	ItemID     int64
	MailboxID  int64
	Mailbox    string
	Folder     string
	Source     string
	Kind       string
	SourceID   string
	MessageID  string
	UID        uint32
	Sent       time.Time
	DeletedAt  time.Time // zero while the copy is live
	DeletedBy  string
	DeletedWhy string
}

// Deleted reports whether the copy is in the recoverable stage.
func (c CopyState) Deleted() bool { return !c.DeletedAt.IsZero() }

// Retention returns what the retention rules need of the copy.
func (c CopyState) Retention() retention.Copy {
	return retention.Copy{Source: c.Source, Folder: c.Folder, Mailbox: c.Mailbox, Sent: c.Sent}
}

// Stage selects copies by where they are in their life.
type Stage int

const (
	Live    Stage = iota // in their folders
	Deleted              // in the recoverable stage
	AnyStage
)

// CopyFilter selects copies.
type CopyFilter struct {
	Stage Stage
	IDs   []int64 // only these; all when nil
	// DeletedBefore, when set, keeps deleted copies deleted at or before it.
	DeletedBefore time.Time
}

const copyStateCols = `c.id, c.item_id, f.mailbox_id, m.address, f.name, c.source, c.kind, i.source_id, i.message_id, c.uid, c.sent_at,
	c.deleted_at, c.deleted_by, c.deleted_why
	FROM copies c JOIN folders f ON f.id = c.folder_id JOIN mailboxes m ON m.id = f.mailbox_id JOIN items i ON i.id = c.item_id`

// CopyStates calls fn for each selected copy, in copy id order (the order
// of the items' times).
func (s *Store) CopyStates(ctx context.Context, f CopyFilter, fn func(CopyState) error) error {
	if f.IDs != nil {
		for _, part := range chunks(f.IDs) {
			cs, err := copyStates(ctx, s.r, f, part)
			if err != nil {
				return fmt.Errorf("listing copies: %w", err)
			}
			for _, c := range cs {
				if err := fn(c); err != nil {
					return err
				}
			}
		}
		return nil
	}
	// Page through all copies by id, so fn may run other queries.
	after := int64(-1 << 62)
	for {
		cs, err := copyStatesAfter(ctx, s.r, f, after, 1000)
		if err != nil {
			return fmt.Errorf("listing copies: %w", err)
		}
		for _, c := range cs {
			if err := fn(c); err != nil {
				return err
			}
		}
		if len(cs) < 1000 {
			return nil
		}
		after = cs[len(cs)-1].ID
	}
}

func stageWhere(f CopyFilter) (string, []any) {
	var where string
	var args []any
	switch f.Stage {
	case Live:
		where = " AND c.deleted_at IS NULL"
	case Deleted:
		where = " AND c.deleted_at IS NOT NULL"
	}
	if !f.DeletedBefore.IsZero() {
		where += " AND c.deleted_at IS NOT NULL AND c.deleted_at <= ?"
		args = append(args, f.DeletedBefore.UnixMilli())
	}
	return where, args
}

func copyStates(ctx context.Context, q querier, f CopyFilter, ids []int64) ([]CopyState, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	where, args := stageWhere(f)
	return scanCopyStates(q.QueryContext(ctx, `SELECT `+copyStateCols+` WHERE c.id IN (`+placeholders(len(ids))+`)`+where+` ORDER BY c.id`,
		append(int64Args(ids), args...)...))
}

func copyStatesAfter(ctx context.Context, q querier, f CopyFilter, after int64, limit int) ([]CopyState, error) {
	where, args := stageWhere(f)
	return scanCopyStates(q.QueryContext(ctx, `SELECT `+copyStateCols+` WHERE c.id > ?`+where+` ORDER BY c.id LIMIT ?`,
		append(append([]any{after}, args...), limit)...))
}

func scanCopyStates(rows *sql.Rows, err error) ([]CopyState, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var cs []CopyState
	for rows.Next() {
		var c CopyState
		var sent int64
		var deleted sql.NullInt64
		if err := rows.Scan(&c.ID, &c.ItemID, &c.MailboxID, &c.Mailbox, &c.Folder, &c.Source, &c.Kind, &c.SourceID, &c.MessageID, &c.UID,
			&sent, &deleted, &c.DeletedBy, &c.DeletedWhy); err != nil {
			return nil, err
		}
		c.Sent = time.UnixMilli(sent).UTC()
		if deleted.Valid {
			c.DeletedAt = time.UnixMilli(deleted.Int64).UTC()
		}
		cs = append(cs, c)
	}
	return cs, rows.Err()
}

// HoldConds are the compiled conditions of query holds, by hold id.
type HoldConds map[int64]Cond

// CompileHolds compiles the query of every hold in place (package
// compliance does it with package search). Deletions and purges call it
// before they start, and again when a query hold was placed meanwhile: a
// query hold without its condition fails the transaction
// (ErrHoldsChanged), so no copy is ever judged without every hold.
type CompileHolds func(ctx context.Context) (HoldConds, error)

// holdsRetries is how often a transaction is retried when query holds
// were placed while it was prepared.
const holdsRetries = 5

// withHolds runs fn with the compiled holds (in *conds, compiled on first
// use), compiling again and running fn again when a query hold was placed
// meanwhile.
func withHolds(ctx context.Context, compile CompileHolds, conds *HoldConds, fn func(HoldConds) error) error {
	for try := 0; ; try++ {
		if *conds == nil {
			c := HoldConds{}
			if compile != nil {
				var err error
				if c, err = compile(ctx); err != nil {
					return err
				}
			}
			*conds = c
		}
		err := fn(*conds)
		if errors.Is(err, ErrHoldsChanged) && try < holdsRetries {
			*conds = nil
			continue
		}
		return err
	}
}

// HeldCopy is a copy a hold kept from a deletion or purge.
type HeldCopy struct {
	CopyState
	Hold hold.Hold
}

// heldCopies returns, for each of cs that an active hold covers at now, the
// first such hold.
func heldCopies(ctx context.Context, q querier, now time.Time, cs []CopyState, conds HoldConds) (map[int64]hold.Hold, error) {
	held := map[int64]hold.Hold{}
	if len(cs) == 0 {
		return held, nil
	}
	hs, err := loadHolds(ctx, q, "WHERE h.released_at IS NULL")
	if err != nil {
		return nil, fmt.Errorf("reading holds: %w", err)
	}
	var folders []folderRef
	for _, h := range hs {
		in := map[string]bool{}
		for _, m := range h.Mailboxes {
			in[m] = true
		}
		var cand []int64
		for _, c := range cs {
			if _, done := held[c.ID]; !done && in[c.Mailbox] && h.Covers(c.Sent, now) {
				cand = append(cand, c.ID)
			}
		}
		if h.Kind == hold.Mailbox {
			for _, id := range cand {
				held[id] = h
			}
			continue
		}
		cond, ok := conds[h.ID]
		if !ok {
			return nil, fmt.Errorf("query hold %d: %w", h.ID, ErrHoldsChanged)
		}
		if len(cand) == 0 {
			continue
		}
		if folders == nil {
			if folders, err = loadFolders(ctx, q); err != nil {
				return nil, err
			}
		}
		b := &sqlBuilder{folders: folders}
		where, err := b.cond(cond)
		if err != nil {
			return nil, fmt.Errorf("query hold %d: %w", h.ID, err)
		}
		ids, err := scanInt64s(q.QueryContext(ctx, `SELECT c.id FROM copies c WHERE c.id IN (`+placeholders(len(cand))+`) AND (`+where+`)`,
			append(int64Args(cand), b.args...)...))
		if err != nil {
			return nil, fmt.Errorf("query hold %d: %w", h.ID, err)
		}
		for _, id := range ids {
			held[id] = h
		}
	}
	return held, nil
}

// HeldCopies returns, for each copy of ids a hold covers now, the first
// such hold: what a deletion or purge of them would refuse.
func (s *Store) HeldCopies(ctx context.Context, ids []int64, compile CompileHolds) (map[int64]hold.Hold, error) {
	var out map[int64]hold.Hold
	var conds HoldConds
	err := withHolds(ctx, compile, &conds, func(conds HoldConds) error {
		out = map[int64]hold.Hold{}
		tx, err := s.r.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		now := s.now()
		for _, part := range chunks(ids) {
			cs, err := copyStates(ctx, tx, CopyFilter{Stage: AnyStage}, part)
			if err != nil {
				return err
			}
			held, err := heldCopies(ctx, tx, now, cs, conds)
			if err != nil {
				return err
			}
			for id, h := range held {
				out[id] = h
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("checking holds: %w", err)
	}
	return out, nil
}

// errDryRun rolls back a dry run's transaction.
var errDryRun = errors.New("dry run")

// writeOrDry runs fn in a write transaction, committed unless dry.
func (s *Store) writeOrDry(ctx context.Context, dry bool, fn func(tx *sql.Tx) error) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		if dry {
			return errDryRun
		}
		return nil
	})
	if dry && errors.Is(err, errDryRun) {
		return nil
	}
	return err
}

// Deletion moves live copies to the recoverable stage.
type Deletion struct {
	Copies []int64
	Actor  string
	Why    string // kept with each copy: "operator: …", "policy 3 …"
	// Object and Details go into the audit record, one per transaction.
	Object  string
	Details map[string]any
	Holds   CompileHolds
	DryRun  bool // check and report, change nothing
}

// DeletionResult is what a deletion did.
type DeletionResult struct {
	Deleted []CopyState
	Held    []HeldCopy // kept live by a hold
	Skipped int        // not live any more (deleted or purged meanwhile)
}

// DeleteCopies moves live copies to the recoverable stage, except those an
// active hold covers, which stay live. Each transaction of up to 500 copies
// checks the holds as they are in it and records one audit entry (outcome
// refused when every copy was held). A copy no longer live is skipped.
func (s *Store) DeleteCopies(ctx context.Context, d Deletion) (*DeletionResult, error) {
	if strings.TrimSpace(d.Actor) == "" {
		return nil, errors.New("deleting copies: say who deletes them")
	}
	res := &DeletionResult{}
	parts := chunks(d.Copies)
	if len(parts) == 0 {
		parts = [][]int64{nil}
	}
	var conds HoldConds
	for _, part := range parts {
		var deleted []CopyState
		var heldCs []HeldCopy
		skipped := 0
		err := withHolds(ctx, d.Holds, &conds, func(conds HoldConds) error {
			return s.writeOrDry(ctx, d.DryRun, func(tx *sql.Tx) error {
				deleted, heldCs, skipped = nil, nil, 0
				now := s.now()
				cs, err := copyStates(ctx, tx, CopyFilter{Stage: Live}, part)
				if err != nil {
					return err
				}
				skipped = len(part) - len(cs)
				held, err := heldCopies(ctx, tx, now, cs, conds)
				if err != nil {
					return err
				}
				for _, c := range cs {
					if h, ok := held[c.ID]; ok {
						heldCs = append(heldCs, HeldCopy{c, h})
						continue
					}
					if _, err := tx.ExecContext(ctx, `UPDATE copies SET deleted_at = ?, deleted_by = ?, deleted_why = ? WHERE id = ? AND deleted_at IS NULL`,
						now.UnixMilli(), d.Actor, d.Why, c.ID); err != nil {
						return err
					}
					c.DeletedAt, c.DeletedBy, c.DeletedWhy = time.UnixMilli(now.UnixMilli()).UTC(), d.Actor, d.Why
					deleted = append(deleted, c)
				}
				outcome := audit.Success
				if len(deleted) == 0 && len(heldCs) > 0 {
					outcome = audit.Refused
				}
				_, err = s.appendAudit(ctx, tx, audit.Entry{Actor: d.Actor, Action: audit.Delete, Object: d.Object, Outcome: outcome,
					Details: withDetails(d.Details, map[string]any{"why": d.Why, "deleted": len(deleted), "copies": copyIDs(deleted),
						"held": heldSummary(heldCs), "skipped": skipped})})
				return err
			})
		})
		if err != nil {
			return res, fmt.Errorf("deleting copies: %w", err)
		}
		res.Deleted = append(res.Deleted, deleted...)
		res.Held = append(res.Held, heldCs...)
		res.Skipped += skipped
	}
	return res, nil
}

// Recovery brings deleted copies back to their folders.
type Recovery struct {
	Copies  []int64
	Actor   string
	Object  string
	Details map[string]any
	DryRun  bool
}

// RecoverCopies brings copies in the recoverable stage back to their
// folders, each with a new UID (a client that saw the copy go must see a new
// message come), and records one audit entry per transaction. A copy not in
// the recoverable stage (purged meanwhile, or live) is skipped.
func (s *Store) RecoverCopies(ctx context.Context, r Recovery) ([]CopyState, int, error) {
	if strings.TrimSpace(r.Actor) == "" {
		return nil, 0, errors.New("recovering copies: say who recovers them")
	}
	var out []CopyState
	skippedAll := 0
	parts := chunks(r.Copies)
	if len(parts) == 0 {
		parts = [][]int64{nil}
	}
	for _, part := range parts {
		var got []CopyState
		skipped := 0
		err := s.writeOrDry(ctx, r.DryRun, func(tx *sql.Tx) error {
			got = nil
			cs, err := copyStates(ctx, tx, CopyFilter{Stage: Deleted}, part)
			if err != nil {
				return err
			}
			skipped = len(part) - len(cs)
			for _, c := range cs {
				var uid uint32
				if err := tx.QueryRowContext(ctx, `UPDATE folders SET uid_next = uid_next + 1 WHERE id = (SELECT folder_id FROM copies WHERE id = ?) RETURNING uid_next - 1`, c.ID).Scan(&uid); err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, `UPDATE copies SET deleted_at = NULL, deleted_by = '', deleted_why = '', uid = ? WHERE id = ?`, uid, c.ID); err != nil {
					return err
				}
				c.UID, c.DeletedAt, c.DeletedBy, c.DeletedWhy = uid, time.Time{}, "", ""
				got = append(got, c)
			}
			_, err = s.appendAudit(ctx, tx, audit.Entry{Actor: r.Actor, Action: audit.Recover, Object: r.Object,
				Details: withDetails(r.Details, map[string]any{"recovered": len(got), "copies": copyIDs(got), "skipped": skipped})})
			return err
		})
		if err != nil {
			return out, skippedAll, fmt.Errorf("recovering copies: %w", err)
		}
		out = append(out, got...)
		skippedAll += skipped
	}
	return out, skippedAll, nil
}

// PurgeRequest asks for copies in the recoverable stage to be removed for
// good.
type PurgeRequest struct {
	Copies []int64
	// DeletedBefore: only copies deleted at or before it are purged (the
	// recovery period); zero for any deleted copy.
	DeletedBefore time.Time
	Actor         string
	Why           string
	Holds         CompileHolds
	DryRun        bool
}

// RetainedCopy is a copy a retention policy kept from a purge.
type RetainedCopy struct {
	CopyState
	Policy retention.Policy
	Until  time.Time
}

// PurgeResult is what a purge did.
type PurgeResult struct {
	Purged   []CopyState
	Held     []HeldCopy     // refused: under a hold
	Retained []RetainedCopy // refused: within a retention period
	Skipped  int            // not in the recoverable stage (long enough)
	Items    int            // items removed with their last copy
	Blobs    int            // blobs deleted as no longer used
}

// Purge removes copies from the recoverable stage for good: a copy under a
// hold or within a retention period (as they are in the purging
// transaction) is refused and left as it is. Each purged copy gets an audit
// record (what it was, who deleted it and why) in the transaction that
// removes it. An item whose last copy goes, and that is not in the
// quarantine, goes with it, and then the blobs no item uses any more.
func (s *Store) Purge(ctx context.Context, r PurgeRequest) (*PurgeResult, error) {
	if strings.TrimSpace(r.Actor) == "" {
		return nil, errors.New("purging: say who purges")
	}
	res := &PurgeResult{}
	var conds HoldConds
	for _, part := range chunks(r.Copies) {
		var pr PurgeResult
		err := withHolds(ctx, r.Holds, &conds, func(conds HoldConds) error {
			return s.writeOrDry(ctx, r.DryRun, func(tx *sql.Tx) error {
				pr = PurgeResult{}
				now := s.now()
				f := CopyFilter{Stage: Deleted, DeletedBefore: r.DeletedBefore}
				cs, err := copyStates(ctx, tx, f, part)
				if err != nil {
					return err
				}
				pr.Skipped = len(part) - len(cs)
				held, err := heldCopies(ctx, tx, now, cs, conds)
				if err != nil {
					return err
				}
				pols, err := loadPolicies(ctx, tx, "")
				if err != nil {
					return err
				}
				items := map[int64]bool{}
				var es []audit.Entry
				for _, c := range cs {
					if h, ok := held[c.ID]; ok {
						pr.Held = append(pr.Held, HeldCopy{c, h})
						continue
					}
					if d := retention.Evaluate(pols, c.Retention()); d.Retained(now) {
						pr.Retained = append(pr.Retained, RetainedCopy{c, *d.Retainer, d.RetainUntil})
						continue
					}
					// The copy's index row and its delivery state go with it.
					for _, q := range []string{`DELETE FROM items_fts WHERE rowid = ?`, `DELETE FROM deliveries WHERE copy_id = ?`} {
						if _, err := tx.ExecContext(ctx, q, c.ID); err != nil {
							return err
						}
					}
					if _, err := tx.ExecContext(ctx, `DELETE FROM copies WHERE id = ?`, c.ID); err != nil {
						return err
					}
					items[c.ItemID] = true
					pr.Purged = append(pr.Purged, c)
					es = append(es, audit.Entry{Actor: r.Actor, Action: audit.Purge, Object: copyObject(c.ID), Details: map[string]any{
						"why": r.Why, "mailbox": c.Mailbox, "folder": c.Folder, "uid": c.UID, "source": c.Source, "source_id": c.SourceID,
						"message_id": c.MessageID, "sent": c.Sent.Format(time.RFC3339), "deleted_at": c.DeletedAt.Format(time.RFC3339Nano),
						"deleted_by": c.DeletedBy, "deleted_why": c.DeletedWhy}})
				}
				n, err := dropOrphanItems(ctx, tx, items, now)
				if err != nil {
					return err
				}
				pr.Items = n
				if len(es) > 0 {
					_, err = s.appendAudit(ctx, tx, es...)
				}
				return err
			})
		})
		if err != nil {
			return res, fmt.Errorf("purging: %w", err)
		}
		res.Purged = append(res.Purged, pr.Purged...)
		res.Held = append(res.Held, pr.Held...)
		res.Retained = append(res.Retained, pr.Retained...)
		res.Skipped += pr.Skipped
		res.Items += pr.Items
	}
	if !r.DryRun {
		n, err := s.CollectBlobs(ctx)
		res.Blobs = n
		if err != nil {
			return res, err
		}
	}
	return res, nil
}

// dropOrphanItems deletes the items (of ids) that have no copy left and are
// not in the quarantine, with their blob references, and puts the blobs no
// item refers to any more in the trash.
func dropOrphanItems(ctx context.Context, tx *sql.Tx, ids map[int64]bool, now time.Time) (int, error) {
	n := 0
	for id := range ids {
		var used bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM copies WHERE item_id = ?) OR EXISTS (SELECT 1 FROM quarantine WHERE item_id = ?)`, id, id).Scan(&used); err != nil {
			return n, err
		}
		if used {
			continue
		}
		shas, err := scanStrings(tx.QueryContext(ctx, `SELECT sha256 FROM item_blobs WHERE item_id = ?`, id))
		if err != nil {
			return n, err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM item_blobs WHERE item_id = ?`, id); err != nil {
			return n, err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM items WHERE id = ?`, id); err != nil {
			return n, err
		}
		n++
		for _, sha := range shas {
			if _, err := tx.ExecContext(ctx, `INSERT INTO blob_trash (sha256, since) SELECT ?, ? WHERE NOT EXISTS (SELECT 1 FROM item_blobs WHERE sha256 = ?)
				ON CONFLICT (sha256) DO UPDATE SET since = excluded.since, deleted_at = NULL`, sha, now.UnixMilli(), sha); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

// tombstoneDays is how long the row of a deleted blob is kept: longer than
// any import takes between storing an attachment and committing its item.
const tombstoneDays = 7

// CollectBlobs deletes the blobs in the trash that no item refers to, under
// the write lock (so no import commits a reference to one meanwhile), and
// returns how many it deleted.
func (s *Store) CollectBlobs(ctx context.Context) (int, error) {
	n := 0
	err := s.write(ctx, func(tx *sql.Tx) error {
		n = 0
		now := s.now().UnixMilli()
		if _, err := tx.ExecContext(ctx, `DELETE FROM blob_trash WHERE deleted_at IS NULL AND EXISTS (SELECT 1 FROM item_blobs b WHERE b.sha256 = blob_trash.sha256)`); err != nil {
			return err
		}
		shas, err := scanStrings(tx.QueryContext(ctx, `SELECT sha256 FROM blob_trash WHERE deleted_at IS NULL`))
		if err != nil {
			return err
		}
		for _, sha := range shas {
			if err := s.blobs.Delete(ctx, sha); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE blob_trash SET deleted_at = ? WHERE sha256 = ?`, now, sha); err != nil {
				return err
			}
			n++
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM blob_trash WHERE deleted_at < ?`, now-tombstoneDays*24*3600*1000)
		return err
	})
	if err != nil {
		return n, fmt.Errorf("collecting unused blobs: %w", err)
	}
	return n, nil
}

// blobReviver returns a check for Archive: a blob an item is about to refer
// to that is in the trash comes out of it, provided its bytes are still
// there (they may have been deleted after this import stored them, and
// then the batch fails with ErrBlobPurged).
func (s *Store) blobReviver(ctx context.Context, tx *sql.Tx) (func(sha string) error, error) {
	var trash bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM blob_trash)`).Scan(&trash); err != nil {
		return nil, err
	}
	return func(sha string) error {
		if !trash {
			return nil
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM blob_trash WHERE sha256 = ?`, sha)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		if _, err := s.blobs.Stat(ctx, sha); errors.Is(err, blob.ErrNotFound) {
			return fmt.Errorf("blob %s: %w", sha, ErrBlobPurged)
		} else if err != nil {
			return err
		}
		return nil
	}, nil
}

func copyObject(id int64) string { return fmt.Sprintf("copy:%d", id) }

func copyIDs(cs []CopyState) []int64 {
	ids := make([]int64, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	return ids
}

// heldSummary counts held copies by hold, for an audit record.
func heldSummary(hs []HeldCopy) map[string]int {
	m := map[string]int{}
	for _, h := range hs {
		m[holdObject(h.Hold.ID)]++
	}
	return m
}

func withDetails(base, more map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range base {
		out[k] = v
	}
	for k, v := range more {
		out[k] = v
	}
	return out
}

func chunks(ids []int64) [][]int64 {
	var out [][]int64
	for len(ids) > 0 {
		n := min(len(ids), chunk)
		out = append(out, ids[:n])
		ids = ids[n:]
	}
	return out
}

func placeholders(n int) string {
	if n == 0 {
		return "NULL"
	}
	return strings.Repeat("?,", n-1) + "?"
}

func int64Args(ids []int64) []any {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return args
}

func scanInt64s(rows *sql.Rows, err error) ([]int64, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func scanStrings(rows *sql.Rows, err error) ([]string, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	sort.Strings(out)
	return out, rows.Err()
}

package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/custos-archive/custos/connector/convert"
	"github.com/custos-archive/custos/item"
)

// NewItem is an item ready to be archived: converted, its attachments in the
// blob store, and mapped.
type NewItem struct {
	// Item is the item, its attachments referring to blobs (Blob set, Data
	// and Path empty).
	Item *item.Item
	// Message is the converted message.
	Message *convert.Message
	// SHA256 and Size are those of the rendered message.
	SHA256 string
	Size   int64
	// Folders are the mailboxes to file the item in, each with the folder
	// name. Empty means the item goes to the quarantine.
	Mailboxes []int64
	// Quarantine says why the item mapped to nobody, when Mailboxes is empty.
	Quarantine *Quarantine
	// Doc is the text the item is indexed under (package search makes it).
	Doc Doc

	packed *packed
}

type packed struct{ skeleton, item []byte }

// Pack prepares the item's stored form (its JSON and the message skeleton,
// deflated). Archive does it when the caller has not; callers that prepare
// items on several cores call Pack there, so the single writer does not.
func (n *NewItem) Pack() error {
	meta, err := json.Marshal(n.Item)
	if err != nil {
		return fmt.Errorf("item %q: %w", n.Item.SourceID, err)
	}
	n.packed = &packed{skeleton: packSkeleton(n.Message.Skeleton), item: packSkeleton(meta)}
	return nil
}

// Doc is the token streams an item is indexed under, one per index column.
// Package search makes them; the store writes them with the item.
type Doc struct {
	Sender, Recipients, Subject, Body, AttNames, AttText string
}

// Quarantine is why an item mapped to no mailbox.
type Quarantine struct {
	Reason  string   // human reason, one clause per participant
	Numbers []string // the participants' numbers (or ids where no number)
	Mapping string   // the name of the mapping table used
	Auto    bool     // whether automatic mapping by email property was on
}

// Outcome is what archiving did with one item.
type Outcome struct {
	ItemID      int64
	Duplicate   bool // the item was already archived; nothing changed
	Copies      int  // copies filed
	Quarantined bool
}

// Archive stores a batch of items in one transaction: each new item once,
// a copy in the source's folder of each of its mailboxes, or a quarantine
// entry. An item already archived (same source and source id) is left as it
// is and reported as a duplicate. When Archive returns without error the
// whole batch is durable. A connector's checkpoint, when given, moves in
// the same transaction.
func (s *Store) Archive(ctx context.Context, batch []NewItem, cp *Checkpoint) ([]Outcome, error) {
	out := make([]Outcome, len(batch))
	now := s.now()
	// The blobs the batch refers to are made durable before the rows that
	// name them are committed.
	if err := s.blobs.Sync(ctx); err != nil {
		return nil, err
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		insItem, err := tx.PrepareContext(ctx, `INSERT INTO items (source, source_id, kind, conversation_id, sent_at, message_id, size, sha256, skeleton, holes, item, archived_at, has_attachment)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source, source_id) DO NOTHING`)
		if err != nil {
			return err
		}
		defer insItem.Close()
		insBlob, err := tx.PrepareContext(ctx, `INSERT OR IGNORE INTO item_blobs (item_id, sha256, size) VALUES (?, ?, ?)`)
		if err != nil {
			return err
		}
		defer insBlob.Close()
		f := newFiler(ctx, tx, now)
		defer f.close()
		revive, err := s.blobReviver(ctx, tx)
		if err != nil {
			return err
		}
		for i := range batch {
			n := &batch[i]
			it := n.Item
			if n.packed == nil {
				if err := n.Pack(); err != nil {
					return err
				}
			}
			res, err := insItem.ExecContext(ctx, string(it.Source), it.SourceID, string(it.Kind), it.Conversation.ID,
				it.Time.UnixMilli(), convert.MessageID(it.Source, it.SourceID), n.Size, n.SHA256,
				n.packed.skeleton, formatHoles(n.Message.Holes), n.packed.item, now.UnixMilli(), len(n.Message.Holes) > 0)
			if err != nil {
				return fmt.Errorf("item %q: %w", it.SourceID, err)
			}
			if k, err := res.RowsAffected(); err != nil || k == 0 {
				out[i].Duplicate = true
				continue
			}
			id, err := res.LastInsertId()
			if err != nil {
				return fmt.Errorf("item %q: %w", it.SourceID, err)
			}
			out[i].ItemID = id
			for _, h := range n.Message.Holes {
				if _, err := insBlob.ExecContext(ctx, id, h.SHA256, h.Size); err != nil {
					return err
				}
				if err := revive(h.SHA256); err != nil {
					return fmt.Errorf("item %q: %w", it.SourceID, err)
				}
			}
			if len(n.Mailboxes) == 0 {
				q := n.Quarantine
				if q == nil {
					q = &Quarantine{Reason: "no mailbox given"}
				}
				if err := insertQuarantine(ctx, tx, id, q, now); err != nil {
					return err
				}
				out[i].Quarantined = true
				continue
			}
			facts := copyFacts{itemID: id, source: string(it.Source), kind: string(it.Kind), sentAt: it.Time.UnixMilli(),
				archivedAt: now.UnixMilli(), size: n.Size, hasAttachment: len(n.Message.Holes) > 0}
			c, err := f.file(facts, n.Mailboxes, it.Source.Folder(), n.Doc)
			if err != nil {
				return fmt.Errorf("filing item %q: %w", it.SourceID, err)
			}
			out[i].Copies = c
		}
		if err := f.index(); err != nil {
			return err
		}
		if cp != nil {
			return applyCheckpoint(ctx, tx, cp, batch, out, now)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("archiving a batch of %d items: %w", len(batch), err)
	}
	return out, nil
}

// copyFacts are the item facts a copy carries for searches.
type copyFacts struct {
	itemID        int64
	source, kind  string
	sentAt        int64 // ms
	archivedAt    int64 // ms
	size          int64
	hasAttachment bool
}

// Copy ids are ordered by the item's time: the seconds since 1970 (34 bits),
// then the folder id (21 bits), then a sequence number (8 bits) among the
// copies of one second in one folder (the next second is borrowed when 256
// are taken). So the newest copies have the highest ids, and the full-text
// index, whose rowids are copy ids, returns the newest hits first without
// a sort.
const (
	copySeqBits    = 8
	copyFolderBits = 21
	maxCopyFolder  = 1<<copyFolderBits - 1
	copyIDTries    = 1000 // seconds a full second's copies may move forward
)

// CopyFolder returns the folder id a copy id holds.
func CopyFolder(copyID int64) int64 { return copyID >> copySeqBits & maxCopyFolder }

// filer files copies of items into folders within one transaction. The
// next UID of each folder it files into is read once, counted in memory and
// written back once, at the end of the batch (index).
type filer struct {
	ctx     context.Context
	tx      *sql.Tx
	now     time.Time
	folders map[folderKey]*filerFolder
	touched []*filerFolder
	docs    []pendingDoc
	ins     *sql.Stmt
	doc     *sql.Stmt
	seq     *sql.Stmt
	dup     *sql.Stmt
	err     error
}

type folderKey struct {
	mailbox int64
	name    string
}

type filerFolder struct {
	id, uidNext int64
	dirty       bool
}

func newFiler(ctx context.Context, tx *sql.Tx, now time.Time) *filer {
	f := &filer{ctx: ctx, tx: tx, now: now, folders: map[folderKey]*filerFolder{}}
	f.ins, f.err = tx.PrepareContext(ctx, `INSERT INTO copies (id, folder_id, item_id, uid, filed_at, mailbox_id, source, kind, sent_at, archived_at, size, has_attachment)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`)
	if f.err == nil {
		f.doc, f.err = tx.PrepareContext(ctx, `INSERT INTO items_fts (rowid, sender, recipients, subject, body, attnames, atttext) VALUES (?, ?, ?, ?, ?, ?, ?)`)
	}
	if f.err == nil {
		f.seq, f.err = tx.PrepareContext(ctx, `SELECT MAX(id) FROM copies WHERE id BETWEEN ? AND ?`)
	}
	if f.err == nil {
		f.dup, f.err = tx.PrepareContext(ctx, `SELECT EXISTS (SELECT 1 FROM copies WHERE folder_id = ? AND item_id = ?)`)
	}
	return f
}

type pendingDoc struct {
	id  int64
	doc Doc
}

// index writes the full-text rows of the copies filed, all at once at the
// end of the transaction: FTS5 keeps them in memory until a statement
// savepoint makes it flush, and every INSERT ... ON CONFLICT of an item
// opens one. Interleaved, each item became its own index segment, merged
// again and again (most of the write transaction's time); together, the
// batch is one segment. It also writes back the folders' next UIDs.
func (f *filer) index() error {
	if f.err != nil {
		return f.err
	}
	// FTS5 flushes its pending rows to a new segment whenever a rowid is
	// lower than the one before: in id order, the batch is one segment.
	slices.SortFunc(f.docs, func(a, b pendingDoc) int { return cmp.Compare(a.id, b.id) })
	for _, d := range f.docs {
		if _, err := f.doc.ExecContext(f.ctx, d.id, d.doc.Sender, d.doc.Recipients, d.doc.Subject, d.doc.Body, d.doc.AttNames, d.doc.AttText); err != nil {
			return fmt.Errorf("indexing: %w", err)
		}
	}
	f.docs = f.docs[:0]
	for _, fo := range f.touched {
		if _, err := f.tx.ExecContext(f.ctx, `UPDATE folders SET uid_next = ? WHERE id = ?`, fo.uidNext, fo.id); err != nil {
			return fmt.Errorf("folder %d: %w", fo.id, err)
		}
		fo.dirty = false
	}
	f.touched = f.touched[:0]
	return nil
}

func (f *filer) close() {
	for _, s := range []*sql.Stmt{f.ins, f.doc, f.seq, f.dup} {
		if s != nil {
			s.Close()
		}
	}
}

// folder returns the folder of that name in the mailbox, made if needed,
// with its next UID.
func (f *filer) folder(mailbox int64, name string) (*filerFolder, error) {
	k := folderKey{mailbox, name}
	if fo, ok := f.folders[k]; ok {
		return fo, nil
	}
	id, err := folderTx(f.ctx, f.tx, mailbox, name, f.now)
	if err != nil {
		return nil, err
	}
	fo := &filerFolder{id: id}
	if err := f.tx.QueryRowContext(f.ctx, `SELECT uid_next FROM folders WHERE id = ?`, id).Scan(&fo.uidNext); err != nil {
		return nil, fmt.Errorf("folder %d: %w", id, err)
	}
	f.folders[k] = fo
	return fo, nil
}

// copyID returns a free copy id for an item sent at sentMS in the folder
// (whose id file has checked against maxCopyFolder).
func (f *filer) copyID(sentMS, folderID int64) (int64, error) {
	sec := max(sentMS/1000, 0)
	for try := 0; try < copyIDTries; try++ {
		base := (sec+int64(try))<<(copyFolderBits+copySeqBits) | folderID<<copySeqBits
		var last sql.NullInt64
		if err := f.seq.QueryRowContext(f.ctx, base, base+1<<copySeqBits-1).Scan(&last); err != nil {
			return 0, err
		}
		if !last.Valid {
			return base, nil
		}
		if last.Int64 < base+1<<copySeqBits-1 {
			return last.Int64 + 1, nil
		}
	}
	return 0, fmt.Errorf("no free copy id near %d in folder %d", sec, folderID)
}

// file puts a copy of the item into the named folder of each mailbox, and
// into the full-text index, and returns the number of copies made.
//
// Most items are the only one of their second in their folder: the copy is
// first inserted with the second's first id, and only when that fails (the
// id is taken, or the item is already in the folder) is the free id looked
// up.
func (f *filer) file(it copyFacts, mailboxes []int64, folder string, doc Doc) (int, error) {
	if f.err != nil {
		return 0, f.err
	}
	n := 0
	for _, mb := range mailboxes {
		fo, err := f.folder(mb, folder)
		if err != nil {
			return n, err
		}
		if fo.id > maxCopyFolder {
			return n, fmt.Errorf("folder id %d: the embedded store holds at most %d folders; move to PostgreSQL", fo.id, maxCopyFolder)
		}
		insert := func(id int64) (bool, error) {
			res, err := f.ins.ExecContext(f.ctx, id, fo.id, it.itemID, fo.uidNext, f.now.UnixMilli(), mb, it.source, it.kind, it.sentAt, it.archivedAt,
				it.size, it.hasAttachment)
			if err != nil {
				return false, err
			}
			k, err := res.RowsAffected()
			return k == 1, err
		}
		id := max(it.sentAt/1000, 0)<<(copyFolderBits+copySeqBits) | fo.id<<copySeqBits
		ok, err := insert(id)
		if err != nil {
			return n, err
		}
		if !ok {
			var dup bool
			if err := f.dup.QueryRowContext(f.ctx, fo.id, it.itemID).Scan(&dup); err != nil {
				return n, err
			}
			if dup {
				continue
			}
			if id, err = f.copyID(it.sentAt, fo.id); err != nil {
				return n, err
			}
			if ok, err = insert(id); err != nil {
				return n, err
			}
			if !ok {
				return n, fmt.Errorf("copy id %d in folder %d: taken", id, fo.id)
			}
		}
		fo.uidNext++
		if !fo.dirty {
			fo.dirty = true
			f.touched = append(f.touched, fo)
		}
		f.docs = append(f.docs, pendingDoc{id, doc})
		n++
	}
	return n, nil
}

func formatHoles(hs []convert.Hole) string {
	parts := make([]string, len(hs))
	for i, h := range hs {
		parts[i] = strconv.Itoa(h.Offset) + ":" + h.SHA256 + ":" + strconv.FormatInt(h.Size, 10)
	}
	return strings.Join(parts, ",")
}

func parseHoles(s string) ([]convert.Hole, error) {
	if s == "" {
		return nil, nil
	}
	var hs []convert.Hole
	for _, p := range strings.Split(s, ",") {
		f := strings.Split(p, ":")
		if len(f) != 3 {
			return nil, fmt.Errorf("bad hole %q", p)
		}
		off, err1 := strconv.Atoi(f[0])
		size, err2 := strconv.ParseInt(f[2], 10, 64)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("bad hole %q", p)
		}
		hs = append(hs, convert.Hole{Offset: off, SHA256: f[1], Size: size})
	}
	return hs, nil
}

// StoredItem is an archived item as read back.
type StoredItem struct {
	ID         int64
	Item       *item.Item
	MessageID  string
	Size       int64
	SHA256     string
	Message    *convert.Message
	ArchivedAt time.Time
}

// Copy is an item filed in a folder.
type Copy struct {
	CopyID int64
	UID    uint32
	StoredItem
}

// Copies calls fn for each copy in the folder, in UID order. Deleted copies
// (in the recoverable stage) are not listed.
func (s *Store) Copies(ctx context.Context, folderID int64, fn func(Copy) error) error {
	rows, err := s.r.QueryContext(ctx, `SELECT c.id, c.uid, `+itemColumns+`
		FROM copies c JOIN items i ON i.id = c.item_id WHERE c.folder_id = ? AND c.deleted_at IS NULL ORDER BY c.uid`, folderID)
	if err != nil {
		return fmt.Errorf("listing folder %d: %w", folderID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var c Copy
		if err := scanItem(rows, &c.StoredItem, []any{&c.CopyID, &c.UID}); err != nil {
			return fmt.Errorf("listing folder %d: %w", folderID, err)
		}
		if err := fn(c); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Item returns the archived item with that source and source id.
func (s *Store) Item(ctx context.Context, src item.Source, sourceID string) (StoredItem, error) {
	row := s.r.QueryRowContext(ctx, `SELECT `+itemColumns+` FROM items i WHERE source = ? AND source_id = ?`, string(src), sourceID)
	var si StoredItem
	err := scanItem(row, &si, nil)
	if errors.Is(err, sql.ErrNoRows) {
		return StoredItem{}, fmt.Errorf("%s item %q: %w", src, sourceID, ErrNotFound)
	}
	if err != nil {
		return StoredItem{}, fmt.Errorf("%s item %q: %w", src, sourceID, err)
	}
	return si, nil
}

type scanner interface{ Scan(...any) error }

// itemColumns are the columns of items that scanItem reads, in its order.
const itemColumns = `i.id, i.message_id, i.size, i.sha256, i.skeleton, i.holes, i.item, i.archived_at`

// scanItem scans a row made of the lead columns, the itemColumns and the
// tail columns, and decodes the stored item into si.
func scanItem(r scanner, si *StoredItem, lead []any, tail ...any) error {
	var raw rawItem
	dst := append(append([]any{}, lead...), &si.ID, &si.MessageID, &si.Size, &si.SHA256, &raw.skel, &raw.holes, &raw.meta, &raw.archived)
	if err := r.Scan(append(dst, tail...)...); err != nil {
		return err
	}
	return raw.decode(si)
}

// rawItem is an item's stored columns before decoding.
type rawItem struct {
	skel        []byte
	holes, meta string
	archived    int64
}

// decode fills si's message, item and archive time from the stored form.
func (raw *rawItem) decode(si *StoredItem) error {
	hs, err := parseHoles(raw.holes)
	if err != nil {
		return fmt.Errorf("item %d: %w", si.ID, err)
	}
	skel, err := unpackSkeleton(raw.skel)
	if err != nil {
		return fmt.Errorf("item %d: %w", si.ID, err)
	}
	si.Message = &convert.Message{Skeleton: skel, Holes: hs}
	js, err := unpackSkeleton([]byte(raw.meta))
	if err != nil {
		return fmt.Errorf("item %d: %w", si.ID, err)
	}
	si.Item = new(item.Item)
	if err := json.Unmarshal(js, si.Item); err != nil {
		return fmt.Errorf("item %d: %w", si.ID, err)
	}
	si.ArchivedAt = time.UnixMilli(raw.archived).UTC()
	return nil
}

// Counts are totals over the archive.
type Counts struct {
	Items       int64 // distinct items stored
	Copies      int64 // copies filed in folders (with the deleted ones)
	Deleted     int64 // copies in the recoverable stage
	Quarantined int64 // items waiting in the quarantine
	Blobs       int64 // distinct blobs referenced
}

// Counts returns totals over the archive.
func (s *Store) Counts(ctx context.Context) (Counts, error) {
	var c Counts
	err := s.r.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM items), (SELECT COUNT(*) FROM copies),
		(SELECT COUNT(*) FROM copies WHERE deleted_at IS NOT NULL),
		(SELECT COUNT(*) FROM quarantine), (SELECT COUNT(DISTINCT sha256) FROM item_blobs)`).Scan(&c.Items, &c.Copies, &c.Deleted, &c.Quarantined, &c.Blobs)
	if err != nil {
		return c, fmt.Errorf("counting: %w", err)
	}
	return c, nil
}

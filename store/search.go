package store

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/custos-archive/custos/item"
)

// Cond is a search condition over archived copies. Package search compiles
// KQL queries into Cond trees; the store turns them into SQL and FTS5.
type Cond interface{ cond() }

// Index columns a Match may name.
const (
	ColSender     = "sender"
	ColRecipients = "recipients"
	ColSubject    = "subject"
	ColBody       = "body"
	ColAttNames   = "attnames"
	ColAttText    = "atttext"
)

// Match is true for items whose index text has Tokens as a phrase (adjacent,
// in order) in one of Columns (any column when empty). With Prefix the last
// token matches any token it begins.
type Match struct {
	Columns []string
	Tokens  []string
	Prefix  bool
}

// Near is true when the two matches occur within Distance tokens of each
// other, in one column.
type Near struct {
	A, B     Match
	Distance int
}

// And is true when all of Conds are (true when empty).
type And struct{ Conds []Cond }

// Or is true when any of Conds is (false when empty).
type Or struct{ Conds []Cond }

// Not is true when C is not.
type Not struct{ C Cond }

// KindIs is true for items of one of Kinds.
type KindIs struct{ Kinds []item.Kind }

// SourceIs is true for items of one of Sources.
type SourceIs struct{ Sources []item.Source }

// TimeIn is true for items whose time is in [From, To); nil ends are open.
// Field "sent" is the item's time, "received" the time it was archived.
type TimeIn struct {
	Field    string
	From, To *time.Time
}

// SizeIn is true for messages whose size in bytes is in [Min, Max]; nil
// ends are open.
type SizeIn struct{ Min, Max *int64 }

// HasAttachment is true for messages with (Value) or without attachments.
type HasAttachment struct{ Value bool }

// FolderIs is true for copies in a folder for which Match reports true,
// given the mailbox address and the folder name.
type FolderIs struct {
	Match func(mailbox, folder string) bool
}

func (Match) cond()         {}
func (Near) cond()          {}
func (And) cond()           {}
func (Or) cond()            {}
func (Not) cond()           {}
func (KindIs) cond()        {}
func (SourceIs) cond()      {}
func (TimeIn) cond()        {}
func (SizeIn) cond()        {}
func (HasAttachment) cond() {}
func (FolderIs) cond()      {}

// SearchQuery is a search over archived copies.
type SearchQuery struct {
	Cond      Cond
	Mailboxes []string // search these mailboxes only; all when empty
	Oldest    bool     // oldest first instead of newest first
	Limit     int      // hits per page (default 20)
	Offset    int
	Stats     bool // count the matches by mailbox and by source
	// Stage is which copies to search: Live (the default) leaves out
	// copies in the recoverable stage; Deleted searches only those;
	// AnyStage both, as holds do.
	Stage Stage
}

// Hit is one matching copy.
type Hit struct {
	CopyID  int64
	UID     uint32
	Mailbox string
	Folder  string
	StoredItem
}

// SearchResult is a page of hits and the statistics of all matches.
type SearchResult struct {
	Total     int64
	Hits      []Hit
	ByMailbox map[string]int64 // with Stats
	BySource  map[string]int64 // with Stats
}

// Search runs a search.
//
// A query made only of text conditions over all mailboxes is answered by the
// full-text index alone: the count is the index's, the statistics come from
// the folder id within each copy id, and the newest hits are the highest
// rowids. Other queries filter the copies table, which carries the item
// facts, joined with the index.
func (s *Store) Search(ctx context.Context, q SearchQuery) (*SearchResult, error) {
	folders, err := s.allFolders(ctx)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]folderRef, len(folders))
	for _, f := range folders {
		byID[f.id] = f
	}
	b := &sqlBuilder{folders: folders}
	limit := q.Limit
	if limit <= 0 {
		limit = 20
	}
	order := "DESC"
	if q.Oldest {
		order = "ASC"
	}
	res := &SearchResult{}
	counts := map[int64]int64{} // by folder
	var ids []int64
	if isText(q.Cond) && len(q.Mailboxes) == 0 && q.Stage != Deleted {
		expr, err := fts(q.Cond)
		if err != nil {
			return nil, err
		}
		// The index keeps the rows of deleted copies (holds must still find
		// them); a search of live copies leaves them out.
		live := ""
		if q.Stage == Live {
			var deleted bool
			if err := s.r.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM copies WHERE deleted_at IS NOT NULL)`).Scan(&deleted); err != nil {
				return nil, fmt.Errorf("searching: %w", err)
			}
			if deleted {
				live = ` AND rowid NOT IN (SELECT id FROM copies WHERE deleted_at IS NOT NULL)`
			}
		}
		if q.Stats {
			var fc sql.NullString
			err = s.r.QueryRowContext(ctx, `SELECT folder_counts(rowid) FROM items_fts WHERE items_fts MATCH ?`+live, expr).Scan(&fc)
			if err == nil {
				err = parseFolderCounts(fc.String, counts)
			}
			for _, n := range counts {
				res.Total += n
			}
		} else {
			err = s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM items_fts WHERE items_fts MATCH ?`+live, expr).Scan(&res.Total)
		}
		if err != nil {
			return nil, fmt.Errorf("searching: %w", err)
		}
		if res.Total > 0 {
			ids, err = s.scanIDs(ctx, `SELECT rowid FROM items_fts WHERE items_fts MATCH ?`+live+` ORDER BY rowid `+order+` LIMIT ? OFFSET ?`, expr, limit, q.Offset)
			if err != nil {
				return nil, err
			}
		}
	} else {
		where, err := b.where(q, folders)
		if err != nil {
			return nil, err
		}
		if err := s.scanCounts(ctx, counts, `SELECT c.folder_id, COUNT(*) FROM copies c WHERE `+where+` GROUP BY c.folder_id`, b.args...); err != nil {
			return nil, err
		}
		for _, n := range counts {
			res.Total += n
		}
		if res.Total > 0 {
			args := append(append([]any{}, b.args...), limit, q.Offset)
			ids, err = s.scanIDs(ctx, `SELECT c.id FROM copies c WHERE `+where+` ORDER BY c.id `+order+` LIMIT ? OFFSET ?`, args...)
			if err != nil {
				return nil, err
			}
		}
	}
	if q.Stats {
		res.ByMailbox, res.BySource = map[string]int64{}, map[string]int64{}
		for fid, n := range counts {
			f := byID[fid]
			res.ByMailbox[f.mailbox] += n
			res.BySource[f.source] += n
		}
	}
	if len(ids) == 0 {
		return res, nil
	}
	hits, err := s.hits(ctx, ids, byID)
	if err != nil {
		return nil, err
	}
	res.Hits = hits
	return res, nil
}

// where is the SQL condition over copies c of a search: its condition,
// its mailboxes and its stage.
func (b *sqlBuilder) where(q SearchQuery, folders []folderRef) (string, error) {
	where, err := b.cond(q.Cond)
	if err != nil {
		return "", err
	}
	if len(q.Mailboxes) > 0 {
		want := map[string]bool{}
		for _, m := range q.Mailboxes {
			want[strings.ToLower(strings.TrimSpace(m))] = true
		}
		var fids []string
		for _, f := range folders {
			if want[f.mailbox] {
				fids = append(fids, fmt.Sprint(f.id))
			}
		}
		where = "(" + where + ") AND c.folder_id IN (" + strings.Join(append(fids, "-1"), ",") + ")"
	}
	switch q.Stage {
	case Live:
		where = "(" + where + ") AND c.deleted_at IS NULL"
	case Deleted:
		where = "(" + where + ") AND c.deleted_at IS NOT NULL"
	}
	return where, nil
}

// CopyIDs returns the ids of every copy a search matches, in id order
// (Limit, Offset, Oldest and Stats do not apply).
func (s *Store) CopyIDs(ctx context.Context, q SearchQuery) ([]int64, error) {
	folders, err := s.allFolders(ctx)
	if err != nil {
		return nil, err
	}
	b := &sqlBuilder{folders: folders}
	where, err := b.where(q, folders)
	if err != nil {
		return nil, err
	}
	return s.scanIDs(ctx, `SELECT c.id FROM copies c WHERE `+where+` ORDER BY c.id`, b.args...)
}

func (s *Store) scanCounts(ctx context.Context, into map[int64]int64, q string, args ...any) error {
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("searching: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k, n int64
		if err := rows.Scan(&k, &n); err != nil {
			return fmt.Errorf("searching: %w", err)
		}
		into[k] += n
	}
	return rows.Err()
}

func (s *Store) scanIDs(ctx context.Context, q string, args ...any) ([]int64, error) {
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("searching: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("searching: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// hits reads the copies with these ids, in this order.
func (s *Store) hits(ctx context.Context, ids []int64, folders map[int64]folderRef) ([]Hit, error) {
	ph := make([]string, len(ids))
	args := make([]any, len(ids))
	for i, id := range ids {
		ph[i], args[i] = "?", id
	}
	rows, err := s.r.QueryContext(ctx, `SELECT c.id, c.uid, c.folder_id, `+itemColumns+`
		FROM copies c JOIN items i ON i.id = c.item_id WHERE c.id IN (`+strings.Join(ph, ",")+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("searching: %w", err)
	}
	defer rows.Close()
	byID := map[int64]Hit{}
	for rows.Next() {
		var h Hit
		var fid int64
		if err := scanItem(rows, &h.StoredItem, []any{&h.CopyID, &h.UID, &fid}); err != nil {
			return nil, fmt.Errorf("searching: %w", err)
		}
		h.Mailbox, h.Folder = folders[fid].mailbox, folders[fid].name
		byID[h.CopyID] = h
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	hits := make([]Hit, 0, len(ids))
	for _, id := range ids {
		if h, ok := byID[id]; ok {
			hits = append(hits, h)
		}
	}
	return hits, nil
}

type folderRef struct {
	id      int64
	mailbox string
	name    string
	source  string
}

func (s *Store) allFolders(ctx context.Context) ([]folderRef, error) {
	return loadFolders(ctx, s.r)
}

func loadFolders(ctx context.Context, q querier) ([]folderRef, error) {
	rows, err := q.QueryContext(ctx, `SELECT f.id, m.address, f.name FROM folders f JOIN mailboxes m ON m.id = f.mailbox_id`)
	if err != nil {
		return nil, fmt.Errorf("listing folders: %w", err)
	}
	defer rows.Close()
	var fs []folderRef
	for rows.Next() {
		var f folderRef
		if err := rows.Scan(&f.id, &f.mailbox, &f.name); err != nil {
			return nil, err
		}
		for _, src := range item.Sources {
			if src.Folder() == f.name {
				f.source = string(src)
			}
		}
		fs = append(fs, f)
	}
	return fs, rows.Err()
}

// sqlBuilder turns a Cond into an SQL condition over c (copies). Subtrees made only of text matches become
// one FTS5 MATCH.
type sqlBuilder struct {
	args    []any
	folders []folderRef
	// rows, when set, bounds the copy ids a text condition can match: the
	// sent range it is ANDed with, as copy ids (see rowRange).
	rows *[2]int64
	// unindexed, when set, keeps filters from using their column's index:
	// they are ANDed with a text condition, which finds fewer rows.
	unindexed bool
}

// col returns the column for a filter, "+col" (no index) when unindexed.
func (b *sqlBuilder) col(c string) string {
	if b.unindexed {
		return "+" + c
	}
	return c
}

// rowRange returns bounds [lo, hi) on the ids of copies sent in [from, to):
// a copy id holds its item's second, or a later one when that second was
// full (at most copyIDTries seconds later).
func rowRange(from, to *time.Time) *[2]int64 {
	r := [2]int64{0, 1<<62 - 1}
	if from != nil {
		r[0] = max(from.UnixMilli()/1000, 0) << (copyFolderBits + copySeqBits)
	}
	if to != nil {
		sec := (to.UnixMilli() - 1) / 1000
		if sec < 0 {
			return &[2]int64{0, 0}
		}
		r[1] = (sec + copyIDTries + 1) << (copyFolderBits + copySeqBits)
	}
	return &r
}

func isText(c Cond) bool {
	switch c := c.(type) {
	case Match, Near:
		return true
	case And:
		if len(c.Conds) == 0 {
			return false
		}
		for _, x := range c.Conds {
			if !isText(x) {
				return false
			}
		}
		return true
	case Or:
		if len(c.Conds) == 0 {
			return false
		}
		for _, x := range c.Conds {
			if !isText(x) {
				return false
			}
		}
		return true
	}
	return false
}

func (b *sqlBuilder) cond(c Cond) (string, error) {
	if c == nil {
		return "1", nil
	}
	if isText(c) {
		expr, err := fts(c)
		if err != nil {
			return "", err
		}
		b.args = append(b.args, expr)
		if b.rows != nil {
			b.args = append(b.args, b.rows[0], b.rows[1])
			return "c.id IN (SELECT rowid FROM items_fts WHERE items_fts MATCH ? AND rowid >= ? AND rowid < ?)", nil
		}
		return "c.id IN (SELECT rowid FROM items_fts WHERE items_fts MATCH ?)", nil
	}
	switch c := c.(type) {
	case And:
		return b.join(c.Conds, " AND ", "1")
	case Or:
		return b.join(c.Conds, " OR ", "0")
	case Not:
		s, err := b.cond(c.C)
		if err != nil {
			return "", err
		}
		return "NOT (" + s + ")", nil
	case KindIs:
		if len(c.Kinds) == 0 {
			return "0", nil
		}
		ph := make([]string, len(c.Kinds))
		for i, k := range c.Kinds {
			ph[i] = "?"
			b.args = append(b.args, string(k))
		}
		return b.col("c.kind") + " IN (" + strings.Join(ph, ",") + ")", nil
	case SourceIs:
		if len(c.Sources) == 0 {
			return "0", nil
		}
		ph := make([]string, len(c.Sources))
		for i, s := range c.Sources {
			ph[i] = "?"
			b.args = append(b.args, string(s))
		}
		return b.col("c.source") + " IN (" + strings.Join(ph, ",") + ")", nil
	case TimeIn:
		col := b.col("c.sent_at")
		if c.Field == "received" {
			col = b.col("c.archived_at")
		}
		var parts []string
		if c.Field != "received" && (c.From != nil || c.To != nil) {
			// Copy ids are ordered by sent time: the id range narrows the
			// scan, the sent_at test is exact.
			r := rowRange(c.From, c.To)
			parts = append(parts, b.col("c.id")+" >= ? AND "+b.col("c.id")+" < ?")
			b.args = append(b.args, r[0], r[1])
		}
		if c.From != nil {
			parts = append(parts, col+" >= ?")
			b.args = append(b.args, c.From.UnixMilli())
		}
		if c.To != nil {
			parts = append(parts, col+" < ?")
			b.args = append(b.args, c.To.UnixMilli())
		}
		if len(parts) == 0 {
			return "1", nil
		}
		return "(" + strings.Join(parts, " AND ") + ")", nil
	case SizeIn:
		var parts []string
		if c.Min != nil {
			parts = append(parts, "c.size >= ?")
			b.args = append(b.args, *c.Min)
		}
		if c.Max != nil {
			parts = append(parts, "c.size <= ?")
			b.args = append(b.args, *c.Max)
		}
		if len(parts) == 0 {
			return "1", nil
		}
		return "(" + strings.Join(parts, " AND ") + ")", nil
	case HasAttachment:
		if c.Value {
			return "c.has_attachment = 1", nil
		}
		return "c.has_attachment = 0", nil
	case FolderIs:
		var ids []string
		for _, f := range b.folders {
			if c.Match(f.mailbox, f.name) {
				ids = append(ids, fmt.Sprint(f.id))
			}
		}
		sort.Strings(ids)
		return "c.folder_id IN (" + strings.Join(append(ids, "-1"), ",") + ")", nil
	case Match, Near:
		// isText handled these
	}
	return "", fmt.Errorf("search: unsupported condition %T", c)
}

func (b *sqlBuilder) join(cs []Cond, op, empty string) (string, error) {
	if len(cs) == 0 {
		return empty, nil
	}
	// Text conditions side by side become one MATCH.
	var text, other []Cond
	for _, x := range cs {
		if isText(x) {
			text = append(text, x)
		} else {
			other = append(other, x)
		}
	}
	var parts []string
	if len(text) > 0 {
		var tc Cond = And{text}
		if op == " OR " {
			tc = Or{text}
		}
		// Text ANDed with a sent range only looks at the index rows of
		// that range: copy ids are ordered by time.
		saved := b.rows
		if op == " AND " {
			for _, x := range other {
				if t, ok := x.(TimeIn); ok && t.Field != "received" && (t.From != nil || t.To != nil) {
					b.rows = rowRange(t.From, t.To)
				}
			}
		}
		s, err := b.cond(tc)
		b.rows = saved
		if err != nil {
			return "", err
		}
		parts = append(parts, s)
	}
	saved := b.unindexed
	b.unindexed = b.unindexed || (op == " AND " && len(text) > 0)
	for _, x := range other {
		s, err := b.cond(x)
		if err != nil {
			b.unindexed = saved
			return "", err
		}
		parts = append(parts, s)
	}
	b.unindexed = saved
	return "(" + strings.Join(parts, op) + ")", nil
}

// fts writes a text-only condition as an FTS5 query: every token quoted,
// so no user text is ever read as FTS5 syntax.
func fts(c Cond) (string, error) {
	switch c := c.(type) {
	case Match:
		return ftsMatch(c)
	case Near:
		a, err := ftsPhrase(c.A)
		if err != nil {
			return "", err
		}
		bb, err := ftsPhrase(c.B)
		if err != nil {
			return "", err
		}
		s := fmt.Sprintf("NEAR(%s %s, %d)", a, bb, max(c.Distance, 0))
		if cols := columns(c.A.Columns); cols != "" {
			s = cols + " : " + s
		}
		return s, nil
	case And, Or:
		var cs []Cond
		op := " AND "
		if a, ok := c.(And); ok {
			cs = a.Conds
		} else {
			cs = c.(Or).Conds
			op = " OR "
		}
		parts := make([]string, len(cs))
		for i, x := range cs {
			s, err := fts(x)
			if err != nil {
				return "", err
			}
			parts[i] = "(" + s + ")"
		}
		return strings.Join(parts, op), nil
	}
	return "", fmt.Errorf("search: %T is not a text condition", c)
}

func ftsPhrase(m Match) (string, error) {
	if len(m.Tokens) == 0 {
		return "", fmt.Errorf("search: empty text match")
	}
	q := make([]string, len(m.Tokens))
	for i, t := range m.Tokens {
		q[i] = strings.ReplaceAll(t, `"`, `""`)
	}
	s := `"` + strings.Join(q, " ") + `"`
	if m.Prefix {
		s += " *"
	}
	return s, nil
}

func ftsMatch(m Match) (string, error) {
	p, err := ftsPhrase(m)
	if err != nil {
		return "", err
	}
	if cols := columns(m.Columns); cols != "" {
		return cols + " : " + p, nil
	}
	return p, nil
}

func columns(cs []string) string {
	switch len(cs) {
	case 0:
		return ""
	case 1:
		return cs[0]
	}
	return "{" + strings.Join(cs, " ") + "}"
}

// Package archive is the archive pipeline: items in, messages filed. For each
// item it stores the attachment bytes in the blob store, converts the item
// into an RFC 5322 message, maps its participants to mailboxes (the custom
// CSV first, then the email-address property, a mapping counting only when
// the mailbox exists), and files a copy into the source's folder of every
// mapped mailbox. An item that maps to nobody is kept in the quarantine with
// the reason, and filed by Replay once the mapping is fixed.
//
// Items are committed in batches, each batch one transaction: after a crash
// every item is either wholly archived or absent, and running the same input
// again archives each missing item once and nothing twice.
package archive

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"strings"
	"sync"

	"github.com/custos-archive/custos/connector/convert"
	"github.com/custos-archive/custos/connector/usermap"
	"github.com/custos-archive/custos/item"
	"github.com/custos-archive/custos/search"
	"github.com/custos-archive/custos/store"
	"github.com/custos-archive/custos/store/blob"
)

// Store is what the pipeline needs of the archive's store. The embedded
// SQLite store implements it; the PostgreSQL + S3 store is the second
// implementation.
type Store interface {
	Blobs() blob.Store
	MailboxIndex(ctx context.Context) (map[string]int64, error)
	Archive(ctx context.Context, batch []store.NewItem, cp *store.Checkpoint) ([]store.Outcome, error)
	Mapping(ctx context.Context, name string) ([]byte, error)
	SetMapping(ctx context.Context, name string, csv []byte) error
	QuarantineList(ctx context.Context, f store.QuarantineFilter, fn func(store.Quarantined) error) error
	ReleaseQuarantined(ctx context.Context, rs []store.Release) (items, copies int, err error)
}

// Pipeline archives items into a store.
type Pipeline struct {
	st         Store
	norm       *usermap.Normalizer
	log        *slog.Logger
	batch      int
	batchBytes int64
	report     func(Progress)
}

// Options configure a Pipeline.
type Options struct {
	// Normalizer turns numbers in mapping files into E.164; its default
	// region applies to numbers written without a country code.
	Normalizer *usermap.Normalizer
	// BatchSize is the number of items committed per transaction (default
	// 4,000). Larger batches write each index page they touch once for
	// more rows: on the benchmark corpus, 1,000 items per batch archived
	// 8,500 items/s and 4,000 about 9,400, with a peak RSS of 140 MB.
	BatchSize int
	// BatchBytes bounds the attachment bytes a batch's items carry in
	// memory (inline data, not files), so a batch of large attachments is
	// cut short rather than held whole (default 64 MB).
	BatchBytes int64
	// Logger receives the pipeline's logs; nil discards them.
	Logger *slog.Logger
	// Progress, when set, is called after each committed batch.
	Progress func(Progress)
}

// Progress is how far an import has come.
type Progress struct {
	Line  int   // input lines read
	Bytes int64 // input bytes read, when known
}

// New returns a pipeline over st.
func New(st Store, opt Options) (*Pipeline, error) {
	p := &Pipeline{st: st, norm: opt.Normalizer, log: opt.Logger, batch: opt.BatchSize, batchBytes: opt.BatchBytes, report: opt.Progress}
	if p.norm == nil {
		n, err := usermap.NewNormalizer("US")
		if err != nil {
			return nil, err
		}
		p.norm = n
	}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	if p.batch <= 0 {
		p.batch = 4000
	}
	if p.batchBytes <= 0 {
		p.batchBytes = 64 << 20
	}
	return p, nil
}

// Mapping names the custom mapping table of a source and whether automatic
// mapping by the email-address property is on.
type Mapping struct {
	Name string // the table's name in the store; "" for none
	Auto bool
}

// MappingName is the name under which a source's custom mapping is stored.
func MappingName(src item.Source) string { return "source:" + string(src) }

// SetMapping parses a mapping CSV and stores it as the source's custom
// mapping, replacing the one before. A malformed file is refused whole, with
// an error naming its line and field, and the stored mapping is unchanged.
func (p *Pipeline) SetMapping(ctx context.Context, src item.Source, r io.Reader, file string) (*usermap.Table, error) {
	return p.SetMappingNamed(ctx, MappingName(src), r, file)
}

// SetMappingNamed parses a mapping CSV and stores it under name (a
// connector's mapping), replacing the one before; a malformed file changes
// nothing.
func (p *Pipeline) SetMappingNamed(ctx context.Context, name string, r io.Reader, file string) (*usermap.Table, error) {
	t, err := usermap.Parse(r, file, p.norm)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	if err := usermap.Write(&b, t.Entries()); err != nil {
		return nil, err
	}
	if err := p.st.SetMapping(ctx, name, []byte(b.String())); err != nil {
		return nil, err
	}
	return t, nil
}

// table loads a stored mapping table; a missing one is an empty table.
func (p *Pipeline) table(ctx context.Context, name string) (*usermap.Table, error) {
	if name == "" {
		return nil, nil
	}
	csv, err := p.st.Mapping(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	t, err := usermap.Parse(strings.NewReader(string(csv)), name, p.norm)
	if err != nil {
		return nil, fmt.Errorf("stored mapping %q is unreadable: %w", name, err)
	}
	return t, nil
}

// Unmapped is an item that mapped to no mailbox and went to the quarantine.
type Unmapped struct {
	Line     int      `json:"line,omitempty"`
	Source   string   `json:"source"`
	SourceID string   `json:"source_id"`
	Reason   string   `json:"reason"`
	Numbers  []string `json:"numbers"`
}

// Failure is an input item that could not be archived.
type Failure struct {
	Line     int    `json:"line"`
	SourceID string `json:"source_id,omitempty"`
	Error    string `json:"error"`
}

// Report counts what an import did. Every input item is counted once in
// exactly one of Imported, Duplicates, Unmapped or Failed, so
// Fetched = Imported + Duplicates + Unmapped + Failed.
type Report struct {
	Fetched    int `json:"fetched"`
	Imported   int `json:"imported"`
	Duplicates int `json:"duplicates"`
	Copies     int `json:"copies"`
	// Unmapped counts items kept in the quarantine.
	Unmapped       int        `json:"unmapped"`
	Failed         int        `json:"failed"`
	UnmappedItems  []Unmapped `json:"unmapped_items,omitempty"`
	FailedItems    []Failure  `json:"failed_items,omitempty"`
	MessageBytes   int64      `json:"message_bytes"`
	AttachmentRefs int        `json:"attachment_refs"`
}

// mapper resolves an item's participants to mailbox ids.
type mapper struct {
	idx   map[string]int64
	table *usermap.Table
	m     Mapping
}

func (p *Pipeline) newMapper(ctx context.Context, m Mapping) (*mapper, error) {
	idx, err := p.st.MailboxIndex(ctx)
	if err != nil {
		return nil, err
	}
	t, err := p.table(ctx, m.Name)
	if err != nil {
		return nil, err
	}
	return &mapper{idx: idx, table: t, m: m}, nil
}

func (mp *mapper) resolve(it *item.Item) ([]int64, *store.Quarantine) {
	ps := it.Participants()
	ups := make([]usermap.Participant, len(ps))
	for i, x := range ps {
		ups[i] = usermap.Participant{Name: x.Name, Phone: x.Phone, Email: x.Email}
	}
	res := usermap.Resolve(it.Time, ups, usermap.Options{
		Table: mp.table,
		Auto:  mp.m.Auto,
		MailboxExists: func(a string) bool {
			_, ok := mp.idx[strings.ToLower(a)]
			return ok
		},
	})
	if len(res.Mailboxes) > 0 {
		ids := make([]int64, 0, len(res.Mailboxes))
		for _, a := range res.Mailboxes {
			ids = append(ids, mp.idx[strings.ToLower(a)])
		}
		return ids, nil
	}
	q := &store.Quarantine{Mapping: mp.m.Name, Auto: mp.m.Auto}
	var reasons []string
	for _, miss := range res.Unmapped {
		reasons = append(reasons, miss.Reason)
	}
	for _, x := range ps {
		switch {
		case x.Phone != "":
			q.Numbers = append(q.Numbers, x.Phone)
		case x.ID != "":
			q.Numbers = append(q.Numbers, x.ID)
		case x.Email != "":
			q.Numbers = append(q.Numbers, x.Email)
		}
	}
	q.Reason = "no participant maps to a mailbox: " + strings.Join(reasons, "; ")
	return nil, q
}

// Import reads items as JSON lines from r and archives them. file names the
// input in errors; dir is where attachment paths are relative to; src, when
// set, is the source every item must have (and the default for lines without
// one). A bad line is reported in the report's failures and the rest goes
// on; the returned error is for what stops the whole import (the store
// failing, the context ending).
func (p *Pipeline) Import(ctx context.Context, r io.Reader, file, dir string, src item.Source, m Mapping) (*Report, error) {
	ir := item.NewReader(r, file)
	ir.Default = src
	return p.ImportFrom(ctx, ir.Next, file, dir, m)
}

// Next yields the next item and its line (or position) in the input, io.EOF
// at the end, or an *item.LineError for an input item that is bad (the
// import goes on after it).
type Next func() (*item.Item, int, error)

// ImportFrom archives the items next yields, as Import does; file names the
// input in errors. Items from next must be validated.
func (p *Pipeline) ImportFrom(ctx context.Context, next Next, file, dir string, m Mapping) (*Report, error) {
	mp, err := p.newMapper(ctx, m)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	rep := &Report{}    // the reader's and preparers' counts
	commit := &Report{} // the committer's counts
	lastLine := 0

	// Batches are prepared (attachments stored, converted, hashed, indexed,
	// mapped) by a worker per core, and committed by one goroutine, so the
	// next batch is prepared while the last one commits.
	type prepared struct {
		items []store.NewItem
		lines []int
		read  int
	}
	batches := make(chan prepared, 1)
	committed := make(chan error, 1)
	go func() {
		var err error
		for b := range batches {
			if err != nil {
				continue
			}
			var outs []store.Outcome
			outs, err = p.st.Archive(ctx, b.items, nil)
			if err != nil {
				cancel()
				continue
			}
			for i, o := range outs {
				it := b.items[i].Item
				switch {
				case o.Duplicate:
					commit.Duplicates++
				case o.Quarantined:
					commit.Unmapped++
					q := b.items[i].Quarantine
					commit.UnmappedItems = append(commit.UnmappedItems, Unmapped{Line: b.lines[i], Source: string(it.Source),
						SourceID: it.SourceID, Reason: q.Reason, Numbers: q.Numbers})
				default:
					commit.Imported++
					commit.Copies += o.Copies
					commit.MessageBytes += b.items[i].Size
					commit.AttachmentRefs += len(b.items[i].Message.Holes)
				}
			}
			if p.report != nil {
				p.report(Progress{Line: b.read})
			}
		}
		committed <- err
	}()
	finish := func(err error) (*Report, error) {
		close(batches)
		cerr := <-committed
		rep.Imported, rep.Duplicates, rep.Copies, rep.Unmapped = commit.Imported, commit.Duplicates, commit.Copies, commit.Unmapped
		rep.UnmappedItems, rep.MessageBytes, rep.AttachmentRefs = commit.UnmappedItems, commit.MessageBytes, commit.AttachmentRefs
		if cerr != nil {
			return rep, cerr
		}
		return rep, err
	}

	type pending struct {
		it   *item.Item
		line int
	}
	var todo []pending
	var todoBytes int64 // inline attachment bytes in todo
	prepareBatch := func() error {
		out := make([]store.NewItem, len(todo))
		errs := make([]error, len(todo))
		var wg sync.WaitGroup
		next := make(chan int)
		for w := 0; w < max(1, runtime.GOMAXPROCS(0)); w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range next {
					out[i], errs[i] = p.prepare(ctx, todo[i].it, dir, mp)
				}
			}()
		}
		for i := range todo {
			next <- i
		}
		close(next)
		wg.Wait()
		b := prepared{read: lastLine}
		for i, t := range todo {
			if errs[i] != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				rep.Failed++
				rep.FailedItems = append(rep.FailedItems, Failure{Line: t.line, SourceID: t.it.SourceID,
					Error: fmt.Sprintf("%s:%d: %v", file, t.line, errs[i])})
				continue
			}
			b.items = append(b.items, out[i])
			b.lines = append(b.lines, t.line)
		}
		todo, todoBytes = todo[:0], 0
		if len(b.items) > 0 {
			select {
			case batches <- b:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	}
	for {
		if err := ctx.Err(); err != nil {
			return finish(err)
		}
		it, line, err := next()
		lastLine = line
		if err == io.EOF {
			break
		}
		if err != nil {
			var le *item.LineError
			if !errors.As(err, &le) {
				return finish(err)
			}
			rep.Fetched++
			rep.Failed++
			rep.FailedItems = append(rep.FailedItems, Failure{Line: line, Error: le.Error()})
			continue
		}
		rep.Fetched++
		todo = append(todo, pending{it, line})
		for _, a := range it.AllAttachments() {
			todoBytes += int64(len(a.Data))
		}
		if len(todo) >= p.batch || todoBytes >= p.batchBytes {
			if err := prepareBatch(); err != nil {
				return finish(err)
			}
		}
	}
	if len(todo) > 0 {
		if err := prepareBatch(); err != nil {
			return finish(err)
		}
	}
	return finish(nil)
}

// ArchiveItems archives items already in memory, as Import does. Attachment
// paths are relative to dir. The items are validated and then changed in
// place: their attachments come to refer to the blob store.
func (p *Pipeline) ArchiveItems(ctx context.Context, items []*item.Item, dir string, m Mapping) (*Report, error) {
	i := 0
	next := func() (*item.Item, int, error) {
		if i == len(items) {
			return nil, i, io.EOF
		}
		it := items[i]
		i++
		if err := it.Validate(); err != nil {
			var fe *item.FieldError
			field := ""
			if errors.As(err, &fe) {
				field = fe.Field
			}
			return nil, i, &item.LineError{File: "items", Line: i, Field: field, Err: err}
		}
		return it, i, nil
	}
	return p.ImportFrom(ctx, next, "items", dir, m)
}

// Page is a page of items a connector fetched, with what the checkpoint
// needs to know of each.
type Page struct {
	Items []*item.Item
	Days  []string // the UTC capture day of each item
	// Raw is each item's JSON as fetched, kept with a failure.
	Raw [][]byte
}

// ArchivePage archives a connector's page in one transaction together with
// its checkpoint (cursor, run counts, completeness). Items that cannot be
// archived are recorded as the connector's failures, with the reason.
// Attachments must already be in the archive's blob store (Blob refs).
func (p *Pipeline) ArchivePage(ctx context.Context, pg Page, m Mapping, cp store.Checkpoint) (*Report, error) {
	mp, err := p.newMapper(ctx, m)
	if err != nil {
		return nil, err
	}
	rep := &Report{}
	var batch []store.NewItem
	for i, it := range pg.Items {
		rep.Fetched++
		day := ""
		if i < len(pg.Days) {
			day = pg.Days[i]
		}
		err := it.Validate()
		var n store.NewItem
		if err == nil {
			n, err = p.prepare(ctx, it, "", mp)
		}
		if err != nil {
			if ctx.Err() != nil {
				return rep, ctx.Err()
			}
			raw := ""
			if i < len(pg.Raw) {
				raw = string(pg.Raw[i])
			}
			rep.Failed++
			rep.FailedItems = append(rep.FailedItems, Failure{SourceID: it.SourceID, Error: err.Error()})
			cp.Failures = append(cp.Failures, store.Failure{SourceID: it.SourceID, Reason: err.Error(), Item: raw, Day: day})
			continue
		}
		batch = append(batch, n)
		cp.Days = append(cp.Days, day)
	}
	outs, err := p.st.Archive(ctx, batch, &cp)
	if err != nil {
		return rep, err
	}
	for i, o := range outs {
		switch {
		case o.Duplicate:
			rep.Duplicates++
		case o.Quarantined:
			rep.Unmapped++
			q := batch[i].Quarantine
			rep.UnmappedItems = append(rep.UnmappedItems, Unmapped{Source: string(batch[i].Item.Source), SourceID: batch[i].Item.SourceID, Reason: q.Reason, Numbers: q.Numbers})
		default:
			rep.Imported++
			rep.Copies += o.Copies
		}
	}
	return rep, nil
}

// prepare stores the item's attachments, converts and maps it.
func (p *Pipeline) prepare(ctx context.Context, it *item.Item, dir string, mp *mapper) (store.NewItem, error) {
	bs := p.st.Blobs()
	refs, err := convert.StoreAttachments(ctx, bs, it, dir)
	if err != nil {
		return store.NewItem{}, err
	}
	// The stored item refers to its bytes by blob only.
	for i, a := range it.AllAttachments() {
		a.Data, a.Path = nil, ""
		a.Blob = refs[i].String()
		a.Size = refs[i].Size
		a.SHA256 = refs[i].SHA256
	}
	msg, err := convert.Convert(it, refs)
	if err != nil {
		return store.NewItem{}, err
	}
	h := sha256.New()
	size, err := msg.Render(h, func(sha string) (io.ReadCloser, error) {
		rc, _, err := bs.Open(ctx, sha)
		return rc, err
	})
	if err != nil {
		return store.NewItem{}, err
	}
	attText, err := search.AttachmentText(ctx, bs, it)
	if err != nil {
		return store.NewItem{}, err
	}
	n := store.NewItem{Item: it, Message: msg, SHA256: hex.EncodeToString(h.Sum(nil)), Size: size,
		Doc: search.Document(it, attText)}
	if err := n.Pack(); err != nil {
		return store.NewItem{}, err
	}
	// Only the packed form is stored: the batches waiting for the writer
	// need not hold the skeleton twice.
	n.Message = &convert.Message{Holes: msg.Holes}
	n.Mailboxes, n.Quarantine = mp.resolve(it)
	return n, nil
}

// ReplayReport counts what a replay of the quarantine did.
type ReplayReport struct {
	Examined int `json:"examined"`
	Released int `json:"released"`
	Copies   int `json:"copies"`
	Still    int `json:"still_quarantined"`
}

// Replay maps every quarantined item (of src, or all when src is "") again,
// with the mapping table and automatic-mapping setting it was imported with
// as they are now, and files those that now map into their mailboxes. An
// item is released at most once, however often Replay runs.
func (p *Pipeline) Replay(ctx context.Context, src item.Source) (*ReplayReport, error) {
	return p.replay(ctx, store.QuarantineFilter{Source: src})
}

// ReplayMapping replays the quarantined items imported under one mapping
// name (a connector's).
func (p *Pipeline) ReplayMapping(ctx context.Context, mapping string) (*ReplayReport, error) {
	return p.replay(ctx, store.QuarantineFilter{Mapping: mapping})
}

func (p *Pipeline) replay(ctx context.Context, filter store.QuarantineFilter) (*ReplayReport, error) {
	rep := &ReplayReport{}
	mappers := map[Mapping]*mapper{}
	var after int64
	for {
		var rs []store.Release
		n := 0
		f := filter
		f.After, f.Limit = after, p.batch
		err := p.st.QuarantineList(ctx, f, func(q store.Quarantined) error {
			n++
			after = q.ID
			m := Mapping{Name: q.Mapping, Auto: q.Auto}
			mp, ok := mappers[m]
			if !ok {
				var err error
				if mp, err = p.newMapper(ctx, m); err != nil {
					return err
				}
				mappers[m] = mp
			}
			ids, _ := mp.resolve(q.Item)
			if len(ids) > 0 {
				attText, err := search.AttachmentText(ctx, p.st.Blobs(), q.Item)
				if err != nil {
					return err
				}
				rs = append(rs, store.Release{ItemID: q.ID, Source: q.Item.Source, Mailboxes: ids, Doc: search.Document(q.Item, attText)})
			}
			return nil
		})
		if err != nil {
			return rep, err
		}
		rep.Examined += n
		if len(rs) > 0 {
			items, copies, err := p.st.ReleaseQuarantined(ctx, rs)
			if err != nil {
				return rep, err
			}
			rep.Released += items
			rep.Copies += copies
		}
		if n < p.batch {
			break
		}
	}
	rep.Still = rep.Examined - rep.Released
	return rep, nil
}

// Blobs returns the archive's blob store.
func (p *Pipeline) Blobs() blob.Store { return p.st.Blobs() }

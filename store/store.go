// Package store is the archive's embedded store: metadata in SQLite under one
// data folder, attachment bytes in a content-addressed blob store beside it.
// It is the only package that speaks SQL.
//
// Invariants:
//   - An item is stored once, keyed by (source, source_id); a second archive
//     of the same key is reported as a duplicate and changes nothing.
//   - An item is filed at most once per folder (UNIQUE folder_id, item_id),
//     and each copy has a UID unique in its folder that never decreases.
//   - An item is written together with its copies or its quarantine entry in
//     one transaction: after a crash it is either wholly there or absent.
//   - Every blob an item's row names was made durable before the row was
//     committed.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/custos-archive/custos/store/blob"
	_ "modernc.org/sqlite" // the SQLite driver (pure Go, with FTS5)
)

// ErrNotFound is wrapped by errors for a user, mailbox, folder, item or
// mapping that does not exist.
var ErrNotFound = errors.New("not found")

// ErrExists is wrapped by errors for something created twice.
var ErrExists = errors.New("already exists")

//go:embed migrations/sqlite/*.sql
var sqliteMigrations embed.FS

// Store is the embedded SQLite + disk-blob store of one data folder.
type Store struct {
	dir   string
	w     *sql.DB // one connection, for writes (BEGIN IMMEDIATE)
	r     *sql.DB // a pool, for reads
	blobs blob.Store
	log   *slog.Logger
	now   func() time.Time
	pairs atomic.Bool // the index has common-word pairs for every item
}

// Options tune Open.
type Options struct {
	// Logger receives the store's logs; nil discards them.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Open opens (creating if needed) the store in data folder dir: dir/custos.db
// for metadata and dir/blobs for attachment bytes. It applies pending
// migrations.
func Open(ctx context.Context, dir string, opt Options) (*Store, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("creating data folder: %w", err)
	}
	bs, err := blob.OpenDisk(filepath.Join(dir, "blobs"))
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "custos.db")
	// WAL with synchronous=FULL: a committed transaction survives a crash of
	// the process and of the machine. Batching amortises the fsync.
	dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)"
	w, err := sql.Open("sqlite", dsn+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	r, err := sql.Open("sqlite", dsn)
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	r.SetMaxOpenConns(4)
	s := &Store{dir: dir, w: w, r: r, blobs: bs, log: opt.Logger, now: opt.Now}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	var pairs bool
	if err := s.r.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM index_features WHERE name = 'pairs')`).Scan(&pairs); err != nil {
		s.Close()
		return nil, fmt.Errorf("reading the index's features: %w", err)
	}
	s.pairs.Store(pairs)
	return s, nil
}

// Close closes the database.
func (s *Store) Close() error {
	return errors.Join(s.w.Close(), s.r.Close())
}

// IndexHasPairs reports whether the full-text index holds the tokens of
// adjacent common words for every item (archives created since they came;
// see package search).
func (s *Store) IndexHasPairs() bool { return s.pairs.Load() }

// Dir returns the data folder.
func (s *Store) Dir() string { return s.dir }

// Blobs returns the blob store.
func (s *Store) Blobs() blob.Store { return s.blobs }

func (s *Store) migrate(ctx context.Context) error {
	if _, err := s.w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("migrating: %w", err)
	}
	files, err := fs.Glob(sqliteMigrations, "migrations/sqlite/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(files)
	// Migrations are applied by number, each once: a number left out by a
	// data folder that ran a later one (as when two branches each added a
	// migration) is applied when it arrives.
	applied := map[int]bool{}
	rows, err := s.w.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return fmt.Errorf("migrating: %w", err)
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return fmt.Errorf("migrating: %w", err)
		}
		applied[v] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("migrating: %w", err)
	}
	for _, f := range files {
		base := filepath.Base(f)
		v, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			return fmt.Errorf("migration %s: name must start with a number", base)
		}
		if applied[v] {
			continue
		}
		body, err := sqliteMigrations.ReadFile(f)
		if err != nil {
			return err
		}
		err = s.write(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, v, s.now().Unix())
			return err
		})
		if err != nil {
			return fmt.Errorf("applying migration %s: %w", base, err)
		}
		s.log.Info("applied migration", "version", v, "file", base)
	}
	return nil
}

// SchemaVersion returns the number of the last migration applied.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.r.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v)
	return v, err
}

// write runs fn in one write transaction and commits it.
func (s *Store) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

func isUnique(err error) bool {
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

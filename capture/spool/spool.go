// Package spool is the capture site's durable store: the organisation
// account, the registered users, and every captured item, in a SQLite
// database (capture.db) and a content-addressed blob store under the site's
// data folder.
//
// The capture site can run at the source, apart from the archive, so it has
// a store of its own rather than the archive's (package store).
//
// Invariants:
//   - An item is durable when Put returns: the caller answers the channel
//     2xx only then.
//   - An item is stored once per (source, source_id): a webhook retried by
//     the platform, or a file imported twice, is a duplicate.
//   - Every item has a capture sequence number, increasing in the order of
//     commits; the export API lists items by it.
//   - Items whose media are still being fetched are held back from the
//     export: the export never passes an item it has not served.
package spool

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/custos-archive/custos/item"
	"github.com/custos-archive/custos/password"
	"github.com/custos-archive/custos/store/blob"
	_ "modernc.org/sqlite" // the SQLite driver
)

// ErrNotFound is wrapped by errors for what does not exist.
var ErrNotFound = errors.New("not found")

// ErrAuth is returned for wrong credentials or an expired token.
var ErrAuth = errors.New("wrong username or password, or expired token")

const schema = `
CREATE TABLE IF NOT EXISTS org (
	id            INTEGER PRIMARY KEY CHECK (id = 1),
	username      TEXT NOT NULL,
	password_hash TEXT NOT NULL,
	updated_at    INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS users (
	id         INTEGER PRIMARY KEY,
	email      TEXT NOT NULL UNIQUE,
	name       TEXT NOT NULL,
	created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS user_phones (
	user_id INTEGER NOT NULL REFERENCES users(id),
	phone   TEXT NOT NULL,
	PRIMARY KEY (user_id, phone)
);
CREATE INDEX IF NOT EXISTS user_phones_phone ON user_phones(phone);
CREATE TABLE IF NOT EXISTS items (
	seq         INTEGER PRIMARY KEY AUTOINCREMENT,
	source      TEXT NOT NULL,
	source_id   TEXT NOT NULL,
	kind        TEXT NOT NULL,
	sent_at     INTEGER NOT NULL,
	captured_at INTEGER NOT NULL,
	channel     TEXT NOT NULL,
	item        TEXT NOT NULL,
	pending     INTEGER NOT NULL DEFAULT 0,
	UNIQUE (source, source_id)
);
CREATE INDEX IF NOT EXISTS items_source_seq ON items(source, seq);
CREATE INDEX IF NOT EXISTS items_source_captured ON items(source, captured_at);
CREATE INDEX IF NOT EXISTS items_pending ON items(pending) WHERE pending > 0;
CREATE TABLE IF NOT EXISTS media (
	seq     INTEGER NOT NULL REFERENCES items(seq),
	idx     INTEGER NOT NULL,
	ref     TEXT NOT NULL,
	name    TEXT NOT NULL,
	type    TEXT NOT NULL,
	tries   INTEGER NOT NULL DEFAULT 0,
	error   TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (seq, idx)
);
CREATE TABLE IF NOT EXISTS statuses (
	source     TEXT NOT NULL,
	message_id TEXT NOT NULL,
	status     TEXT NOT NULL,
	at         INTEGER NOT NULL,
	detail     TEXT NOT NULL,
	PRIMARY KEY (source, message_id, status)
);
CREATE TABLE IF NOT EXISTS tokens (
	hash       TEXT PRIMARY KEY,
	expires_at INTEGER NOT NULL
);
`

// Spool is the capture site's store.
type Spool struct {
	w, r  *sql.DB
	blobs *blob.Disk
	now   func() time.Time
}

// Open opens (creating if needed) the spool in dir.
func Open(ctx context.Context, dir string, now func() time.Time) (*Spool, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("creating capture data folder: %w", err)
	}
	bs, err := blob.OpenDisk(filepath.Join(dir, "blobs"))
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "capture.db")
	dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)"
	w, err := sql.Open("sqlite", dsn+"&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	r, err := sql.Open("sqlite", dsn)
	if err != nil {
		w.Close()
		return nil, err
	}
	if now == nil {
		now = time.Now
	}
	s := &Spool{w: w, r: r, blobs: bs, now: now}
	if _, err := w.ExecContext(ctx, schema); err != nil {
		s.Close()
		return nil, fmt.Errorf("creating %s: %w", path, err)
	}
	return s, nil
}

// Close closes the database.
func (s *Spool) Close() error { return errors.Join(s.w.Close(), s.r.Close()) }

// Blobs returns the site's blob store.
func (s *Spool) Blobs() blob.Store { return s.blobs }

func (s *Spool) write(ctx context.Context, fn func(*sql.Tx) error) error {
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

// HashPassword returns an argon2id hash of password (see package password).
func HashPassword(pw string) (string, error) { return password.Hash(pw) }

// CheckPassword reports whether pw matches an argon2id hash.
func CheckPassword(hash, pw string) bool { return password.Check(hash, pw) }

// SetOrg sets the organisation account's username and password.
func (s *Spool) SetOrg(ctx context.Context, username, password string) error {
	username = strings.TrimSpace(username)
	if username == "" {
		return errors.New("the username is empty")
	}
	if len(password) < 12 {
		return errors.New("the password must have at least 12 characters")
	}
	h, err := HashPassword(password)
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO org (id, username, password_hash, updated_at) VALUES (1, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET username = excluded.username, password_hash = excluded.password_hash, updated_at = excluded.updated_at`,
			username, h, s.now().Unix())
		if err != nil {
			return err
		}
		// A new password ends every session of the old one.
		_, err = tx.ExecContext(ctx, `DELETE FROM tokens`)
		return err
	})
}

// Org returns the organisation's username, or an error wrapping ErrNotFound
// when none is set.
func (s *Spool) Org(ctx context.Context) (string, error) {
	var u string
	err := s.r.QueryRowContext(ctx, `SELECT username FROM org WHERE id = 1`).Scan(&u)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("organisation account: %w (set it with 'custos capture org')", ErrNotFound)
	}
	return u, err
}

// TokenTTL is how long an export API token lives.
const TokenTTL = time.Hour

// Login checks the organisation's credentials and returns a new token and
// when it expires.
func (s *Spool) Login(ctx context.Context, username, password string) (string, time.Time, error) {
	var u, h string
	err := s.r.QueryRowContext(ctx, `SELECT username, password_hash FROM org WHERE id = 1`).Scan(&u, &h)
	if errors.Is(err, sql.ErrNoRows) {
		return "", time.Time{}, ErrAuth
	}
	if err != nil {
		return "", time.Time{}, err
	}
	okUser := subtle.ConstantTimeCompare([]byte(u), []byte(username)) == 1
	okPass := CheckPassword(h, password)
	if !okUser || !okPass {
		return "", time.Time{}, ErrAuth
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", time.Time{}, err
	}
	tok := base64.RawURLEncoding.EncodeToString(raw)
	exp := s.now().Add(TokenTTL)
	err = s.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM tokens WHERE expires_at < ?`, s.now().Unix()); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO tokens (hash, expires_at) VALUES (?, ?)`, tokenHash(tok), exp.Unix())
		return err
	})
	return tok, exp, err
}

func tokenHash(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:])
}

// CheckToken returns nil for a valid, unexpired token, else ErrAuth.
func (s *Spool) CheckToken(ctx context.Context, tok string) error {
	var exp int64
	err := s.r.QueryRowContext(ctx, `SELECT expires_at FROM tokens WHERE hash = ?`, tokenHash(tok)).Scan(&exp)
	if err != nil || exp < s.now().Unix() {
		return ErrAuth
	}
	return nil
}

// User is a registered user of the site.
type User struct {
	Email  string   `json:"email"`
	Name   string   `json:"name"`
	Phones []string `json:"phones"`
}

// PutUser registers a user or updates the one with that email. It reports
// whether the user was new.
func (s *Spool) PutUser(ctx context.Context, u User) (bool, error) {
	email := strings.ToLower(strings.TrimSpace(u.Email))
	created := false
	err := s.write(ctx, func(tx *sql.Tx) error {
		var id int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM users WHERE email = ?`, email).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			res, err := tx.ExecContext(ctx, `INSERT INTO users (email, name, created_at) VALUES (?, ?, ?)`, email, u.Name, s.now().Unix())
			if err != nil {
				return err
			}
			id, _ = res.LastInsertId()
			created = true
		} else if err != nil {
			return err
		} else {
			if _, err := tx.ExecContext(ctx, `UPDATE users SET name = ? WHERE id = ?`, u.Name, id); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM user_phones WHERE user_id = ?`, id); err != nil {
				return err
			}
		}
		for _, p := range u.Phones {
			if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO user_phones (user_id, phone) VALUES (?, ?)`, id, p); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("registering %s: %w", email, err)
	}
	return created, nil
}

// Users lists the registered users by email.
func (s *Spool) Users(ctx context.Context) ([]User, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT u.email, u.name, COALESCE(group_concat(p.phone, ';'), '')
		FROM users u LEFT JOIN user_phones p ON p.user_id = u.id GROUP BY u.id ORDER BY u.email`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	us := []User{}
	for rows.Next() {
		var u User
		var phones string
		if err := rows.Scan(&u.Email, &u.Name, &phones); err != nil {
			return nil, err
		}
		u.Phones = []string{}
		if phones != "" {
			u.Phones = strings.Split(phones, ";")
		}
		us = append(us, u)
	}
	return us, rows.Err()
}

// phoneIndex returns registered users' emails by phone.
func (s *Spool) phoneIndex(ctx context.Context, tx *sql.Tx) (map[string]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT p.phone, u.email FROM user_phones p JOIN users u ON u.id = p.user_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	idx := map[string]string{}
	for rows.Next() {
		var p, e string
		if err := rows.Scan(&p, &e); err != nil {
			return nil, err
		}
		idx[p] = e
	}
	return idx, rows.Err()
}

// Media is an attachment of a captured item still to be fetched: ref is
// what the channel needs to get it (a Graph media id, a URL, a WeCom
// sdkfileid).
type Media struct {
	Ref, Name, ContentType string
}

// Capture is an item as a channel delivers it: its attachments already in
// the blob store (Blob set), and media still to fetch.
type Capture struct {
	Item    *item.Item
	Media   []Media
	Channel string // which channel captured it (whatsapp-webhook, twilio, wecom, whatsapp-export, …)
}

// Result says what Put did with one capture.
type Result struct {
	Seq       int64 `json:"seq,omitempty"`
	Duplicate bool  `json:"duplicate,omitempty"`
}

// Put stores captures in one transaction, after making their blobs
// durable. Each participant whose number belongs to a registered user gets
// that user's email address as their email property, as the anchor's site
// does. Items already captured are reported as duplicates and left as they
// were.
func (s *Spool) Put(ctx context.Context, cs []Capture) ([]Result, error) {
	if err := s.blobs.Sync(ctx); err != nil {
		return nil, err
	}
	out := make([]Result, len(cs))
	now := s.now()
	err := s.write(ctx, func(tx *sql.Tx) error {
		phones, err := s.phoneIndex(ctx, tx)
		if err != nil {
			return err
		}
		for i, c := range cs {
			it := c.Item
			if err := it.Validate(); err != nil {
				// An item whose media are still to come may lack attachments
				// it must have (a recording's audio) until they arrive.
				var fe *item.FieldError
				if !errors.As(err, &fe) || fe.Field != "attachments" || len(c.Media) == 0 {
					return fmt.Errorf("item %q: %w", it.SourceID, err)
				}
			}
			fill := func(p *item.Participant) {
				if p.Email == "" && p.Phone != "" {
					p.Email = phones[p.Phone]
				}
			}
			fill(&it.From)
			for j := range it.To {
				fill(&it.To[j])
			}
			js, err := json.Marshal(it)
			if err != nil {
				return err
			}
			var seq int64
			err = tx.QueryRowContext(ctx, `INSERT INTO items (source, source_id, kind, sent_at, captured_at, channel, item, pending)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source, source_id) DO NOTHING RETURNING seq`,
				string(it.Source), it.SourceID, string(it.Kind), it.Time.UnixMilli(), now.UnixMilli(), c.Channel, string(js), len(c.Media)).Scan(&seq)
			if errors.Is(err, sql.ErrNoRows) {
				out[i].Duplicate = true
				continue
			}
			if err != nil {
				return err
			}
			out[i].Seq = seq
			for j, m := range c.Media {
				if _, err := tx.ExecContext(ctx, `INSERT INTO media (seq, idx, ref, name, type) VALUES (?, ?, ?, ?, ?)`, seq, j, m.Ref, m.Name, m.ContentType); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("storing %d captured items: %w", len(cs), err)
	}
	return out, nil
}

// PutStatus records a delivery status of a message (sent, delivered, read,
// failed, …), once per status.
func (s *Spool) PutStatus(ctx context.Context, src item.Source, messageID, status string, at time.Time, detail string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO statuses (source, message_id, status, at, detail) VALUES (?, ?, ?, ?, ?)`,
			string(src), messageID, status, at.UnixMilli(), detail)
		return err
	})
}

// Captured is a stored item.
type Captured struct {
	Seq        int64      `json:"seq"`
	CapturedAt time.Time  `json:"captured_at"`
	Channel    string     `json:"channel"`
	Item       *item.Item `json:"item"`
}

// Window selects captured items of one source.
type Window struct {
	Source       item.Source
	Since, Until time.Time // captured in [Since, Until); zero ends are open
	After        int64     // capture sequence to start after (the cursor)
	Limit        int
}

// List returns items of the window in capture order, and whether more
// follow. Items whose media are still being fetched, and everything captured
// after the first of them, are held back, so a cursor never passes an item
// that was not served.
func (s *Spool) List(ctx context.Context, w Window) ([]Captured, bool, error) {
	if w.Limit <= 0 || w.Limit > 5000 {
		w.Limit = 1000
	}
	q := `SELECT seq, captured_at, channel, item, pending FROM items WHERE source = ? AND seq > ?`
	args := []any{string(w.Source), w.After}
	if !w.Since.IsZero() {
		q += ` AND captured_at >= ?`
		args = append(args, w.Since.UnixMilli())
	}
	if !w.Until.IsZero() {
		q += ` AND captured_at < ?`
		args = append(args, w.Until.UnixMilli())
	}
	q += ` ORDER BY seq LIMIT ?`
	args = append(args, w.Limit+1)
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, false, fmt.Errorf("listing captured items: %w", err)
	}
	defer rows.Close()
	var out []Captured
	more := false
	for rows.Next() {
		var c Captured
		var at int64
		var js string
		var pending int
		if err := rows.Scan(&c.Seq, &at, &c.Channel, &js, &pending); err != nil {
			return nil, false, err
		}
		if pending > 0 {
			more = true
			break
		}
		if len(out) == w.Limit {
			more = true
			break
		}
		c.CapturedAt = time.UnixMilli(at).UTC()
		c.Item = new(item.Item)
		if err := json.Unmarshal([]byte(js), c.Item); err != nil {
			return nil, false, fmt.Errorf("item %d: %w", c.Seq, err)
		}
		out = append(out, c)
	}
	return out, more, rows.Err()
}

// DayCount is how many items of a source were captured on a UTC day.
type DayCount struct {
	Day   string `json:"day"` // YYYY-MM-DD
	Count int64  `json:"count"`
}

// Counts returns the items captured per UTC day in [since, until).
func (s *Spool) Counts(ctx context.Context, src item.Source, since, until time.Time) ([]DayCount, error) {
	q := `SELECT date(captured_at / 1000, 'unixepoch') AS day, COUNT(*) FROM items WHERE source = ?`
	args := []any{string(src)}
	if !since.IsZero() {
		q += ` AND captured_at >= ?`
		args = append(args, since.UnixMilli())
	}
	if !until.IsZero() {
		q += ` AND captured_at < ?`
		args = append(args, until.UnixMilli())
	}
	rows, err := s.r.QueryContext(ctx, q+` GROUP BY day ORDER BY day`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []DayCount{}
	for rows.Next() {
		var d DayCount
		if err := rows.Scan(&d.Day, &d.Count); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// PendingMedia is media of a stored item still to be fetched.
type PendingMedia struct {
	Seq    int64
	Idx    int
	Source item.Source
	Media
	Tries int
}

// Pending lists media still to fetch.
func (s *Spool) Pending(ctx context.Context) ([]PendingMedia, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT m.seq, m.idx, i.source, m.ref, m.name, m.type, m.tries FROM media m JOIN items i ON i.seq = m.seq
		WHERE i.pending > 0 ORDER BY m.seq, m.idx`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []PendingMedia
	for rows.Next() {
		var p PendingMedia
		var src string
		if err := rows.Scan(&p.Seq, &p.Idx, &src, &p.Ref, &p.Name, &p.ContentType, &p.Tries); err != nil {
			return nil, err
		}
		p.Source = item.Source(src)
		out = append(out, p)
	}
	return out, rows.Err()
}

// CompleteMedia attaches the fetched blobs to item seq, in media order, and
// releases it to the export. failed holds, per media index, why a media
// could not be had (it is then noted in the item's meta instead).
func (s *Spool) CompleteMedia(ctx context.Context, seq int64, blobs map[int]blob.Ref, failed map[int]string) error {
	if err := s.blobs.Sync(ctx); err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		var js string
		if err := tx.QueryRowContext(ctx, `SELECT item FROM items WHERE seq = ? AND pending > 0`, seq).Scan(&js); err != nil {
			return fmt.Errorf("item %d: %w", seq, err)
		}
		var it item.Item
		if err := json.Unmarshal([]byte(js), &it); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT idx, ref, name, type FROM media WHERE seq = ? ORDER BY idx`, seq)
		if err != nil {
			return err
		}
		var ms []struct {
			idx              int
			ref, name, type_ string
		}
		for rows.Next() {
			var m struct {
				idx              int
				ref, name, type_ string
			}
			if err := rows.Scan(&m.idx, &m.ref, &m.name, &m.type_); err != nil {
				rows.Close()
				return err
			}
			ms = append(ms, m)
		}
		rows.Close()
		for _, m := range ms {
			if ref, ok := blobs[m.idx]; ok {
				it.Attachments = append(it.Attachments, item.Attachment{Name: m.name, ContentType: m.type_, Size: ref.Size, SHA256: ref.SHA256, Blob: ref.String()})
				continue
			}
			if it.Meta == nil {
				it.Meta = map[string]string{}
			}
			it.Meta[fmt.Sprintf("media-%d-missing", m.idx)] = m.name + ": " + failed[m.idx]
		}
		out, err := json.Marshal(&it)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE items SET item = ?, pending = 0 WHERE seq = ?`, string(out), seq)
		return err
	})
}

// MediaFailed counts a failed attempt at fetching a media.
func (s *Spool) MediaFailed(ctx context.Context, seq int64, idx int, reason string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE media SET tries = tries + 1, error = ? WHERE seq = ? AND idx = ?`, reason, seq, idx)
		return err
	})
}

// SetMediaBlob records that the media with this ref is the blob b, for every
// item waiting for it, and returns those items' sequence numbers.
func (s *Spool) SetMediaBlob(ctx context.Context, ref string, b blob.Ref) ([]int64, error) {
	if err := s.blobs.Sync(ctx); err != nil {
		return nil, err
	}
	var seqs []int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT DISTINCT m.seq FROM media m JOIN items i ON i.seq = m.seq WHERE m.ref = ? AND i.pending > 0`, ref)
		if err != nil {
			return err
		}
		for rows.Next() {
			var seq int64
			if err := rows.Scan(&seq); err != nil {
				rows.Close()
				return err
			}
			seqs = append(seqs, seq)
		}
		rows.Close()
		_, err = tx.ExecContext(ctx, `UPDATE media SET ref = ? WHERE ref = ? AND seq IN (SELECT seq FROM items WHERE pending > 0)`,
			fmt.Sprintf("blob:%s:%d", b.SHA256, b.Size), ref)
		return err
	})
	return seqs, err
}

// CompleteIfReady releases item seq to the export when all its media are
// blobs.
func (s *Spool) CompleteIfReady(ctx context.Context, seq int64) error {
	rows, err := s.r.QueryContext(ctx, `SELECT idx, ref FROM media WHERE seq = ?`, seq)
	if err != nil {
		return err
	}
	have := map[int]blob.Ref{}
	failed := map[int]string{}
	ready := true
	for rows.Next() {
		var idx int
		var ref string
		if err := rows.Scan(&idx, &ref); err != nil {
			rows.Close()
			return err
		}
		if reason, ok := strings.CutPrefix(ref, "failed:"); ok {
			failed[idx] = reason
			continue
		}
		var r blob.Ref
		if _, err := fmt.Sscanf(strings.ReplaceAll(strings.TrimPrefix(ref, "blob:"), ":", " "), "%s %d", &r.SHA256, &r.Size); err != nil || !strings.HasPrefix(ref, "blob:") {
			ready = false
			continue
		}
		have[idx] = r
	}
	rows.Close()
	if !ready {
		return nil
	}
	return s.CompleteMedia(ctx, seq, have, failed)
}

// Remaining counts the items of src captured after seq.
func (s *Spool) Remaining(ctx context.Context, src item.Source, after int64) (int64, error) {
	var n int64
	err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM items WHERE source = ? AND seq > ?`, string(src), after).Scan(&n)
	return n, err
}

// GiveUpMedia marks a media as not to be had, with the reason, and releases
// its item when nothing else is pending (the reason noted in its meta).
func (s *Spool) GiveUpMedia(ctx context.Context, seq int64, idx int, reason string) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE media SET ref = ? WHERE seq = ? AND idx = ?`, "failed:"+reason, seq, idx)
		return err
	})
	if err != nil {
		return err
	}
	return s.CompleteIfReady(ctx, seq)
}

// IsUserPhone reports whether a registered user has the number (E.164).
func (s *Spool) IsUserPhone(ctx context.Context, phone string) (bool, error) {
	var ok bool
	err := s.r.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM user_phones WHERE phone = ?)`, phone).Scan(&ok)
	return ok, err
}

// Item returns a captured item by source and source id.
func (s *Spool) Item(ctx context.Context, src item.Source, sourceID string) (*item.Item, error) {
	var js string
	err := s.r.QueryRowContext(ctx, `SELECT item FROM items WHERE source = ? AND source_id = ?`, string(src), sourceID).Scan(&js)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%s item %q: %w", src, sourceID, ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	var it item.Item
	if err := json.Unmarshal([]byte(js), &it); err != nil {
		return nil, err
	}
	return &it, nil
}

package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/custos-archive/custos/compliance/audit"
)

// User is a person in the directory. Each user has a mailbox at their email
// address.
type User struct {
	ID        int64
	Email     string
	Name      string
	Phones    []string // E.164
	CreatedAt time.Time
}

// Mailbox is an archive mailbox.
type Mailbox struct {
	ID      int64
	Address string
	UserID  int64 // 0 when the mailbox belongs to no user
}

// Folder is a folder of a mailbox.
type Folder struct {
	ID          int64
	MailboxID   int64
	Name        string
	UIDValidity uint32
	UIDNext     uint32
	Items       int64 // copies filed in the folder (not counting deleted ones)
	Bytes       int64 // their total size
}

// PutUser creates the user and their mailbox, or updates the name and phones
// of the user with that email. It reports whether the user was created.
func (s *Store) PutUser(ctx context.Context, u User) (created bool, err error) {
	email := strings.ToLower(strings.TrimSpace(u.Email))
	if email == "" {
		return false, errors.New("putting user: email is empty")
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		created, err = putUserTx(ctx, tx, u, s.now().Unix())
		return err
	})
	if err != nil {
		return false, fmt.Errorf("putting user %s: %w", email, err)
	}
	return created, nil
}

// PutUsers creates or updates users as PutUser does, all in one
// transaction, with an audit record by actor for each user created or
// updated. It returns the emails of the users created and updated.
func (s *Store) PutUsers(ctx context.Context, us []User, actor string) (created, updated []string, err error) {
	for _, u := range us {
		if strings.TrimSpace(u.Email) == "" {
			return nil, nil, errors.New("putting users: an email is empty")
		}
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		created, updated = nil, nil
		var es []audit.Entry
		for _, u := range us {
			email := strings.ToLower(strings.TrimSpace(u.Email))
			c, err := putUserTx(ctx, tx, u, s.now().Unix())
			if err != nil {
				return fmt.Errorf("user %s: %w", email, err)
			}
			action := audit.UserUpdate
			if c {
				created = append(created, email)
				action = audit.UserCreate
			} else {
				updated = append(updated, email)
			}
			es = append(es, audit.Entry{Actor: actor, Action: action, Object: "user:" + email,
				Details: map[string]any{"name": u.Name, "phones": u.Phones, "mailbox": email}})
		}
		if len(es) == 0 {
			return nil
		}
		_, err := s.appendAudit(ctx, tx, es...)
		return err
	})
	if err != nil {
		return nil, nil, fmt.Errorf("putting users: %w", err)
	}
	return created, updated, nil
}

func putUserTx(ctx context.Context, tx *sql.Tx, u User, now int64) (created bool, err error) {
	email := strings.ToLower(strings.TrimSpace(u.Email))
	var id int64
	err = tx.QueryRowContext(ctx, `SELECT id FROM users WHERE email = ?`, email).Scan(&id)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		res, err := tx.ExecContext(ctx, `INSERT INTO users (email, name, created_at) VALUES (?, ?, ?)`, email, u.Name, now)
		if err != nil {
			return false, err
		}
		id, _ = res.LastInsertId()
		created = true
	case err != nil:
		return false, err
	default:
		if _, err := tx.ExecContext(ctx, `UPDATE users SET name = ? WHERE id = ?`, u.Name, id); err != nil {
			return false, err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM user_phones WHERE user_id = ?`, id); err != nil {
			return false, err
		}
	}
	for _, p := range u.Phones {
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO user_phones (user_id, phone) VALUES (?, ?)`, id, p); err != nil {
			return false, err
		}
	}
	var mb int64
	err = tx.QueryRowContext(ctx, `SELECT id FROM mailboxes WHERE address = ?`, email).Scan(&mb)
	if errors.Is(err, sql.ErrNoRows) {
		_, err = tx.ExecContext(ctx, `INSERT INTO mailboxes (address, user_id, created_at) VALUES (?, ?, ?)`, email, id, now)
	} else if err == nil {
		_, err = tx.ExecContext(ctx, `UPDATE mailboxes SET user_id = ? WHERE id = ?`, id, mb)
	}
	return created, err
}

// Users lists the directory, ordered by email.
func (s *Store) Users(ctx context.Context) ([]User, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT u.id, u.email, u.name, u.created_at, COALESCE(group_concat(p.phone, ';'), '')
		FROM users u LEFT JOIN user_phones p ON p.user_id = u.id GROUP BY u.id ORDER BY u.email`)
	if err != nil {
		return nil, fmt.Errorf("listing users: %w", err)
	}
	defer rows.Close()
	var us []User
	for rows.Next() {
		var u User
		var created int64
		var phones string
		if err := rows.Scan(&u.ID, &u.Email, &u.Name, &created, &phones); err != nil {
			return nil, fmt.Errorf("listing users: %w", err)
		}
		u.CreatedAt = time.Unix(created, 0).UTC()
		if phones != "" {
			u.Phones = strings.Split(phones, ";")
		}
		us = append(us, u)
	}
	return us, rows.Err()
}

// CreateMailbox creates a mailbox that belongs to no user (a shared or
// journal mailbox).
func (s *Store) CreateMailbox(ctx context.Context, address string) (Mailbox, error) {
	address = strings.ToLower(strings.TrimSpace(address))
	var m Mailbox
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO mailboxes (address, created_at) VALUES (?, ?)`, address, s.now().Unix())
		if err != nil {
			return err
		}
		m.ID, _ = res.LastInsertId()
		m.Address = address
		return nil
	})
	if isUnique(err) {
		return Mailbox{}, fmt.Errorf("creating mailbox %s: %w", address, ErrExists)
	}
	if err != nil {
		return Mailbox{}, fmt.Errorf("creating mailbox %s: %w", address, err)
	}
	return m, nil
}

// Mailbox returns the mailbox at address.
func (s *Store) Mailbox(ctx context.Context, address string) (Mailbox, error) {
	address = strings.ToLower(strings.TrimSpace(address))
	var m Mailbox
	var uid sql.NullInt64
	err := s.r.QueryRowContext(ctx, `SELECT id, address, user_id FROM mailboxes WHERE address = ?`, address).Scan(&m.ID, &m.Address, &uid)
	if errors.Is(err, sql.ErrNoRows) {
		return Mailbox{}, fmt.Errorf("mailbox %s: %w", address, ErrNotFound)
	}
	if err != nil {
		return Mailbox{}, fmt.Errorf("mailbox %s: %w", address, err)
	}
	m.UserID = uid.Int64
	return m, nil
}

// MailboxIndex returns every mailbox's id by address, for user mapping.
func (s *Store) MailboxIndex(ctx context.Context) (map[string]int64, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT address, id FROM mailboxes`)
	if err != nil {
		return nil, fmt.Errorf("listing mailboxes: %w", err)
	}
	defer rows.Close()
	idx := map[string]int64{}
	for rows.Next() {
		var a string
		var id int64
		if err := rows.Scan(&a, &id); err != nil {
			return nil, err
		}
		idx[a] = id
	}
	return idx, rows.Err()
}

// Folders lists the folders of a mailbox with their item counts, by name.
func (s *Store) Folders(ctx context.Context, mailboxID int64) ([]Folder, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT f.id, f.mailbox_id, f.name, f.uid_validity, f.uid_next,
			(SELECT COUNT(*) FROM copies c WHERE c.folder_id = f.id AND c.deleted_at IS NULL),
			(SELECT COALESCE(SUM(i.size), 0) FROM copies c JOIN items i ON i.id = c.item_id WHERE c.folder_id = f.id AND c.deleted_at IS NULL)
		FROM folders f WHERE f.mailbox_id = ? ORDER BY f.name`, mailboxID)
	if err != nil {
		return nil, fmt.Errorf("listing folders: %w", err)
	}
	defer rows.Close()
	var fs []Folder
	for rows.Next() {
		var f Folder
		if err := rows.Scan(&f.ID, &f.MailboxID, &f.Name, &f.UIDValidity, &f.UIDNext, &f.Items, &f.Bytes); err != nil {
			return nil, fmt.Errorf("listing folders: %w", err)
		}
		fs = append(fs, f)
	}
	return fs, rows.Err()
}

// Folder returns the folder of the mailbox with that name.
func (s *Store) Folder(ctx context.Context, mailboxID int64, name string) (Folder, error) {
	fs, err := s.Folders(ctx, mailboxID)
	if err != nil {
		return Folder{}, err
	}
	for _, f := range fs {
		if f.Name == name {
			return f, nil
		}
	}
	return Folder{}, fmt.Errorf("folder %q: %w", name, ErrNotFound)
}

// folderTx returns the id of the folder, creating it if needed.
func folderTx(ctx context.Context, tx *sql.Tx, mailboxID int64, name string, now time.Time) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM folders WHERE mailbox_id = ? AND name = ?`, mailboxID, name).Scan(&id)
	if err == nil {
		return id, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, err
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO folders (mailbox_id, name, uid_validity) VALUES (?, ?, ?)`,
		mailboxID, name, uint32(now.Unix()))
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

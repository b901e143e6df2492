package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/custos-archive/custos/compliance/audit"
	"github.com/custos-archive/custos/password"
)

// ErrAuth is returned by Authenticate for an unknown user or a wrong
// password. It does not say which, so it tells an attacker nothing.
var ErrAuth = errors.New("wrong user name or password")

// MinPasswordLen is the shortest password SetPassword accepts.
const MinPasswordLen = 12

// hashPassword and checkPassword are argon2id (see package password).
var (
	hashPassword  = password.Hash
	checkPassword = password.Check
)

// dummyHash is checked against when the user does not exist, so that an
// unknown user takes as long to refuse as a wrong password.
var dummyHash = sync.OnceValue(func() string {
	h, _ := hashPassword("no such user")
	return h
})

// userByEmail returns the user with that email.
func (s *Store) userByEmail(ctx context.Context, email string) (User, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	var u User
	var created int64
	err := s.r.QueryRowContext(ctx, `SELECT id, email, name, created_at FROM users WHERE email = ?`, email).Scan(&u.ID, &u.Email, &u.Name, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, fmt.Errorf("user %s: %w", email, ErrNotFound)
	}
	if err != nil {
		return User{}, fmt.Errorf("user %s: %w", email, err)
	}
	u.CreatedAt = time.Unix(created, 0).UTC()
	return u, nil
}

// SetPassword sets the password of the user with that email (for IMAP
// logins). It must have at least MinPasswordLen characters.
func (s *Store) SetPassword(ctx context.Context, email, password string) error {
	if len([]rune(password)) < MinPasswordLen {
		return fmt.Errorf("the password must have at least %d characters", MinPasswordLen)
	}
	u, err := s.userByEmail(ctx, email)
	if err != nil {
		return err
	}
	h, err := hashPassword(password)
	if err != nil {
		return err
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO user_passwords (user_id, hash, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (user_id) DO UPDATE SET hash = excluded.hash, updated_at = excluded.updated_at`, u.ID, h, s.now().Unix())
		return err
	})
	if err != nil {
		return fmt.Errorf("setting the password of %s: %w", u.Email, err)
	}
	return nil
}

// AppPassword is a named app password of a user (the secret itself is shown
// once, when it is made, and never stored).
type AppPassword struct {
	Name       string
	CreatedAt  time.Time
	LastUsedAt time.Time // zero when never used
}

// appPasswordAlphabet has no letters that look alike (no l, o, i).
const appPasswordAlphabet = "abcdefghjkmnpqrstuvwxyz23456789"

// newAppSecret returns a random secret of 24 characters from a 31-letter
// alphabet (about 119 bits) in groups of four: "abcd-efgh-…".
func newAppSecret() (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	var sb strings.Builder
	for i, x := range b {
		if i > 0 && i%4 == 0 {
			sb.WriteByte('-')
		}
		// 256 is not a multiple of 31; the bias (at most 1/8 on a few
		// letters) costs well under a bit of the 119.
		sb.WriteByte(appPasswordAlphabet[int(x)%len(appPasswordAlphabet)])
	}
	return sb.String(), nil
}

func appSecretHash(secret string) string {
	// Spaces and dashes are for reading; users may type them or not.
	norm := strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' {
			return -1
		}
		return r
	}, strings.ToLower(secret))
	h := sha256.Sum256([]byte(norm))
	return hex.EncodeToString(h[:])
}

// AddAppPassword makes a new app password for the user and returns its
// secret, which is not stored and cannot be shown again.
func (s *Store) AddAppPassword(ctx context.Context, email, name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", errors.New("an app password needs a name (e.g. the device or mail client)")
	}
	u, err := s.userByEmail(ctx, email)
	if err != nil {
		return "", err
	}
	secret, err := newAppSecret()
	if err != nil {
		return "", err
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO app_passwords (user_id, name, sha256, created_at) VALUES (?, ?, ?, ?)`,
			u.ID, name, appSecretHash(secret), s.now().Unix())
		return err
	})
	if isUnique(err) {
		return "", fmt.Errorf("app password %q of %s: %w", name, u.Email, ErrExists)
	}
	if err != nil {
		return "", fmt.Errorf("adding an app password for %s: %w", u.Email, err)
	}
	return secret, nil
}

// AppPasswords lists the user's app passwords by name.
func (s *Store) AppPasswords(ctx context.Context, email string) ([]AppPassword, error) {
	u, err := s.userByEmail(ctx, email)
	if err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT name, created_at, last_used_at FROM app_passwords WHERE user_id = ? ORDER BY name`, u.ID)
	if err != nil {
		return nil, fmt.Errorf("listing app passwords: %w", err)
	}
	defer rows.Close()
	var out []AppPassword
	for rows.Next() {
		var a AppPassword
		var created, used int64
		if err := rows.Scan(&a.Name, &created, &used); err != nil {
			return nil, fmt.Errorf("listing app passwords: %w", err)
		}
		a.CreatedAt = time.Unix(created, 0).UTC()
		if used > 0 {
			a.LastUsedAt = time.Unix(used, 0).UTC()
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// RevokeAppPassword deletes the user's app password of that name.
func (s *Store) RevokeAppPassword(ctx context.Context, email, name string) error {
	u, err := s.userByEmail(ctx, email)
	if err != nil {
		return err
	}
	var n int64
	err = s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM app_passwords WHERE user_id = ? AND name = ?`, u.ID, strings.TrimSpace(name))
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return nil
	})
	if err != nil {
		return fmt.Errorf("revoking app password %q of %s: %w", name, u.Email, err)
	}
	if n == 0 {
		return fmt.Errorf("app password %q of %s: %w", name, u.Email, ErrNotFound)
	}
	return nil
}

// Authenticate checks a user's email and secret — an app password or their
// password — and returns the user. A wrong or unknown one is ErrAuth. Every
// attempt, accepted or refused, is recorded in the audit log (action login).
func (s *Store) Authenticate(ctx context.Context, email, secret string) (User, error) {
	u, how, err := s.authenticate(ctx, email, secret)
	who := strings.ToLower(strings.TrimSpace(email))
	if len(who) > 200 {
		who = who[:200]
	}
	e := audit.Entry{Actor: who, Action: audit.Login, Object: "user:" + who, Details: map[string]any{"with": how}}
	switch {
	case errors.Is(err, ErrAuth):
		e.Outcome, e.Details = audit.Failure, map[string]any{"error": "wrong user name or password"}
	case err != nil:
		return u, err
	}
	if e.Actor == "" {
		e.Actor, e.Object = "(empty user name)", "user:"
	}
	if _, aerr := s.Audit(ctx, e); aerr != nil && err == nil {
		return User{}, fmt.Errorf("recording the login: %w", aerr)
	}
	return u, err
}

func (s *Store) authenticate(ctx context.Context, email, secret string) (User, string, error) {
	u, err := s.userByEmail(ctx, email)
	if errors.Is(err, ErrNotFound) {
		checkPassword(dummyHash(), secret)
		return User{}, "", ErrAuth
	}
	if err != nil {
		return User{}, "", err
	}
	var appID int64
	err = s.r.QueryRowContext(ctx, `SELECT id FROM app_passwords WHERE user_id = ? AND sha256 = ?`, u.ID, appSecretHash(secret)).Scan(&appID)
	switch {
	case err == nil:
		// Best effort: a failed write of the last use does not refuse the login.
		_ = s.write(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE app_passwords SET last_used_at = ? WHERE id = ?`, s.now().Unix(), appID)
			return err
		})
		return u, "app password", nil
	case !errors.Is(err, sql.ErrNoRows):
		return User{}, "", fmt.Errorf("checking credentials: %w", err)
	}
	var hash string
	err = s.r.QueryRowContext(ctx, `SELECT hash FROM user_passwords WHERE user_id = ?`, u.ID).Scan(&hash)
	if errors.Is(err, sql.ErrNoRows) {
		checkPassword(dummyHash(), secret)
		return User{}, "", ErrAuth
	}
	if err != nil {
		return User{}, "", fmt.Errorf("checking credentials: %w", err)
	}
	if !checkPassword(hash, secret) {
		return User{}, "", ErrAuth
	}
	return u, "password", nil
}

package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Mapping returns the custom user-mapping table stored under name, as
// canonical CSV, or an error wrapping ErrNotFound.
func (s *Store) Mapping(ctx context.Context, name string) ([]byte, error) {
	var csv string
	err := s.r.QueryRowContext(ctx, `SELECT csv FROM mappings WHERE name = ?`, name).Scan(&csv)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("mapping %q: %w", name, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("mapping %q: %w", name, err)
	}
	return []byte(csv), nil
}

// SetMapping stores (replacing) the mapping table under name.
func (s *Store) SetMapping(ctx context.Context, name string, csv []byte) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO mappings (name, csv, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET csv = excluded.csv, updated_at = excluded.updated_at`, name, string(csv), s.now().Unix())
		return err
	})
	if err != nil {
		return fmt.Errorf("storing mapping %q: %w", name, err)
	}
	return nil
}

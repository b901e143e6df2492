package usermap

import (
	"encoding/csv"
	"fmt"
	"io"
)

// Write writes entries as a canonical mapping CSV: the header
// phone,email,valid_from,valid_to and one line per entry. A period bound that
// is a midnight UTC is written as a date (for valid_to, the last day the
// mapping holds), any other as an RFC 3339 timestamp in UTC; an open bound is
// empty. Parse reads what Write writes back to the same entries (except Line
// and AssumedRegion), so a Table can be stored and reloaded.
func Write(w io.Writer, entries []Entry) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(columnNames[:]); err != nil {
		return fmt.Errorf("writing mapping CSV header: %w", err)
	}
	for i := range entries {
		e := &entries[i]
		rec := []string{e.Phone, e.Email, formatFrom(e.ValidFrom), formatTo(e.ValidTo)}
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("writing mapping CSV line for %s: %w", e.Phone, err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("writing mapping CSV: %w", err)
	}
	return nil
}

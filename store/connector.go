package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Connector is a connector definition as stored.
type Connector struct {
	ID          int64
	Name        string
	Source      string
	SiteURL     string
	Username    string
	PasswordEnc []byte // sealed with the data folder's secret key
	Setup       json.RawMessage
	AutoMapping bool
	Schedule    string
	State       string
	Error       string
	Cursor      string
	NextRunAt   time.Time
	CreatedAt   time.Time
}

// PutConnector creates the connector (ID 0) or updates it, and returns its id.
func (s *Store) PutConnector(ctx context.Context, c Connector) (int64, error) {
	next := int64(0)
	if !c.NextRunAt.IsZero() {
		next = c.NextRunAt.UnixMilli()
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		if c.ID == 0 {
			res, err := tx.ExecContext(ctx, `INSERT INTO connectors (name, source, site_url, username, password_enc, setup, auto_mapping, schedule, state, error, cursor, next_run_at, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, c.Name, c.Source, c.SiteURL, c.Username, c.PasswordEnc, string(c.Setup),
				c.AutoMapping, c.Schedule, c.State, c.Error, c.Cursor, next, s.now().UnixMilli())
			if err != nil {
				return err
			}
			c.ID, _ = res.LastInsertId()
			return nil
		}
		res, err := tx.ExecContext(ctx, `UPDATE connectors SET name = ?, site_url = ?, username = ?, password_enc = ?, setup = ?, auto_mapping = ?,
			schedule = ?, state = ?, error = ?, next_run_at = ? WHERE id = ?`, c.Name, c.SiteURL, c.Username, c.PasswordEnc, string(c.Setup),
			c.AutoMapping, c.Schedule, c.State, c.Error, next, c.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("connector %d: %w", c.ID, ErrNotFound)
		}
		return nil
	})
	if isUnique(err) {
		return 0, fmt.Errorf("connector %q: %w", c.Name, ErrExists)
	}
	if err != nil {
		return 0, fmt.Errorf("storing connector %q: %w", c.Name, err)
	}
	return c.ID, nil
}

const connectorCols = `id, name, source, site_url, username, password_enc, setup, auto_mapping, schedule, state, error, cursor, next_run_at, created_at`

func scanConnector(r scanner) (Connector, error) {
	var c Connector
	var setup string
	var next, created int64
	err := r.Scan(&c.ID, &c.Name, &c.Source, &c.SiteURL, &c.Username, &c.PasswordEnc, &setup, &c.AutoMapping, &c.Schedule, &c.State, &c.Error, &c.Cursor, &next, &created)
	c.Setup = json.RawMessage(setup)
	if next > 0 {
		c.NextRunAt = time.UnixMilli(next).UTC()
	}
	c.CreatedAt = time.UnixMilli(created).UTC()
	return c, err
}

// Connector returns the connector with that name (or numeric id).
func (s *Store) Connector(ctx context.Context, nameOrID string) (Connector, error) {
	c, err := scanConnector(s.r.QueryRowContext(ctx, `SELECT `+connectorCols+` FROM connectors WHERE name = ? OR CAST(id AS TEXT) = ?`, nameOrID, nameOrID))
	if errors.Is(err, sql.ErrNoRows) {
		return Connector{}, fmt.Errorf("connector %q: %w", nameOrID, ErrNotFound)
	}
	return c, err
}

// Connectors lists the connectors by name.
func (s *Store) Connectors(ctx context.Context) ([]Connector, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+connectorCols+` FROM connectors ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var cs []Connector
	for rows.Next() {
		c, err := scanConnector(rows)
		if err != nil {
			return nil, err
		}
		cs = append(cs, c)
	}
	return cs, rows.Err()
}

// RemoveConnector deletes a connector definition and its run history. What
// it archived stays in the mailboxes.
func (s *Store) RemoveConnector(ctx context.Context, id int64) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		for _, q := range []string{`DELETE FROM connector_runs WHERE connector_id = ?`, `DELETE FROM connector_failures WHERE connector_id = ?`,
			`DELETE FROM completeness WHERE connector_id = ?`, `DELETE FROM connectors WHERE id = ?`} {
			if _, err := tx.ExecContext(ctx, q, id); err != nil {
				return err
			}
		}
		return nil
	})
}

// Run is one run of a connector.
type Run struct {
	ID          int64     `json:"id"`
	ConnectorID int64     `json:"connector_id"`
	StartedAt   time.Time `json:"started_at"`
	FinishedAt  time.Time `json:"finished_at,omitzero"`
	Status      string    `json:"status"`
	Trigger     string    `json:"trigger"`
	Fetched     int64     `json:"fetched"`
	Imported    int64     `json:"imported"`
	Duplicates  int64     `json:"duplicates"`
	Copies      int64     `json:"copies"`
	Unmapped    int64     `json:"unmapped"`
	Failed      int64     `json:"failed"`
	Total       int64     `json:"total"`
	Errors      string    `json:"errors,omitempty"`
}

// RunOwner is the process running a run.
type RunOwner struct {
	Host string
	PID  int
}

// RunningRun is a run of a connector still marked running.
type RunningRun struct {
	ID        int64
	Owner     RunOwner
	Started   time.Time
	Heartbeat time.Time     // when its process last said it was alive
	Silent    time.Duration // since then, by the store's clock
}

// BusyError is returned by StartRun when another process is running the
// connector.
type BusyError struct {
	Connector int64
	Run       RunningRun
}

func (e *BusyError) Error() string {
	return fmt.Sprintf("the connector is being run by process %d on %s (run %d, started %s, alive at %s): wait for it to finish",
		e.Run.Owner.PID, e.Run.Owner.Host, e.Run.ID, e.Run.Started.UTC().Format(time.RFC3339), e.Run.Heartbeat.UTC().Format(time.RFC3339))
}

// StartRun records a new run by owner. A run of the connector still marked
// running is taken over — marked interrupted, its counts kept, as every
// committed batch updated them — when dead says its process is gone;
// otherwise StartRun returns a *BusyError and records nothing.
func (s *Store) StartRun(ctx context.Context, connectorID int64, trigger string, total int64, owner RunOwner, dead func(RunningRun) bool) (int64, error) {
	var id int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id, host, pid, started_at, heartbeat_at FROM connector_runs WHERE connector_id = ? AND status = 'running'`, connectorID)
		if err != nil {
			return err
		}
		var running []RunningRun
		for rows.Next() {
			var r RunningRun
			var started, beat int64
			if err := rows.Scan(&r.ID, &r.Owner.Host, &r.Owner.PID, &started, &beat); err != nil {
				rows.Close()
				return err
			}
			r.Started, r.Heartbeat = time.UnixMilli(started), time.UnixMilli(max(beat, started))
			r.Silent = s.now().Sub(r.Heartbeat)
			running = append(running, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, r := range running {
			if !dead(r) {
				return &BusyError{Connector: connectorID, Run: r}
			}
		}
		now := s.now().UnixMilli()
		if _, err := tx.ExecContext(ctx, `UPDATE connector_runs SET status = 'interrupted', finished_at = ? WHERE connector_id = ? AND status = 'running'`,
			now, connectorID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO connector_runs (connector_id, started_at, status, trigger, total, host, pid, heartbeat_at) VALUES (?, ?, 'running', ?, ?, ?, ?, ?)`,
			connectorID, now, trigger, total, owner.Host, owner.PID, now)
		if err != nil {
			return err
		}
		id, _ = res.LastInsertId()
		return nil
	})
	return id, err
}

// Heartbeat records that the run's process is alive.
func (s *Store) Heartbeat(ctx context.Context, runID int64) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE connector_runs SET heartbeat_at = ? WHERE id = ?`, s.now().UnixMilli(), runID)
		return err
	})
}

// FinishRun ends a run with a status and error text, and sets the
// connector's state, error and next run.
func (s *Store) FinishRun(ctx context.Context, runID int64, status, errText string, connState, connErr string, next time.Time) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		var cid int64
		if err := tx.QueryRowContext(ctx, `SELECT connector_id FROM connector_runs WHERE id = ?`, runID).Scan(&cid); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE connector_runs SET status = ?, errors = ?, finished_at = ? WHERE id = ?`,
			status, errText, s.now().UnixMilli(), runID); err != nil {
			return err
		}
		n := int64(0)
		if !next.IsZero() {
			n = next.UnixMilli()
		}
		_, err := tx.ExecContext(ctx, `UPDATE connectors SET state = ?, error = ?, next_run_at = ? WHERE id = ?`, connState, connErr, n, cid)
		return err
	})
}

// SetRunTotal records how many items a run has to fetch.
func (s *Store) SetRunTotal(ctx context.Context, runID, total int64) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE connector_runs SET total = ? WHERE id = ?`, total, runID)
		return err
	})
}

// Runs returns a connector's runs, newest first.
func (s *Store) Runs(ctx context.Context, connectorID int64, limit int) ([]Run, error) {
	if limit <= 0 {
		limit = 50
	}
	rows, err := s.r.QueryContext(ctx, `SELECT id, connector_id, started_at, finished_at, status, trigger, fetched, imported, duplicates, copies, unmapped, failed, total, errors
		FROM connector_runs WHERE connector_id = ? ORDER BY id DESC LIMIT ?`, connectorID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	runs := []Run{}
	for rows.Next() {
		var r Run
		var st, fin int64
		if err := rows.Scan(&r.ID, &r.ConnectorID, &st, &fin, &r.Status, &r.Trigger, &r.Fetched, &r.Imported, &r.Duplicates, &r.Copies,
			&r.Unmapped, &r.Failed, &r.Total, &r.Errors); err != nil {
			return nil, err
		}
		r.StartedAt = time.UnixMilli(st).UTC()
		if fin > 0 {
			r.FinishedAt = time.UnixMilli(fin).UTC()
		}
		runs = append(runs, r)
	}
	return runs, rows.Err()
}

// Checkpoint is what a connector's batch moves forward, in the same
// transaction as the batch: the cursor, the run's counts and the
// completeness tallies. So after a crash the cursor, the counts and the
// archive agree: nothing is fetched twice or counted twice.
type Checkpoint struct {
	Connector int64
	Run       int64
	Cursor    string
	// Days holds the UTC capture day (YYYY-MM-DD) of each item of the batch.
	Days []string
	// Failures are items of the page that could not be archived.
	Failures []Failure
}

// Failure is an item a connector could not archive, kept with the reason.
type Failure struct {
	SourceID string
	Reason   string
	Item     string // the item's JSON as fetched
	Day      string
}

func applyCheckpoint(ctx context.Context, tx *sql.Tx, cp *Checkpoint, batch []NewItem, out []Outcome, now time.Time) error {
	type tally struct{ archived, dups, quarantined, failed int64 }
	days := map[string]*tally{}
	day := func(d string) *tally {
		if days[d] == nil {
			days[d] = &tally{}
		}
		return days[d]
	}
	var imported, dups, copies, unmapped int64
	for i, o := range out {
		d := ""
		if i < len(cp.Days) {
			d = cp.Days[i]
		}
		switch {
		case o.Duplicate:
			dups++
			day(d).dups++
		case o.Quarantined:
			unmapped++
			day(d).quarantined++
		default:
			imported++
			copies += int64(o.Copies)
			day(d).archived++
		}
	}
	for _, f := range cp.Failures {
		day(f.Day).failed++
		if _, err := tx.ExecContext(ctx, `INSERT INTO connector_failures (connector_id, source_id, run_id, reason, item, at) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (connector_id, source_id) DO UPDATE SET run_id = excluded.run_id, reason = excluded.reason, at = excluded.at`,
			cp.Connector, f.SourceID, cp.Run, f.Reason, f.Item, now.UnixMilli()); err != nil {
			return err
		}
	}
	fetched := int64(len(batch) + len(cp.Failures))
	if _, err := tx.ExecContext(ctx, `UPDATE connector_runs SET fetched = fetched + ?, imported = imported + ?, duplicates = duplicates + ?,
		copies = copies + ?, unmapped = unmapped + ?, failed = failed + ?, heartbeat_at = ? WHERE id = ?`,
		fetched, imported, dups, copies, unmapped, int64(len(cp.Failures)), now.UnixMilli(), cp.Run); err != nil {
		return err
	}
	for d, t := range days {
		if _, err := tx.ExecContext(ctx, `INSERT INTO completeness (connector_id, day, archived, duplicates, quarantined, failed) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (connector_id, day) DO UPDATE SET archived = archived + excluded.archived, duplicates = duplicates + excluded.duplicates,
			quarantined = quarantined + excluded.quarantined, failed = failed + excluded.failed`,
			cp.Connector, d, t.archived, t.dups, t.quarantined, t.failed); err != nil {
			return err
		}
	}
	_, err := tx.ExecContext(ctx, `UPDATE connectors SET cursor = ? WHERE id = ?`, cp.Cursor, cp.Connector)
	return err
}

// ConnectorFailure is a stored failure.
type ConnectorFailure struct {
	SourceID string    `json:"source_id"`
	Reason   string    `json:"reason"`
	RunID    int64     `json:"run_id"`
	At       time.Time `json:"at"`
}

// ConnectorFailures lists what a connector could not archive.
func (s *Store) ConnectorFailures(ctx context.Context, connectorID int64) ([]ConnectorFailure, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT source_id, reason, run_id, at FROM connector_failures WHERE connector_id = ? ORDER BY at`, connectorID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []ConnectorFailure{}
	for rows.Next() {
		var f ConnectorFailure
		var at int64
		if err := rows.Scan(&f.SourceID, &f.Reason, &f.RunID, &at); err != nil {
			return nil, err
		}
		f.At = time.UnixMilli(at).UTC()
		out = append(out, f)
	}
	return out, rows.Err()
}

// DayRecord is a completeness record: what the site captured on a day and
// what the archive did with it.
type DayRecord struct {
	Day         string    `json:"day"`
	Captured    int64     `json:"captured"` // -1 until checked
	Archived    int64     `json:"archived"`
	Duplicates  int64     `json:"duplicates"`
	Quarantined int64     `json:"quarantined"`
	Failed      int64     `json:"failed"`
	CheckedAt   time.Time `json:"checked_at,omitzero"`
}

// Closes reports whether the day's sums close: captured = archived +
// duplicates + quarantined + failed.
func (d DayRecord) Closes() bool {
	return d.Captured == d.Archived+d.Duplicates+d.Quarantined+d.Failed
}

// SetCaptured records the site's count for a day.
func (s *Store) SetCaptured(ctx context.Context, connectorID int64, day string, captured int64) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO completeness (connector_id, day, captured, checked_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (connector_id, day) DO UPDATE SET captured = excluded.captured, checked_at = excluded.checked_at`,
			connectorID, day, captured, s.now().UnixMilli())
		return err
	})
}

// Completeness returns a connector's completeness records by day.
func (s *Store) Completeness(ctx context.Context, connectorID int64) ([]DayRecord, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT day, captured, archived, duplicates, quarantined, failed, checked_at FROM completeness WHERE connector_id = ? ORDER BY day`, connectorID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []DayRecord{}
	for rows.Next() {
		var d DayRecord
		var at int64
		if err := rows.Scan(&d.Day, &d.Captured, &d.Archived, &d.Duplicates, &d.Quarantined, &d.Failed, &at); err != nil {
			return nil, err
		}
		if at > 0 {
			d.CheckedAt = time.UnixMilli(at).UTC()
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// QuarantinedByMapping lists the quarantined items filed under a mapping
// name (a connector's unmapped report).
func (s *Store) QuarantinedByMapping(ctx context.Context, mapping string, fn func(Quarantined) error) error {
	return s.QuarantineList(ctx, QuarantineFilter{Mapping: mapping}, fn)
}

package connector

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/custos-archive/custos/compliance/audit"
	"strings"
	"time"

	"github.com/custos-archive/custos/archive"
	"github.com/custos-archive/custos/connector/siteclient"
	"github.com/custos-archive/custos/item"
	"github.com/custos-archive/custos/store"
)

// PageSize is how many items a run fetches and commits at a time.
const PageSize = 500

// ErrBusy is returned when the connector is already running in this
// process; another process running it gives a *store.BusyError.
var ErrBusy = errors.New("the connector is already running")

// Run runs a connector now: it pulls everything captured since its
// checkpoint and files it. trigger is "manual" or "schedule". Wrong
// credentials put the connector in the error state; transient failures are
// retried with backoff, and a run that still fails leaves the checkpoint
// where the last committed page put it.
func (m *Manager) Run(ctx context.Context, name, trigger string) (store.Run, error) {
	c, err := m.st.Connector(ctx, name)
	if err != nil {
		return store.Run{}, err
	}
	if next := setupOf(c).Next(); next != "" {
		return store.Run{}, &StepError{"run", "finish creating the connector first (next step: " + next + ")"}
	}
	m.mu.Lock()
	if m.running[c.ID] {
		m.mu.Unlock()
		return store.Run{}, ErrBusy
	}
	m.running[c.ID] = true
	m.mu.Unlock()
	defer func() {
		m.mu.Lock()
		delete(m.running, c.ID)
		m.mu.Unlock()
	}()

	runID, err := m.st.StartRun(ctx, c.ID, trigger, -1, thisProcess(), deadRun)
	if err != nil {
		return store.Run{}, err
	}
	beat, stopBeat := context.WithCancel(ctx)
	defer stopBeat()
	go m.heartbeat(beat, runID)
	// Fixing the mapping fixes the past: items this connector quarantined
	// that now map (a corrected CSV, a new mailbox) are filed first.
	if rep, err := m.p.ReplayMapping(ctx, MappingName(c.Name)); err != nil {
		m.log.Warn("replaying unmapped items", "connector", c.Name, "err", err)
	} else if rep.Released > 0 {
		m.log.Info("filed unmapped items that now map", "connector", c.Name, "items", rep.Released)
	}
	runErr := m.pull(ctx, c, runID)
	state, connErr, status, errText := c.State, "", "succeeded", ""
	if state == StateError {
		state = StateActive
	}
	switch {
	case runErr == nil:
	case errors.Is(runErr, siteclient.ErrAuth):
		state, status = StateError, "failed"
		connErr = "the capture site refused the organisation's username or password: update them with 'custos connector login'"
		errText = connErr
	case ctx.Err() != nil:
		status, errText = "interrupted", ctx.Err().Error()
	default:
		status, errText = "failed", runErr.Error()
		connErr = "last run failed: " + runErr.Error()
	}
	next := time.Time{}
	if sc, err := ParseSchedule(c.Schedule); err == nil {
		next = sc.Next(m.now())
	}
	fctx := ctx
	if ctx.Err() != nil {
		var cancel context.CancelFunc
		fctx, cancel = context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
	}
	if err := m.st.FinishRun(fctx, runID, status, errText, state, connErr, next); err != nil {
		return store.Run{}, err
	}
	runs, err := m.st.Runs(fctx, c.ID, 1)
	if err != nil || len(runs) == 0 {
		return store.Run{}, err
	}
	r := runs[0]
	e := audit.Entry{Actor: m.actor, Action: audit.ConnectorRun, Object: "connector:" + c.Name, Details: map[string]any{
		"run": r.ID, "trigger": trigger, "status": r.Status, "fetched": r.Fetched, "imported": r.Imported, "duplicates": r.Duplicates,
		"copies": r.Copies, "unmapped": r.Unmapped, "failed": r.Failed, "error": errText}}
	if status != "succeeded" {
		e.Outcome = audit.Failure
	}
	if _, err := m.st.Audit(fctx, e); err != nil {
		return r, err
	}
	if runErr != nil {
		return runs[0], runErr
	}
	return runs[0], nil
}

// retry calls fn until it succeeds, fails for good, or the attempts run out.
func (m *Manager) retry(ctx context.Context, what string, fn func() error) error {
	wait := m.policy.First
	var err error
	for i := 0; i < m.policy.Attempts; i++ {
		err = fn()
		var te *siteclient.TransientError
		if err == nil || !errors.As(err, &te) {
			return err
		}
		m.log.Warn("capture site unavailable, retrying", "what", what, "attempt", i+1, "err", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait = min(wait*2, m.policy.Max)
	}
	return fmt.Errorf("%s: gave up after %d attempts: %w", what, m.policy.Attempts, err)
}

func (m *Manager) pull(ctx context.Context, c store.Connector, runID int64) error {
	pw, err := m.seal.Open(c.PasswordEnc, c.Name)
	if err != nil {
		return err
	}
	cl := siteclient.New(c.SiteURL, c.Username, pw, m.hc)
	if err := m.retry(ctx, "login", func() error { return cl.Login(ctx) }); err != nil {
		return err
	}
	src := item.Source(c.Source)
	mapping := archive.Mapping{Name: MappingName(c.Name), Auto: c.AutoMapping}
	cursor := c.Cursor
	first := true
	for {
		var page *siteclient.Page
		err := m.retry(ctx, "listing items", func() error {
			var err error
			page, err = cl.Items(ctx, src, cursor, PageSize)
			return err
		})
		if err != nil {
			return err
		}
		if first {
			first = false
			if err := m.st.SetRunTotal(ctx, runID, int64(len(page.Items))+page.Remaining); err != nil {
				return err
			}
		}
		if len(page.Items) == 0 {
			break
		}
		pg := archive.Page{}
		var failed []store.Failure
		for _, ci := range page.Items {
			raw, _ := json.Marshal(ci.Item)
			day := ci.CapturedAt.UTC().Format("2006-01-02")
			if err := m.fetchBlobs(ctx, cl, ci.Item); err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				var te *siteclient.TransientError
				if errors.As(err, &te) {
					return err // retried already: stop; the page is fetched again next run
				}
				failed = append(failed, store.Failure{SourceID: ci.Item.SourceID, Reason: err.Error(), Item: string(raw), Day: day})
				continue
			}
			pg.Items = append(pg.Items, ci.Item)
			pg.Days = append(pg.Days, day)
			pg.Raw = append(pg.Raw, raw)
		}
		if _, err := m.p.ArchivePage(ctx, pg, mapping, store.Checkpoint{Connector: c.ID, Run: runID, Cursor: page.NextCursor, Failures: failed}); err != nil {
			return err
		}
		cursor = page.NextCursor
		if !page.More {
			break
		}
	}
	return m.checkCompleteness(ctx, cl, c)
}

// fetchBlobs copies the item's attachment bytes from the site into the
// archive's blob store, checking their hash.
func (m *Manager) fetchBlobs(ctx context.Context, cl *siteclient.Client, it *item.Item) error {
	bs := m.p.Blobs()
	for _, a := range it.AllAttachments() {
		h := strings.TrimPrefix(a.Blob, "sha256:")
		if a.Blob == "" || h == a.Blob {
			return fmt.Errorf("attachment %q: the site gave no blob ref", a.Name)
		}
		if _, err := bs.Stat(ctx, h); err == nil {
			continue
		}
		err := m.retry(ctx, "fetching an attachment", func() error {
			rc, err := cl.Blob(ctx, h)
			if err != nil {
				return err
			}
			defer rc.Close()
			ref, err := bs.Put(ctx, rc)
			if err != nil {
				return &siteclient.TransientError{Err: err}
			}
			if ref.SHA256 != h {
				return fmt.Errorf("attachment %q: the site's bytes hash to %s, not %s", a.Name, ref.SHA256, h)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// checkCompleteness records the site's per-day counts beside the archive's.
func (m *Manager) checkCompleteness(ctx context.Context, cl *siteclient.Client, c store.Connector) error {
	var days []siteclient.DayCount
	err := m.retry(ctx, "reading counts", func() error {
		var err error
		days, err = cl.Counts(ctx, item.Source(c.Source))
		return err
	})
	if err != nil {
		return err
	}
	for _, d := range days {
		if err := m.st.SetCaptured(ctx, c.ID, d.Day, d.Count); err != nil {
			return err
		}
	}
	return nil
}

// Alerts returns the completeness records of a connector whose sums do not
// close.
func (m *Manager) Alerts(ctx context.Context, name string) ([]store.DayRecord, error) {
	c, err := m.st.Connector(ctx, name)
	if err != nil {
		return nil, err
	}
	recs, err := m.st.Completeness(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	var out []store.DayRecord
	for _, r := range recs {
		if r.Captured >= 0 && !r.Closes() {
			out = append(out, r)
		}
	}
	return out, nil
}

// Scheduler runs due connectors until ctx ends, checking every tick.
// Connectors run concurrently, each at most once at a time.
func (m *Manager) Scheduler(ctx context.Context, tick time.Duration) {
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		cs, err := m.st.Connectors(ctx)
		if err == nil {
			for _, c := range cs {
				if c.State == StateActive && !c.NextRunAt.IsZero() && !c.NextRunAt.After(m.now()) {
					go func(name string) {
						var busy *store.BusyError
						switch _, err := m.Run(ctx, name, "schedule"); {
						case errors.As(err, &busy):
							m.log.Info("connector run skipped: another process is running it", "connector", name, "err", err)
						case err != nil && !errors.Is(err, ErrBusy):
							m.log.Warn("connector run failed", "connector", name, "err", err)
						}
					}(c.Name)
				}
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

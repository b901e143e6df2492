package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/custos-archive/custos/compliance"
	"github.com/custos-archive/custos/compliance/audit"
	"github.com/custos-archive/custos/store"
)

// defaultActor is who the CLI acts as in the audit log unless --actor says
// otherwise: $USER@host, or "cli".
func defaultActor() string {
	u := os.Getenv("USER")
	if u == "" {
		return "cli"
	}
	if h, err := os.Hostname(); err == nil && h != "" {
		return u + "@" + h
	}
	return u
}

// clock is the CLI's clock: time.Now, unless a test set g.now.
func (g *globals) clock() func() time.Time {
	if g.now != nil {
		return g.now
	}
	return time.Now
}

// openStore opens the store with the CLI's clock.
func (g *globals) openStore(ctx context.Context) (*store.Store, error) {
	return store.Open(ctx, g.data, store.Options{Logger: g.log, Now: g.clock()})
}

// openCompliance opens the store and the compliance service over it.
func (g *globals) openCompliance(ctx context.Context) (*store.Store, *compliance.Service, error) {
	norm, err := g.normalizer()
	if err != nil {
		return nil, nil, err
	}
	st, err := g.openStore(ctx)
	if err != nil {
		return nil, nil, err
	}
	svc, err := compliance.New(st, compliance.Options{Normalizer: norm, Now: g.clock(), Logger: g.log})
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return st, svc, nil
}

// record appends an audit record of what the command did, by --actor: a
// success, or a failure with err. For actions that are not a store write
// of their own (searches, exports) or that span many transactions
// (imports). If the record cannot be written, the command fails: every
// access is audited.
func (g *globals) record(ctx context.Context, st *store.Store, e audit.Entry, err error) error {
	e.Actor = g.actor
	if e.Actor == "" {
		e.Actor = defaultActor()
	}
	if err != nil {
		d := map[string]any{}
		if m, ok := e.Details.(map[string]any); ok {
			for k, v := range m {
				d[k] = v
			}
		}
		d["error"] = err.Error()
		e.Outcome, e.Details = audit.Failure, d
	}
	if _, aerr := st.Audit(ctx, e); aerr != nil {
		if err != nil {
			return fmt.Errorf("%w (and recording it in the audit log failed: %v)", err, aerr)
		}
		return fmt.Errorf("recording the action in the audit log: %w", aerr)
	}
	return err
}

// actor returns --actor, or the default.
func (g *globals) actorName() string {
	if g.actor == "" {
		return defaultActor()
	}
	return g.actor
}

// printDisposals prints a section of a report: at most limit rows (all
// with limit 0), and how many more there are.
func (g *globals) printDisposals(title string, ds []compliance.Disposal, limit int) {
	fmt.Fprintf(g.stdout, "%s: %d\n", title, len(ds))
	if len(ds) == 0 {
		return
	}
	tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  COPY\tMAILBOX\tFOLDER\tSOURCE ID\tSENT\tWHY")
	for i, d := range ds {
		if limit > 0 && i == limit {
			fmt.Fprintf(tw, "  … %d more (--limit 0 shows all, --json gives them all)\n", len(ds)-limit)
			break
		}
		fmt.Fprintf(tw, "  %d\t%s\t%s\t%s\t%s\t%s\n", d.CopyID, d.Mailbox, d.Folder, d.SourceID, d.Sent.Format("2006-01-02"), d.Why)
	}
	tw.Flush()
}

// parseTime reads a time given on the command line: RFC 3339, or a date
// (midnight UTC).
func parseTime(flag, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%s %q: give a date (2026-03-01) or a time (2026-03-01T09:30:00Z)", flag, s)
}

func joinOr(ss []string, none string) string {
	if len(ss) == 0 {
		return none
	}
	return strings.Join(ss, ", ")
}

// sweepEvery is how often `custos serve` applies the retention policies.
const sweepEvery = 24 * time.Hour

// startSweeper runs the retention sweeper over st, at start and then
// daily, until ctx ends; the returned function waits for it to stop.
func (g *globals) startSweeper(ctx context.Context, st *store.Store) (func(), error) {
	norm, err := g.normalizer()
	if err != nil {
		return nil, err
	}
	svc, err := compliance.New(st, compliance.Options{Normalizer: norm, Now: g.clock(), Logger: g.log})
	if err != nil {
		return nil, err
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		svc.Run(ctx, "system:retention", sweepEvery)
	}()
	return func() { <-done }, nil
}

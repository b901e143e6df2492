package main

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/custos-archive/custos/connector"
	"github.com/custos-archive/custos/item"
	"github.com/custos-archive/custos/store"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
)

// keyFile is where the connectors' secret key lives unless CUSTOS_SECRET_KEY
// is set: CUSTOS_KEY_FILE, else DATA/secret.key.
func (g *globals) keyFile() string {
	if f := os.Getenv("CUSTOS_KEY_FILE"); f != "" {
		return f
	}
	return filepath.Join(g.data, "secret.key")
}

// openConnectors opens the store, the pipeline and the connector manager.
func (g *globals) openConnectors(ctx context.Context) (*store.Store, *connector.Manager, error) {
	st, p, err := g.open(ctx)
	if err != nil {
		return nil, nil, err
	}
	seal, err := connector.OpenSealer(g.keyFile())
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return st, connector.NewManager(st, p, seal, connector.Options{Logger: g.log, Actor: g.actor}), nil
}

func readPassword(in io.Reader, stdin bool, env string) (string, error) {
	if stdin {
		b, err := io.ReadAll(io.LimitReader(in, 4096))
		if err != nil {
			return "", err
		}
		return strings.TrimRight(strings.SplitN(string(b), "\n", 2)[0], "\r"), nil
	}
	if pw := os.Getenv(env); pw != "" {
		return pw, nil
	}
	return "", fmt.Errorf("no password: give it on standard input with --password-stdin, or in %s", env)
}

type connectorAddOptions struct {
	typ, site, username, mapping, consentBy, schedule string
	passwordStdin, acceptTerms, noAutoMapping         bool
}

func newConnectorCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "connector",
		Short: "Connectors: scheduled, checkpointed sync from a capture site into mailboxes",
	}
	var o connectorAddOptions
	add := &cobra.Command{
		Use:   "add NAME --type TYPE --site URL --username USER --password-stdin --accept-terms --consent-by WHO",
		Short: "Create a connector, walking the steps of the seeds",
		Long: `Create a connector, walking the seeds' steps in order: accept the terms of
service, log in to the capture site (checked with a real login; the password is
stored encrypted with a key kept outside the database: CUSTOS_SECRET_KEY, or the
file CUSTOS_KEY_FILE, default DATA/secret.key), choose the user mapping
(automatic by the email property, and/or a custom CSV), give the admin's
consent, review, create. The connector then runs on its schedule (default
@daily; a cron expression or "@every 6h"), and at once when the server runs.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runConnectorAdd(cmd.Context(), g, o, args[0], cmd.InOrStdin())
		},
	}
	add.Flags().StringVar(&o.typ, "type", "", "whatsapp, wechat or enterprise-number (required)")
	add.Flags().StringVar(&o.site, "site", "", "the capture site's URL, e.g. http://127.0.0.1:8081 (required)")
	add.Flags().StringVar(&o.username, "username", "", "the organisation's username at the site (required)")
	add.Flags().BoolVar(&o.passwordStdin, "password-stdin", false, "read the password from standard input (else CUSTOS_SITE_PASSWORD)")
	add.Flags().BoolVar(&o.acceptTerms, "accept-terms", false, "accept the terms of service (required)")
	add.Flags().BoolVar(&o.noAutoMapping, "no-auto-mapping", false, "do not map by the participants' email property")
	add.Flags().StringVar(&o.mapping, "mapping", "", "custom mapping CSV (phone,email or External User ID,Microsoft 365 User Mailbox)")
	add.Flags().StringVar(&o.consentBy, "consent-by", "", "who gives the admin consent (required)")
	add.Flags().StringVar(&o.schedule, "schedule", "@daily", "cron expression, @daily, @hourly or @every DURATION")
	for _, f := range []string{"type", "site", "username", "consent-by"} {
		add.MarkFlagRequired(f)
	}

	list := &cobra.Command{Use: "list", Short: "List connectors with their state and last run", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runConnectorList(cmd.Context(), g) }}
	var watch bool
	show := &cobra.Command{Use: "show NAME [--watch]", Short: "Show a connector: settings, progress, run history, unmapped, completeness", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runConnectorShow(cmd.Context(), g, args[0], watch)
		}}
	show.Flags().BoolVar(&watch, "watch", false, "follow a running run with a progress bar until it ends")
	run := &cobra.Command{Use: "run NAME", Short: "Run a connector now, in this process", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runConnectorRun(cmd.Context(), g, args[0]) }}
	state := func(use, short, st string) *cobra.Command {
		return &cobra.Command{Use: use + " NAME", Short: short, Args: cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				s, m, err := g.openConnectors(cmd.Context())
				if err != nil {
					return err
				}
				defer s.Close()
				if err := m.SetState(cmd.Context(), args[0], st); err != nil {
					return err
				}
				return g.done(map[string]string{"connector": args[0], "state": st})
			}}
	}
	remove := &cobra.Command{Use: "remove NAME", Short: "Remove a connector (what it archived stays)", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, m, err := g.openConnectors(cmd.Context())
			if err != nil {
				return err
			}
			defer s.Close()
			if err := m.Remove(cmd.Context(), args[0]); err != nil {
				return err
			}
			return g.done(map[string]string{"connector": args[0], "removed": "yes"})
		}}
	var loginUser string
	var loginStdin bool
	login := &cobra.Command{Use: "login NAME --username USER --password-stdin", Short: "Replace a connector's site credentials (checked by a real login)", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			pw, err := readPassword(cmd.InOrStdin(), loginStdin, "CUSTOS_SITE_PASSWORD")
			if err != nil {
				return err
			}
			s, m, err := g.openConnectors(cmd.Context())
			if err != nil {
				return err
			}
			defer s.Close()
			if err := m.UpdateLogin(cmd.Context(), args[0], loginUser, pw); err != nil {
				return err
			}
			return g.done(map[string]string{"connector": args[0], "login": "checked"})
		}}
	login.Flags().StringVar(&loginUser, "username", "", "the organisation's username (required)")
	login.Flags().BoolVar(&loginStdin, "password-stdin", false, "read the password from standard input")
	login.MarkFlagRequired("username")
	var csvOut string
	unmapped := &cobra.Command{Use: "unmapped NAME [--csv FILE]", Short: "The unmapped report: items that mapped to nobody, with numbers and reason", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runConnectorUnmapped(cmd.Context(), g, args[0], csvOut)
		}}
	unmapped.Flags().StringVar(&csvOut, "csv", "", "write the report as CSV to this file ('-' for standard output)")
	var replayMap string
	replay := &cobra.Command{Use: "replay NAME [--mapping MAP.CSV]", Short: "File the connector's quarantined items that now map", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runConnectorReplay(cmd.Context(), g, args[0], replayMap)
		}}
	replay.Flags().StringVar(&replayMap, "mapping", "", "replace the connector's mapping CSV first")
	complete := &cobra.Command{Use: "completeness NAME", Short: "Per day: captured at the site against archived + duplicates + quarantined + failed", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runConnectorCompleteness(cmd.Context(), g, args[0])
		}}
	cmd.AddCommand(add, list, show, run, state("pause", "Pause a connector's schedule", connector.StatePaused),
		state("resume", "Resume a connector's schedule", connector.StateActive), remove, login, unmapped, replay, complete)
	return cmd
}

// done prints a small result.
func (g *globals) done(v map[string]string) error {
	if g.json {
		return g.printJSON(v)
	}
	var parts []string
	for _, k := range []string{"connector", "state", "removed", "login"} {
		if x, ok := v[k]; ok {
			parts = append(parts, k+": "+x)
		}
	}
	fmt.Fprintln(g.stdout, strings.Join(parts, ", "))
	return nil
}

func runConnectorAdd(ctx context.Context, g *globals, o connectorAddOptions, name string, in io.Reader) error {
	src, err := item.ParseSource(o.typ)
	if err != nil {
		return fmt.Errorf("--type: %w", err)
	}
	if !o.acceptTerms {
		return errors.New("--accept-terms: the terms of service must be accepted to create a connector")
	}
	if _, err := connector.ParseSchedule(o.schedule); err != nil {
		return fmt.Errorf("--schedule: %w", err)
	}
	pw, err := readPassword(in, o.passwordStdin, "CUSTOS_SITE_PASSWORD")
	if err != nil {
		return err
	}
	var mapping io.Reader
	if o.mapping != "" {
		f, err := os.Open(o.mapping)
		if err != nil {
			return fmt.Errorf("--mapping: %w", err)
		}
		defer f.Close()
		mapping = f
	}
	st, m, err := g.openConnectors(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	if _, err := m.Draft(ctx, name, src, o.site); err != nil {
		return err
	}
	steps := []func() error{
		func() error { return m.AcceptTerms(ctx, name) },
		func() error { return m.Login(ctx, name, o.username, pw) },
		func() error { return m.Mapping(ctx, name, !o.noAutoMapping, mapping, o.mapping) },
		func() error { return m.Consent(ctx, name, o.consentBy) },
		func() error { _, _, err := m.Review(ctx, name); return err },
		func() error { return m.Create(ctx, name, o.schedule) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			// A half-created connector is removed: nothing half-written.
			m.Remove(ctx, name)
			return err
		}
	}
	c, err := st.Connector(ctx, name)
	if err != nil {
		return err
	}
	if g.json {
		return g.printJSON(connectorView(c))
	}
	fmt.Fprintf(g.stdout, "connector %s created: %s from %s, schedule %s, first run due now\n", c.Name, connector.Types[item.Source(c.Source)], c.SiteURL, c.Schedule)
	return nil
}

type connectorJSON struct {
	Name        string          `json:"name"`
	Type        string          `json:"type"`
	Source      string          `json:"source"`
	Site        string          `json:"site"`
	Username    string          `json:"username"`
	State       string          `json:"state"`
	Error       string          `json:"error,omitempty"`
	Schedule    string          `json:"schedule"`
	NextRun     time.Time       `json:"next_run,omitzero"`
	AutoMapping bool            `json:"auto_mapping"`
	Setup       connector.Setup `json:"setup"`
	Cursor      string          `json:"cursor"`
}

func connectorView(c store.Connector) connectorJSON {
	return connectorJSON{Name: c.Name, Type: connector.Types[item.Source(c.Source)], Source: c.Source, Site: c.SiteURL, Username: c.Username,
		State: c.State, Error: c.Error, Schedule: c.Schedule, NextRun: c.NextRunAt, AutoMapping: c.AutoMapping, Setup: connector.SetupOf(c), Cursor: c.Cursor}
}

func runConnectorList(ctx context.Context, g *globals) error {
	st, err := g.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	cs, err := st.Connectors(ctx)
	if err != nil {
		return err
	}
	type row struct {
		connectorJSON
		LastRun *store.Run `json:"last_run,omitempty"`
	}
	rows := []row{}
	for _, c := range cs {
		r := row{connectorJSON: connectorView(c)}
		if runs, _ := st.Runs(ctx, c.ID, 1); len(runs) > 0 {
			r.LastRun = &runs[0]
		}
		rows = append(rows, r)
	}
	if g.json {
		return g.printJSON(rows)
	}
	tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tTYPE\tSTATE\tLAST RUN\tFETCHED\tIMPORTED\tUNMAPPED\tFAILED\tNEXT RUN")
	for _, r := range rows {
		last, f, i, u, fl := "-", "", "", "", ""
		if r.LastRun != nil {
			last = r.LastRun.StartedAt.Format("2006-01-02 15:04") + " " + r.LastRun.Status
			f, i, u, fl = fmt.Sprint(r.LastRun.Fetched), fmt.Sprint(r.LastRun.Imported), fmt.Sprint(r.LastRun.Unmapped), fmt.Sprint(r.LastRun.Failed)
		}
		next := "-"
		if !r.NextRun.IsZero() && r.State == connector.StateActive {
			next = r.NextRun.Local().Format("2006-01-02 15:04")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Name, r.Type, r.State, last, f, i, u, fl, next)
	}
	return tw.Flush()
}

func runConnectorShow(ctx context.Context, g *globals, name string, watch bool) error {
	st, err := g.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	c, err := st.Connector(ctx, name)
	if err != nil {
		return err
	}
	if watch {
		if err := watchRun(ctx, g, st, c.ID); err != nil {
			return err
		}
	}
	runs, err := st.Runs(ctx, c.ID, 20)
	if err != nil {
		return err
	}
	days, err := st.Completeness(ctx, c.ID)
	if err != nil {
		return err
	}
	var unmapped int
	st.QuarantinedByMapping(ctx, connector.MappingName(c.Name), func(store.Quarantined) error { unmapped++; return nil })
	var alerts []store.DayRecord
	for _, d := range days {
		if d.Captured >= 0 && !d.Closes() {
			alerts = append(alerts, d)
		}
	}
	delivery := deliverySummary(ctx, st, c.Source)
	if g.json {
		return g.printJSON(map[string]any{"connector": connectorView(c), "runs": runs, "unmapped": unmapped, "completeness": days, "alerts": alerts, "delivery": delivery})
	}
	v := connectorView(c)
	fmt.Fprintf(g.stdout, "%s — %s from %s (user %s)\nstate %s", v.Name, v.Type, v.Site, v.Username, v.State)
	if v.Error != "" {
		fmt.Fprintf(g.stdout, ": %s", v.Error)
	}
	fmt.Fprintf(g.stdout, "\nschedule %s, next run %s, automatic mapping %v, %d mapping entries, consent by %s\n",
		v.Schedule, v.NextRun.Local().Format(time.RFC3339), v.AutoMapping, v.Setup.MappingEntries, v.Setup.ConsentBy)
	fmt.Fprintf(g.stdout, "unmapped items waiting in the quarantine: %d ('custos connector unmapped %s')\n", unmapped, v.Name)
	printDeliverySummary(g, delivery)
	if len(alerts) > 0 {
		fmt.Fprintf(g.stdout, "ALERT: %d days whose sums do not close ('custos connector completeness %s')\n", len(alerts), v.Name)
	}
	fmt.Fprintln(g.stdout, "\nRUNS")
	tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STARTED\tSTATUS\tTRIGGER\tDURATION\tFETCHED\tIMPORTED\tDUPLICATES\tCOPIES\tUNMAPPED\tFAILED\tERRORS")
	for _, r := range runs {
		dur := "-"
		if !r.FinishedAt.IsZero() {
			dur = r.FinishedAt.Sub(r.StartedAt).Round(time.Millisecond).String()
		} else if r.Total > 0 {
			dur = fmt.Sprintf("%d%%", r.Fetched*100/r.Total)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\n", r.StartedAt.Local().Format("2006-01-02 15:04:05"), r.Status, r.Trigger, dur,
			r.Fetched, r.Imported, r.Duplicates, r.Copies, r.Unmapped, r.Failed, r.Errors)
	}
	return tw.Flush()
}

// watchRun draws the progress of the connector's running run until it ends.
func watchRun(ctx context.Context, g *globals, st *store.Store, id int64) error {
	var bar *progressbar.ProgressBar
	for {
		runs, err := st.Runs(ctx, id, 1)
		if err != nil {
			return err
		}
		if len(runs) == 0 || runs[0].Status != "running" {
			if bar != nil {
				bar.Finish()
				fmt.Fprintln(g.stderr)
			}
			return nil
		}
		r := runs[0]
		if bar == nil && r.Total >= 0 {
			bar = progressbar.NewOptions64(r.Total, progressbar.OptionSetWriter(g.stderr), progressbar.OptionSetDescription("fetching"),
				progressbar.OptionShowCount(), progressbar.OptionSetPredictTime(true))
		}
		if bar != nil {
			bar.Set64(r.Fetched)
			bar.Describe(fmt.Sprintf("imported %d, unmapped %d, failed %d", r.Imported, r.Unmapped, r.Failed))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(300 * time.Millisecond):
		}
	}
}

func runConnectorRun(ctx context.Context, g *globals, name string) error {
	st, m, err := g.openConnectors(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	c, err := st.Connector(ctx, name)
	if err != nil {
		return err
	}
	wctx, stop := context.WithCancel(ctx)
	watching := make(chan struct{})
	go func() {
		defer close(watching)
		if g.interactive() {
			time.Sleep(200 * time.Millisecond)
			watchRun(wctx, g, st, c.ID)
		}
	}()
	run, err := m.Run(ctx, name, "manual")
	stop()
	<-watching
	if err != nil && run.ID == 0 {
		return err
	}
	if g.json {
		if perr := g.printJSON(run); perr != nil {
			return perr
		}
	} else {
		fmt.Fprintf(g.stdout, "run %d %s: fetched %d, imported %d, duplicates %d, copies %d, unmapped %d, failed %d\n",
			run.ID, run.Status, run.Fetched, run.Imported, run.Duplicates, run.Copies, run.Unmapped, run.Failed)
	}
	if err != nil {
		return err
	}
	return nil
}

func runConnectorUnmapped(ctx context.Context, g *globals, name, csvOut string) error {
	st, err := g.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	c, err := st.Connector(ctx, name)
	if err != nil {
		return err
	}
	type row struct {
		Source   string    `json:"source"`
		SourceID string    `json:"source_id"`
		Time     time.Time `json:"time"`
		Numbers  []string  `json:"numbers"`
		Reason   string    `json:"reason"`
	}
	rows := []row{}
	err = st.QuarantinedByMapping(ctx, connector.MappingName(c.Name), func(q store.Quarantined) error {
		rows = append(rows, row{string(q.Item.Source), q.Item.SourceID, q.Item.Time, q.Numbers, q.Reason})
		return nil
	})
	if err != nil {
		return err
	}
	if csvOut != "" {
		var w io.Writer = g.stdout
		var f *os.File
		if csvOut != "-" {
			if f, err = os.Create(csvOut); err != nil {
				return err
			}
			defer f.Close()
			w = f
		}
		cw := csv.NewWriter(w)
		cw.Write([]string{"source", "source_id", "time", "numbers", "reason"})
		for _, r := range rows {
			cw.Write([]string{r.Source, r.SourceID, r.Time.Format(time.RFC3339), strings.Join(r.Numbers, ";"), r.Reason})
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return err
		}
		if f != nil {
			return f.Sync()
		}
		return nil
	}
	if g.json {
		return g.printJSON(rows)
	}
	tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SOURCE ID\tTIME\tNUMBERS\tREASON")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.SourceID, r.Time.Format(time.RFC3339), strings.Join(r.Numbers, " "), r.Reason)
	}
	fmt.Fprintf(tw, "%d unmapped items\n", len(rows))
	return tw.Flush()
}

func runConnectorReplay(ctx context.Context, g *globals, name, mapping string) error {
	st, m, err := g.openConnectors(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	if mapping != "" {
		f, err := os.Open(mapping)
		if err != nil {
			return fmt.Errorf("--mapping: %w", err)
		}
		_, err = m.SetMappingCSV(ctx, name, f, mapping)
		f.Close()
		if err != nil {
			return err
		}
	}
	rep, err := m.Replay(ctx, name)
	if err != nil {
		return err
	}
	if g.json {
		return g.printJSON(rep)
	}
	fmt.Fprintf(g.stdout, "replayed %d unmapped items: %d filed (%d copies), %d still unmapped\n", rep.Examined, rep.Released, rep.Copies, rep.Still)
	return nil
}

func runConnectorCompleteness(ctx context.Context, g *globals, name string) error {
	st, err := g.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	c, err := st.Connector(ctx, name)
	if err != nil {
		return err
	}
	days, err := st.Completeness(ctx, c.ID)
	if err != nil {
		return err
	}
	if g.json {
		return g.printJSON(days)
	}
	tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DAY\tCAPTURED\tARCHIVED\tDUPLICATES\tQUARANTINED\tFAILED\t")
	for _, d := range days {
		mark := "ok"
		switch {
		case d.Captured < 0:
			mark = "not checked"
		case !d.Closes():
			mark = "ALERT: sums do not close"
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%s\n", d.Day, d.Captured, d.Archived, d.Duplicates, d.Quarantined, d.Failed, mark)
	}
	return tw.Flush()
}

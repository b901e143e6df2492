package main

import (
	"context"
	"fmt"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/custos-archive/custos/delivery"
	"github.com/custos-archive/custos/store"
	"github.com/spf13/cobra"
)

type deliverOptions struct {
	imap        string
	sources     []string
	retryFailed bool
}

func newDeliverCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "deliver",
		Short: "Deliver archived copies to an existing mail server over IMAP, and show how far it got",
		Long: `Deliver archived copies into the same person's mailbox on an existing IMAP
server, into the folder of the same name ('custos serve --deliver-imap' does it
continuously). Each copy has a delivery state: pending, sending, retry (with the
error and when it is tried next), delivered, or failed (given up after the last
attempt). A copy whose earlier attempt may have reached the server is looked up
there by its Message-ID before it is sent again, so nothing is delivered twice.

The master user comes from the environment: CUSTOS_DELIVER_IMAP_USER,
CUSTOS_DELIVER_IMAP_PASSWORD; CUSTOS_DELIVER_IMAP_CA names a PEM file of
certificates to trust instead of the system's. See docs/imap.md.`,
	}
	var o deliverOptions
	run := &cobra.Command{
		Use:   "run --imap URL",
		Short: "Deliver every copy due now, then print what happened",
		Long: `Deliver every copy due now (never delivered, or waiting for a retry whose time
has come) and print the report. Exit status 1 if a delivery failed; the failed
copies are retried at the next run, after their backoff.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDeliver(cmd.Context(), g, o)
		},
	}
	run.Flags().StringVar(&o.imap, "imap", "", "the IMAP server: imaps://host:port, imap+starttls://host:port, imap://127.0.0.1:port (required)")
	run.Flags().StringSliceVar(&o.sources, "source", nil, "deliver copies of these sources only (a connector's); all by default")
	run.Flags().BoolVar(&o.retryFailed, "retry-failed", false, "first make the copies that were given up due again")
	run.MarkFlagRequired("imap")
	status := &cobra.Command{
		Use:   "status",
		Short: "Count copies by source and delivery state, and list the failing ones",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDeliverStatus(cmd.Context(), g)
		},
	}
	cmd.AddCommand(run, status)
	return cmd
}

func runDeliver(ctx context.Context, g *globals, o deliverOptions) error {
	sink, err := newDeliverySink(o.imap)
	if err != nil {
		return fmt.Errorf("--imap: %w", err)
	}
	defer sink.Close()
	st, err := g.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	if o.retryFailed {
		if _, err := st.RetryFailedDeliveries(ctx); err != nil {
			return err
		}
	}
	rep, err := delivery.New(st, sink, delivery.Options{Sources: o.sources, Logger: g.log}).Run(ctx)
	if err != nil {
		return err
	}
	if g.json {
		if err := g.printJSON(rep); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(g.stdout, "delivered %d, already there %d, failed %d (will retry), gave up %d\n", rep.Delivered, rep.Found, rep.Retrying, rep.GaveUp)
		if rep.Stopped != "" {
			fmt.Fprintf(g.stdout, "stopped: %s\n", rep.Stopped)
		}
		for _, e := range rep.Errors {
			fmt.Fprintf(g.stdout, "failed: %s\n", e)
		}
	}
	if rep.Retrying+rep.GaveUp > 0 {
		return &exitError{code: 1, msg: fmt.Sprintf("%d deliveries failed to %s; they are retried at the next run ('custos deliver status' lists them)", rep.Retrying+rep.GaveUp, sink.Target())}
	}
	return nil
}

// deliverStatus is the delivery part of the connectors' report: copies by
// source (a connector's) and state.
type deliverStatus struct {
	Sources  map[string]map[string]int64 `json:"sources"` // source → state → copies
	Problems []deliverProblem            `json:"problems"`
}

type deliverProblem struct {
	Mailbox   string     `json:"mailbox"`
	Folder    string     `json:"folder"`
	MessageID string     `json:"message_id"`
	State     string     `json:"state"`
	Attempts  int        `json:"attempts"`
	Error     string     `json:"error"`
	NextAt    *time.Time `json:"next_at,omitempty"`
}

func runDeliverStatus(ctx context.Context, g *globals) error {
	st, err := g.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	counts, err := st.DeliveryCounts(ctx)
	if err != nil {
		return err
	}
	ps, err := st.DeliveryProblems(ctx, 50)
	if err != nil {
		return err
	}
	res := deliverStatus{Sources: map[string]map[string]int64{}, Problems: []deliverProblem{}}
	for _, c := range counts {
		if res.Sources[c.Source] == nil {
			res.Sources[c.Source] = map[string]int64{}
		}
		res.Sources[c.Source][c.State] = c.Copies
	}
	for _, p := range ps {
		dp := deliverProblem{Mailbox: p.Mailbox, Folder: p.Folder, MessageID: p.MessageID, State: p.State, Attempts: p.Attempts, Error: p.LastError}
		if p.State == store.DeliveryRetry {
			dp.NextAt = &p.NextAt
		}
		res.Problems = append(res.Problems, dp)
	}
	if g.json {
		return g.printJSON(res)
	}
	tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	states := []string{store.DeliveryPending, store.DeliverySending, store.DeliveryRetry, store.DeliveryDelivered, store.DeliveryFailed}
	fmt.Fprintln(tw, "SOURCE\tPENDING\tSENDING\tRETRY\tDELIVERED\tFAILED")
	var sources []string
	for src := range res.Sources {
		sources = append(sources, src)
	}
	sort.Strings(sources)
	for _, src := range sources {
		fmt.Fprintf(tw, "%s", src)
		for _, s := range states {
			fmt.Fprintf(tw, "\t%d", res.Sources[src][s])
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
	for _, p := range res.Problems {
		fmt.Fprintf(g.stdout, "%s: %s %s <%s>, %d attempts: %s\n", p.State, p.Mailbox, p.Folder, p.MessageID, p.Attempts, p.Error)
	}
	return nil
}

// deliverySummary counts a source's copies by delivery state, for the
// connector's report; nil when nothing of the archive was ever delivered
// (delivery is not in use).
func deliverySummary(ctx context.Context, st *store.Store, source string) map[string]int64 {
	counts, err := st.DeliveryCounts(ctx)
	if err != nil {
		return nil
	}
	used := false
	out := map[string]int64{}
	for _, c := range counts {
		used = used || c.State != store.DeliveryPending
		if c.Source == source {
			out[c.State] += c.Copies
		}
	}
	if !used {
		return nil
	}
	return out
}

// printDeliverySummary writes the delivery line of a connector's report.
func printDeliverySummary(g *globals, d map[string]int64) {
	if d == nil {
		return
	}
	fmt.Fprintf(g.stdout, "delivery to the mail server: %d delivered, %d pending, %d retrying, %d failed ('custos deliver status')\n",
		d[store.DeliveryDelivered], d[store.DeliveryPending]+d[store.DeliverySending], d[store.DeliveryRetry], d[store.DeliveryFailed])
}

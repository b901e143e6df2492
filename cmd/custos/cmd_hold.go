package main

import (
	"context"
	"fmt"
	"strconv"
	"text/tabwriter"

	"github.com/custos-archive/custos/compliance"
	"github.com/spf13/cobra"
)

type holdPlaceOptions struct {
	mailboxes []string
	query     string
	caseName  string
	days      int
	reason    string
}

func newHoldCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "hold",
		Short: "Place, list and release holds (Litigation Hold and query holds)",
		Long: `A hold keeps items from every deletion: a retention policy does not delete a
held item, an operator cannot delete it, and it is never purged, whatever asks.

A Litigation Hold covers every item of a mailbox; a query hold covers the items
of the given mailboxes that match a KQL query (see 'custos search --help'), as
an eDiscovery case places on its custodians. Holds are recorded in the audit
log with who placed or released them, when and why.`,
	}
	var o holdPlaceOptions
	place := &cobra.Command{
		Use:   "place --mailbox EMAIL... [--query KQL] [--days N] [--case NAME] --reason TEXT",
		Short: "Place a Litigation Hold on mailboxes, or a query hold with --query",
		Long: `Place a hold on the mailboxes given with --mailbox.

Without --query it is a Litigation Hold: every item of the mailboxes, present
and future. With --query it is a query hold: the items of the mailboxes that
match the query (relative dates such as sent:yesterday mean what they meant
when the hold was placed).

--days N holds each item for N days from its sent time (as Exchange's
Litigation Hold duration); without it the hold covers items for as long as it
is in place. Every mailbox must exist; --reason is required.

Examples:
  custos hold place --mailbox alice@corp.example --reason "SEC inquiry 2026-14"
  custos hold place --mailbox alice@corp.example --mailbox bob@corp.example \
      --query 'price AND sent:2026-01-01..2026-03-31' --case SEC-14 --reason "custodians"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runHoldPlace(cmd.Context(), g, o)
		},
	}
	place.Flags().StringSliceVar(&o.mailboxes, "mailbox", nil, "mailbox to hold (repeat or separate with commas; required)")
	place.Flags().StringVar(&o.query, "query", "", "KQL query: hold only the matching items (a query hold)")
	place.Flags().IntVar(&o.days, "days", 0, "hold each item for this many days from its sent time (0: indefinitely)")
	place.Flags().StringVar(&o.caseName, "case", "", "the eDiscovery case the hold belongs to (it is then released only with --case)")
	place.Flags().StringVar(&o.reason, "reason", "", "why the hold is placed (required)")
	place.MarkFlagRequired("mailbox")
	place.MarkFlagRequired("reason")

	var all bool
	list := &cobra.Command{
		Use:   "list [--all]",
		Short: "List the holds in place, with the number of copies each covers",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runHoldList(cmd.Context(), g, all)
		},
	}
	list.Flags().BoolVar(&all, "all", false, "also list released holds")

	var reason, caseName string
	release := &cobra.Command{
		Use:   "release ID --reason TEXT [--case NAME]",
		Short: "Release a hold",
		Long: `Release the hold with that number ('custos hold list' shows them). The items it
kept become subject to retention again at the next sweep. A hold that belongs to
an eDiscovery case is released only with --case naming the case.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runHoldRelease(cmd.Context(), g, args[0], reason, caseName)
		},
	}
	release.Flags().StringVar(&reason, "reason", "", "why the hold is released (required)")
	release.Flags().StringVar(&caseName, "case", "", "the eDiscovery case the hold belongs to")
	release.MarkFlagRequired("reason")
	cmd.AddCommand(place, list, release)
	return cmd
}

func runHoldPlace(ctx context.Context, g *globals, o holdPlaceOptions) error {
	st, svc, err := g.openCompliance(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	h, err := svc.PlaceHold(ctx, g.actorName(), compliance.HoldRequest{Mailboxes: o.mailboxes, Query: o.query, Case: o.caseName, Days: o.days, Reason: o.reason})
	if err != nil {
		return err
	}
	if g.json {
		return g.printJSON(h)
	}
	fmt.Fprintf(g.stdout, "placed %s\n", h)
	return nil
}

func runHoldList(ctx context.Context, g *globals, all bool) error {
	st, svc, err := g.openCompliance(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	hs, err := svc.Holds(ctx, all)
	if err != nil {
		return err
	}
	if g.json {
		if hs == nil {
			hs = []compliance.HoldView{}
		}
		return g.printJSON(hs)
	}
	tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tHOLD\tCOPIES\tREASON\tPLACED\tRELEASED")
	for _, h := range hs {
		copies := strconv.Itoa(h.Copies)
		if h.Copies < 0 {
			copies = "? (" + h.CountError + ")"
		}
		released := ""
		if r := h.Released; r != nil {
			released = fmt.Sprintf("%s by %s: %s", r.At.Format("2006-01-02"), r.By, r.Reason)
			copies = "-"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s by %s\t%s\n", h.ID, h.Title(), copies, h.Reason, h.PlacedAt.Format("2006-01-02"), h.PlacedBy, released)
	}
	if len(hs) == 0 {
		fmt.Fprintln(tw, "no holds")
	}
	return tw.Flush()
}

func runHoldRelease(ctx context.Context, g *globals, ref, reason, caseName string) error {
	id, err := strconv.ParseInt(ref, 10, 64)
	if err != nil {
		return fmt.Errorf("hold %q: give the hold's number, as 'custos hold list' shows it", ref)
	}
	st, svc, err := g.openCompliance(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	h, err := svc.ReleaseHold(ctx, g.actorName(), id, reason, caseName)
	if err != nil {
		return err
	}
	if g.json {
		return g.printJSON(h)
	}
	fmt.Fprintf(g.stdout, "released %s\n", h)
	return nil
}

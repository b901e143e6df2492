package main

import (
	"context"
	"fmt"

	"github.com/custos-archive/custos/compliance"
	"github.com/spf13/cobra"
)

type deleteOptions struct {
	mailboxes []string
	query     string
	reason    string
	dryRun    bool
	limit     int
}

func newDeleteCmd(g *globals) *cobra.Command {
	var o deleteOptions
	cmd := &cobra.Command{
		Use:   "delete --mailbox EMAIL... --query KQL [--reason TEXT] [--dry-run]",
		Short: "Delete the items of mailboxes that match a query (recoverable until purged)",
		Long: `Delete the items of the given mailboxes that match a KQL query (see 'custos
search --help'). Deleted items are hidden from searches, listings and exports
but kept whole in the recoverable stage: 'custos recover' brings them back, and
they are purged for good only after the recovery period ('custos retention
recovery-period'), unless a hold or a retention period covers them.

Items under a hold are not deleted: they are listed with the hold. The content
of an archived item is never changed by any command.

Example:
  custos delete --mailbox alice@corp.example --query 'subject:"test message"' --dry-run`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDelete(cmd.Context(), g, o)
		},
	}
	cmd.Flags().StringSliceVar(&o.mailboxes, "mailbox", nil, "mailbox to delete from (repeat or separate with commas; required)")
	cmd.Flags().StringVar(&o.query, "query", "", "KQL query of the items to delete (required)")
	cmd.Flags().StringVar(&o.reason, "reason", "", "why, kept with each deleted item and in the audit log")
	cmd.Flags().BoolVar(&o.dryRun, "dry-run", false, "show what would be deleted, change nothing")
	cmd.Flags().IntVar(&o.limit, "limit", 50, "items listed (0: all)")
	cmd.MarkFlagRequired("mailbox")
	cmd.MarkFlagRequired("query")
	return cmd
}

func runDelete(ctx context.Context, g *globals, o deleteOptions) error {
	st, svc, err := g.openCompliance(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	rep, err := svc.Delete(ctx, g.actorName(), compliance.DeleteRequest{Mailboxes: o.mailboxes, Query: o.query, Reason: o.reason, DryRun: o.dryRun})
	if err != nil {
		return err
	}
	if g.json {
		return g.printJSON(rep)
	}
	would := ""
	if o.dryRun {
		would = "would be "
		fmt.Fprintln(g.stdout, "dry run: nothing was changed")
	}
	fmt.Fprintf(g.stdout, "matched %d items in %s\n", rep.Matched, joinOr(rep.Mailboxes, "-"))
	g.printDisposals(would+"deleted (recoverable until purged)", rep.Deleted, o.limit)
	g.printDisposals("not deleted: under a hold", rep.Held, o.limit)
	return nil
}

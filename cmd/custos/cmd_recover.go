package main

import (
	"context"
	"fmt"

	"github.com/custos-archive/custos/compliance"
	"github.com/spf13/cobra"
)

type recoverOptions struct {
	mailboxes []string
	query     string
	dryRun    bool
	limit     int
}

func newRecoverCmd(g *globals) *cobra.Command {
	var o recoverOptions
	cmd := &cobra.Command{
		Use:   "recover --mailbox EMAIL... [--query KQL] [--dry-run]",
		Short: "Bring deleted items back to their folders, before they are purged",
		Long: `Bring back the deleted items of the given mailboxes (all of them, or those that
match --query) from the recoverable stage to their folders. Each comes back
with a new IMAP UID, so mail clients see it arrive. Purged items cannot be
recovered. --dry-run lists the deleted items without changing anything.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runRecover(cmd.Context(), g, o)
		},
	}
	cmd.Flags().StringSliceVar(&o.mailboxes, "mailbox", nil, "mailbox to recover into (repeat or separate with commas; required)")
	cmd.Flags().StringVar(&o.query, "query", "", "KQL query: recover only the matching deleted items")
	cmd.Flags().BoolVar(&o.dryRun, "dry-run", false, "list what would be recovered, change nothing")
	cmd.Flags().IntVar(&o.limit, "limit", 50, "items listed (0: all)")
	cmd.MarkFlagRequired("mailbox")
	return cmd
}

func runRecover(ctx context.Context, g *globals, o recoverOptions) error {
	st, svc, err := g.openCompliance(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	rep, err := svc.Recover(ctx, g.actorName(), compliance.RecoverRequest{Mailboxes: o.mailboxes, Query: o.query, DryRun: o.dryRun})
	if err != nil {
		return err
	}
	if g.json {
		return g.printJSON(rep)
	}
	title := "recovered"
	if o.dryRun {
		title = "would be recovered"
		fmt.Fprintln(g.stdout, "dry run: nothing was changed")
	}
	g.printDisposals(title, rep.Recovered, o.limit)
	return nil
}

package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
)

func newPurgeCmd(g *globals) *cobra.Command {
	var dry bool
	var limit int
	cmd := &cobra.Command{
		Use:   "purge [--dry-run]",
		Short: "Purge for good what has been deleted for the recovery period",
		Long: `Remove for good the deleted items that have been in the recoverable stage for
the recovery period or longer ('custos retention recovery-period', default 14
days): each copy, its search entry, the item when no copy of it is left, and
the attachment bytes no item uses any more. Each purged copy gets an audit
record saying what it was, who deleted it and why.

An item under a hold is never purged, whatever asks: the purge refuses it and
names the hold. An item within a retention period is refused too, naming the
policy. Exit status 0 even when some are refused; see --json for scripts.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPurge(cmd.Context(), g, dry, limit)
		},
	}
	cmd.Flags().BoolVar(&dry, "dry-run", false, "show what would be purged and refused, change nothing")
	cmd.Flags().IntVar(&limit, "limit", 50, "items listed per section (0: all)")
	return cmd
}

func runPurge(ctx context.Context, g *globals, dry bool, limit int) error {
	st, svc, err := g.openCompliance(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	rep, err := svc.Purge(ctx, g.actorName(), dry)
	if err != nil {
		return err
	}
	if g.json {
		return g.printJSON(rep)
	}
	if dry {
		fmt.Fprintln(g.stdout, "dry run: nothing was changed")
	}
	printPurge(g, rep, limit)
	return nil
}

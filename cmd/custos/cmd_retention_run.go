package main

import (
	"context"
	"fmt"
	"strconv"

	"github.com/custos-archive/custos/compliance"
	"github.com/spf13/cobra"
)

func newRetentionRunCmd(g *globals) *cobra.Command {
	var dry bool
	var limit int
	cmd := &cobra.Command{
		Use:   "run [--dry-run]",
		Short: "Apply the retention policies now (the sweeper)",
		Long: `Apply the retention policies now, as the sweeper of 'custos serve' does daily:
every item whose deletion has fallen due and that no hold covers moves to the
recoverable stage; then what has been there for the recovery period, and that
no hold or retention covers, is purged for good.

--dry-run changes nothing and shows what would be deleted, kept and purged,
and why (the policy, the hold, the retention).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runRetentionRun(cmd.Context(), g, dry, limit)
		},
	}
	cmd.Flags().BoolVar(&dry, "dry-run", false, "show what would be done, change nothing")
	cmd.Flags().IntVar(&limit, "limit", 50, "items listed per section (0: all)")
	return cmd
}

func runRetentionRun(ctx context.Context, g *globals, dry bool, limit int) error {
	st, svc, err := g.openCompliance(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	rep, err := svc.Sweep(ctx, g.actorName(), dry)
	if err != nil {
		return err
	}
	if g.json {
		return g.printJSON(rep)
	}
	would := ""
	if dry {
		would = "would be "
		fmt.Fprintln(g.stdout, "dry run: nothing was changed")
	}
	g.printDisposals(would+"deleted (moved to the recoverable stage)", rep.Deleted, limit)
	g.printDisposals("due for deletion but kept under a hold", rep.Kept, limit)
	printPurge(g, rep.Purge, limit)
	return nil
}

func printPurge(g *globals, rep *compliance.PurgeReport, limit int) {
	would := ""
	if rep.DryRun {
		would = "would be "
	}
	g.printDisposals(fmt.Sprintf("%spurged (recovery period %d days)", would, rep.RecoveryDays), rep.Purged, limit)
	g.printDisposals("purge refused: under a hold", rep.Held, limit)
	g.printDisposals("purge refused: within a retention period", rep.Retained, limit)
	if !rep.DryRun && (rep.Items > 0 || rep.Blobs > 0) {
		fmt.Fprintf(g.stdout, "items removed with their last copy: %d; attachment blobs deleted: %d\n", rep.Items, rep.Blobs)
	}
}

func newRecoveryPeriodCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "recovery-period [DAYS]",
		Short: "Show or set how long deleted items stay recoverable before they may be purged",
		Long: `Show the recovery period, or set it to DAYS (default 14). A deleted item stays
in the recoverable stage, hidden but whole, for at least this long; 'custos
recover' brings it back meanwhile. 0 purges at the sweep that deletes.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			days := -1
			if len(args) == 1 {
				n, err := strconv.Atoi(args[0])
				if err != nil {
					return fmt.Errorf("recovery period %q: give a number of days", args[0])
				}
				days = n
			}
			return runRecoveryPeriod(cmd.Context(), g, days, len(args) == 1)
		},
	}
}

func runRecoveryPeriod(ctx context.Context, g *globals, days int, set bool) error {
	st, svc, err := g.openCompliance(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	before, err := svc.RecoveryDays(ctx)
	if err != nil {
		return err
	}
	if set {
		if before, err = svc.SetRecoveryDays(ctx, g.actorName(), days); err != nil {
			return err
		}
	} else {
		days = before
	}
	if g.json {
		return g.printJSON(map[string]int{"recovery_days": days, "before": before})
	}
	if set {
		fmt.Fprintf(g.stdout, "recovery period: %d days (was %d)\n", days, before)
	} else {
		fmt.Fprintf(g.stdout, "recovery period: %d days\n", days)
	}
	return nil
}

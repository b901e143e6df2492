package main

import (
	"context"
	"fmt"

	"github.com/custos-archive/custos/compliance/audit"
	"github.com/custos-archive/custos/search"
	"github.com/spf13/cobra"
)

func newIndexCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "index", Short: "The full-text index"}
	cmd.AddCommand(&cobra.Command{
		Use:   "rebuild",
		Short: "Rewrite every copy's full-text row from its stored item",
		Long: `Rewrite the full-text index row of every archived copy from the stored item,
with the index text of this version of Custos. An archive created before the
common-word pairs (which make phrases such as "you to" fast; see docs/search.md)
gets them, and its searches use them once the rebuild is done.

It may run while Custos archives and purges; interrupted, run it again. At
the end the index is merged into one segment, during which archiving waits
(9 s at 1.2 million copies). A million copies take about 4 minutes on two
cores. Recorded in the audit log.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runIndexRebuild(cmd.Context(), g)
		},
	})
	return cmd
}

func runIndexRebuild(ctx context.Context, g *globals) error {
	st, err := g.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	c, err := st.Counts(ctx)
	if err != nil {
		return err
	}
	progress, done := g.progress(c.Copies, "reindexing")
	n, err := search.Reindex(ctx, st, progress)
	done()
	if err := g.record(context.WithoutCancel(ctx), st, audit.Entry{Action: audit.IndexRebuild, Object: "archive", Details: map[string]any{"copies": n}}, err); err != nil {
		return err
	}
	if g.json {
		return g.printJSON(map[string]any{"copies": n, "pairs": st.IndexHasPairs()})
	}
	fmt.Fprintf(g.stdout, "rewrote the index rows of %d copies\n", n)
	return nil
}

package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/custos-archive/custos/archive"
	"github.com/custos-archive/custos/compliance/audit"
	"github.com/custos-archive/custos/item"
	"github.com/custos-archive/custos/store"
	"github.com/spf13/cobra"
)

func newQuarantineCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "quarantine",
		Short: "Items that mapped to no mailbox, held until the mapping is fixed",
	}
	var source string
	list := &cobra.Command{
		Use:   "list [--source SOURCE]",
		Short: "List quarantined items with the reason and the participants' numbers",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runQuarantineList(cmd.Context(), g, source)
		},
	}
	list.Flags().StringVar(&source, "source", "", "only this source")
	var rsource, mapping string
	replay := &cobra.Command{
		Use:   "replay [--source SOURCE] [--mapping MAP.CSV]",
		Short: "Map quarantined items again and file those that now map",
		Long: `Map every quarantined item again, with its source's custom mapping and the
directory as they are now, and file the items that map into their mailboxes.
Fix the mapping first: add the missing users ('custos users import') or give a
corrected mapping CSV with --mapping (which needs --source and replaces that
source's stored mapping). Each item is filed once, however often you replay.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runQuarantineReplay(cmd.Context(), g, rsource, mapping)
		},
	}
	replay.Flags().StringVar(&rsource, "source", "", "only this source")
	replay.Flags().StringVar(&mapping, "mapping", "", "replace the source's custom mapping with this CSV first")
	cmd.AddCommand(list, replay)
	return cmd
}

type quarantineRow struct {
	Source   string    `json:"source"`
	SourceID string    `json:"source_id"`
	Kind     string    `json:"kind"`
	Time     time.Time `json:"time"`
	Numbers  []string  `json:"numbers"`
	Reason   string    `json:"reason"`
	Since    time.Time `json:"since"`
}

func parseOptionalSource(s string) (item.Source, error) {
	if s == "" {
		return "", nil
	}
	src, err := item.ParseSource(s)
	if err != nil {
		return "", fmt.Errorf("--source: %w", err)
	}
	return src, nil
}

func runQuarantineList(ctx context.Context, g *globals, source string) error {
	src, err := parseOptionalSource(source)
	if err != nil {
		return err
	}
	st, err := g.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	rows := []quarantineRow{}
	err = st.QuarantineList(ctx, store.QuarantineFilter{Source: src}, func(q store.Quarantined) error {
		rows = append(rows, quarantineRow{string(q.Item.Source), q.Item.SourceID, string(q.Item.Kind), q.Item.Time, q.Numbers, q.Reason, q.Since})
		return nil
	})
	if err != nil {
		return err
	}
	if g.json {
		return g.printJSON(rows)
	}
	tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SOURCE\tSOURCE ID\tTIME\tNUMBERS\tREASON")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Source, r.SourceID, r.Time.Format(time.RFC3339), strings.Join(r.Numbers, " "), r.Reason)
	}
	fmt.Fprintf(tw, "%d items in the quarantine\n", len(rows))
	return tw.Flush()
}

func runQuarantineReplay(ctx context.Context, g *globals, source, mapping string) error {
	src, err := parseOptionalSource(source)
	if err != nil {
		return err
	}
	if mapping != "" && src == "" {
		return fmt.Errorf("--mapping needs --source: a custom mapping belongs to one source")
	}
	st, p, err := g.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	if mapping != "" {
		f, err := os.Open(mapping)
		if err != nil {
			return fmt.Errorf("--mapping: %w", err)
		}
		t, err := p.SetMapping(ctx, src, f, mapping)
		f.Close()
		e := audit.Entry{Action: audit.MappingChange, Object: "mapping:" + archive.MappingName(src), Details: map[string]any{"file": mapping}}
		if err == nil {
			e.Details = map[string]any{"file": mapping, "entries": t.Len()}
		}
		if err := g.record(ctx, st, e, err); err != nil {
			return err
		}
	}
	rep, err := p.Replay(ctx, src)
	d := map[string]any{"source": string(src)}
	if rep != nil {
		d["examined"], d["released"], d["copies"], d["still_quarantined"] = rep.Examined, rep.Released, rep.Copies, rep.Still
	}
	if err := g.record(context.WithoutCancel(ctx), st, audit.Entry{Action: audit.QuarantineReplay, Object: "quarantine", Details: d}, err); err != nil {
		return err
	}
	if g.json {
		return g.printJSON(rep)
	}
	fmt.Fprintf(g.stdout, "replayed %d quarantined items: %d filed (%d copies), %d still quarantined\n",
		rep.Examined, rep.Released, rep.Copies, rep.Still)
	return nil
}

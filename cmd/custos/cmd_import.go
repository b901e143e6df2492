package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/custos-archive/custos/archive"
	"github.com/custos-archive/custos/compliance/audit"
	"github.com/custos-archive/custos/item"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
)

type importOptions struct {
	source        string
	mapping       string
	noAutoMapping bool
}

func newImportCmd(g *globals) *cobra.Command {
	var o importOptions
	cmd := &cobra.Command{
		Use:   "import --source SOURCE [--mapping MAP.CSV] [--no-auto-mapping] ITEMS.JSONL...",
		Short: "Archive an items file (JSON lines, docs/items.md) into the mailboxes",
		Long: `Archive items from JSON-lines files (one item per line, schema in docs/items.md):
each item is converted into an email and filed into the "<Source> Archiver" folder
of every mapped participant's mailbox.

Mapping, per participant: the custom mapping CSV first (phone -> mailbox, with
optional validity dates), then the participant's email property (unless
--no-auto-mapping); a mapping counts only if the mailbox exists. An item that
maps to nobody is kept in the quarantine (see 'custos quarantine').

--mapping replaces the source's stored custom mapping; without it the stored
one is used. A malformed mapping file is refused before anything is imported.
A bad line is reported with its line number and skipped; the rest is imported.
Importing the same file again adds nothing. Exit status 1 if any line failed.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runImport(cmd.Context(), g, o, args)
		},
	}
	cmd.Flags().StringVar(&o.source, "source", "", "whatsapp, wechat or enterprise-number (required)")
	cmd.Flags().StringVar(&o.mapping, "mapping", "", "custom mapping CSV: phone,email or External User ID,Microsoft 365 User Mailbox [,valid_from,valid_to]")
	cmd.Flags().BoolVar(&o.noAutoMapping, "no-auto-mapping", false, "do not map by the participants' email-address property")
	cmd.MarkFlagRequired("source")
	return cmd
}

func runImport(ctx context.Context, g *globals, o importOptions, files []string) error {
	src, err := item.ParseSource(o.source)
	if err != nil {
		return fmt.Errorf("--source: %w", err)
	}
	st, p, err := g.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	if o.mapping != "" {
		f, err := os.Open(o.mapping)
		if err != nil {
			return fmt.Errorf("--mapping: %w", err)
		}
		t, err := p.SetMapping(ctx, src, f, o.mapping)
		f.Close()
		e := audit.Entry{Action: audit.MappingChange, Object: "mapping:" + archive.MappingName(src), Details: map[string]any{"file": o.mapping}}
		if err == nil {
			e.Details = map[string]any{"file": o.mapping, "entries": t.Len()}
		}
		if err := g.record(ctx, st, e, err); err != nil {
			return err
		}
		if !g.json {
			fmt.Fprintf(g.stdout, "mapping: %d entries from %s\n", t.Len(), o.mapping)
		}
	}
	m := archive.Mapping{Name: archive.MappingName(src), Auto: !o.noAutoMapping}
	total := &archive.Report{}
	var ierr error
	for _, path := range files {
		rep, err := importFile(ctx, g, p, path, src, m)
		if rep != nil {
			merge(total, rep)
		}
		if err != nil {
			ierr = err
			break
		}
	}
	// An import spans many transactions: one record when it ends, with
	// what it did.
	err = g.record(context.WithoutCancel(ctx), st, audit.Entry{Action: audit.Import, Object: "source:" + string(src), Details: map[string]any{
		"files": files, "mapping": o.mapping, "auto_mapping": !o.noAutoMapping, "fetched": total.Fetched, "imported": total.Imported,
		"duplicates": total.Duplicates, "copies": total.Copies, "unmapped": total.Unmapped, "failed": total.Failed}}, ierr)
	if ierr != nil {
		printReport(g, total)
		return err
	}
	if err != nil {
		return err
	}
	if err := printReport(g, total); err != nil {
		return err
	}
	if total.Failed > 0 {
		return &exitError{code: 1, msg: fmt.Sprintf("%d of %d items failed; fix the lines above and import again (what was imported stays, nothing is duplicated)", total.Failed, total.Fetched)}
	}
	return nil
}

func importFile(ctx context.Context, g *globals, p *archive.Pipeline, path string, src item.Source, m archive.Mapping) (*archive.Report, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader = f
	if g.interactive() {
		if st, err := f.Stat(); err == nil {
			bar := progressbar.DefaultBytes(st.Size(), "importing "+filepath.Base(path))
			defer bar.Finish()
			r = io.TeeReader(f, bar)
		}
	}
	return p.Import(ctx, r, path, filepath.Dir(path), src, m)
}

func merge(t, r *archive.Report) {
	t.Fetched += r.Fetched
	t.Imported += r.Imported
	t.Duplicates += r.Duplicates
	t.Copies += r.Copies
	t.Unmapped += r.Unmapped
	t.Failed += r.Failed
	t.UnmappedItems = append(t.UnmappedItems, r.UnmappedItems...)
	t.FailedItems = append(t.FailedItems, r.FailedItems...)
	t.MessageBytes += r.MessageBytes
	t.AttachmentRefs += r.AttachmentRefs
}

func printReport(g *globals, r *archive.Report) error {
	if g.json {
		return g.printJSON(r)
	}
	fmt.Fprintf(g.stdout, "fetched %d, imported %d, duplicates %d, copies written %d, unmapped %d, failed %d\n",
		r.Fetched, r.Imported, r.Duplicates, r.Copies, r.Unmapped, r.Failed)
	for _, u := range r.UnmappedItems {
		fmt.Fprintf(g.stdout, "unmapped: line %d: %s %s: %s\n", u.Line, u.Source, u.SourceID, u.Reason)
	}
	for _, f := range r.FailedItems {
		fmt.Fprintf(g.stdout, "failed: %s\n", f.Error)
	}
	return nil
}

package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"text/tabwriter"

	"github.com/custos-archive/custos/compliance/audit"
	"github.com/custos-archive/custos/connector/convert"
	"github.com/custos-archive/custos/export"
	"github.com/custos-archive/custos/store"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
)

func newMailboxCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "mailbox",
		Short: "Look into archive mailboxes",
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "list EMAIL",
		Short: "List a mailbox's folders with their item counts",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runMailboxList(cmd.Context(), g, args[0])
		},
	})
	var folder, mbox string
	exp := &cobra.Command{
		Use:   "export EMAIL --folder NAME --mbox FILE",
		Short: "Export a folder of a mailbox as a standard mbox file",
		Long: `Export a folder of a mailbox as an mbox file (mboxrd: LF line endings, From_
lines quoted), readable by mail clients and tools. The file is written to a
temporary name and renamed when complete.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runMailboxExport(cmd.Context(), g, args[0], folder, mbox)
		},
	}
	exp.Flags().StringVar(&folder, "folder", "", `folder name, e.g. "WhatsApp Archiver" (required)`)
	exp.Flags().StringVar(&mbox, "mbox", "", "mbox file to write (required)")
	exp.MarkFlagRequired("folder")
	exp.MarkFlagRequired("mbox")
	cmd.AddCommand(exp)
	return cmd
}

type folderRow struct {
	Name  string `json:"name"`
	Items int64  `json:"items"`
	Bytes int64  `json:"bytes"`
}

func runMailboxList(ctx context.Context, g *globals, address string) error {
	st, err := g.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	mb, err := st.Mailbox(ctx, address)
	if err != nil {
		return fmt.Errorf("%w (create it with 'custos users import')", err)
	}
	fs, err := st.Folders(ctx, mb.ID)
	if err != nil {
		return err
	}
	rows := []folderRow{}
	for _, f := range fs {
		rows = append(rows, folderRow{f.Name, f.Items, f.Bytes})
	}
	if g.json {
		return g.printJSON(map[string]any{"mailbox": mb.Address, "folders": rows})
	}
	tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "FOLDER\tITEMS\tBYTES\n")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%d\t%d\n", r.Name, r.Items, r.Bytes)
	}
	return tw.Flush()
}

func runMailboxExport(ctx context.Context, g *globals, address, folder, path string) error {
	st, err := g.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	mb, err := st.Mailbox(ctx, address)
	if err != nil {
		return err
	}
	f, err := st.Folder(ctx, mb.ID, folder)
	if err != nil {
		return fmt.Errorf("mailbox %s: %w", address, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".custos-export-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	var bar *progressbar.ProgressBar
	if g.interactive() {
		bar = progressbar.Default(f.Items, "exporting")
	}
	w := export.NewMbox(tmp)
	bs := st.Blobs()
	n := 0
	err = st.Copies(ctx, f.ID, func(c store.Copy) error {
		sender := convert.Address(c.Item.Source, c.Item.From)
		err := w.Add(sender, c.Item.Time, func(out io.Writer) error {
			_, err := c.Message.Render(out, func(h string) (io.ReadCloser, error) {
				rc, _, err := bs.Open(ctx, h)
				return rc, err
			})
			return err
		})
		n++
		if bar != nil {
			bar.Add(1)
		}
		return err
	})
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		err = fmt.Errorf("exporting %s/%s: %w", address, folder, err)
	} else {
		err = os.Rename(tmp.Name(), path)
	}
	if err := g.record(context.WithoutCancel(ctx), st, audit.Entry{Action: audit.Export, Object: "folder:" + mb.Address + "/" + folder,
		Details: map[string]any{"format": "mbox", "file": path, "messages": n}}, err); err != nil {
		return err
	}
	if g.json {
		return g.printJSON(map[string]any{"mailbox": mb.Address, "folder": folder, "messages": n, "file": path})
	}
	fmt.Fprintf(g.stdout, "exported %d messages from %s/%s to %s\n", n, mb.Address, folder, path)
	return nil
}

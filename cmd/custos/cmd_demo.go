package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/custos-archive/custos/demo"
	"github.com/custos-archive/custos/item"
	"github.com/spf13/cobra"
)

const demoMarker = ".custos-demo"

// demoSeed draws the demo's traffic: its content does not depend on the day.
const demoSeed = 20261204

func newDemoCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "demo",
		Short: "Make a demo data folder with a small organisation and a day of traffic",
		Long: `Make a fresh data folder (default ./custos-demo, or --data) with five users and a
day of WhatsApp, WeChat and Enterprise Number traffic, import it, and show the
result: the counts, a mailbox's folders, the quarantine (an item of a user not
yet in the directory), its replay once the user is added, and an mbox export.
A folder made by an earlier demo is replaced; any other non-empty folder is
refused.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !cmd.Flags().Changed("data") && os.Getenv("CUSTOS_DATA") == "" {
				g.data = "custos-demo"
			}
			return runDemo(cmd.Context(), g)
		},
	}
}

func runDemo(ctx context.Context, g *globals) error {
	if err := freshDemoDir(g.data); err != nil {
		return err
	}
	in := filepath.Join(g.data, "demo-input")
	if err := os.MkdirAll(in, 0o750); err != nil {
		return err
	}
	step := func(s string) {
		if !g.json {
			fmt.Fprintf(g.stdout, "\n== %s\n", s)
		}
	}
	write := func(name, content string) (string, error) {
		p := filepath.Join(in, name)
		return p, os.WriteFile(p, []byte(content), 0o640)
	}
	users, err := write("users.csv", demo.UsersCSV())
	if err != nil {
		return err
	}
	step("custos users import " + users)
	if err := runUsersImport(ctx, g, users); err != nil {
		return err
	}
	mapping, err := write("enterprise-number-mapping.csv", demo.MappingCSV())
	if err != nil {
		return err
	}
	// Yesterday's traffic, the same every day: the day moves the times only.
	day := g.clock()().UTC().Truncate(24*time.Hour).AddDate(0, 0, -1)
	traffic := demo.Day(day, 30, demoSeed)
	for _, src := range item.Sources {
		p := filepath.Join(in, string(src)+".jsonl")
		f, err := os.Create(p)
		if err != nil {
			return err
		}
		w := item.NewWriter(f)
		for _, it := range traffic[src] {
			if err := w.Write(it); err != nil {
				f.Close()
				return err
			}
		}
		if err := f.Close(); err != nil {
			return err
		}
		o := importOptions{source: string(src)}
		title := "custos import --source " + string(src) + " " + p
		if src == item.EnterpriseNumber {
			o.mapping = mapping
			title = "custos import --source " + string(src) + " --mapping " + mapping + " " + p
		}
		step(title)
		if err := runImport(ctx, g, o, []string{p}); err != nil {
			return err
		}
	}
	step("custos mailbox list " + demo.Employees[0].Email)
	if err := runMailboxList(ctx, g, demo.Employees[0].Email); err != nil {
		return err
	}
	step("custos quarantine list")
	if err := runQuarantineList(ctx, g, ""); err != nil {
		return err
	}
	frank, err := write("frank.csv", demo.FrankCSV())
	if err != nil {
		return err
	}
	step("custos users import " + frank + "   (the missing user joins the directory)")
	if err := runUsersImport(ctx, g, frank); err != nil {
		return err
	}
	step("custos quarantine replay")
	if err := runQuarantineReplay(ctx, g, "", ""); err != nil {
		return err
	}
	mbox := filepath.Join(g.data, "alice-whatsapp.mbox")
	step("custos mailbox export " + demo.Employees[0].Email + " --folder \"WhatsApp Archiver\" --mbox " + mbox)
	if err := runMailboxExport(ctx, g, demo.Employees[0].Email, item.WhatsApp.Folder(), mbox); err != nil {
		return err
	}
	q := "kind:deleted OR kind:recalled"
	step("custos search '" + q + "' --limit 5")
	if err := runSearch(ctx, g, searchOptions{limit: 5, page: 1}, q); err != nil {
		return err
	}
	if !g.json {
		fmt.Fprintf(g.stdout, "\nThe demo archive is in %s. Try:\n  custos --data %s mailbox list bob@demo.example\n  custos --data %s search 'from:alice price'\n  custos --data %s serve\n", g.data, g.data, g.data, g.data)
	}
	return nil
}

// freshDemoDir empties dir if an earlier demo made it, and refuses a
// non-empty folder that is not a demo's.
func freshDemoDir(dir string) error {
	ents, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if len(ents) > 0 {
		if _, err := os.Stat(filepath.Join(dir, demoMarker)); err != nil {
			return fmt.Errorf("%s is not empty and not a demo folder: give an empty or new folder with --data", dir)
		}
		if err := os.RemoveAll(dir); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, demoMarker), []byte("made by custos demo\n"), 0o640)
}

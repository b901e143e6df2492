package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/custos-archive/custos/archive"
	"github.com/custos-archive/custos/connector/usermap"
	"github.com/custos-archive/custos/store"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// globals are the options every command shares.
type globals struct {
	data   string
	json   bool
	region string
	stdout io.Writer
	stderr io.Writer
	log    *slog.Logger
	actor  string           // who acts, for the audit log (--actor)
	now    func() time.Time // the clock; nil means time.Now (tests set it)
}

// exitError carries an exit code out of a command after its output is written.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return runWithClock(ctx, nil, args, stdout, stderr)
}

// runWithClock runs the CLI with the given clock (nil: time.Now).
func runWithClock(ctx context.Context, now func() time.Time, args []string, stdout, stderr io.Writer) int {
	g := &globals{stdout: stdout, stderr: stderr, now: now}
	root := newRoot(g)
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.msg != "" {
			fmt.Fprintln(stderr, "custos:", ee.msg)
		}
		return ee.code
	}
	fmt.Fprintln(stderr, "custos:", err)
	return 1
}

func newRoot(g *globals) *cobra.Command {
	root := &cobra.Command{
		Use:   "custos",
		Short: "Archive mobile business communications into compliance mailboxes",
		Long: `Custos archives employees' WhatsApp, WeChat/WeCom, SMS/MMS and call traffic:
each captured item becomes an email, filed into the "<Source> Archiver" folder
of every employee who took part, on an embedded store under one data folder.

Start with:  custos demo`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRun: func(cmd *cobra.Command, args []string) {
			g.log = slog.New(slog.NewTextHandler(g.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
		},
	}
	def := os.Getenv("CUSTOS_DATA")
	if def == "" {
		def = "custos-data"
	}
	root.PersistentFlags().StringVar(&g.data, "data", def, "data folder of the embedded store (env CUSTOS_DATA)")
	root.PersistentFlags().BoolVar(&g.json, "json", false, "print results as JSON, for scripts")
	root.PersistentFlags().StringVar(&g.region, "region", "US", "default region for phone numbers written without a country code")
	root.PersistentFlags().StringVar(&g.actor, "actor", defaultActor(), "who is acting, as recorded in the audit log")
	root.AddCommand(newServeCmd(g), newUsersCmd(g), newImportCmd(g), newMailboxCmd(g), newQuarantineCmd(g), newSearchCmd(g), newCaptureCmd(g), newConnectorCmd(g), newDemoCmd(g), newDeliverCmd(g), newHoldCmd(g), newRetentionCmd(g), newDeleteCmd(g), newRecoverCmd(g), newPurgeCmd(g), newAuditCmd(g), newIndexCmd(g), newVerifyCmd(g), newBenchCmd(g))
	return root
}

// open opens the store and a pipeline over it.
func (g *globals) open(ctx context.Context) (*store.Store, *archive.Pipeline, error) {
	norm, err := usermap.NewNormalizer(g.region)
	if err != nil {
		return nil, nil, fmt.Errorf("--region: %w", err)
	}
	st, err := g.openStore(ctx)
	if err != nil {
		return nil, nil, err
	}
	p, err := archive.New(st, archive.Options{Normalizer: norm, Logger: g.log})
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return st, p, nil
}

func (g *globals) normalizer() (*usermap.Normalizer, error) {
	n, err := usermap.NewNormalizer(g.region)
	if err != nil {
		return nil, fmt.Errorf("--region: %w", err)
	}
	return n, nil
}

// printJSON writes v as indented JSON.
func (g *globals) printJSON(v any) error {
	enc := json.NewEncoder(g.stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// interactive reports whether progress bars should be drawn.
func (g *globals) interactive() bool {
	if g.json {
		return false
	}
	f, ok := g.stderr.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// progress returns a progress bar's setter for total steps when the output
// is a terminal (nil otherwise), and the function that ends the bar.
func (g *globals) progress(total int64, what string) (set func(int64), done func()) {
	if !g.interactive() {
		return nil, func() {}
	}
	bar := progressbar.NewOptions64(total, progressbar.OptionSetWriter(g.stderr), progressbar.OptionSetDescription(what),
		progressbar.OptionShowCount(), progressbar.OptionSetPredictTime(true))
	return func(n int64) { bar.Set64(n) }, func() { bar.Finish(); fmt.Fprintln(g.stderr) }
}

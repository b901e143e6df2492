package main

import (
	"context"
	"fmt"
	"os"
	"runtime/pprof"

	"github.com/custos-archive/custos/bench"
	"github.com/spf13/cobra"
)

func newBenchCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "bench", Short: "Benchmarks on the shared corpus"}
	cmd.AddCommand(&cobra.Command{
		Use:   "ingest CORPUS_DIR",
		Short: "Archive the benchmark corpus and report items/s, MB/s, peak memory, size and query latency",
		Long: `Archive the corpus made by shared/bench/gencorpus.py (corpus.jsonl, manifest.json;
e.g. python3 gencorpus.py --n 100000 --users 200 --seed 42 --out ./corpus) into a
new data folder (--data, which must be empty) through the real pipeline —
conversion, mapping, blobs, metadata and full-text index, durable per batch —
then check that the archive holds every message once and that the manifest's
queries return exactly the expected hit counts, and print the figures.
Exit status 1 when a check fails. CUSTOS_CPUPROFILE=FILE writes a CPU profile.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runBenchIngest(cmd.Context(), g, args[0])
		},
	})
	return cmd
}

func runBenchIngest(ctx context.Context, g *globals, dir string) error {
	if p := os.Getenv("CUSTOS_CPUPROFILE"); p != "" {
		f, err := os.Create(p)
		if err != nil {
			return err
		}
		pprof.StartCPUProfile(f)
		defer func() { pprof.StopCPUProfile(); f.Close() }()
	}
	var last int
	res, err := bench.Ingest(ctx, dir, g.data, func(n int) {
		if g.interactive() && n-last >= 10000 {
			last = n
			fmt.Fprintf(os.Stderr, "\r%d messages archived", n)
		}
	})
	if err != nil {
		return err
	}
	if g.interactive() {
		fmt.Fprintln(os.Stderr)
	}
	ok := res.CountsCorrect
	for _, q := range res.Queries {
		ok = ok && q.OK
	}
	if g.json {
		if err := g.printJSON(res); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(g.stdout, "archived %d items (%d copies, expected %d) in %.1f s: %.0f items/s, %.1f MB/s of RFC 5322\n",
			res.Items, res.Copies, res.Expected, res.Seconds, res.ItemsPerSec, res.MBPerSec)
		fmt.Fprintf(g.stdout, "peak RSS %.0f MB; data folder %.1f MB for %.1f MB of mail (%.2fx)\n",
			float64(res.PeakRSSBytes)/1e6, float64(res.DataBytes)/1e6, float64(res.RawBytes)/1e6, res.DataRatio)
		for _, q := range res.Queries {
			mark := "ok"
			if !q.OK {
				mark = "WRONG"
			}
			fmt.Fprintf(g.stdout, "%-10s %-70q hits %7d (expected %7d, %s)  p50 %7.2f ms  p99 %7.2f ms\n", q.Name, q.KQL, q.Hits, q.Expect, mark, q.P50ms, q.P99ms)
		}
	}
	if !ok {
		return &exitError{code: 1, msg: "a check failed: see above"}
	}
	return nil
}

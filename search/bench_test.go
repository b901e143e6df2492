package search_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/custos-archive/custos/archive"
	"github.com/custos-archive/custos/connector/usermap"
	"github.com/custos-archive/custos/demo"
	"github.com/custos-archive/custos/item"
	"github.com/custos-archive/custos/search"
	"github.com/custos-archive/custos/store"
)

// BenchmarkSearch1M archives a synthetic corpus (default 1,000,000 WhatsApp
// chat items, 200 users, Zipf vocabulary; set CUSTOS_BENCH_N to change)
// through the real pipeline, then times six queries over all mailboxes and
// reports their p50 and p99 latency (count and the first page of 20 hits
// with snippets; then again with the statistics by mailbox and source), the build rate and the index size.
// The archive is kept in CUSTOS_BENCH_DIR (default $TMPDIR/custos-search-bench-N)
// and reused by later runs. Run with:
//
//	go test ./search -run '^$' -bench Search1M -benchtime 1x -timeout 60m
func BenchmarkSearch1M(b *testing.B) {
	n := 1_000_000
	if v := os.Getenv("CUSTOS_BENCH_N"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	const users = 200
	dir := os.Getenv("CUSTOS_BENCH_DIR")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), fmt.Sprintf("custos-search-bench-%d", n))
	}
	ctx := context.Background()
	norm, _ := usermap.NewNormalizer("US")
	done := filepath.Join(dir, "complete")
	if _, err := os.Stat(done); err != nil {
		os.RemoveAll(dir)
		st, err := store.Open(ctx, dir, store.Options{})
		if err != nil {
			b.Fatal(err)
		}
		for i := 0; i < users; i++ {
			u := demo.SyntheticUser(i)
			st.PutUser(ctx, store.User{Email: u.Email, Name: u.Name, Phones: []string{u.Phone}})
		}
		p, _ := archive.New(st, archive.Options{Normalizer: norm})
		pr, pw := io.Pipe()
		go func() { pw.CloseWithError(demo.WriteSynthetic(pw, n, users, 33, 0, 42)) }()
		start := time.Now()
		rep, err := p.Import(ctx, pr, "synthetic", "", item.WhatsApp, archive.Mapping{Auto: true})
		if err != nil || rep.Imported != n {
			b.Fatalf("building the archive: %v %+v", err, rep)
		}
		el := time.Since(start)
		b.Logf("built %d items in %v: %.0f items/s (pipeline: conversion, blobs, metadata and index)", n, el.Round(time.Second), float64(n)/el.Seconds())
		st.Close()
		os.WriteFile(done, []byte(fmt.Sprintf("%d items/s\n", int(float64(n)/el.Seconds()))), 0o644)
	}
	rate, _ := os.ReadFile(done)
	b.Logf("archive in %s, build rate %s", dir, strings.TrimSpace(string(rate)))
	reportSizes(b, dir)

	st, err := store.Open(ctx, dir, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	eng := search.New(st, norm)
	words := demo.Vocabulary(20000)
	queries := []struct{ name, q string }{
		{"common", words[6]},
		{"rare", words[15000]},
		{"phrase", `"` + words[1] + " " + words[2] + `"`},
		{"prefix", "confid*"},
		{"and2", "meeting AND tomorrow"},
		{"word_from_sent", "price AND from:" + demo.SyntheticUser(0).Email + " AND sent:2026-01-01..2026-01-31"},
	}
	b.ResetTimer()
	for _, q := range queries {
		for _, stats := range []bool{false, true} {
			var lat []time.Duration
			var total int64
			for i := 0; i < 41; i++ {
				t0 := time.Now()
				res, err := eng.Search(ctx, search.Request{Query: q.q, Limit: 20, Stats: stats})
				d := time.Since(t0)
				if err != nil {
					b.Fatalf("%s: %v", q.q, err)
				}
				total = res.Total
				if i > 0 { // the first run warms the cache
					lat = append(lat, d)
				}
			}
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			p50, p99 := lat[len(lat)/2], lat[len(lat)*99/100]
			name := q.name
			if stats {
				name += "+stats"
			}
			b.Logf("%-21s %-60q hits %7d  p50 %8.2f ms  p99 %8.2f ms", name, q.q, total, ms(p50), ms(p99))
			b.ReportMetric(ms(p50), name+"_p50_ms")
			b.ReportMetric(ms(p99), name+"_p99_ms")
		}
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func reportSizes(b *testing.B, dir string) {
	var total int64
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			total += fi.Size()
		}
		return nil
	})
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "custos.db")+"?mode=ro")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	var fts int64
	db.QueryRow(`SELECT COALESCE(SUM(length(block)), 0) FROM items_fts_data`).Scan(&fts)
	var idx int64
	db.QueryRow(`SELECT COALESCE(SUM(length(term)), 0) + COUNT(*) * 16 FROM items_fts_idx`).Scan(&idx)
	b.Logf("data folder %.1f MB, full-text index %.1f MB", float64(total)/1e6, float64(fts+idx)/1e6)
}

package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/custos-archive/custos/archive"
	"github.com/custos-archive/custos/connector/usermap"
	"github.com/custos-archive/custos/search"
	"github.com/custos-archive/custos/store"
)

// Result is what an ingest benchmark measured and checked.
type Result struct {
	Items         int64         `json:"items"`
	Copies        int64         `json:"copies"`
	Expected      int           `json:"expected_items"`
	Seconds       float64       `json:"seconds"`
	ItemsPerSec   float64       `json:"items_per_second"`
	MBPerSec      float64       `json:"rfc5322_mb_per_second"`
	RawBytes      int64         `json:"rfc5322_bytes"`
	DataBytes     int64         `json:"data_folder_bytes"`
	DataRatio     float64       `json:"data_folder_ratio"`
	PeakRSSBytes  int64         `json:"peak_rss_bytes"`
	Queries       []QueryResult `json:"queries"`
	CountsCorrect bool          `json:"counts_correct"`
}

// QueryResult is one manifest query's hits and latency.
type QueryResult struct {
	Name   string  `json:"name"`
	KQL    string  `json:"kql"`
	Hits   int64   `json:"hits"`
	Expect int64   `json:"expect"`
	P50ms  float64 `json:"p50_ms"`
	P99ms  float64 `json:"p99_ms"`
	OK     bool    `json:"ok"`
}

// Ingest archives the corpus in dir into a new store in data through the
// real pipeline (conversion, mapping, blobs, metadata, full-text index;
// durable per batch), then checks the counts and runs the manifest's
// queries over all mailboxes.
func Ingest(ctx context.Context, dir, data string, progress func(n int)) (*Result, error) {
	m, err := ReadManifest(dir)
	if err != nil {
		return nil, err
	}
	if ents, _ := os.ReadDir(data); len(ents) > 0 {
		return nil, fmt.Errorf("%s is not empty: give a new data folder", data)
	}
	st, err := store.Open(ctx, data, store.Options{})
	if err != nil {
		return nil, err
	}
	defer st.Close()
	for _, u := range m.UserList {
		if _, err := st.PutUser(ctx, store.User{Email: u.Email, Name: u.Name, Phones: []string{u.Phone}}); err != nil {
			return nil, err
		}
	}
	norm, _ := usermap.NewNormalizer("US")
	p, err := archive.New(st, archive.Options{Normalizer: norm, Progress: func(pr archive.Progress) {
		if progress != nil {
			progress(pr.Line)
		}
	}})
	if err != nil {
		return nil, err
	}
	f, err := os.Open(filepath.Join(dir, "corpus.jsonl"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	start := time.Now()
	rep, err := p.ImportFrom(ctx, NewReader(f).Next, "corpus.jsonl", dir, archive.Mapping{Auto: true})
	el := time.Since(start)
	if err != nil {
		return nil, err
	}
	if rep.Failed > 0 {
		return nil, fmt.Errorf("%d items failed, first: %s", rep.Failed, rep.FailedItems[0].Error)
	}
	c, err := st.Counts(ctx)
	if err != nil {
		return nil, err
	}
	res := &Result{Items: c.Items, Copies: c.Copies, Expected: m.N, Seconds: el.Seconds(), RawBytes: m.TotalMessageBytes,
		ItemsPerSec: float64(c.Items) / el.Seconds(), MBPerSec: float64(m.TotalMessageBytes) / 1e6 / el.Seconds(), PeakRSSBytes: peakRSS()}
	res.CountsCorrect = c.Items == int64(m.N) && c.Copies == int64(m.N) && c.Quarantined == 0
	filepath.Walk(data, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			res.DataBytes += fi.Size()
		}
		return nil
	})
	res.DataRatio = float64(res.DataBytes) / float64(m.TotalMessageBytes)

	eng := search.New(st, norm)
	for _, q := range m.KQL() {
		var lat []time.Duration
		var hits int64
		for i := 0; i < 21; i++ {
			t0 := time.Now()
			r, err := eng.Search(ctx, search.Request{Query: q.KQL, Limit: 20})
			if err != nil {
				return nil, fmt.Errorf("query %s %q: %w", q.Name, q.KQL, err)
			}
			if i > 0 {
				lat = append(lat, time.Since(t0))
			}
			hits = r.Total
		}
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		res.Queries = append(res.Queries, QueryResult{Name: q.Name, KQL: q.KQL, Hits: hits, Expect: q.Expect, OK: hits == q.Expect,
			P50ms: ms(lat[len(lat)/2]), P99ms: ms(lat[len(lat)-1])})
	}
	return res, nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// peakRSS reads the process's peak resident set size (Linux), or 0.
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

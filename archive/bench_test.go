package archive_test

import (
	"bytes"
	"context"
	"runtime"
	"strings"
	"testing"

	"github.com/custos-archive/custos/archive"
	"github.com/custos-archive/custos/connector/usermap"
	"github.com/custos-archive/custos/demo"
	"github.com/custos-archive/custos/directory"
	"github.com/custos-archive/custos/item"
	"github.com/custos-archive/custos/store"
)

// BenchmarkPipeline archives 100,000 synthetic WhatsApp items (200 users, an
// attachment of 1-5 KB on every 33rd, one item in 50 unmapped) into a fresh
// embedded store per iteration, durably, and reports items/s and the bytes
// allocated per item. Run with:
//
//	go test ./archive -run '^$' -bench Pipeline -benchtime 1x
func BenchmarkPipeline(b *testing.B) {
	const n, users = 100_000, 200
	var in bytes.Buffer
	if err := demo.WriteSynthetic(&in, n, users, 33, 50, 42); err != nil {
		b.Fatal(err)
	}
	norm, _ := usermap.NewNormalizer("US")
	us, err := directory.ParseUsers(strings.NewReader(demo.SyntheticUsersCSV(users)), "users.csv", norm)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	var total, allocs uint64
	var ms runtime.MemStats
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		st, err := store.Open(ctx, b.TempDir(), store.Options{})
		if err != nil {
			b.Fatal(err)
		}
		for _, u := range us {
			st.PutUser(ctx, store.User{Email: u.Email, Name: u.Name, Phones: u.Phones})
		}
		p, _ := archive.New(st, archive.Options{Normalizer: norm})
		runtime.ReadMemStats(&ms)
		before, beforeN := ms.TotalAlloc, ms.Mallocs
		b.StartTimer()
		rep, err := p.Import(ctx, bytes.NewReader(in.Bytes()), "bench.jsonl", "", item.WhatsApp, archive.Mapping{Auto: true})
		b.StopTimer()
		runtime.ReadMemStats(&ms)
		total += ms.TotalAlloc - before
		allocs += ms.Mallocs - beforeN
		if err != nil || rep.Imported+rep.Unmapped != n {
			b.Fatalf("import: %v %+v", err, rep)
		}
		st.Close()
		b.StartTimer()
	}
	b.StopTimer()
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "items/s")
	b.ReportMetric(float64(total)/float64(n*b.N), "B/item")
	b.ReportMetric(float64(allocs)/float64(n*b.N), "allocs/item")
}

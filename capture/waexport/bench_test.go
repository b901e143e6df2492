package waexport

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/custos-archive/custos/item"
)

// genExport writes an Android en-US export (12-hour clock with U+202F) of
// about size bytes: a group of 12 people, mostly short texts, with
// multi-line messages, media, deletions, edits, locations and system lines.
func genExport(size int) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	authors := []string{"Alice Martin", "Bob Chen", "+44 7700 900123", "Dana Lee", "Erik Johansson", "Fatima Zahra",
		"Gao Wei", "Hiro Tanaka", "+1 202 555 0143", "Ines Duarte", "José García", "Kai Müller"}
	words := strings.Fields("the price of the bond moved again this morning please confirm the order size and " +
		"settlement date before noon we need sign off from compliance on the new client call me when you can 👍 ok")
	text := func(n int) string {
		var b strings.Builder
		for i := 0; i < n; i++ {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(words[r.IntN(len(words))])
		}
		return b.String()
	}
	var b bytes.Buffer
	b.Grow(size + 1024)
	t := time.Date(2023, 1, 1, 9, 0, 0, 0, time.UTC)
	header := func() {
		h, ap := t.Hour()%12, "AM"
		if h == 0 {
			h = 12
		}
		if t.Hour() >= 12 {
			ap = "PM"
		}
		fmt.Fprintf(&b, "%d/%d/%02d, %d:%02d\u202f%s - ", int(t.Month()), t.Day(), t.Year()%100, h, t.Minute(), ap)
	}
	header()
	b.WriteString("Messages and calls are end-to-end encrypted. Only people in this chat can read, listen to, or share them. Learn more.\n")
	for i := 0; b.Len() < size; i++ {
		t = t.Add(time.Duration(r.IntN(600)) * time.Second)
		header()
		a := authors[r.IntN(len(authors))]
		switch i % 40 {
		case 0:
			fmt.Fprintf(&b, "%s added %s\n", a, authors[r.IntN(len(authors))])
		case 1:
			fmt.Fprintf(&b, "%s: IMG-%s-WA%04d.jpg (file attached)\n%s\n", a, t.Format("20060102"), i%10000, text(4))
		case 2:
			fmt.Fprintf(&b, "%s: <Media omitted>\n", a)
		case 3:
			fmt.Fprintf(&b, "%s: This message was deleted\n", a)
		case 4:
			fmt.Fprintf(&b, "%s: %s <This message was edited>\n", a, text(8))
		case 5:
			fmt.Fprintf(&b, "%s: location: https://maps.google.com/?q=%.6f,%.6f\n", a, r.Float64()*180-90, r.Float64()*360-180)
		case 6, 7, 8:
			fmt.Fprintf(&b, "%s: %s\n%s\n\n%s\n", a, text(10), text(12), text(6))
		default:
			fmt.Fprintf(&b, "%s: %s\n", a, text(3+r.IntN(25)))
		}
	}
	return b.Bytes()
}

func BenchmarkParseText(b *testing.B) {
	data := genExport(8 << 20)
	o := Options{Owner: item.Participant{Name: "Dana Lee", Phone: ownerPhone}}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var items int
	for b.Loop() {
		res, err := ParseText(bytes.NewReader(data), "bench.txt", o)
		if err != nil {
			b.Fatal(err)
		}
		items = len(res.Items)
	}
	b.ReportMetric(float64(items), "items/op")
}

// heapSampler records the largest live heap (objects) seen while it runs.
type heapSampler struct {
	stop chan struct{}
	wg   sync.WaitGroup
	peak uint64
}

func sampleHeap() *heapSampler {
	s := &heapSampler{stop: make(chan struct{})}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		m := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(m)
			s.peak = max(s.peak, m[0].Value.Uint64())
			select {
			case <-s.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return s
}

func (s *heapSampler) done() uint64 {
	close(s.stop)
	s.wg.Wait()
	return s.peak
}

func heapNow() uint64 {
	runtime.GC()
	m := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(m)
	return m[0].Value.Uint64()
}

// TestParseTextMemory parses a 32 MB export from a file and checks that the
// peak heap is the items plus a bounded overhead, not the file on top.
func TestParseTextMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	path := filepath.Join(t.TempDir(), "big.txt")
	if err := os.WriteFile(path, genExport(32<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, _ := f.Stat()

	// A low GC target makes the sampled heap close to the live heap.
	defer debug.SetGCPercent(debug.SetGCPercent(10))
	base := heapNow()
	s := sampleHeap()
	start := time.Now()
	res, err := ParseText(f, "big.txt", Options{Owner: item.Participant{Name: "Dana Lee", Phone: ownerPhone}})
	elapsed := time.Since(start)
	peak := s.done() - base
	if err != nil {
		t.Fatal(err)
	}
	kept := heapNow() - base
	var text int
	for _, it := range res.Items {
		text += len(it.Text)
	}
	t.Logf("file %.1f MB, %d items (text %.1f MB) in %v (%.1f MB/s): items on the heap %.1f MB, peak heap %.1f MB",
		mb(uint64(fi.Size())), len(res.Items), mb(uint64(text)), elapsed.Round(time.Millisecond),
		mb(uint64(fi.Size()))/elapsed.Seconds(), mb(kept), mb(peak))
	if len(res.Rejected) != 0 {
		t.Errorf("rejected %v", res.Rejected[:min(3, len(res.Rejected))])
	}
	// While parsing, the records the items are made from live beside them;
	// the file itself is never held.
	if peak > kept*3/2 {
		t.Errorf("peak heap %.1f MB is more than 1.5 times the %.1f MB of items", mb(peak), mb(kept))
	}
	runtime.KeepAlive(res)
}

func mb(n uint64) float64 { return float64(n) / (1 << 20) }

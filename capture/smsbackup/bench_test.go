package smsbackup

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"

	"github.com/custos-archive/custos/item"
)

// writeBackup writes a generated backup of at least size bytes to w: SMS
// of all types and MMS with a 192 KB image each, like a real backup where
// MMS media make most of the bytes. It returns the number of <sms> and
// <mms> elements written.
func writeBackup(w io.Writer, size int64) (sms, mms int, err error) {
	bw := bufio.NewWriterSize(w, 256<<10)
	cw := &countWriter{w: bw}
	image := make([]byte, 192<<10)
	for i := range image {
		image[i] = byte(i * 7)
	}
	data := base64.StdEncoding.EncodeToString(image)
	fmt.Fprintf(cw, "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n<smses count=\"0\" type=\"full\">\n")
	date := int64(1700000000000)
	for cw.n < size {
		for j := range 40 {
			date += 1000
			fmt.Fprintf(cw, `  <sms protocol="0" address="+1202555%04d" date="%d" type="%d" subject="null" body="Message %d about the order&#10;with a second line" toa="null" sc_toa="null" service_center="null" read="1" status="-1" locked="0" date_sent="0" sub_id="1" readable_date="x" contact_name="Contact %d" />`+"\n",
				j%100, date, 1+j%2, sms, j)
			sms++
		}
		date += 1000
		fmt.Fprintf(cw, `  <mms date="%d" ct_t="application/vnd.wap.multipart.related" msg_box="1" address="+12025550143" m_type="132" contact_name="Alice">
    <parts>
      <part seq="-1" ct="application/smil" name="smil.xml" text="&lt;smil/&gt;" />
      <part seq="0" ct="text/plain" name="text.txt" text="Photo %d" />
      <part seq="1" ct="image/jpeg" name="IMG_%d.jpg" cl="IMG_%d.jpg" data="%s" />
    </parts>
    <addrs>
      <addr address="+12025550143" type="137" charset="106" />
      <addr address="+12025550100" type="151" charset="106" />
    </addrs>
  </mms>
`, date, mms, mms, mms, data)
		mms++
	}
	fmt.Fprintf(cw, "</smses>\n")
	if cw.err != nil {
		return sms, mms, cw.err
	}
	return sms, mms, bw.Flush()
}

type countWriter struct {
	w   io.Writer
	n   int64
	err error
}

func (c *countWriter) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(p)
	c.n += int64(n)
	c.err = err
	return n, err
}

// heapPeaks are the peaks of two heap metrics over a parse.
type heapPeaks struct {
	// objects is the peak of /memory/classes/heap/objects:bytes: live
	// objects and dead ones not yet swept. It rises with garbage that the
	// collector has not reached yet, more so on a busy machine.
	objects uint64
	// live is the peak of /gc/heap/live:bytes: the heap the last
	// collection found live, which is what the parse holds on to.
	live uint64
}

func (h heapPeaks) String() string {
	return fmt.Sprintf("peak heap %.1f MB (live after GC %.1f MB)", float64(h.objects)/(1<<20), float64(h.live)/(1<<20))
}

// peakHeap samples the heap until stop is called and returns the peaks.
func peakHeap() (stop func() heapPeaks) {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/gc/heap/live:bytes"}}
	var peak heapPeaks
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(500 * time.Microsecond)
		defer tick.Stop()
		for {
			metrics.Read(s)
			peak.objects = max(peak.objects, s[0].Value.Uint64())
			peak.live = max(peak.live, s[1].Value.Uint64())
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return func() heapPeaks {
		close(done)
		<-finished
		return peak
	}
}

// BenchmarkParse parses a generated 50 MB backup from a file and reports
// the throughput (MB/s), the peak heap (peak-heap-MB, live and unswept
// objects) and the peak live heap after GC (peak-live-MB), which stay at a
// few MB whatever the file's size: the backup is streamed.
func BenchmarkParse(b *testing.B) {
	benchFile := filepath.Join(b.TempDir(), "backup.xml")
	f, err := os.Create(benchFile)
	if err != nil {
		b.Fatal(err)
	}
	if _, _, err := writeBackup(f, 50<<20); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	fi, err := os.Stat(benchFile)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(fi.Size())
	o := Options{Owner: item.Participant{Phone: "+12025550100"}}
	var peak heapPeaks
	for b.Loop() {
		f, err := os.Open(benchFile)
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		stop := peakHeap()
		st, err := Parse(f, "backup.xml", o, func(*item.Item) error { return nil })
		p := stop()
		peak.objects, peak.live = max(peak.objects, p.objects), max(peak.live, p.live)
		f.Close()
		if err != nil || st.RejectedCount != 0 {
			b.Fatalf("%+v, %v", st, err)
		}
	}
	b.ReportMetric(float64(peak.objects)/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(peak.live)/(1<<20), "peak-live-MB")
}

// TestLargeBackupStreams parses generated backups of 8 and 64 MB, written
// as they are read, and checks that the heap stays small and does not grow
// with the size of the file: the document is never held.
func TestLargeBackupStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and parses 72 MB")
	}
	var live []uint64
	for _, size := range []int64{8 << 20, 64 << 20} {
		pr, pw := io.Pipe()
		var sms, mms int
		go func() {
			var err error
			sms, mms, err = writeBackup(pw, size)
			pw.CloseWithError(err)
		}()
		runtime.GC()
		stop := peakHeap()
		var media int64
		st, err := Parse(pr, "large.xml", Options{Owner: item.Participant{Phone: "+12025550100"}}, func(it *item.Item) error {
			for _, a := range it.Attachments {
				media += int64(len(a.Data))
			}
			return nil
		})
		peak := stop()
		if err != nil {
			t.Fatal(err)
		}
		if st.SMS != sms || st.MMS != mms || st.RejectedCount != 0 {
			t.Fatalf("%+v, want %d sms and %d mms", st, sms, mms)
		}
		t.Logf("%d MB: %d sms, %d mms, %d MB of media, %v", size>>20, st.SMS, st.MMS, media>>20, peak)
		// The live heap is what Parse holds: one element and the
		// window of keys. The peak of all objects also counts garbage
		// not yet swept, which depends on how busy the machine is, so
		// it is only logged.
		if peak.live > 16<<20 {
			t.Errorf("%v while parsing a %d MB backup: it is not streamed", peak, size>>20)
		}
		live = append(live, peak.live)
	}
	if live[1] > live[0]+4<<20 {
		t.Errorf("the live heap grew from %.1f MB to %.1f MB with the file's size", float64(live[0])/(1<<20), float64(live[1])/(1<<20))
	}
}

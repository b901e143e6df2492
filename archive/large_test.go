package archive_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/custos-archive/custos/archive"
	"github.com/custos-archive/custos/item"
	"github.com/custos-archive/custos/store"
	"github.com/emersion/go-message/mail"
)

// peakHeap samples the live heap until stop is called and returns the peak.
func peakHeap() (stop func() uint64) {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var peak uint64
	var mu sync.Mutex
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		for {
			metrics.Read(s)
			mu.Lock()
			peak = max(peak, s[0].Value.Uint64())
			mu.Unlock()
			select {
			case <-done:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()
	return func() uint64 {
		close(done)
		<-finished
		mu.Lock()
		defer mu.Unlock()
		return peak
	}
}

// TestLargeAttachmentStreams archives an item with a 200 MB attachment (the
// anchor stops at 10 MB) and checks it is streamed: the heap never holds
// more than a small fraction of it, and the message renders back with the
// attachment's exact bytes.
func TestLargeAttachmentStreams(t *testing.T) {
	const size = 200 << 20
	e := newEnv(t)
	e.users(alice)
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, "recording.wav"))
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	src := rand.NewChaCha8([32]byte{1})
	if _, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(src, size)); err != nil {
		t.Fatal(err)
	}
	f.Close()
	want := hex.EncodeToString(h.Sum(nil))

	it := &item.Item{Source: item.EnterpriseNumber, Kind: item.VoiceRecording, SourceID: "RE-large", Conversation: item.Conversation{ID: "CA-large"},
		From: withEmail(alice), To: []item.Participant{phoneOnly(ext)}, Time: t0,
		Call:        &item.CallInfo{Direction: "outbound", Status: "completed", Duration: 3 * 3600},
		Attachments: []item.Attachment{{Name: "recording.wav", ContentType: "audio/wav", Path: "recording.wav", Size: size, SHA256: want}}}
	line, _ := json.Marshal(it)

	runtime.GC()
	stop := peakHeap()
	rep, err := e.p.Import(context.Background(), strings.NewReader(string(line)+"\n"), "large.jsonl", dir, item.EnterpriseNumber, archive.Mapping{Auto: true})
	peak := stop()
	if err != nil {
		t.Fatal(err)
	}
	if rep.Imported != 1 || rep.Copies != 1 || rep.Failed != 0 {
		t.Fatalf("report %+v", rep)
	}
	t.Logf("archived a %d MB attachment with a peak live heap of %.1f MB", size>>20, float64(peak)/(1<<20))
	if peak > 32<<20 {
		t.Errorf("peak live heap %.1f MB while archiving a 200 MB attachment: it is not streamed", float64(peak)/(1<<20))
	}

	// Read it back through the folder, streaming the render into go-message.
	ctx := context.Background()
	mb, _ := e.st.Mailbox(ctx, alice.Email)
	fo, err := e.st.Folder(ctx, mb.ID, "Enterprise Number Archiver")
	if err != nil {
		t.Fatal(err)
	}
	stop = peakHeap()
	err = e.st.Copies(ctx, fo.ID, func(c store.Copy) error {
		pr, pw := io.Pipe()
		go func() {
			_, err := c.Message.Render(pw, func(s string) (io.ReadCloser, error) {
				rc, _, err := e.st.Blobs().Open(ctx, s)
				return rc, err
			})
			pw.CloseWithError(err)
		}()
		mr, err := mail.CreateReader(pr)
		if err != nil {
			return err
		}
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				return err
			}
			if _, ok := p.Header.(*mail.AttachmentHeader); ok {
				h := sha256.New()
				n, err := io.Copy(h, p.Body)
				if err != nil {
					return err
				}
				if n != size || hex.EncodeToString(h.Sum(nil)) != want {
					t.Errorf("attachment read back: %d bytes, sha %x; want %d, %s", n, h.Sum(nil), size, want)
				}
			}
		}
		return nil
	})
	peak = stop()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("rendered and parsed it back with a peak live heap of %.1f MB", float64(peak)/(1<<20))
	if peak > 32<<20 {
		t.Errorf("peak live heap %.1f MB while rendering: not streamed", float64(peak)/(1<<20))
	}
}

package delivery_test

import (
	"context"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/custos-archive/custos/delivery"
	"github.com/custos-archive/custos/delivery/deliverytest"
	"github.com/custos-archive/custos/demo"
	"github.com/custos-archive/custos/internal/dovecottest"
	"github.com/custos-archive/custos/store"
)

// Delivery against a real Dovecot (Debian's dovecot-imapd), started on
// loopback with a throwaway configuration by package dovecottest.

func demoUsers() map[string]string {
	users := map[string]string{}
	for _, p := range demo.Employees {
		users[p.Email] = "pw-" + p.Email
	}
	return users
}

func dovecotSink(t *testing.T, addr string) *delivery.IMAPSink {
	t.Helper()
	s, err := delivery.NewIMAP(delivery.IMAPConfig{URL: "imap://" + addr, User: dovecottest.MasterUser,
		Password: dovecottest.MasterPassword, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func readerOf(dv *dovecottest.Server) func(mailbox, folder string) [][]byte {
	return func(mailbox, folder string) [][]byte {
		var out [][]byte
		for _, b := range dv.Messages(mailbox, folder) {
			out = append(out, b)
		}
		return out
	}
}

func TestDovecotSinkConformance(t *testing.T) {
	dv := dovecottest.Start(t, map[string]string{"alice@corp.example": "a", "bob@corp.example": "b"})
	deliverytest.Run(t, dovecotSink(t, dv.Addr), readerOf(dv), "alice@corp.example", "bob@corp.example")
}

func TestIMAPConfigErrors(t *testing.T) {
	for _, c := range []struct{ url, want string }{
		{"imap://mail.corp.example:143", "loopback"},
		{"smtp://x", "scheme"},
		{"mail.corp.example", "want imaps://"},
	} {
		_, err := delivery.NewIMAP(delivery.IMAPConfig{URL: c.url, User: "u", Password: "p"})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v", c.url, err)
		}
	}
	if _, err := delivery.NewIMAP(delivery.IMAPConfig{URL: "imaps://mail.corp.example"}); err == nil || !strings.Contains(err.Error(), "CUSTOS_DELIVER_IMAP_USER") {
		t.Errorf("no credentials: %v", err)
	}
}

func TestDeliverToDovecot(t *testing.T) {
	ctx := context.Background()
	dv := dovecottest.Start(t, demoUsers())
	st := archiveDemo(t, 10)
	r := delivery.New(st, dovecotSink(t, dv.Addr), delivery.Options{})
	rep, err := r.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	total := checkExactlyOnce(t, st, readerOf(dv))
	if rep.Delivered != total || total == 0 {
		t.Fatalf("report %+v for %d copies\n%s", rep, total, dv.Log())
	}
	t.Logf("delivered %d copies into %d mailboxes", total, len(demo.Employees))
	if rep, _ := r.Run(ctx); rep.Delivered+rep.Found+rep.Retrying != 0 {
		t.Errorf("second run %+v", rep)
	}
}

// TestDovecotStoppedMidway kills Dovecot while copies are being delivered
// and starts it again: every copy lands exactly once.
func TestDovecotStoppedMidway(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dv := dovecottest.Start(t, demoUsers())
	st := archiveDemo(t, 25)
	r := delivery.New(st, dovecotSink(t, dv.Addr), delivery.Options{
		Backoff: func(int) time.Duration { return 100 * time.Millisecond }, Lease: 2 * time.Second, MaxAttempts: 1000})
	var mu sync.Mutex
	var total delivery.Report
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			rep, _ := r.Run(ctx)
			mu.Lock()
			total.Delivered += rep.Delivered
			total.Found += rep.Found
			total.Retrying += rep.Retrying
			mu.Unlock()
			time.Sleep(20 * time.Millisecond)
		}
	}()
	delivered := func() int64 {
		counts, _ := st.DeliveryCounts(context.Background())
		var n int64
		for _, c := range counts {
			if c.State == store.DeliveryDelivered {
				n += c.Copies
			}
		}
		return n
	}
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitFor("some deliveries", func() bool { return delivered() >= 5 })
	dv.Stop()
	stoppedAt := delivered()
	time.Sleep(500 * time.Millisecond)
	dv.Start()
	all := int64(len(archivedCopiesList(t, st)))
	waitFor("every delivery", func() bool { return delivered() == all })
	cancel()
	<-done
	if stoppedAt >= all {
		t.Fatalf("Dovecot was stopped after everything was delivered (%d of %d)", stoppedAt, all)
	}
	checkExactlyOnce(t, st, readerOf(dv))
	mu.Lock()
	defer mu.Unlock()
	if total.Retrying == 0 {
		t.Error("no attempt failed while Dovecot was down")
	}
	t.Logf("%d copies: %d delivered before the stop; then %d appended, %d found already there, %d failed attempts",
		all, stoppedAt, total.Delivered, total.Found, total.Retrying)
}

func archivedCopiesList(t *testing.T, st *store.Store) [][]byte {
	var out [][]byte
	for _, l := range archivedCopies(t, st) {
		out = append(out, l...)
	}
	return out
}

// TestDovecotLostReply cuts the connection right after Dovecot accepted an
// APPEND and before its OK reaches Custos: the message is there, the
// runner does not know. The next run finds it by its Message-ID instead of
// appending it again.
func TestDovecotLostReply(t *testing.T) {
	ctx := context.Background()
	dv := dovecottest.Start(t, demoUsers())
	st := archiveDemo(t, 6)
	p := newCutter(t, dv.Addr)
	p.cuts.Store(3)
	clk := &clock{time.Now()}
	r := delivery.New(st, dovecotSink(t, p.addr), delivery.Options{Now: clk.now, Backoff: func(int) time.Duration { return time.Second }})
	var total delivery.Report
	for i := 0; i < 10; i++ {
		rep, err := r.Run(ctx)
		if err != nil {
			t.Fatal(err)
		}
		total.Delivered += rep.Delivered
		total.Found += rep.Found
		total.Retrying += rep.Retrying
		clk.t = clk.t.Add(time.Minute)
	}
	if total.Found != 3 || total.Retrying != 3 {
		t.Errorf("runs %+v: want 3 cut replies, each found at the next run", total)
	}
	checkExactlyOnce(t, st, readerOf(dv))
}

// cutter is a TCP proxy that, while cuts > 0, closes the connection
// instead of passing on the server's reply to an APPEND.
type cutter struct {
	addr string
	cuts atomic.Int64
}

func newCutter(t *testing.T, target string) *cutter {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	c := &cutter{addr: ln.Addr().String()}
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", target)
			if err != nil {
				in.Close()
				continue
			}
			go func() {
				io.Copy(out, in)
				out.Close()
			}()
			go func() {
				defer in.Close()
				defer out.Close()
				buf := make([]byte, 32*1024)
				for {
					n, err := out.Read(buf)
					if n > 0 {
						if strings.Contains(string(buf[:n]), "Append completed") && c.cuts.Load() > 0 {
							c.cuts.Add(-1)
							return
						}
						if _, werr := in.Write(buf[:n]); werr != nil {
							return
						}
					}
					if err != nil {
						return
					}
				}
			}()
		}
	}()
	return c
}
